// SPDX-License-Identifier: MIT
/*
 * ONNX Runtime's com.microsoft QLinearAdd and QLinearMul, as its quantizer
 * writes them (docs/ContribOperators.md in microsoft/onnxruntime):
 *
 *   (A, A_scale, A_zero_point?, B, B_scale, B_zero_point?, C_scale, C_zero_point?)
 *
 * T int8 or uint8 (A, B and C of one type), numpy broadcasting, scales
 * float scalars, zero points scalars of T. The arithmetic is ONNX Runtime's
 * (MLAS), in float32 with the scale ratios taken first:
 *   Add: C = sat(round_half_even((A_s/C_s)(A - A_zp) + (B_s/C_s)(B - B_zp)) + C_zp),
 *        bit for bit as its x86-64 kernel (eyrie_eltwise_fp32(), ref_add())
 *   Mul: C = sat(round_half_even((A_s B_s / C_s)(A - A_zp)(B - B_zp) + C_zp)),
 *        the zero point added in float32 before rounding, bit for bit as its
 *        x86-64 kernel (ref_mul())
 * QLinearAdd of equal shapes runs on the device's ELTWISE add (the
 * lowering of the QDQ Add); the device has no multiply, so QLinearMul runs
 * on the CPU.
 */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum { QB_A, QB_AS, QB_AZ, QB_B, QB_BS, QB_BZ, QB_CS, QB_CZ };

static int check_q(const struct gr_node *n, const struct gr_value *const *in, int v, int s,
		   int z, int dtype, const char *what, struct gr_err *err)
{
	const struct gr_value *zp = gr_opt(n, in, z);
	int rc;

	if ((rc = gr_need(n, in, s, err)))
		return rc;
	if (v >= 0 && in[v]->dtype != dtype)
		return NODE_ERR(err, -EINVAL, n, "%s is %s where A is %s", what,
				gr_dtype_name(in[v]->dtype), gr_dtype_name(dtype));
	if (in[s]->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "%s's scale must be float", what);
	if ((rc = gr_check_param(n, in[s], "scale", 1, err)) ||
	    (rc = gr_check_param(n, zp, "zero point", 1, err)))
		return rc;
	if (zp && zp->dtype != dtype)
		return NODE_ERR(err, -EINVAL, n, "%s's zero point must be %s", what,
				gr_dtype_name(dtype));
	return 0;
}

static int infer_qlinear_binary(const struct gr_node *n, const struct gr_value *const *in,
				struct gr_value *out, struct gr_err *err)
{
	int64_t dims[GR_MAX_RANK];
	int rc, rank, t;

	if ((rc = gr_need(n, in, QB_A, err)) || (rc = gr_need(n, in, QB_B, err)))
		return rc;
	t = in[QB_A]->dtype;
	if (!gr_is_q8(t))
		return NODE_ERR(err, -EOPNOTSUPP, n, "A must be int8 or uint8 (got %s)",
				gr_dtype_name(t));
	if ((rc = check_q(n, in, QB_A, QB_AS, QB_AZ, t, "A", err)) ||
	    (rc = check_q(n, in, QB_B, QB_BS, QB_BZ, t, "B", err)) ||
	    (rc = check_q(n, in, -1, QB_CS, QB_CZ, t, "C", err)))
		return rc;
	if ((rc = gr_broadcast_shape(n, in[QB_A], in[QB_B], &rank, dims, err)))
		return rc;
	gr_set_shape(&out[0], t, rank, dims);
	return 0;
}

/*
 * QLinearAdd as MLAS's x86-64 kernel (eyrie_eltwise_fp32(), the device's
 * binary32 rule): the operands as stored (uint8: 0..255), so no offset. A
 * one-element A is the kernel's scalar operand: ONNX Runtime passes B as
 * its first input then, and the term's fused multiply-add takes B's
 * product first. The layer-wise check's nudged references (round bias)
 * round t itself.
 */
static int ref_add(const struct gr_value *a, const struct gr_value *b, struct gr_value *o,
		   const struct gr_bcast *ba, const struct gr_bcast *bb, float ra, float rb,
		   int64_t za, int64_t zb, int64_t zc)
{
	int swap = a->count == 1 && b->count > 1;
	float r1 = swap ? rb : ra, r2 = swap ? ra : rb;
	float z1 = (float)(swap ? zb : za), z2 = (float)(swap ? za : zb);
	float term = (float)zc - fmaf(r1, z1, r2 * z2);
	union { float f; uint32_t u; } b1 = { r1 }, b2 = { r2 }, bt = { term };
	double bias = gr_ref_round_bias();

	for (size_t i = 0; i < o->count; i++) {
		int32_t va = (int32_t)gr_value_get_i(a, gr_bcast_off(ba, i));
		int32_t vb = (int32_t)gr_value_get_i(b, gr_bcast_off(bb, i));
		int32_t x1 = swap ? vb : va, x2 = swap ? va : vb;
		int64_t v;

		if (bias != 0) {
			float t = eyrie_eltwise_fp32_sum(x1, x2, b1.u, b2.u, bt.u);

			v = gr_sat((int64_t)fmax(fmin(nearbyint((double)t + bias), 1e9), -1e9),
				   o->dtype);
		} else if (o->dtype == GR_UINT8) {
			v = eyrie_eltwise_fp32(x1 - 128, x2 - 128, b1.u, b2.u, bt.u, 128) + 128;
		} else {
			v = eyrie_eltwise_fp32(x1, x2, b1.u, b2.u, bt.u, 0);
		}
		gr_store_i(o, i, v);
	}
	return 0;
}

