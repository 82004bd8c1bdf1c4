// SPDX-License-Identifier: MIT
/*
 * Reductions: ReduceMean, ReduceMax, ReduceMin, ReduceSum (axes an
 * attribute before the op's axes-input opset: 18 for Mean/Max/Min, 13 for
 * Sum) and ArgMax, ArgMin (axis, keepdims, select_last_index).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ops/ops.h"

enum red { RED_MEAN, RED_MAX, RED_MIN, RED_SUM };

static enum red red_kind(const struct gr_node *n)
{
	if (gr_node_is(n, "ReduceMean"))
		return RED_MEAN;
	if (gr_node_is(n, "ReduceMax"))
		return RED_MAX;
	if (gr_node_is(n, "ReduceMin"))
		return RED_MIN;
	return RED_SUM;
}

/* Which axes of x are reduced (mask[k] = 1); 0 or an error. */
static int reduce_axes(const struct gr_node *n, const struct gr_value *const *in,
		       const struct gr_value *x, char *mask, int *identity,
		       struct gr_err *err)
{
	int input_from = red_kind(n) == RED_SUM ? 13 : 18;
	int64_t axes[GR_MAX_RANK * 2];
	int na = 0, rc;

	*identity = 0;
	memset(mask, 0, GR_MAX_RANK);
	if (n->opset >= input_from) {
		const struct gr_value *a = gr_opt(n, in, 1);

		if (a && (na = gr_int_list(n, a, "axes", axes, GR_MAX_RANK * 2, err)) < 0)
			return na;
	} else {
		const int64_t *v;

		na = gr_attr_ints(n, "axes", &v);
		if (na > GR_MAX_RANK * 2)
			return NODE_ERR(err, -EINVAL, n, "too many axes");
		if (na > 0)
			memcpy(axes, v, (size_t)na * sizeof(int64_t));
		na = na < 0 ? 0 : na;
	}
	if (!na) {
		if (gr_attr_int(n, "noop_with_empty_axes", 0))
			*identity = 1;
		else
			memset(mask, 1, (size_t)x->rank);
		return 0;
	}
	for (int i = 0; i < na; i++) {
		int64_t a;

		if ((rc = gr_axis(n, axes[i], x->rank, &a, err)))
			return rc;
		if (mask[a])
			return NODE_ERR(err, -EINVAL, n, "axis %lld is listed twice",
					(long long)axes[i]);
		mask[a] = 1;
	}
	return 0;
}

static void reduced_shape(const struct gr_value *x, const char *mask, int keepdims,
			  int *rank, int64_t *dims)
{
	int r = 0;

	for (int k = 0; k < x->rank; k++) {
		if (!mask[k])
			dims[r++] = x->dims[k];
		else if (keepdims)
			dims[r++] = 1;
	}
	*rank = r;
}

static int infer_reduce(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	char mask[GR_MAX_RANK];
	int64_t dims[GR_MAX_RANK];
	int rc, rank, identity;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need_numeric(n, in[0], "the input", err)))
		return rc;
	rc = reduce_axes(n, in, in[0], mask, &identity, err);
	if (rc == -EAGAIN)
		return gr_unknown_dims(&out[0], in[0]->dtype, gr_attr_int(n, "keepdims", 1) ?
				       in[0]->rank : in[0]->rank - (int)in[1]->dims[0]);
	if (rc)
		return rc;
	reduced_shape(in[0], mask, (int)gr_attr_int(n, "keepdims", 1), &rank, dims);
	if ((red_kind(n) == RED_MAX || red_kind(n) == RED_MIN) && !identity &&
	    gr_dims_count(in[0]->rank, in[0]->dims) == 0)
		return NODE_ERR(err, -EINVAL, n, "max/min of an empty tensor");
	gr_set_shape(&out[0], in[0]->dtype, rank, dims);
	return 0;
}

/* Output index of input element i (reduced axes dropped). */
static size_t out_index(const struct gr_value *x, const char *mask, size_t i)
{
	int64_t rem = (int64_t)i, o = 0, mul = 1;

	for (int k = x->rank - 1; k >= 0; k--) {
		int64_t idx = rem % x->dims[k];

		rem /= x->dims[k];
		if (!mask[k]) {
			o += idx * mul;
			mul *= x->dims[k];
		}
	}
	return (size_t)o;
}

