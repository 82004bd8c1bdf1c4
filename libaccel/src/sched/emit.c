// SPDX-License-Identifier: MIT
/*
 * Command emission for conv and FC layers: walks the plan's DRAM-level loop
 * nest, loads a tensor's tile only when the tile changed since the last
 * iteration (the same rule the cost model counts), runs one pass per tile
 * (accumulating over C tiles in the GLB) and stores each finished output
 * tile. Order inside an iteration: loads, BARRIER, pass, BARRIER, store;
 * the store overlaps the next iteration's loads (different GLB regions).
 * When the plan spills psums (eyr_map_spills: a loop inside C), a pass
 * that is not the last over C stores its int32 psums to bufs->psum and the
 * next pass of that output tile loads them back (ACCUMULATE reads them).
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
	uint64_t cycles;
};

/*
 * Tensors loaded into the GLB, each with one or two regions (slots): the
 * bias and the per-channel table are loaded together when C is innermost,
 * each in its own slice of the nest when psums spill.
 */
enum { T_IN, T_W, T_B, T_Q, T_LOADED };

struct emitter {
	const struct eyr_arch *arch;
	struct eyr_arch arch_one_group;	/* arch without flex_noc (plan->map.one_group) */
	const struct eyr_plan *plan;
	const struct eyr_layer *layer;
	const struct eyr_layer_bufs *bufs;
	struct eyr_cmdbuf *cb;
	struct eyr_geom g;
	struct eyr_glb_layout lay;
	struct pass_cache_entry cache[256];
	unsigned int ncache;
	/* the device's time lines over what was emitted (docs/sim.md) */
	struct eyr_timeline tl;
	/* overlapped streams: slots, their last readers, waits done */
	uint32_t nslot[T_LOADED], slot[T_LOADED], loads[T_LOADED];
	int64_t last_user[T_LOADED][2];
	uint32_t out_slots, out_tiles;
	int out_stored[2];
	int64_t out_user[2];		/* the last pass that used an output slot */
	/* psum spills: whether, and the (G, M) tile the bias / table regions hold */
	int spill;
	int64_t b_key, q_key;
	int64_t passes, dma_waited;
	/* timing only: commands go to `scratch`, `count` counts them */
	int dry;
	uint32_t count;
	union eyrie_cmd scratch;
	/*
	 * Coded tensors (plan->rle_*_rows): their layouts, and what sizes
	 * the coded DMAs (exact from rle_data, else estimated from the zero
	 * fractions); the dense words those DMAs replace and the coded bytes.
	 */
	struct eyr_rle_layout rl_in, rl_out;
	const struct eyr_rle_data *rd;
	double zf_in, zf_out;
	uint64_t rle_dense, rle_coded;
	/*
	 * Halo reuse (eyr_map_in_ring): the input region is a ring of
	 * ring_rows rows per plane. Rows go in at ring_v, a count of every row
	 * loaded so far (the slot is ring_v mod ring_rows), so a load
	 * overwrites only the oldest rows; ring_v0 is where the current
	 * tile's first row is, ring_idx and ring_span the current tile.
	 */
	int ring;
	uint32_t ring_rows;
	uint64_t ring_v, ring_v0;
	uint32_t ring_idx[EYR_DIMS];
	struct eyr_span ring_span;
	uint32_t ring_w;		/* the row pitch: the current tile's columns */
};

/* Expected 64-bit words to decode `upto` elements at zero fraction z. */
static uint64_t rle_est_words(uint64_t upto, double z)
{
	double len = 1, zk = 1, pairs;
	int k;

	/* a pair: up to 15 zeros (geometric runs), then one element */
	for (k = 1; k <= EYRIE_RLE_RUN_MAX; k++) {
		zk *= z;
		len += zk;
	}
	pairs = (double)upto / len;
	return upto ? ((uint64_t)(pairs + 0.999999) + EYRIE_RLE_PAIRS - 1) / EYRIE_RLE_PAIRS : 0;
}

/* Words of a coded line of n elements read until `upto` are decoded. */
static uint64_t rle_line_words(const int8_t *line, uint32_t n, int8_t zero, uint32_t upto)
{
	__u64 *w = malloc(EYRIE_RLE_LINE_MAX_BYTES(n) + 8);
	int8_t *dec = malloc((size_t)n + 1);
	uint32_t words, pos = 0, k = 0;

	if (!w || !dec) {
		free(w);
		free(dec);
		return EYRIE_RLE_LINE_MAX_BYTES(upto) / 8;	/* the bound */
	}
	words = eyrie_rle_encode(line, n, zero, w);
	while (pos < upto && k < words)
		eyrie_rle_decode_word(w[k++], zero, dec, &pos, upto);
	free(w);
	free(dec);
	return k;
}

/*
 * Coded bytes of an RLE DMA just built: each line is (n, c, block) of the
 * input's or the output's layout, found from its address.
 */
static uint64_t rle_cmd_bytes(const struct emitter *em, const struct eyrie_cmd_dma *d)
{
	int load = d->hdr.opcode == EYRIE_OP_DMA_LOAD;
	const struct eyr_rle_layout *lay = load ? &em->rl_in : &em->rl_out;
	const struct eyr_layer_shape *sh = &em->plan->shape;
	uint64_t base = load ? em->bufs->in : em->bufs->out, words = 0;
	uint32_t H = load ? (uint32_t)em->g.h : (uint32_t)em->g.ext[EYR_DIM_E];
	uint32_t W = load ? (uint32_t)em->g.w : (uint32_t)em->g.ext[EYR_DIM_F];
	uint32_t chans = load ? sh->c : sh->m, upto = d->rle_skip + d->count[0];
	const int8_t *t = em->rd ? (load ? em->rd->in : em->rd->out) : NULL;
	int8_t zero = (int8_t)(em->rd ? (load ? em->rd->in_zero : em->rd->out_zero) : 0);

	for (uint32_t i3 = 0; i3 < d->count[3]; i3++)
	for (uint32_t i2 = 0; i2 < d->count[2]; i2++)
	for (uint32_t i1 = 0; i1 < d->count[1]; i1++) {
		uint64_t off = d->dram_addr - base + (uint64_t)i3 * (uint64_t)d->dram_stride[3] +
			       (uint64_t)i2 * (uint64_t)d->dram_stride[2] +
			       (uint64_t)i1 * (uint64_t)d->dram_stride[1];
		uint64_t l = off / lay->slot, plane = l / lay->blocks, b = l % lay->blocks;
		uint32_t rows = lay->rows < H - b * lay->rows ? lay->rows :
				(uint32_t)(H - b * lay->rows);

		(void)chans;
		if (t)
			words += rle_line_words(t + (plane * H + b * lay->rows) * W, rows * W,
						zero, upto);
		else
			words += rle_est_words(upto, load ? em->zf_in : em->zf_out);
	}
	return 8 * words;
}

