// SPDX-License-Identifier: MIT
/*
 * An older float model brought to opset 13 before it is quantized.
 *
 * Why: a model imports one version of the default domain for all its
 * nodes, QuantizeLinear exists from opset 10 and a per-channel
 * DequantizeLinear (its axis) from 13. Exporters still write older
 * opsets: paddle2onnx defaults to 9, PyTorch wrote 9 for years and many
 * models in use are 11. So a quantizer that writes per-channel QDQ into
 * such a model must first rewrite every node whose form changed up to
 * opset 13, as onnx.version_converter does (in Python).
 *
 * The rewrites, for the ops import takes (graph/registry.c); every other
 * op of theirs means the same at opset 13 in the form it was written:
 *   Clip < 11            min, max attributes -> inputs
 *   Softmax, LogSoftmax  < 13: over the input flattened from `axis` on
 *                        (default 1); 13: over the one axis (default -1).
 *                        The same when axis is the last one (it is then
 *                        written out); else Flatten(axis) -> op(axis 1)
 *                        -> Reshape to Shape(input)
 *   Slice < 10           starts, ends, axes attributes -> inputs
 *   Pad < 11             pads, value attributes -> inputs (mode stays)
 *   Squeeze, Unsqueeze, ReduceSum < 13    axes attribute -> input
 *   Split < 13           split attribute -> input
 *   Upsample (7-9), Resize-10   -> Resize with roi "", asymmetric
 *                        coordinates, "bilinear" spelled "linear"; nearest
 *                        takes the index truncated when upsampling and
 *                        rounded up when downsampling (graph/ops/resize.c),
 *                        so nearest_mode "floor" or "ceil" by the scales,
 *                        which must then be constant and not mixed
 *   Dropout < 12         ratio, is_test attributes dropped (inference)
 *   BatchNormalization < 9   spatial (1) dropped
 *   Gemm < 7             broadcast dropped
 *   any op               consumed_inputs (opset 1 to 5) dropped
 * and the model's IR version is raised to 7 (the first with opset 13).
 *
 * accel_quantize() runs the original and the rewritten float model on the
 * first calibration sample and requires equal outputs, so a rewrite that
 * changed the computation is an error, not a silently worse model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/qwrite.h"

#define QZ_DT_INT64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64
#define UPGRADE_TO 13

struct up {
	struct qz_w w;
	const struct gr_graph *g;
	int64_t from;
	int fresh;		/* counter of the names made here */
};

static int is(const Onnx__NodeProto *n, const char *op)
{
	return n->op_type && !strcmp(n->op_type, op);
}

static Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

static void attr_drop(Onnx__NodeProto *n, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < n->n_attribute; i++) {
		Onnx__AttributeProto *a = n->attribute[i];

		if (a->name && !strcmp(a->name, name))
			onnx__attribute_proto__free_unpacked(a, NULL);
		else
			n->attribute[k++] = a;
	}
	n->n_attribute = k;
}

static void attr_set_int(struct up *u, Onnx__NodeProto *n, const char *name, int64_t v)
{
	attr_drop(n, name);
	qz_w_attr_int(&u->w, n, name, v);
}

static void attr_set_str(struct up *u, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = calloc(1, sizeof(*a));
	void *p;

	attr_drop(n, name);
	p = realloc(n->attribute, (n->n_attribute + 1) * sizeof(*n->attribute));
	if (p)
		n->attribute = p;
	if (!a || !p) {
		free(a);
		u->w.oom = 1;
		return;
	}
	onnx__attribute_proto__init(a);
	a->name = qz_w_strdup(&u->w, name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)qz_w_strdup(&u->w, v);
	n->attribute[n->n_attribute++] = a;
}

