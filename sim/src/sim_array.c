/* SPDX-License-Identifier: MIT */
/*
 * PE array: runs a validated processing pass (CONV, FC, POOL, ELTWISE) on
 * operands in the GLB or the stream buffer, with the exact integer rules of
 * uapi/eyrie_hw.h (docs/firmware.md, "Numerics"), and books the pass's
 * access counts and cycles from the energy model.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"
#include "sim_kernels.h"

static uint8_t *mem_at(struct eyrie_sim *sim, uint32_t addr)
{
	if (addr & EYRIE_ADDR_STREAM)
		return sim->stream + (addr & ~EYRIE_ADDR_STREAM);
	return sim->glb + addr;
}

static int32_t rd32(const uint8_t *p, size_t i)
{
	int32_t v;

	memcpy(&v, p + 4 * i, 4);
	return v;
}

static void wr32(uint8_t *p, size_t i, int32_t v)
{
	memcpy(p + 4 * i, &v, 4);
}

/* The activation table maps a pass's int8 result when the flag asks. */
static int8_t lut_out(const struct eyrie_sim *sim, uint16_t flags, int8_t v)
{
	if (!(flags & EYRIE_PASS_F_LUT))
		return v;
	return (int8_t)sim->act_lut[(uint8_t)(v + 128)];
}

static int64_t sat32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return v;
}

/*
 * Per-channel table entries must obey the per-tensor rules: fixed point,
 * or with the binary32 rule a positive normal scale and a shift word of 0.
 */
static int32_t check_table(const uint8_t *tab, uint32_t m, int fp32, uint32_t *bad)
{
	for (uint32_t i = 0; i < m; i++) {
		int32_t mult = rd32(tab, i), shift = rd32(tab, m + i);

		if (fp32 ? !eyrie_fp32_scale_ok((uint32_t)mult) || shift :
			   (mult != 0 && mult < (1 << 30)) || shift < -30 || shift > 31) {
			*bad = i;
			return -1;
		}
	}
	return 0;
}

/*
 * zp_out + the rescale of accumulator v (an int32 value) by the pass's
 * rule: fixed point, or binary32 with EYRIE_PASS_F_FP32_RQ, where mult
 * holds the scale's bits (docs/hardware.md 7.5, 7.11).
 */
static int64_t requant(uint16_t flags, int64_t v, int32_t mult, int32_t shift, int32_t zp_out)
{
	if (flags & EYRIE_PASS_F_FP32_RQ)
		return eyrie_rq_fp32((int32_t)v, (uint32_t)mult, zp_out);
	return zp_out + kern_rq(v, mult, shift);
}

/*
 * Zero gating (EYRIE_PASS_F_ZERO_GATE): the taps of the pass whose input is
 * zero (zp_in, padding included). Input row y is read by rowm[y] (output
 * row, filter row) pairs and column x by colm[x] (output column, filter
 * column) pairs; every tap of a plane that does not read a non-zero input
 * reads a zero, and each input channel serves the m / groups filters of its
 * group.
 */
static uint64_t gated_taps(const struct eyrie_cmd_conv *c, const int8_t *in)
{
	uint64_t taps = (uint64_t)c->out_h * c->r * c->out_w * c->s, sum = 0;
	uint64_t mg = c->m / c->groups;
	uint32_t *rowm = calloc((size_t)c->in_h + c->in_w, sizeof(*rowm));
	uint32_t *colm;

	if (!rowm)
		return UINT64_MAX;
	colm = rowm + c->in_h;
	for (uint32_t e = 0; e < c->out_h; e++)
		for (uint32_t i = 0; i < c->r; i++) {
			int64_t y = (int64_t)e * c->stride_h - c->pad_t + (int64_t)i * c->dil_h;

			if (y >= 0 && y < c->in_h)
				rowm[y]++;
		}
	for (uint32_t f = 0; f < c->out_w; f++)
		for (uint32_t j = 0; j < c->s; j++) {
			int64_t x = (int64_t)f * c->stride_w - c->pad_l + (int64_t)j * c->dil_w;

			if (x >= 0 && x < c->in_w)
				colm[x]++;
		}
	for (uint64_t p = 0; p < (uint64_t)c->n * c->c; p++) {
		const int8_t *pl = in + p * c->in_h * c->in_w;
		uint64_t nz = 0;

		for (uint32_t y = 0; y < c->in_h; y++) {
			uint64_t row = 0;

			if (!rowm[y])
				continue;
			for (uint32_t x = 0; x < c->in_w; x++)
				if (pl[(size_t)y * c->in_w + x] != c->zp_in)
					row += colm[x];
			nz += row * rowm[y];
		}
		sum += (taps - nz) * mg;
	}
	free(rowm);
	return sum;
}

