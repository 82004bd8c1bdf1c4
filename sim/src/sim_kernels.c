/* SPDX-License-Identifier: MIT */
/*
 * Convolution kernel: per (image, group), the input patches are laid out
 * once as an int16 matrix (im2col, zero points removed, padding 0), then
 * multiplied by the int16 weights four output channels at a time, so each
 * patch row loaded feeds four accumulators. Built with -O3 (sim/sim.mk).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_kernels.h"

#define MB	4	/* output channels per block */

/*
 * Output columns [*lo, *hi) whose tap j reads inside [0, in_w): outside them
 * the tap is padding. ix(x) = x * stride - pad + j * dil.
 */
static void tap_span(const struct kconv *p, uint32_t j, uint32_t *lo, uint32_t *hi)
{
	int64_t off = (int64_t)j * p->dil_w - p->pad_l;	/* ix(0) */
	int64_t first = off >= 0 ? 0 : (-off + p->stride_w - 1) / p->stride_w;
	int64_t last = (int64_t)p->in_w - 1 - off;		/* x * stride <= last */

	if (last < 0) {
		*lo = *hi = 0;
		return;
	}
	last = last / p->stride_w + 1;
	*lo = (uint32_t)(first < p->out_w ? first : p->out_w);
	*hi = (uint32_t)(last < p->out_w ? last : p->out_w);
	if (*hi < *lo)
		*hi = *lo;
}

static void im2col(const struct kconv *p, const int8_t *in, int16_t *col)
{
	uint32_t cg = p->c / p->groups, P = p->out_h * p->out_w;
	uint32_t ci, i, j, y, x;

	for (j = 0; j < p->s; j++) {
		uint32_t lo, hi;
		int64_t off = (int64_t)j * p->dil_w - p->pad_l;

		tap_span(p, j, &lo, &hi);
		for (ci = 0; ci < cg; ci++) {
			const int8_t *plane = in + (size_t)ci * p->in_h * p->in_w;

			for (i = 0; i < p->r; i++) {
				int16_t *row = col + ((size_t)(ci * p->r + i) * p->s + j) * P;

				for (y = 0; y < p->out_h; y++) {
					int64_t iy = (int64_t)y * p->stride_h - p->pad_t +
						     (int64_t)i * p->dil_h;
					int16_t *dst = row + (size_t)y * p->out_w;
					const int8_t *src;
					int16_t zp = (int16_t)p->zp_in;

					if (iy < 0 || iy >= p->in_h || lo == hi) {
						memset(dst, 0, p->out_w * sizeof(*dst));
						continue;
					}
					src = plane + (size_t)iy * p->in_w;
					memset(dst, 0, lo * sizeof(*dst));
					if (p->stride_w == 1) {
						const int8_t *s1 = src + off;

						for (x = lo; x < hi; x++)
							dst[x] = (int16_t)(s1[x] - zp);
					} else {
						for (x = lo; x < hi; x++)
							dst[x] = (int16_t)(src[(int64_t)x * p->stride_w + off] - zp);
					}
					memset(dst + hi, 0, (p->out_w - hi) * sizeof(*dst));
				}
			}
		}
	}
}

/*
 * The hot loops get an AVX2 clone next to the baseline x86-64 one, picked
 * at load time (GCC function multiversioning), so one binary runs anywhere.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define KERN_CLONES
#endif

/* out[mm][q] = sum_k w[mm][k] * col[k][q] for MB (or fewer) channels. */
KERN_CLONES
static void gemm_block(const int16_t *w, uint32_t K, uint32_t nm,
		       const int16_t *col, uint32_t P, uint32_t *out[MB])
{
	uint32_t k, q;

	if (nm == MB) {
		uint32_t *restrict o0 = out[0], *restrict o1 = out[1];
		uint32_t *restrict o2 = out[2], *restrict o3 = out[3];

		for (k = 0; k < K; k++) {
			const int16_t *restrict b = col + (size_t)k * P;
			int32_t w0 = w[k], w1 = w[K + k], w2 = w[2 * K + k],
				w3 = w[3 * K + k];

			for (q = 0; q < P; q++) {
				int32_t v = b[q];

				o0[q] += (uint32_t)(w0 * v);
				o1[q] += (uint32_t)(w1 * v);
				o2[q] += (uint32_t)(w2 * v);
				o3[q] += (uint32_t)(w3 * v);
			}
		}
		return;
	}
	for (uint32_t mm = 0; mm < nm; mm++) {
		uint32_t *restrict o = out[mm];

		for (k = 0; k < K; k++) {
			const int16_t *restrict b = col + (size_t)k * P;
			int32_t wk = w[(size_t)mm * K + k];

			for (q = 0; q < P; q++)
				o[q] += (uint32_t)(wk * (int32_t)b[q]);
		}
	}
}

