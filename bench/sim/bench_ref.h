/* SPDX-License-Identifier: MIT */
#ifndef BENCH_REF_H
#define BENCH_REF_H

#include <stdint.h>

/*
 * Plain single-thread int8 convolution (stride 1, square padding, NCHW,
 * n = 1): the CPU baseline of `make bench-sim`. out is int32 sums of
 * (x - zp_in) * w.
 */
void bench_ref_conv(const int8_t *in, const int8_t *w, int32_t *out, int c,
		    int m, int h, int wd, int k, int pad, int zp_in);

#endif
