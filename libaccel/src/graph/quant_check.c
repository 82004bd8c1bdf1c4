// SPDX-License-Identifier: MIT
/* Quantization parameter values (quant_check.h). */
#include <errno.h>
#include <math.h>

#include "graph/quant_check.h"

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

/* Which axis of the quantized tensor a per-axis parameter runs along. */
enum axis_rule {
	AXIS_NONE,		/* per-tensor only */
	AXIS_FIRST,		/* dims[0]: conv weights' output channels */
	AXIS_ROWS,		/* dims[rank - 2]: a matmul's left rows */
	AXIS_COLS,		/* dims[rank - 1]: a matmul's right columns */
	AXIS_ATTR,		/* the node's axis attribute (Quantize/DequantizeLinear) */
};

/* One (data, scale, zero point) triple of an op's inputs; -1: none. */
struct qparam {
	int data, scale, zp;
	const char *name;	/* "x", "w", "y", ... for messages */
	enum axis_rule axis;
	int output;		/* the pair quantizes the op's output */
};

struct qop {
	enum gr_op op;
	struct qparam p[3];
	int n;
};

static const struct qop qops[] = {
	{ GR_OP_QLINEARCONV, { { 0, 1, 2, "x", AXIS_NONE, 0 }, { 3, 4, 5, "w", AXIS_FIRST, 0 },
			      { -1, 6, 7, "y", AXIS_NONE, 1 } }, 3 },
	{ GR_OP_QLINEARMATMUL, { { 0, 1, 2, "a", AXIS_ROWS, 0 }, { 3, 4, 5, "b", AXIS_COLS, 0 },
				{ -1, 6, 7, "y", AXIS_NONE, 1 } }, 3 },
	{ GR_OP_CONVINTEGER, { { 0, -1, 2, "x", AXIS_NONE, 0 }, { 1, -1, 3, "w", AXIS_FIRST, 0 } }, 2 },
	{ GR_OP_MATMULINTEGER, { { 0, -1, 2, "a", AXIS_ROWS, 0 }, { 1, -1, 3, "b", AXIS_COLS, 0 } }, 2 },
	{ GR_OP_QUANTIZE, { { 0, 1, 2, "y", AXIS_ATTR, 1 } }, 1 },
	{ GR_OP_DEQUANTIZE, { { 0, 1, 2, "x", AXIS_ATTR, 0 } }, 1 },
};

static const struct gr_value *arg(const struct gr_node *n, const struct gr_value *const *in,
				  int i)
{
	return i >= 0 && i < n->n_in ? in[i] : NULL;
}

/* Length of the axis a per-axis parameter must match; -1 if not known. */
static int64_t axis_len(const struct gr_node *n, const struct gr_value *x, enum axis_rule r)
{
	int64_t a;

	if (!x || x->rank < 1)
		return -1;
	switch (r) {
	case AXIS_FIRST:
		return x->dims[0];
	case AXIS_ROWS:
		return x->rank >= 2 ? x->dims[x->rank - 2] : -1;
	case AXIS_COLS:
		return x->dims[x->rank - 1];
	case AXIS_ATTR:
		a = n->axis < 0 ? n->axis + x->rank : n->axis;
		return a >= 0 && a < x->rank ? x->dims[a] : -1;
	default:
		return -1;
	}
}

static int check_count(const struct gr_node *n, const struct gr_value *v, const char *what,
		       const char *pname, int64_t len, struct gr_err *err)
{
	if (v->count == 1)
		return 0;
	if (len < 0)
		return NODE_ERR(err, -EINVAL, n,
				"%s %s must be a single value (it has %zu)", pname, what, v->count);
	if (v->rank != 1 || (int64_t)v->count != len)
		return NODE_ERR(err, -EINVAL, n,
				"%s %s must be a single value or one per channel (%lld), not %zu values",
				pname, what, (long long)len, v->count);
	return 0;
}

/* The range of values a zero point may take for quantized type dtype. */
static int zp_range(int dtype, int64_t *lo, int64_t *hi)
{
	switch (dtype) {
	case GR_UINT8: *lo = 0; *hi = 255; return 0;
	case GR_INT8: *lo = -128; *hi = 127; return 0;
	default: return -1;
	}
}

static int check_pair(const struct gr_node *n, const struct gr_value *const *in,
		      const struct qparam *q, struct gr_err *err)
{
	const struct gr_value *x = arg(n, in, q->data);
	const struct gr_value *s = arg(n, in, q->scale);
	const struct gr_value *zp = arg(n, in, q->zp);
	int64_t len = q->axis == AXIS_NONE ? -1 : axis_len(n, x, q->axis);
	int64_t lo, hi;
	int rc;

	if (s && s->data) {
		if (s->dtype != GR_FLOAT)
			return NODE_ERR(err, -EINVAL, n, "%s_scale must be float, not %s",
					q->name, gr_dtype_name(s->dtype));
		if ((rc = check_count(n, s, "scale", q->name, len, err)))
			return rc;
		for (size_t i = 0; i < s->count; i++) {
			float v = ((const float *)s->data)[i];

			if (!isfinite(v) || !(v > 0))
				return NODE_ERR(err, -EINVAL, n,
						"%s_scale[%zu] = %g: a scale must be finite and above 0 (requantize the model)",
						q->name, i, (double)v);
		}
	}
	if (!zp || !zp->data)
		return 0;
	if ((rc = check_count(n, zp, "zero point", q->name, len, err)))
		return rc;
	if (s && s->data && s->count != zp->count)
		return NODE_ERR(err, -EINVAL, n,
				"%s_zero_point has %zu values but %s_scale has %zu: they must match",
				q->name, zp->count, q->name, s->count);
	/* an output's zero point has the output's type; an input's, the input's */
	if (zp_range(q->output || !x ? zp->dtype : x->dtype, &lo, &hi))
		return 0;
	for (size_t i = 0; i < zp->count; i++) {
		int64_t v = gr_value_get_i(zp, i);

		if (v < lo || v > hi)
			return NODE_ERR(err, -EINVAL, n,
					"%s_zero_point[%zu] = %lld is outside the range of %s (%lld..%lld)",
					q->name, i, (long long)v,
					gr_dtype_name(q->output || !x ? zp->dtype : x->dtype),
					(long long)lo, (long long)hi);
	}
	return 0;
}

int gr_quant_params_check(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_err *err)
{
	for (size_t k = 0; k < sizeof(qops) / sizeof(qops[0]); k++) {
		if (qops[k].op != n->op)
			continue;
		for (int j = 0; j < qops[k].n; j++) {
			int rc = check_pair(n, in, &qops[k].p[j], err);

			if (rc)
				return rc;
		}
	}
	return 0;
}
