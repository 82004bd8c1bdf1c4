// SPDX-License-Identifier: MIT
/*
 * The cost model above the array: DMA traffic between DRAM and the GLB (or
 * the stream buffer) implied by the GLB tiling and the loop order, the GLB
 * footprint of a tile, and the sum of the passes' costs. Its counting rules
 * mirror the device's (docs/sim.md); docs/scheduler.md states them.
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sched/sched_internal.h"

uint64_t eyr_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

void eyr_tile_bytes(const struct eyr_geom *g, const struct eyr_mapping *m,
		    uint32_t max_in_h, uint32_t max_in_w, int per_channel,
		    struct eyr_tile_bytes *tb)
{
	uint64_t gm = (uint64_t)m->tile[EYR_DIM_G] * m->tile[EYR_DIM_M];
	uint64_t gc = (uint64_t)m->tile[EYR_DIM_G] * m->tile[EYR_DIM_C];
	uint64_t outs = (uint64_t)m->tile[EYR_DIM_N] * gm * m->tile[EYR_DIM_E] *
			m->tile[EYR_DIM_F];

	tb->in = (uint64_t)m->tile[EYR_DIM_N] * gc * max_in_h * max_in_w;
	tb->w = gm * m->tile[EYR_DIM_C] * g->r * g->s;
	tb->bias = 4 * gm;
	tb->quant = per_channel ? 8 * gm : 0;
	/*
	 * psums live in the GLB between passes over C tiles; an int32 output
	 * is the psums themselves (no requantized int8 copy)
	 */
	tb->psum = m->tiles[EYR_DIM_C] > 1 || g->out_bytes == 4 ? 4 * outs : 0;
	tb->out = g->out_bytes == 4 ? 0 : outs;
}

/* One region of bytes in a space; a double-buffered tensor gets two. */
static void region(uint64_t *top, uint64_t bytes, int two, int aligned, uint32_t tag,
		   uint32_t r[2])
{
	r[0] = (uint32_t)*top | tag;
	*top = aligned ? align4(*top + bytes) : *top + bytes;
	r[1] = r[0];
	if (two) {
		r[1] = (uint32_t)*top | tag;
		*top = aligned ? align4(*top + bytes) : *top + bytes;
	}
}

int eyr_glb_layout(const struct eyr_tile_bytes *tb, const struct eyr_mapping *m,
		   int has_bias, struct eyr_glb_layout *lay)
{
	uint64_t glb = 0, str = 0;
	int din = !!(m->dbuf & EYR_DBUF_IN), dw = !!(m->dbuf & EYR_DBUF_W);
	int dout = !!(m->dbuf & EYR_DBUF_OUT);

	memset(lay, 0, sizeof(*lay));
	if (m->place_in == EYR_PLACE_STREAM)
		region(&str, tb->in, din, 1, EYRIE_ADDR_STREAM, lay->in);
	else
		region(&glb, tb->in, din, 1, 0, lay->in);
	if (m->place_w == EYR_PLACE_STREAM)
		region(&str, tb->w, dw, 1, EYRIE_ADDR_STREAM, lay->w);
	else
		region(&glb, tb->w, dw, 1, 0, lay->w);
	if (has_bias)
		region(&glb, tb->bias, dw, 0, 0, lay->bias);
	region(&glb, tb->quant, dw, 0, 0, lay->quant);
	region(&glb, tb->psum, dout, 0, 0, lay->psum);
	region(&glb, tb->out, dout, 0, 0, lay->out);
	lay->glb_bytes = glb;
	lay->stream_bytes = str;
	return 0;
}

unsigned int eyr_tile_fit_mask(const struct eyr_arch *arch, const struct eyr_tile_bytes *tb,
			       const struct eyr_mapping *m, int has_bias)
{
	unsigned int places, mask = 0;

	for (places = 0; places < eyr_placements(arch); places++) {
		struct eyr_mapping mp = *m;
		struct eyr_glb_layout lay;

		eyr_mapping_set_places(&mp, places);
		eyr_glb_layout(tb, &mp, has_bias, &lay);
		if (lay.glb_bytes <= arch->glb_bytes && lay.stream_bytes <= arch->stream_bytes)
			mask |= 1u << places;
	}
	return mask;
}

