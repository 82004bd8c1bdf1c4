/* SPDX-License-Identifier: MIT */
/*
 * PE array arithmetic kernels: exact integer results, written for speed
 * (int16 operands with the zero points removed, int32 wrapping sums, inner
 * loops the compiler vectorizes). The energy model does not look inside:
 * it counts at the row-primitive level (sim_energy.c).
 */
#ifndef SIM_KERNELS_H
#define SIM_KERNELS_H

#include <stdint.h>

struct kconv {
	uint32_t n, c, m, groups;
	uint32_t in_h, in_w, out_h, out_w;
	uint32_t r, s, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
	int32_t zp_in, zp_w;
	const int8_t *in;	/* n x c x in_h x in_w */
	const int8_t *w;	/* m x c/groups x r x s */
};

/*
 * acc[n][m][y][x] = sum over taps of (in - zp_in) * (w - zp_w), padding
 * taps contributing 0 (they read zp_in), exact. Returns 0 or -1 when out of
 * memory. Sums of up to KERN_EXACT32_TAPS taps are exact in int32 (each
 * product is at most 255 * 255 in magnitude); longer ones take a 64-bit path.
 */
#define KERN_EXACT32_TAPS	33025u
int kern_conv(const struct kconv *p, int64_t *acc);

/* rq(x, mult, shift) of uapi/eyrie_hw.h ("Requantization"). */
static inline int64_t kern_rq(int64_t x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + ((int64_t)1 << (t - 1))) >> t;
}

/* rq with a 128-bit product: exact for any int64 x (ELTWISE's sum). */
static inline __int128 kern_rq128(__int128 x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + ((__int128)1 << (t - 1))) >> t;
}

static inline int8_t kern_clamp8_128(__int128 v, int32_t lo, int32_t hi)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return (int8_t)v;
}

static inline int8_t kern_clamp8(int64_t v, int32_t lo, int32_t hi)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return (int8_t)v;
}

#endif /* SIM_KERNELS_H */
