// SPDX-License-Identifier: MIT
/*
 * Element-wise arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Pow
 * (binary) and Min, Max, Sum (variadic). Floating types compute in double
 * and round once to the output type, which for one +, -, *, / or sqrt is
 * the correctly rounded float result; integer types wrap like numpy's.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ops/ops.h"

static int infer_broadcast(const struct gr_node *n, const struct gr_value *const *in,
			   int first, int count, int same_type, struct gr_value *out,
			   struct gr_err *err)
{
	struct gr_value acc = { 0 };
	int64_t dims[GR_MAX_RANK];
	int rc, rank;

	if (count < 1)
		return NODE_ERR(err, -EINVAL, n, "needs at least one input");
	for (int i = first; i < first + count; i++) {
		char what[32];

		snprintf(what, sizeof(what), "input %d", i);
		if ((rc = gr_need(n, in, i, err)) || (rc = gr_need_numeric(n, in[i], what, err)))
			return rc;
		if (same_type && in[i]->dtype != in[first]->dtype)
			return NODE_ERR(err, -EINVAL, n, "operand types %s and %s differ",
					gr_dtype_name(in[first]->dtype),
					gr_dtype_name(in[i]->dtype));
	}
	acc.dtype = in[first]->dtype;
	acc.rank = in[first]->rank;
	memcpy(acc.dims, in[first]->dims, sizeof(acc.dims));
	for (int i = first + 1; i < first + count; i++) {
		if ((rc = gr_broadcast_shape(n, &acc, in[i], &rank, dims, err)))
			return rc;
		acc.rank = rank;
		memcpy(acc.dims, dims, sizeof(dims));
	}
	gr_set_shape(&out[0], in[first]->dtype, acc.rank, acc.dims);
	return 0;
}

static int infer_binary(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	if (n->n_in != 2)
		return NODE_ERR(err, -EINVAL, n, "takes 2 inputs (got %d)", n->n_in);
	return infer_broadcast(n, in, 0, 2, 1, out, err);
}

/* Pow's exponent may have another numeric type than its base. */
static int infer_pow(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *out, struct gr_err *err)
{
	if (n->n_in != 2)
		return NODE_ERR(err, -EINVAL, n, "takes 2 inputs (got %d)", n->n_in);
	return infer_broadcast(n, in, 0, 2, 0, out, err);
}

static int infer_variadic(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value *out, struct gr_err *err)
{
	return infer_broadcast(n, in, 0, n->n_in, 1, out, err);
}

enum arith { AR_ADD, AR_SUB, AR_MUL, AR_DIV, AR_POW, AR_MIN, AR_MAX };

static int64_t int_pow(int64_t b, int64_t e)
{
	uint64_t r = 1, x = (uint64_t)b;

	if (e < 0)	/* only 1 and -1 have integer reciprocals */
		return b == 1 ? 1 : b == -1 ? (e % 2 ? -1 : 1) : 0;
	while (e) {
		if (e & 1)
			r *= x;
		x *= x;
		e >>= 1;
	}
	return (int64_t)r;
}

static double float_op(enum arith op, double a, double b)
{
	switch (op) {
	case AR_ADD: return a + b;
	case AR_SUB: return a - b;
	case AR_MUL: return a * b;
	case AR_DIV: return a / b;
	case AR_POW: return pow(a, b);
	case AR_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
	default: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
	}
}

/* Integer arithmetic in uint64 so that overflow wraps (no UB). */
static int64_t int_op(enum arith op, int64_t a, int64_t b, int is_unsigned)
{
	switch (op) {
	case AR_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
	case AR_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
	case AR_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
	case AR_DIV:
		/* truncation toward zero; x / 0 is defined here as 0 */
		if (!b || (a == INT64_MIN && b == -1))
			return b ? a : 0;
		if (is_unsigned)
			return (int64_t)((uint64_t)a / (uint64_t)b);
		return a / b;
	case AR_POW: return int_pow(a, b);
	case AR_MIN:
		if (is_unsigned)
			return (uint64_t)a < (uint64_t)b ? a : b;
		return a < b ? a : b;
	default:
		if (is_unsigned)
			return (uint64_t)a > (uint64_t)b ? a : b;
		return a > b ? a : b;
	}
}

