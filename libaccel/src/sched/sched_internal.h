/* SPDX-License-Identifier: MIT */
/*
 * Scheduler internals shared by the cost model, the search and emission.
 */
#ifndef EYR_SCHED_INTERNAL_H
#define EYR_SCHED_INTERNAL_H

#include <stdint.h>

#include "sched/sched.h"

/* The layer seen as loop bounds over (N, G, M, E, F, C), plus geometry. */
struct eyr_geom {
	enum eyr_layer_op op;
	uint32_t ext[EYR_DIMS];		/* N, G, Mg, E, F, Cg */
	uint32_t h, w, r, s;
	uint32_t sh, sw, dh, dw;
	uint32_t pt, pb, pl, pr;
	uint64_t macs;
	uint32_t out_bytes;		/* per output element: 1 (int8), 4 (int32 output) */
};

int eyr_geom_init(struct eyr_geom *g, const struct eyr_layer_shape *l,
		  char *err, size_t errlen);

/*
 * Input extent of one output tile along E (rows) or F (columns): the
 * interval of real input rows the tile's windows touch, and the padding
 * left before it (the pass's pad_t / pad_l).
 */
struct eyr_span {
	uint32_t lo;	/* first input row/col loaded */
	uint32_t len;	/* rows/cols loaded (>= 1) */
	uint32_t pad;	/* pass pad before lo */
};
void eyr_geom_span_rows(const struct eyr_geom *g, uint32_t e0, uint32_t e_len,
			struct eyr_span *sp);
void eyr_geom_span_cols(const struct eyr_geom *g, uint32_t f0, uint32_t f_len,
			struct eyr_span *sp);

/* Distinct input rows / columns that some window reads (lower bounds). */
uint64_t eyr_geom_touched_rows(const struct eyr_geom *g);
uint64_t eyr_geom_touched_cols(const struct eyr_geom *g);

/*
 * Tiles of one dimension with a given tile size, grouped into classes of
 * equal (len, in_len): the ragged last tile and the clipped border tiles of
 * E and F get their own classes.
 */
#define EYR_MAX_CLASSES 16
struct eyr_dim_class {
	uint32_t len;		/* output extent (C: input channels) */
	uint32_t in_len;	/* E/F: input rows/cols loaded; else len */
	uint32_t pad;		/* E/F: the tile's padding before its input */
	uint32_t first;		/* C: 1 for the class holding the first tile */
	uint32_t last;		/* C: 1 for the class holding the last tile */
	uint32_t count;
};
struct eyr_dim_tiling {
	uint32_t tile;
	uint32_t tiles;
	uint32_t nclass;
	struct eyr_dim_class cls[EYR_MAX_CLASSES];
	uint64_t sum_in;	/* sum of in_len over all tiles */
	uint32_t max_in;	/* largest in_len */
	/*
	 * E: the rows each tile loads into a ring that holds the tile before
	 * it (eyr_ring_step), as classes of equal row counts, and their sum
	 * over all tiles; nnew = 0 when there is no ring (no halo: the tiles
	 * share no row; more than EYR_MAX_CLASSES counts; a ring of two
	 * tiles' rows above the pass's 16-bit row count). Other dimensions:
	 * nnew = 0, sum_new = sum_in.
	 */
	uint64_t sum_new;
	uint32_t nnew;
	struct { uint32_t rows, count; } newc[EYR_MAX_CLASSES];
	struct eyr_span ring_prev;	/* while tiling: the span of the tile before */
};

/*
 * The rows a row tile loads into the ring after the tile before it in the
 * same sweep (prev): the rows below prev's last (the halo stays), all of
 * its rows when it does not overlap prev, and when it has no new row its
 * last row again (one DMA per load, as the cost model counts). *y0 is the
 * first input row loaded.
 */
