// SPDX-License-Identifier: MIT
/* CPU reference kernels (ONNX semantics). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/ref.h"

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

static int qmin(int dtype)
{
	return dtype == GR_UINT8 ? 0 : -128;
}

static int qmax(int dtype)
{
	return dtype == GR_UINT8 ? 255 : 127;
}

static int64_t sat(int64_t v, int dtype)
{
	if (v < qmin(dtype))
		return qmin(dtype);
	if (v > qmax(dtype))
		return qmax(dtype);
	return v;
}

/*
 * Added before every rounding to an integer type; 0 except while the
 * layer-wise check classifies 1-LSB differences (gr_ref_set_round_bias).
 * Per thread: models on one device may run in several threads.
 */
static _Thread_local double round_bias;

void gr_ref_set_round_bias(double bias)
{
	round_bias = bias;
}

/* nearbyint rounds half to even in the default rounding mode. */
int32_t gr_ref_requant(int64_t acc, double real, int32_t zp, int dtype)
{
	double v = nearbyint((double)acc * real + round_bias) + zp;

	if (v < qmin(dtype))
		return qmin(dtype);
	if (v > qmax(dtype))
		return qmax(dtype);
	return (int32_t)v;
}

static void store_i(struct gr_value *v, size_t i, int64_t x)
{
	switch (v->dtype) {
	case GR_UINT8: ((uint8_t *)v->data)[i] = (uint8_t)x; break;
	case GR_INT8: ((int8_t *)v->data)[i] = (int8_t)x; break;
	case GR_INT32: ((int32_t *)v->data)[i] = (int32_t)x; break;
	case GR_INT64: ((int64_t *)v->data)[i] = x; break;
	case GR_FLOAT: ((float *)v->data)[i] = (float)x; break;
	default: break;
	}
}

/* Parameter p (scale / zero point): element i, or element 0 if scalar. */
static double par_f(const struct gr_value *p, size_t i, double dflt)
{
	if (!p)
		return dflt;
	return gr_value_get_f(p, p->count == 1 ? 0 : i);
}

static int64_t par_i(const struct gr_value *p, size_t i)
{
	if (!p)
		return 0;
	return gr_value_get_i(p, p->count == 1 ? 0 : i);
}

static struct gr_value *alloc_out(const struct gr_node *n,
				  const struct gr_value *shape, struct gr_err *err)
{
	struct gr_value *v = gr_value_new(shape->dtype, shape->rank, shape->dims, err);

	if (!v) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		NODE_ERR(err, -ENOMEM, n, "output: %s", why);
	}
	return v;
}

/* Integer convolution core: acc[n][m][oy][ox] = bias + sum (x-zx)(w-zw). */
static int conv_int_acc(const struct gr_value *x, const struct gr_value *w,
			const struct gr_value *xzp, const struct gr_value *wzp,
			const struct gr_value *b, const struct gr_geom *g, int64_t grp,
			int64_t *acc)
{
	int64_t N = x->dims[0], C = x->dims[1], M = w->dims[0];
	int64_t cg = C / grp, mg = M / grp, kh = g->kh, kw = g->kw;
	int64_t zx = par_i(xzp, 0), plane = g->oh * g->ow;
	int32_t *xs = malloc(x->count * sizeof(int32_t) + 1);
	int32_t *ws = malloc(w->count * sizeof(int32_t) + 1);

	if (!xs || !ws) {
		free(xs);
		free(ws);
		return -ENOMEM;
	}
	for (size_t i = 0; i < x->count; i++)
		xs[i] = (int32_t)(gr_value_get_i(x, i) - zx);
	for (size_t i = 0; i < w->count; i++)
		ws[i] = (int32_t)(gr_value_get_i(w, i) - par_i(wzp, i / (w->count / (size_t)M)));
	for (int64_t ni = 0; ni < N; ni++)
	for (int64_t m = 0; m < M; m++) {
		int64_t *a = acc + (ni * M + m) * plane, gi = m / mg;
		int64_t b0 = b ? gr_value_get_i(b, (size_t)m) : 0;

		for (int64_t p = 0; p < plane; p++)
			a[p] = b0;
		for (int64_t c = 0; c < cg; c++) {
			const int32_t *xp = xs + (ni * C + gi * cg + c) * g->ih * g->iw;

			for (int64_t i = 0; i < kh; i++)
			for (int64_t j = 0; j < kw; j++) {
				int64_t wv = ws[((m * cg + c) * kh + i) * kw + j], lo = 0, hi = g->ow;

				if (!wv)
					continue;
				/* output columns whose tap lands inside the input */
				while (lo < g->ow && lo * g->sw - g->pl + j * g->dw < 0)
					lo++;
				while (hi > lo && (hi - 1) * g->sw - g->pl + j * g->dw >= g->iw)
					hi--;
				for (int64_t oy = 0; oy < g->oh; oy++) {
					int64_t iy = oy * g->sh - g->pt + i * g->dh;
					const int32_t *row;
					int64_t *arow = a + oy * g->ow;

					if (iy < 0 || iy >= g->ih)
						continue;
					row = xp + iy * g->iw - g->pl + j * g->dw;
					for (int64_t ox = lo; ox < hi; ox++)
						arow[ox] += wv * row[ox * g->sw];
				}
			}
		}
	}
	free(xs);
	free(ws);
	return 0;
}