/* The next command of the stream (timing only: a scratch one). */
static union eyrie_cmd *em_push(struct emitter *em, enum eyrie_opcode op)
{
	if (!em->dry)
		return eyr_cmdbuf_push(em->cb, op);
	em->count++;
	memset(&em->scratch, 0, sizeof(em->scratch));
	em->scratch.hdr.opcode = (__u8)op;
	return &em->scratch;
}

static int pass_map(struct emitter *em, const struct eyr_pass_shape *ps,
		    struct eyrie_mapping *map, uint64_t *cycles)
{
	struct eyr_pass_cost pc;
	unsigned int i;
	int ret;

	for (i = 0; i < em->ncache; i++)
		if (!memcmp(&em->cache[i].ps, ps, sizeof(*ps))) {
			*map = em->cache[i].map;
			*cycles = em->cache[i].cycles;
			return 0;
		}
	ret = eyr_pass_best(em->arch, &em->g, em->plan->map.dataflow, em->plan->objective,
			    ps, em->plan->map.place_in, em->plan->map.place_w, map, &pc);
	if (ret)
		return ret;
	*cycles = pc.cycles;
	if (em->ncache < sizeof(em->cache) / sizeof(em->cache[0])) {
		em->cache[em->ncache].ps = *ps;
		em->cache[em->ncache].map = *map;
		em->cache[em->ncache].cycles = pc.cycles;
		em->ncache++;
	}
	return 0;
}

void eyr_timeline_cmd(struct eyr_timeline *tl, const union eyrie_cmd *c, uint64_t cycles)
{
	uint64_t *t = tl->t;

	switch (c->hdr.opcode) {
	case EYRIE_OP_DMA_LOAD:
	case EYRIE_OP_DMA_STORE:
		t[EYRIE_ENGINE_DMA] += cycles;
		tl->busy[EYRIE_ENGINE_DMA] += cycles;
		break;
	case EYRIE_OP_CONV:
	case EYRIE_OP_FC:
		t[EYRIE_ENGINE_ARRAY] += cycles;
		tl->busy[EYRIE_ENGINE_ARRAY] += cycles;
		break;
	case EYRIE_OP_BARRIER:
		t[0] = t[1] = t[0] > t[1] ? t[0] : t[1];
		break;
	case EYRIE_OP_EVENT_SIGNAL:
		tl->ev[c->event.event] = t[c->event.engine];
		break;
	case EYRIE_OP_EVENT_WAIT:
		if (tl->ev[c->event.event] > t[c->event.engine])
			t[c->event.engine] = tl->ev[c->event.event];
		break;
	default:
		break;
	}
}

/* The device's time-line rule for one command just emitted. */
static void timeline(struct emitter *em, const union eyrie_cmd *c, uint64_t pass_cycles)
{
	if (c->hdr.opcode == EYRIE_OP_DMA_LOAD || c->hdr.opcode == EYRIE_OP_DMA_STORE) {
		uint64_t elems = (uint64_t)c->dma.count[0] * c->dma.count[1] *
				 c->dma.count[2] * c->dma.count[3];
		uint64_t cyc = eyr_dma_cycles(em->arch, elems, c->dma.elem_bytes);

		if (c->hdr.flags & EYRIE_DMA_F_RLE) {
			/* DRAM moves the coded bytes, the GLB port the elements */
			uint64_t coded = rle_cmd_bytes(em, &c->dma);
			uint64_t dc = (coded + em->arch->dram_bytes_per_cycle - 1) /
				      em->arch->dram_bytes_per_cycle;
			uint64_t gc = (elems + em->arch->glb_bytes_per_cycle - 1) /
				      em->arch->glb_bytes_per_cycle;

			cyc = dc > gc ? dc : gc;
			em->rle_dense += elems;
			em->rle_coded += coded;
		}
		pass_cycles = cyc;
	}
	eyr_timeline_cmd(&em->tl, c, pass_cycles);
}

static int push_event(struct emitter *em, enum eyrie_opcode op, uint32_t event,
		      enum eyrie_engine engine)
{
	union eyrie_cmd *c = em_push(em, op);

	if (!c)
		return -ENOMEM;
	c->event.event = event;
	c->event.engine = engine;
	timeline(em, c, 0);
	return 0;
}

static int push_barrier(struct emitter *em)
{
	union eyrie_cmd *c = em_push(em, EYRIE_OP_BARRIER);

	if (!c)
		return -ENOMEM;
	timeline(em, c, 0);
	return 0;
}

/*
 * Before the DMA unit overwrites a region: wait for the last pass that
 * read it. EYR_EV_PASS(q) names the latest pass r <= the last one emitted with
 * r = q mod 8, which is q or later (the array runs in order), so waiting
 * on it is safe; a wait for a pass the DMA already waited for is skipped.
 */
