// SPDX-License-Identifier: MIT
/*
 * Layer chains (layer fusion, docs/scheduler.md "Layer fusion"): several
 * layers in one command stream, the tensors between them kept in the GLB.
 *
 * First what a chain's traffic and time cannot go under: which
 * consecutive layers form a chain (an inverted-residual block's 1x1 expand
 * -> 3x3 depthwise -> 1x1 project, or a part of it), a chain's compulsory
 * DRAM traffic (its input, every weight, bias and table, its output, each
 * once) and the latency floor of a network whose chains each run as one
 * stream. Then the depthwise -> project chain's planner and emitter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

static int is_pointwise(const struct eyr_layer_shape *s)
{
	return s->op == EYR_LAYER_CONV && (s->groups ? s->groups : 1) == 1 && s->r == 1 &&
	       s->s == 1 && s->stride_h == 1 && s->stride_w == 1 && !s->pad_t && !s->pad_b &&
	       !s->pad_l && !s->pad_r;
}

/* A 3x3 depthwise conv of stride 1 or 2 in both directions, undilated. */
int eyr_chain_is_dw(const struct eyr_layer_shape *s)
{
	return s->op == EYR_LAYER_CONV && s->groups == s->c && s->c == s->m && s->r == 3 &&
	       s->s == 3 && s->stride_h == s->stride_w && (s->stride_h == 1 || s->stride_h == 2) &&
	       s->dil_h == 1 && s->dil_w == 1;
}

/* b reads exactly a's output: same batch, channels and spatial size. */
static int feeds(const struct eyr_layer_shape *a, const struct eyr_layer_shape *b)
{
	return a->n == b->n && a->m == b->c && eyr_layer_out_h(a) == b->h &&
	       eyr_layer_out_w(a) == b->w;
}

enum eyr_chain_link eyr_chain_link(const struct eyr_layer_shape *a,
				   const struct eyr_layer_shape *b)
{
	if (!feeds(a, b))
		return EYR_LINK_NONE;
	if (is_pointwise(a) && eyr_chain_is_dw(b))
		return EYR_LINK_E_DW;
	if (eyr_chain_is_dw(a) && is_pointwise(b))
		return EYR_LINK_DW_P;
	return EYR_LINK_NONE;
}

void eyr_chain_bound(const struct eyr_layer_shape *ls, unsigned int n, int has_bias,
		     int per_channel, uint64_t *words, uint64_t *bytes)
{
	uint64_t w = 0, b = 0;
	unsigned int i;

	*words = *bytes = 0;
	for (i = 0; i < n; i++) {
		struct eyr_geom g;
		uint64_t mall, cin;

		if (eyr_geom_init(&g, &ls[i], NULL, 0))
			continue;	/* not a conv/FC layer: nothing of it is bounded */
		mall = (uint64_t)g.ext[EYR_DIM_G] * g.ext[EYR_DIM_M];
		cin = (uint64_t)g.ext[EYR_DIM_G] * g.ext[EYR_DIM_C];
		if (i == 0) {
			/* rows and columns no window reads are not needed */
			uint64_t in = g.ext[EYR_DIM_N] * cin * eyr_geom_touched_rows(&g) *
				      eyr_geom_touched_cols(&g);

			*words += in;
			*bytes += in;
		}
		w += mall * g.ext[EYR_DIM_C] * g.r * g.s;
		b += (has_bias ? mall : 0) + (per_channel ? 2 * mall : 0);
		if (i == n - 1) {
			uint64_t out = g.ext[EYR_DIM_N] * mall * g.ext[EYR_DIM_E] *
				       g.ext[EYR_DIM_F];

			*words += out;
			*bytes += out;
		}
	}
	*words += w + b;
	*bytes += w + 4 * b;
}

/* The floor of one stream running layers ls[0..n) one after the other. */
static uint64_t stream_floor(const struct eyr_arch *arch, const struct eyr_layer_shape *ls,
			     unsigned int n, uint64_t *dram_bound)
{
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols, pk = 0, words, bytes, db;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct eyr_geom g;

		/* the array runs the passes of the layers one after the other */
		if (!eyr_geom_init(&g, &ls[i], NULL, 0))
			pk += (g.macs + pes - 1) / pes;
	}
	eyr_chain_bound(ls, n, 1, 0, &words, &bytes);
	db = (bytes + arch->dram_bytes_per_cycle - 1) / arch->dram_bytes_per_cycle;
	if (db > pk)
		*dram_bound += db;
	return db > pk ? db : pk;
}

uint64_t eyr_chain_network_floor(const struct eyr_arch *arch,
				 const struct eyr_layer_shape *ls, unsigned int n,
				 unsigned int links, uint64_t *dram_bound)
{
	uint64_t cycles = 0, db = 0;
	unsigned int i = 0;

	while (i < n) {
		unsigned int j = i + 1;

		while (j < n && (links & EYR_LINK_MASK(eyr_chain_link(&ls[j - 1], &ls[j]))))
			j++;
		cycles += stream_floor(arch, ls + i, j - i, &db);
		i = j;
	}
	if (dram_bound)
		*dram_bound = db;
	return cycles;
}

/* ---------------------------------------------------------------------
 * Depthwise -> project chains: one stream, the depthwise output in the GLB.
 *
 * The depthwise output is cut into bands of rows (map.band) and its
 * channels into tiles (map.ctile); the loop runs over bands, and inside a
 * band over the channel tiles. Per (band, tile) the DMA loads the tile's
 * input rows of the band (all columns the windows read, every image), the
 * array runs the depthwise pass into the GLB (REQUANT to int8, the
 * depthwise layer's quantization) and then, per tile, a project pass that
 * reads those int8 bytes and accumulates over the tiles into int32 psums
 * (ACCUMULATE; BIAS on the first tile, REQUANT on the last), or with
 * proj_whole one project pass per band over the depthwise output of every
 * tile. The DMA stores the band's int8 output. Weights, bias and tables
 * are loaded once (w_resident) or the weights per (band, tile). With one
 * channel tile the input can be a ring of rows (CAP_IN_RING, in_ring): a
 * band loads only the rows below the band before it. A pass
 * reading what an earlier pass wrote needs nothing more (the array runs in
 * buffer order); the DMA and the array hand over with the events of
 * emit.c (EYR_EV_LOADED, EYR_EV_STORED, EYR_EV_PASS), or alternate at barriers.
 *
 * The plan's cost is what walking the stream adds up: every DMA's words
 * and the device's time lines (eyr_timeline_cmd), every pass's counts from
 * the pass search (eyr_pass_best_shared), so prediction == measurement
 * holds by construction, with the same walk as the emission.
 * --------------------------------------------------------------------- */
enum { CL_DW = 0, CL_PW = 1 };

struct chain_layout {
	uint32_t in[2], dww[2], pww[2], dwb, dwq, pwb, pwq, dwout, psum, out[2];
	uint64_t glb_bytes;
};

struct chain_pass_entry {
	int layer;
	struct eyr_pass_shape ps;
	struct eyrie_mapping map;
	struct eyr_pass_cost pc;
};

struct chain_em {
	const struct eyr_arch *arch;
	const struct eyr_chain_plan *plan;
	const struct eyr_chain_map *m;
	const struct eyr_layer *ly[2];
	const struct eyr_layer_bufs *bufs[2];
	struct eyr_cmdbuf *cb;		/* NULL: walk only (timing and counts) */
	struct eyr_geom g[2];
	struct chain_layout lay;
	struct eyr_timeline tl;
	struct eyr_cost cost;
	uint32_t count;
	union eyrie_cmd scratch;
	struct chain_pass_entry cache[32];
	unsigned int ncache;
	int64_t passes, dma_waited;
	uint32_t nin, nw, nout;
	uint32_t in_loads, w_loads;
	int64_t in_user[2], w_user[2];
	int out_stored[2];
	uint32_t in_rows_max;		/* rows of the largest band's input */
	/*
	 * Halo reuse (map.in_ring): the input region is a ring of ring_rows
	 * rows per plane, as emit.c's: rows go in at ring_v (a count of
	 * every row loaded), ring_v0 is where the current band's first row
	 * is, ring_span the current band's input rows.
	 */
	uint32_t ring_rows;
	uint64_t ring_v, ring_v0;
	struct eyr_span ring_span;
	/* a walk without a stream: the addresses and quantization of nothing */
	struct eyr_layer dry_ly;
	struct eyr_layer_bufs dry_bufs;
	struct eyr_span cols;		/* the input columns (every band the same) */
};

