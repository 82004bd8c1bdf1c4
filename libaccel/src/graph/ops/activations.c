// SPDX-License-Identifier: MIT
/*
 * Activations: Relu, Clip, LeakyRelu, PRelu, HardSigmoid, HardSwish,
 * Softmax, LogSoftmax.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

static int infer_clip(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (gr_node_is(n, "Relu") && in[0]->dtype != GR_FLOAT &&
	    in[0]->dtype != GR_INT8 && in[0]->dtype != GR_INT32 &&
	    in[0]->dtype != GR_INT64)
		return NODE_ERR(err, -EOPNOTSUPP, n, "Relu of %s",
				gr_dtype_name(in[0]->dtype));
	for (int i = 1; i < n->n_in && i < 3; i++)
		if (in[i] && (in[i]->dtype != in[0]->dtype ||
			      gr_dims_count(in[i]->rank, in[i]->dims) > 1))
			return NODE_ERR(err, -EINVAL, n,
					"min and max must be scalars of the input's type");
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

int gr_clip_bounds_attrs(const struct gr_node *n, double *lo, double *hi)
{
	if (!gr_attr_find(n, "min") && !gr_attr_find(n, "max"))
		return 0;
	*lo = gr_attr_float(n, "min", -3.4e38f);
	*hi = gr_attr_float(n, "max", 3.4e38f);
	return 1;
}

static int ref_clip(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];
	double lo = -INFINITY, hi = INFINITY;

	(void)err;
	if (gr_node_is(n, "Relu")) {
		lo = 0;
	} else if (!gr_clip_bounds_attrs(n, &lo, &hi)) {
		if (n->n_in > 1 && in[1] && in[1]->count)
			lo = gr_value_get_f(in[1], 0);
		if (n->n_in > 2 && in[2] && in[2]->count)
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
			gr_store_i(o, i, (int64_t)v);
	}
	return 0;
}

const struct gr_op_def gr_op_Relu = {
	.name = "Relu", .domain = "", .since = 1,
	.infer = infer_clip, .ref = ref_clip, .lower = lw_not_island,
	.pointwise = 1,
};

const struct gr_op_def gr_op_Clip = {
	.name = "Clip", .domain = "", .since = 1,
	.infer = infer_clip, .ref = ref_clip, .lower = lw_not_island,
	.pointwise = 1,
};

static int ref_leakyrelu(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value **out, struct gr_err *err)
{
	double alpha = gr_attr_float(n, "alpha", 0.01f);

	(void)err;
	for (size_t i = 0; i < in[0]->count; i++) {
		double x = gr_value_get_f(in[0], i);

		gr_value_set_f(out[0], i, x < 0 ? alpha * x : x);
	}
	return 0;
}

static int ref_hardsigmoid(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	double alpha = gr_attr_float(n, "alpha", 0.2f), beta = gr_attr_float(n, "beta", 0.5f);

	(void)err;
	for (size_t i = 0; i < in[0]->count; i++) {
		double y = alpha * gr_value_get_f(in[0], i) + beta;

		gr_value_set_f(out[0], i, fmax(0.0, fmin(1.0, y)));
	}
	return 0;
}

/* x * HardSigmoid(x) with alpha = 1/6, beta = 0.5 */
static int ref_hardswish(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value **out, struct gr_err *err)
{
	(void)n;
	(void)err;
	for (size_t i = 0; i < in[0]->count; i++) {
		double x = gr_value_get_f(in[0], i);

		gr_value_set_f(out[0], i, x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5)));
	}
	return 0;
}

/* PRelu: the slope broadcasts to X (unidirectionally). */
static int infer_prelu(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	int64_t dims[GR_MAX_RANK];
	char b1[64], b2[64];
	int rc, rank;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)) ||
	    (rc = gr_need_float(n, in[0], "X", err)))
		return rc;
	if (in[1]->dtype != in[0]->dtype)
		return NODE_ERR(err, -EINVAL, n, "slope type %s differs from X's %s",
				gr_dtype_name(in[1]->dtype), gr_dtype_name(in[0]->dtype));
	if ((rc = gr_broadcast_shape(n, in[0], in[1], &rank, dims, err)))
		return rc;
	if (rank != in[0]->rank || memcmp(dims, in[0]->dims, (size_t)rank * sizeof(int64_t)))
		return NODE_ERR(err, -EINVAL, n, "slope %s does not broadcast to X %s",
				gr_dims_str(in[1], b1, sizeof(b1)),
				gr_dims_str(in[0], b2, sizeof(b2)));
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