static int dma_wait_pass(struct emitter *em, int64_t q)
{
	int64_t r;

	if (q < 0)
		return 0;
	r = q + (em->passes - 1 - q) / 8 * 8;
	if (r <= em->dma_waited)
		return 0;
	em->dma_waited = r;
	return push_event(em, EYRIE_OP_EVENT_WAIT, EYR_EV_PASS(q), EYRIE_ENGINE_DMA);
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

/* What one step of the loop nest does. */
struct step {
	struct tile t;
	uint32_t idx[EYR_DIMS];
	int load_in, load_w, load_b, load_q;
	int load_psum;			/* spilled psums back before the pass */
};

static int push_dma(struct emitter *em, enum eyrie_opcode op, uint64_t dram, uint32_t glb,
		    uint32_t elem, const uint32_t count[4], const int64_t dstride[4],
		    const uint32_t gstride[4])
{
	union eyrie_cmd *c = em_push(em, op);

	if (!c)
		return -ENOMEM;
	dma(c, dram, glb, elem, count, dstride, gstride);
	timeline(em, c, 0);
	return 0;
}

static int psum_dma(struct emitter *em, const struct step *st, enum eyrie_opcode op);

/*
 * The input load of a step through the ring (docs/hardware.md 7.12): the
 * row tile after the current one in the same (N, G, C, F) tile loads only
 * its new rows (eyr_ring_step), any other tile all of its rows; either
 * way at ring_v, wrapping (EYRIE_DMA_F_RING).
 */
static int ring_load(struct emitter *em, const struct step *st)
{
	const struct eyr_layer_shape *sh = &em->plan->shape;
	const struct tile *t = &st->t;
	uint32_t chans = t->l[EYR_DIM_G] * t->l[EYR_DIM_C], nl = t->l[EYR_DIM_N];
	uint64_t ch0 = (uint64_t)t->o[EYR_DIM_G] * em->g.ext[EYR_DIM_C] + t->o[EYR_DIM_C];
	uint64_t H = em->g.h, W = em->g.w, at;
	int next = em->ring_v && st->idx[EYR_DIM_E] == em->ring_idx[EYR_DIM_E] + 1;
	uint32_t y0 = t->rows.lo, rows = t->rows.len, d;
	union eyrie_cmd *c;

	for (d = 0; d < EYR_DIMS; d++)
		if (d != EYR_DIM_E && d != EYR_DIM_M && st->idx[d] != em->ring_idx[d])
			next = 0;
	if (next)
		eyr_ring_step(&em->ring_span, &t->rows, &y0, &rows);
	/*
	 * a double-buffered ring holds two tiles' rows at one row pitch: a
	 * sweep of another width (an F tile of another span) lays the planes
	 * out anew, so its first load waits for every pass that read the ring
	 */
	if (!next && em->ring_v && em->plan->map.events && em->nslot[T_IN] == 2 &&
	    t->cols.len != em->ring_w) {
		int64_t q = em->last_user[T_IN][0] > em->last_user[T_IN][1] ?
			    em->last_user[T_IN][0] : em->last_user[T_IN][1];
		int ret = dma_wait_pass(em, q);

		if (ret)
			return ret;
	}
	em->ring_w = t->cols.len;
	if (next && t->rows.lo < em->ring_span.lo + em->ring_span.len) {
		/* overlapping rows stay where they are: the new ones follow them */
		em->ring_v0 += t->rows.lo - em->ring_span.lo;
		at = em->ring_v0 + (y0 - t->rows.lo);
	} else {
		em->ring_v0 = em->ring_v;
		at = em->ring_v;
	}
	if (at + rows > em->ring_v)
		em->ring_v = at + rows;
	memcpy(em->ring_idx, st->idx, sizeof(em->ring_idx));
	em->ring_span = t->rows;
	c = em_push(em, EYRIE_OP_DMA_LOAD);
	if (!c)
		return -ENOMEM;
	{
		uint32_t cnt[4] = { t->cols.len, rows, chans, nl };
		int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), (int64_t)(sh->c * H * W) };
		uint32_t gs[4] = { 1, t->cols.len, em->ring_rows * t->cols.len,
				   chans * em->ring_rows * t->cols.len };

		dma(c, em->bufs->in + (((uint64_t)t->o[EYR_DIM_N] * sh->c + ch0) * H + y0) * W +
			       t->cols.lo,
		    em->lay.in[0], 1, cnt, ds, gs);
	}
	c->hdr.flags = EYRIE_DMA_F_RING;
	c->dma.ring_rows = em->ring_rows;
	c->dma.ring_row0 = (uint32_t)(at % em->ring_rows);
	timeline(em, c, 0);
	return 0;
}

/*
 * The loads of one step. With events, each goes into its tensor's next
 * slot once the last pass that read that slot is done.
 */