static uint64_t al4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

static void chain_region(uint64_t *top, uint64_t bytes, int two, uint32_t r[2])
{
	r[0] = (uint32_t)*top;
	*top = al4(*top + bytes);
	r[1] = r[0];
	if (two) {
		r[1] = (uint32_t)*top;
		*top = al4(*top + bytes);
	}
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The GLB layout of a chain mapping (every region 4-byte aligned). */
static void chain_layout(const struct chain_em *em, struct chain_layout *lay)
{
	const struct eyr_chain_map *m = em->m;
	const struct eyr_chain_plan *p = em->plan;
	uint64_t top = 0, N = p->dw.n, C = p->dw.c, M = p->pw.m, F = em->g[CL_DW].ext[EYR_DIM_F];
	uint64_t t = m->ctile, B = m->band;
	uint32_t r[2];

	memset(lay, 0, sizeof(*lay));
	if (m->in_ring)	/* a double-buffered ring: two bands' rows at one pitch */
		chain_region(&top, N * t * em->ring_rows * em->cols.len, 0, lay->in);
	else
		chain_region(&top, N * t * em->in_rows_max * em->cols.len, em->nin == 2, lay->in);
	chain_region(&top, (m->w_resident ? C : t) * 9, em->nw == 2, lay->dww);
	chain_region(&top, (m->w_resident ? C : t) * M, em->nw == 2, lay->pww);
	chain_region(&top, p->has_bias[CL_DW] ? 4 * C : 0, 0, r);
	lay->dwb = r[0];
	chain_region(&top, p->per_channel[CL_DW] ? 8 * C : 0, 0, r);
	lay->dwq = r[0];
	chain_region(&top, p->has_bias[CL_PW] ? 4 * M : 0, 0, r);
	lay->pwb = r[0];
	chain_region(&top, p->per_channel[CL_PW] ? 8 * M : 0, 0, r);
	lay->pwq = r[0];
	chain_region(&top, N * (m->proj_whole ? C : t) * B * F, 0, r);
	lay->dwout = r[0];
	chain_region(&top, !m->proj_whole && m->ctiles > 1 ? 4 * N * M * B * F : 0, 0, r);
	lay->psum = r[0];
	chain_region(&top, N * M * B * F, em->nout == 2, lay->out);
	lay->glb_bytes = top;
}

static union eyrie_cmd *cpush(struct chain_em *em, enum eyrie_opcode op)
{
	em->count++;
	if (em->cb)
		return eyr_cmdbuf_push(em->cb, op);
	memset(&em->scratch, 0, sizeof(em->scratch));
	em->scratch.hdr.opcode = (__u8)op;
	return &em->scratch;
}

static int cevent(struct chain_em *em, enum eyrie_opcode op, uint32_t ev, enum eyrie_engine e)
{
	union eyrie_cmd *c = cpush(em, op);

	if (!c)
		return -ENOMEM;
	c->event.event = ev;
	c->event.engine = e;
	eyr_timeline_cmd(&em->tl, c, 0);
	return 0;
}

static int cbarrier(struct chain_em *em)
{
	union eyrie_cmd *c = cpush(em, EYRIE_OP_BARRIER);

	if (!c)
		return -ENOMEM;
	eyr_timeline_cmd(&em->tl, c, 0);
	return 0;
}

/* As emit.c's dma_wait_pass: the DMA waits for pass q (or a later one). */
static int cwait_pass(struct chain_em *em, int64_t q)
{
	int64_t r;

	if (q < 0 || !em->m->events)
		return 0;
	r = q + (em->passes - 1 - q) / 8 * 8;
	if (r <= em->dma_waited)
		return 0;
	em->dma_waited = r;
	return cevent(em, EYRIE_OP_EVENT_WAIT, EYR_EV_PASS(q), EYRIE_ENGINE_DMA);
}

/* One DMA: counts (every word once in DRAM and once in the GLB) and time. */
static int cdma(struct chain_em *em, enum eyrie_opcode op, uint64_t dram, uint32_t glb,
		uint32_t eb, const uint32_t cnt[4], const int64_t ds[4], const uint32_t gs[4],
		uint64_t *tally)
{
	union eyrie_cmd *c = cpush(em, op);
	uint64_t elems = (uint64_t)cnt[0] * cnt[1] * cnt[2] * cnt[3];
	int i;

	if (!c)
		return -ENOMEM;
	c->dma.dram_addr = dram;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = eb;
	for (i = 0; i < 4; i++) {
		c->dma.count[i] = cnt[i];
		c->dma.dram_stride[i] = ds[i];
		c->dma.glb_stride[i] = gs[i];
	}
	em->cost.dram_words += elems;
	em->cost.dram_bytes += elems * eb;
	em->cost.access[EYRIE_ENERGY_DRAM] += elems;
	em->cost.access[EYRIE_ENERGY_GLB] += elems;
	if (tally)
		*tally += elems;
	eyr_timeline_cmd(&em->tl, c, eyr_dma_cycles(em->arch, elems, eb));
	return 0;
}

/* A 1-D load of n elements of eb bytes. */
static int cload1(struct chain_em *em, uint64_t dram, uint32_t glb, uint32_t eb, uint32_t n,
		  uint64_t *tally)
{
	uint32_t cnt[4] = { n, 1, 1, 1 };
	int64_t ds[4] = { eb, 0, 0, 0 };
	uint32_t gs[4] = { eb, 0, 0, 0 };

	return cdma(em, EYRIE_OP_DMA_LOAD, dram, glb, eb, cnt, ds, gs, tally);
}

/*
 * A per-channel table slice of channels [k0, k0 + t) of a layer of `all`
 * channels: t multipliers then t shifts, as a pass of t channels reads it.
 */
static int cload_q(struct chain_em *em, uint64_t dram, uint32_t glb, uint32_t all,
		   uint32_t k0, uint32_t t)
{
	uint32_t cnt[4] = { t, 2, 1, 1 };
	int64_t ds[4] = { 4, 4 * (int64_t)all, 0, 0 };
	uint32_t gs[4] = { 4, 4 * t, 0, 0 };

	return cdma(em, EYRIE_OP_DMA_LOAD, dram + 4ull * k0, glb, 4, cnt, ds, gs, NULL);
}

/* Project weights of input channels [k0, k0 + t): M rows of t. */
static int cload_pww(struct chain_em *em, uint32_t glb, uint32_t k0, uint32_t t)
{
	uint32_t C = em->plan->dw.c, M = em->plan->pw.m;
	uint32_t cnt[4] = { t, M, 1, 1 };
	int64_t ds[4] = { 1, C, 0, 0 };
	uint32_t gs[4] = { 1, t, 0, 0 };

	return cdma(em, EYRIE_OP_DMA_LOAD, em->bufs[CL_PW]->weights + k0, glb, 1, cnt, ds, gs,
		    &em->cost.w_words);
}

struct chain_step {
	uint32_t b, k;			/* band, channel tile */
	uint32_t e0, el;		/* depthwise output rows */
	uint32_t k0, tl;		/* channels */
	struct eyr_span rows;		/* the band's input rows */
	uint32_t in_slot, w_slot;
	uint32_t ring_row0;		/* in_ring: the ring slot of the band's first row */
};

static void chain_step_at(const struct chain_em *em, uint32_t b, uint32_t k,
			  struct chain_step *st)
{
	const struct eyr_chain_map *m = em->m;
	uint32_t E = em->g[CL_DW].ext[EYR_DIM_E], C = em->plan->dw.c;

	st->b = b;
	st->k = k;
	st->e0 = b * m->band;
	st->el = min_u32(m->band, E - st->e0);
	st->k0 = k * m->ctile;
	st->tl = min_u32(m->ctile, C - st->k0);
	eyr_geom_span_rows(&em->g[CL_DW], st->e0, st->el, &st->rows);
}

/* The resident tensors, loaded once at the start of the stream. */
static int chain_resident(struct chain_em *em)
{
	const struct eyr_chain_plan *p = em->plan;
	const struct eyr_chain_map *m = em->m;
	uint32_t C = p->dw.c, M = p->pw.m, k;
	int ret = 0;

	if (p->has_bias[CL_DW])
		ret = cload1(em, em->bufs[CL_DW]->bias, em->lay.dwb, 4, C, NULL);
	for (k = 0; !ret && p->per_channel[CL_DW] && k < m->ctiles; k++) {
		uint32_t k0 = k * m->ctile, t = min_u32(m->ctile, C - k0);

		ret = cload_q(em, em->bufs[CL_DW]->quant, em->lay.dwq + 8 * k0, C, k0, t);
	}
	if (!ret && p->has_bias[CL_PW])
		ret = cload1(em, em->bufs[CL_PW]->bias, em->lay.pwb, 4, M, NULL);
	if (!ret && p->per_channel[CL_PW])
		ret = cload_q(em, em->bufs[CL_PW]->quant, em->lay.pwq, M, 0, M);
	if (ret || !m->w_resident)
		return ret;
	ret = cload1(em, em->bufs[CL_DW]->weights, em->lay.dww[0], 1, 9 * C, &em->cost.w_words);
	if (m->proj_whole)
		return ret ? ret : cload_pww(em, em->lay.pww[0], 0, C);
	for (k = 0; !ret && k < m->ctiles; k++) {
		uint32_t k0 = k * m->ctile, t = min_u32(m->ctile, C - k0);

		ret = cload_pww(em, em->lay.pww[0] + M * k0, k0, t);
	}
	return ret;
}

/*
 * The rows a band loads into the ring after the band before it (one
 * channel tile: consecutive loads are consecutive bands): those below the
 * last band's (eyr_ring_step), at ring_v, wrapping (EYRIE_DMA_F_RING), as
 * emit.c's ring_load.
 */
static void chain_ring_new(const struct eyr_span *prev, const struct eyr_span *cur, int first,
			   uint32_t *y0, uint32_t *rows)
{
	if (first) {
		*y0 = cur->lo;
		*rows = cur->len;
	} else {
		eyr_ring_step(prev, cur, y0, rows);
	}
}

static int chain_ring_load(struct chain_em *em, struct chain_step *st)
{
	const struct eyr_chain_plan *p = em->plan;
	uint64_t N = p->dw.n, C = p->dw.c, H = p->dw.h, W = p->dw.w, at;
	uint32_t cl = em->cols.len, y0, rows;
	uint32_t cnt[4], gs[4];
	int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), (int64_t)(C * H * W) };
	union eyrie_cmd *c;
	int ret;

	chain_ring_new(&em->ring_span, &st->rows, st->b == 0, &y0, &rows);
	if (st->b && st->rows.lo < em->ring_span.lo + em->ring_span.len) {
		/* overlapping rows stay where they are: the new ones follow them */
		em->ring_v0 += st->rows.lo - em->ring_span.lo;
		at = em->ring_v0 + (y0 - st->rows.lo);
	} else {
		em->ring_v0 = em->ring_v;
		at = em->ring_v;
	}
	if (at + rows > em->ring_v)
		em->ring_v = at + rows;
	em->ring_span = st->rows;
	st->ring_row0 = (uint32_t)(em->ring_v0 % em->ring_rows);
	cnt[0] = cl;
	cnt[1] = rows;
	cnt[2] = st->tl;
	cnt[3] = (uint32_t)N;
	gs[0] = 1;
	gs[1] = cl;
	gs[2] = em->ring_rows * cl;
	gs[3] = st->tl * em->ring_rows * cl;
	ret = cdma(em, EYRIE_OP_DMA_LOAD,
		   em->bufs[CL_DW]->in + ((uint64_t)st->k0 * H + y0) * W + em->cols.lo,
		   em->lay.in[0], 1, cnt, ds, gs, &em->cost.in_words);
	if (ret)
		return ret;
	c = em->cb ? &em->cb->cmds[em->cb->count - 1] : &em->scratch;
	c->hdr.flags = EYRIE_DMA_F_RING;
	c->dma.ring_rows = em->ring_rows;
	c->dma.ring_row0 = (uint32_t)(at % em->ring_rows);
	return 0;
}

