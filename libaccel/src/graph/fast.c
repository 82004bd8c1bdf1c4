// SPDX-License-Identifier: MIT
/*
 * The fast float CPU path (fast.h): Conv (im2col or direct 1x1 into
 * OpenBLAS sgemm, depthwise by a direct kernel) with a fused epilogue,
 * ConvTranspose (sgemm then col2im), Gemm, MatMul, and plain loops for the
 * element-wise ops and pools between them.
 */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fast.h"
#include "graph/infer.h"
#include "graph/ops/ops.h"
#include "graph/pool.h"
#include "graph/window.h"

static int all_float(const struct gr_node *n, const struct gr_value *const *in)
{
	for (int i = 0; i < n->n_in; i++)
		if (in[i] && in[i]->dtype != GR_FLOAT)
			return 0;
	return in[0] != NULL;
}

static struct gr_value *new_out(int rank, const int64_t *dims, struct gr_err *err)
{
	/* every fast kernel writes each output element */
	return gr_value_new_raw(GR_FLOAT, rank, dims, err);
}

static int oom(const struct gr_node *n, struct gr_err *err)
{
	return gr_err_set(err, -ENOMEM, "node '%s': out of memory", n->name);
}

/*
 * [*lo, *hi): the positions p in [0, count) whose p * s + off falls inside
 * [0, lim) (s >= 1): the columns of a window row that read the input, or
 * the input columns of a transposed window that land in the output.
 */
static void span(int64_t off, int64_t s, int64_t lim, int64_t count, int64_t *lo, int64_t *hi)
{
	int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
	int64_t b = lim - off <= 0 ? 0 : (lim - off + s - 1) / s;

	if (b > count)
		b = count;
	if (a > b)
		a = b;
	*lo = a;
	*hi = b;
}

/* col[(c, i, j) x (oy, ox)] of one image and group: cg planes of x. */
static void im2col(const float *x, int64_t cg, const struct gr_geom *g, float *col)
{
	int64_t ohw = g->oh * g->ow;

	for (int64_t c = 0; c < cg; c++)
	for (int64_t i = 0; i < g->kh; i++)
	for (int64_t j = 0; j < g->kw; j++) {
		float *row = col + ((c * g->kh + i) * g->kw + j) * ohw;
		const float *xc = x + c * g->ih * g->iw;
		int64_t off = j * g->dw - g->pl, lo, hi;

		span(off, g->sw, g->iw, g->ow, &lo, &hi);
		for (int64_t oy = 0; oy < g->oh; oy++) {
			int64_t iy = oy * g->sh - g->pt + i * g->dh;
			float *r = row + oy * g->ow;
			const float *xr;

			if (iy < 0 || iy >= g->ih) {
				memset(r, 0, (size_t)g->ow * sizeof(float));
				continue;
			}
			xr = xc + iy * g->iw;
			memset(r, 0, (size_t)lo * sizeof(float));
			if (g->sw == 1)
				memcpy(r + lo, xr + lo + off, (size_t)(hi - lo) * sizeof(float));
			else
				for (int64_t ox = lo; ox < hi; ox++)
					r[ox] = xr[ox * g->sw + off];
			memset(r + hi, 0, (size_t)(g->ow - hi) * sizeof(float));
		}
	}
}

/*
 * The output loop after the sum: + bias[m], + add (the fused Add's other
 * operand), then the fused Relu / Clip, over mg planes of ohw values.
 */
static void epilogue(float *restrict y, int64_t mg, int64_t ohw, const float *bias,
		     const float *restrict add, const struct gr_fast_epi *e)
{
	int clamp = e && e->clamp;
	/* comparisons as the reference's: NaN passes, and so does all else unclamped */
	float lo = clamp ? e->lo : -INFINITY, hi = clamp ? e->hi : INFINITY;

	if (!bias && !add && !clamp)
		return;
	for (int64_t m = 0; m < mg; m++) {
		float b = bias ? bias[m] : 0.0f, *r = y + m * ohw;

		if (add) {
			const float *a = add + m * ohw;

			for (int64_t p = 0; p < ohw; p++) {
				float v = (r[p] + b) + a[p];

				v = v < lo ? lo : v;
				r[p] = v > hi ? hi : v;
			}
		} else {
			for (int64_t p = 0; p < ohw; p++) {
				float v = r[p] + b;

				v = v < lo ? lo : v;
				r[p] = v > hi ? hi : v;
			}
		}
	}
}

/*
 * Depthwise (one input channel per group): output plane m reads input
 * plane x with its kh x kw weights w; a direct loop, no im2col.
 */