static int ref_conv(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value *o, struct gr_err *err)
{
	int wi = n->op == GR_OP_QLINEARCONV ? 3 : 1;
	const struct gr_value *x = in[0], *w = in[wi], *b = NULL;
	const struct gr_value *xzp = NULL, *wzp = NULL;
	int64_t N = x->dims[0], C = x->dims[1], M = w->dims[0];
	int64_t grp = n->win.group, cg = C / grp, mg = M / grp;
	int64_t kh = x->rank == 4 ? w->dims[2] : 1, kw = w->dims[x->rank - 1];
	struct gr_geom g;
	int64_t *acc;
	int rc;

	if ((rc = gr_infer_window(n, x, kh, kw, &g, err)))
		return rc;
	if (n->op == GR_OP_CONV) {
		b = n->n_in > 2 ? in[2] : NULL;
		for (int64_t ni = 0; ni < N; ni++)
		for (int64_t m = 0; m < M; m++)
		for (int64_t oy = 0; oy < g.oh; oy++)
		for (int64_t ox = 0; ox < g.ow; ox++) {
			double facc = b ? gr_value_get_f(b, (size_t)m) : 0;

			for (int64_t c = 0; c < cg; c++)
			for (int64_t i = 0; i < kh; i++) {
				int64_t iy = oy * g.sh - g.pt + i * g.dh;

				if (iy < 0 || iy >= g.ih)
					continue;
				for (int64_t j = 0; j < kw; j++) {
					int64_t ix = ox * g.sw - g.pl + j * g.dw;

					if (ix < 0 || ix >= g.iw)
						continue;
					facc += (double)((const float *)x->data)[((ni * C + m / mg * cg + c) * g.ih + iy) * g.iw + ix] *
						((const float *)w->data)[((m * cg + c) * kh + i) * kw + j];
				}
			}
			((float *)o->data)[((ni * M + m) * g.oh + oy) * g.ow + ox] = (float)facc;
		}
		return 0;
	}
	if (n->op == GR_OP_CONVINTEGER) {
		xzp = n->n_in > 2 ? in[2] : NULL;
		wzp = n->n_in > 3 ? in[3] : NULL;
	} else {
		xzp = in[2];
		wzp = in[5];
		b = n->n_in > 8 ? in[8] : NULL;
	}
	acc = malloc(o->count * sizeof(int64_t) + 1);
	if (!acc || conv_int_acc(x, w, xzp, wzp, b, &g, grp, acc)) {
		free(acc);
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	}
	for (size_t oi = 0; oi < o->count; oi++) {
		size_t m = oi / (size_t)(g.oh * g.ow) % (size_t)M;

		if (n->op == GR_OP_CONVINTEGER) {
			((int32_t *)o->data)[oi] = (int32_t)acc[oi];
		} else {
			/* float scales as ONNX: real = x_scale * w_scale / y_scale */
			double real = gr_value_get_f(in[1], 0) *
				      gr_value_get_f(in[4], in[4]->count == 1 ? 0 : m) /
				      gr_value_get_f(in[6], 0);

			store_i(o, oi, gr_ref_requant(acc[oi], real,
						      (int32_t)gr_value_get_i(in[7], 0), o->dtype));
		}
	}
	free(acc);
	return 0;
}

