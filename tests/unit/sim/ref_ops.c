/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "ref_ops.h"

typedef __int128 i128;

static i128 floor_div(i128 a, i128 b)
{
	i128 q = a / b, r = a % b;

	return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

/* round(x * mult / 2^t), halves up: floor((x * mult + 2^(t-1)) / 2^t) */
static i128 rq128(i128 x, int32_t mult, int32_t shift)
{
	i128 den = (i128)1 << (31 + shift);

	return floor_div(x * mult + den / 2, den);
}

int64_t ref_rq(int64_t x, int32_t mult, int32_t shift)
{
	return (int64_t)rq128(x, mult, shift);
}

int64_t ref_rq_fp32(int64_t x, uint32_t s_bits, int32_t zp_out)
{
	/* the scale from its fields: a positive normal number */
	double s = ldexp((double)((s_bits & 0x7fffffu) | 0x800000u),
			 (int)((s_bits >> 23) & 0xffu) - 127 - 23);
	/* fl32(x) exactly, then a product exact in double (24 + 24 bits) */
	double fx = (double)(float)x, f = (double)(float)(fx * s);
	double r = nearbyint(f);	/* half to even */

	if (r < -128.0 - zp_out)
		r = -128.0 - zp_out;
	if (r > 127.0 - zp_out)
		r = 127.0 - zp_out;
	return zp_out + (int64_t)r;
}

static int8_t clamp8(i128 v, int lo, int hi)
{
	return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

static int64_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

void ref_conv(const struct eyrie_cmd_conv *c, const int8_t *in, const int8_t *w,
	      const int32_t *bias, const int32_t *table, const int32_t *psum_in,
	      int8_t *out8, int32_t *out32)
{
	int cg = c->c / c->groups, mg = c->m / c->groups;

	for (int n = 0; n < c->n; n++)
	for (int m = 0; m < c->m; m++)
	for (int y = 0; y < c->out_h; y++)
	for (int x = 0; x < c->out_w; x++) {
		int g = m / mg;
		int64_t acc = 0;
		size_t o = (((size_t)n * c->m + m) * c->out_h + y) * c->out_w + x;

		for (int ci = 0; ci < cg; ci++)
		for (int i = 0; i < c->r; i++)
		for (int j = 0; j < c->s; j++) {
			int iy = y * c->stride_h - c->pad_t + i * c->dil_h;
			int ix = x * c->stride_w - c->pad_l + j * c->dil_w;
			int ch = g * cg + ci;
			int v = c->zp_in;	/* padding reads the zero point */

			if (iy >= 0 && iy < c->in_h && ix >= 0 && ix < c->in_w)
				v = in[(((size_t)n * c->c + ch) * c->in_h + iy) * c->in_w + ix];
			acc += (int64_t)(v - c->zp_in) *
			       (w[(((size_t)m * cg + ci) * c->r + i) * c->s + j] - c->zp_w);
		}
		if (psum_in)
			acc += psum_in[o];
		if (bias)
			acc += bias[m];
		acc = sat32(acc);	/* saturating int32 accumulator */
		if (c->hdr.flags & EYRIE_PASS_F_REQUANT) {
			int32_t mult = table ? table[m] : c->q.mult;
			int32_t shift = table ? table[c->m + m] : c->q.shift;

			if (c->hdr.flags & EYRIE_PASS_F_FP32_RQ)
				out8[o] = clamp8(ref_rq_fp32(acc, (uint32_t)mult, c->q.zp_out),
						 c->q.clamp_min, c->q.clamp_max);
			else
				out8[o] = clamp8(c->q.zp_out + ref_rq(acc, mult, shift),
						 c->q.clamp_min, c->q.clamp_max);
		} else {
			out32[o] = (int32_t)acc;
		}
	}
}

void ref_pool(const struct eyrie_cmd_pool *p, const int8_t *in, int8_t *out)
{
	int avg = p->hdr.flags & EYRIE_PASS_F_POOL_AVG;

	for (int nc = 0; nc < p->n * p->c; nc++)
	for (int y = 0; y < p->out_h; y++)
	for (int x = 0; x < p->out_w; x++) {
		int64_t sum = 0, cnt = 0, mx = INT64_MIN;
		i128 v;

		for (int i = 0; i < p->r; i++)
		for (int j = 0; j < p->s; j++) {
			int iy = y * p->stride_h - p->pad_t + i;
			int ix = x * p->stride_w - p->pad_l + j;

			if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
				continue;
			v = in[((size_t)nc * p->in_h + iy) * p->in_w + ix];
			sum += v - p->zp_in;
			cnt++;
			if (v > mx)
				mx = v;
		}
		if (avg && (p->hdr.flags & EYRIE_PASS_F_FP32_RQ)) {
			/* the scale carries the divisor */
			v = ref_rq_fp32(sum, (uint32_t)p->q.mult, p->q.zp_out);
		} else if (avg) {
			int64_t div = (p->hdr.flags & EYRIE_PASS_F_COUNT_PAD) ?
				      p->r * p->s : cnt;
			i128 d = (i128)div << (31 + p->q.shift);

			/* round(sum * mult / (div * 2^t)), halves up */
			v = p->q.zp_out + floor_div(2 * (i128)sum * p->q.mult + d, 2 * d);
		} else if (p->q.mult) {
			v = p->q.zp_out + rq128(mx - p->zp_in, p->q.mult, p->q.shift);
		} else {
			v = mx;
		}
		out[((size_t)nc * p->out_h + y) * p->out_w + x] =
			clamp8(v, p->q.clamp_min, p->q.clamp_max);
	}
}

/* A binary32 word's value, from its fields (finite). */
static float f32_of(uint32_t bits)
{
	uint32_t e = (bits >> 23) & 0xffu, m = bits & 0x7fffffu;
	double v = e ? ldexp((double)(m | 0x800000u), (int)e - 127 - 23) :
		       ldexp((double)m, -126 - 23);

	return (float)((bits >> 31) ? -v : v);
}

/*
 * ELTWISE's binary32 rule (docs/hardware.md 7.11), written apart from
 * eyrie_eltwise_fp32(): the C library's fmaf, nearbyintf and the range
 * test of cvtps2dq.
 */
int32_t ref_eltwise_fp32(int32_t a, int32_t b, uint32_t ra, uint32_t rb, uint32_t term,
			 int32_t offset)
{
	float t = fmaf((float)(a + offset), f32_of(ra),
		       fmaf((float)(b + offset), f32_of(rb), f32_of(term)));
	int64_t r = (t >= -2147483648.0f && t < 2147483648.0f) ? (int64_t)nearbyintf(t) :
								 INT32_MIN;

	r -= offset;
	return (int32_t)(r < -128 ? -128 : r > 127 ? 127 : r);
}

void ref_eltwise(const struct eyrie_cmd_eltwise *e, const int8_t *a,
		 const int8_t *b, int8_t *out)
{
	if (e->hdr.flags & EYRIE_PASS_F_FP32_RQ) {
		for (uint32_t i = 0; i < e->count; i++)
			out[i] = clamp8(ref_eltwise_fp32(a[i], b[i], e->ratio_a, e->ratio_b,
							 e->term, e->value_offset),
					e->q.clamp_min, e->q.clamp_max);
		return;
	}
	for (uint32_t i = 0; i < e->count; i++) {
		i128 acc = rq128(a[i] - e->zp_a, e->a_mult, e->a_shift) +
			   rq128(b[i] - e->zp_b, e->b_mult, e->b_shift);

		out[i] = clamp8(e->q.zp_out + rq128(acc, e->q.mult, e->q.shift),
				e->q.clamp_min, e->q.clamp_max);
	}
}
