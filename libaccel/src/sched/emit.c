// SPDX-License-Identifier: MIT
/*
 * Command emission for conv and FC layers: walks the plan's DRAM-level loop
 * nest, loads a tensor's tile only when the tile changed since the last
 * iteration (the same rule the cost model counts), runs one pass per tile
 * (accumulating over C tiles in the GLB) and stores each finished output
 * tile. Order inside an iteration: loads, BARRIER, pass, BARRIER, store;
 * the store overlaps the next iteration's loads (different GLB regions).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

union eyrie_cmd *eyr_cmdbuf_push(struct eyr_cmdbuf *cb, enum eyrie_opcode op)
{
	union eyrie_cmd *c;

	if (cb->count == cb->capacity) {
		uint32_t cap = cb->capacity ? cb->capacity * 2 : 64;
		union eyrie_cmd *n = realloc(cb->cmds, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		cb->cmds = n;
		cb->capacity = cap;
	}
	c = &cb->cmds[cb->count++];
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = (__u8)op;
	return c;
}

int eyr_emit_lut_load(const struct eyr_plan *plan, const struct eyr_layer *layer,
		      const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb)
{
	union eyrie_cmd *c;

	if (plan->lut != !!layer->quant.lut || (plan->lut && !bufs->lut))
		return -EINVAL;
	if (!plan->lut)
		return 0;
	c = eyr_cmdbuf_push(cb, EYRIE_OP_LUT_LOAD);
	if (!c)
		return -ENOMEM;
	c->lut_load.dram_addr = bufs->lut;
	return 0;
}

struct pass_cache_entry {
	struct eyr_pass_shape ps;
	struct eyrie_mapping map;
};

struct emitter {
	const struct eyr_arch *arch;
	const struct eyr_plan *plan;
	const struct eyr_layer *layer;
	const struct eyr_layer_bufs *bufs;
	struct eyr_cmdbuf *cb;
	struct eyr_geom g;
	struct eyr_glb_layout lay;
	struct pass_cache_entry cache[64];
	unsigned int ncache;
};

static int pass_map(struct emitter *em, const struct eyr_pass_shape *ps,
		    struct eyrie_mapping *map)
{
	struct eyr_pass_cost pc;
	unsigned int i;
	int ret;

	for (i = 0; i < em->ncache; i++)
		if (!memcmp(&em->cache[i].ps, ps, sizeof(*ps))) {
			*map = em->cache[i].map;
			return 0;
		}
	ret = eyr_pass_best(em->arch, &em->g, em->plan->map.dataflow, em->plan->objective,
			    ps, em->plan->map.place_in, em->plan->map.place_w, map, &pc);
	if (ret)
		return ret;
	if (em->ncache < sizeof(em->cache) / sizeof(em->cache[0])) {
		em->cache[em->ncache].ps = *ps;
		em->cache[em->ncache].map = *map;
		em->ncache++;
	}
	return 0;
}

static void dma(union eyrie_cmd *c, uint64_t dram, uint32_t glb, uint32_t elem,
		const uint32_t count[4], const int64_t dstride[4],
		const uint32_t gstride[4])
{
	int i;

	c->dma.dram_addr = dram;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = elem;
	for (i = 0; i < 4; i++) {
		c->dma.count[i] = count[i];
		c->dma.dram_stride[i] = dstride[i];
		c->dma.glb_stride[i] = gstride[i];
	}
}

struct tile {
	uint32_t o[EYR_DIMS], l[EYR_DIMS];	/* origin and length per dim */
	struct eyr_span rows, cols;
};