/*
 * EYRIE_PASS_F_IN_RING (docs/hardware.md 7.12): the pass's input rows as
 * the array's sequencer addresses them in the ring, gathered into the
 * dense n x c x in_h x in_w block the kernels read (NULL: out of memory).
 * Addressing only: the counts of the pass are those of a dense block.
 */
static int8_t *gather_ring(struct eyrie_sim *sim, const struct eyrie_cmd_conv *c)
{
	uint32_t planes = (uint32_t)c->n * c->c, p, y;
	int8_t *d = malloc((size_t)planes * c->in_h * c->in_w + 1);

	if (!d)
		return NULL;
	for (p = 0; p < planes; p++)
		for (y = 0; y < c->in_h; y++)
			memcpy(d + ((size_t)p * c->in_h + y) * c->in_w,
			       sim->glb + eyrie_in_ring_offset(c->in_addr, p, y, c->in_ring_rows,
							       c->in_row0, c->in_w),
			       c->in_w);
	return d;
}

/*
 * EYRIE_PASS_F_OUT_RING (docs/hardware.md 7.13): the pass's dense n x m x
 * out_h x out_w int8 result written row by row where the array's output
 * sequencer addresses it in the ring. Addressing only, as gather_ring.
 */
static void scatter_ring(struct eyrie_sim *sim, const struct eyrie_cmd_conv *c,
			 const uint8_t *d)
{
	uint32_t planes = (uint32_t)c->n * c->m, p, y;

	for (p = 0; p < planes; p++)
		for (y = 0; y < c->out_h; y++)
			memcpy(sim->glb + eyrie_out_ring_offset(c->out_addr, p, y, c->out_ring_rows,
								c->out_row0, c->out_w),
			       d + ((size_t)p * c->out_h + y) * c->out_w, c->out_w);
}

