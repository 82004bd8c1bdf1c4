// SPDX-License-Identifier: MIT
/*
 * Pooling, element-wise and upsample layers: a simple correct tiling.
 * These layers do no MACs and have no reuse beyond the pooling window's
 * halo, so the plan is the largest tile that fits the GLB: pooling tiles
 * channels and output rows (full width), element-wise adds split the flat
 * tensor, the DMA-only upsample bands each batch item's rows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sched/sched_internal.h"


/* Pool geometry as a conv with m = c, depthwise, no dilation. */
static int pool_geom(const struct eyr_layer_shape *l, struct eyr_geom *g,
		     char *err, size_t errlen)
{
	struct eyr_layer_shape c = *l;

	c.op = EYR_LAYER_CONV;
	c.m = c.c;
	c.groups = c.c;
	c.dil_h = c.dil_h ? c.dil_h : 1;
	c.dil_w = c.dil_w ? c.dil_w : 1;
	return eyr_geom_init(g, &c, err, errlen);
}

static uint64_t elements(const struct eyr_layer_shape *l)
{
	return (uint64_t)l->n * l->c * l->h * l->w;
}

/*
 * The device's counts for the passes of this file's streams (docs/sim.md,
 * "POOL" and "ELTWISE"), and the DMA cycles of their commands: each tile
 * is `loads, BARRIER, pass, BARRIER, store`, so every segment is all DMA or
 * one pass and the cycles add up (as for conv, docs/scheduler.md).
 */
static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void add_pool_tile(const struct eyr_arch *arch, uint64_t ins, uint64_t outs,
			  uint64_t taps, uint64_t times, struct eyr_cost *c)
{
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols;

	c->access[EYRIE_ENERGY_GLB] += times * (ins + outs);
	c->access[EYRIE_ENERGY_NOC] += times * (taps + outs);
	c->access[EYRIE_ENERGY_RF] += times * 2 * taps;
	c->access[EYRIE_ENERGY_MAC] += times * taps;
	c->cycles += times * max_u64(eyr_div_up(taps, pes),
				     eyr_div_up(taps + outs, arch->noc_words_per_cycle));
	/* the tile's load and store: DRAM words, GLB writes/reads, per-command cycles */
	c->access[EYRIE_ENERGY_GLB] += times * (ins + outs);
	c->cycles += times * (eyr_dma_cycles(arch, ins, 1) + eyr_dma_cycles(arch, outs, 1));
}

static void add_eltwise_chunk(const struct eyr_arch *arch, uint64_t n, uint64_t times,
			      struct eyr_cost *c)
{
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols;

	/* both operands and the output in the GLB */
	c->access[EYRIE_ENERGY_GLB] += times * 3 * n;
	c->access[EYRIE_ENERGY_NOC] += times * 3 * n;
	c->access[EYRIE_ENERGY_MAC] += times * 3 * n;
	c->cycles += times * max_u64(eyr_div_up(n, pes),
				     eyr_div_up(3 * n, arch->noc_words_per_cycle));
	/* two loads and a store */
	c->access[EYRIE_ENERGY_GLB] += times * 3 * n;
	c->cycles += times * 3 * eyr_dma_cycles(arch, n, 1);
}

/*
 * Nearest x2 upsample, DMA only: the n x c x h input rows of w elements,
 * banded per batch item into tiles of `rows` input rows (the GLB holds
 * their 4 x rows x w outputs). Per tile `DMA_LOAD` (broadcast), BARRIER,
 * `DMA_STORE` (dense), BARRIER: the device counts every element a DMA
 * moves, broadcast or not (docs/sim.md "DMA"), so each tile of E output
 * elements is E DRAM words and E GLB words each way, and its commands'
 * cycles add up (no pass, every segment is DMA only).
 */
static void add_upsample_tile(const struct eyr_arch *arch, uint64_t outs, uint64_t times,
			      struct eyr_cost *c)
{
	c->access[EYRIE_ENERGY_DRAM] += times * 2 * outs;
	c->access[EYRIE_ENERGY_GLB] += times * 2 * outs;
	c->cycles += times * 2 * eyr_dma_cycles(arch, outs, 1);
}

