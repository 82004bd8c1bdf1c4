// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QLinearConcat, as its quantizer writes it
 * (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   (Y_scale, Y_zero_point, X_1, X_1_scale, X_1_zero_point, ..., X_n, ...)
 *   attribute axis (required)
 *
 * Variadic: 2 + 3n inputs, n >= 1 (ONNX Runtime's kernel wants n >= 2; one
 * input is a requantizing copy and is accepted). T int8 or uint8, one T
 * for every X and zero point, scales float scalars, zero points scalars
 * (omitted: 0). Each X is requantized to Y's parameters with ONNX
 * Runtime's arithmetic, a 256-entry table built in float32:
 *   table[x] = sat(round_half_even((X_scale * (x - X_zp)) / Y_scale) + Y_zp)
 * and an X whose scale and zero point equal Y's is copied. The output is
 * Concat of the requantized inputs on `axis`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum { QC_YS, QC_YZ, QC_X0 };

/* Input k's (X, scale, zero point) slots. */
#define QC_X(k) (QC_X0 + 3 * (k))
#define QC_S(k) (QC_X(k) + 1)
#define QC_Z(k) (QC_X(k) + 2)

static int qc_count(const struct gr_node *n, struct gr_err *err)
{
	if (n->n_in < 5 || (n->n_in - 2) % 3)
		return NODE_ERR(err, -EINVAL, n,
				"%d inputs: QLinearConcat takes Y_scale, Y_zero_point, then one (X, X_scale, X_zero_point) triple per tensor",
				n->n_in);
	return (n->n_in - 2) / 3;
}

static int qc_param(const struct gr_node *n, const struct gr_value *const *in, int s, int z,
		    int dtype, struct gr_err *err)
{
	const struct gr_value *zp = gr_opt(n, in, z);
	int rc;

	if ((rc = gr_need(n, in, s, err)))
		return rc;
	if (in[s]->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "input %d (a scale) must be float, not %s", s,
				gr_dtype_name(in[s]->dtype));
	if ((rc = gr_check_param(n, in[s], "a scale", 0, err)) ||
	    (rc = gr_check_param(n, zp, "a zero point", 0, err)))
		return rc;
	if (zp && zp->dtype != dtype)
		return NODE_ERR(err, -EINVAL, n, "input %d (a zero point) is %s where X is %s", z,
				gr_dtype_name(zp->dtype), gr_dtype_name(dtype));
	return 0;
}

static int infer_qlinear_concat(const struct gr_node *n, const struct gr_value *const *in,
				struct gr_value *out, struct gr_err *err)
{
	const struct gr_value **xs;
	int *idx, count = qc_count(n, err), rc = 0, t;

	if (count < 0)
		return count;
	if ((rc = gr_need(n, in, QC_X(0), err)))
		return rc;
	t = in[QC_X(0)]->dtype;
	if (!gr_is_q8(t))
		return NODE_ERR(err, -EOPNOTSUPP, n, "X must be int8 or uint8 (got %s)",
				gr_dtype_name(t));
	if ((rc = qc_param(n, in, QC_YS, QC_YZ, t, err)))
		return rc;
	for (int k = 0; k < count; k++) {
		if ((rc = gr_need(n, in, QC_X(k), err)))
			return rc;
		if (in[QC_X(k)]->dtype != t)
			return NODE_ERR(err, -EINVAL, n, "input %d is %s where input %d is %s",
					QC_X(k), gr_dtype_name(in[QC_X(k)]->dtype), QC_X(0),
					gr_dtype_name(t));
		if ((rc = qc_param(n, in, QC_S(k), QC_Z(k), t, err)))
			return rc;
	}
	xs = calloc((size_t)count, sizeof(*xs));
	idx = calloc((size_t)count, sizeof(*idx));
	if (!xs || !idx) {
		rc = NODE_ERR(err, -ENOMEM, n, "out of memory");
	} else {
		for (int k = 0; k < count; k++) {
			xs[k] = in[QC_X(k)];
			idx[k] = QC_X(k);
		}
		rc = gr_concat_infer(n, xs, idx, count, out, err);
	}
	free(xs);
	free(idx);
	return rc;
}

void gr_concat_map(uint8_t map[256], int dtype, float xs, int64_t xz, float ys, int64_t yz)
{
	for (int v = 0; v < 256; v++) {
		int64_t x = dtype == GR_UINT8 ? v : (int8_t)(uint8_t)v;
		float deq = (float)(x - xz) * xs;

		map[v] = (uint8_t)gr_ref_quant_f(deq / ys, yz, dtype);
	}
}

static int ref_qlinear_concat(const struct gr_node *n, const struct gr_value *const *in,
			      struct gr_value **out, struct gr_err *err)
{
	struct gr_value *o = out[0];
	int count = qc_count(n, err), axis;
	float ys = (float)gr_value_get_f(in[QC_YS], 0);
	int64_t yz = gr_par_i(gr_opt(n, in, QC_YZ), 0), outer, inner, off = 0;
	uint8_t table[256];

	if (count < 0)
		return count;
	axis = gr_concat_axis(n, o, &outer, &inner, err);
	if (axis < 0)
		return axis;
	for (int k = 0; k < count; k++) {
		const struct gr_value *x = in[QC_X(k)];
		float xs = (float)gr_value_get_f(in[QC_S(k)], 0);
		int64_t xz = gr_par_i(gr_opt(n, in, QC_Z(k)), 0);
		int64_t len = x->dims[axis], run = len * inner;
		int copy = xs == ys && xz == yz;

		if (!copy)
			gr_concat_map(table, o->dtype, xs, xz, ys, yz);
		for (int64_t j = 0; j < outer; j++) {
			uint8_t *dst = (uint8_t *)o->data + (size_t)((j * o->dims[axis] + off) * inner);
			const uint8_t *src = (const uint8_t *)x->data + (size_t)(j * run);

			if (copy) {
				memcpy(dst, src, (size_t)run);
				continue;
			}
			for (int64_t e = 0; e < run; e++)
				dst[e] = table[src[e]];
		}
		off += len;
	}
	return 0;
}

const struct gr_op_def gr_op_QLinearConcat = {
	.name = "QLinearConcat", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_concat, .ref = ref_qlinear_concat,
	/* on the device only in place: graph/lower_concat.c says why not */
	.cpu_why = "a Concat runs on the device only when its producers write their slices in place",
};