static void dw_plane(const float *restrict x, const float *restrict w, const struct gr_geom *g,
		     float *restrict y)
{
	for (int64_t oy = 0; oy < g->oh; oy++) {
		float *yr = y + oy * g->ow;

		memset(yr, 0, (size_t)g->ow * sizeof(float));
		for (int64_t i = 0; i < g->kh; i++) {
			int64_t iy = oy * g->sh - g->pt + i * g->dh;
			const float *xr;

			if (iy < 0 || iy >= g->ih)
				continue;
			xr = x + iy * g->iw;
			for (int64_t j = 0; j < g->kw; j++) {
				float wv = w[i * g->kw + j];
				int64_t off = j * g->dw - g->pl, lo, hi;

				span(off, g->sw, g->iw, g->ow, &lo, &hi);
				if (g->sw == 1) {
					const float *xs = xr + lo + off;
					float *ys = yr + lo;

					for (int64_t k = 0; k < hi - lo; k++)
						ys[k] += wv * xs[k];
				} else {
					for (int64_t ox = lo; ox < hi; ox++)
						yr[ox] += wv * xr[ox * g->sw + off];
				}
			}
		}
	}
}

/*
 * Conv: per image and group, Y[mg x ohw] = W[mg x K] * col[K x ohw] with
 * K = cg*kh*kw; col is the input itself for an unpadded 1x1 stride-1 conv;
 * one input channel per group runs the direct depthwise loop. Then the
 * epilogue (bias, fused Add, fused Relu / Clip).
 */
static int fast_conv(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, const struct gr_fast_epi *e, struct gr_err *err)
{
	const struct gr_value *x = in[0], *w = in[1], *b = n->n_in > 2 ? in[2] : NULL;
	const struct gr_value *add = e ? e->add : NULL;
	int64_t N, C, M, grp = gr_attr_int(n, "group", 1), cg, mg, kh, kw, K, ohw;
	int64_t dims[4];
	struct gr_geom g;
	struct gr_value *y;
	float *col = NULL;
	int direct, depthwise, rc;

	if (!w || (x->rank != 4 && x->rank != 3) || w->rank != x->rank || grp < 1)
		return -ENOSYS;
	N = x->dims[0];
	C = x->dims[1];
	M = w->dims[0];
	if (C % grp || M % grp || w->dims[1] != C / grp || (b && b->count != (size_t)M))
		return -ENOSYS;	/* the reference says what is wrong */
	cg = C / grp;
	mg = M / grp;
	kh = x->rank == 4 ? w->dims[2] : 1;
	kw = w->dims[x->rank - 1];
	if ((rc = gr_infer_window(n, x, kh, kw, &g, err)))
		return rc;
	K = cg * kh * kw;
	ohw = g.oh * g.ow;
	if (K * ohw > INT_MAX || mg * K > INT_MAX || mg * ohw > INT_MAX)
		return -ENOSYS;	/* beyond BLAS int sizes: the reference runs it */
	dims[0] = N;
	dims[1] = M;
	dims[2] = x->rank == 4 ? g.oh : g.ow;
	dims[3] = g.ow;
	/* a fused Add's other operand: exactly the output's shape */
	if (add && (add->dtype != GR_FLOAT || add->rank != x->rank ||
		    memcmp(add->dims, dims, (size_t)x->rank * sizeof(int64_t))))
		return -ENOSYS;
	y = new_out(x->rank, dims, err);
	if (!y)
		return -ENOMEM;
	depthwise = cg == 1 && kh * kw > 1;
	direct = kh == 1 && kw == 1 && g.sh == 1 && g.sw == 1 && !g.pt && !g.pl && !g.pb &&
		 !g.pr && g.oh == g.ih && g.ow == g.iw;
	if (!direct && !depthwise) {
		col = gr_mem_get((size_t)(K * ohw) * sizeof(float), 0);
		if (!col) {
			gr_value_free(y);
			return oom(n, err);
		}
	}
	for (int64_t ni = 0; ni < N; ni++)
		for (int64_t gi = 0; gi < grp; gi++) {
			const float *xg = (const float *)x->data + (ni * C + gi * cg) * g.ih * g.iw;
			const float *wg = (const float *)w->data + gi * mg * K;
			float *yg = (float *)y->data + (ni * M + gi * mg) * ohw;

			if (depthwise) {
				for (int64_t m = 0; m < mg; m++)
					dw_plane(xg, wg + m * K, &g, yg + m * ohw);
			} else {
				if (!direct)
					im2col(xg, cg, &g, col);
				/* one output position: a matrix-vector product (sgemm would pack W) */
				if (ohw == 1) {
					/* beta 0 may still scale what is there: start from zeros */
					memset(yg, 0, (size_t)mg * sizeof(float));
					cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)mg, (int)K, 1.0f,
						    wg, (int)K, direct ? xg : col, 1, 1.0f, yg, 1);
				} else {
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
						    (int)mg, (int)ohw, (int)K, 1.0f, wg, (int)K,
						    direct ? xg : col, (int)ohw, 0.0f, yg, (int)ohw);
				}
			}
			epilogue(yg, mg, ohw, b ? (const float *)b->data + gi * mg : NULL,
				 add ? (const float *)add->data + (ni * M + gi * mg) * ohw : NULL, e);
		}
	gr_mem_put(col);
	out[0] = y;
	return 0;
}