static int plan_upsample(const struct eyr_arch *arch, struct eyr_plan *plan,
			 char *err, size_t errlen)
{
	const struct eyr_layer_shape *l = &plan->shape;
	struct eyr_mapping *m = &plan->map;
	struct eyr_cost *c = &plan->cost;
	uint64_t rows = (uint64_t)l->c * l->h, row_out = 4ull * l->w, band, tiles;

	if (!l->n || !l->c || !l->h || !l->w)
		return eyr_set_err(err, errlen, -EINVAL, "upsample layer with no elements");
	if (l->m != l->c)
		return eyr_set_err(err, errlen, -EINVAL, "an upsample keeps its channels (m = %u, c = %u)",
			       l->m, l->c);
	if (plan->lut)
		return eyr_set_err(err, errlen, -EINVAL, "an upsample has no pass to apply the activation table");
	band = arch->glb_bytes / row_out;
	if (!band)
		return eyr_set_err(err, errlen, -ENOSPC,
			       "one upsampled row (4 x %u bytes) does not fit the %u-byte GLB",
			       l->w, arch->glb_bytes);
	if (band > rows)
		band = rows;
	/* the band of input rows rides on E, the batch items on N */
	m->tile[EYR_DIM_N] = 1;
	m->tiles[EYR_DIM_N] = l->n;
	m->tile[EYR_DIM_E] = (uint32_t)band;
	m->tiles[EYR_DIM_E] = (uint32_t)eyr_div_up(rows, band);
	tiles = (uint64_t)l->n * m->tiles[EYR_DIM_E];
	c->cmds = (uint32_t)(4 * tiles);
	if (arch->max_cmds_per_job && c->cmds > arch->max_cmds_per_job)
		return eyr_set_err(err, errlen, -ENOSPC,
			       "the upsample takes %u commands, over the %u of a job",
			       c->cmds, arch->max_cmds_per_job);
	memset(c->access, 0, sizeof(c->access));
	c->cycles = 0;
	add_upsample_tile(arch, band * row_out, (uint64_t)l->n * (rows / band), c);
	if (rows % band)
		add_upsample_tile(arch, (rows % band) * row_out, l->n, c);
	c->dram_words = c->access[EYRIE_ENERGY_DRAM];
	c->dram_bytes = c->dram_words;
	c->macs = 0;
	c->in_words = (uint64_t)l->n * rows * row_out;
	c->w_words = 0;
	/* compulsory: the input read once, the output written once */
	plan->lb_dram_words = (uint64_t)l->n * rows * l->w * 5;
	plan->lb_dram_bytes = plan->lb_dram_words;
	eyr_cost_finish(arch, c);
	return 0;
}