/* Row-major strides of a shape broadcast to rank r (0 where broadcast). */
static void bcast_strides(int rank, const int64_t *dims, int r,
			  const int64_t *odims, int64_t *st)
{
	int64_t s = 1;

	for (int i = r - 1; i >= 0; i--) {
		int k = i - (r - rank);

		if (k < 0 || dims[k] == 1 || odims[i] != dims[k]) {
			st[i] = 0;
			if (k >= 0)
				s *= dims[k];
		} else {
			st[i] = s;
			s *= dims[k];
		}
	}
}

static int ref_matmul(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *o)
{
	int q = n->op == GR_OP_QLINEARMATMUL;
	const struct gr_value *a = in[0], *b = in[q ? 3 : 1];
	const struct gr_value *azp = NULL, *bzp = NULL;
	int64_t ad[GR_MAX_RANK + 1], bd[GR_MAX_RANK + 1], od[GR_MAX_RANK];
	int64_t ast[GR_MAX_RANK], bst[GR_MAX_RANK];
	int ar, br, r, nb;
	int64_t N, K, M, batches = 1;

	gr_matmul_dims(a, b, ad, &ar, bd, &br);
	N = ad[ar - 2];
	K = ad[ar - 1];
	M = bd[br - 1];
	r = ar > br ? ar : br;
	nb = r - 2;
	for (int i = 0; i < nb; i++) {
		int ia = i - (r - ar), ib = i - (r - br);
		int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;

		od[i] = da == 1 ? db : da;
		batches *= od[i];
	}
	/* strides over batch dims, in units of whole matrices */
	bcast_strides(ar - 2, ad, nb, od, ast);
	bcast_strides(br - 2, bd, nb, od, bst);
	if (n->op == GR_OP_MATMULINTEGER) {
		azp = n->n_in > 2 ? in[2] : NULL;
		bzp = n->n_in > 3 ? in[3] : NULL;
	} else if (q) {
		azp = in[2];
		bzp = in[5];
	}
	for (int64_t bi = 0; bi < batches; bi++) {
		int64_t rem = bi, aoff = 0, boff = 0;

		for (int i = nb - 1; i >= 0; i--) {
			int64_t idx = rem % od[i];

			rem /= od[i];
			aoff += idx * ast[i];
			boff += idx * bst[i];
		}
		aoff *= N * K;
		boff *= K * M;
		for (int64_t i = 0; i < N; i++)
		for (int64_t j = 0; j < M; j++) {
			size_t oi = (size_t)((bi * N + i) * M + j);

			if (n->op == GR_OP_MATMUL) {
				double acc = 0;

				for (int64_t k = 0; k < K; k++)
					acc += (double)((const float *)a->data)[aoff + i * K + k] *
					       ((const float *)b->data)[boff + k * M + j];
				((float *)o->data)[oi] = (float)acc;
			} else {
				int64_t acc = 0, za = par_i(azp, (size_t)i), zb = par_i(bzp, (size_t)j);

				for (int64_t k = 0; k < K; k++)
					acc += (gr_value_get_i(a, (size_t)(aoff + i * K + k)) - za) *
					       (gr_value_get_i(b, (size_t)(boff + k * M + j)) - zb);
				if (!q) {
					((int32_t *)o->data)[oi] = (int32_t)acc;
				} else {
					double real = par_f(in[1], (size_t)i, 1) *
						      par_f(in[4], (size_t)j, 1) /
						      gr_value_get_f(in[6], 0);

					store_i(o, oi, gr_ref_requant(acc, real,
								      (int32_t)gr_value_get_i(in[7], 0),
								      o->dtype));
				}
			}
		}
	}
	return 0;
}

static void ref_gemm(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *o)
{
	const struct gr_value *a = in[0], *b = in[1], *c = n->n_in > 2 ? in[2] : NULL;
	const float *A = a->data, *B = b->data;
	int64_t M = o->dims[0], N = o->dims[1];
	int64_t K = n->trans_a ? a->dims[0] : a->dims[1];

	for (int64_t i = 0; i < M; i++)
	for (int64_t j = 0; j < N; j++) {
		double acc = 0, cv = 0;

		for (int64_t k = 0; k < K; k++) {
			float av = n->trans_a ? A[k * M + i] : A[i * K + k];
			float bv = n->trans_b ? B[j * K + k] : B[k * N + j];

			acc += (double)av * bv;
		}
		if (c) {
			int64_t ci = 0;

			if (c->rank == 2)
				ci = (c->dims[0] == 1 ? 0 : i) * c->dims[1] +
				     (c->dims[1] == 1 ? 0 : j);
			else if (c->rank == 1)
				ci = c->dims[0] == 1 ? 0 : j;
			cv = gr_value_get_f(c, (size_t)ci);
		}
		((float *)o->data)[i * N + j] = (float)(n->alpha * acc + n->beta * cv);
	}
}