static int emit_iteration(struct emitter *em, const struct tile *t,
			  const uint32_t idx[EYR_DIMS], int load_in, int load_w,
			  int load_b)
{
	const struct eyr_geom *g = &em->g;
	const struct eyr_layer *ly = em->layer;
	const struct eyr_layer_shape *sh = &em->plan->shape;
	const struct eyr_mapping *m = &em->plan->map;
	uint32_t gl = t->l[EYR_DIM_G], ml = t->l[EYR_DIM_M], cl = t->l[EYR_DIM_C];
	uint32_t nl = t->l[EYR_DIM_N], el = t->l[EYR_DIM_E], fl = t->l[EYR_DIM_F];
	uint64_t cg = g->ext[EYR_DIM_C], mg = g->ext[EYR_DIM_M];
	uint64_t ch0 = (uint64_t)t->o[EYR_DIM_G] * cg + t->o[EYR_DIM_C];
	uint64_t k0 = (uint64_t)t->o[EYR_DIM_G] * mg + t->o[EYR_DIM_M];
	uint64_t rs = (uint64_t)g->r * g->s, H = g->h, W = g->w;
	uint64_t E = g->ext[EYR_DIM_E], F = g->ext[EYR_DIM_F];
	uint32_t chans = gl * cl, mall = gl * ml;
	int first_c = idx[EYR_DIM_C] == 0;
	int last_c = idx[EYR_DIM_C] == m->tiles[EYR_DIM_C] - 1;
	int has_bias = em->plan->has_bias, per_channel = em->plan->per_channel;
	int i32 = em->plan->int32_out;
	struct eyr_pass_shape ps = { 0 };
	struct eyrie_mapping pmap;
	union eyrie_cmd *c;
	int ret;

	if (load_in) {
		uint32_t cnt[4] = { t->cols.len, t->rows.len, chans, nl };
		int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), (int64_t)(sh->c * H * W) };
		uint32_t gs[4] = { 1, t->cols.len, t->rows.len * t->cols.len,
				   chans * t->rows.len * t->cols.len };

		c = eyr_cmdbuf_push(em->cb, EYRIE_OP_DMA_LOAD);
		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->in + (((uint64_t)t->o[EYR_DIM_N] * sh->c + ch0) * H +
				       t->rows.lo) * W + t->cols.lo,
		    em->lay.in, 1, cnt, ds, gs);
	}
	if (load_w) {
		uint32_t cnt[4] = { (uint32_t)(cl * rs), mall, 1, 1 };
		int64_t ds[4] = { 1, (int64_t)(cg * rs), 0, 0 };
		uint32_t gs[4] = { 1, (uint32_t)(cl * rs), 0, 0 };

		c = eyr_cmdbuf_push(em->cb, EYRIE_OP_DMA_LOAD);
		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->weights + (k0 * cg + t->o[EYR_DIM_C]) * rs, em->lay.w, 1,
		    cnt, ds, gs);
	}
	if (load_b && has_bias) {
		uint32_t cnt[4] = { mall, 1, 1, 1 };
		int64_t ds[4] = { 4, 0, 0, 0 };
		uint32_t gs[4] = { 4, 0, 0, 0 };

		c = eyr_cmdbuf_push(em->cb, EYRIE_OP_DMA_LOAD);
		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->bias + 4 * k0, em->lay.bias, 4, cnt, ds, gs);
	}
	if (load_b && per_channel) {
		uint32_t cnt[4] = { mall, 2, 1, 1 };
		int64_t ds[4] = { 4, 4 * (int64_t)sh->m, 0, 0 };
		uint32_t gs[4] = { 4, 4 * mall, 0, 0 };

		c = eyr_cmdbuf_push(em->cb, EYRIE_OP_DMA_LOAD);
		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->quant + 4 * k0, em->lay.quant, 4, cnt, ds, gs);
	}
	if (!eyr_cmdbuf_push(em->cb, EYRIE_OP_BARRIER))
		return -ENOMEM;

	ps.n = nl;
	ps.g = gl;
	ps.m = ml;
	ps.c = cl;
	ps.e = el;
	ps.f = fl;
	ps.in_h = t->rows.len;
	ps.in_w = t->cols.len;
	ps.pad_t = t->rows.pad;
	ps.pad_l = t->cols.pad;
	ps.accumulate = !first_c;
	ps.bias = first_c && has_bias;
	ps.per_channel = last_c && per_channel;
	ret = pass_map(em, &ps, &pmap);
	if (ret)
		return ret;
	c = eyr_cmdbuf_push(em->cb, g->op == EYR_LAYER_FC ? EYRIE_OP_FC : EYRIE_OP_CONV);
	if (!c)
		return -ENOMEM;
	c->hdr.dataflow = (__u8)m->dataflow;
	c->hdr.flags = (first_c && has_bias ? EYRIE_PASS_F_BIAS : 0) |
		       (!first_c ? EYRIE_PASS_F_ACCUMULATE : 0) |
		       (last_c && !i32 ? EYRIE_PASS_F_REQUANT : 0) |
		       (last_c && per_channel ? EYRIE_PASS_F_PER_CHANNEL : 0) |
		       (last_c && !i32 && em->plan->lut ? EYRIE_PASS_F_LUT : 0);
	c->conv.in_addr = em->lay.in;
	c->conv.w_addr = em->lay.w;
	c->conv.bias_addr = (first_c && has_bias) ? em->lay.bias : 0;
	/* an int32 output is the last pass's psums, written without REQUANT */
	c->conv.psum_addr = m->tiles[EYR_DIM_C] > 1 || i32 ? em->lay.psum : 0;
	c->conv.out_addr = last_c && !i32 ? em->lay.out : 0;
	c->conv.n = (__u16)nl;
	c->conv.c = (__u16)chans;
	c->conv.m = (__u16)mall;
	c->conv.groups = (__u16)gl;
	c->conv.in_h = (__u16)t->rows.len;
	c->conv.in_w = (__u16)t->cols.len;
	c->conv.out_h = (__u16)el;
	c->conv.out_w = (__u16)fl;
	c->conv.r = (__u8)g->r;
	c->conv.s = (__u8)g->s;
	c->conv.stride_h = (__u8)g->sh;
	c->conv.stride_w = (__u8)g->sw;
	c->conv.dil_h = (__u8)g->dh;
	c->conv.dil_w = (__u8)g->dw;
	c->conv.pad_t = (__u8)t->rows.pad;
	c->conv.pad_l = (__u8)t->cols.pad;
	c->conv.zp_in = (__s16)ly->quant.zp_in;
	c->conv.zp_w = (__s16)ly->quant.zp_w;
	/* the device wants q all zero on passes that do not requantize */
	if (last_c && !i32) {
		c->conv.q.mult = per_channel ? 0 : ly->quant.mult;
		c->conv.q.shift = per_channel ? 0 : ly->quant.shift;
		c->conv.q.quant_addr = per_channel ? em->lay.quant : 0;
		c->conv.q.zp_out = (__s16)ly->quant.zp_out;
		c->conv.q.clamp_min = (__s8)ly->quant.clamp_min;
		c->conv.q.clamp_max = (__s8)ly->quant.clamp_max;
	}
	c->conv.map = pmap;
	if (!eyr_cmdbuf_push(em->cb, EYRIE_OP_BARRIER))
		return -ENOMEM;

	if (last_c) {
		/* strides in bytes: elements of 1 byte (int8) or 4 (int32 output) */
		uint32_t eb = i32 ? 4 : 1;
		uint32_t cnt[4] = { fl, el, mall, nl };
		int64_t ds[4] = { eb, (int64_t)eb * F, (int64_t)eb * E * F, (int64_t)eb * sh->m * E * F };
		uint32_t gs[4] = { eb, eb * fl, eb * el * fl, eb * mall * el * fl };

		c = eyr_cmdbuf_push(em->cb, EYRIE_OP_DMA_STORE);
		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->out + eb * ((((uint64_t)t->o[EYR_DIM_N] * sh->m + k0) * E +
					      t->o[EYR_DIM_E]) * F + t->o[EYR_DIM_F]),
		    i32 ? em->lay.psum : em->lay.out, eb, cnt, ds, gs);
	}
	return 0;
}