static int ref_elementwise(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value *o, enum arith op, struct gr_err *err)
{
	/* one per input: Sum / Min / Max are variadic (up to GR_MAX_INPUTS) */
	struct gr_bcast *bc = calloc((size_t)(n->n_in ? n->n_in : 1), sizeof(*bc));
	int fl = gr_dtype_is_float(o->dtype);
	int is_unsigned = !gr_dtype_is_signed(o->dtype);

	if (!bc)
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	for (int k = 0; k < n->n_in; k++)
		gr_bcast_init(&bc[k], in[k], o);
	for (size_t i = 0; i < o->count; i++) {
		size_t off = gr_bcast_off(&bc[0], i);

		if (fl) {
			double acc = gr_value_get_f(in[0], off);

			for (int k = 1; k < n->n_in; k++)
				acc = float_op(op, acc, gr_value_get_f(in[k], gr_bcast_off(&bc[k], i)));
			gr_value_set_f(o, i, acc);
		} else if (op == AR_POW && gr_dtype_is_float(in[1]->dtype)) {
			/* integer base, float exponent: computed in double, truncated */
			gr_value_set_f(o, i, pow(gr_value_get_f(in[0], off),
						 gr_value_get_f(in[1], gr_bcast_off(&bc[1], i))));
		} else {
			int64_t acc = gr_value_get_i(in[0], off);

			for (int k = 1; k < n->n_in; k++)
				acc = int_op(op, acc, gr_value_get_i(in[k], gr_bcast_off(&bc[k], i)),
					     is_unsigned);
			gr_value_set_i(o, i, acc);
		}
	}
	free(bc);
	return 0;
}

#define ELEMENTWISE_REF(fn, op) \
static int fn(const struct gr_node *n, const struct gr_value *const *in, \
	      struct gr_value **out, struct gr_err *err) \
{ \
	return ref_elementwise(n, in, out[0], op, err); \
}

ELEMENTWISE_REF(ref_add, AR_ADD)
ELEMENTWISE_REF(ref_sub, AR_SUB)
ELEMENTWISE_REF(ref_mul, AR_MUL)
ELEMENTWISE_REF(ref_div, AR_DIV)
ELEMENTWISE_REF(ref_pow, AR_POW)
ELEMENTWISE_REF(ref_min, AR_MIN)
ELEMENTWISE_REF(ref_max, AR_MAX)

static int infer_sum(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *out, struct gr_err *err)
{
	int rc = infer_variadic(n, in, out, err);

	if (!rc && !gr_dtype_is_float(out[0].dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "Sum of %s (ONNX defines it on floats)",
				gr_dtype_name(out[0].dtype));
	return rc;
}

const struct gr_op_def gr_op_Add = {
	.name = "Add", .domain = "", .since = 7,
	.infer = infer_binary, .ref = ref_add,
};

const struct gr_op_def gr_op_Sub = {
	.name = "Sub", .domain = "", .since = 7,
	.infer = infer_binary, .ref = ref_sub,
};

const struct gr_op_def gr_op_Mul = {
	.name = "Mul", .domain = "", .since = 7,
	.infer = infer_binary, .ref = ref_mul,
};

const struct gr_op_def gr_op_Div = {
	.name = "Div", .domain = "", .since = 7,
	.infer = infer_binary, .ref = ref_div,
};

const struct gr_op_def gr_op_Pow = {
	.name = "Pow", .domain = "", .since = 7,
	.infer = infer_pow, .ref = ref_pow,
};

const struct gr_op_def gr_op_Min = {
	.name = "Min", .domain = "", .since = 8,
	.infer = infer_variadic, .ref = ref_min,
};

const struct gr_op_def gr_op_Max = {
	.name = "Max", .domain = "", .since = 8,
	.infer = infer_variadic, .ref = ref_max,
};

const struct gr_op_def gr_op_Sum = {
	.name = "Sum", .domain = "", .since = 8,
	.infer = infer_sum, .ref = ref_add,
};