static int ref_reduce(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];
	enum red kind = red_kind(n);
	char mask[GR_MAX_RANK];
	double *acc;
	size_t per;
	int rc, identity;

	if ((rc = reduce_axes(n, in, x, mask, &identity, err)))
		return rc;
	if (identity) {
		memcpy(o->data, x->data, x->count * gr_dtype_size(x->dtype));
		return 0;
	}
	acc = malloc((o->count + 1) * sizeof(double));
	if (!acc)
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	for (size_t j = 0; j < o->count; j++)
		acc[j] = kind == RED_MAX ? -INFINITY : kind == RED_MIN ? INFINITY : 0;
	for (size_t i = 0; i < x->count; i++) {
		size_t j = out_index(x, mask, i);
		double v = gr_value_get_f(x, i);

		if (kind == RED_MAX)
			acc[j] = isnan(v) || isnan(acc[j]) ? NAN : fmax(acc[j], v);
		else if (kind == RED_MIN)
			acc[j] = isnan(v) || isnan(acc[j]) ? NAN : fmin(acc[j], v);
		else
			acc[j] += v;
	}
	per = o->count ? x->count / o->count : 0;
	for (size_t j = 0; j < o->count; j++)
		gr_value_set_f(o, j, kind == RED_MEAN ? (per ? acc[j] / (double)per : NAN) : acc[j]);
	free(acc);
	return 0;
}

static int infer_argmax(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	char mask[GR_MAX_RANK] = { 0 };
	int64_t dims[GR_MAX_RANK], axis;
	int rc, rank;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need_numeric(n, in[0], "the input", err)))
		return rc;
	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), in[0]->rank, &axis, err)))
		return rc;
	if (in[0]->dims[axis] == 0)
		return NODE_ERR(err, -EINVAL, n, "arg max/min over an empty axis");
	mask[axis] = 1;
	reduced_shape(in[0], mask, (int)gr_attr_int(n, "keepdims", 1), &rank, dims);
	gr_set_shape(&out[0], GR_INT64, rank, dims);
	return 0;
}

static int ref_argmax(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int64_t axis, outer = 1, len, inner = 1;
	int last = (int)gr_attr_int(n, "select_last_index", 0);
	int is_max = gr_node_is(n, "ArgMax"), rc;

	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), x->rank, &axis, err)))
		return rc;
	len = x->dims[axis];
	for (int k = 0; k < x->rank; k++) {
		if (k < axis)
			outer *= x->dims[k];
		else if (k > axis)
			inner *= x->dims[k];
	}
	for (int64_t o = 0; o < outer; o++)
	for (int64_t i = 0; i < inner; i++) {
		size_t base = (size_t)(o * len * inner + i);
		double best = gr_value_get_f(x, base);
		int64_t at = 0;

		for (int64_t k = 1; k < len; k++) {
			double v = gr_value_get_f(x, base + (size_t)(k * inner));
			int better = is_max ? (v > best || (last && v == best))
					    : (v < best || (last && v == best));

			if (better) {
				best = v;
				at = k;
			}
		}
		((int64_t *)out[0]->data)[o * inner + i] = at;
	}
	return 0;
}

const struct gr_op_def gr_op_ReduceMean = {
	.name = "ReduceMean", .domain = "", .since = 1,
	.infer = infer_reduce, .ref = ref_reduce,
};

const struct gr_op_def gr_op_ReduceMax = {
	.name = "ReduceMax", .domain = "", .since = 1,
	.infer = infer_reduce, .ref = ref_reduce,
};

const struct gr_op_def gr_op_ReduceMin = {
	.name = "ReduceMin", .domain = "", .since = 1,
	.infer = infer_reduce, .ref = ref_reduce,
};

const struct gr_op_def gr_op_ReduceSum = {
	.name = "ReduceSum", .domain = "", .since = 1,
	.infer = infer_reduce, .ref = ref_reduce,
};

const struct gr_op_def gr_op_ArgMax = {
	.name = "ArgMax", .domain = "", .since = 1,
	.infer = infer_argmax, .ref = ref_argmax,
};

const struct gr_op_def gr_op_ArgMin = {
	.name = "ArgMin", .domain = "", .since = 1,
	.infer = infer_argmax, .ref = ref_argmax,
};
