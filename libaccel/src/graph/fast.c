// SPDX-License-Identifier: MIT
/* Fast float Conv / Gemm / MatMul on OpenBLAS (fast.h). */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fast.h"
#include "graph/infer.h"
#include "graph/ops/ops.h"
#include "graph/window.h"

static int all_float(const struct gr_node *n, const struct gr_value *const *in)
{
	for (int i = 0; i < n->n_in; i++)
		if (in[i] && in[i]->dtype != GR_FLOAT)
			return 0;
	return in[0] && in[1];
}

static struct gr_value *new_out(int rank, const int64_t *dims, struct gr_err *err)
{
	return gr_value_new(GR_FLOAT, rank, dims, err);
}

/*
 * Conv: per image and group, Y[mg x ohw] = W[mg x K] * col[K x ohw] with
 * K = cg*kh*kw; col is the input itself for an unpadded 1x1 stride-1 conv.
 */
static int fast_conv(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0], *w = in[1], *b = n->n_in > 2 ? in[2] : NULL;
	int64_t N, C, M, grp = gr_attr_int(n, "group", 1), cg, mg, kh, kw, K, ohw;
	int64_t dims[4];
	struct gr_geom g;
	struct gr_value *y;
	float *col = NULL;
	int direct, rc;

	if ((x->rank != 4 && x->rank != 3) || w->rank != x->rank || grp < 1)
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
	y = new_out(x->rank, dims, err);
	if (!y)
		return -ENOMEM;
	direct = kh == 1 && kw == 1 && g.sh == 1 && g.sw == 1 && !g.pt && !g.pl && !g.pb &&
		 !g.pr && g.oh == g.ih && g.ow == g.iw;
	if (!direct) {
		col = malloc((size_t)(K * ohw) * sizeof(float));
		if (!col) {
			gr_value_free(y);
			return gr_err_set(err, -ENOMEM, "node '%s': out of memory", n->name);
		}
	}
	for (int64_t ni = 0; ni < N; ni++)
		for (int64_t gi = 0; gi < grp; gi++) {
			const float *xg = (const float *)x->data + (ni * C + gi * cg) * g.ih * g.iw;
			const float *wg = (const float *)w->data + gi * mg * K;
			float *yg = (float *)y->data + (ni * M + gi * mg) * ohw;

			if (!direct) {
				for (int64_t c = 0; c < cg; c++)
				for (int64_t i = 0; i < kh; i++)
				for (int64_t j = 0; j < kw; j++) {
					float *row = col + ((c * kh + i) * kw + j) * ohw;
					const float *xc = xg + c * g.ih * g.iw;

					for (int64_t oy = 0; oy < g.oh; oy++) {
						int64_t iy = oy * g.sh - g.pt + i * g.dh;
						float *r = row + oy * g.ow;

						if (iy < 0 || iy >= g.ih) {
							memset(r, 0, (size_t)g.ow * sizeof(float));
							continue;
						}
						for (int64_t ox = 0; ox < g.ow; ox++) {
							int64_t ix = ox * g.sw - g.pl + j * g.dw;

							r[ox] = ix < 0 || ix >= g.iw ? 0.0f :
								xc[iy * g.iw + ix];
						}
					}
				}
			}
			if (b)
				for (int64_t m = 0; m < mg; m++) {
					float bv = ((const float *)b->data)[gi * mg + m];

					for (int64_t p = 0; p < ohw; p++)
						yg[m * ohw + p] = bv;
				}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mg, (int)ohw,
				    (int)K, 1.0f, wg, (int)K, direct ? xg : col, (int)ohw,
				    b ? 1.0f : 0.0f, yg, (int)ohw);
		}
	free(col);
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

	if (a->rank != 2 || b->rank != 2)
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
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha,
		    a->data, (int)a->dims[1], b->data, (int)b->dims[1], c ? 1.0f : 0.0f, Y,
		    (int)N);
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
	if (a->rank < 2 || b->rank != 2 || a->dims[a->rank - 1] != b->dims[0])
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
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)N, (int)K, 1.0f,
		    a->data, (int)K, b->data, (int)N, 0.0f, y->data, (int)N);
	out[0] = y;
	return 0;
}

int gr_fast_node(const struct gr_node *n, const struct gr_value *const *in,
		 struct gr_value **out, struct gr_err *err)
{
	int rc;

	if (n->n_in < 2 || !all_float(n, in))
		return -ENOSYS;
	if (gr_node_is(n, "Conv"))
		rc = fast_conv(n, in, out, err);
	else if (gr_node_is(n, "Gemm"))
		rc = fast_gemm(n, in, out, err);
	else if (gr_node_is(n, "MatMul"))
		rc = fast_matmul(n, in, out, err);
	else
		rc = -ENOSYS;
	return rc;
}
