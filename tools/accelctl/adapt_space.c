// SPDX-License-Identifier: MIT
/* Channel spaces of a float ONNX model and their pruning (adapt_space.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt_space.h"

/* Ops whose output keeps its input's channels one for one. */
static const char *const channelwise_ops[] = {
	"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu",
	"Selu", "Softplus", "Identity", "Dropout", "MaxPool", "AveragePool",
	"GlobalAveragePool", "GlobalMaxPool", "Neg", "Abs", "Sqrt", "Exp",
};
/* Element-wise ops of several tensors: their inputs share channels. */
static const char *const elementwise_ops[] = {
	"Add", "Sum", "Mul", "Sub", "Div", "Max", "Min", "Mean",
};

static bool in_list(const char *op, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(op, list[i]))
			return true;
	return false;
}

/* Tensors met so far: name -> (space, flattened). */
struct binding {
	const char *name;
	int space;
	bool flat;		/* after Flatten / Reshape to 2-D */
};

struct builder {
	const Onnx__GraphProto *g;
	struct spaces *sp;
	int *parent;		/* union-find over spaces */
	struct binding *b;
	int n_b, cap_b;
	int cap_s;
};

static int find(struct builder *bd, int s)
{
	while (bd->parent[s] != s)
		s = bd->parent[s] = bd->parent[bd->parent[s]];
	return s;
}