void eyr_cost_add_lut(const struct eyr_arch *arch, uint64_t outputs,
		      struct eyr_cost *c)
{
	c->access[EYRIE_ENERGY_DRAM] += EYRIE_LUT_ENTRIES;
	c->dram_words += EYRIE_LUT_ENTRIES;
	c->dram_bytes += EYRIE_LUT_ENTRIES;
	/* the table is a register file: written once, read per output */
	c->access[EYRIE_ENERGY_RF] += EYRIE_LUT_ENTRIES + outputs;
	/* the first segment of every stream is DMA only: the time adds */
	c->cycles += eyr_dma_cycles(arch, EYRIE_LUT_ENTRIES, 1);
	c->cmds += 1;
	eyr_cost_finish(arch, c);
}

uint64_t eyr_dma_cycles(const struct eyr_arch *arch, uint64_t words,
			uint32_t elem_bytes)
{
	uint64_t bytes = words * elem_bytes;
	uint64_t d = (bytes + arch->dram_bytes_per_cycle - 1) / arch->dram_bytes_per_cycle;
	uint64_t g = (bytes + arch->glb_bytes_per_cycle - 1) / arch->glb_bytes_per_cycle;

	/* the slower of the DRAM and the GLB port sets the pace */
	return d > g ? d : g;
}

/*
 * How often a tensor's tile is loaded: it is reloaded whenever the loop
 * nest moves to an iteration where one of its indices changed, i.e. once
 * per iteration of every loop down to the innermost non-trivial loop over
 * one of its dimensions. Returns the number of loads and, in *refetch, the
 * factor by which the irrelevant loops above that point multiply its words.
 */
uint64_t eyr_loads(const struct eyr_mapping *m, unsigned int relevant,
		   int with_c, uint64_t *refetch)
{
	int inner = -1, i;
	uint64_t loads = 1, f = 1;

	for (i = 0; i < EYR_DIMS; i++) {
		unsigned int d = m->order[i];

		if (d == EYR_DIM_C && !with_c)
			continue;
		if (m->tiles[d] > 1 && (relevant >> d & 1))
			inner = i;
	}
	for (i = 0; i <= inner; i++) {
		unsigned int d = m->order[i];

		if (d == EYR_DIM_C && !with_c)
			continue;
		loads *= m->tiles[d];
		if (!(relevant >> d & 1))
			f *= m->tiles[d];
	}
	if (refetch)
		*refetch = f;
	return loads;
}

#define BIT(d) (1u << (d))
#define REL_IN (BIT(EYR_DIM_N) | BIT(EYR_DIM_G) | BIT(EYR_DIM_E) | BIT(EYR_DIM_F) | BIT(EYR_DIM_C))
#define REL_W (BIT(EYR_DIM_G) | BIT(EYR_DIM_M) | BIT(EYR_DIM_C))
#define REL_B (BIT(EYR_DIM_G) | BIT(EYR_DIM_M))

/*
 * eyr_loads for the inputs, the weights and the bias/quant tables at once,
 * and the number of passes: one walk over the loop order (this runs for
 * every candidate tiling of the search).
 */
static void loads3(const struct eyr_mapping *m, uint64_t *n_in, uint64_t *f_in,
		   uint64_t *n_w, uint64_t *f_w, uint64_t *n_b, uint64_t *f_b,
		   uint64_t *passes)
{
	/* running products: all trip counts, without C, and the irrelevant ones */
	uint64_t p = 1, pb = 1, si = 1, sw = 1, sb = 1;
	int i;

	*n_in = *f_in = *n_w = *f_w = *n_b = *f_b = 1;
	for (i = 0; i < EYR_DIMS; i++) {
		unsigned int d = m->order[i];
		uint64_t t = m->tiles[d];

		if (t == 1)
			continue;	/* a trivial loop changes no product */
		p *= t;
		if (REL_IN >> d & 1) {
			*n_in = p;
			*f_in = si;
		} else {
			si *= t;
		}
		if (REL_W >> d & 1) {
			*n_w = p;
			*f_w = sw;
		} else {
			sw *= t;
		}
		if (d == EYR_DIM_C)
			continue;	/* bias and quant tables ignore C */
		pb *= t;
		if (REL_B >> d & 1) {
			*n_b = pb;
			*f_b = sb;
		} else {
			sb *= t;
		}
	}
	*passes = p;
}

