// SPDX-License-Identifier: MIT
/* NetAdapt's loop on a float ONNX model (adapt_engine.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt_engine.h"
#include "errbuf.h"
#include "adapt_fold.h"
#include "lsq.h"

/* The model's conv/FC layers (the LUT's) and what adapt tracks of them. */
struct state {
	const struct lut *lut;
	int n;
	int *node;			/* node index, per LUT layer */
	struct adapt_layer *layers;	/* current c, m */
	int **orig;			/* output channel -> the original model's */
};


static int dims_of(const Onnx__GraphProto *g, const char *name, int64_t *d, int rank)
{
	const Onnx__TensorProto *t = ox_initializer(g, name);

	if (!t || (int)t->n_dims != rank)
		return -1;
	for (int k = 0; k < rank; k++)
		d[k] = t->dims[k];
	return 0;
}

/* Current (c, m) of a conv / FC node, from its weights. */
static int layer_channels(const Onnx__GraphProto *g, int node, uint32_t *c, uint32_t *m)
{
	const Onnx__NodeProto *n = g->node[node];
	int64_t d[4];

	if (n->n_input < 2)
		return -1;
	if (!strcmp(n->op_type, "Conv")) {
		if (dims_of(g, n->input[1], d, 4))
			return -1;
		*m = (uint32_t)d[0];
		*c = (uint32_t)(d[1] * ox_attr_int(n, "group", 1));
		return 0;
	}
	if (dims_of(g, n->input[1], d, 2))
		return -1;
	if (!strcmp(n->op_type, "Gemm") && ox_attr_int(n, "transB", 0)) {
		*m = (uint32_t)d[0];
		*c = (uint32_t)d[1];
	} else {
		*c = (uint32_t)d[0];
		*m = (uint32_t)d[1];
	}
	return 0;
}

static void state_free(struct state *st)
{
	if (st->orig)
		for (int i = 0; i < st->n; i++)
			free(st->orig[i]);
	free(st->orig);
	free(st->node);
	free(st->layers);
	memset(st, 0, sizeof(*st));
}

static int state_read(struct state *st, const struct lut *lut, const Onnx__GraphProto *g,
		      char *err, size_t len)
{
	memset(st, 0, sizeof(*st));
	st->lut = lut;
	st->n = lut->n_l;
	st->node = calloc((size_t)st->n + 1, sizeof(*st->node));
	st->layers = calloc((size_t)st->n + 1, sizeof(*st->layers));
	st->orig = calloc((size_t)st->n + 1, sizeof(*st->orig));
	if (!st->node || !st->layers || !st->orig)
		return errbuf_set(err, len, "out of memory");
	for (int i = 0; i < st->n; i++) {
		const struct lut_layer *l = &lut->l[i];

		st->node[i] = ox_find_node(g, l->name);
		if (st->node[i] < 0)
			return errbuf_set(err, len, "the LUT's layer '%s' is no node of the model; profile this model (accelctl profile MODEL -o LUT)",
				    l->name);
		snprintf(st->layers[i].name, sizeof(st->layers[i].name), "%s", l->name);
		if (layer_channels(g, st->node[i], &st->layers[i].c, &st->layers[i].m))
			return errbuf_set(err, len, "layer '%s' has no constant float weights", l->name);
		st->orig[i] = malloc((st->layers[i].m + 1) * sizeof(int));
		if (!st->orig[i])
			return errbuf_set(err, len, "out of memory");
		for (uint32_t k = 0; k < st->layers[i].m; k++)
			st->orig[i][k] = (int)k;
	}
	return 0;
}

static int layer_of_node(const struct state *st, int node)
{
	for (int i = 0; i < st->n; i++)
		if (st->node[i] == node)
			return i;
	return -1;
}

static double figure_of(const struct state *st, const struct adapt_layer *layers,
			enum lut_metric metric)
{
	double f = 0;

	for (int i = 0; i < st->n; i++)
		f += lut_lookup(&st->lut->l[i], layers[i].c, layers[i].m, metric);
	return f;
}