static uint32_t run_conv(struct eyrie_sim *sim, const struct eyrie_cmd_conv *c,
			 uint32_t *detail)
{
	uint16_t fl = c->hdr.flags;
	size_t plane = (size_t)c->out_h * c->out_w, total = (size_t)c->n * c->m * plane;
	const uint8_t *tab = NULL;
	struct kconv k = {
		c->n, c->c, c->m, c->groups, c->in_h, c->in_w, c->out_h, c->out_w,
		c->r, c->s, c->stride_h, c->stride_w, c->dil_h, c->dil_w,
		c->pad_t, c->pad_l, c->zp_in, c->zp_w,
		(const int8_t *)mem_at(sim, c->in_addr),
		(const int8_t *)mem_at(sim, c->w_addr),
	};
	struct sim_counts cnt;
	uint64_t cycles;
	int64_t *acc;
	int8_t *ring_in = NULL;
	uint8_t *out = NULL, *ring_out = NULL;

	/*
	 * The array's sequencer places the PE sets on the mesh itself: a
	 * mapping it cannot place (docs/hardware.md 7.2) is refused here too,
	 * whatever the firmware let through.
	 */
	if ((uint64_t)c->map.sets_m * c->map.sets_c >
	    eyrie_pe_set_slots(sim->desc.pe_rows, sim->desc.pe_cols, c->map.spatial_r,
			       c->map.spatial_e)) {
		*detail = offsetof(struct eyrie_cmd_conv, map) +
			  offsetof(struct eyrie_mapping, sets_c);
		return EYRIE_JOB_ERR_DATAFLOW;
	}
	/* group-parallel sets: only with the flexible NoC, and they must place */
	if ((c->map.sets_g && !(sim->caps & EYRIE_CAP_FLEX_NOC)) ||
	    c->map.sets_g > c->groups ||
	    !eyrie_mapping_places(&c->map, sim->desc.pe_rows, sim->desc.pe_cols)) {
		*detail = offsetof(struct eyrie_cmd_conv, map) +
			  offsetof(struct eyrie_mapping, sets_g);
		return EYRIE_JOB_ERR_DATAFLOW;
	}
	if ((fl & EYRIE_PASS_F_REQUANT) && (fl & EYRIE_PASS_F_PER_CHANNEL)) {
		tab = mem_at(sim, c->q.quant_addr);
		if (check_table(tab, c->m, !!(fl & EYRIE_PASS_F_FP32_RQ), detail))
			return EYRIE_JOB_ERR_QUANT;
	}
	if (fl & EYRIE_PASS_F_IN_RING) {
		ring_in = gather_ring(sim, c);
		if (!ring_in) {
			sim_log(sim, "array: host out of memory, pass aborted");
			return EYRIE_JOB_ERR_ABORTED;
		}
		k.in = ring_in;
	}
	if (fl & EYRIE_PASS_F_OUT_RING) {
		/* REQUANT is set (the firmware checked): the result goes through a dense block */
		ring_out = malloc(total + 1);
		if (!ring_out) {
			free(ring_in);
			sim_log(sim, "array: host out of memory, pass aborted");
			return EYRIE_JOB_ERR_ABORTED;
		}
		out = ring_out;
	} else if (fl & EYRIE_PASS_F_REQUANT) {
		out = mem_at(sim, c->out_addr);
	}
	acc = malloc(total * sizeof(*acc));
	if (!acc || kern_conv(&k, acc)) {
		free(acc);
		free(ring_in);
		free(ring_out);
		sim_log(sim, "array: host out of memory, pass aborted");
		return EYRIE_JOB_ERR_ABORTED;
	}
	for (size_t i = 0; i < total; i++) {
		uint32_t m = (uint32_t)((i / plane) % c->m);
		int64_t v = acc[i];
		int32_t mult = c->q.mult, shift = c->q.shift;

		if (fl & EYRIE_PASS_F_ACCUMULATE)
			v += rd32(mem_at(sim, c->psum_addr), i);
		if (fl & EYRIE_PASS_F_BIAS)
			v += rd32(mem_at(sim, c->bias_addr), m);
		/* 32-bit accumulators saturate (docs/hardware.md 7.2). */
		v = sat32(v);
		if (!(fl & EYRIE_PASS_F_REQUANT)) {
			wr32(mem_at(sim, c->psum_addr), i, (int32_t)v);
			continue;
		}
		if (tab) {
			mult = rd32(tab, m);
			shift = rd32(tab, c->m + m);
		}
		out[i] = (uint8_t)lut_out(sim, fl, kern_clamp8(
			requant(fl, v, mult, shift, c->q.zp_out),
			c->q.clamp_min, c->q.clamp_max));
	}
	free(acc);
	if (ring_out) {
		scatter_ring(sim, c, ring_out);
		free(ring_out);
	}
	cycles = sim_energy_conv(&sim->desc, c, &cnt);
	if ((fl & EYRIE_PASS_F_FP32_RQ) && (fl & EYRIE_PASS_F_REQUANT))
		cnt.fp32_rq = total;
	if (fl & EYRIE_PASS_F_ZERO_GATE) {
		uint64_t g = gated_taps(c, k.in);

		if (g == UINT64_MAX) {
			free(ring_in);
			sim_log(sim, "array: host out of memory, pass aborted");
			return EYRIE_JOB_ERR_ABORTED;
		}
		/* not multiplied; the weight's RF read skipped where it is in the RF */
		cnt.gated_macs = g;
		cnt.words[EYRIE_ENERGY_MAC] -= g;
		if (c->hdr.dataflow == EYRIE_DATAFLOW_RS || c->hdr.dataflow == EYRIE_DATAFLOW_WS)
			cnt.words[EYRIE_ENERGY_RF] -= g;
	}
	free(ring_in);
	sim_job_add(sim, &cnt, 0, cycles);
	return 0;
}