/*
 * ConvTranspose: per image and group, col[(mg*kh*kw) x ihw] = W_g^T * X_g
 * (W_g: cg x mg*kh*kw), then col2im adds each column into the output
 * window it lands on, over the bias.
 */
static int fast_convtranspose(const struct gr_node *n, const struct gr_value *const *in,
			      struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0], *w = in[1], *b = n->n_in > 2 ? in[2] : NULL;
	int64_t N, C, M, cg, mg, kk, ihw, ohw, rows, dims[4];
	struct gr_ct_geom g;
	struct gr_value *y;
	float *col;
	int rc;

	if (!w || (x->rank != 4 && x->rank != 3) || w->rank != x->rank)
		return -ENOSYS;
	if ((rc = gr_ct_geometry(n, x, w, &g, err)))
		return rc;
	N = x->dims[0];
	C = x->dims[1];
	if (g.group < 1 || C % g.group || w->dims[0] != C)
		return -ENOSYS;
	cg = C / g.group;
	mg = w->dims[1];
	M = mg * g.group;
	if (b && (b->rank != 1 || b->dims[0] != M))
		return -ENOSYS;
	kk = g.k[1] * g.k[2];
	ihw = g.in[1] * g.in[2];
	ohw = g.out[1] * g.out[2];
	rows = mg * kk;
	if (rows * ihw > INT_MAX || cg * rows > INT_MAX || cg * ihw > INT_MAX)
		return -ENOSYS;
	dims[0] = N;
	dims[1] = M;
	dims[2] = x->rank == 4 ? g.out[1] : g.out[2];
	dims[3] = g.out[2];
	y = new_out(x->rank, dims, err);
	if (!y)
		return -ENOMEM;
	col = gr_mem_get((size_t)(rows * ihw) * sizeof(float), 0);
	if (!col) {
		gr_value_free(y);
		return oom(n, err);
	}
	for (int64_t ni = 0; ni < N; ni++)
		for (int64_t gi = 0; gi < g.group; gi++) {
			const float *xg = (const float *)x->data + (ni * C + gi * cg) * ihw;
			const float *wg = (const float *)w->data + gi * cg * rows;
			float *yg = (float *)y->data + (ni * M + gi * mg) * ohw;

			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)ihw,
				    (int)cg, 1.0f, wg, (int)rows, xg, (int)ihw, 0.0f, col,
				    (int)ihw);
			for (int64_t m = 0; m < mg; m++) {
				float bv = b ? ((const float *)b->data)[gi * mg + m] : 0.0f;
				float *ym = yg + m * ohw;

				for (int64_t p = 0; p < ohw; p++)
					ym[p] = bv;
				for (int64_t ky = 0; ky < g.k[1]; ky++)
				for (int64_t kx = 0; kx < g.k[2]; kx++) {
					const float *row = col + ((m * g.k[1] + ky) * g.k[2] + kx) * ihw;
					int64_t off = kx * g.d[2] - g.pb[2], lo, hi;

					span(off, g.s[2], g.out[2], g.in[2], &lo, &hi);
					for (int64_t iy = 0; iy < g.in[1]; iy++) {
						int64_t oy = iy * g.s[1] - g.pb[1] + ky * g.d[1];
						const float *r = row + iy * g.in[2];
						float *yr = ym + oy * g.out[2];

						if (oy < 0 || oy >= g.out[1])
							continue;
						for (int64_t ix = lo; ix < hi; ix++)
							yr[ix * g.s[2] + off] += r[ix];
					}
				}
			}
		}
	gr_mem_put(col);
	out[0] = y;
	return 0;
}