/* layers with space s cut to n_keep channels. */
static void apply_space(const struct state *st, const struct space *s, int n_keep,
			struct adapt_layer *layers)
{
	for (int k = 0; k < s->n_mem; k++) {
		int i = layer_of_node(st, s->mem[k].node);

		if (i < 0)
			continue;
		switch (s->mem[k].role) {
		case SP_PRODUCER:
			layers[i].m = (uint32_t)n_keep;
			break;
		case SP_FOLLOW_DW:
			layers[i].c = layers[i].m = (uint32_t)n_keep;
			break;
		case SP_CONSUMER:
			layers[i].c = (uint32_t)(n_keep * s->mem[k].hw);
			break;
		case SP_FOLLOW_BN:
			break;
		}
	}
}

static double figure_with(const struct state *st, const struct space *s, int n_keep,
			  enum lut_metric metric, struct adapt_layer *scratch)
{
	memcpy(scratch, st->layers, (size_t)st->n * sizeof(*scratch));
	apply_space(st, s, n_keep, scratch);
	return figure_of(st, scratch, metric);
}

int adapt_figure(const Onnx__GraphProto *g, const struct lut *lut, enum lut_metric metric,
		 double *fig, char *err, size_t errlen)
{
	struct state st;
	int rc = state_read(&st, lut, g, err, errlen);

	if (!rc) {
		*fig = figure_of(&st, st.layers, metric);
		if (isnan(*fig))
			rc = errbuf_set(err, errlen, "the LUT has no measured points around a layer's channel counts; profile the model again");
	}
	state_free(&st);
	return rc;
}

/* ---- least-squares reconstruction of one consumer ---- */

struct ls_ctx {
	const struct adapt_opts *o;
	const struct collected *cur;	/* current model: consumer inputs */
	const char *const *cur_names;
	int n_cur;
	const struct collected *ref;	/* original model: layer outputs */
	const struct state *st;
};

static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* Geometry of a conv consumer; -1 if the refit does not handle it. */
struct conv_geo {
	int64_t sh, sw, pt, pl, dh, dw;
};

static int conv_geo(const Onnx__NodeProto *n, struct conv_geo *cg)
{
	int64_t v[4];

	for (size_t i = 0; i < n->n_attribute; i++)
		if (!strcmp(n->attribute[i]->name, "auto_pad") && n->attribute[i]->has_s &&
		    n->attribute[i]->s.len && strncmp((const char *)n->attribute[i]->s.data, "NOTSET", 6))
			return -1;
	cg->sh = cg->sw = cg->dh = cg->dw = 1;
	cg->pt = cg->pl = 0;
	if (ox_attr_ints(n, "strides", v, 2) == 2) {
		cg->sh = v[0];
		cg->sw = v[1];
	}
	if (ox_attr_ints(n, "dilations", v, 2) == 2) {
		cg->dh = v[0];
		cg->dw = v[1];
	}
	if (ox_attr_ints(n, "pads", v, 4) == 4) {
		cg->pt = v[0];
		cg->pl = v[1];
	}
	return ox_attr_int(n, "group", 1) == 1 ? 0 : -1;
}

/*
 * Refits consumer node ni of cand (input channels keep[] of the current
 * model's input) to the original model's output of that layer.
 * Returns 1 refitted, 0 left as pruned (too large, unhandled), -1 error.
 */