/* The node's inputs become in[0..k-1] (trailing "" dropped). */
static void set_inputs(struct up *u, Onnx__NodeProto *n, const char *const *in, int k)
{
	char **v;

	while (k > 0 && !in[k - 1][0])
		k--;
	v = calloc((size_t)k + 1, sizeof(*v));
	if (!v) {
		u->w.oom = 1;
		return;
	}
	for (int i = 0; i < k; i++)
		v[i] = qz_w_strdup(&u->w, in[i]);
	for (size_t i = 0; i < n->n_input; i++)
		free(n->input[i]);
	free(n->input);
	n->input = v;
	n->n_input = (size_t)k;
}

/* A new tensor name, "<base>_opset13_<k>", that names nothing yet. */
static const char *fresh(struct up *u, const char *base, char *buf, size_t sz)
{
	do
		snprintf(buf, sz, "%.400s_opset13_%d", base, ++u->fresh);
	while (gr_graph_tensor(u->g, buf) >= 0);
	return buf;
}

static const char *out0(const Onnx__NodeProto *n)
{
	return n->n_output && n->output[0][0] ? n->output[0] : n->name ? n->name : "node";
}

static const char *node_name(const Onnx__NodeProto *n)
{
	return n->name && n->name[0] ? n->name : out0(n);
}

static int refuse(struct up *u, const Onnx__NodeProto *n, const char *why)
{
	return gr_err_set(u->w.err, -EOPNOTSUPP,
			  "node '%s' (%s, opset %lld): %s, so the model cannot be brought to opset %d for quantization; convert it with onnx.version_converter to opset 13 and quantize that",
			  node_name(n), n->op_type, (long long)u->from, why, UPGRADE_TO);
}

static const struct gr_tensor *tensor(const struct up *u, const char *name)
{
	int t = name && name[0] ? gr_graph_tensor(u->g, name) : -1;

	return t >= 0 ? &u->g->tensors[t] : NULL;
}

/* An int64 attribute list as a 1-D initializer; its name into buf. */
static const char *ints_input(struct up *u, const Onnx__NodeProto *n,
			      const Onnx__AttributeProto *a, const char *what, char *buf,
			      size_t sz)
{
	char base[512];
	int64_t len = (int64_t)a->n_ints;

	snprintf(base, sizeof(base), "%.300s_%s", out0(n), what);
	fresh(u, base, buf, sz);
	qz_w_init(&u->w, buf, QZ_DT_INT64, 1, &len, a->ints, a->n_ints * sizeof(int64_t));
	return buf;
}

static const char *float_input(struct up *u, const Onnx__NodeProto *n, float v,
			       const char *what, char *buf, size_t sz)
{
	char base[512];

	snprintf(base, sizeof(base), "%.300s_%s", out0(n), what);
	fresh(u, base, buf, sz);
	qz_w_init(&u->w, buf, QZ_DT_FLOAT, 0, NULL, &v, sizeof(v));
	return buf;
}

static int float_data(struct up *u, const Onnx__NodeProto *n, const char *what)
{
	const struct gr_tensor *t = tensor(u, n->n_input ? n->input[0] : NULL);
	char why[200];

	if (t && t->dtype == GR_FLOAT)
		return 0;
	snprintf(why, sizeof(why), "its %s would become an input of the data's type, and the data is not float", what);
	return refuse(u, n, why);
}

/* Clip before 11: min and max attributes (each optional). */
static int clip(struct up *u, Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *lo = attr(n, "min"), *hi = attr(n, "max");
	char b1[600], b2[600];
	const char *in[3] = { n->input[0], "", "" };
	int rc;

	if ((lo && ox_attr_type(lo) != GR_ATTR_FLOAT) ||
	    (hi && ox_attr_type(hi) != GR_ATTR_FLOAT))
		return refuse(u, n, "its min or max attribute is not a float");
	if ((lo || hi) && (rc = float_data(u, n, "min and max")))
		return rc;
	if (lo)
		in[1] = float_input(u, n, lo->f, "min", b1, sizeof(b1));
	if (hi)
		in[2] = float_input(u, n, hi->f, "max", b2, sizeof(b2));
	set_inputs(u, n, in, 3);
	attr_drop(n, "min");
	attr_drop(n, "max");
	return 0;
}