static void fix(struct builder *bd, int s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fix(struct builder *bd, int s, const char *fmt, ...)
{
	struct space *sp;
	va_list ap;

	if (s < 0)
		return;
	sp = &bd->sp->s[find(bd, s)];
	if (sp->fixed)
		return;
	sp->fixed = true;
	va_start(ap, fmt);
	vsnprintf(sp->why, sizeof(sp->why), fmt, ap);
	va_end(ap);
}

static int new_space(struct builder *bd, int size)
{
	struct spaces *sp = bd->sp;

	if (sp->n == bd->cap_s) {
		int cap = bd->cap_s ? 2 * bd->cap_s : 32;
		struct space *ns = realloc(sp->s, (size_t)cap * sizeof(*ns));
		int *np = realloc(bd->parent, (size_t)cap * sizeof(*np));

		if (ns)
			sp->s = ns;
		if (np)
			bd->parent = np;
		if (!ns || !np)
			return -1;
		bd->cap_s = cap;
	}
	memset(&sp->s[sp->n], 0, sizeof(sp->s[0]));
	sp->s[sp->n].size = size;
	bd->parent[sp->n] = sp->n;
	return sp->n++;
}

static int add_member(struct builder *bd, int s, int node, enum sp_role role, int hw)
{
	struct space *sp = &bd->sp->s[find(bd, s)];
	struct sp_member *nm = realloc(sp->mem, (size_t)(sp->n_mem + 1) * sizeof(*nm));

	if (!nm)
		return -1;
	sp->mem = nm;
	sp->mem[sp->n_mem++] = (struct sp_member){ .node = node, .role = role, .hw = hw };
	return 0;
}

static int unite(struct builder *bd, int a, int b)
{
	struct space *sa, *sb;
	struct sp_member *nm;

	a = find(bd, a);
	b = find(bd, b);
	if (a == b)
		return 0;
	sa = &bd->sp->s[a];
	sb = &bd->sp->s[b];
	if (sa->size != sb->size)
		fix(bd, a, "an element-wise op joins %d and %d channels", sa->size, sb->size);
	if (sb->fixed)
		fix(bd, a, "%s", sb->why);
	nm = realloc(sa->mem, (size_t)(sa->n_mem + sb->n_mem + 1) * sizeof(*nm));
	if (!nm)
		return -1;
	sa->mem = nm;
	memcpy(sa->mem + sa->n_mem, sb->mem, (size_t)sb->n_mem * sizeof(*nm));
	sa->n_mem += sb->n_mem;
	free(sb->mem);
	sb->mem = NULL;
	sb->n_mem = 0;
	bd->parent[b] = a;
	return 0;
}

static struct binding *lookup(struct builder *bd, const char *name)
{
	for (int i = bd->n_b - 1; i >= 0; i--)
		if (!strcmp(bd->b[i].name, name))
			return &bd->b[i];
	return NULL;
}

static int bind(struct builder *bd, const char *name, int space, bool flat)
{
	if (bd->n_b == bd->cap_b) {
		int cap = bd->cap_b ? 2 * bd->cap_b : 64;
		struct binding *nb = realloc(bd->b, (size_t)cap * sizeof(*nb));

		if (!nb)
			return -1;
		bd->b = nb;
		bd->cap_b = cap;
	}
	bd->b[bd->n_b++] = (struct binding){ .name = name, .space = space, .flat = flat };
	return 0;
}

/* The space of an input tensor (a new fixed one for graph inputs). */
static int space_in(struct builder *bd, const char *name, bool *flat)
{
	struct binding *b = lookup(bd, name);
	int s;

	*flat = false;
	if (b) {
		*flat = b->flat;
		return b->space < 0 ? -1 : find(bd, b->space);
	}
	if (ox_initializer(bd->g, name))
		return -1;	/* a constant has no space */
	s = new_space(bd, 0);
	if (s < 0)
		return -2;
	fix(bd, s, "it comes from the graph input '%s'", name);
	return bind(bd, name, s, false) ? -2 : s;
}

/* Every input's space is fixed by node i of an unhandled kind. */
static int fix_inputs_new_outputs(struct builder *bd, int i, const char *why)
{
	const Onnx__NodeProto *n = bd->g->node[i];
	char buf[32];

	for (size_t k = 0; k < n->n_input; k++) {
		bool flat;
		int s;

		if (!n->input[k][0])
			continue;
		s = space_in(bd, n->input[k], &flat);
		if (s == -2)
			return -1;
		fix(bd, s, "node '%s' (%s) %s", ox_node_name(bd->g, (size_t)i, buf, sizeof(buf)),
		    n->op_type, why);
	}
	for (size_t o = 0; o < n->n_output; o++) {
		int s = new_space(bd, 0);

		if (s < 0 || bind(bd, n->output[o], s, false))
			return -1;
		fix(bd, s, "it is made by node '%s' (%s), which adapt does not prune",
		    ox_node_name(bd->g, (size_t)i, buf, sizeof(buf)), n->op_type);
	}
	return 0;
}

static int weight_dims(const Onnx__GraphProto *g, const char *name, int64_t *dims, int rank)
{
	const Onnx__TensorProto *t = ox_initializer(g, name);

	if (!t || t->data_type != 1 || (int)t->n_dims != rank)
		return -1;
	for (int d = 0; d < rank; d++)
		dims[d] = t->dims[d];
	return 0;
}

static int visit_conv(struct builder *bd, int i)
{
	const Onnx__NodeProto *n = bd->g->node[i];
	int64_t wd[4], group = ox_attr_int(n, "group", 1);
	bool flat;
	int si, so;

	if (n->n_input < 2 || weight_dims(bd->g, n->input[1], wd, 4))
		return fix_inputs_new_outputs(bd, i, "has no constant 2-D float weights");
	si = space_in(bd, n->input[0], &flat);
	if (si == -2)
		return -1;
	if (flat)
		fix(bd, si, "a conv reads it after a flatten");
	if (group == 1) {
		if (si >= 0 && add_member(bd, si, i, SP_CONSUMER, 1))
			return -1;
		so = new_space(bd, (int)wd[0]);
		if (so < 0 || add_member(bd, so, i, SP_PRODUCER, 1))
			return -1;
		return bind(bd, n->output[0], so, false);
	}
	if (wd[1] == 1 && si >= 0 && group == bd->sp->s[si].size && wd[0] == group) {
		if (add_member(bd, si, i, SP_FOLLOW_DW, 1))
			return -1;
		return bind(bd, n->output[0], si, false);
	}
	return fix_inputs_new_outputs(bd, i, "is a grouped conv (not depthwise)");
}

/* Gemm (transA = 0) and 2-D MatMul with a constant B. */
static int visit_fc(struct builder *bd, int i)
{
	const Onnx__NodeProto *n = bd->g->node[i];
	bool gemm = !strcmp(n->op_type, "Gemm");
	int64_t bd2[2];
	bool flat;
	int si, so, k, m, hw = 1;

	if (n->n_input < 2 || weight_dims(bd->g, n->input[1], bd2, 2) ||
	    (gemm && ox_attr_int(n, "transA", 0)))
		return fix_inputs_new_outputs(bd, i, "has no constant 2-D float B (or transA)");
	k = (int)(gemm && ox_attr_int(n, "transB", 0) ? bd2[1] : bd2[0]);
	m = (int)(gemm && ox_attr_int(n, "transB", 0) ? bd2[0] : bd2[1]);
	si = space_in(bd, n->input[0], &flat);
	if (si == -2)
		return -1;
	if (si >= 0) {
		int size = bd->sp->s[si].size;

		if (size <= 0 || k % size)
			fix(bd, si, "an FC reads %d inputs from %d channels", k, size);
		else
			hw = k / size;
		if (hw > 1 && !flat)
			fix(bd, si, "an FC reads it without a flatten");
		if (add_member(bd, si, i, SP_CONSUMER, hw))
			return -1;
	}
	so = new_space(bd, m);
	if (so < 0 || add_member(bd, so, i, SP_PRODUCER, 1))
		return -1;
	if (gemm && n->n_input > 2 && n->input[2][0]) {
		const Onnx__TensorProto *c = ox_initializer(bd->g, n->input[2]);

		if (!c || c->n_dims != 1 || c->dims[0] != m)
			fix(bd, so, "FC '%s' has a bias that is not a constant vector of %d", n->name ? n->name : "",
			    m);
	}
	return bind(bd, n->output[0], so, false);
}

/*
 * Flatten (axis 1), or a Reshape to two dimensions: a constant shape of two
 * values, or one computed at run time (PyTorch's x.view(x.size(0), -1)
 * exports Shape -> Gather -> Unsqueeze -> Concat -> Reshape); a constant
 * shape must be [N, -1], since the second extent changes. A flattened
 * tensor is only prunable through an FC that reads all of it (its input
 * count a multiple of the channels); anything else fixes the space.
 */
static bool flatten_2d(const struct builder *bd, const Onnx__NodeProto *n)
{
	const Onnx__TensorProto *shape;

	if (!strcmp(n->op_type, "Flatten"))
		return ox_attr_int(n, "axis", 1) == 1;
	if (strcmp(n->op_type, "Reshape") || n->n_input < 2)
		return false;
	shape = ox_initializer(bd->g, n->input[1]);
	if (!shape)
		return true;
	if (shape->data_type != 7 || shape->n_dims != 1 || shape->dims[0] != 2)
		return false;
	/* the second extent must follow the channels: -1 */
	if (shape->n_int64_data == 2)
		return shape->int64_data[1] == -1;
	if (shape->has_raw_data && shape->raw_data.len == 16) {
		int64_t v;

		memcpy(&v, shape->raw_data.data + 8, sizeof(v));
		return v == -1;
	}
	return false;
}

static int visit(struct builder *bd, int i)
{
	const Onnx__NodeProto *n = bd->g->node[i];
	const char *op = n->op_type;
	bool flat;
	int s;

	if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))
		return fix_inputs_new_outputs(bd, i, "is of another domain");
	if (!strcmp(op, "Conv"))
		return visit_conv(bd, i);
	if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
		return visit_fc(bd, i);
	if (n->n_output != 1 || n->n_input < 1)
		return fix_inputs_new_outputs(bd, i, "has several outputs or no input");
	if (!strcmp(op, "BatchNormalization")) {
		s = space_in(bd, n->input[0], &flat);
		if (s == -2 || (s >= 0 && add_member(bd, s, i, SP_FOLLOW_BN, 1)))
			return -1;
		return bind(bd, n->output[0], s, flat);
	}
	if (in_list(op, channelwise_ops, sizeof(channelwise_ops) / sizeof(channelwise_ops[0]))) {
		/* Clip's min / max inputs are scalars: only input 0 has channels */
		s = space_in(bd, n->input[0], &flat);
		if (s == -2)
			return -1;
		return bind(bd, n->output[0], s, flat);
	}
	if (!strcmp(op, "Shape") || !strcmp(op, "Size")) {
		/* reads the shape only: its output carries no channels */
		return bind(bd, n->output[0], -1, false);
	}
	if (flatten_2d(bd, n)) {
		s = space_in(bd, n->input[0], &flat);
		if (s == -2)
			return -1;
		return bind(bd, n->output[0], s, true);
	}
	if (in_list(op, elementwise_ops, sizeof(elementwise_ops) / sizeof(elementwise_ops[0]))) {
		int joined = -1;
		bool any_flat = false;

		for (size_t k = 0; k < n->n_input; k++) {
			const Onnx__TensorProto *c = ox_initializer(bd->g, n->input[k]);

			if (c) {
				size_t count = 1;

				for (size_t d = 0; d < c->n_dims; d++)
					count *= (size_t)c->dims[d];
				if (count != 1)
					return fix_inputs_new_outputs(bd, i, "has a constant operand with channels");
				continue;
			}
			s = space_in(bd, n->input[k], &flat);
			if (s == -2)
				return -1;
			any_flat |= flat;
			if (joined < 0)
				joined = s;
			else if (s >= 0 && unite(bd, joined, s))
				return -1;
			joined = joined >= 0 ? find(bd, joined) : s;
		}
		return bind(bd, n->output[0], joined, any_flat);
	}
	return fix_inputs_new_outputs(bd, i, "mixes or reorders channels");
}