static int refit(const struct ls_ctx *x, Onnx__GraphProto *cand, int ni, const int *keep,
		 int n_keep, int hw, char *err, size_t errlen)
{
	Onnx__NodeProto *n = cand->node[ni];
	bool conv = !strcmp(n->op_type, "Conv"), gemm = !strcmp(n->op_type, "Gemm");
	bool trans = gemm && ox_attr_int(n, "transB", 0);
	bool has_b = n->n_input > 2 && n->input[2][0] && ox_initializer(cand, n->input[2]);
	int li = layer_of_node(x->st, ni), xi = name_index(x->cur_names, x->n_cur, n->input[0]);
	struct ox_tensor w = { 0 }, b = { 0 };
	struct conv_geo cg = { 0 };
	struct lsq p = { 0 };
	double *w0 = NULL, *sol = NULL;
	float *a = NULL, *y = NULL;
	int64_t R = 1, S = 1, M, kin;
	long total = 0, stride;
	int rc = 0;

	if (li < 0 || xi < 0)
		return 0;
	if ((conv && conv_geo(n, &cg)) ||
	    (gemm && (ox_attr_int(n, "transA", 0) || ox_attr_float(n, "alpha", 1) != 1.0f ||
		      ox_attr_float(n, "beta", 1) != 1.0f)))
		return 0;
	if (ox_get_float(ox_initializer(cand, n->input[1]), &w))
		return errbuf_set(err, errlen, "layer '%s': weights are not float", n->name);
	if (has_b && ox_get_float(ox_initializer(cand, n->input[2]), &b)) {
		ox_tensor_free(&w);
		return errbuf_set(err, errlen, "layer '%s': bias is not float", n->name);
	}
	if (has_b && (b.rank != 1))
		has_b = false;
	if (conv) {
		M = w.dims[0];
		R = w.dims[2];
		S = w.dims[3];
		kin = w.dims[1] * R * S;
	} else {
		M = trans ? w.dims[0] : w.dims[1];
		kin = (int64_t)n_keep * hw;
	}
	if (kin + has_b > x->o->max_ls_inputs || kin + has_b < 1)
		goto out;
	if (lsq_init(&p, (int)(kin + has_b), (int)M)) {
		rc = errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	a = malloc((size_t)(kin + 1) * sizeof(float));
	y = malloc((size_t)M * sizeof(float));
	w0 = malloc((size_t)(kin + has_b) * (size_t)M * sizeof(double));
	sol = malloc((size_t)(kin + has_b) * (size_t)M * sizeof(double));
	if (!a || !y || !w0 || !sol) {
		rc = errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	/* rows: every output position of every sample, sampled evenly */
	for (int s = 0; s < x->ref->samples; s++) {
		struct accel_tensor *yt = collected_get(x->ref, 1 + li, s);

		total += (long)(accel_tensor_count(yt) / (size_t)accel_tensor_dims(yt)[1]);
	}
	stride = total > x->o->ls_rows ? (total + x->o->ls_rows - 1) / x->o->ls_rows : 1;
	for (long t = 0, s = 0, base = 0; s < x->ref->samples; s++) {
		struct accel_tensor *yt = collected_get(x->ref, 1 + li, (int)s);
		struct accel_tensor *xt = collected_get(x->cur, 1 + xi, (int)s);
		const float *yv = accel_tensor_data(yt), *xv = accel_tensor_data(xt);
		int64_t m_orig = accel_tensor_dims(yt)[1];
		long pos = (long)(accel_tensor_count(yt) / (size_t)m_orig);

		for (; t < base + pos; t += stride) {
			long q = t - base;

			if (conv) {
				int64_t E = accel_tensor_dims(yt)[2], F = accel_tensor_dims(yt)[3];
				int64_t C = accel_tensor_dims(xt)[1], H = accel_tensor_dims(xt)[2];
				int64_t W = accel_tensor_dims(xt)[3];
				int64_t nb = q / (E * F), e = q / F % E, f = q % F, i = 0;

				for (int k = 0; k < n_keep; k++)
					for (int64_t r = 0; r < R; r++)
						for (int64_t c = 0; c < S; c++) {
							int64_t ih = e * cg.sh - cg.pt + r * cg.dh;
							int64_t iw = f * cg.sw - cg.pl + c * cg.dw;

							a[i++] = ih < 0 || ih >= H || iw < 0 || iw >= W ? 0 :
								 xv[((nb * C + keep[k]) * H + ih) * W + iw];
						}
				for (int64_t j = 0; j < M; j++)
					y[j] = yv[((nb * m_orig + x->st->orig[li][j]) * E + e) * F + f];
			} else {
				int64_t K = (int64_t)(accel_tensor_count(xt) / (size_t)pos);

				for (int k = 0; k < n_keep; k++)
					for (int h = 0; h < hw; h++)
						a[k * hw + h] = xv[q * K + (int64_t)keep[k] * hw + h];
				for (int64_t j = 0; j < M; j++)
					y[j] = yv[q * m_orig + x->st->orig[li][j]];
			}
			if (has_b)
				a[kin] = 1;
			lsq_add_row(&p, a, y);
		}
		base += pos;
	}
	for (int64_t i = 0; i < kin; i++)
		for (int64_t j = 0; j < M; j++)
			w0[i * M + j] = conv || trans ? w.data[j * kin + i] : w.data[i * M + j];
	for (int64_t j = 0; has_b && j < M; j++)
		w0[kin * M + j] = b.data[j];
	if (lsq_solve(&p, x->o->ridge, w0, sol))
		goto out;	/* not positive definite: keep the pruned weights */
	for (int64_t i = 0; i < kin; i++)
		for (int64_t j = 0; j < M; j++) {
			float v = (float)sol[i * M + j];

			if (conv || trans)
				w.data[j * kin + i] = v;
			else
				w.data[i * M + j] = v;
		}
	for (int64_t j = 0; has_b && j < M; j++)
		b.data[j] = (float)sol[kin * M + j];
	if (ox_set_float(ox_initializer(cand, n->input[1]), w.rank, w.dims, w.data) ||
	    (has_b && ox_set_float(ox_initializer(cand, n->input[2]), b.rank, b.dims, b.data))) {
		rc = errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	rc = 1;
out:
	lsq_free(&p);
	free(a);
	free(y);
	free(w0);
	free(sol);
	ox_tensor_free(&w);
	ox_tensor_free(&b);
	return rc;
}

/* ---- the loop ---- */

struct proposal {
	int space, n_keep;
	bool met;
	Onnx__ModelProto *model;
	int *keep;
	struct agreement agr;
	int refitted, skipped;
};

static bool better(const struct agreement *a, const struct agreement *b)
{
	if (a->top1 != b->top1)
		return a->top1 > b->top1;
	return a->sqnr_db > b->sqnr_db;
}

static void progress(const struct adapt_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(const struct adapt_opts *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->progress(o->ctx, buf);
}

/* Names of the inputs of every consumer of a prunable space. */
static int consumer_inputs(const Onnx__GraphProto *g, const struct spaces *sp, const char ***names,
			   int *n)
{
	int cap = 16;

	*n = 0;
	*names = malloc((size_t)cap * sizeof(**names));
	if (!*names)
		return -1;
	for (int s = 0; s < sp->n; s++)
		for (int k = 0; !sp->s[s].fixed && k < sp->s[s].n_mem; k++) {
			const char *in = g->node[sp->s[s].mem[k].node]->input[0];

			if (sp->s[s].mem[k].role != SP_CONSUMER || name_index(*names, *n, in) >= 0)
				continue;
			if (*n == cap) {
				const char **nn = realloc(*names, (size_t)(cap *= 2) * sizeof(*nn));

				if (!nn)
					return -1;
				*names = nn;
			}
			(*names)[(*n)++] = in;
		}
	return 0;
}

static void space_label(const Onnx__GraphProto *g, const struct space *s, char *buf, size_t len)
{
	size_t o = 0;
	char tmp[32];

	buf[0] = 0;
	for (int k = 0; k < s->n_mem && o < len; k++)
		if (s->mem[k].role == SP_PRODUCER)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "+" : "",
					      ox_node_name(g, (size_t)s->mem[k].node, tmp, sizeof(tmp)));
}

static void proposal_free(struct proposal *p)
{
	ox_free(p->model);
	free(p->keep);
	memset(p, 0, sizeof(*p));
}

/* Fewest channels to remove from s for target; *met false if even size-1 misses. */
static int fewest_removed(const struct state *st, const struct space *s, double target,
			  enum lut_metric metric, struct adapt_layer *scratch, bool *met)
{
	int lo = 1, hi = s->size - 1;

	*met = figure_with(st, s, s->size - hi, metric, scratch) <= target;
	if (!*met)
		return hi;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (figure_with(st, s, s->size - mid, metric, scratch) <= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int make_proposal(const struct ls_ctx *x, const Onnx__ModelProto *cur,
			 const struct spaces *sp, struct proposal *p, const struct calib *cal,
			 const struct collected *ref, char *err, size_t errlen)
{
	const struct space *s = &sp->s[p->space];
	double *imp = malloc((size_t)s->size * sizeof(double));
	struct collected out = { 0 };
	int rc = 0;

	p->keep = malloc((size_t)p->n_keep * sizeof(int));
	p->model = ox_clone(cur);
	if (!imp || !p->keep || !p->model) {
		free(imp);
		return errbuf_set(err, errlen, "out of memory");
	}
	if (space_importance(cur->graph, s, imp)) {
		free(imp);
		return errbuf_set(err, errlen, "the weights of a pruned layer are not float");
	}
	space_choose(imp, s->size, p->n_keep, p->keep);
	free(imp);
	if (space_prune(p->model->graph, s, p->keep, p->n_keep, err, errlen))
		return ADAPT_ERROR;
	for (int k = 0; x->o->reconstruct && k < s->n_mem; k++) {
		if (s->mem[k].role != SP_CONSUMER)
			continue;
		rc = refit(x, p->model->graph, s->mem[k].node, p->keep, p->n_keep, s->mem[k].hw, err,
			   errlen);
		if (rc < 0)
			return ADAPT_ERROR;
		p->refitted += rc;
		p->skipped += !rc;
	}
	if (collect_run(p->model, cal, NULL, 0, &out, err, errlen))
		return ADAPT_ERROR;
	rc = agreement_of(&out, ref, &p->agr);
	collected_free(&out);
	return rc ? errbuf_set(err, errlen, "the model's output is not float") : 0;
}

/* The model's figure with every prunable space cut to one channel. */
static double minimum_figure(const struct state *st, const struct spaces *sp,
			     enum lut_metric metric, struct adapt_layer *scratch)
{
	memcpy(scratch, st->layers, (size_t)st->n * sizeof(*scratch));
	for (int s = 0; s < sp->n; s++)
		if (!sp->s[s].fixed)
			apply_space(st, &sp->s[s], 1, scratch);
	return figure_of(st, scratch, metric);
}

static int iterate(const struct adapt_opts *o, Onnx__ModelProto **cur, struct state *st,
		   const struct calib *cal, const struct collected *ref, double target,
		   struct adapt_iter *it, char *err, size_t errlen)
{
	struct adapt_layer *scratch = malloc(((size_t)st->n + 1) * sizeof(*scratch));
	struct spaces sp = { 0 };
	struct collected acts = { 0 };
	struct proposal best = { .space = -1 }, p;
	const char **names = NULL;
	int n_names = 0, rc = ADAPT_ERROR, any_met = 0;
	struct ls_ctx x = { .o = o, .ref = ref, .st = st };

	if (!scratch)
		return errbuf_set(err, errlen, "out of memory");
	if (spaces_build((*cur)->graph, &sp, err, errlen))
		goto out;
	for (int s = 0; s < sp.n; s++) {
		bool met;

		if (!sp.s[s].fixed) {
			fewest_removed(st, &sp.s[s], target, o->metric, scratch, &met);
			any_met |= met;
		}
	}
	if (consumer_inputs((*cur)->graph, &sp, &names, &n_names))
		goto out;
	progress(o, "iteration %d: calibration activations of the current model", it->iteration);
	if (o->reconstruct && collect_run(*cur, cal, names, n_names, &acts, err, errlen))
		goto out;
	x.cur = &acts;
	x.cur_names = names;
	x.n_cur = n_names;
	for (int s = 0; s < sp.n; s++) {
		char label[256];
		bool met;
		int removed;

		if (sp.s[s].fixed)
			continue;
		removed = fewest_removed(st, &sp.s[s], target, o->metric, scratch, &met);
		if (any_met && !met)
			continue;	/* NetAdapt: proposals meet the step */
		memset(&p, 0, sizeof(p));
		p.space = s;
		p.n_keep = sp.s[s].size - removed;
		p.met = met;
		space_label((*cur)->graph, &sp.s[s], label, sizeof(label));
		progress(o, "iteration %d: proposal %d: %s keeps %d of %d channels", it->iteration,
			 it->proposals + 1, label, p.n_keep, sp.s[s].size);
		if (make_proposal(&x, *cur, &sp, &p, cal, ref, err, errlen)) {
			proposal_free(&p);
			goto out;
		}
		it->proposals++;
		if (best.space < 0 || better(&p.agr, &best.agr)) {
			proposal_free(&best);
			best = p;
		} else {
			proposal_free(&p);
		}
	}
	if (best.space < 0) {
		rc = errbuf_set(err, errlen, "no channel of the model can be pruned any further: every conv/FC output is fixed (graph outputs, grouped convs, ops adapt does not prune)");
		goto out;
	}
	/* the chosen proposal becomes the model; its producers' channel maps follow */
	for (int k = 0; k < sp.s[best.space].n_mem; k++) {
		int li = layer_of_node(st, sp.s[best.space].mem[k].node);

		if (li < 0 || sp.s[best.space].mem[k].role != SP_PRODUCER)
			continue;
		for (int j = 0; j < best.n_keep; j++)
			st->orig[li][j] = st->orig[li][best.keep[j]];
	}
	apply_space(st, &sp.s[best.space], best.n_keep, st->layers);
	space_label((*cur)->graph, &sp.s[best.space], it->chosen, sizeof(it->chosen));
	it->removed = sp.s[best.space].size - best.n_keep;
	it->kept = best.n_keep;
	it->met = best.met;
	it->agr = best.agr;
	it->reconstructed = best.refitted;
	it->skipped = best.skipped;
	ox_free(*cur);
	*cur = best.model;
	best.model = NULL;
	rc = 0;
out:
	proposal_free(&best);
	collected_free(&acts);
	free(names);
	spaces_free(&sp);
	free(scratch);
	return rc;
}

static int ref_names(const Onnx__GraphProto *g, const struct state *st, const char ***names)
{
	*names = calloc((size_t)st->n + 1, sizeof(**names));
	if (!*names)
		return -1;
	for (int i = 0; i < st->n; i++)
		(*names)[i] = g->node[st->node[i]]->output[0];
	return 0;
}

int adapt_run(const Onnx__ModelProto *orig, const struct lut *lut, const struct calib *cal,
	      const struct adapt_opts *o, struct adapt_result *res, char *err, size_t errlen)
{
	Onnx__ModelProto *base = ox_clone(orig), *cur = NULL;
	struct collected ref = { 0 }, ref_eval = { 0 };
	struct state st = { 0 };
	struct spaces sp = { 0 };
	struct adapt_layer *scratch = NULL;
	const char **names = NULL;
	bool verify = o->measure && o->metric != LUT_MACS, have_meas = false;
	double fig, last_meas = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	/* the original with its BatchNormalizations folded: the same function */
	if (!base || adapt_fold_bn(base->graph, &res->bn_folded) || !(cur = ox_clone(base))) {
		ox_free(base);
		return errbuf_set(err, errlen, "out of memory");
	}
	if ((rc = state_read(&st, lut, cur->graph, err, errlen)))
		goto out;
	res->original = fig = figure_of(&st, st.layers, o->metric);
	res->reported_original = res->reported_final = figure_of(&st, st.layers, o->report_metric);
	scratch = malloc(((size_t)st.n + 1) * sizeof(*scratch));
	if (!scratch || spaces_build(cur->graph, &sp, err, errlen)) {
		rc = errbuf_set(err, errlen, "out of memory");
		goto out;
	}
	res->minimum = minimum_figure(&st, &sp, o->metric, scratch);
	spaces_free(&sp);
	if (isnan(fig) || isnan(res->minimum)) {
		rc = errbuf_set(err, errlen, "the LUT has no measured points around a layer's channel counts; profile the model again");
		goto out;
	}
	if (o->budget < res->minimum) {
		rc = ADAPT_UNREACHABLE;
		goto out;
	}
	progress(o, "running the original model on %d calibration sample(s)", cal->n);
	if ((rc = ref_names(cur->graph, &st, &names)) ||
	    (rc = collect_run(base, cal, names, st.n, &ref, err, errlen))) {
		rc = ADAPT_ERROR;
		goto out;
	}
	if (o->eval) {
		progress(o, "running the original model on %d held-out sample(s)", o->eval->n);
		if (collect_run(base, o->eval, NULL, 0, &ref_eval, err, errlen)) {
			rc = ADAPT_ERROR;
			goto out;
		}
	}
	res->agr = res->eval_agr = (struct agreement){ .top1 = 1, .sqnr_db = INFINITY };
	for (;;) {
		struct adapt_iter it = { .iteration = res->iterations + 1 };
		double target = fig - o->step * res->original;

		if (fig + res->gap <= o->budget) {
			struct accel_layer_stats sum = { 0 };
			double meas;

			if (!verify)
				break;
			if (have_meas) {
				meas = last_meas;
			} else {
				progress(o, "measuring the model on the device");
				if (o->measure(o->ctx, st.layers, st.n, &sum)) {
					rc = errbuf_set(err, errlen, "measuring the model on the device failed");
					goto out;
				}
				meas = lut_stat(&sum, o->metric);
			}
			if (meas <= o->budget * (1 + 1e-9))
				break;
			/* the LUT is under the device here: lower its budget by the gap */
			res->gap = meas - fig;
			res->corrections++;
			progress(o, "the device measures %g, the LUT %g: above the budget, going on", meas, fig);
			target = fig - o->step * res->original;
		}
		if (res->iterations >= o->max_iterations)
			break;
		it.target = target > o->budget - res->gap ? target : o->budget - res->gap;
		if ((rc = iterate(o, &cur, &st, cal, &ref, it.target, &it, err, errlen)))
			goto out;
		fig = it.figure = figure_of(&st, st.layers, o->metric);
		it.reported = figure_of(&st, st.layers, o->report_metric);
		if (o->eval) {
			struct collected out = { 0 };

			progress(o, "iteration %d: the chosen model on the held-out samples", it.iteration);
			if (collect_run(cur, o->eval, NULL, 0, &out, err, errlen)) {
				rc = ADAPT_ERROR;
				goto out;
			}
			rc = agreement_of(&out, &ref_eval, &it.eval_agr);
			collected_free(&out);
			if (rc) {
				rc = errbuf_set(err, errlen, "the model's output is not float");
				goto out;
			}
			it.has_eval = true;
			res->eval_agr = it.eval_agr;
		}
		have_meas = false;
		if (o->measure && o->measure_each) {
			progress(o, "iteration %d: measuring the model on the device", it.iteration);
			if (o->measure(o->ctx, st.layers, st.n, &it.measured)) {
				rc = errbuf_set(err, errlen, "measuring the model on the device failed");
				goto out;
			}
			it.has_measured = true;
			last_meas = lut_stat(&it.measured, o->metric);
			have_meas = true;
		}
		it.layers = st.layers;
		it.n_layers = st.n;
		res->agr = it.agr;
		res->iterations++;
		if (o->iteration)
			o->iteration(o->ctx, &it);
	}
	if (fig + res->gap > o->budget) {
		rc = errbuf_set(err, errlen, "the budget was not reached in %d iterations (the figure is %g); raise --step or the budget",
			  o->max_iterations, fig + res->gap);
		goto out;
	}
	res->final = fig;
	res->reported_final = figure_of(&st, st.layers, o->report_metric);
	ox_clear_value_info(cur);
	res->model = cur;
	cur = NULL;
	rc = 0;
out:
	ox_free(cur);
	ox_free(base);
	collected_free(&ref);
	collected_free(&ref_eval);
	state_free(&st);
	free(scratch);
	free(names);
	return rc;
}