int eyr_sched_plan_simple(const struct eyr_arch *arch, struct eyr_plan *plan,
			  char *err, size_t errlen)
{
	const struct eyr_layer_shape *l = &plan->shape;
	struct eyr_mapping *m = &plan->map;
	struct eyr_cost *c = &plan->cost;
	uint64_t t0 = eyr_now_us(), in_words, out_words;
	int d;

	for (d = 0; d < EYR_DIMS; d++) {
		m->tile[d] = 1;
		m->tiles[d] = 1;
		m->order[d] = (uint8_t)d;
	}
	m->dataflow = EYRIE_DATAFLOW_RS;
	if (l->op == EYR_LAYER_UPSAMPLE) {
		int ret = plan_upsample(arch, plan, err, errlen);

		if (ret)
			return ret;
		plan->search.evaluated = 1;
		plan->search.time_us = eyr_now_us() - t0;
		return 0;
	}
	if (l->op == EYR_LAYER_ADD) {
		uint64_t total = elements(l), chunk = arch->glb_bytes / 3;

		if (!total)
			return eyr_set_err(err, errlen, -EINVAL, "ADD layer with no elements");
		chunk &= ~(uint64_t)3;
		if (!chunk)
			return eyr_set_err(err, errlen, -ENOSPC, "GLB too small for an element-wise tile");
		if (chunk > total)
			chunk = total;
		/* the flat tensor rides on the F dimension */
		m->tile[EYR_DIM_F] = (uint32_t)chunk;
		m->tiles[EYR_DIM_F] = eyr_div_up(total, chunk);
		in_words = 2 * total;
		out_words = total;
		c->cmds = 4 * m->tiles[EYR_DIM_F] + 1;
		memset(c->access, 0, sizeof(c->access));
		c->cycles = 0;
		add_eltwise_chunk(arch, chunk, total / chunk, c);
		if (total % chunk)
			add_eltwise_chunk(arch, total % chunk, 1, c);
	} else {
		struct eyr_geom g;
		struct eyr_span rows, cols;
		uint32_t ct, et, best_c = 0, best_e = 0;
		uint64_t best_words = UINT64_MAX;
		int ret = pool_geom(l, &g, err, errlen);

		if (ret)
			return ret;
		eyr_geom_span_cols(&g, 0, g.ext[EYR_DIM_F], &cols);
		/* fewest loaded words (halo rows), then fewest tiles */
		for (et = g.ext[EYR_DIM_E]; et >= 1; et--) {
			struct eyr_dim_tiling te;
			uint64_t per_c, words;

			if (eyr_dim_tiling_init(&g, EYR_DIM_E, et, &te))
				continue;
			per_c = (uint64_t)te.max_in * cols.len + (uint64_t)et * g.ext[EYR_DIM_F];
			ct = per_c ? (uint32_t)(arch->glb_bytes / per_c) : 0;
			if (ct > l->c)
				ct = l->c;
			if (!ct)
				continue;
			words = te.sum_in;
			if (words < best_words) {
				best_words = words;
				best_c = ct;
				best_e = et;
			}
		}
		if (!best_c)
			return eyr_set_err(err, errlen, -ENOSPC, "no pooling tile of one row fits the %u-byte GLB",
				       arch->glb_bytes);
		m->tile[EYR_DIM_N] = 1;
		m->tiles[EYR_DIM_N] = l->n;
		m->tile[EYR_DIM_G] = best_c;
		m->tiles[EYR_DIM_G] = eyr_div_up(l->c, best_c);
		m->tile[EYR_DIM_E] = best_e;
		m->tiles[EYR_DIM_E] = eyr_div_up(g.ext[EYR_DIM_E], best_e);
		m->tile[EYR_DIM_F] = g.ext[EYR_DIM_F];
		eyr_geom_span_rows(&g, 0, g.ext[EYR_DIM_E], &rows);
		in_words = (uint64_t)l->n * l->c * best_words * cols.len;
		out_words = (uint64_t)l->n * l->c * g.ext[EYR_DIM_E] * g.ext[EYR_DIM_F];
		c->cmds = 4 * m->tiles[EYR_DIM_N] * m->tiles[EYR_DIM_G] * m->tiles[EYR_DIM_E] + 1;
		memset(c->access, 0, sizeof(c->access));
		c->cycles = 0;
		{
			/* the tiles emit_pool makes: channel blocks x output-row blocks, per image */
			uint32_t e0, F = g.ext[EYR_DIM_F], E = g.ext[EYR_DIM_E];
			uint32_t full_c = l->c / best_c, last_c = l->c % best_c;

			for (e0 = 0; e0 < E; e0 += best_e) {
				uint32_t el = E - e0 < best_e ? E - e0 : best_e;
				uint64_t px_in, px_out, taps;
				struct eyr_span rs;

				eyr_geom_span_rows(&g, e0, el, &rs);
				px_in = (uint64_t)rs.len * cols.len;
				px_out = (uint64_t)el * F;
				taps = px_out * l->r * l->s;
				add_pool_tile(arch, best_c * px_in, best_c * px_out, best_c * taps,
					      (uint64_t)l->n * full_c, c);
				if (last_c)
					add_pool_tile(arch, last_c * px_in, last_c * px_out,
						      last_c * taps, l->n, c);
			}
		}
		plan->lb_dram_words = (uint64_t)l->n * l->c * eyr_geom_touched_rows(&g) *
				      eyr_geom_touched_cols(&g) + out_words;
		plan->lb_dram_bytes = plan->lb_dram_words;
	}
	c->dram_words = in_words + out_words;
	c->dram_bytes = c->dram_words;
	c->access[EYRIE_ENERGY_DRAM] = c->dram_words;
	/* the device's MAC unit does the compares, adds and rescales */
	c->macs = c->access[EYRIE_ENERGY_MAC];
	if (l->op == EYR_LAYER_ADD) {
		plan->lb_dram_words = c->dram_words;
		plan->lb_dram_bytes = c->dram_bytes;
	}
	eyr_cost_finish(arch, c);
	plan->search.evaluated = 1;
	plan->search.time_us = eyr_now_us() - t0;
	return 0;
}