int spaces_build(const Onnx__GraphProto *g, struct spaces *out, char *err, size_t errlen)
{
	struct builder bd = { .g = g, .sp = out };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < g->n_node && !rc; i++)
		rc = visit(&bd, (int)i);
	for (size_t o = 0; o < g->n_output && !rc; o++) {
		struct binding *b = lookup(&bd, g->output[o]->name);

		if (b && b->space >= 0)
			fix(&bd, b->space, "it reaches the graph output '%s'", g->output[o]->name);
	}
	if (rc) {
		snprintf(err, errlen, "out of memory analysing the graph's channels");
		free(bd.parent);
		free(bd.b);
		spaces_free(out);
		return -1;
	}
	/* keep the roots only, with their members; producers make it prunable */
	for (int s = 0; s < out->n; s++) {
		struct space *sp = &out->s[s];
		int producers = 0;

		if (bd.parent[s] != s) {
			sp->fixed = true;
			snprintf(sp->why, sizeof(sp->why), "merged into another space");
			sp->size = 0;
			continue;
		}
		for (int k = 0; k < sp->n_mem; k++)
			producers += sp->mem[k].role == SP_PRODUCER;
		if (!producers && !sp->fixed) {
			sp->fixed = true;
			snprintf(sp->why, sizeof(sp->why), "no conv or FC makes it");
		}
		if (sp->size < 2 && !sp->fixed) {
			sp->fixed = true;
			snprintf(sp->why, sizeof(sp->why), "it has a single channel");
		}
	}
	free(bd.parent);
	free(bd.b);
	return 0;
}

