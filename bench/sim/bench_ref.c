/* SPDX-License-Identifier: MIT */
/*
 * The CPU baseline: the input is padded once into int16 planes (zero point
 * removed), then each (output channel, input channel, tap) adds a shifted
 * plane times one weight into the int32 output plane, a loop gcc -O3
 * vectorizes. No threads, no im2col tricks, no assembly. Like the model's
 * kernels it gets an AVX2 clone where the CPU has AVX2, so the comparison
 * is like for like.
 */
#include <stdlib.h>
#include <string.h>

#include "bench_ref.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void bench_ref_conv(const int8_t *in, const int8_t *w, int32_t *out, int c,
		    int m, int h, int wd, int k, int pad, int zp_in)
{
	int hp = h + 2 * pad, wp = wd + 2 * pad;
	int oh = hp - k + 1, ow = wp - k + 1;
	int16_t *padded = calloc((size_t)c * hp * wp, sizeof(*padded));

	if (!padded)
		abort();
	for (int ci = 0; ci < c; ci++)
		for (int y = 0; y < h; y++)
			for (int x = 0; x < wd; x++)
				padded[((size_t)ci * hp + y + pad) * wp + x + pad] =
					(int16_t)(in[((size_t)ci * h + y) * wd + x] - zp_in);
	memset(out, 0, (size_t)m * oh * ow * sizeof(*out));
	for (int mo = 0; mo < m; mo++) {
		int32_t *o = out + (size_t)mo * oh * ow;

		for (int ci = 0; ci < c; ci++) {
			const int16_t *p = padded + (size_t)ci * hp * wp;

			for (int i = 0; i < k; i++) {
				for (int j = 0; j < k; j++) {
					int32_t wv = w[(((size_t)mo * c + ci) * k + i) * k + j];

					for (int y = 0; y < oh; y++) {
						const int16_t *row = p + (size_t)(y + i) * wp + j;
						int32_t *orow = o + (size_t)y * ow;

						for (int x = 0; x < ow; x++)
							orow[x] += wv * row[x];
					}
				}
			}
		}
	}
	free(padded);
}
