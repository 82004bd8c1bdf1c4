// SPDX-License-Identifier: MIT
/* Matrix products: MatMul (float), QLinearMatMul, MatMulInteger, Gemm. */
#include <errno.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"
#include "graph/quant_check.h"
#include "graph/ref.h"

enum mm_kind { MM_FLOAT, MM_QLINEAR, MM_INTEGER };

void gr_matmul_dims(const struct gr_value *a, const struct gr_value *b,
		    int64_t *ad, int *ar, int64_t *bd, int *br)
{
	*ar = a->rank;
	*br = b->rank;
	memcpy(ad, a->dims, (size_t)*ar * sizeof(int64_t));
	memcpy(bd, b->dims, (size_t)*br * sizeof(int64_t));
	if (*ar == 1) {
		ad[1] = ad[0];
		ad[0] = 1;
		*ar = 2;
	}
	if (*br == 1) {
		bd[1] = 1;
		*br = 2;
	}
}

int gr_matmul_shape(const struct gr_node *n, const struct gr_value *a,
		    const struct gr_value *b, int *rank, int64_t *dims,
		    struct gr_err *err)
{
	int64_t ad[GR_MAX_RANK + 1], bd[GR_MAX_RANK + 1];
	int ar = a->rank, br = b->rank, r;
	char b1[64], b2[64];

	if (ar < 1 || br < 1)
		return NODE_ERR(err, -EINVAL, n, "MatMul operands must have rank >= 1");
	gr_matmul_dims(a, b, ad, &ar, bd, &br);
	if (ad[ar - 1] >= 0 && bd[br - 2] >= 0 && ad[ar - 1] != bd[br - 2])
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: %s x %s (inner dimensions %lld and %lld differ)",
				gr_dims_str(a, b1, sizeof(b1)), gr_dims_str(b, b2, sizeof(b2)),
				(long long)ad[ar - 1], (long long)bd[br - 2]);
	r = ar > br ? ar : br;
	if (r > GR_MAX_RANK)
		return NODE_ERR(err, -EOPNOTSUPP, n, "rank above %d", GR_MAX_RANK);
	for (int i = 0; i < r - 2; i++) {
		int ia = i - (r - ar), ib = i - (r - br);
		int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;

		if (da != db && da != 1 && db != 1 && da >= 0 && db >= 0)
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: batch dimensions of %s and %s do not broadcast",
					gr_dims_str(a, b1, sizeof(b1)), gr_dims_str(b, b2, sizeof(b2)));
		dims[i] = da == 1 ? db : da;
	}
	{
		int o = r - 2;

		if (a->rank != 1)
			dims[o++] = ad[ar - 2];
		if (b->rank != 1)
			dims[o++] = bd[br - 1];
		r = o;
	}
	*rank = r;
	return 0;
}

static int infer_mm(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value *out, enum mm_kind kind, struct gr_err *err)
{
	int ai = 0, bi = kind == MM_QLINEAR ? 3 : 1, dtype, rc, rank;
	int64_t dims[GR_MAX_RANK];

	if ((rc = gr_need(n, in, ai, err)) || (rc = gr_need(n, in, bi, err)))
		return rc;
	if (kind == MM_FLOAT) {
		if (in[ai]->dtype != GR_FLOAT || in[bi]->dtype != GR_FLOAT)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"MatMul runs on float tensors here (got %s); quantized ones use QLinearMatMul or MatMulInteger",
					gr_dtype_name(in[ai]->dtype));
		dtype = GR_FLOAT;
	} else {
		if (!gr_is_q8(in[ai]->dtype) || !gr_is_q8(in[bi]->dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"operands must be int8 or uint8 (got %s and %s)",
					gr_dtype_name(in[ai]->dtype), gr_dtype_name(in[bi]->dtype));
		dtype = GR_INT32;
	}
	if ((rc = gr_matmul_shape(n, in[ai], in[bi], &rank, dims, err)))
		return rc;
	if (kind == MM_QLINEAR) {
		const struct gr_value *a = in[ai], *b = in[bi];
		/* per-row a and per-column b parameters index the operands' M and N */
		int64_t rows = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
		int64_t cols = b->rank >= 2 ? b->dims[b->rank - 1] : 1;

		for (int i = 1; i < 8; i++)
			if (i != 3 && (rc = gr_need(n, in, i, err)))
				return rc;
		if ((rc = gr_check_param(n, in[1], "a_scale", rows, err)) ||
		    (rc = gr_check_param(n, in[2], "a_zero_point", rows, err)) ||
		    (rc = gr_check_param(n, in[4], "b_scale", cols, err)) ||
		    (rc = gr_check_param(n, in[5], "b_zero_point", cols, err)) ||
		    (rc = gr_check_param(n, in[6], "y_scale", 0, err)) ||
		    (rc = gr_check_param(n, in[7], "y_zero_point", 0, err)) ||
		    (rc = gr_check_scale_values(n, in[1], "a_scale", err)) ||
		    (rc = gr_check_scale_values(n, in[4], "b_scale", err)) ||
		    (rc = gr_check_scale_values(n, in[6], "y_scale", err)))
			return rc;
		if (!gr_is_q8(in[7]->dtype))
			return NODE_ERR(err, -EINVAL, n, "y_zero_point must be int8 or uint8");
		dtype = in[7]->dtype;
	}
	if (kind == MM_INTEGER) {
		const struct gr_value *a = in[ai], *b = in[bi];
		int64_t rows = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
		int64_t cols = b->rank >= 2 ? b->dims[b->rank - 1] : 1;

		if ((rc = gr_check_param(n, gr_opt(n, in, 2), "a_zero_point", rows, err)) ||
		    (rc = gr_check_param(n, gr_opt(n, in, 3), "b_zero_point", cols, err)))
			return rc;
	}
	gr_set_shape(&out[0], dtype, rank, dims);
	return 0;
}

