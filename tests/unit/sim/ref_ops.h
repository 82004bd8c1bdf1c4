/* SPDX-License-Identifier: MIT */
/*
 * Independent CPU reference of the device's arithmetic, written straight
 * from the rules in uapi/eyrie_hw.h and docs/firmware.md ("Numerics"):
 * direct loops, 64-bit sums, floor division instead of shifts.
 */
#ifndef REF_OPS_H
#define REF_OPS_H

#include <stdint.h>

#include "eyrie_hw.h"

int64_t ref_rq(int64_t x, int32_t mult, int32_t shift);
/*
 * zp_out + the binary32 rule (docs/hardware.md 7.11) for an int32 x and
 * scale bits, clamped to the int8 range: written from the rule's text in
 * double arithmetic (an exact product, then one rounding to binary32).
 */
int64_t ref_rq_fp32(int64_t x, uint32_t s_bits, int32_t zp_out);

/*
 * CONV / FC per struct eyrie_cmd_conv (addresses ignored). psum_in may be
 * NULL (no ACCUMULATE); bias NULL (no BIAS); table NULL (per tensor).
 * Writes out8 when REQUANT, else out32.
 */
void ref_conv(const struct eyrie_cmd_conv *c, const int8_t *in, const int8_t *w,
	      const int32_t *bias, const int32_t *table, const int32_t *psum_in,
	      int8_t *out8, int32_t *out32);
void ref_pool(const struct eyrie_cmd_pool *p, const int8_t *in, int8_t *out);
int32_t ref_eltwise_fp32(int32_t a, int32_t b, uint32_t ra, uint32_t rb, uint32_t term,
			 int32_t offset);
void ref_eltwise(const struct eyrie_cmd_eltwise *e, const int8_t *a,
		 const int8_t *b, int8_t *out);

#endif