static inline void eyr_ring_step(const struct eyr_span *prev, const struct eyr_span *cur,
				 uint32_t *y0, uint32_t *rows)
{
	uint32_t prev_hi = prev->lo + prev->len, hi = cur->lo + cur->len;

	if (cur->lo >= prev_hi) {
		*y0 = cur->lo;
		*rows = cur->len;
	} else if (hi > prev_hi) {
		*y0 = prev_hi;
		*rows = hi - prev_hi;
	} else {
		*y0 = hi - 1;
		*rows = 1;
	}
}
/*
 * Returns 0, or -E2BIG when the tiles of this size fall into more than
 * EYR_MAX_CLASSES shapes (tiny tiles under wide padding): such tile sizes
 * are outside the mapspace.
 */
int eyr_dim_tiling_init(const struct eyr_geom *g, enum eyr_dim d,
			uint32_t tile, struct eyr_dim_tiling *t);

/* One pass's shape (a class of GLB tiles). */
struct eyr_pass_shape {
	uint32_t n, g, m, c;	/* m, c per group */
	uint32_t e, f;		/* output rows/cols */
	uint32_t in_h, in_w;
	uint32_t pad_t, pad_l;	/* the tile's own padding */
	/* flags of the pass that change its counts */
	uint32_t accumulate, bias, per_channel;
};

/* What one pass costs on the array, as the device counts it. */
struct eyr_pass_cost {
	uint64_t access[EYRIE_ACCESS_LEVELS];
	uint64_t cycles;
};

/*
 * Chooses the array mapping of one pass (the best for the objective, see
 * docs/scheduler.md) and its cost. Returns 0 or -ENOSPC if no mapping of
 * this dataflow fits the array and RF.
 */
int eyr_pass_best(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, enum eyr_objective obj,
		  const struct eyr_pass_shape *ps, enum eyr_place in_place,
		  enum eyr_place w_place, struct eyrie_mapping *map,
		  struct eyr_pass_cost *pc);

/*
 * eyr_pass_best through a memo shared by all searches (pass_memo.c): the
 * same result, computed once per (arch, filter geometry, dataflow,
 * objective, pass shape, placements). eyr_pass_memo_clear empties it.
 */
int eyr_pass_best_shared(const struct eyr_arch *arch, const struct eyr_geom *g,
			 enum eyrie_dataflow df, enum eyr_objective obj,
			 const struct eyr_pass_shape *ps, enum eyr_place in_place,
			 enum eyr_place w_place, struct eyrie_mapping *map,
			 struct eyr_pass_cost *pc);
void eyr_pass_memo_clear(void);

/*
 * A floor on one pass's dynamic energy (fJ), cycles and dynamic plus
 * static energy under every array mapping of the dataflow, in closed form
 * (no search).
 */
/*
 * Most MACs per cycle the array can sustain on passes of R filter rows,
 * output-row tiles of at most E rows and mc (output, input) channel pairs:
 * the best spatial_r x spatial_e over the PE sets the mesh holds
 * (eyrie_pe_set_slots), with the filter rows folded into ceil(R /
 * spatial_r) filter-row tiles, each taking a whole fold's time.
 */
double eyr_max_active_pes(const struct eyr_arch *arch, uint32_t R, uint32_t E, uint64_t mc);
void eyr_pass_floor(const struct eyr_arch *arch, const struct eyr_geom *g,
		    enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		    enum eyr_place in_place, enum eyr_place w_place,
		    double *dyn_fj, double *cycles, double *energy_fj);
/*
 * A tighter floor of the same (a relaxation of eyr_pass_best over every
 * spatial shape, sets_m and RF blocks), about a fifth of eyr_pass_best's
 * work; energy_fj: a floor on dynamic plus static energy (each candidate's
 * own cycles priced at the static power), which can be above dyn_fj plus
 * the static energy of the least cycles.
 */
void eyr_pass_floor_fine(const struct eyr_arch *arch, const struct eyr_geom *g,
			 enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
			 enum eyr_place in_place, enum eyr_place w_place,
			 double *dyn_fj, double *cycles, double *energy_fj);