static int infer_matmul(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	return infer_mm(n, in, out, MM_FLOAT, err);
}

static int infer_qlinearmatmul(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value *out, struct gr_err *err)
{
	return infer_mm(n, in, out, MM_QLINEAR, err);
}

static int infer_matmulinteger(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value *out, struct gr_err *err)
{
	return infer_mm(n, in, out, MM_INTEGER, err);
}

static int ref_mm(const struct gr_node *n, const struct gr_value *const *in,
		  struct gr_value *o, enum mm_kind kind)
{
	int q = kind == MM_QLINEAR;
	const struct gr_value *a = in[0], *b = in[q ? 3 : 1];
	const struct gr_value *azp = NULL, *bzp = NULL;
	int64_t ad[GR_MAX_RANK + 1], bd[GR_MAX_RANK + 1], od[GR_MAX_RANK];
	int64_t ast[GR_MAX_RANK], bst[GR_MAX_RANK];
	int ar, br, r, nb;
	int64_t N, K, M, batches = 1;

	gr_matmul_dims(a, b, ad, &ar, bd, &br);
	N = ad[ar - 2];
	K = ad[ar - 1];
	M = bd[br - 1];
	r = ar > br ? ar : br;
	nb = r - 2;
	for (int i = 0; i < nb; i++) {
		int ia = i - (r - ar), ib = i - (r - br);
		int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;

		od[i] = da == 1 ? db : da;
		batches *= od[i];
	}
	/* strides over batch dims, in units of whole matrices */
	gr_bcast_strides(ar - 2, ad, nb, od, ast);
	gr_bcast_strides(br - 2, bd, nb, od, bst);
	if (kind == MM_INTEGER) {
		azp = gr_opt(n, in, 2);
		bzp = gr_opt(n, in, 3);
	} else if (q) {
		azp = in[2];
		bzp = in[5];
	}
	for (int64_t bi = 0; bi < batches; bi++) {
		int64_t rem = bi, aoff = 0, boff = 0;

		for (int i = nb - 1; i >= 0; i--) {
			int64_t idx = rem % od[i];

			rem /= od[i];
			aoff += idx * ast[i];
			boff += idx * bst[i];
		}
		aoff *= N * K;
		boff *= K * M;
		for (int64_t i = 0; i < N; i++)
		for (int64_t j = 0; j < M; j++) {
			size_t oi = (size_t)((bi * N + i) * M + j);

			if (kind == MM_FLOAT) {
				double acc = 0;

				for (int64_t k = 0; k < K; k++)
					acc += (double)((const float *)a->data)[aoff + i * K + k] *
					       ((const float *)b->data)[boff + k * M + j];
				((float *)o->data)[oi] = (float)acc;
			} else {
				int64_t acc = 0, za = gr_par_i(azp, (size_t)i), zb = gr_par_i(bzp, (size_t)j);

				for (int64_t k = 0; k < K; k++)
					acc += (gr_value_get_i(a, (size_t)(aoff + i * K + k)) - za) *
					       (gr_value_get_i(b, (size_t)(boff + k * M + j)) - zb);
				if (!q) {
					((int32_t *)o->data)[oi] = (int32_t)acc;
				} else {
					/* as ONNX Runtime: (a_scale * b_scale) / y_scale, float */
					float s = (float)gr_par_f(in[1], (size_t)i, 1) *
						  (float)gr_par_f(in[4], (size_t)j, 1);

					s = s / (float)gr_value_get_f(in[6], 0);
					gr_store_i(o, oi, gr_ref_requant_f32(acc, s,
									     (int32_t)gr_value_get_i(in[7], 0),
									     o->dtype));
				}
			}
		}
	}
	return 0;
}