static int fast_gemm(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[0], *b = in[1], *c = n->n_in > 2 ? in[2] : NULL;
	int trans_a = (int)gr_attr_int(n, "transA", 0), trans_b = (int)gr_attr_int(n, "transB", 0);
	float alpha = gr_attr_float(n, "alpha", 1.0f), beta = gr_attr_float(n, "beta", 1.0f);
	int64_t M, N, K, dims[2];
	struct gr_value *y;
	float *Y;

	if (!b || a->rank != 2 || b->rank != 2)
		return -ENOSYS;
	M = trans_a ? a->dims[1] : a->dims[0];
	K = trans_a ? a->dims[0] : a->dims[1];
	N = trans_b ? b->dims[0] : b->dims[1];
	if ((trans_b ? b->dims[1] : b->dims[0]) != K || M * K > INT_MAX ||
	    K * N > INT_MAX || M * N > INT_MAX)
		return -ENOSYS;
	if (c && !(c->rank == 0 || (c->rank == 1 && (c->dims[0] == N || c->dims[0] == 1)) ||
		   (c->rank == 2 && (c->dims[0] == M || c->dims[0] == 1) &&
		    (c->dims[1] == N || c->dims[1] == 1))))
		return -ENOSYS;
	dims[0] = M;
	dims[1] = N;
	y = new_out(2, dims, err);
	if (!y)
		return -ENOMEM;
	Y = y->data;
	if (c) {
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++)
				Y[i * N + j] = beta * (float)gr_gemm_c_at(c, i, j);
	}
	/* one row (a batch of 1): y = op(B)^T a, without packing B as sgemm does */
	if (M == 1) {
		if (!c)
			memset(Y, 0, (size_t)N * sizeof(float));
		/* A is 1 x K or K x 1: contiguous either way */
		cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, (int)b->dims[0],
			    (int)b->dims[1], alpha, b->data, (int)b->dims[1], a->data, 1, 1.0f, Y,
			    1);
	} else {
		cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
			    trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha,
			    a->data, (int)a->dims[1], b->data, (int)b->dims[1], c ? 1.0f : 0.0f,
			    Y, (int)N);
	}
	out[0] = y;
	return 0;
}

/* MatMul of A (rank >= 2) by a 2-D B: one sgemm over all of A's rows. */
static int fast_matmul(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[0], *b = in[1];
	int64_t rows = 1, K, N, dims[GR_MAX_RANK];
	struct gr_value *y;

	(void)n;
	if (!b || a->rank < 2 || b->rank != 2 || a->dims[a->rank - 1] != b->dims[0])
		return -ENOSYS;
	K = b->dims[0];
	N = b->dims[1];
	for (int i = 0; i < a->rank - 1; i++) {
		rows *= a->dims[i];
		dims[i] = a->dims[i];
	}
	dims[a->rank - 1] = N;
	if (rows * K > INT_MAX || K * N > INT_MAX || rows * N > INT_MAX)
		return -ENOSYS;
	y = new_out(a->rank, dims, err);
	if (!y)
		return -ENOMEM;
	if (rows == 1) {
		memset(y->data, 0, (size_t)N * sizeof(float));
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)N, 1.0f, b->data, (int)N,
			    a->data, 1, 1.0f, y->data, 1);
	} else {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)N, (int)K,
			    1.0f, a->data, (int)K, b->data, (int)N, 0.0f, y->data, (int)N);
	}
	out[0] = y;
	return 0;
}

int gr_fast_clip_bounds(const struct gr_node *n, const struct gr_value *const *in,
			float *lo, float *hi)
{
	double l = -INFINITY, h = INFINITY;

	if (gr_node_is(n, "Relu")) {
		*lo = 0.0f;
		*hi = INFINITY;
		return 0;
	}
	if (!gr_node_is(n, "Clip"))
		return -ENOSYS;
	if (!gr_clip_bounds_attrs(n, &l, &h))
		for (int i = 1; i < n->n_in && i < 3; i++) {
			const struct gr_value *v = in[i];

			if (!v)
				continue;
			if (v->dtype != GR_FLOAT || v->count > 1)
				return -ENOSYS;
			if (v->count)
				*(i == 1 ? &l : &h) = ((const float *)v->data)[0];
		}
	*lo = (float)l;
	*hi = (float)h;
	return 0;
}

/* Relu, Clip (float bounds) */
static int fast_clip(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *y;
	const float *X = x->data;
	float lo, hi, *Y;

	if (gr_fast_clip_bounds(n, in, &lo, &hi))
		return -ENOSYS;
	y = new_out(x->rank, x->dims, err);
	if (!y)
		return -ENOMEM;
	Y = y->data;
	for (size_t i = 0; i < x->count; i++) {
		float v = X[i];

		v = v < lo ? lo : v;
		Y[i] = v > hi ? hi : v;
	}
	out[0] = y;
	return 0;
}