/* The loads of one step: its input tile, and its weights when not resident. */
static int chain_loads(struct chain_em *em, struct chain_step *st)
{
	const struct eyr_chain_plan *p = em->plan;
	uint64_t N = p->dw.n, C = p->dw.c, H = p->dw.h, W = p->dw.w;
	uint32_t cl = em->cols.len;
	int ret;

	st->in_slot = em->in_loads++ % em->nin;
	ret = cwait_pass(em, em->in_user[st->in_slot]);
	if (ret)
		return ret;
	if (em->m->in_ring) {
		ret = chain_ring_load(em, st);
		if (ret)
			return ret;
	} else {
		uint32_t cnt[4] = { cl, st->rows.len, st->tl, (uint32_t)N };
		int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), (int64_t)(C * H * W) };
		uint32_t gs[4] = { 1, cl, st->rows.len * cl, st->tl * st->rows.len * cl };

		ret = cdma(em, EYRIE_OP_DMA_LOAD,
			   em->bufs[CL_DW]->in + ((uint64_t)st->k0 * H + st->rows.lo) * W + em->cols.lo,
			   em->lay.in[st->in_slot], 1, cnt, ds, gs, &em->cost.in_words);
		if (ret)
			return ret;
	}
	if (!em->m->w_resident) {
		st->w_slot = em->w_loads++ % em->nw;
		ret = cwait_pass(em, em->w_user[st->w_slot]);
		if (!ret)
			ret = cload1(em, em->bufs[CL_DW]->weights + 9ull * st->k0,
				     em->lay.dww[st->w_slot], 1, 9 * st->tl, &em->cost.w_words);
		if (!ret)
			ret = cload_pww(em, em->lay.pww[st->w_slot], st->k0, st->tl);
		if (ret)
			return ret;
	}
	if (em->m->events)
		return cevent(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_LOADED, EYRIE_ENGINE_DMA);
	return 0;
}

static int chain_pass_cost(struct chain_em *em, int layer, const struct eyr_pass_shape *ps,
			   struct eyrie_mapping *map, struct eyr_pass_cost *pc)
{
	unsigned int i;
	int ret;

	for (i = 0; i < em->ncache; i++)
		if (em->cache[i].layer == layer && !memcmp(&em->cache[i].ps, ps, sizeof(*ps))) {
			*map = em->cache[i].map;
			*pc = em->cache[i].pc;
			return 0;
		}
	ret = eyr_pass_best_shared(em->arch, &em->g[layer], em->m->dataflow, em->plan->objective,
				   ps, EYR_PLACE_GLB, EYR_PLACE_GLB, map, pc);
	if (ret)
		return ret;
	if (em->ncache < sizeof(em->cache) / sizeof(em->cache[0])) {
		em->cache[em->ncache].layer = layer;
		em->cache[em->ncache].ps = *ps;
		em->cache[em->ncache].map = *map;
		em->cache[em->ncache].pc = *pc;
		em->ncache++;
	}
	return 0;
}