static void dma(union eyrie_cmd *c, uint64_t dram, uint32_t glb, const uint32_t cnt[4],
		const int64_t ds[4], const uint32_t gs[4])
{
	int i;

	c->dma.dram_addr = dram;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = 1;
	for (i = 0; i < 4; i++) {
		c->dma.count[i] = cnt[i];
		c->dma.dram_stride[i] = ds[i];
		c->dma.glb_stride[i] = gs[i];
	}
}

static int emit_add(const struct eyr_plan *plan, const struct eyr_layer *ly,
		    const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb)
{
	uint64_t total = elements(&ly->shape), chunk = plan->map.tile[EYR_DIM_F], o;
	uint32_t a_addr = 0, b_addr = (uint32_t)chunk, out_addr = (uint32_t)(2 * chunk);

	for (o = 0; o < total; o += chunk) {
		uint32_t len = (uint32_t)(total - o < chunk ? total - o : chunk);
		uint32_t cnt[4] = { len, 1, 1, 1 }, gs[4] = { 1, 0, 0, 0 };
		int64_t ds[4] = { 1, 0, 0, 0 };
		union eyrie_cmd *c;

		if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_LOAD)))
			return -ENOMEM;
		dma(c, bufs->in + o, a_addr, cnt, ds, gs);
		if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_LOAD)))
			return -ENOMEM;
		dma(c, bufs->in_b + o, b_addr, cnt, ds, gs);
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
		if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_ELTWISE)))
			return -ENOMEM;
		c->hdr.flags = (ly->quant.lut ? EYRIE_PASS_F_LUT : 0) |
			       (plan->fp32_rq ? EYRIE_PASS_F_FP32_RQ : 0);
		c->eltwise.a_addr = a_addr;
		c->eltwise.b_addr = b_addr;
		c->eltwise.out_addr = out_addr;
		c->eltwise.count = len;
		if (plan->fp32_rq) {
			/* ONNX Runtime's QLinearAdd: the term carries the zero points */
			c->eltwise.ratio_a = ly->quant.ratio_a;
			c->eltwise.ratio_b = ly->quant.ratio_b;
			c->eltwise.term = ly->quant.term;
			c->eltwise.value_offset = (__s16)ly->quant.value_offset;
		} else {
			c->eltwise.zp_a = (__s16)ly->quant.zp_in;
			c->eltwise.zp_b = (__s16)ly->quant.zp_b;
			c->eltwise.a_mult = ly->quant.a_mult;
			c->eltwise.a_shift = ly->quant.a_shift;
			c->eltwise.b_mult = ly->quant.b_mult;
			c->eltwise.b_shift = ly->quant.b_shift;
			c->eltwise.q.mult = ly->quant.mult;
			c->eltwise.q.shift = ly->quant.shift;
			c->eltwise.q.zp_out = (__s16)ly->quant.zp_out;
		}
		c->eltwise.q.clamp_min = (__s8)ly->quant.clamp_min;
		c->eltwise.q.clamp_max = (__s8)ly->quant.clamp_max;
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
		if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_STORE)))
			return -ENOMEM;
		dma(c, bufs->out + o, out_addr, cnt, ds, gs);
	}
	return eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER) ? 0 : -ENOMEM;
}