static int emit_loads(struct emitter *em, const struct step *st)
{
	const struct eyr_geom *g = &em->g;
	const struct eyr_layer_shape *sh = &em->plan->shape;
	const struct tile *t = &st->t;
	uint32_t gl = t->l[EYR_DIM_G], ml = t->l[EYR_DIM_M], cl = t->l[EYR_DIM_C];
	uint32_t nl = t->l[EYR_DIM_N];
	uint64_t cg = g->ext[EYR_DIM_C], mg = g->ext[EYR_DIM_M];
	uint64_t ch0 = (uint64_t)t->o[EYR_DIM_G] * cg + t->o[EYR_DIM_C];
	uint64_t k0 = (uint64_t)t->o[EYR_DIM_G] * mg + t->o[EYR_DIM_M];
	uint64_t rs = (uint64_t)g->r * g->s, H = g->h, W = g->w;
	uint32_t chans = gl * cl, mall = gl * ml;
	int has_bias = em->plan->has_bias, per_channel = em->plan->per_channel;
	int load[T_LOADED] = { st->load_in, st->load_w, st->load_b && has_bias,
			       st->load_q && per_channel };
	int k, ret;

	for (k = 0; k < T_LOADED; k++) {
		if (!load[k])
			continue;
		em->slot[k] = em->loads[k]++ % em->nslot[k];
		if (em->plan->map.events) {
			ret = dma_wait_pass(em, em->last_user[k][em->slot[k]]);
			if (ret)
				return ret;
		}
	}
	if (load[T_IN] && em->plan->rle_in_rows == 1) {
		/* coded input, one row per line: the window's rows in one DMA */
		const struct eyr_rle_layout *rl = &em->rl_in;
		uint32_t cnt[4] = { (uint32_t)W, t->rows.len, chans, nl };
		int64_t ds[4] = { 1, (int64_t)rl->slot, (int64_t)(rl->blocks * rl->slot),
				  (int64_t)(sh->c * rl->blocks * rl->slot) };
		uint32_t gs[4] = { 1, t->cols.len, t->rows.len * t->cols.len,
				   chans * t->rows.len * t->cols.len };
		union eyrie_cmd *c = em_push(em, EYRIE_OP_DMA_LOAD);

		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->in + (((uint64_t)t->o[EYR_DIM_N] * sh->c + ch0) * rl->blocks +
				       t->rows.lo) * rl->slot,
		    em->lay.in[em->slot[T_IN]], 1, cnt, ds, gs);
		c->hdr.flags = EYRIE_DMA_F_RLE;
		c->dma.rle_zero = em->layer->quant.zp_in;
		timeline(em, c, 0);
	} else if (load[T_IN] && em->plan->rle_in_rows) {
		/* coded input: one DMA per line (row block) the window overlaps */
		const struct eyr_rle_layout *rl = &em->rl_in;
		uint64_t lo = t->rows.lo, hi = lo + t->rows.len;

		for (uint64_t b = lo / rl->rows; b * rl->rows < hi; b++) {
			uint64_t y0 = b * rl->rows > lo ? b * rl->rows : lo;
			uint64_t y1 = (b + 1) * rl->rows < hi ? (b + 1) * rl->rows : hi;
			uint32_t cnt[4] = { (uint32_t)((y1 - y0) * W), chans, nl, 1 };
			int64_t ds[4] = { 1, (int64_t)(rl->blocks * rl->slot),
					  (int64_t)(sh->c * rl->blocks * rl->slot), 0 };
			uint32_t gs[4] = { 1, t->rows.len * t->cols.len,
					   chans * t->rows.len * t->cols.len, 0 };
			union eyrie_cmd *c = em_push(em, EYRIE_OP_DMA_LOAD);

			if (!c)
				return -ENOMEM;
			dma(c, em->bufs->in + (((uint64_t)t->o[EYR_DIM_N] * sh->c + ch0) *
					       rl->blocks + b) * rl->slot,
			    em->lay.in[em->slot[T_IN]] + (uint32_t)((y0 - lo) * W), 1, cnt, ds, gs);
			c->hdr.flags = EYRIE_DMA_F_RLE;
			c->dma.rle_zero = em->layer->quant.zp_in;
			c->dma.rle_skip = (uint32_t)((y0 - b * rl->rows) * W);
			timeline(em, c, 0);
		}
	} else if (load[T_IN] && em->ring) {
		ret = ring_load(em, st);
		if (ret)
			return ret;
	} else if (load[T_IN]) {
		uint32_t cnt[4] = { t->cols.len, t->rows.len, chans, nl };
		int64_t ds[4] = { 1, (int64_t)W, (int64_t)(H * W), (int64_t)(sh->c * H * W) };
		uint32_t gs[4] = { 1, t->cols.len, t->rows.len * t->cols.len,
				   chans * t->rows.len * t->cols.len };

		ret = push_dma(em, EYRIE_OP_DMA_LOAD,
			       em->bufs->in + (((uint64_t)t->o[EYR_DIM_N] * sh->c + ch0) * H +
					       t->rows.lo) * W + t->cols.lo,
			       em->lay.in[em->slot[T_IN]], 1, cnt, ds, gs);
		if (ret)
			return ret;
	}
	if (load[T_W]) {
		uint32_t cnt[4] = { (uint32_t)(cl * rs), mall, 1, 1 };
		int64_t ds[4] = { 1, (int64_t)(cg * rs), 0, 0 };
		uint32_t gs[4] = { 1, (uint32_t)(cl * rs), 0, 0 };

		ret = push_dma(em, EYRIE_OP_DMA_LOAD,
			       em->bufs->weights + (k0 * cg + t->o[EYR_DIM_C]) * rs,
			       em->lay.w[em->slot[T_W]], 1, cnt, ds, gs);
		if (ret)
			return ret;
	}
	if (load[T_B] && has_bias) {
		uint32_t cnt[4] = { mall, 1, 1, 1 };
		int64_t ds[4] = { 4, 0, 0, 0 };
		uint32_t gs[4] = { 4, 0, 0, 0 };

		ret = push_dma(em, EYRIE_OP_DMA_LOAD, em->bufs->bias + 4 * k0,
			       em->lay.bias[em->slot[T_B]], 4, cnt, ds, gs);
		if (ret)
			return ret;
	}
	if (load[T_Q]) {
		uint32_t cnt[4] = { mall, 2, 1, 1 };
		int64_t ds[4] = { 4, 4 * (int64_t)sh->m, 0, 0 };
		uint32_t gs[4] = { 4, 4 * mall, 0, 0 };

		ret = push_dma(em, EYRIE_OP_DMA_LOAD, em->bufs->quant + 4 * k0,
			       em->lay.quant[em->slot[T_Q]], 4, cnt, ds, gs);
		if (ret)
			return ret;
	}
	/* with events, spilled psums come after the store before them (below) */
	if (st->load_psum && !em->plan->map.events)
		return psum_dma(em, st, EYRIE_OP_DMA_LOAD);
	if (em->plan->map.events && !st->load_psum &&
	    (load[T_IN] || load[T_W] || load[T_B] || load[T_Q]))
		return push_event(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_LOADED, EYRIE_ENGINE_DMA);
	return 0;
}

/* The output slot of the output tile a step works on. */
static uint32_t out_slot(const struct emitter *em)
{
	return (em->out_tiles - 1) % em->out_slots;
}

/*
 * Spilled psums of a step's output tile between its psum region and
 * bufs->psum (n x m x E x F int32). A load goes into the slot of the next
 * output visit, once the last pass that used that slot is done; with
 * events it is emitted after the last store that read that slot (the DMA
 * unit runs in order) and signals "loaded".
 */
