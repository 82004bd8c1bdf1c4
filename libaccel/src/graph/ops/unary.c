// SPDX-License-Identifier: MIT
/*
 * Unary element-wise math: Sqrt, Exp, Log, Tanh, Sigmoid, Erf, Floor, Ceil,
 * Reciprocal (floating types) and Neg, Abs (any signed numeric type).
 * Each computes in double and rounds once to the output type.
 */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

typedef double (*unary_fn)(double x);

static int infer_unary_signed(const struct gr_node *n, const struct gr_value *const *in,
			      struct gr_value *out, struct gr_err *err)
{
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need_numeric(n, in[0], "the input", err)))
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

static void ref_unary(const struct gr_value *x, struct gr_value *o, unary_fn f)
{
	for (size_t i = 0; i < x->count; i++)
		gr_value_set_f(o, i, f(gr_value_get_f(x, i)));
}

static double sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

static double reciprocal(double x)
{
	return 1.0 / x;
}

#define UNARY_FLOAT_OP(NAME, SINCE, FN) \
static int ref_##NAME(const struct gr_node *n, const struct gr_value *const *in, \
		      struct gr_value **out, struct gr_err *err) \
{ \
	(void)n; \
	(void)err; \
	ref_unary(in[0], out[0], FN); \
	return 0; \
} \
const struct gr_op_def gr_op_##NAME = { \
	.name = #NAME, .domain = "", .since = SINCE, \
	.infer = gr_infer_same_float, .ref = ref_##NAME, \
	.lower = lw_not_island, .pointwise = 1, \
};

UNARY_FLOAT_OP(Sqrt, 6, sqrt)
UNARY_FLOAT_OP(Exp, 6, exp)
UNARY_FLOAT_OP(Log, 6, log)
UNARY_FLOAT_OP(Tanh, 6, tanh)
UNARY_FLOAT_OP(Sigmoid, 6, sigmoid)
UNARY_FLOAT_OP(Erf, 9, erf)
UNARY_FLOAT_OP(Floor, 6, floor)
UNARY_FLOAT_OP(Ceil, 6, ceil)
UNARY_FLOAT_OP(Reciprocal, 6, reciprocal)

/* Neg and Abs: integers stay integers (wrapping like numpy's). */
static int ref_neg_abs(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int neg = gr_node_is(n, "Neg");

	(void)err;
	for (size_t i = 0; i < x->count; i++) {
		if (gr_dtype_is_float(x->dtype)) {
			double v = gr_value_get_f(x, i);

			gr_value_set_f(out[0], i, neg ? -v : fabs(v));
		} else {
			int64_t v = gr_value_get_i(x, i);

			if (!gr_dtype_is_signed(x->dtype))
				gr_value_set_i(out[0], i, neg ? (int64_t)(0 - (uint64_t)v) : v);
			else
				gr_value_set_i(out[0], i, (neg || v < 0) ?
					       (int64_t)(0 - (uint64_t)v) : v);
		}
	}
	return 0;
}

const struct gr_op_def gr_op_Neg = {
	.name = "Neg", .domain = "", .since = 6,
	.infer = infer_unary_signed, .ref = ref_neg_abs,
};

const struct gr_op_def gr_op_Abs = {
	.name = "Abs", .domain = "", .since = 6,
	.infer = infer_unary_signed, .ref = ref_neg_abs,
};
