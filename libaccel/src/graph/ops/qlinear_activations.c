// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QOperator activations, as its quantizer
 * writes them (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   QLinearLeakyRelu(X, X_scale, X_zero_point?, Y_scale, Y_zero_point?)
 *       attribute alpha (default 0.01)
 *   QLinearSigmoid(X, X_scale, X_zero_point?, Y_scale, Y_zero_point?)
 *
 * T is int8 or uint8, Y has X's type and shape, scales are float scalars
 * and zero points scalars of T. Per element, the way ONNX Runtime builds
 * its lookup table: x = X_scale * (X - X_zp) and y = f(x) in float32, then
 * Y = saturate(round_half_even(y / Y_scale) + Y_zp). On the device both
 * run as the activation table (graph/lower_lut.c).
 */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum { QA_X, QA_XS, QA_XZ, QA_YS, QA_YZ };

static int infer_qlinear_act(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *xz = gr_opt(n, in, QA_XZ), *yz = gr_opt(n, in, QA_YZ);
	int rc;

	if ((rc = gr_need(n, in, QA_X, err)) || (rc = gr_need(n, in, QA_XS, err)) ||
	    (rc = gr_need(n, in, QA_YS, err)))
		return rc;
	x = in[QA_X];
	if (!gr_is_q8(x->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "X must be int8 or uint8 (got %s)",
				gr_dtype_name(x->dtype));
	if (in[QA_XS]->dtype != GR_FLOAT || in[QA_YS]->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "X_scale and Y_scale must be float");
	if ((rc = gr_check_param(n, in[QA_XS], "X_scale", 1, err)) ||
	    (rc = gr_check_param(n, in[QA_YS], "Y_scale", 1, err)))
		return rc;
	if (xz && ((rc = gr_check_param(n, xz, "X_zero_point", 1, err)) || xz->dtype != x->dtype))
		return rc ? rc : NODE_ERR(err, -EINVAL, n, "X_zero_point must have X's type");
	if (yz && ((rc = gr_check_param(n, yz, "Y_zero_point", 1, err)) || yz->dtype != x->dtype))
		return rc ? rc : NODE_ERR(err, -EINVAL, n, "Y_zero_point must have X's type");
	gr_set_shape(&out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static float leaky_relu(float x, float alpha)
{
	return x >= 0 ? x : alpha * x;
}

static float sigmoid(float x, float alpha)
{
	(void)alpha;
	return 1.0f / (1.0f + expf(-x));
}

static int ref_qlinear_act(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, float (*f)(float, float), float alpha)
{
	const struct gr_value *x = in[QA_X];
	const struct gr_value *xz = gr_opt(n, in, QA_XZ), *yz = gr_opt(n, in, QA_YZ);
	float xs = (float)gr_value_get_f(in[QA_XS], 0), ys = (float)gr_value_get_f(in[QA_YS], 0);
	int64_t zx = xz && xz->count ? gr_value_get_i(xz, 0) : 0;
	int64_t zy = yz && yz->count ? gr_value_get_i(yz, 0) : 0;

	for (size_t i = 0; i < x->count; i++) {
		float xf = xs * (float)(gr_value_get_i(x, i) - zx);
		float r = f(xf, alpha) / ys;

		gr_store_i(out[0], i, gr_ref_quant_f(r, zy, out[0]->dtype));
	}
	return 0;
}

static int ref_qlinear_leakyrelu(const struct gr_node *n, const struct gr_value *const *in,
				 struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_qlinear_act(n, in, out, leaky_relu, gr_attr_float(n, "alpha", 0.01f));
}

static int ref_qlinear_sigmoid(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_qlinear_act(n, in, out, sigmoid, 0);
}

const struct gr_op_def gr_op_QLinearLeakyRelu = {
	.name = "QLinearLeakyRelu", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_act, .ref = ref_qlinear_leakyrelu, .lower = lw_lut,
	.pointwise = 1,
};

const struct gr_op_def gr_op_QLinearSigmoid = {
	.name = "QLinearSigmoid", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_act, .ref = ref_qlinear_sigmoid, .lower = lw_lut,
	.pointwise = 1,
};