static int psum_dma(struct emitter *em, const struct step *st, enum eyrie_opcode op)
{
	const struct eyr_layer_shape *sh = &em->plan->shape;
	const struct eyr_geom *g = &em->g;
	const struct tile *t = &st->t;
	uint32_t mall = t->l[EYR_DIM_G] * t->l[EYR_DIM_M];
	uint32_t nl = t->l[EYR_DIM_N], el = t->l[EYR_DIM_E], fl = t->l[EYR_DIM_F];
	uint64_t k0 = (uint64_t)t->o[EYR_DIM_G] * g->ext[EYR_DIM_M] + t->o[EYR_DIM_M];
	uint64_t E = g->ext[EYR_DIM_E], F = g->ext[EYR_DIM_F];
	int load = op == EYRIE_OP_DMA_LOAD;
	/* a load fills the slot of the visit after the current one */
	uint32_t os = load ? em->out_tiles % em->out_slots : out_slot(em);
	uint32_t cnt[4] = { fl, el, mall, nl };
	int64_t ds[4] = { 4, 4 * (int64_t)F, 4 * (int64_t)(E * F), 4 * (int64_t)(sh->m * E * F) };
	uint32_t gs[4] = { 4, 4 * fl, 4 * el * fl, 4 * mall * el * fl };
	int ret;

	if (em->plan->map.events) {
		ret = dma_wait_pass(em, load ? em->out_user[os] : em->passes - 1);
		if (ret)
			return ret;
	}
	ret = push_dma(em, op, em->bufs->psum + 4 * ((((uint64_t)t->o[EYR_DIM_N] * sh->m + k0) * E +
						     t->o[EYR_DIM_E]) * F + t->o[EYR_DIM_F]),
		       em->lay.psum[os], 4, cnt, ds, gs);
	if (ret || !em->plan->map.events)
		return ret;
	if (load)
		return push_event(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_LOADED, EYRIE_ENGINE_DMA);
	em->out_stored[os] = 1;
	return push_event(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_STORED(os), EYRIE_ENGINE_DMA);
}

static int emit_pass(struct emitter *em, const struct step *st)
{
	const struct eyr_geom *g = &em->g;
	const struct eyr_layer *ly = em->layer;
	const struct eyr_mapping *m = &em->plan->map;
	const struct tile *t = &st->t;
	uint32_t gl = t->l[EYR_DIM_G], ml = t->l[EYR_DIM_M], cl = t->l[EYR_DIM_C];
	uint32_t nl = t->l[EYR_DIM_N], el = t->l[EYR_DIM_E], fl = t->l[EYR_DIM_F];
	uint32_t chans = gl * cl, mall = gl * ml, os;
	int first_c = st->idx[EYR_DIM_C] == 0;
	int last_c = st->idx[EYR_DIM_C] == m->tiles[EYR_DIM_C] - 1;
	int has_bias = em->plan->has_bias, per_channel = em->plan->per_channel;
	int i32 = em->plan->int32_out, k;
	struct eyr_pass_shape ps = { 0 };
	struct eyrie_mapping pmap;
	uint64_t cycles;
	union eyrie_cmd *c;
	int ret;

	/* with spills every step visits its output tile anew */
	if (first_c || em->spill)
		em->out_tiles++;
	os = out_slot(em);
	if (m->events) {
		if (st->load_in || st->load_w || (st->load_b && has_bias) ||
		    (st->load_q && per_channel) || st->load_psum) {
			ret = push_event(em, EYRIE_OP_EVENT_WAIT, EYR_EV_LOADED, EYRIE_ENGINE_ARRAY);
			if (ret)
				return ret;
		}
		/* a new output tile overwrites its slot once the last store of it is out */
		if (first_c && em->out_stored[os]) {
			ret = push_event(em, EYRIE_OP_EVENT_WAIT, EYR_EV_STORED(os), EYRIE_ENGINE_ARRAY);
			if (ret)
				return ret;
		}
	} else {
		ret = push_barrier(em);
		if (ret)
			return ret;
	}
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
	ret = pass_map(em, &ps, &pmap, &cycles);
	if (ret)
		return ret;
	c = em_push(em, g->op == EYR_LAYER_FC ? EYRIE_OP_FC : EYRIE_OP_CONV);
	if (!c)
		return -ENOMEM;
	c->hdr.dataflow = (__u8)m->dataflow;
	c->hdr.flags = (first_c && has_bias ? EYRIE_PASS_F_BIAS : 0) |
		       (!first_c ? EYRIE_PASS_F_ACCUMULATE : 0) |
		       (last_c && !i32 ? EYRIE_PASS_F_REQUANT : 0) |
		       (last_c && per_channel ? EYRIE_PASS_F_PER_CHANNEL : 0) |
		       (last_c && !i32 && em->plan->lut ? EYRIE_PASS_F_LUT : 0) |
		       (last_c && !i32 && em->plan->fp32_rq ? EYRIE_PASS_F_FP32_RQ : 0) |
		       (em->plan->zero_gate ? EYRIE_PASS_F_ZERO_GATE : 0);
	c->conv.in_addr = em->lay.in[em->ring ? 0 : em->slot[T_IN]];
	if (em->ring) {
		c->hdr.flags |= EYRIE_PASS_F_IN_RING;
		c->conv.in_ring_rows = (__u16)em->ring_rows;
		c->conv.in_row0 = (__u16)(em->ring_v0 % em->ring_rows);
	}
	c->conv.w_addr = em->lay.w[em->slot[T_W]];
	c->conv.bias_addr = (first_c && has_bias) ? em->lay.bias[em->slot[T_B]] : 0;
	/* an int32 output is the last pass's psums, written without REQUANT */
	c->conv.psum_addr = m->tiles[EYR_DIM_C] > 1 || i32 ? em->lay.psum[os] : 0;
	c->conv.out_addr = last_c && !i32 ? em->lay.out[os] : 0;
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
		c->conv.q.quant_addr = per_channel ? em->lay.quant[em->slot[T_Q]] : 0;
		c->conv.q.zp_out = (__s16)ly->quant.zp_out;
		c->conv.q.clamp_min = (__s8)ly->quant.clamp_min;
		c->conv.q.clamp_max = (__s8)ly->quant.clamp_max;
	}
	c->conv.map = pmap;
	timeline(em, c, cycles);
	/* every pass reads the current slot of each loaded tensor */
	for (k = 0; k < T_LOADED; k++)
		em->last_user[k][em->slot[k]] = em->passes;
	em->out_user[os] = em->passes;
	em->passes++;
	if (m->events)
		return push_event(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_PASS(em->passes - 1),
				  EYRIE_ENGINE_ARRAY);
	return push_barrier(em);
}