static int same_shape(const struct eyr_layer_shape *a, const struct eyr_layer_shape *b)
{
	uint32_t ga = a->groups ? a->groups : 1, gb = b->groups ? b->groups : 1;

	if (a->op != b->op || a->n != b->n || a->c != b->c || a->m != b->m)
		return 0;
	if (a->op == EYR_LAYER_FC)
		return 1;
	return ga == gb && a->h == b->h && a->w == b->w && a->r == b->r && a->s == b->s &&
	       a->stride_h == b->stride_h && a->stride_w == b->stride_w &&
	       a->pad_t == b->pad_t && a->pad_b == b->pad_b && a->pad_l == b->pad_l &&
	       a->pad_r == b->pad_r && a->dil_h == b->dil_h && a->dil_w == b->dil_w;
}

int eyr_sched_emit(const struct eyr_arch *arch, const struct eyr_plan *plan,
		   const struct eyr_layer *layer, const struct eyr_layer_bufs *bufs,
		   struct eyr_cmdbuf *cb)
{
	struct emitter *em;
	const struct eyr_mapping *m = &plan->map;
	struct eyr_tile_bytes tb;
	struct eyr_dim_tiling te, tf;
	uint32_t idx[EYR_DIMS] = { 0 }, last_in[EYR_DIMS], last_w[EYR_DIMS];
	uint32_t start = cb->count;
	int have_in = 0, have_w = 0, ret = 0, d, done = 0;