static int emit_pool(const struct eyr_plan *plan, const struct eyr_layer *ly,
		     const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb)
{
	const struct eyr_layer_shape *l = &ly->shape;
	const struct eyr_mapping *m = &plan->map;
	struct eyr_geom g;
	struct eyr_span cols;
	uint32_t n, c0, e0, E, F;
	uint64_t H = l->h, W = l->w;
	int ret = pool_geom(l, &g, NULL, 0);

	if (ret)
		return ret;
	E = g.ext[EYR_DIM_E];
	F = g.ext[EYR_DIM_F];
	eyr_geom_span_cols(&g, 0, F, &cols);
	for (n = 0; n < l->n; n++)
	for (c0 = 0; c0 < l->c; c0 += m->tile[EYR_DIM_G])
	for (e0 = 0; e0 < E; e0 += m->tile[EYR_DIM_E]) {
		uint32_t cl = l->c - c0 < m->tile[EYR_DIM_G] ? l->c - c0 : m->tile[EYR_DIM_G];
		uint32_t el = E - e0 < m->tile[EYR_DIM_E] ? E - e0 : m->tile[EYR_DIM_E];
		struct eyr_span rows;
		uint32_t in_bytes, out_addr;
		int64_t last_row, last_col;
		union eyrie_cmd *c;

		eyr_geom_span_rows(&g, e0, el, &rows);
		in_bytes = cl * rows.len * cols.len;
		out_addr = (in_bytes + 3) & ~3u;
		{
			uint32_t cnt[4] = { cols.len, rows.len, cl, 1 };
			int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), 0 };
			uint32_t gs[4] = { 1, cols.len, rows.len * cols.len, 0 };

			if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_LOAD)))
				return -ENOMEM;
			dma(c, bufs->in + (((uint64_t)n * l->c + c0) * H + rows.lo) * W + cols.lo,
			    0, cnt, ds, gs);
		}
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
		if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_POOL)))
			return -ENOMEM;
		c->hdr.flags = (l->op == EYR_LAYER_AVGPOOL ? EYRIE_PASS_F_POOL_AVG : 0) |
			       (l->op == EYR_LAYER_AVGPOOL && ly->quant.count_include_pad ?
				EYRIE_PASS_F_COUNT_PAD : 0) |
			       (ly->quant.lut ? EYRIE_PASS_F_LUT : 0) |
			       (plan->fp32_rq ? EYRIE_PASS_F_FP32_RQ : 0);
		c->pool.in_addr = 0;
		c->pool.out_addr = out_addr;
		c->pool.n = 1;
		c->pool.c = (__u16)cl;
		c->pool.in_h = (__u16)rows.len;
		c->pool.in_w = (__u16)cols.len;
		c->pool.out_h = (__u16)el;
		c->pool.out_w = (__u16)F;
		c->pool.r = (__u8)l->r;
		c->pool.s = (__u8)l->s;
		c->pool.stride_h = (__u8)l->stride_h;
		c->pool.stride_w = (__u8)l->stride_w;
		c->pool.pad_t = (__u8)rows.pad;
		c->pool.pad_l = (__u8)cols.pad;
		/* padding below/right of this tile: window reach past the last loaded row/col */
		last_row = (int64_t)(e0 + el - 1) * l->stride_h - (int64_t)l->pad_t + l->r - 1;
		last_col = (int64_t)(F - 1) * l->stride_w - (int64_t)l->pad_l + l->s - 1;
		c->pool.pad_b = (__u8)(last_row > (int64_t)(rows.lo + rows.len - 1) ?
				       last_row - (rows.lo + rows.len - 1) : 0);
		c->pool.pad_r = (__u8)(last_col > (int64_t)(cols.lo + cols.len - 1) ?
				       last_col - (cols.lo + cols.len - 1) : 0);
		c->pool.zp_in = (__s16)ly->quant.zp_in;
		c->pool.q.mult = ly->quant.mult;
		c->pool.q.shift = ly->quant.shift;
		c->pool.q.zp_out = (__s16)ly->quant.zp_out;
		c->pool.q.clamp_min = (__s8)ly->quant.clamp_min;
		c->pool.q.clamp_max = (__s8)ly->quant.clamp_max;
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
		{
			uint32_t cnt[4] = { F, el, cl, 1 };
			int64_t ds[4] = { 1, F, (int64_t)E * F, 0 };
			uint32_t gs[4] = { 1, F, el * F, 0 };
			/* a slice of a channel concat: the concat's channels per item */
			uint64_t oc = bufs->out_channels ? bufs->out_channels : l->c;

			if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_STORE)))
				return -ENOMEM;
			dma(c, bufs->out + (((uint64_t)n * oc + c0) * E + e0) * F, out_addr,
			    cnt, ds, gs);
		}
	}
	return eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER) ? 0 : -ENOMEM;
}