/* 1 x 1 outputs (FC, global windows): dot products over K. */
KERN_CLONES
static void dot_rows(const int16_t *w, uint32_t K, uint32_t nm,
		     const int16_t *col, uint32_t *out)
{
	for (uint32_t mm = 0; mm < nm; mm++) {
		const int16_t *restrict wr = w + (size_t)mm * K;
		uint32_t s = 0;

		for (uint32_t k = 0; k < K; k++)
			s += (uint32_t)((int32_t)wr[k] * (int32_t)col[k]);
		out[mm] = s;
	}
}

/* Taps beyond int32 range: straightforward 64-bit sums (rare, slow). */
static void conv_wide(const struct kconv *p, int64_t *acc)
{
	uint32_t cg = p->c / p->groups, mg = p->m / p->groups;

	for (uint32_t n = 0; n < p->n; n++)
	for (uint32_t m = 0; m < p->m; m++)
	for (uint32_t y = 0; y < p->out_h; y++)
	for (uint32_t x = 0; x < p->out_w; x++) {
		uint32_t g = m / mg;
		int64_t s = 0;

		for (uint32_t ci = 0; ci < cg; ci++)
		for (uint32_t i = 0; i < p->r; i++)
		for (uint32_t j = 0; j < p->s; j++) {
			int64_t iy = (int64_t)y * p->stride_h - p->pad_t + (int64_t)i * p->dil_h;
			int64_t ix = (int64_t)x * p->stride_w - p->pad_l + (int64_t)j * p->dil_w;

			if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
				continue;
			s += (int64_t)(p->in[(((size_t)n * p->c + g * cg + ci) * p->in_h + iy) *
					     p->in_w + ix] - p->zp_in) *
			     (p->w[(((size_t)m * cg + ci) * p->r + i) * p->s + j] - p->zp_w);
		}
		acc[(((size_t)n * p->m + m) * p->out_h + y) * p->out_w + x] = s;
	}
}

static int conv32(const struct kconv *p, int32_t *acc);

int kern_conv(const struct kconv *p, int64_t *acc)
{
	size_t total = (size_t)p->n * p->m * p->out_h * p->out_w;
	uint64_t taps = (uint64_t)(p->c / p->groups) * p->r * p->s;
	int32_t *a32;

	if (taps > KERN_EXACT32_TAPS) {
		conv_wide(p, acc);
		return 0;
	}
	a32 = malloc(total * sizeof(*a32));
	if (!a32 || conv32(p, a32)) {
		free(a32);
		return -1;
	}
	for (size_t i = 0; i < total; i++)
		acc[i] = a32[i];
	free(a32);
	return 0;
}

static int conv32(const struct kconv *p, int32_t *acc)
{
	uint32_t cg = p->c / p->groups, mg = p->m / p->groups;
	uint32_t K = cg * p->r * p->s, P = p->out_h * p->out_w;
	int16_t *col = malloc((size_t)K * P * sizeof(*col));
	int16_t *w16 = malloc((size_t)p->m * K * sizeof(*w16));
	uint32_t n, g, m0;
	size_t i;

	if (!col || !w16) {
		free(col);
		free(w16);
		return -1;
	}
	for (i = 0; i < (size_t)p->m * K; i++)
		w16[i] = (int16_t)(p->w[i] - p->zp_w);
	for (n = 0; n < p->n; n++) {
		for (g = 0; g < p->groups; g++) {
			const int8_t *in = p->in + ((size_t)n * p->c + (size_t)g * cg) *
						   p->in_h * p->in_w;
			uint32_t *obase = (uint32_t *)acc +
					  ((size_t)n * p->m + (size_t)g * mg) * P;

			im2col(p, in, col);
			memset(obase, 0, (size_t)mg * P * sizeof(*obase));
			if (P == 1) {
				dot_rows(w16 + (size_t)g * mg * K, K, mg, col, obase);
				continue;
			}
			for (m0 = 0; m0 < mg; m0 += MB) {
				uint32_t nm = mg - m0 < MB ? mg - m0 : MB;
				uint32_t *out[MB];

				for (uint32_t b = 0; b < MB; b++)
					out[b] = obase + (size_t)(m0 + (b < nm ? b : 0)) * P;
				gemm_block(w16 + (size_t)(g * mg + m0) * K, K, nm, col, P,
					   out);
			}
		}
	}
	free(col);
	free(w16);
	return 0;
}