/* floor(a / b) for b > 0. */
static __int128 floor_div128(__int128 a, __int128 b)
{
	__int128 q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static uint32_t run_pool(struct eyrie_sim *sim, const struct eyrie_cmd_pool *p)
{
	const int8_t *in = (const int8_t *)mem_at(sim, p->in_addr);
	int8_t *out = (int8_t *)mem_at(sim, p->out_addr);
	int avg = p->hdr.flags & EYRIE_PASS_F_POOL_AVG;
	int count_pad = p->hdr.flags & EYRIE_PASS_F_COUNT_PAD;
	struct sim_counts cnt;
	uint64_t cycles;

	for (uint32_t nc = 0; nc < (uint32_t)p->n * p->c; nc++) {
		const int8_t *plane = in + (size_t)nc * p->in_h * p->in_w;

		for (uint32_t y = 0; y < p->out_h; y++) {
			for (uint32_t x = 0; x < p->out_w; x++) {
				int64_t sum = 0, taps = 0, best = -128;

				for (uint32_t i = 0; i < p->r; i++) {
					int64_t iy = (int64_t)y * p->stride_h - p->pad_t + i;

					if (iy < 0 || iy >= p->in_h)
						continue;
					for (uint32_t j = 0; j < p->s; j++) {
						int64_t ix = (int64_t)x * p->stride_w - p->pad_l + j;
						int8_t v;

						if (ix < 0 || ix >= p->in_w)
							continue;
						v = plane[iy * p->in_w + ix];
						sum += v - p->zp_in;
						taps++;
						if (v > best)
							best = v;
					}
				}
				__int128 v = best;

				if (avg && (p->hdr.flags & EYRIE_PASS_F_FP32_RQ)) {
					/* the scale carries the divisor (7.11);
					 * |sum| <= 255 r s < 2^24 */
					v = eyrie_rq_fp32((int32_t)sum, (uint32_t)p->q.mult,
							  p->q.zp_out);
				} else if (avg) {
					/* One rounding of S * mult / (count * 2^t),
					 * halves up (docs/hardware.md 7.3). */
					int64_t positions = count_pad ? (int64_t)p->r * p->s : taps;
					__int128 d = (__int128)positions << (31 + p->q.shift);

					v = p->q.zp_out +
					    floor_div128(2 * (__int128)sum * p->q.mult + d, 2 * d);
				} else if (p->q.mult) {
					v = p->q.zp_out + kern_rq(best - p->zp_in, p->q.mult,
								  p->q.shift);
				}
				out[((size_t)nc * p->out_h + y) * p->out_w + x] =
					lut_out(sim, p->hdr.flags,
						kern_clamp8_128(v, p->q.clamp_min,
								p->q.clamp_max));
			}
		}
	}
	cycles = sim_energy_pool(&sim->desc, p, &cnt);
	if (p->hdr.flags & EYRIE_PASS_F_FP32_RQ)
		cnt.fp32_rq = (uint64_t)p->n * p->c * p->out_h * p->out_w;
	sim_job_add(sim, &cnt, 0, cycles);
	return 0;
}

static uint32_t run_eltwise(struct eyrie_sim *sim, const struct eyrie_cmd_eltwise *e)
{
	const int8_t *a = (const int8_t *)mem_at(sim, e->a_addr);
	const int8_t *b = (const int8_t *)mem_at(sim, e->b_addr);
	int8_t *out = (int8_t *)mem_at(sim, e->out_addr);
	struct sim_counts cnt;
	uint64_t cycles;

	if (e->hdr.flags & EYRIE_PASS_F_FP32_RQ) {
		/* ONNX Runtime's QLinearAdd (docs/hardware.md 7.11) */
		for (uint32_t i = 0; i < e->count; i++)
			out[i] = lut_out(sim, e->hdr.flags,
					 kern_clamp8(eyrie_eltwise_fp32(a[i], b[i], e->ratio_a,
									e->ratio_b, e->term,
									e->value_offset),
						     e->q.clamp_min, e->q.clamp_max));
	} else {
		for (uint32_t i = 0; i < e->count; i++) {
			/* Exact: |a - zp| <= 255, so each rq fits 64 bits and
			 * the final product is taken in 128. */
			int64_t acc = kern_rq(a[i] - e->zp_a, e->a_mult, e->a_shift) +
				      kern_rq(b[i] - e->zp_b, e->b_mult, e->b_shift);

			out[i] = lut_out(sim, e->hdr.flags,
					 kern_clamp8_128(e->q.zp_out +
							 kern_rq128(acc, e->q.mult, e->q.shift),
							 e->q.clamp_min, e->q.clamp_max));
		}
	}
	cycles = sim_energy_eltwise(&sim->desc, e, &cnt);
	if (e->hdr.flags & EYRIE_PASS_F_FP32_RQ)
		cnt.fp32_rq = (uint64_t)EYRIE_ELTWISE_FP32_MULS * e->count;
	sim_job_add(sim, &cnt, 0, cycles);
	return 0;
}

uint32_t sim_array_run(struct eyrie_sim *sim, const union eyrie_cmd *cmd,
		       uint32_t *detail)
{
	switch (cmd->hdr.opcode) {
	case EYRIE_OP_CONV:
	case EYRIE_OP_FC:
		return run_conv(sim, &cmd->conv, detail);
	case EYRIE_OP_POOL:
		return run_pool(sim, &cmd->pool);
	case EYRIE_OP_ELTWISE:
		return run_eltwise(sim, &cmd->eltwise);
	default:
		return EYRIE_JOB_ERR_OPCODE;
	}
}