/* Fills a CONV pass's requantization from its layer (table at qaddr). */
static void cquant(union eyrie_cmd *c, const struct eyr_layer *ly, int per_channel,
		   uint32_t qaddr)
{
	c->conv.q.mult = per_channel ? 0 : ly->quant.mult;
	c->conv.q.shift = per_channel ? 0 : ly->quant.shift;
	c->conv.q.quant_addr = per_channel ? qaddr : 0;
	c->conv.q.zp_out = (__s16)ly->quant.zp_out;
	c->conv.q.clamp_min = (__s8)ly->quant.clamp_min;
	c->conv.q.clamp_max = (__s8)ly->quant.clamp_max;
}

static int cpass(struct chain_em *em, int layer, const struct eyr_pass_shape *ps,
		 union eyrie_cmd **out)
{
	struct eyrie_mapping map;
	struct eyr_pass_cost pc;
	union eyrie_cmd *c;
	int ret, l;

	ret = chain_pass_cost(em, layer, ps, &map, &pc);
	if (ret)
		return ret;
	c = cpush(em, EYRIE_OP_CONV);
	if (!c)
		return -ENOMEM;
	c->hdr.dataflow = (__u8)em->m->dataflow;
	c->conv.map = map;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		em->cost.access[l] += pc.access[l];
	eyr_timeline_cmd(&em->tl, c, pc.cycles);
	em->passes++;
	*out = c;
	return 0;
}

/* The shape of a step's depthwise pass (emission and the floor alike). */
static void chain_dw_shape(const struct chain_em *em, const struct chain_step *st,
			   struct eyr_pass_shape *ps)
{
	const struct eyr_chain_plan *p = em->plan;

	memset(ps, 0, sizeof(*ps));
	ps->n = p->dw.n;
	ps->g = st->tl;
	ps->m = ps->c = 1;
	ps->e = st->el;
	ps->f = em->g[CL_DW].ext[EYR_DIM_F];
	ps->in_h = st->rows.len;
	ps->in_w = em->cols.len;
	ps->pad_t = st->rows.pad;
	ps->pad_l = em->cols.pad;
	ps->bias = p->has_bias[CL_DW];
	ps->per_channel = p->per_channel[CL_DW];
}

/*
 * The shape of a step's project pass: over the tile, or (proj_whole) over
 * every channel; *first / *last: the first and the last pass into the
 * band's output.
 */
static void chain_pw_shape(const struct chain_em *em, const struct chain_step *st,
			   struct eyr_pass_shape *ps, int *first, int *last)
{
	const struct eyr_chain_plan *p = em->plan;
	int whole = em->m->proj_whole;

	*first = whole || st->k == 0;
	*last = whole || st->k == em->m->ctiles - 1;
	memset(ps, 0, sizeof(*ps));
	ps->n = p->pw.n;
	ps->g = 1;
	ps->m = p->pw.m;
	ps->c = whole ? p->dw.c : st->tl;
	ps->e = ps->in_h = st->el;
	ps->f = ps->in_w = em->g[CL_DW].ext[EYR_DIM_F];
	ps->accumulate = !*first;
	ps->bias = *first && p->has_bias[CL_PW];
	ps->per_channel = *last && p->per_channel[CL_PW];
}

/* The depthwise pass of a step: int8 out into the depthwise output region. */
static int chain_dw_pass(struct chain_em *em, const struct chain_step *st)
{
	const struct eyr_chain_plan *p = em->plan;
	const struct eyr_geom *g = &em->g[CL_DW];
	const struct eyr_layer *ly = em->ly[CL_DW];
	uint32_t F = g->ext[EYR_DIM_F];
	struct eyr_pass_shape ps;
	union eyrie_cmd *c;
	int ret;

	chain_dw_shape(em, st, &ps);
	ret = cpass(em, CL_DW, &ps, &c);
	if (ret)
		return ret;
	c->hdr.flags = (p->has_bias[CL_DW] ? EYRIE_PASS_F_BIAS : 0) | EYRIE_PASS_F_REQUANT |
		       (p->per_channel[CL_DW] ? EYRIE_PASS_F_PER_CHANNEL : 0) |
		       (p->fp32_rq[CL_DW] ? EYRIE_PASS_F_FP32_RQ : 0);
	/* the binary32 rule's multiply: every output of a requantizing pass, as the sim counts */
	if (p->fp32_rq[CL_DW])
		em->cost.fp32_rq += (uint64_t)p->dw.n * st->tl * st->el * F;
	c->conv.in_addr = em->lay.in[st->in_slot];
	if (em->m->in_ring) {
		c->hdr.flags |= EYRIE_PASS_F_IN_RING;
		c->conv.in_ring_rows = (__u16)em->ring_rows;
		c->conv.in_row0 = (__u16)st->ring_row0;
	}
	c->conv.w_addr = em->m->w_resident ? em->lay.dww[0] + 9 * st->k0 : em->lay.dww[st->w_slot];
	c->conv.bias_addr = p->has_bias[CL_DW] ? em->lay.dwb + 4 * st->k0 : 0;
	/* proj_whole: tile k's channels at their place in the band's block (n == 1) */
	c->conv.out_addr = em->lay.dwout + (em->m->proj_whole ? st->k0 * st->el * F : 0);
	c->conv.n = (__u16)p->dw.n;
	c->conv.c = c->conv.m = c->conv.groups = (__u16)st->tl;
	c->conv.in_h = (__u16)st->rows.len;
	c->conv.in_w = (__u16)em->cols.len;
	c->conv.out_h = (__u16)st->el;
	c->conv.out_w = (__u16)F;
	c->conv.r = (__u8)g->r;
	c->conv.s = (__u8)g->s;
	c->conv.stride_h = (__u8)g->sh;
	c->conv.stride_w = (__u8)g->sw;
	c->conv.dil_h = c->conv.dil_w = 1;
	c->conv.pad_t = (__u8)st->rows.pad;
	c->conv.pad_l = (__u8)em->cols.pad;
	c->conv.zp_in = (__s16)ly->quant.zp_in;
	c->conv.zp_w = (__s16)ly->quant.zp_w;
	cquant(c, ly, p->per_channel[CL_DW], em->lay.dwq + 8 * st->k0);
	em->in_user[st->in_slot] = em->passes - 1;
	if (!em->m->w_resident)
		em->w_user[st->w_slot] = em->passes - 1;
	return 0;
}

/*
 * The project pass of a step (every tile, or with proj_whole the band's
 * last over all channels): int32 psums over the tiles, int8 out on the last.
 */