/* Cost of one pass with a given mapping (-EINVAL if it does not fit). */
int eyr_pass_cost(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		  enum eyr_place in_place, enum eyr_place w_place,
		  const struct eyrie_mapping *map, struct eyr_pass_cost *pc);

/* Per-tensor sizes of a GLB tile, for capacity checks and the GLB layout. */
struct eyr_tile_bytes {
	uint64_t in, w, bias, quant, psum, out;
};
void eyr_tile_bytes(const struct eyr_geom *g, const struct eyr_mapping *m,
		    uint32_t max_in_h, uint32_t max_in_w, int per_channel,
		    struct eyr_tile_bytes *tb);

/* Where a tile's operands live (GLB offsets, or EYRIE_ADDR_STREAM|offset). */
struct eyr_glb_layout {
	/* [1]: the second region of a double-buffered tensor (m->dbuf), else [0] */
	uint32_t in[2], w[2], bias[2], quant[2], psum[2], out[2];
	uint64_t glb_bytes, stream_bytes;	/* footprints */
};
int eyr_glb_layout(const struct eyr_tile_bytes *tb, const struct eyr_mapping *m,
		   int has_bias, struct eyr_glb_layout *lay);
/*
 * A placement of a tile's operands as a number: bit 0 inputs streamed,
 * bit 1 weights streamed. Without a stream buffer only 0 exists.
 */
static inline unsigned int eyr_placements(const struct eyr_arch *arch)
{
	return arch->stream_bytes ? 4 : 1;
}

/* Where a placement puts the inputs (weights = 0) or the weights (1). */
static inline enum eyr_place eyr_place_of(unsigned int places, int weights)
{
	return (places >> weights) & 1 ? EYR_PLACE_STREAM : EYR_PLACE_GLB;
}

static inline void eyr_mapping_set_places(struct eyr_mapping *m, unsigned int places)
{
	m->place_in = eyr_place_of(places, 0);
	m->place_w = eyr_place_of(places, 1);
}

static inline unsigned int eyr_mapping_places(const struct eyr_mapping *m)
{
	return (m->place_in == EYR_PLACE_STREAM) | (m->place_w == EYR_PLACE_STREAM) << 1;
}

/*
 * Placements (a bit per placement number) under which a tile of these
 * sizes fits the GLB and the stream buffer.
 */
unsigned int eyr_tile_fit_mask(const struct eyr_arch *arch, const struct eyr_tile_bytes *tb,
			       const struct eyr_mapping *m, int has_bias);

/*
 * Whether a mapping's passes spill their psums to DRAM: C is tiled and a
 * non-trivial loop runs inside the C loop, so an output tile's passes over
 * C are not consecutive and its int32 psums leave the GLB between them
 * (stored after every pass but the last over C, loaded back before every
 * pass but the first).
 */
static inline int eyr_map_spills(const struct eyr_mapping *m)
{
	int i, below = 0;

	if (m->tiles[EYR_DIM_C] <= 1)
		return 0;
	for (i = EYR_DIMS - 1; i >= 0 && m->order[i] != EYR_DIM_C; i--)
		below |= m->tiles[m->order[i]] > 1;
	return below;
}

/*
 * Whether a mapping keeps its inputs in a ring (halo reuse, docs/
 * scheduler.md): asked for (m->in_ring), rows in several tiles, the
 * inputs in the GLB, and E the innermost non-trivial loop the inputs
 * depend on (only M, which they ignore, may run inside it), so consecutive
 * input loads are consecutive row tiles of one (N, G, C, F) tile. The E
 * tiling must allow it too (eyr_dim_tiling.nnew).
 */