/* Softmax and LogSoftmax before 13 (pushes n itself). */
static int softmax(struct up *u, Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *a = attr(n, "axis");
	const struct gr_tensor *x = tensor(u, n->input[0]);
	int64_t axis = a && ox_attr_type(a) == GR_ATTR_INT ? a->i : 1;
	char shape[600], flat[600], y2[600], nn[600], *y;
	Onnx__NodeProto *pre, *post;

	if (!x || x->rank < 1)
		return refuse(u, n, "its input's rank is unknown (the meaning of axis changed at opset 13)");
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= x->rank)
		return refuse(u, n, "its axis is outside the input's rank");
	if (axis == x->rank - 1) {
		attr_set_int(u, n, "axis", axis);
		qz_w_push(&u->w, n);
		return 0;
	}
	/* over the flattened trailing axes, as the older opsets define it */
	fresh(u, out0(n), shape, sizeof(shape));
	fresh(u, out0(n), flat, sizeof(flat));
	fresh(u, out0(n), y2, sizeof(y2));
	y = qz_w_strdup(&u->w, n->output[0]);
	if (!y) {
		qz_w_push(&u->w, n);	/* w->oom is set: the caller stops */
		return 0;
	}
	snprintf(nn, sizeof(nn), "%.500s_shape", node_name(n));
	qz_w_push(&u->w, qz_w_node(&u->w, "Shape", nn, (const char *const[]){ n->input[0] }, 1,
				   shape, -1));
	snprintf(nn, sizeof(nn), "%.500s_flatten", node_name(n));
	pre = qz_w_node(&u->w, "Flatten", nn, (const char *const[]){ n->input[0] }, 1, flat,
			(int)axis);
	qz_w_push(&u->w, pre);
	set_inputs(u, n, (const char *const[]){ flat }, 1);
	qz_w_set_str(&u->w, &n->output[0], y2);
	attr_set_int(u, n, "axis", 1);
	qz_w_push(&u->w, n);
	snprintf(nn, sizeof(nn), "%.500s_reshape", node_name(n));
	post = qz_w_node(&u->w, "Reshape", nn, (const char *const[]){ y2, shape }, 2, y, -1);
	qz_w_push(&u->w, post);
	free(y);
	return 0;
}

/* Attributes that became inputs, in input order after the data. */
static int attrs_to_inputs(struct up *u, Onnx__NodeProto *n, const char *const *names, int k,
			   int required)
{
	const char *in[8] = { n->input[0] };
	char buf[4][600];

	for (int i = 0; i < k; i++) {
		const Onnx__AttributeProto *a = attr(n, names[i]);

		in[1 + i] = "";
		if (!a && i < required) {
			char why[200];

			snprintf(why, sizeof(why), "its required attribute '%s' is missing", names[i]);
			return refuse(u, n, why);
		}
		if (a && ox_attr_type(a) != GR_ATTR_INTS) {
			char why[200];

			snprintf(why, sizeof(why), "its attribute '%s' is not a list of ints", names[i]);
			return refuse(u, n, why);
		}
		if (a)
			in[1 + i] = ints_input(u, n, a, names[i], buf[i], sizeof(buf[i]));
	}
	set_inputs(u, n, in, 1 + k);
	for (int i = 0; i < k; i++)
		attr_drop(n, names[i]);
	return 0;
}

/* Split before 13: the data, then the split attribute as input 1. */
static int split(struct up *u, Onnx__NodeProto *n)
{
	static const char *const names[] = { "split" };

	return attrs_to_inputs(u, n, names, 1, 0);
}