static int chain_pw_pass(struct chain_em *em, const struct chain_step *st)
{
	const struct eyr_chain_plan *p = em->plan;
	const struct eyr_chain_map *m = em->m;
	const struct eyr_layer *ly = em->ly[CL_PW];
	uint32_t F = em->g[CL_DW].ext[EYR_DIM_F], M = p->pw.m;
	int whole = m->proj_whole, first, last, acc = !whole && m->ctiles > 1;
	uint32_t os = st->b % em->nout;
	struct eyr_pass_shape ps;
	union eyrie_cmd *c;
	int ret;

	chain_pw_shape(em, st, &ps, &first, &last);

	/* the pass that writes the output slot waits until its last store is out */
	if (last && m->events && em->out_stored[os]) {
		ret = cevent(em, EYRIE_OP_EVENT_WAIT, EYR_EV_STORED(os), EYRIE_ENGINE_ARRAY);
		if (ret)
			return ret;
	}
	ret = cpass(em, CL_PW, &ps, &c);
	if (ret)
		return ret;
	c->hdr.flags = (ps.bias ? EYRIE_PASS_F_BIAS : 0) |
		       (!first ? EYRIE_PASS_F_ACCUMULATE : 0) |
		       (last ? EYRIE_PASS_F_REQUANT : 0) |
		       (ps.per_channel ? EYRIE_PASS_F_PER_CHANNEL : 0) |
		       (last && p->fp32_rq[CL_PW] ? EYRIE_PASS_F_FP32_RQ : 0);
	if (last && p->fp32_rq[CL_PW])
		em->cost.fp32_rq += (uint64_t)p->pw.n * M * st->el * F;
	c->conv.in_addr = em->lay.dwout;
	c->conv.w_addr = !m->w_resident ? em->lay.pww[st->w_slot] :
			 em->lay.pww[0] + (whole ? 0 : M * st->k0);
	c->conv.bias_addr = ps.bias ? em->lay.pwb : 0;
	c->conv.psum_addr = acc ? em->lay.psum : 0;
	c->conv.out_addr = last ? em->lay.out[os] : 0;
	c->conv.n = (__u16)p->pw.n;
	c->conv.c = (__u16)ps.c;
	c->conv.m = (__u16)M;
	c->conv.groups = 1;
	c->conv.in_h = c->conv.out_h = (__u16)st->el;
	c->conv.in_w = c->conv.out_w = (__u16)F;
	c->conv.r = c->conv.s = c->conv.stride_h = c->conv.stride_w = 1;
	c->conv.dil_h = c->conv.dil_w = 1;
	c->conv.zp_in = (__s16)ly->quant.zp_in;
	c->conv.zp_w = (__s16)ly->quant.zp_w;
	if (last)
		cquant(c, ly, p->per_channel[CL_PW], em->lay.pwq);
	if (!m->w_resident)
		em->w_user[st->w_slot] = em->passes - 1;
	return 0;
}

static int chain_store(struct chain_em *em, const struct chain_step *st)
{
	const struct eyr_chain_plan *p = em->plan;
	uint64_t N = p->pw.n, M = p->pw.m;
	uint64_t E = em->g[CL_DW].ext[EYR_DIM_E], F = em->g[CL_DW].ext[EYR_DIM_F];
	uint32_t os = st->b % em->nout, el = st->el;
	uint32_t cnt[4] = { (uint32_t)F, el, (uint32_t)M, (uint32_t)N };
	int64_t ds[4] = { 1, (int64_t)F, (int64_t)(E * F), (int64_t)(M * E * F) };
	uint32_t gs[4] = { 1, (uint32_t)F, el * (uint32_t)F, (uint32_t)(M * el * F) };
	int ret;

	ret = cwait_pass(em, em->passes - 1);
	if (!ret)
		ret = cdma(em, EYRIE_OP_DMA_STORE, em->bufs[CL_PW]->out + st->e0 * F,
			   em->lay.out[os], 1, cnt, ds, gs, NULL);
	if (ret || !em->m->events)
		return ret;
	em->out_stored[os] = 1;
	return cevent(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_STORED(os), EYRIE_ENGINE_DMA);
}

/*
 * The whole chain: into em->cb (or walked only), em->cost and em->tl end
 * as what the device measures.
 */
static int chain_walk(struct chain_em *em)
{
	const struct eyr_chain_map *m = em->m;
	struct chain_step cur, nxt;
	uint32_t b, k;
	int ret;

	memset(&em->tl, 0, sizeof(em->tl));
	memset(&em->cost, 0, sizeof(em->cost));
	em->count = 0;
	em->passes = 0;
	em->dma_waited = -1;
	em->in_loads = em->w_loads = 0;
	em->in_user[0] = em->in_user[1] = em->w_user[0] = em->w_user[1] = -1;
	em->out_stored[0] = em->out_stored[1] = 0;
	em->nin = m->dbuf & EYR_DBUF_IN ? 2 : 1;
	em->nw = m->dbuf & EYR_DBUF_W ? 2 : 1;
	em->nout = m->dbuf & EYR_DBUF_OUT ? 2 : 1;
	em->ring_rows = em->in_rows_max * em->nin;
	em->ring_v = em->ring_v0 = 0;
	chain_layout(em, &em->lay);
	/* the pass's ring rows are 16-bit */
	if (em->lay.glb_bytes > em->arch->glb_bytes || (m->in_ring && em->ring_rows > 0xffff))
		return -ENOSPC;
	ret = chain_resident(em);
	chain_step_at(em, 0, 0, &cur);
	if (!ret)
		ret = chain_loads(em, &cur);
	nxt = cur;
	for (b = 0; !ret && b < m->bands; b++)
	for (k = 0; !ret && k < m->ctiles; k++) {
		int more = b + 1 < m->bands || k + 1 < m->ctiles;
		int proj = !m->proj_whole || k == m->ctiles - 1;

		ret = m->events ? cevent(em, EYRIE_OP_EVENT_WAIT, EYR_EV_LOADED, EYRIE_ENGINE_ARRAY) :
				  cbarrier(em);
		if (!ret)
			ret = chain_dw_pass(em, &cur);
		if (!ret && m->events)
			ret = cevent(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_PASS(em->passes - 1),
				     EYRIE_ENGINE_ARRAY);
		if (!ret && proj)
			ret = chain_pw_pass(em, &cur);
		if (!ret && proj && m->events)
			ret = cevent(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_PASS(em->passes - 1),
				     EYRIE_ENGINE_ARRAY);
		if (!ret && !m->events)
			ret = cbarrier(em);
		if (more)
			chain_step_at(em, k + 1 < m->ctiles ? b : b + 1,
				      k + 1 < m->ctiles ? k + 1 : 0, &nxt);
		/* with events the next loads go ahead of this band's store */
		if (!ret && more && m->events)
			ret = chain_loads(em, &nxt);
		if (!ret && k == m->ctiles - 1)
			ret = chain_store(em, &cur);
		if (!ret && more && !m->events)
			ret = chain_loads(em, &nxt);
		cur = nxt;
	}
	if (!ret)
		ret = cbarrier(em);
	if (ret)
		return ret;
	em->cost.macs = em->g[CL_DW].macs + em->g[CL_PW].macs;
	em->cost.cycles = eyr_timeline_end(&em->tl);
	em->cost.cmds = em->count;
	eyr_cost_finish(em->arch, &em->cost);
	return 0;
}

/* Counts `times` DMAs of elems elements into a floor (no command, no time line). */
static void floor_dma(struct chain_em *em, uint64_t elems, uint32_t eb, uint64_t times,
		      uint64_t *busy)
{
	em->cost.dram_words += times * elems;
	em->cost.dram_bytes += times * elems * eb;
	em->cost.access[EYRIE_ENERGY_DRAM] += times * elems;
	em->cost.access[EYRIE_ENERGY_GLB] += times * elems;
	*busy += times * eyr_dma_cycles(em->arch, elems, eb);
}

/*
 * A pass `times` over into a floor: its counts from the pass search, or
 * (coarse_fj) the closed-form floor of every array mapping's dynamic
 * energy and cycles, without a search.
 */
static int floor_pass(struct chain_em *em, int layer, const struct eyr_pass_shape *ps,
		      uint64_t times, uint64_t *busy, int coarse, double *coarse_fj)
{
	struct eyrie_mapping map;
	struct eyr_pass_cost pc;
	int ret, l;

	if (coarse) {
		double dyn, cyc, all;

		eyr_pass_floor(em->arch, &em->g[layer], em->m->dataflow, ps, EYR_PLACE_GLB,
			       EYR_PLACE_GLB, &dyn, &cyc, &all);
		*coarse_fj += (double)times * dyn;
		*busy += times * (uint64_t)cyc;
		return 0;
	}
	ret = chain_pass_cost(em, layer, ps, &map, &pc);
	if (ret)
		return ret;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		em->cost.access[l] += times * pc.access[l];
	*busy += times * pc.cycles;
	return 0;
}