	if (layer->shape.op != EYR_LAYER_CONV && layer->shape.op != EYR_LAYER_FC)
		return eyr_sched_emit_simple(arch, plan, layer, bufs, cb);
	if (!same_shape(&layer->shape, &plan->shape))
		return -EINVAL;
	if (plan->per_channel != !!layer->quant.per_channel ||
	    plan->has_bias != !!layer->quant.has_bias ||
	    plan->int32_out != !!layer->quant.int32_out)
		return -EINVAL;
	em = calloc(1, sizeof(*em));
	if (!em)
		return -ENOMEM;
	em->arch = arch;
	em->plan = plan;
	em->layer = layer;
	em->bufs = bufs;
	em->cb = cb;
	ret = eyr_geom_init(&em->g, &plan->shape, NULL, 0);
	em->g.out_bytes = plan->int32_out ? 4 : 1;
	if (!ret)
		ret = eyr_dim_tiling_init(&em->g, EYR_DIM_E, m->tile[EYR_DIM_E], &te);
	if (!ret)
		ret = eyr_dim_tiling_init(&em->g, EYR_DIM_F, m->tile[EYR_DIM_F], &tf);
	if (ret)
		goto out;
	eyr_tile_bytes(&em->g, m, te.max_in, tf.max_in, plan->per_channel, &tb);
	eyr_glb_layout(&tb, m, plan->has_bias, &em->lay);
	if (em->lay.glb_bytes > arch->glb_bytes || em->lay.stream_bytes > arch->stream_bytes) {
		ret = -ENOSPC;
		goto out;
	}
	ret = eyr_emit_lut_load(plan, layer, bufs, cb);
	if (ret)
		goto out;
	/* odometer over the loop nest, innermost (last in order) fastest */
	while (!done) {
		struct tile t;
		int load_in, load_w, load_b;

		for (d = 0; d < EYR_DIMS; d++) {
			t.o[d] = idx[d] * m->tile[d];
			t.l[d] = m->tile[d] < em->g.ext[d] - t.o[d] ? m->tile[d] : em->g.ext[d] - t.o[d];
		}
		eyr_geom_span_rows(&em->g, t.o[EYR_DIM_E], t.l[EYR_DIM_E], &t.rows);
		eyr_geom_span_cols(&em->g, t.o[EYR_DIM_F], t.l[EYR_DIM_F], &t.cols);
		load_in = !have_in || last_in[EYR_DIM_N] != idx[EYR_DIM_N] ||
			  last_in[EYR_DIM_G] != idx[EYR_DIM_G] || last_in[EYR_DIM_E] != idx[EYR_DIM_E] ||
			  last_in[EYR_DIM_F] != idx[EYR_DIM_F] || last_in[EYR_DIM_C] != idx[EYR_DIM_C];
		load_w = !have_w || last_w[EYR_DIM_G] != idx[EYR_DIM_G] ||
			 last_w[EYR_DIM_M] != idx[EYR_DIM_M] || last_w[EYR_DIM_C] != idx[EYR_DIM_C];
		/* bias and quant table: per (G, M) tile, needed from the first C pass */
		load_b = idx[EYR_DIM_C] == 0 &&
			 (!have_w || last_w[EYR_DIM_G] != idx[EYR_DIM_G] ||
			  last_w[EYR_DIM_M] != idx[EYR_DIM_M]);
		ret = emit_iteration(em, &t, idx, load_in, load_w, load_b);
		if (ret)
			break;
		memcpy(last_in, idx, sizeof(idx));
		memcpy(last_w, idx, sizeof(idx));
		have_in = have_w = 1;
		for (d = EYR_DIMS - 1; d >= 0; d--) {
			unsigned int dim = m->order[d];

			if (++idx[dim] < m->tiles[dim])
				break;
			idx[dim] = 0;
			if (d == 0)
				done = 1;
		}
	}
	if (!ret && !eyr_cmdbuf_push(cb, EYRIE_OP_BARRIER))
		ret = -ENOMEM;
out:
	if (ret)
		cb->count = start;
	free(em);
	return ret;
}