void eyr_cost_dram(const struct eyr_arch *arch, const struct eyr_geom *g,
		   const struct eyr_mapping *m, const struct eyr_dim_tiling *const dt[EYR_DIMS],
		   int has_bias, int per_channel, struct eyr_cost *c)
{
	eyr_cost_dram2(arch, g, m, dt, has_bias, per_channel, 1, c);
}

void eyr_dram_units(const struct eyr_arch *arch, const struct eyr_geom *g,
		    const struct eyr_dim_tiling *const dt[EYR_DIMS], int has_bias,
		    int per_channel, int exact_cycles, struct eyr_dram_units *u)
{
	uint64_t cin = (uint64_t)g->ext[EYR_DIM_G] * g->ext[EYR_DIM_C];
	uint64_t mall = (uint64_t)g->ext[EYR_DIM_G] * g->ext[EYR_DIM_M];
	const struct eyr_dim_tiling *tn = dt[EYR_DIM_N], *tg = dt[EYR_DIM_G],
		*tm = dt[EYR_DIM_M], *tc = dt[EYR_DIM_C], *te = dt[EYR_DIM_E],
		*tf = dt[EYR_DIM_F];
	uint32_t a, b, x, y, uu, v;

	memset(u, 0, sizeof(*u));
	u->exact_cycles = exact_cycles;
	u->in_words = g->ext[EYR_DIM_N] * cin * dt[EYR_DIM_E]->sum_in * dt[EYR_DIM_F]->sum_in;
	u->w_words = mall * g->ext[EYR_DIM_C] * g->r * g->s;
	u->b_words = has_bias ? mall : 0;
	u->q_words = per_channel ? 2 * mall : 0;
	u->out_words = g->ext[EYR_DIM_N] * mall * g->ext[EYR_DIM_E] * g->ext[EYR_DIM_F];
	u->in_ring_ok = te->nnew > 0;
	u->in_ring_words = g->ext[EYR_DIM_N] * cin * te->sum_new * tf->sum_in;
	if (!exact_cycles)
		return;
	/*
	 * DMA time: the device rounds each command up to whole cycles, so sum
	 * per class of equal tiles (times how often each is loaded).
	 */
	for (a = 0; a < tn->nclass; a++)
	for (b = 0; b < tg->nclass; b++)
	for (y = 0; y < tc->nclass; y++)
	for (uu = 0; uu < te->nclass; uu++)
	for (v = 0; v < tf->nclass; v++) {
		uint64_t cnt = (uint64_t)tn->cls[a].count * tg->cls[b].count *
			       tc->cls[y].count * te->cls[uu].count * tf->cls[v].count;
		uint64_t words = (uint64_t)tn->cls[a].len * tg->cls[b].len *
				 tc->cls[y].len * te->cls[uu].in_len * tf->cls[v].in_len;

		u->in_cyc += cnt * eyr_dma_cycles(arch, words, 1);
	}
	/* through a ring: each row tile loads its new rows (newc) instead */
	for (a = 0; a < tn->nclass && u->in_ring_ok; a++)
	for (b = 0; b < tg->nclass; b++)
	for (y = 0; y < tc->nclass; y++)
	for (v = 0; v < tf->nclass; v++) {
		uint64_t cnt = (uint64_t)tn->cls[a].count * tg->cls[b].count *
			       tc->cls[y].count * tf->cls[v].count;
		uint64_t plane = (uint64_t)tn->cls[a].len * tg->cls[b].len *
				 tc->cls[y].len * tf->cls[v].in_len;

		for (uu = 0; uu < te->nnew; uu++)
			u->in_ring_cyc += cnt * te->newc[uu].count *
					  eyr_dma_cycles(arch, plane * te->newc[uu].rows, 1);
	}
	for (b = 0; b < tg->nclass; b++)
	for (x = 0; x < tm->nclass; x++) {
		uint64_t cnt = (uint64_t)tg->cls[b].count * tm->cls[x].count;
		uint64_t mt = (uint64_t)tg->cls[b].len * tm->cls[x].len;

		for (y = 0; y < tc->nclass; y++)
			u->w_cyc += cnt * tc->cls[y].count *
				    eyr_dma_cycles(arch, mt * tc->cls[y].len * g->r * g->s, 1);
		if (has_bias)
			u->b_cyc += cnt * eyr_dma_cycles(arch, mt, 4);
		if (per_channel)
			u->q_cyc += cnt * eyr_dma_cycles(arch, 2 * mt, 4);
		for (a = 0; a < tn->nclass; a++)
		for (uu = 0; uu < te->nclass; uu++)
		for (v = 0; v < tf->nclass; v++) {
			uint64_t n = cnt * tn->cls[a].count * te->cls[uu].count * tf->cls[v].count;
			uint64_t words = mt * tn->cls[a].len * te->cls[uu].len * tf->cls[v].len;

			u->out_cyc += n * eyr_dma_cycles(arch, words, g->out_bytes);
			u->psum_cyc += n * eyr_dma_cycles(arch, words, 4);
		}
	}
}

