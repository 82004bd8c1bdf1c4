// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QGemm, as its quantizer writes it
 * (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   (A, a_scale, a_zero_point, B, b_scale, b_zero_point, C?, y_scale?, y_zero_point?)
 *   attributes alpha (1.0), transA (0), transB (0)
 *
 * A and B are 2-D int8/uint8; a_scale/a_zero_point scalars, b_scale and
 * b_zero_point scalars or one per column of Y (per-column quantization).
 * acc = sum_k (A'[m,k] - a_zp) (B'[k,n] - b_zp[n]) exactly, then
 *   with y_scale:    Y = sat(round_half_even((acc + C) * s[n]) + y_zp),
 *                    s[n] = alpha a_scale b_scale[n] / y_scale in float32,
 *                    C int32 (broadcast to M x N);
 *   without y_scale: Y = alpha a_scale b_scale[n] acc + C, float32.
 * With y_scale, transA 0, alpha > 0, constant B and parameters and one
 * b_zero_point value, it runs on the device as an FC layer (C as its bias).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum { QG_A, QG_AS, QG_AZ, QG_B, QG_BS, QG_BZ, QG_C, QG_YS, QG_YZ };

static int infer_qgemm(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *a, *b, *c = gr_opt(n, in, QG_C), *ys = gr_opt(n, in, QG_YS);
	int ta = (int)gr_attr_int(n, "transA", 0), tb = (int)gr_attr_int(n, "transB", 0);
	int64_t M, K, N, dims[2];
	int rc;

	if ((rc = gr_need(n, in, QG_A, err)) || (rc = gr_need(n, in, QG_AS, err)) ||
	    (rc = gr_need(n, in, QG_B, err)) || (rc = gr_need(n, in, QG_BS, err)))
		return rc;
	a = in[QG_A];
	b = in[QG_B];
	if (!gr_is_q8(a->dtype) || !gr_is_q8(b->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "A and B must be int8 or uint8");
	if (a->rank != 2 || b->rank != 2)
		return NODE_ERR(err, -EINVAL, n, "A and B must be 2-D (ranks %d and %d)",
				a->rank, b->rank);
	M = ta ? a->dims[1] : a->dims[0];
	K = ta ? a->dims[0] : a->dims[1];
	N = tb ? b->dims[0] : b->dims[1];
	if ((tb ? b->dims[1] : b->dims[0]) != K && K >= 0)
		return NODE_ERR(err, -EINVAL, n, "inner dimensions differ: A' has %lld columns, B' %lld rows",
				(long long)K, (long long)(tb ? b->dims[1] : b->dims[0]));
	if (in[QG_AS]->dtype != GR_FLOAT || in[QG_BS]->dtype != GR_FLOAT ||
	    (ys && ys->dtype != GR_FLOAT))
		return NODE_ERR(err, -EINVAL, n, "scales must be float");
	if ((rc = gr_check_param(n, in[QG_AS], "a_scale", 1, err)) ||
	    (rc = gr_check_param(n, gr_opt(n, in, QG_AZ), "a_zero_point", 1, err)) ||
	    (rc = gr_check_param(n, in[QG_BS], "b_scale", N, err)) ||
	    (rc = gr_check_param(n, gr_opt(n, in, QG_BZ), "b_zero_point", N, err)) ||
	    (rc = gr_check_param(n, ys, "y_scale", 1, err)) ||
	    (rc = gr_check_param(n, gr_opt(n, in, QG_YZ), "y_zero_point", 1, err)))
		return rc;
	if (gr_opt(n, in, QG_BZ) && in[QG_BS]->count != in[QG_BZ]->count &&
	    in[QG_BZ]->count > 1)
		return NODE_ERR(err, -EINVAL, n, "b_scale and b_zero_point differ in size");
	if (c) {
		if (c->dtype != (ys ? GR_INT32 : GR_FLOAT))
			return NODE_ERR(err, -EINVAL, n, "C must be %s here (got %s)",
					ys ? "int32" : "float", gr_dtype_name(c->dtype));
		if (c->rank > 2 || (c->rank >= 1 && c->dims[c->rank - 1] != 1 &&
				    c->dims[c->rank - 1] != N) ||
		    (c->rank == 2 && c->dims[0] != 1 && c->dims[0] != M))
			return NODE_ERR(err, -EINVAL, n, "C does not broadcast to %lld x %lld",
					(long long)M, (long long)N);
	}
	if (gr_opt(n, in, QG_YZ) && !gr_is_q8(in[QG_YZ]->dtype))
		return NODE_ERR(err, -EINVAL, n, "y_zero_point must be int8 or uint8");
	dims[0] = M;
	dims[1] = N;
	gr_set_shape(&out[0], !ys ? GR_FLOAT : gr_opt(n, in, QG_YZ) ? in[QG_YZ]->dtype : GR_UINT8,
		     2, dims);
	return 0;
}

/* C[m][n] broadcast from its shape (scalar, N, 1 x N, M x 1, M x N). */
static int ref_qgemm(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[QG_A], *b = in[QG_B], *c = gr_opt(n, in, QG_C);
	const struct gr_value *ys = gr_opt(n, in, QG_YS);
	int ta = (int)gr_attr_int(n, "transA", 0), tb = (int)gr_attr_int(n, "transB", 0);
	float alpha = gr_attr_float(n, "alpha", 1.0f), as = (float)gr_value_get_f(in[QG_AS], 0);
	int64_t M = out[0]->dims[0], N = out[0]->dims[1], K = ta ? a->dims[0] : a->dims[1];
	int64_t za = gr_par_i(gr_opt(n, in, QG_AZ), 0), zy = gr_par_i(gr_opt(n, in, QG_YZ), 0);

	(void)err;
	for (int64_t m = 0; m < M; m++) {
		for (int64_t j = 0; j < N; j++) {
			int64_t zb = gr_par_i(gr_opt(n, in, QG_BZ), (size_t)j), acc = 0;
			float s = alpha * as * (float)gr_par_f(in[QG_BS], (size_t)j, 1.0);
			size_t o = (size_t)(m * N + j);

			for (int64_t k = 0; k < K; k++)
				acc += (gr_value_get_i(a, (size_t)(ta ? k * M + m : m * K + k)) - za) *
				       (gr_value_get_i(b, (size_t)(tb ? j * K + k : k * N + j)) - zb);
			if (!ys) {
				((float *)out[0]->data)[o] = s * (float)acc +
							     (c ? (float)gr_gemm_c_at(c, m, j) : 0.0f);
			} else {
				float v;

				acc += c ? (int64_t)gr_gemm_c_at(c, m, j) : 0;
				v = (float)acc * (s / (float)gr_value_get_f(ys, 0));
				gr_store_i(out[0], o, gr_ref_quant_f(v, zy, out[0]->dtype));
			}
		}
	}
	return 0;
}

/* The device's FC: B' as M x K weights (transposed at compile time when B is K x N). */
static int lw_qgemm(const struct lw_ctx *ctx, int node, struct lw_step *s)
{
	const struct gr_graph *g = ctx->g;
	const struct gr_node *n = &g->nodes[node];
	const struct gr_tensor *a = &g->tensors[n->in[QG_A]], *b = &g->tensors[n->in[QG_B]];
	const struct gr_value *as, *az, *bs, *bz, *c, *ys, *yz;
	int tb = (int)gr_attr_int(n, "transB", 0);
	double alpha = gr_attr_float(n, "alpha", 1.0f), *real;
	int64_t rows, k, m;
	int rc = 0, per_column = 0;

#define CONST_IN(i) (i < n->n_in && n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL)
	as = CONST_IN(QG_AS);
	az = CONST_IN(QG_AZ);
	bs = CONST_IN(QG_BS);
	bz = CONST_IN(QG_BZ);
	c = CONST_IN(QG_C);
	ys = CONST_IN(QG_YS);
	yz = CONST_IN(QG_YZ);
#undef CONST_IN
	if (!(n->n_in > QG_YS && n->in[QG_YS] >= 0))
		return lw_why(s, "a float output (no y_scale): the device writes int8");
	if (gr_attr_int(n, "transA", 0) || !(alpha > 0))
		return lw_why(s, "QGemm with transA or alpha <= 0");
	if (!as || !bs || !ys || as->count != 1 || ys->count != 1 ||
	    (n->in[QG_AZ] >= 0 && (!az || az->count != 1)) ||
	    (n->n_in > QG_YZ && n->in[QG_YZ] >= 0 && (!yz || yz->count != 1)) ||
	    (n->in[QG_BZ] >= 0 && !bz))
		return lw_why(s, "scales and zero points must be constants for the device");
	if (n->n_in > QG_C && n->in[QG_C] >= 0 && !c)
		return lw_why(s, "C (the bias) must be a constant");
	if (!b->constant && !b->is_input)
		return lw_why(s, "B computed by the graph is not supported on the device");
	if (gr_dims_count(a->rank, a->dims) <= 0 || gr_dims_count(b->rank, b->dims) <= 0)
		return lw_why(s, "the device needs A's and B's shapes");
	for (size_t i = 1; bz && i < bz->count; i++)
		if (gr_value_get_i(bz, i) != gr_value_get_i(bz, 0))
			return lw_why(s, "per-column b zero points differ; the device has one");
	rows = a->dims[0];
	k = a->dims[1];
	m = tb ? b->dims[0] : b->dims[1];
	if (rows < 1 || rows > 65535 || k < 1 || k > 65535 || m < 1 || m > 65535)
		return lw_why(s, "a dimension exceeds the device's command fields");
	if (c && c->count != 1 && !(c->count == (size_t)m && c->dims[c->rank - 1] == m))
		return lw_why(s, "C must be one value per column (the device's bias)");
	s->layer.shape = (struct eyr_layer_shape){
		.op = EYR_LAYER_FC, .n = (uint32_t)rows, .c = (uint32_t)k, .m = (uint32_t)m,
		.h = 1, .w = 1, .r = 1, .s = 1, .stride_h = 1, .stride_w = 1,
		.dil_h = 1, .dil_w = 1, .groups = 1,
	};
	real = calloc((size_t)m, sizeof(double));
	if (!real)
		return lw_why(s, "out of memory");
	for (int64_t j = 0; j < m; j++) {
		real[j] = alpha * gr_value_get_f(as, 0) *
			  gr_value_get_f(bs, bs->count == 1 ? 0 : (size_t)j) / gr_value_get_f(ys, 0);
		per_column |= real[j] != real[0];
	}
	if (ctx->o->fp32_ok) {
		/* ONNX Runtime: (alpha * a_scale * b_scale[j]) / y_scale, in float */
		float *f32 = (float *)real;	/* m floats fit in m doubles */

		for (int64_t j = 0; j < m; j++) {
			float p = (float)alpha * (float)gr_value_get_f(as, 0);

			p = p * (float)gr_value_get_f(bs, bs->count == 1 ? 0 : (size_t)j);
			f32[j] = p / (float)gr_value_get_f(ys, 0);
		}
		rc = lw_set_requant_fp32(s, f32, m, ctx->o);
	} else {
		rc = lw_set_requant(s, real, m, per_column, ctx->o);
	}
	free(real);
	if (rc)
		return rc;
	if (c) {
		s->bias = malloc((size_t)m * sizeof(int32_t));
		if (!s->bias)
			return lw_why(s, "out of memory");
		for (int64_t j = 0; j < m; j++)
			s->bias[j] = (int32_t)gr_value_get_i(c, c->count == 1 ? 0 : (size_t)j);
		s->layer.quant.has_bias = 1;
	}
	s->layer.quant.zp_in = (int32_t)((az ? gr_value_get_i(az, 0) : 0) -
					 (a->dtype == GR_UINT8 ? 128 : 0));
	s->layer.quant.zp_w = (int32_t)((bz ? gr_value_get_i(bz, 0) : 0) -
					(b->dtype == GR_UINT8 ? 128 : 0));
	s->layer.quant.zp_out = (int32_t)((yz ? gr_value_get_i(yz, 0) : 0) -
					  (g->tensors[n->out[0]].dtype == GR_UINT8 ? 128 : 0));
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[QG_A];
	s->t_w = n->in[QG_B];
	s->w_transpose = !tb;
	s->t_out = n->out[0];
	return 0;
}

const struct gr_op_def gr_op_QGemm = {
	.name = "QGemm", .domain = "com.microsoft", .since = 1,
	.infer = infer_qgemm, .ref = ref_qgemm, .lower = lw_qgemm,
};