/* Add of two float tensors of the same shape (broadcasts: the reference). */
static int fast_add(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[0], *b = in[1];
	const float *A, *B;
	struct gr_value *y;
	float *Y;

	if (n->n_in != 2 || !b || a->rank != b->rank ||
	    memcmp(a->dims, b->dims, (size_t)a->rank * sizeof(int64_t)))
		return -ENOSYS;
	y = new_out(a->rank, a->dims, err);
	if (!y)
		return -ENOMEM;
	A = a->data;
	B = b->data;
	Y = y->data;
	/* a float sum rounded once, as the reference's double sum rounded to float */
	for (size_t i = 0; i < a->count; i++)
		Y[i] = A[i] + B[i];
	out[0] = y;
	return 0;
}

/* MaxPool (one output) and GlobalAveragePool of float N x C x spatial. */
static int fast_pool(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, int global, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int64_t NC, dims[GR_MAX_RANK];
	struct gr_window win;
	struct gr_geom g;
	struct gr_value *y;
	const float *X = x->data;
	float *Y;
	int rc;

	if (x->rank < 3 || n->n_out != 1)
		return -ENOSYS;
	NC = x->dims[0] * x->dims[1];
	if (global) {
		int64_t sp = 1;

		for (int i = 0; i < x->rank; i++)
			dims[i] = i < 2 ? x->dims[i] : 1;
		for (int i = 2; i < x->rank; i++)
			sp *= x->dims[i];
		y = new_out(x->rank, dims, err);
		if (!y)
			return -ENOMEM;
		Y = y->data;
		for (int64_t i = 0; i < NC; i++) {
			double acc = 0;

			for (int64_t k = 0; k < sp; k++)
				acc += X[i * sp + k];
			Y[i] = (float)(acc / (double)sp);
		}
		out[0] = y;
		return 0;
	}
	if (x->rank > 4)
		return -ENOSYS;
	if ((rc = gr_node_window(n, &win, err)))
		return rc;
	if (!win.has_kernel)
		return -ENOSYS;
	if ((rc = gr_infer_window(n, x, win.kh, win.kw, &g, err)))
		return rc;
	gr_window_out(x, x->dims[1], &g, dims);
	y = new_out(x->rank, dims, err);
	if (!y)
		return -ENOMEM;
	Y = y->data;
	for (int64_t nc = 0; nc < NC; nc++) {
		const float *xp = X + nc * g.ih * g.iw;
		float *yp = Y + nc * g.oh * g.ow;

		for (int64_t oy = 0; oy < g.oh; oy++)
			for (int64_t ox = 0; ox < g.ow; ox++) {
				float best = -INFINITY;

				for (int64_t i = 0; i < g.kh; i++) {
					int64_t iy = oy * g.sh - g.pt + i * g.dh;

					if (iy < 0 || iy >= g.ih)
						continue;
					for (int64_t j = 0; j < g.kw; j++) {
						int64_t ix = ox * g.sw - g.pl + j * g.dw;

						/* NaN never wins, as in the reference */
						if (ix >= 0 && ix < g.iw && xp[iy * g.iw + ix] > best)
							best = xp[iy * g.iw + ix];
					}
				}
				yp[oy * g.ow + ox] = best;
			}
	}
	out[0] = y;
	return 0;
}

int gr_fast_node_epi(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, const struct gr_fast_epi *epi, struct gr_err *err)
{
	if (!n->n_in || !all_float(n, in))
		return -ENOSYS;
	if (gr_node_is(n, "Conv"))
		return fast_conv(n, in, out, epi, err);
	if (epi)
		return -ENOSYS;		/* epilogues are the Conv's */
	if (gr_node_is(n, "Gemm"))
		return fast_gemm(n, in, out, err);
	if (gr_node_is(n, "MatMul"))
		return fast_matmul(n, in, out, err);
	if (gr_node_is(n, "ConvTranspose"))
		return fast_convtranspose(n, in, out, err);
	if (gr_node_is(n, "Relu") || gr_node_is(n, "Clip"))
		return fast_clip(n, in, out, err);
	if (gr_node_is(n, "Add"))
		return fast_add(n, in, out, err);
	if (gr_node_is(n, "MaxPool"))
		return fast_pool(n, in, out, 0, err);
	if (gr_node_is(n, "GlobalAveragePool"))
		return fast_pool(n, in, out, 1, err);
	return -ENOSYS;
}

int gr_fast_node(const struct gr_node *n, const struct gr_value *const *in,
		 struct gr_value **out, struct gr_err *err)
{
	return gr_fast_node_epi(n, in, out, NULL, err);
}
