// SPDX-License-Identifier: MIT
/* QuantizeLinear and DequantizeLinear, per tensor or per axis. */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"
#include "graph/quant_check.h"

static int infer_q(const struct gr_node *n, const struct gr_value *const *in,
		   struct gr_value *out, int quantize, struct gr_err *err)
{
	const struct gr_value *x, *s, *zp = gr_opt(n, in, 2);
	int64_t axis = gr_attr_int(n, "axis", 1), ch = -1;
	int rc, dtype;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	x = in[0];
	s = in[1];
	if (s->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "scale must be float");
	if ((rc = gr_check_scale_values(n, s, quantize ? "y_scale" : "x_scale", err)))
		return rc;
	if (axis < 0)
		axis += x->rank;
	if (gr_dims_count(s->rank, s->dims) != 1) {
		if (s->rank != 1 || axis < 0 || axis >= x->rank)
			return NODE_ERR(err, -EINVAL, n,
					"per-axis scale needs a 1-D scale and a valid axis");
		ch = x->dims[axis];
		if (ch >= 0 && s->dims[0] >= 0 && s->dims[0] != ch)
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: %lld scales for %lld elements on axis %lld",
					(long long)s->dims[0], (long long)ch, (long long)axis);
	}
	if (zp && gr_dims_count(zp->rank, zp->dims) != gr_dims_count(s->rank, s->dims))
		return NODE_ERR(err, -EINVAL, n,
				"zero point and scale must have the same shape");
	if (quantize) {
		if (x->dtype != GR_FLOAT && x->dtype != GR_INT32)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be float or int32 (got %s)",
					gr_dtype_name(x->dtype));
		dtype = zp ? zp->dtype : GR_UINT8;
		if (!gr_is_q8(dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"output type %s: only int8 and uint8 are supported",
					gr_dtype_name(dtype));
	} else {
		if (!gr_is_q8(x->dtype) && x->dtype != GR_INT32)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be int8, uint8 or int32 (got %s)",
					gr_dtype_name(x->dtype));
		if (zp && zp->dtype != x->dtype)
			return NODE_ERR(err, -EINVAL, n,
					"zero point type %s differs from the input's %s",
					gr_dtype_name(zp->dtype), gr_dtype_name(x->dtype));
		dtype = GR_FLOAT;
	}
	gr_set_shape(&out[0], dtype, x->rank, x->dims);
	return 0;
}

static int infer_quantize(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value *out, struct gr_err *err)
{
	return infer_q(n, in, out, 1, err);
}

static int infer_dequantize(const struct gr_node *n, const struct gr_value *const *in,
			    struct gr_value *out, struct gr_err *err)
{
	return infer_q(n, in, out, 0, err);
}

/* Index along `axis` of flat element i (per-axis quantization). */
static size_t axis_index(const struct gr_value *x, int64_t axis, size_t i)
{
	int64_t inner = 1;

	for (int k = (int)axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	return (size_t)((int64_t)i / inner % x->dims[axis]);
}

static int ref_q(const struct gr_node *n, const struct gr_value *const *in,
		 struct gr_value *o, int quantize)
{
	const struct gr_value *x = in[0], *s = in[1], *zp = gr_opt(n, in, 2);
	int64_t axis = gr_attr_int(n, "axis", 1);
	int per_axis = s->count > 1;

	if (axis < 0)
		axis += x->rank;
	for (size_t i = 0; i < x->count; i++) {
		size_t k = per_axis ? axis_index(x, axis, i) : 0;
		float scale = (float)gr_value_get_f(s, k);
		int64_t z = zp ? gr_value_get_i(zp, k) : 0;

		if (quantize) {
			/* float32 arithmetic, as ONNX's reference does */
			float xv = x->dtype == GR_FLOAT ? ((const float *)x->data)[i]
				: (float)((const int32_t *)x->data)[i];
			float r = xv / scale;

			gr_store_i(o, i, gr_ref_quant_f(r, z, o->dtype));
		} else {
			((float *)o->data)[i] =
				(float)(gr_value_get_i(x, i) - z) * scale;
		}
	}
	return 0;
}

static int ref_quantize(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_q(n, in, out[0], 1);
}

static int ref_dequantize(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_q(n, in, out[0], 0);
}

const struct gr_op_def gr_op_QuantizeLinear = {
	.name = "QuantizeLinear", .domain = "", .since = 10,
	.infer = infer_quantize, .ref = ref_quantize, .lower = lw_qdq, .no_fold = 1,
};

const struct gr_op_def gr_op_DequantizeLinear = {
	.name = "DequantizeLinear", .domain = "", .since = 10,
	.infer = infer_dequantize, .ref = ref_dequantize, .lower = lw_not_island,
	.no_fold = 1,
};