/*
 * What every stream of the tiling em->m (whatever its events and double
 * buffers) measures at least: the same DMAs and passes as chain_walk
 * (counted per class of equal channel tiles, so without walking every
 * step), hence the same access counts and DRAM words exactly, and cycles
 * no fewer than the busier engine's own. coarse: the passes by the
 * closed-form floor of every array mapping instead of their search (lb
 * then has only the DMAs' counts and its energy total is a floor).
 * -ENOSPC when even single buffers do not fit.
 */
static int chain_floor(struct chain_em *em, int coarse, struct eyr_cost *lb)
{
	struct { uint32_t el, rows, pad, nrows, b, count; } bc[8];
	struct eyr_span prev = { 0 };
	uint32_t nbc = 0;
	double pass_fj = 0;
	const struct eyr_chain_map *m = em->m;
	const struct eyr_chain_plan *p = em->plan;
	uint64_t dma, arr = 0, N = p->dw.n, M = p->pw.m, F = em->g[CL_DW].ext[EYR_DIM_F];
	uint32_t b;
	int ret;

	memset(&em->tl, 0, sizeof(em->tl));
	memset(&em->cost, 0, sizeof(em->cost));
	em->nin = em->nw = em->nout = 1;
	em->ring_rows = em->in_rows_max;
	chain_layout(em, &em->lay);
	if (em->lay.glb_bytes > em->arch->glb_bytes)
		return -ENOSPC;
	ret = chain_resident(em);
	dma = em->tl.busy[EYRIE_ENGINE_DMA];
	/* bands alike in rows, input rows and padding count alike */
	for (b = 0; b < m->bands; b++) {
		struct chain_step st;
		uint32_t i, y0, nrows;

		chain_step_at(em, b, 0, &st);
		/* with a ring the band loads only its new rows */
		if (m->in_ring)
			chain_ring_new(&prev, &st.rows, b == 0, &y0, &nrows);
		else
			nrows = st.rows.len;
		prev = st.rows;
		for (i = 0; i < nbc; i++)
			if (bc[i].el == st.el && bc[i].rows == st.rows.len &&
			    bc[i].pad == st.rows.pad && bc[i].nrows == nrows)
				break;
		if (i == nbc) {
			if (nbc == sizeof(bc) / sizeof(bc[0]))
				return -E2BIG;
			bc[nbc].el = st.el;
			bc[nbc].rows = st.rows.len;
			bc[nbc].pad = st.rows.pad;
			bc[nbc].nrows = nrows;
			bc[nbc].b = b;
			bc[nbc++].count = 0;
		}
		bc[i].count++;
	}
	for (b = 0; !ret && b < nbc; b++) {
		/* tiles: the first, the middle ones (all alike), the last */
		uint32_t reps[3] = { 0, 1, m->ctiles - 1 };
		uint64_t times[3] = { 1, m->ctiles > 2 ? m->ctiles - 2 : 0, m->ctiles > 1 };
		struct chain_step st;
		int i;

		chain_step_at(em, bc[b].b, 0, &st);
		for (i = 0; !ret && i < 3; i++) {
			struct eyr_pass_shape ps;
			int first, last;

			if (!times[i])
				continue;
			uint64_t x = times[i] * bc[b].count;

			if (!x)
				continue;
			chain_step_at(em, bc[b].b, reps[i], &st);
			floor_dma(em, N * st.tl * bc[b].nrows * em->cols.len, 1, x, &dma);
			if (!m->w_resident) {
				floor_dma(em, 9ull * st.tl, 1, x, &dma);
				floor_dma(em, M * st.tl, 1, x, &dma);
			}
			chain_dw_shape(em, &st, &ps);
			ret = floor_pass(em, CL_DW, &ps, x, &arr, coarse, &pass_fj);
			if (!ret && (!m->proj_whole || st.k == m->ctiles - 1)) {
				chain_pw_shape(em, &st, &ps, &first, &last);
				ret = floor_pass(em, CL_PW, &ps, x, &arr, coarse, &pass_fj);
			}
		}
		floor_dma(em, N * M * st.el * F, 1, bc[b].count, &dma);
	}
	if (ret)
		return ret;
	*lb = em->cost;
	lb->macs = em->g[CL_DW].macs + em->g[CL_PW].macs;
	lb->cycles = dma > arr ? dma : arr;
	eyr_cost_finish(em->arch, lb);
	lb->energy_total_fj += (uint64_t)pass_fj;
	return 0;
}


/* An emitter (or walker, cb NULL) for plan with its mapping m. */
static int chain_em_init(struct chain_em *em, const struct eyr_arch *arch,
			 const struct eyr_chain_plan *plan, const struct eyr_chain_map *m)
{
	uint32_t E, b;
	int ret;

	memset(em, 0, sizeof(*em));
	em->arch = arch;
	em->plan = plan;
	em->m = m;
	em->ly[CL_DW] = em->ly[CL_PW] = &em->dry_ly;
	em->bufs[CL_DW] = em->bufs[CL_PW] = &em->dry_bufs;
	ret = eyr_geom_init(&em->g[CL_DW], &plan->dw, NULL, 0);
	if (!ret)
		ret = eyr_geom_init(&em->g[CL_PW], &plan->pw, NULL, 0);
	if (ret)
		return ret;
	E = em->g[CL_DW].ext[EYR_DIM_E];
	for (b = 0; b < m->bands; b++) {
		struct eyr_span sp;

		eyr_geom_span_rows(&em->g[CL_DW], b * m->band, min_u32(m->band, E - b * m->band),
				   &sp);
		if (sp.len > em->in_rows_max)
			em->in_rows_max = sp.len;
	}
	eyr_geom_span_cols(&em->g[CL_DW], 0, em->g[CL_DW].ext[EYR_DIM_F], &em->cols);
	return 0;
}

/* Whether a mapping is in the mapspace (its fields consistent with the chain). */
static int chain_map_valid(const struct eyr_chain_plan *p, const struct eyr_chain_map *m)
{
	uint32_t E = eyr_layer_out_h(&p->dw);

	if (!m->band || m->band > E || !m->ctile || m->ctile > p->dw.c ||
	    m->bands != eyr_div_up(E, m->band) || m->ctiles != eyr_div_up(p->dw.c, m->ctile))
		return 0;
	/* one project pass over the tiles' outputs side by side: one image */
	if (m->proj_whole && (m->ctiles < 2 || p->dw.n != 1 || !m->w_resident))
		return 0;
	if (!m->w_resident && m->bands * m->ctiles < 2)
		return 0;
	if (m->dbuf & ~(EYR_DBUF_IN | EYR_DBUF_W | EYR_DBUF_OUT))
		return 0;
	/* a ring: consecutive loads are consecutive bands of one tile */
	if (m->in_ring && (m->ctiles != 1 || m->bands < 2))
		return 0;
	if (!m->events && m->dbuf)
		return 0;
	if ((m->dbuf & EYR_DBUF_IN && m->bands * m->ctiles < 2) ||
	    (m->dbuf & EYR_DBUF_W && m->w_resident) ||
	    (m->dbuf & EYR_DBUF_OUT && m->bands < 2))
		return 0;
	return 1;
}

/* Whether plan's mapping is valid and uses only what arch has. */
static int chain_map_runs(const struct eyr_arch *arch, const struct eyr_chain_plan *plan)
{
	return chain_map_valid(plan, &plan->map) && (!plan->map.events || arch->events) &&
	       (!plan->map.in_ring || arch->in_ring);
}

int eyr_chain_cost(const struct eyr_arch *arch, struct eyr_chain_plan *plan)
{
	struct chain_em *em;
	int ret;

	if (!chain_map_runs(arch, plan))
		return -EINVAL;
	em = malloc(sizeof(*em));
	if (!em)
		return -ENOMEM;
	ret = chain_em_init(em, arch, plan, &plan->map);
	if (!ret)
		ret = chain_walk(em);
	if (!ret && arch->max_cmds_per_job && em->count > arch->max_cmds_per_job)
		ret = -ENOSPC;
	if (!ret)
		plan->cost = em->cost;
	free(em);
	return ret;
}

