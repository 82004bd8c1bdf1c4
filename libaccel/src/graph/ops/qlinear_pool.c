// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QLinearGlobalAveragePool and
 * QLinearAveragePool, as its quantizer writes them
 * (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   (X, x_scale, x_zero_point, y_scale, y_zero_point), attribute
 *   channels_last (0: N x C x spatial, 1: N x spatial x C)
 *
 * Y keeps X's rank with every spatial dimension 1. ONNX Runtime's (MLAS)
 * arithmetic per channel over the P spatial positions:
 *   acc = sum(X) - P x_zp (int32), Y = sat(round_half_even(acc * s) + y_zp)
 * with s = x_scale / (y_scale * P) in float32. NCHW of rank 4 runs on the
 * device as a global AVGPOOL (the lowering of QDQ GlobalAveragePool).
 *
 * QLinearAveragePool has the same inputs and AveragePool's attributes
 * (kernel_shape, strides, pads, auto_pad, ceil_mode, count_include_pad)
 * plus channels_last. ONNX Runtime dequantizes, pools in float32 and
 * quantizes (round half to even); so does this kernel, with the default
 * domain's AveragePool kernel for the float part. NCHW 2-D windows run on
 * the device's AVGPOOL (the lowering of the QDQ AveragePool).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

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

			for (int64_t p = 0; p < P; p++)
				acc += gr_value_get_i(x, (size_t)(last ? (b * P + p) * C + c :
								  (b * C + c) * P + p));
			v = (float)acc * s;
			gr_store_i(out[0], (size_t)(b * C + c),
				   gr_ref_quant_f(v, zy, out[0]->dtype));
		}
	}
	return 0;
}

extern const struct gr_op_def gr_op_AveragePool;

/* Dimension order of layout `last` (N, spatial..., C) as NCHW indices. */
static void nchw_dims(const struct gr_value *x, int last, int64_t *dims)
{
	for (int i = 0; i < x->rank; i++)
		dims[i] = !last ? x->dims[i] : i == 0 ? x->dims[0] :
			  i == 1 ? x->dims[x->rank - 1] : x->dims[i - 1];
}

/* Flat index in layout `last` of NCHW element (b, c, p), P positions. */
static size_t at(int last, int64_t b, int64_t c, int64_t p, int64_t C, int64_t P)
{
	return (size_t)(last ? (b * P + p) * C + c : (b * C + c) * P + p);
}

static int infer_qlinear_avgpool(const struct gr_node *n, const struct gr_value *const *in,
				 struct gr_value *out, struct gr_err *err)
{
	int last = (int)gr_attr_int(n, "channels_last", 0);
	struct gr_value xf = { 0 };
	const struct gr_value *fin[1] = { &xf };
	int64_t dims[GR_MAX_RANK];
	int rc;

	/* the parameters as for the global pool */
	if ((rc = infer_qlinear_gap(n, in, out, err)))
		return rc;
	xf.dtype = GR_FLOAT;
	xf.rank = in[QP_X]->rank;
	nchw_dims(in[QP_X], last, xf.dims);
	xf.count = in[QP_X]->count;
	if ((rc = gr_op_AveragePool.infer(n, fin, out, err)))
		return rc;
	memcpy(dims, out[0].dims, sizeof(dims));
	if (last)		/* back to N, spatial..., C */
		for (int i = 0; i < out[0].rank; i++)
			dims[i] = i == 0 ? out[0].dims[0] : i == out[0].rank - 1 ?
				  out[0].dims[1] : out[0].dims[i + 1];
	gr_set_shape(&out[0], in[QP_X]->dtype, out[0].rank, dims);
	return 0;
}

static int ref_qlinear_avgpool(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[QP_X];
	int last = (int)gr_attr_int(n, "channels_last", 0);
	int64_t zx = gr_par_i(gr_opt(n, in, QP_XZ), 0), zy = gr_par_i(gr_opt(n, in, QP_YZ), 0);
	float xs = (float)gr_value_get_f(in[QP_XS], 0), ys = (float)gr_value_get_f(in[QP_YS], 0);
	int64_t dims[GR_MAX_RANK], N = x->dims[0], C, P, Po;
	struct gr_value shape[1], *xf, *yf = NULL;
	const struct gr_value *fin[1];
	int rc;

	nchw_dims(x, last, dims);
	C = dims[1];
	P = C && N ? (int64_t)x->count / (N * C) : 0;
	xf = gr_value_new(GR_FLOAT, x->rank, dims, err);
	if (!xf)
		return -ENOMEM;
	for (int64_t b = 0; b < N; b++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t p = 0; p < P; p++)
				((float *)xf->data)[(b * C + c) * P + p] =
					xs * (float)(gr_value_get_i(x, at(last, b, c, p, C, P)) - zx);
	fin[0] = xf;
	memset(shape, 0, sizeof(shape));
	rc = gr_op_AveragePool.infer(n, fin, shape, err);
	if (!rc) {
		yf = gr_value_new(GR_FLOAT, shape[0].rank, shape[0].dims, err);
		rc = yf ? gr_op_AveragePool.ref(n, fin, &yf, err) : -ENOMEM;
	}
	if (!rc) {
		Po = C && N ? (int64_t)yf->count / (N * C) : 0;
		for (int64_t b = 0; b < N; b++)
			for (int64_t c = 0; c < C; c++)
				for (int64_t p = 0; p < Po; p++) {
					float r = ((const float *)yf->data)[(b * C + c) * Po + p] / ys;

					gr_store_i(out[0], at(last, b, c, p, C, Po),
						   gr_ref_quant_f(r, zy, out[0]->dtype));
				}
	}
	gr_value_free(xf);
	gr_value_free(yf);
	return rc;
}

const struct gr_op_def gr_op_QLinearAveragePool = {
	.name = "QLinearAveragePool", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_avgpool, .ref = ref_qlinear_avgpool,
	.lower = lw_qlinear_avgpool,
};

const struct gr_op_def gr_op_QLinearGlobalAveragePool = {
	.name = "QLinearGlobalAveragePool", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_gap, .ref = ref_qlinear_gap, .lower = lw_qlinear_gap,
};