void eyr_cost_dram_units(const struct eyr_arch *arch, const struct eyr_geom *g,
			 const struct eyr_mapping *m, const struct eyr_dram_units *u,
			 int has_bias, int per_channel, struct eyr_cost *c)
{
	uint64_t f_in, f_w, f_b, n_in, n_w, n_b, passes, stores, spills;
	uint64_t in_words, w_words, b_words, q_words, psum_words;
	/* halo reuse: every sweep over the row tiles loads only new rows */
	int ring = u->in_ring_ok && eyr_map_in_ring(m);

	memset(c, 0, sizeof(*c));
	loads3(m, &n_in, &f_in, &n_w, &f_w, &n_b, &f_b, &passes);
	stores = passes / m->tiles[EYR_DIM_C];
	/*
	 * Psum spills (eyr_map_spills): every output tile's int32 psums go to
	 * DRAM after each of its passes but the last over C and come back
	 * before each but the first. The bias is read by the first pass over
	 * C and the per-channel table by the last: with C outside the M loop
	 * each is loaded in its own slice of the nest (C fixed at its first or
	 * last tile), which is the nest without C: as often as when C is
	 * innermost.
	 */
	spills = eyr_map_spills(m) ? m->tiles[EYR_DIM_C] - 1 : 0;

	in_words = (ring ? u->in_ring_words : u->in_words) * f_in;
	w_words = u->w_words * f_w;
	b_words = u->b_words * f_b;
	q_words = u->q_words * f_b;
	psum_words = 2 * spills * u->out_words;

	c->in_words = in_words;
	c->w_words = w_words;
	c->psum_words = psum_words;
	c->dram_words = in_words + w_words + b_words + q_words + u->out_words + psum_words;
	c->dram_bytes = in_words + w_words + 4 * (b_words + q_words + psum_words) +
			g->out_bytes * u->out_words;
	c->access[EYRIE_ENERGY_DRAM] = c->dram_words;
	/* every word a DMA moves is written to or read from the GLB once */
	c->access[EYRIE_ENERGY_GLB] = (m->place_in == EYR_PLACE_GLB ? in_words : 0) +
				      (m->place_w == EYR_PLACE_GLB ? w_words : 0) +
				      b_words + q_words + u->out_words + psum_words;
	c->macs = g->macs;
	if (!u->exact_cycles) {
		/* a floor: per-command rounding only adds */
		uint32_t rate = arch->dram_bytes_per_cycle < arch->glb_bytes_per_cycle ?
				arch->dram_bytes_per_cycle : arch->glb_bytes_per_cycle;

		c->cycles = c->dram_bytes / rate;
	} else {
		c->cycles = f_in * (ring ? u->in_ring_cyc : u->in_cyc) + f_w * u->w_cyc +
			    f_b * (u->b_cyc + u->q_cyc) +
			    u->out_cyc + 2 * spills * u->psum_cyc;
	}
	c->cmds = (uint32_t)(n_in + n_w + (has_bias ? n_b : 0) + (per_channel ? n_b : 0) +
			     3 * passes + stores + 2 * spills * stores + 1);
}

void eyr_cost_dram2(const struct eyr_arch *arch, const struct eyr_geom *g,
		    const struct eyr_mapping *m, const struct eyr_dim_tiling *const dt[EYR_DIMS],
		    int has_bias, int per_channel, int exact_cycles, struct eyr_cost *c)
{
	struct eyr_dram_units u;

	eyr_dram_units(arch, g, dt, has_bias, per_channel, exact_cycles, &u);
	eyr_cost_dram_units(arch, g, m, &u, has_bias, per_channel, c);
}