/* Pad before 11: pads and the constant value become inputs. */
static int pad(struct up *u, Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *p = attr(n, "pads"), *v = attr(n, "value"), *m = attr(n, "mode");
	const char *in[3] = { n->input[0], "", "" };
	char b1[600], b2[600];
	int constant = !m || !m->has_s || (m->s.len == 8 && !memcmp(m->s.data, "constant", 8));
	int rc;

	if (!p || ox_attr_type(p) != GR_ATTR_INTS)
		return refuse(u, n, "its required attribute 'pads' is missing or not a list of ints");
	if (v && ox_attr_type(v) != GR_ATTR_FLOAT)
		return refuse(u, n, "its value attribute is not a float");
	in[1] = ints_input(u, n, p, "pads", b1, sizeof(b1));
	if (constant && v && v->f != 0) {
		if ((rc = float_data(u, n, "constant value")))
			return rc;
		in[2] = float_input(u, n, v->f, "value", b2, sizeof(b2));
	}
	set_inputs(u, n, in, 3);
	attr_drop(n, "pads");
	attr_drop(n, "value");
	return 0;
}

/* Upsample (7 to 9) and Resize-10 as Resize-13. */
static int resize(struct up *u, Onnx__NodeProto *n)
{
	const Onnx__AttributeProto *m = attr(n, "mode"), *sa = attr(n, "scales");
	char mode[16] = "nearest", b[600];
	const char *in[3] = { n->input[0], "", "" };
	int up = 0, down = 0, nearest;

	if (m && (ox_attr_type(m) != GR_ATTR_STRING || m->s.len >= sizeof(mode)))
		return refuse(u, n, "its mode attribute is not one of the known strings");
	if (m && m->has_s && m->s.len) {
		memcpy(mode, m->s.data, m->s.len);
		mode[m->s.len] = 0;
	}
	if (!strcmp(mode, "bilinear"))
		strcpy(mode, "linear");
	if (strcmp(mode, "nearest") && strcmp(mode, "linear"))
		return refuse(u, n, "its mode is neither nearest nor linear");
	nearest = !strcmp(mode, "nearest");
	if (is(n, "Upsample") && u->from < 9) {
		if (!sa || !sa->n_floats || ox_attr_type(sa) != GR_ATTR_FLOATS)
			return refuse(u, n, "its scales attribute is missing or not a list of floats");
		for (size_t i = 0; i < sa->n_floats; i++) {
			up |= sa->floats[i] > 1;
			down |= sa->floats[i] < 1;
		}
		fresh(u, out0(n), b, sizeof(b));
		qz_w_init(&u->w, b, QZ_DT_FLOAT, 1, (const int64_t[]){ (int64_t)sa->n_floats },
			  sa->floats, sa->n_floats * sizeof(float));
		in[2] = b;
	} else {
		const struct gr_tensor *s = n->n_input > 1 ? tensor(u, n->input[1]) : NULL;

		if (n->n_input < 2 || !n->input[1][0])
			return refuse(u, n, "its scales input is missing");
		in[2] = n->input[1];
		if (nearest) {
			const struct gr_value *v = s ? s->constant : NULL;

			if (!v || v->dtype != GR_FLOAT)
				return refuse(u, n, "its scales are not a constant float tensor (nearest rounds by them)");
			for (size_t i = 0; i < v->count; i++) {
				float f = ((const float *)v->data)[i];

				up |= f > 1;
				down |= f < 1;
			}
		}
	}
	if (nearest && up && down)
		return refuse(u, n, "it upsamples one axis and downsamples another (no one nearest_mode rounds both as before)");
	set_inputs(u, n, in, 3);
	qz_w_set_str(&u->w, &n->op_type, "Resize");
	attr_drop(n, "scales");
	attr_set_str(u, n, "mode", mode);
	attr_set_str(u, n, "coordinate_transformation_mode", "asymmetric");
	if (nearest)
		attr_set_str(u, n, "nearest_mode", down ? "ceil" : "floor");
	return 0;
}