void spaces_free(struct spaces *sp)
{
	for (int s = 0; s < sp->n; s++)
		free(sp->s[s].mem);
	free(sp->s);
	memset(sp, 0, sizeof(*sp));
}

int spaces_of_producer(const struct spaces *sp, int node)
{
	for (int s = 0; s < sp->n; s++)
		for (int k = 0; k < sp->s[s].n_mem; k++)
			if (sp->s[s].mem[k].node == node && sp->s[s].mem[k].role == SP_PRODUCER)
				return s;
	return -1;
}

/* The producer's weights as rows (filters) of length *len: transposed if needed. */
static bool fc_transposed(const Onnx__NodeProto *n)
{
	/* B is K x M (MatMul, Gemm transB = 0): filters are columns */
	return strcmp(n->op_type, "Conv") && !(ox_attr_int(n, "transB", 0));
}

int space_importance(const Onnx__GraphProto *g, const struct space *s, double *imp)
{
	memset(imp, 0, (size_t)s->size * sizeof(*imp));
	for (int k = 0; k < s->n_mem; k++) {
		const Onnx__NodeProto *n = g->node[s->mem[k].node];
		struct ox_tensor w;
		size_t per;

		if (s->mem[k].role != SP_PRODUCER)
			continue;
		if (ox_get_float(ox_initializer(g, n->input[1]), &w))
			return -1;
		per = w.count / (size_t)s->size;
		for (int c = 0; c < s->size; c++)
			for (size_t j = 0; j < per; j++) {
				double v = fc_transposed(n) ? w.data[j * (size_t)s->size + (size_t)c] :
							      w.data[(size_t)c * per + j];

				imp[c] += v * v;
			}
		ox_tensor_free(&w);
	}
	return 0;
}

struct ranked {
	double imp;
	int idx;
};

static int by_importance(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->imp != y->imp)
		return x->imp > y->imp ? -1 : 1;
	return x->idx - y->idx;
}