/*
 * The upsample's tiles (plan_upsample): input row r of w elements becomes
 * output rows 2r and 2r + 1 of 2w. The load repeats each element along
 * count[0] (DRAM stride 0) and each row along count[2] (DRAM stride 0):
 * count {2, w, 2, rows}, dram_stride {0, 1, 0, w}, glb_stride {1, 2, 2w, 4w}.
 */
static int emit_upsample(const struct eyr_plan *plan, const struct eyr_layer *ly,
			 const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb)
{
	const struct eyr_layer_shape *l = &ly->shape;
	uint64_t rows = (uint64_t)l->c * l->h, band = plan->map.tile[EYR_DIM_E], r0;
	uint64_t W = l->w;
	/* a slice of a channel concat: the concat's channels per item */
	uint64_t oc = bufs->out_channels ? bufs->out_channels : l->c;
	uint32_t n;

	if (!band || plan->map.tiles[EYR_DIM_E] != eyr_div_up(rows, band) ||
	    plan->map.tiles[EYR_DIM_N] != l->n)
		return -EINVAL;
	for (n = 0; n < l->n; n++)
	for (r0 = 0; r0 < rows; r0 += band) {
		uint32_t rl = (uint32_t)(rows - r0 < band ? rows - r0 : band);
		uint64_t item_in = (uint64_t)n * rows * W, item_out = (uint64_t)n * oc * l->h * 4 * W;
		union eyrie_cmd *c;

		{
			uint32_t cnt[4] = { 2, l->w, 2, rl };
			int64_t ds[4] = { 0, 1, 0, (int64_t)W };
			uint32_t gs[4] = { 1, 2, (uint32_t)(2 * W), (uint32_t)(4 * W) };

			if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_LOAD)))
				return -ENOMEM;
			dma(c, bufs->in + item_in + r0 * W, 0, cnt, ds, gs);
		}
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
		{
			uint32_t cnt[4] = { (uint32_t)(4 * W * rl), 1, 1, 1 };
			int64_t ds[4] = { 1, 0, 0, 0 };
			uint32_t gs[4] = { 1, 0, 0, 0 };

			if (!(c = eyr_cmdbuf_push(cb, EYRIE_OP_DMA_STORE)))
				return -ENOMEM;
			dma(c, bufs->out + item_out + r0 * 4 * W, 0, cnt, ds, gs);
		}
		if (!eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
			return -ENOMEM;
	}
	return 0;
}

int eyr_sched_emit_simple(const struct eyr_arch *arch, const struct eyr_plan *plan,
			  const struct eyr_layer *layer,
			  const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb)
{
	uint32_t start = cb->count;
	int ret;

	(void)arch;
	if (layer->shape.op != plan->shape.op || plan->fp32_rq != !!layer->quant.fp32_rq)
		return -EINVAL;
	ret = eyr_emit_lut_load(plan, layer, bufs, cb);
	if (ret)
		return ret;
	if (layer->shape.op == EYR_LAYER_ADD)
		ret = emit_add(plan, layer, bufs, cb);
	else if (layer->shape.op == EYR_LAYER_UPSAMPLE)
		ret = emit_upsample(plan, layer, bufs, cb);
	else if (layer->shape.op == EYR_LAYER_MAXPOOL || layer->shape.op == EYR_LAYER_AVGPOOL)
		ret = emit_pool(plan, layer, bufs, cb);
	else
		ret = -EINVAL;
	if (ret)
		cb->count = start;
	return ret;
}