/*
 * QLinearMul as MLAS's x86-64 kernel (MlasQLinearMulKernel, SSE2: the one
 * ONNX Runtime 1.23 runs on every x86-64 CPU), confirmed against
 * onnxruntime-node on random data with exact ties
 * (tests/oracle/qladd-check.js):
 *
 *   ratio = fl32(fl32(A_s * B_s) / C_s)
 *   p     = (A - A_zp)(B - B_zp)                  exact (int16 x int16)
 *   f     = fl32(fl32(fl32(p) * ratio) + fl32(C_zp))   a multiply, then an add
 *   r     = rne(f) if -2^31 <= f < 2^31, else INT32_MIN (cvtps2dq)
 *   C     = sat(r)                                 (packs, then packs/packus)
 *
 * The zero point is added before the rounding: a product on a half
 * rounds to even after it, so an odd C_zp moves it by 1 against rounding
 * first. Zero points as stored (uint8: 0..255), as ONNX Runtime sees them.
 * The layer-wise check's nudged references (round bias) round f itself.
 */
static void ref_mul(const struct gr_value *a, const struct gr_value *b, struct gr_value *o,
		    const struct gr_bcast *ba, const struct gr_bcast *bb, float as, float bs,
		    float cs, int64_t za, int64_t zb, int64_t zc)
{
	float ab = as * bs;
	float ratio = ab / cs;
	float zcf = (float)zc;
	double bias = gr_ref_round_bias();

	for (size_t i = 0; i < o->count; i++) {
		int32_t pa = (int32_t)(gr_value_get_i(a, gr_bcast_off(ba, i)) - za);
		int32_t pb = (int32_t)(gr_value_get_i(b, gr_bcast_off(bb, i)) - zb);
		float prod = (float)(pa * pb);
		float f;
		int64_t r;

		prod = prod * ratio;
		f = prod + zcf;
		if (bias != 0)
			r = (int64_t)fmax(fmin(nearbyint((double)f + bias), 1e9), -1e9);
		else if (f >= -2147483648.0f && f < 2147483648.0f)
			r = (int64_t)nearbyintf(f);
		else
			r = INT32_MIN;
		gr_store_i(o, i, gr_sat(r, o->dtype));
	}
}

static int ref_qlinear_binary(const struct gr_node *n, const struct gr_value *const *in,
			      struct gr_value **out, int mul)
{
	const struct gr_value *a = in[QB_A], *b = in[QB_B];
	struct gr_value *o = out[0];
	float as = (float)gr_value_get_f(in[QB_AS], 0), bs = (float)gr_value_get_f(in[QB_BS], 0);
	float cs = (float)gr_value_get_f(in[QB_CS], 0);
	int64_t za = gr_par_i(gr_opt(n, in, QB_AZ), 0), zb = gr_par_i(gr_opt(n, in, QB_BZ), 0);
	int64_t zc = gr_par_i(gr_opt(n, in, QB_CZ), 0);
	struct gr_bcast ba, bb;

	gr_bcast_init(&ba, a, o);
	gr_bcast_init(&bb, b, o);
	if (!mul)
		return ref_add(a, b, o, &ba, &bb, as / cs, bs / cs, za, zb, zc);
	ref_mul(a, b, o, &ba, &bb, as, bs, cs, za, zb, zc);
	return 0;
}

static int ref_qlinear_add(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_qlinear_binary(n, in, out, 0);
}

static int ref_qlinear_mul(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	(void)err;
	return ref_qlinear_binary(n, in, out, 1);
}

const struct gr_op_def gr_op_QLinearAdd = {
	.name = "QLinearAdd", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_binary, .ref = ref_qlinear_add, .lower = lw_qlinear_add,
};

const struct gr_op_def gr_op_QLinearMul = {
	.name = "QLinearMul", .domain = "com.microsoft", .since = 1,
	.infer = infer_qlinear_binary, .ref = ref_qlinear_mul,
	.cpu_why = "the device has no element-wise multiply (ELTWISE adds only)",
};