/* Distinct balanced tile sizes of an extent: ceil(ext / k), k = 1..ext. */
static uint32_t balanced_sizes(uint32_t ext, uint32_t *out)
{
	uint32_t n = 0, k, last = 0;

	for (k = 1; k <= ext; k++) {
		uint32_t t = eyr_div_up(ext, k);

		if (t != last)
			out[n++] = last = t;
	}
	return n;
}

/* One tiling of the mapspace, in the exhaustive order (idx), with its coarse floor. */
struct chain_cand {
	struct eyr_chain_map m;
	uint32_t idx;
	enum eyr_objective obj;		/* the sort's (qsort has no context) */
	struct eyr_cost lb;
};

static int chain_objective_cmp(enum eyr_objective o, const struct eyr_cost *a,
			       const struct eyr_cost *b)
{
	return eyr_objective_better(o, a, b) ? -1 : eyr_objective_better(o, b, a) ? 1 : 0;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct chain_cand *a = pa, *b = pb;
	int c = chain_objective_cmp(a->obj, &a->lb, &b->lb);

	return c ? c : a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * The best stream of one tiling: barriers, and with events every double
 * buffer choice, the fastest kept (they move the same words: the least
 * cycles is the best under every objective), ties to the first.
 */
static int chain_tiling_best(struct chain_em *em, const struct eyr_arch *arch,
			     struct eyr_chain_plan *plan, struct eyr_chain_map m,
			     struct eyr_chain_map *tbest, struct eyr_cost *tcost)
{
	int found = 0;

	for (unsigned int v = 0; v < (arch->events ? 9u : 1u); v++) {
		uint64_t floor;
		int r;

		/* v = 0: barriers; v >= 1: events with dbuf mask v - 1 */
		m.events = v > 0;
		m.dbuf = (uint8_t)(v ? v - 1 : 0);
		if (!chain_map_valid(plan, &m))
			continue;
		r = chain_em_init(em, arch, plan, &m);
		if (!r)
			r = chain_walk(em);
		if (r == -ENOSPC)
			continue;
		if (r)
			return r;
		plan->search.evaluated++;
		if (arch->max_cmds_per_job && em->count > arch->max_cmds_per_job)
			continue;
		if (!found || em->cost.cycles < tcost->cycles) {
			*tbest = m;
			*tcost = em->cost;
			found = 1;
		}
		/* no order of the same commands beats its busier engine */
		floor = em->tl.busy[0] > em->tl.busy[1] ? em->tl.busy[0] : em->tl.busy[1];
		if (v && tcost->cycles <= floor)
			break;
	}
	return found ? 0 : -ENOSPC;
}

/*
 * The mapspace: every balanced band height and channel tile, project per
 * tile or per band, weights resident or per step, the input in a ring or
 * not (arch->in_ring), and per tiling its best
 * stream (chain_tiling_best); the best tiling under the objective, ties to
 * the first in the order below. Exhaustive: every tiling walked. Fast: the
 * tilings in the order of a floor without pass searches (chain_floor
 * coarse), each skipped when its floor with the pass searches cannot beat
 * the best so far (or tie it from earlier in the order), the rest at once
 * when the coarse floor cannot: the same plan
 * (test_chain_fast_equals_exhaustive). eyr_pass_floor_fine in between
 * pruned nothing more on MobileNetV2 and cost more than it saved.
 */
/*
 * The fast search's CPU budget (max_time_us, as a layer's): past it the
 * best chain so far stands (search.budget_exhausted), or, with none yet,
 * -ETIME: the compiler then runs the two layers apart.
 */
static int over_budget(struct eyr_chain_plan *plan, uint64_t deadline_us)
{
	if (!deadline_us || eyr_cpu_now_us() < deadline_us)
		return 0;
	plan->search.budget_exhausted = 1;
	return 1;
}

static int chain_search(const struct eyr_arch *arch, struct eyr_chain_plan *plan,
			enum eyrie_dataflow df, int exhaustive, uint64_t max_time_us)
{
	uint64_t deadline_us = exhaustive || !max_time_us || max_time_us == UINT64_MAX ? 0 :
			       eyr_cpu_now_us() + max_time_us;
	uint32_t E = eyr_layer_out_h(&plan->dw), C = plan->dw.c;
	uint32_t *bs = malloc(sizeof(uint32_t) * (E + C)), *ts, nb, nt, i, j, nc = 0, k;
	struct chain_em *em = malloc(sizeof(*em));
	struct chain_cand *cand = NULL;
	struct eyr_chain_map best = { 0 };
	struct eyr_cost best_cost = { 0 };
	uint32_t best_idx = 0;
	int found = 0, ret = 0;

	if (bs && em) {
		ts = bs + E;
		nb = balanced_sizes(E, bs);
		nt = balanced_sizes(C, ts);
		cand = malloc(sizeof(*cand) * nb * nt * 6);
	}
	if (!bs || !em || !cand) {
		free(bs);
		free(em);
		free(cand);
		return -ENOMEM;
	}
	for (i = 0; i < nb && !ret; i++)
	for (j = 0; j < nt && !ret; j++)
	for (unsigned int mode = 0; mode < 6 && !ret; mode++) {
		/*
		 * mode % 3 = 0: per tile, weights resident; 1: per tile, weights
		 * per step; 2: per band; mode / 3: input ring (halo reuse)
		 */
		struct chain_cand *c = &cand[nc];
		int r;

		if (mode >= 3 && !arch->in_ring)
			break;
		memset(c, 0, sizeof(*c));
		c->idx = (i * nt + j) * 6 + mode;
		c->obj = plan->objective;
		c->m.dataflow = df;
		c->m.band = bs[i];
		c->m.ctile = ts[j];
		c->m.bands = eyr_div_up(E, c->m.band);
		c->m.ctiles = eyr_div_up(C, c->m.ctile);
		c->m.w_resident = mode % 3 != 1;
		c->m.proj_whole = mode % 3 == 2;
		c->m.in_ring = mode >= 3;
		if (!chain_map_valid(plan, &c->m))
			continue;
		if (exhaustive) {
			nc++;
			continue;
		}
		if (over_budget(plan, deadline_us)) {
			ret = -ETIME;
			break;
		}
		r = chain_em_init(em, arch, plan, &c->m);
		if (!r)
			r = chain_floor(em, 1, &c->lb);
		if (r == -ENOSPC)
			continue;	/* not even single buffers fit */
		if (r)
			ret = r;
		else
			nc++;
	}
	if (!exhaustive)
		qsort(cand, nc, sizeof(*cand), cand_cmp);
	for (k = 0; k < nc && !ret; k++) {
		struct chain_cand *c = &cand[k];
		struct eyr_chain_map tbest = { 0 };
		struct eyr_cost tcost = { 0 };
		int r;

		if (over_budget(plan, deadline_us)) {
			if (!found)
				ret = -ETIME;
			break;
		}

		if (!exhaustive && found) {
			int cmp = chain_objective_cmp(plan->objective, &c->lb, &best_cost);
			struct eyr_cost lb;

			/* sorted by this floor: every tiling after it is out too */
			if (cmp > 0 || (cmp == 0 && c->idx > best_idx)) {
				plan->search.pruned += nc - k;
				break;
			}
			r = chain_em_init(em, arch, plan, &c->m);
			/* the coarse floor passed: the one with the pass searches */
			if (!r)
				r = chain_floor(em, 0, &lb);
			cmp = r ? 1 : chain_objective_cmp(plan->objective, &lb, &best_cost);
			if (r && r != -ENOSPC) {
				ret = r;
				break;
			}
			if (r || cmp > 0 || (cmp == 0 && c->idx > best_idx)) {
				plan->search.pruned++;
				continue;
			}
		}
		r = chain_tiling_best(em, arch, plan, c->m, &tbest, &tcost);
		if (r == -ENOSPC)
			continue;
		if (r) {
			ret = r;
			break;
		}
		if (!found || chain_objective_cmp(plan->objective, &tcost, &best_cost) < 0 ||
		    (!chain_objective_cmp(plan->objective, &tcost, &best_cost) && c->idx < best_idx)) {
			best = tbest;
			best_cost = tcost;
			best_idx = c->idx;
			found = 1;
		}
	}
	free(bs);
	free(em);
	free(cand);
	if (ret)
		return ret;
	if (!found)
		return -ENOSPC;
	plan->map = best;
	plan->cost = best_cost;
	return 0;
}

/* The options a chain plans its layers with: the dense int8 ones only. */
static int chain_opts_ok(const struct eyr_sched_opts *o)
{
	return !o->int32_out && !o->lut && !o->zero_gate && !o->rle_in_rows &&
	       !o->rle_out && !o->whole_rows && !o->sparse_choose;
}

int eyr_chain_plan(const struct eyr_arch *arch, const struct eyr_layer_shape *dw,
		   const struct eyr_layer_shape *pw, const struct eyr_sched_opts *dw_opts,
		   const struct eyr_sched_opts *pw_opts, struct eyr_chain_plan *plan,
		   char *err, size_t errlen)
{
	struct eyr_sched_opts od = dw_opts ? *dw_opts : (struct eyr_sched_opts)EYR_SCHED_OPTS_INIT;
	struct eyr_sched_opts op = pw_opts ? *pw_opts : (struct eyr_sched_opts)EYR_SCHED_OPTS_INIT;
	struct eyr_layer_shape pair[2];
	uint64_t t0;
	int ret, l;

	memset(plan, 0, sizeof(*plan));
	ret = eyr_arch_check(arch, err, errlen);
	if (ret)
		return ret;
	if (!chain_opts_ok(&od) || !chain_opts_ok(&op))
		return eyr_set_err(err, errlen, -EINVAL, "a chain keeps int8 tensors without activation tables or sparsity");
	op.dataflow = od.dataflow;
	op.objective = od.objective;
	op.batch = od.batch;
	op.exhaustive = od.exhaustive;
	plan->dw = *dw;
	plan->pw = *pw;
	if (od.batch)
		plan->dw.n = plan->pw.n = od.batch;
	if (!plan->pw.groups)
		plan->pw.groups = 1;
	if (eyr_chain_link(&plan->dw, &plan->pw) != EYR_LINK_DW_P)
		return eyr_set_err(err, errlen, -EINVAL, "not a 3x3 depthwise conv (stride 1 or 2) followed by a 1x1 conv reading its whole output");
	plan->objective = od.objective;
	plan->has_bias[CL_DW] = !od.no_bias;
	plan->has_bias[CL_PW] = !op.no_bias;
	plan->per_channel[CL_DW] = od.per_channel;
	plan->per_channel[CL_PW] = op.per_channel;
	plan->fp32_rq[CL_DW] = !!od.fp32_rq;
	plan->fp32_rq[CL_PW] = !!op.fp32_rq;
	/* each layer on its own: what the chain must beat */
	ret = eyr_sched_plan(arch, &plan->dw, &od, &plan->layer[CL_DW], err, errlen);
	if (!ret)
		ret = eyr_sched_plan(arch, &plan->pw, &op, &plan->layer[CL_PW], err, errlen);
	if (ret)
		return ret;
	plan->separate = plan->layer[CL_DW].cost;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		plan->separate.access[l] += plan->layer[CL_PW].cost.access[l];
	plan->separate.cycles += plan->layer[CL_PW].cost.cycles;
	plan->separate.dram_words += plan->layer[CL_PW].cost.dram_words;
	plan->separate.dram_bytes += plan->layer[CL_PW].cost.dram_bytes;
	plan->separate.macs += plan->layer[CL_PW].cost.macs;
	plan->separate.cmds += plan->layer[CL_PW].cost.cmds;
	plan->separate.in_words += plan->layer[CL_PW].cost.in_words;
	plan->separate.w_words += plan->layer[CL_PW].cost.w_words;
	plan->separate.psum_words += plan->layer[CL_PW].cost.psum_words;
	eyr_cost_finish(arch, &plan->separate);
	/* the chain's input and output, every weight, each layer's bias and table */
	pair[0] = plan->dw;
	pair[1] = plan->pw;
	eyr_chain_bound(pair, 2, 0, 0, &plan->lb_dram_words, &plan->lb_dram_bytes);
	for (l = 0; l < 2; l++) {
		uint64_t mall = l == CL_DW ? plan->dw.m : plan->pw.m;
		uint64_t words = (plan->has_bias[l] ? mall : 0) + (plan->per_channel[l] ? 2 * mall : 0);

		plan->lb_dram_words += words;
		plan->lb_dram_bytes += 4 * words;
	}
	t0 = eyr_now_us();
	ret = chain_search(arch, plan, od.dataflow, od.exhaustive, od.max_time_us);
	plan->search.time_us = eyr_now_us() - t0;
	plan->search.exhaustive = !!od.exhaustive;
	if (ret == -ENOSPC)
		return eyr_set_err(err, errlen, ret, "no chain mapping fits the GLB of arch '%s'", arch->name);
	if (ret == -ETIME)
		return eyr_set_err(err, errlen, ret, "no chain mapping costed within the planning budget (%llu us of CPU)",
				 (unsigned long long)od.max_time_us);
	if (ret)
		return eyr_set_err(err, errlen, ret, "chain search: %s", strerror(-ret));
	plan->fused = eyr_objective_better(plan->objective, &plan->cost, &plan->separate);
	return 0;
}

int eyr_chain_emit(const struct eyr_arch *arch, const struct eyr_chain_plan *plan,
		   const struct eyr_layer *dw, const struct eyr_layer *pw,
		   const struct eyr_layer_bufs *dw_bufs, const struct eyr_layer_bufs *pw_bufs,
		   struct eyr_cmdbuf *cb)
{
	struct chain_em *em;
	uint32_t start = cb->count;
	int ret;

	if (memcmp(&dw->shape, &plan->dw, sizeof(plan->dw)) ||
	    dw->shape.n != pw->shape.n || pw->shape.c != plan->pw.c ||
	    pw->shape.m != plan->pw.m || pw->shape.h != plan->pw.h || pw->shape.w != plan->pw.w)
		return -EINVAL;
	if (!!dw->quant.has_bias != plan->has_bias[CL_DW] ||
	    !!pw->quant.has_bias != plan->has_bias[CL_PW] ||
	    !!dw->quant.per_channel != plan->per_channel[CL_DW] ||
	    !!pw->quant.per_channel != plan->per_channel[CL_PW] ||
	    dw->quant.int32_out || pw->quant.int32_out || dw->quant.lut || pw->quant.lut ||
	    !!dw->quant.fp32_rq != plan->fp32_rq[CL_DW] || !!pw->quant.fp32_rq != plan->fp32_rq[CL_PW])
		return -EINVAL;
	if (!chain_map_runs(arch, plan))
		return -EINVAL;
	em = malloc(sizeof(*em));
	if (!em)
		return -ENOMEM;
	ret = chain_em_init(em, arch, plan, &plan->map);
	em->ly[CL_DW] = dw;
	em->ly[CL_PW] = pw;
	em->bufs[CL_DW] = dw_bufs;
	em->bufs[CL_PW] = pw_bufs;
	em->cb = cb;
	if (!ret)
		ret = chain_walk(em);
	if (ret)
		cb->count = start;
	free(em);
	return ret;
}
