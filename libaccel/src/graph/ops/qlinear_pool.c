// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QLinearGlobalAveragePool, as its quantizer
 * writes it (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   (X, x_scale, x_zero_point, y_scale, y_zero_point), attribute
 *   channels_last (0: N x C x spatial, 1: N x spatial x C)
 *
 * Y keeps X's rank with every spatial dimension 1. ONNX Runtime's (MLAS)
 * arithmetic per channel over the P spatial positions:
 *   acc = sum(X) - P x_zp (int32), Y = sat(round_half_even(acc * s) + y_zp)
 * with s = x_scale / (y_scale * P) in float32. NCHW of rank 4 runs on the
 * device as a global AVGPOOL (the lowering of QDQ GlobalAveragePool).
 */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum { QP_X, QP_XS, QP_XZ, QP_YS, QP_YZ };

static int infer_qlinear_gap(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value *out, struct gr_err *err)
{
	int last = (int)gr_attr_int(n, "channels_last", 0);
	const struct gr_value *x;
	int64_t dims[GR_MAX_RANK];
	int rc;

	for (int i = QP_X; i <= QP_YZ; i++)
		if (i != QP_XZ && i != QP_YZ && (rc = gr_need(n, in, i, err)))
			return rc;
	x = in[QP_X];
	if (!gr_is_q8(x->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "X must be int8 or uint8 (got %s)",
				gr_dtype_name(x->dtype));
	if (x->rank < 3)
		return NODE_ERR(err, -EINVAL, n, "X must be N x C x spatial (rank %d)", x->rank);
	if (last != 0 && last != 1)
		return NODE_ERR(err, -EINVAL, n, "channels_last must be 0 or 1");
	if (in[QP_XS]->dtype != GR_FLOAT || in[QP_YS]->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "x_scale and y_scale must be float");
	if ((rc = gr_check_param(n, in[QP_XS], "x_scale", 1, err)) ||
	    (rc = gr_check_param(n, in[QP_YS], "y_scale", 1, err)) ||
	    (rc = gr_check_param(n, gr_opt(n, in, QP_XZ), "x_zero_point", 1, err)) ||
	    (rc = gr_check_param(n, gr_opt(n, in, QP_YZ), "y_zero_point", 1, err)))
		return rc;
	for (int i = QP_XZ; i <= QP_YZ; i += QP_YZ - QP_XZ)
		if (gr_opt(n, in, i) && in[i]->dtype != x->dtype)
			return NODE_ERR(err, -EINVAL, n, "zero points must have X's type");
	for (int i = 0; i < x->rank; i++) {
		int spatial = last ? (i > 0 && i < x->rank - 1) : i >= 2;

		dims[i] = spatial ? 1 : x->dims[i];
	}
	gr_set_shape(&out[0], x->dtype, x->rank, dims);
	return 0;
}

static int ref_qlinear_gap(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[QP_X];
	int last = (int)gr_attr_int(n, "channels_last", 0);
	int64_t N = x->dims[0], C = last ? x->dims[x->rank - 1] : x->dims[1], P = 1;
	int64_t zx = gr_par_i(gr_opt(n, in, QP_XZ), 0), zy = gr_par_i(gr_opt(n, in, QP_YZ), 0);
	float s;
	double bias = gr_ref_round_bias();

	(void)err;
	for (int i = 0; i < x->rank; i++)
		if (last ? (i > 0 && i < x->rank - 1) : i >= 2)
			P *= x->dims[i];
	s = (float)gr_value_get_f(in[QP_XS], 0) /
	    ((float)gr_value_get_f(in[QP_YS], 0) * (float)P);
	for (int64_t b = 0; b < N; b++) {
		for (int64_t c = 0; c < C; c++) {
			int64_t acc = -zx * P;
			float v;
			double q;

			for (int64_t p = 0; p < P; p++)
				acc += gr_value_get_i(x, (size_t)(last ? (b * P + p) * C + c :
								  (b * C + c) * P + p));
			v = (float)acc * s;
			q = (bias != 0 ? nearbyint((double)v + bias) : nearbyintf(v)) + (double)zy;
			gr_store_i(out[0], (size_t)(b * C + c),
				   gr_sat((int64_t)fmax(fmin(q, 1e9), -1e9), out[0]->dtype));
		}
	}
	return 0;
}

const struct gr_op_def gr_op_QLinearGlobalAveragePool = {
	.name = "QLinearGlobalAveragePool", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_gap, .ref = ref_qlinear_gap, .lower = lw_qlinear_gap,
};