static int by_index(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void space_choose(const double *imp, int size, int n_keep, int *keep)
{
	struct ranked *r = malloc((size_t)size * sizeof(*r));

	if (!r) {
		for (int i = 0; i < n_keep; i++)
			keep[i] = i;
		return;
	}
	for (int i = 0; i < size; i++)
		r[i] = (struct ranked){ .imp = imp[i], .idx = i };
	qsort(r, (size_t)size, sizeof(*r), by_importance);
	for (int i = 0; i < n_keep; i++)
		keep[i] = r[i].idx;
	qsort(keep, (size_t)n_keep, sizeof(*keep), by_index);
	free(r);
}

/*
 * Keeps, along axis of initializer name, the blocks keep[i] * block ..
 * + block - 1 (block = 1 except an FC's flattened input).
 */
static int slice_init(Onnx__GraphProto *g, const char *name, int axis, const int *keep, int n_keep,
		      int block, char *err, size_t errlen)
{
	Onnx__TensorProto *t = ox_initializer(g, name);
	struct ox_tensor w;
	size_t outer = 1, inner = 1, ext;
	int64_t nd[OX_MAX_RANK];
	float *out;
	int rc;

	if (ox_get_float(t, &w) || axis >= w.rank) {
		snprintf(err, errlen, "initializer '%s' is not a float tensor with an axis %d", name, axis);
		return -1;
	}
	for (int d = 0; d < axis; d++)
		outer *= (size_t)w.dims[d];
	for (int d = axis + 1; d < w.rank; d++)
		inner *= (size_t)w.dims[d];
	ext = (size_t)w.dims[axis];
	out = malloc((outer * (size_t)n_keep * (size_t)block * inner + 1) * sizeof(float));
	if (!out) {
		ox_tensor_free(&w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t o = 0; o < outer; o++)
		for (int k = 0; k < n_keep; k++)
			for (int b = 0; b < block; b++)
				memcpy(out + ((o * (size_t)n_keep + (size_t)k) * (size_t)block + (size_t)b) * inner,
				       w.data + (o * ext + (size_t)keep[k] * (size_t)block + (size_t)b) * inner,
				       inner * sizeof(float));
	memcpy(nd, w.dims, sizeof(nd));
	nd[axis] = (int64_t)n_keep * block;
	rc = ox_set_float(t, w.rank, nd, out);
	free(out);
	ox_tensor_free(&w);
	if (rc)
		snprintf(err, errlen, "out of memory");
	return rc;
}

static int prune_member(Onnx__GraphProto *g, const struct sp_member *mb, const int *keep,
			int n_keep, char *err, size_t errlen)
{
	Onnx__NodeProto *n = g->node[mb->node];
	bool conv = !strcmp(n->op_type, "Conv");
	int rc = 0;

	switch (mb->role) {
	case SP_PRODUCER:
		rc = slice_init(g, n->input[1], conv || !fc_transposed(n) ? 0 : 1, keep, n_keep, 1,
				err, errlen);
		if (!rc && n->n_input > 2 && n->input[2][0] && ox_initializer(g, n->input[2]) &&
		    ox_initializer(g, n->input[2])->n_dims == 1)
			rc = slice_init(g, n->input[2], 0, keep, n_keep, 1, err, errlen);
		return rc;
	case SP_FOLLOW_BN:
		for (int k = 1; k <= 4 && !rc && k < (int)n->n_input; k++)
			rc = slice_init(g, n->input[k], 0, keep, n_keep, 1, err, errlen);
		return rc;
	case SP_FOLLOW_DW:
		rc = slice_init(g, n->input[1], 0, keep, n_keep, 1, err, errlen);
		if (!rc && n->n_input > 2 && n->input[2][0])
			rc = slice_init(g, n->input[2], 0, keep, n_keep, 1, err, errlen);
		if (!rc && ox_set_attr_int(n, "group", n_keep)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		return rc;
	case SP_CONSUMER:
		if (conv)
			return slice_init(g, n->input[1], 1, keep, n_keep, 1, err, errlen);
		return slice_init(g, n->input[1], fc_transposed(n) ? 0 : 1, keep, n_keep, mb->hw, err,
				  errlen);
	}
	return 0;
}

int space_prune(Onnx__GraphProto *g, const struct space *s, const int *keep, int n_keep,
		char *err, size_t errlen)
{
	if (s->fixed || n_keep < 1 || n_keep > s->size) {
		snprintf(err, errlen, "cannot keep %d of %d channels of this space", n_keep, s->size);
		return -1;
	}
	for (int k = 0; k < s->n_mem; k++)
		if (prune_member(g, &s->mem[k], keep, n_keep, err, errlen))
			return -1;
	return 0;
}