/* Rewrites n for opset 13 and pushes what replaces it. */
static int upgrade_node(struct up *u, Onnx__NodeProto *n)
{
	static const char *const slice_attrs[] = { "starts", "ends", "axes" };
	static const char *const axes_attr[] = { "axes" };
	int64_t v = u->from;
	int rc = 0;

	if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx")) {
		qz_w_push(&u->w, n);
		return 0;
	}
	attr_drop(n, "consumed_inputs");
	if (!n->n_input || !n->n_output || !n->input[0][0] || !n->output[0][0]) {
		/* every op rewritten below reads a data input and writes an output */
		qz_w_push(&u->w, n);
		return 0;
	}
	if ((is(n, "Softmax") || is(n, "LogSoftmax")) && v < 13)
		return softmax(u, n);
	if (is(n, "Clip") && v < 11)
		rc = clip(u, n);
	else if (is(n, "Slice") && v < 10)
		rc = attrs_to_inputs(u, n, slice_attrs, 3, 2);
	else if (is(n, "Pad") && v < 11)
		rc = pad(u, n);
	else if ((is(n, "Squeeze") || is(n, "Unsqueeze") || is(n, "ReduceSum")) && v < 13)
		rc = attrs_to_inputs(u, n, axes_attr, 1, 0);
	else if (is(n, "Split") && v < 13)
		rc = split(u, n);
	else if (is(n, "Upsample") || (is(n, "Resize") && v < 11))
		rc = resize(u, n);
	else if (is(n, "Dropout") && v < 12) {
		if (v < 10 && n->n_output > 1 && n->output[1][0] &&
		    qz_w_referenced(u->w.gp, n->output[1]))
			rc = refuse(u, n, "its mask output is used (its type changed at opset 10)");
		attr_drop(n, "ratio");
		attr_drop(n, "is_test");
	} else if (is(n, "BatchNormalization") && v < 9) {
		const Onnx__AttributeProto *s = attr(n, "spatial");

		if (s && (ox_attr_type(s) != GR_ATTR_INT || s->i != 1))
			rc = refuse(u, n, "it normalizes per element (spatial 0), which opset 9 removed");
		attr_drop(n, "spatial");
	} else if (is(n, "Gemm") && v < 7) {
		attr_drop(n, "broadcast");
	}
	if (!rc)
		qz_w_push(&u->w, n);
	return rc;
}

int qz_upgrade_opset(const void *model_buf, size_t model_len, const struct gr_graph *g,
		     uint8_t **out, size_t *out_len, struct gr_err *err)
{
	struct up u = { .w = { .err = err }, .g = g, .from = g->opset };
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, model_len, model_buf);
	size_t k;
	int rc = 0;

	*out = NULL;
	if (!mp || !mp->graph) {
		if (mp)
			onnx__model_proto__free_unpacked(mp, NULL);
		return gr_err_set(err, -EINVAL, "the model cannot be read again");
	}
	u.w.gp = mp->graph;
	for (k = 0; k < u.w.gp->n_node && !rc && !u.w.oom; k++) {
		Onnx__NodeProto *n = u.w.gp->node[k];

		rc = upgrade_node(&u, n);
		/* a refused node stays owned by the list freed below */
		if (rc && (!u.w.n_nodes || u.w.nodes[u.w.n_nodes - 1] != n))
			qz_w_push(&u.w, n);
	}
	if (rc || u.w.oom) {
		/* the nodes not yet moved stay in the graph; free the rest */
		for (; k < u.w.gp->n_node; k++)
			qz_w_push(&u.w, u.w.gp->node[k]);
		if (!rc)
			rc = gr_err_set(err, -ENOMEM, "out of memory");
	}
	if (!rc) {
		for (size_t i = 0; i < mp->n_opset_import; i++) {
			Onnx__OperatorSetIdProto *o = mp->opset_import[i];

			if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx")) {
				o->has_version = 1;
				o->version = UPGRADE_TO;
			}
		}
		if (!mp->has_ir_version || mp->ir_version < 7) {
			mp->has_ir_version = 1;
			mp->ir_version = 7;
		}
		rc = qz_w_pack(&u.w, mp, out, out_len);
	} else {
		/* every node is in u.w.nodes, new ones included: hand them back */
		free(u.w.gp->node);
		u.w.gp->node = u.w.nodes;
		u.w.gp->n_node = u.w.n_nodes;
		u.w.nodes = NULL;
	}
	qz_w_close(&u.w, mp, NULL, NULL);
	return rc;
}