static int ref_matmul(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_mm(n, in, out[0], MM_FLOAT);
}

static int ref_qlinearmatmul(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_mm(n, in, out[0], MM_QLINEAR);
}

static int ref_matmulinteger(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_mm(n, in, out[0], MM_INTEGER);
}

static int infer_gemm(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *a, *b;
	int64_t m, k, k2, nn, dims[2];
	int trans_a = (int)gr_attr_int(n, "transA", 0);
	int trans_b = (int)gr_attr_int(n, "transB", 0);
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	a = in[0];
	b = in[1];
	if (a->rank != 2 || b->rank != 2)
		return NODE_ERR(err, -EINVAL, n, "A and B must be 2-D");
	if (a->dtype != GR_FLOAT || b->dtype != GR_FLOAT)
		return NODE_ERR(err, -EOPNOTSUPP, n, "Gemm runs on float tensors here");
	m = trans_a ? a->dims[1] : a->dims[0];
	k = trans_a ? a->dims[0] : a->dims[1];
	k2 = trans_b ? b->dims[1] : b->dims[0];
	nn = trans_b ? b->dims[0] : b->dims[1];
	if (k >= 0 && k2 >= 0 && k != k2)
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: inner dimensions %lld and %lld differ",
				(long long)k, (long long)k2);
	if (n->n_in > 2 && in[2]) {
		const struct gr_value *c = in[2];

		if (c->rank > 2 ||
		    (c->rank == 2 && ((c->dims[0] != 1 && c->dims[0] != m) ||
				      (c->dims[1] != 1 && c->dims[1] != nn))) ||
		    (c->rank == 1 && c->dims[0] != 1 && c->dims[0] != nn))
			return NODE_ERR(err, -EINVAL, n,
					"C does not broadcast to [%lld, %lld]",
					(long long)m, (long long)nn);
		if (c->dtype != GR_FLOAT)
			return NODE_ERR(err, -EINVAL, n, "C must be float (got %s)",
					gr_dtype_name(c->dtype));
	}
	dims[0] = m;
	dims[1] = nn;
	gr_set_shape(&out[0], GR_FLOAT, 2, dims);
	return 0;
}

static int ref_gemm(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[0], *b = in[1], *c = gr_opt(n, in, 2);
	struct gr_value *o = out[0];
	const float *A = a->data, *B = b->data;
	int trans_a = (int)gr_attr_int(n, "transA", 0);
	int trans_b = (int)gr_attr_int(n, "transB", 0);
	float alpha = gr_attr_float(n, "alpha", 1.0f), beta = gr_attr_float(n, "beta", 1.0f);
	int64_t M = o->dims[0], N = o->dims[1];
	int64_t K = trans_a ? a->dims[0] : a->dims[1];

	(void)err;
	for (int64_t i = 0; i < M; i++)
	for (int64_t j = 0; j < N; j++) {
		double acc = 0, cv = 0;

		for (int64_t k = 0; k < K; k++) {
			float av = trans_a ? A[k * M + i] : A[i * K + k];
			float bv = trans_b ? B[j * K + k] : B[k * N + j];

			acc += (double)av * bv;
		}
		if (c)
			cv = gr_gemm_c_at(c, i, j);
		((float *)o->data)[i * N + j] = (float)(alpha * acc + beta * cv);
	}
	return 0;
}

const struct gr_op_def gr_op_MatMul = {
	.name = "MatMul", .domain = "", .since = 1,
	.infer = infer_matmul, .ref = ref_matmul,
};

const struct gr_op_def gr_op_QLinearMatMul = {
	.name = "QLinearMatMul", .domain = "", .since = 10,
	.infer = infer_qlinearmatmul, .ref = ref_qlinearmatmul, .lower = lw_qlinearmatmul,
};

const struct gr_op_def gr_op_MatMulInteger = {
	.name = "MatMulInteger", .domain = "", .since = 10,
	.infer = infer_matmulinteger, .ref = ref_matmulinteger, .lower = lw_matmulinteger,
};

const struct gr_op_def gr_op_Gemm = {
	.name = "Gemm", .domain = "", .since = 1,
	.infer = infer_gemm, .ref = ref_gemm,
};