static inline int eyr_map_in_ring(const struct eyr_mapping *m)
{
	int i;

	if (!m->in_ring || m->tiles[EYR_DIM_E] <= 1 || m->place_in != EYR_PLACE_GLB)
		return 0;
	for (i = EYR_DIMS - 1; i >= 0; i--) {
		unsigned int d = m->order[i];

		if (d == EYR_DIM_E)
			return 1;
		if (d != EYR_DIM_M && m->tiles[d] > 1)
			return 0;
	}
	return 0;
}

/*
 * Whether consecutive output rows' windows share input rows (a dilated
 * window taller than the stride): else no row tiling has a halo, and
 * rings change nothing.
 */
static inline int eyr_geom_has_halo(const struct eyr_geom *g)
{
	return g->op == EYR_LAYER_CONV && g->ext[EYR_DIM_E] > 1 &&
	       (uint64_t)g->dh * (g->r - 1) + 1 > g->sh;
}

/* Whether a planned conv's stream keeps its inputs in a ring (emit.c). */
int eyr_plan_in_ring(const struct eyr_plan *plan);

/* Loads of a tensor whose tile depends on the dims in the relevant mask. */
uint64_t eyr_loads(const struct eyr_mapping *m, unsigned int relevant,
		   int with_c, uint64_t *refetch);

/*
 * The DMA-level cost of a tiling split into what does not depend on the
 * loop order (words and DMA cycles of each tensor loaded once) and what
 * does (how often each is loaded): the exhaustive search costs all 720
 * orders of a tiling from one of these.
 */
struct eyr_dram_units {
	uint64_t in_words, w_words, b_words, q_words, out_words;
	/* DMA cycles of one load of every tile (exact: per command) */
	uint64_t in_cyc, w_cyc, b_cyc, q_cyc, out_cyc;
	/*
	 * The inputs through a ring (eyr_map_in_ring): words and DMA cycles of
	 * one sweep of every (N, G, C, F) tile over the row tiles, each loading
	 * its new rows; in_ring_ok = 0 when the E tiling has no ring
	 */
	uint64_t in_ring_words, in_ring_cyc;
	int in_ring_ok;
	/* one store (or one load) of every output tile's int32 psums */
	uint64_t psum_cyc;
	int exact_cycles;
};
void eyr_dram_units(const struct eyr_arch *arch, const struct eyr_geom *g,
		    const struct eyr_dim_tiling *const dt[EYR_DIMS], int has_bias,
		    int per_channel, int exact_cycles, struct eyr_dram_units *u);
void eyr_cost_dram_units(const struct eyr_arch *arch, const struct eyr_geom *g,
			 const struct eyr_mapping *m, const struct eyr_dram_units *u,
			 int has_bias, int per_channel, struct eyr_cost *c);

/* DMA-level part of a mapping's cost (fills c from scratch). */
void eyr_cost_dram(const struct eyr_arch *arch, const struct eyr_geom *g,
		   const struct eyr_mapping *m,
		   const struct eyr_dim_tiling *const dt[EYR_DIMS], int has_bias,
		   int per_channel, struct eyr_cost *c);

/* Same; exact_cycles = 0 gives a floor on the DMA cycles, cheaply. */
void eyr_cost_dram2(const struct eyr_arch *arch, const struct eyr_geom *g,
		    const struct eyr_mapping *m,
		    const struct eyr_dim_tiling *const dt[EYR_DIMS], int has_bias,
		    int per_channel, int exact_cycles, struct eyr_cost *c);

/* Energy and objective helpers. */
void eyr_cost_finish(const struct eyr_arch *arch, struct eyr_cost *c);
int eyr_sched_rle_walk(const struct eyr_arch *arch, const struct eyr_plan *plan,
		       const struct eyr_rle_data *rd, double zf_in, double zf_out,
		       uint64_t *cycles, uint32_t *cmds, uint64_t *dense, uint64_t *coded);
/* Decides the coded layouts of a planned conv (plan->rle_*_rows). */
void eyr_sched_rle_choose(const struct eyr_arch *arch, uint32_t in_rows, int out,
			  struct eyr_plan *plan);