static int emit_store(struct emitter *em, const struct step *st)
{
	const struct eyr_layer_shape *sh = &em->plan->shape;
	const struct eyr_geom *g = &em->g;
	const struct tile *t = &st->t;
	uint32_t ml = t->l[EYR_DIM_M], mall = t->l[EYR_DIM_G] * ml;
	uint32_t nl = t->l[EYR_DIM_N], el = t->l[EYR_DIM_E], fl = t->l[EYR_DIM_F];
	uint64_t k0 = (uint64_t)t->o[EYR_DIM_G] * g->ext[EYR_DIM_M] + t->o[EYR_DIM_M];
	uint64_t E = g->ext[EYR_DIM_E], F = g->ext[EYR_DIM_F];
	int i32 = em->plan->int32_out;
	/* strides in bytes: elements of 1 byte (int8) or 4 (int32 output) */
	uint32_t eb = i32 ? 4 : 1, os = out_slot(em);
	/* a slice of a channel concat: batch items are the concat's channels apart */
	uint64_t mt = em->bufs->out_channels ? em->bufs->out_channels : sh->m;
	uint32_t cnt[4] = { fl, el, mall, nl };
	int64_t ds[4] = { eb, (int64_t)eb * F, (int64_t)eb * E * F, (int64_t)(eb * mt * E * F) };
	uint32_t gs[4] = { eb, eb * fl, eb * el * fl, eb * mall * el * fl };
	int ret;

	if (em->plan->map.events) {
		ret = dma_wait_pass(em, em->passes - 1);
		if (ret)
			return ret;
	}
	/* coded lines are laid out per layer; a concat slice is never coded */
	if (em->plan->rle_out_rows && mt != sh->m)
		return -EINVAL;
	if (em->plan->rle_out_rows) {
		/* coded output: each (n, m) row block of the tile is one line */
		const struct eyr_rle_layout *rl = &em->rl_out;
		int one = rl->rows == 1;	/* one row per line: the tile's rows */
		uint32_t rc[4] = { one ? fl : el * fl, one ? el : mall, one ? mall : nl,
				   one ? nl : 1 };
		int64_t rds[4] = { 1, (int64_t)(one ? rl->slot : rl->blocks * rl->slot),
				   (int64_t)((one ? rl->blocks : sh->m * rl->blocks) * rl->slot),
				   (int64_t)(one ? sh->m * rl->blocks * rl->slot : 0) };
		uint32_t rgs[4] = { 1, one ? fl : el * fl, one ? el * fl : mall * el * fl,
				    one ? mall * el * fl : 0 };
		union eyrie_cmd *c = em_push(em, EYRIE_OP_DMA_STORE);

		if (!c)
			return -ENOMEM;
		dma(c, em->bufs->out + ((((uint64_t)t->o[EYR_DIM_N] * sh->m + k0) * rl->blocks) +
					t->o[EYR_DIM_E] / rl->rows) * rl->slot,
		    em->lay.out[os], 1, rc, rds, rgs);
		c->hdr.flags = EYRIE_DMA_F_RLE;
		c->dma.rle_zero = em->layer->quant.zp_out;
		timeline(em, c, 0);
		ret = 0;
	} else {
		ret = push_dma(em, EYRIE_OP_DMA_STORE,
			       em->bufs->out + eb * ((((uint64_t)t->o[EYR_DIM_N] * mt + k0) * E +
						      t->o[EYR_DIM_E]) * F + t->o[EYR_DIM_F]),
			       i32 ? em->lay.psum[os] : em->lay.out[os], eb, cnt, ds, gs);
	}
	if (ret || !em->plan->map.events)
		return ret;
	em->out_stored[os] = 1;
	return push_event(em, EYRIE_OP_EVENT_SIGNAL, EYR_EV_STORED(os), EYRIE_ENGINE_DMA);
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

/*
 * The step at idx, and which tensors it loads after the step at last (or
 * none). Steps are made in stream order: with spills the bias and table
 * regions remember which (G, M) tile they hold.
 */
static void step_at(struct emitter *em, const uint32_t idx[EYR_DIMS],
		    const uint32_t *last, struct step *st)
{
	const struct eyr_mapping *m = &em->plan->map;
	int d;

	memcpy(st->idx, idx, sizeof(st->idx));
	for (d = 0; d < EYR_DIMS; d++) {
		st->t.o[d] = idx[d] * m->tile[d];
		st->t.l[d] = m->tile[d] < em->g.ext[d] - st->t.o[d] ? m->tile[d] :
								     em->g.ext[d] - st->t.o[d];
	}
	eyr_geom_span_rows(&em->g, st->t.o[EYR_DIM_E], st->t.l[EYR_DIM_E], &st->t.rows);
	eyr_geom_span_cols(&em->g, st->t.o[EYR_DIM_F], st->t.l[EYR_DIM_F], &st->t.cols);
	st->load_in = !last || last[EYR_DIM_N] != idx[EYR_DIM_N] ||
		      last[EYR_DIM_G] != idx[EYR_DIM_G] || last[EYR_DIM_E] != idx[EYR_DIM_E] ||
		      last[EYR_DIM_F] != idx[EYR_DIM_F] || last[EYR_DIM_C] != idx[EYR_DIM_C];
	st->load_w = !last || last[EYR_DIM_G] != idx[EYR_DIM_G] ||
		     last[EYR_DIM_M] != idx[EYR_DIM_M] || last[EYR_DIM_C] != idx[EYR_DIM_C];
	if (em->spill) {
		/*
		 * the bias is read by the first pass over C, the table by the
		 * last: each loaded when its slice of the nest reaches another
		 * (G, M) tile; psums come back for every pass but the first
		 */
		int64_t key = (int64_t)idx[EYR_DIM_G] * m->tiles[EYR_DIM_M] + idx[EYR_DIM_M];

		st->load_b = idx[EYR_DIM_C] == 0 && key != em->b_key;
		if (st->load_b)
			em->b_key = key;
		st->load_q = idx[EYR_DIM_C] == m->tiles[EYR_DIM_C] - 1 && key != em->q_key;
		if (st->load_q)
			em->q_key = key;
		st->load_psum = idx[EYR_DIM_C] != 0;
		return;
	}
	/* bias and quant table: per (G, M) tile, needed from the first C pass */
	st->load_b = idx[EYR_DIM_C] == 0 &&
		     (!last || last[EYR_DIM_G] != idx[EYR_DIM_G] ||
		      last[EYR_DIM_M] != idx[EYR_DIM_M]);
	st->load_q = st->load_b;
	st->load_psum = 0;
}

/* Odometer over the loop nest, innermost (last in order) fastest: 0 at the end. */
static int next_idx(const struct eyr_mapping *m, uint32_t idx[EYR_DIMS])
{
	int d;

	for (d = EYR_DIMS - 1; d >= 0; d--) {
		unsigned int dim = m->order[d];

		if (++idx[dim] < m->tiles[dim])
			return 1;
		idx[dim] = 0;
	}
	return 0;
}

/* The whole layer into em->cb; em->tl ends as the device's time lines. */
static int emit_layer(struct emitter *em)
{
	const struct eyr_mapping *m = &em->plan->map;
	struct eyr_tile_bytes tb;
	struct eyr_dim_tiling te, tf;
	uint32_t idx[EYR_DIMS] = { 0 }, nidx[EYR_DIMS];
	struct step cur, nxt;
	int ret, more, k, psum_early;

	ret = eyr_dim_tiling_init(&em->g, EYR_DIM_E, m->tile[EYR_DIM_E], &te);
	if (!ret)
		ret = eyr_dim_tiling_init(&em->g, EYR_DIM_F, m->tile[EYR_DIM_F], &tf);
	if (ret)
		return ret;
	eyr_tile_bytes(&em->g, m, te.max_in, tf.max_in, em->plan->per_channel, &tb);
	eyr_glb_layout(&tb, m, em->plan->has_bias, &em->lay);
	if (em->lay.glb_bytes > em->arch->glb_bytes ||
	    em->lay.stream_bytes > em->arch->stream_bytes)
		return -ENOSPC;
	memset(&em->tl, 0, sizeof(em->tl));
	em->count = 0;
	em->rle_dense = em->rle_coded = 0;
	if (em->plan->rle_in_rows)
		eyr_rle_layout(em->plan->shape.n, em->plan->shape.c, (uint32_t)em->g.h,
			       (uint32_t)em->g.w, em->plan->rle_in_rows, &em->rl_in);
	if (em->plan->rle_out_rows)
		eyr_rle_layout(em->plan->shape.n, em->plan->shape.m,
			       (uint32_t)em->g.ext[EYR_DIM_E], (uint32_t)em->g.ext[EYR_DIM_F],
			       em->plan->rle_out_rows, &em->rl_out);
	for (k = 0; k < T_LOADED; k++) {
		em->nslot[k] = m->dbuf & (k == T_IN ? EYR_DBUF_IN : EYR_DBUF_W) ? 2 : 1;
		em->slot[k] = em->loads[k] = 0;
		em->last_user[k][0] = em->last_user[k][1] = -1;
	}
	/* a double-buffered ring holds two tiles' rows in the two regions' room */
	em->ring = eyr_map_in_ring(m) && te.nnew && !em->plan->rle_in_rows;
	em->ring_rows = te.max_in * (m->dbuf & EYR_DBUF_IN ? 2 : 1);
	em->ring_v = em->ring_v0 = 0;
	em->ring_w = 0;
	em->out_slots = m->dbuf & EYR_DBUF_OUT ? 2 : 1;
	em->out_tiles = 0;
	em->out_stored[0] = em->out_stored[1] = 0;
	em->out_user[0] = em->out_user[1] = -1;
	em->spill = eyr_map_spills(m);
	em->b_key = em->q_key = -1;
	em->passes = 0;
	em->dma_waited = -1;

	step_at(em, idx, NULL, &cur);
	ret = emit_loads(em, &cur);
	for (more = 1; more && !ret; ) {
		int last_c = cur.idx[EYR_DIM_C] == m->tiles[EYR_DIM_C] - 1;

		ret = emit_pass(em, &cur);
		if (ret)
			break;
		memcpy(nidx, idx, sizeof(idx));
		more = next_idx(m, nidx);
		if (more)
			step_at(em, nidx, idx, &nxt);
		/* with events the next loads go ahead of this store on the DMA unit */
		if (more && m->events)
			ret = emit_loads(em, &nxt);
		/*
		 * spilled psums of the next step: ahead of this store too when
		 * they go to the other output slot, else after it (it reads
		 * the region they overwrite)
		 */
		psum_early = more && m->events && nxt.load_psum && em->out_slots == 2;
		if (!ret && psum_early)
			ret = psum_dma(em, &nxt, EYRIE_OP_DMA_LOAD);
		if (!ret && last_c)
			ret = emit_store(em, &cur);
		else if (!ret && em->spill)
			ret = psum_dma(em, &cur, EYRIE_OP_DMA_STORE);
		if (!ret && more && m->events && nxt.load_psum && !psum_early)
			ret = psum_dma(em, &nxt, EYRIE_OP_DMA_LOAD);
		if (!ret && more && !m->events)
			ret = emit_loads(em, &nxt);
		memcpy(idx, nidx, sizeof(idx));
		cur = nxt;
	}
	if (!ret)
		ret = push_barrier(em);
	return ret;
}

/*
 * The architecture the emitter maps passes on: a plan kept one group at a
 * time maps its passes without sets_g. The stream and every walk of it
 * (the dry ones that cost it) must agree here, or a walk costs passes the
 * stream does not run.
 */
static void emitter_arch(struct emitter *em, const struct eyr_arch *arch,
			 const struct eyr_plan *plan)
{
	em->arch_one_group = *arch;
	em->arch_one_group.flex_noc = 0;
	em->arch = plan->map.one_group ? &em->arch_one_group : arch;
}

int eyr_sched_emit(const struct eyr_arch *arch, const struct eyr_plan *plan,
		   const struct eyr_layer *layer, const struct eyr_layer_bufs *bufs,
		   struct eyr_cmdbuf *cb)
{
	struct emitter *em;
	uint32_t start = cb->count;
	int ret;

	if (layer->shape.op != EYR_LAYER_CONV && layer->shape.op != EYR_LAYER_FC)
		return eyr_sched_emit_simple(arch, plan, layer, bufs, cb);
	if (!same_shape(&layer->shape, &plan->shape))
		return -EINVAL;
	if (plan->per_channel != !!layer->quant.per_channel ||
	    plan->has_bias != !!layer->quant.has_bias ||
	    plan->int32_out != !!layer->quant.int32_out ||
	    plan->fp32_rq != !!layer->quant.fp32_rq)
		return -EINVAL;
	if (plan->map.events && !arch->events)
		return -EINVAL;
	/* spilled psums need their DRAM buffer */
	if (eyr_map_spills(&plan->map) && !bufs->psum)
		return -EINVAL;
	em = calloc(1, sizeof(*em));
	if (!em)
		return -ENOMEM;
	emitter_arch(em, arch, plan);
	em->plan = plan;
	em->layer = layer;
	em->bufs = bufs;
	em->cb = cb;
	ret = eyr_geom_init(&em->g, &plan->shape, NULL, 0);
	em->g.out_bytes = plan->int32_out ? 4 : 1;
	if (!ret)
		ret = eyr_emit_lut_load(plan, layer, bufs, cb);
	if (!ret)
		ret = emit_layer(em);
	if (ret)
		cb->count = start;
	free(em);
	return ret;
}

uint64_t eyr_plan_psum_bytes(const struct eyr_plan *plan)
{
	const struct eyr_layer_shape *s = &plan->shape;

	if ((s->op != EYR_LAYER_CONV && s->op != EYR_LAYER_FC) || !eyr_map_spills(&plan->map))
		return 0;
	if (s->op == EYR_LAYER_FC)
		return 4ull * s->n * s->m;
	return 4ull * s->n * s->m * eyr_layer_out_h(s) * eyr_layer_out_w(s);
}

/*
 * An emitter that walks plan's stream without buffers or a command buffer
 * (em->dry): the layer is made from the plan alone.
 */
static int dry_emitter_init(struct emitter *em, const struct eyr_arch *arch,
			    const struct eyr_plan *plan, struct eyr_layer *ly,
			    struct eyr_layer_bufs *bufs)
{
	int ret;

	ly->shape = plan->shape;
	ly->quant.has_bias = plan->has_bias;
	ly->quant.per_channel = plan->per_channel;
	ly->quant.int32_out = plan->int32_out;
	emitter_arch(em, arch, plan);
	em->plan = plan;
	em->layer = ly;
	em->bufs = bufs;
	em->dry = 1;
	ret = eyr_geom_init(&em->g, &plan->shape, NULL, 0);
	em->g.out_bytes = plan->int32_out ? 4 : 1;
	return ret;
}

/*
 * Coded activations (plan->rle_*_rows): the plan's stream walked without
 * buffers, every coded DMA sized from the tensors (rd, exact) or from the
 * zero fractions; *cycles and *cmds are that stream's (the device's time
 * lines), *dense the words the coded DMAs move in the GLB and *coded their
 * DRAM bytes.
 */
int eyr_sched_rle_walk(const struct eyr_arch *arch, const struct eyr_plan *plan,
		       const struct eyr_rle_data *rd, double zf_in, double zf_out,
		       uint64_t *cycles, uint32_t *cmds, uint64_t *dense, uint64_t *coded)
{
	struct eyr_layer ly = { .name = "plan" };
	struct eyr_layer_bufs bufs = { 0 };
	struct emitter *em = calloc(1, sizeof(*em));
	int ret;

	if (!em)
		return -ENOMEM;
	em->rd = rd;
	em->zf_in = zf_in;
	em->zf_out = zf_out;
	ret = dry_emitter_init(em, arch, plan, &ly, &bufs);
	if (!ret)
		ret = emit_layer(em);
	if (!ret) {
		*cycles = eyr_timeline_end(&em->tl);
		*cmds = em->count;
		*dense = em->rle_dense;
		*coded = em->rle_coded;
	}
	free(em);
	return ret;
}

int eyr_plan_in_ring(const struct eyr_plan *plan)
{
	struct eyr_geom g;
	struct eyr_dim_tiling te;

	if ((plan->shape.op != EYR_LAYER_CONV && plan->shape.op != EYR_LAYER_FC) ||
	    !eyr_map_in_ring(&plan->map) || plan->rle_in_rows ||
	    eyr_geom_init(&g, &plan->shape, NULL, 0) ||
	    eyr_dim_tiling_init(&g, EYR_DIM_E, plan->map.tile[EYR_DIM_E], &te))
		return 0;
	return te.nnew > 0;
}

/*
 * With events (arch->events): which tensors to double-buffer for the plan's
 * tiling. Every choice whose regions fit is emitted without buffers and
 * timed by the device's rules (in the order of the EYR_DBUF_* masks, up to
 * the first that reaches the busier engine's own cycles, which no order of
 * the same commands beats); the fastest (ties: the smaller mask) is kept
 * if it beats the barrier stream, and the plan's cycles, commands and
 * static energy become that stream's. The access counts do not change:
 * the same words move, only when they move does.
 */
int eyr_sched_overlap_choose(const struct eyr_arch *arch, struct eyr_plan *plan)
{
	struct eyr_layer ly = { .name = "plan" };
	struct eyr_layer_bufs bufs = { 0 };
	struct eyr_plan trial = *plan;
	uint64_t best_cycles = plan->cost.cycles;
	uint32_t best_cmds = plan->cost.cmds;
	int best = -1, mask, ret = 0;
	struct emitter *em;

	if (!arch->events)
		return 0;
	em = calloc(1, sizeof(*em));
	if (!em)
		return -ENOMEM;
	ret = dry_emitter_init(em, arch, &trial, &ly, &bufs);
	for (mask = 0; !ret && mask < 8; mask++) {
		uint64_t cyc, floor;
		int r;

		trial.map.events = 1;
		trial.map.dbuf = (uint8_t)mask;
		r = emit_layer(em);
		if (r == -ENOSPC)
			continue;	/* the second regions do not fit */
		if (r) {
			ret = r;
			break;
		}
		cyc = eyr_timeline_end(&em->tl);
		if (arch->max_cmds_per_job && em->count > arch->max_cmds_per_job)
			continue;
		if (cyc < best_cycles) {
			best = mask;
			best_cycles = cyc;
			best_cmds = em->count;
		}
		/* no stream of these commands is faster than its busier engine */
		floor = em->tl.busy[0] > em->tl.busy[1] ? em->tl.busy[0] : em->tl.busy[1];
		if (best_cycles <= floor)
			break;
	}
	free(em);
	if (ret || best < 0)
		return ret;
	plan->map.events = 1;
	plan->map.dbuf = (uint8_t)best;
	plan->cost.cycles = best_cycles;
	plan->cost.cmds = best_cmds;
	eyr_cost_finish(arch, &plan->cost);
	return 0;
}