/* Index along `axis` of flat element i (per-axis quantization). */
static size_t axis_index(const struct gr_value *x, int64_t axis, size_t i)
{
	int64_t inner = 1;

	for (int k = (int)axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	return (size_t)((int64_t)i / inner % x->dims[axis]);
}

static void ref_quant(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *o)
{
	const struct gr_value *x = in[0], *s = in[1], *zp = n->n_in > 2 ? in[2] : NULL;
	int64_t axis = n->axis < 0 ? n->axis + x->rank : n->axis;
	int per_axis = s->count > 1;

	for (size_t i = 0; i < x->count; i++) {
		size_t k = per_axis ? axis_index(x, axis, i) : 0;
		float scale = (float)gr_value_get_f(s, k);
		int64_t z = zp ? gr_value_get_i(zp, k) : 0;

		if (n->op == GR_OP_QUANTIZE) {
			/* float32 arithmetic, as ONNX's reference does */
			float xv = x->dtype == GR_FLOAT ? ((const float *)x->data)[i]
				: (float)((const int32_t *)x->data)[i];
			float r = xv / scale;
			double v = (round_bias != 0 ? nearbyint((double)r + round_bias)
				    : nearbyintf(r)) + (double)z;

			store_i(o, i, sat((int64_t)fmax(fmin(v, 1e9), -1e9), o->dtype));
		} else {
			((float *)o->data)[i] =
				(float)(gr_value_get_i(x, i) - z) * scale;
		}
	}
}

static void ref_clip(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *o)
{
	const struct gr_value *x = in[0];
	double lo = -INFINITY, hi = INFINITY;

	if (n->op == GR_OP_RELU) {
		lo = 0;
	} else if (n->has_clip_attrs) {
		lo = n->clip_min;
		hi = n->clip_max;
	} else {
		if (n->n_in > 1 && in[1])
			lo = gr_value_get_f(in[1], 0);
		if (n->n_in > 2 && in[2])
			hi = gr_value_get_f(in[2], 0);
	}
	for (size_t i = 0; i < x->count; i++) {
		double v = gr_value_get_f(x, i);

		if (v < lo)
			v = lo;
		if (v > hi)
			v = hi;
		if (o->dtype == GR_FLOAT)
			((float *)o->data)[i] = (float)v;
		else if (o->dtype == GR_INT64)
			((int64_t *)o->data)[i] = (int64_t)v;
		else
			store_i(o, i, (int64_t)v);
	}
}

static int ref_pool(const struct gr_node *n, const struct gr_value *x,
		    struct gr_value *o, struct gr_err *err)
{
	int64_t N = x->dims[0], C = x->dims[1];
	struct gr_geom g;
	int rc;

	if (n->op == GR_OP_GLOBALAVGPOOL) {
		int64_t sp = 1;

		for (int i = 2; i < x->rank; i++)
			sp *= x->dims[i];
		for (int64_t i = 0; i < N * C; i++) {
			double acc = 0;

			for (int64_t k = 0; k < sp; k++)
				acc += ((const float *)x->data)[i * sp + k];
			((float *)o->data)[i] = (float)(acc / (double)sp);
		}
		return 0;
	}
	if ((rc = gr_infer_window(n, x, n->win.kh, n->win.kw, &g, err)))
		return rc;
	for (int64_t nc = 0; nc < N * C; nc++)
	for (int64_t oy = 0; oy < g.oh; oy++)
	for (int64_t ox = 0; ox < g.ow; ox++) {
		double best = -INFINITY, sum = 0;
		int64_t cnt = 0, padcnt = 0;

		for (int64_t i = 0; i < g.kh; i++) {
			int64_t iy = oy * g.sh - g.pt + i * g.dh;

			for (int64_t j = 0; j < g.kw; j++) {
				int64_t ix = ox * g.sw - g.pl + j * g.dw;

				if (iy >= -g.pt && iy < g.ih + g.pb &&
				    ix >= -g.pl && ix < g.iw + g.pr)
					padcnt++;
				if (iy < 0 || iy >= g.ih || ix < 0 || ix >= g.iw)
					continue;
				double v = gr_value_get_f(x, (size_t)((nc * g.ih + iy) * g.iw + ix));

				if (v > best)
					best = v;
				sum += v;
				cnt++;
			}
		}
		size_t oi = (size_t)((nc * g.oh + oy) * g.ow + ox);

		if (n->op == GR_OP_MAXPOOL) {
			if (o->dtype == GR_FLOAT)
				((float *)o->data)[oi] = (float)best;
			else	/* a window of padding only has no maximum: the type's least */
				store_i(o, oi, cnt ? (int64_t)best : qmin(o->dtype));
		} else {
			int64_t div = n->win.count_include_pad ? padcnt : cnt;

			((float *)o->data)[oi] = (float)(div ? sum / (double)div : 0);
		}
	}
	return 0;
}

static void ref_add(const struct gr_value *a, const struct gr_value *b,
		    struct gr_value *o)
{
	int64_t ast[GR_MAX_RANK], bst[GR_MAX_RANK];
	int r = o->rank;

	bcast_strides(a->rank, a->dims, r, o->dims, ast);
	bcast_strides(b->rank, b->dims, r, o->dims, bst);
	for (size_t i = 0; i < o->count; i++) {
		int64_t rem = (int64_t)i, ai = 0, bi = 0;

		for (int k = r - 1; k >= 0; k--) {
			int64_t idx = rem % o->dims[k];

			rem /= o->dims[k];
			ai += idx * ast[k];
			bi += idx * bst[k];
		}
		if (o->dtype == GR_FLOAT)
			((float *)o->data)[i] = ((const float *)a->data)[ai] +
						((const float *)b->data)[bi];
		else
			/* integer add wraps, as numpy's does */
			store_i(o, i, gr_value_get_i(a, (size_t)ai) +
				      gr_value_get_i(b, (size_t)bi));
	}
}

int gr_ref_node(const struct gr_node *n, const struct gr_value *const *in,
		struct gr_value **out, struct gr_err *err)
{
	struct gr_value shapes[GR_MAX_OUTPUTS];
	struct gr_value *o;
	int rc;

	memset(shapes, 0, sizeof(shapes));
	if ((rc = gr_infer_node(n, in, shapes, err)))
		return rc;
	if (n->op == GR_OP_RESHAPE) {
		/* the shape is data: resolve it now that it is known */
		for (int i = 0; i < shapes[0].rank; i++)
			if (shapes[0].dims[i] < 0)
				return NODE_ERR(err, -EINVAL, n, "shape not resolvable");
	}
	o = alloc_out(n, &shapes[0], err);
	if (!o)
		return -ENOMEM;
	switch (n->op) {
	case GR_OP_CONV:
	case GR_OP_QLINEARCONV:
	case GR_OP_CONVINTEGER:
		rc = ref_conv(n, in, o, err);
		break;
	case GR_OP_MATMUL:
	case GR_OP_QLINEARMATMUL:
	case GR_OP_MATMULINTEGER:
		rc = ref_matmul(n, in, o);
		break;
	case GR_OP_GEMM:
		ref_gemm(n, in, o);
		break;
	case GR_OP_QUANTIZE:
	case GR_OP_DEQUANTIZE:
		ref_quant(n, in, o);
		break;
	case GR_OP_RELU:
	case GR_OP_CLIP:
		ref_clip(n, in, o);
		break;
	case GR_OP_MAXPOOL:
	case GR_OP_AVGPOOL:
	case GR_OP_GLOBALAVGPOOL:
		rc = ref_pool(n, in[0], o, err);
		break;
	case GR_OP_ADD:
		ref_add(in[0], in[1], o);
		break;
	case GR_OP_FLATTEN:
	case GR_OP_RESHAPE:
		memcpy(o->data, in[0]->data, o->count * gr_dtype_size(o->dtype));
		break;
	default:
		rc = NODE_ERR(err, -EOPNOTSUPP, n, "no CPU kernel");
		break;
	}
	if (rc) {
		gr_value_free(o);
		return rc;
	}
	out[0] = o;
	return 0;
}