/*
 * Adds the activation table of a layer with `outputs` int8 outputs: its
 * LUT_LOAD (DRAM reads, table writes, DMA time in the stream's first DMA
 * segment) and one table read per output. Mapping-independent.
 */
void eyr_cost_add_lut(const struct eyr_arch *arch, uint64_t outputs,
		      struct eyr_cost *c);

/* Appends the LUT_LOAD that starts a layer's stream when it uses a table. */
int eyr_emit_lut_load(const struct eyr_plan *plan, const struct eyr_layer *layer,
		      const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb);
/*
 * With arch->events: the plan's tiling as an overlapped stream (events,
 * double buffers chosen per tensor) when that is faster (emit.c).
 */
int eyr_sched_overlap_choose(const struct eyr_arch *arch, struct eyr_plan *plan);
double eyr_objective_value(enum eyr_objective o, const struct eyr_cost *c);
/*
 * Whether a is strictly better than b under o: the value above, and for
 * EYR_OBJ_DRAM the energy on equal DRAM words.
 */
int eyr_objective_better(enum eyr_objective o, const struct eyr_cost *a,
			 const struct eyr_cost *b);

/* Cycles of one DMA of words words of elem_bytes bytes. */
uint64_t eyr_dma_cycles(const struct eyr_arch *arch, uint64_t words,
			uint32_t elem_bytes);

uint64_t eyr_now_us(void);
/* Formats the message into err (when given) and returns ret. */
int eyr_set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * CPU time of this thread, in us: search budgets count the search's own
 * work, so a loaded machine does not change a result.
 */
uint64_t eyr_cpu_now_us(void);

/* The optimal search for conv and FC layers (search.c). */
int eyr_sched_plan_conv(const struct eyr_arch *arch, const struct eyr_sched_opts *o,
			struct eyr_plan *plan, char *err, size_t errlen);

/* Pooling and element-wise layers: a simple correct tiling (simple.c). */
int eyr_sched_plan_simple(const struct eyr_arch *arch, struct eyr_plan *plan,
			  char *err, size_t errlen);
int eyr_sched_emit_simple(const struct eyr_arch *arch, const struct eyr_plan *plan,
			  const struct eyr_layer *layer,
			  const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb);

/* Event numbers of an overlapped stream (EYRIE_NUM_EVENTS = 16; emit.c, chain.c). */
#define EYR_EV_LOADED		0u	/* DMA: the loads of a step are in */
#define EYR_EV_STORED(s)	(1u + (s))	/* DMA: the output of slot s is out */
#define EYR_EV_PASS(p)		(8u + (uint32_t)((p) % 8))	/* array: pass p is done */

/*
 * The device's time lines over a stream (docs/sim.md "Job time and
 * energy"): each engine's clock, when each event was last set, each
 * engine's own busy cycles. eyr_timeline_cmd advances them by one command
 * in buffer order; cycles is the command's own time for DMAs and passes
 * (ignored for the others). The end of the stream is the later clock.
 */
struct eyr_timeline {
	uint64_t t[EYRIE_ENGINE_COUNT], ev[EYRIE_NUM_EVENTS];
	uint64_t busy[EYRIE_ENGINE_COUNT];
};
void eyr_timeline_cmd(struct eyr_timeline *tl, const union eyrie_cmd *c, uint64_t cycles);
static inline uint64_t eyr_timeline_end(const struct eyr_timeline *tl)
{
	return tl->t[0] > tl->t[1] ? tl->t[0] : tl->t[1];
}

/* Appends one zeroed command; NULL on allocation failure. */
union eyrie_cmd *eyr_cmdbuf_push(struct eyr_cmdbuf *cb, enum eyrie_opcode op);
int eyr_pass_check(const struct eyr_arch *arch, const struct eyr_geom *g,
		   enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		   const struct eyrie_mapping *mp);

static inline uint32_t eyr_div_up(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

#endif /* EYR_SCHED_INTERNAL_H */