static int ref_prelu(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	struct gr_bcast b;

	(void)n;
	(void)err;
	gr_bcast_init(&b, in[1], out[0]);
	for (size_t i = 0; i < in[0]->count; i++) {
		double x = gr_value_get_f(in[0], i);

		gr_value_set_f(out[0], i, x < 0 ? gr_value_get_f(in[1], gr_bcast_off(&b, i)) * x : x);
	}
	return 0;
}

/*
 * Softmax / LogSoftmax. From opset 13 along one axis (default -1); before,
 * the input is coerced to 2-D at `axis` (default 1) and each row of the
 * flattened [axis:] dims is normalized.
 */
static int softmax_span(const struct gr_node *n, const struct gr_value *x, int64_t *outer,
			int64_t *len, int64_t *inner, struct gr_err *err)
{
	int v13 = n->opset >= 13;
	int64_t axis;
	int rc;

	if ((rc = gr_axis(n, gr_attr_int(n, "axis", v13 ? -1 : 1), x->rank ? x->rank : 1,
			  &axis, err)))
		return rc;
	*outer = *len = *inner = 1;
	for (int k = 0; k < x->rank; k++) {
		if (k < axis)
			*outer *= x->dims[k];
		else if (k == axis || !v13)
			*len *= x->dims[k];
		else
			*inner *= x->dims[k];
	}
	return 0;
}

static int infer_softmax(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	int64_t a, b, c;
	int rc;

	if ((rc = gr_infer_same_float(n, in, out, err)))
		return rc;
	return softmax_span(n, in[0], &a, &b, &c, err);
}

static int ref_softmax(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int64_t outer, len, inner;
	int log_form = gr_node_is(n, "LogSoftmax"), rc;

	if ((rc = softmax_span(n, x, &outer, &len, &inner, err)))
		return rc;
	for (int64_t o = 0; o < outer; o++)
	for (int64_t in_i = 0; in_i < inner; in_i++) {
		size_t base = (size_t)(o * len * inner + in_i);
		double mx = -INFINITY, sum = 0;

		for (int64_t k = 0; k < len; k++)
			mx = fmax(mx, gr_value_get_f(x, base + (size_t)(k * inner)));
		for (int64_t k = 0; k < len; k++)
			sum += exp(gr_value_get_f(x, base + (size_t)(k * inner)) - mx);
		for (int64_t k = 0; k < len; k++) {
			size_t i = base + (size_t)(k * inner);
			double d = gr_value_get_f(x, i) - mx;

			gr_value_set_f(out[0], i, log_form ? d - log(sum) : exp(d) / sum);
		}
	}
	return 0;
}

const struct gr_op_def gr_op_LeakyRelu = {
	.name = "LeakyRelu", .domain = "", .since = 6,
	.infer = gr_infer_same_float, .ref = ref_leakyrelu,
	.lower = lw_not_island, .pointwise = 1,
};

const struct gr_op_def gr_op_PRelu = {
	.name = "PRelu", .domain = "", .since = 7,
	.infer = infer_prelu, .ref = ref_prelu,
};

const struct gr_op_def gr_op_HardSigmoid = {
	.name = "HardSigmoid", .domain = "", .since = 6,
	.infer = gr_infer_same_float, .ref = ref_hardsigmoid,
	.lower = lw_not_island, .pointwise = 1,
};

const struct gr_op_def gr_op_HardSwish = {
	.name = "HardSwish", .domain = "", .since = 14,
	.infer = gr_infer_same_float, .ref = ref_hardswish,
	.lower = lw_not_island, .pointwise = 1,
};

/* Rows of one op: the axis semantics change at opset 13. */
const struct gr_op_def gr_op_Softmax_1 = {
	.name = "Softmax", .domain = "", .since = 1, .until = 12,
	.infer = infer_softmax, .ref = ref_softmax,
};

const struct gr_op_def gr_op_Softmax_13 = {
	.name = "Softmax", .domain = "", .since = 13,
	.infer = infer_softmax, .ref = ref_softmax,
};

const struct gr_op_def gr_op_LogSoftmax_1 = {
	.name = "LogSoftmax", .domain = "", .since = 1, .until = 12,
	.infer = infer_softmax, .ref = ref_softmax,
};

const struct gr_op_def gr_op_LogSoftmax_13 = {
	.name = "LogSoftmax", .domain = "", .since = 13,
	.infer = infer_softmax, .ref = ref_softmax,
};
