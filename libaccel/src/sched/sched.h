/* SPDX-License-Identifier: MIT */
/*
 * Tile scheduler: internal API (libaccel/src/sched/).
 *
 * For one device layer (struct eyr_layer_shape) and one device description
 * (struct eyr_arch) the scheduler finds the mapping of least cost in its
 * mapspace (docs/scheduler.md), predicts what the device will measure for it
 * (energy per domain, cycles, DRAM traffic) and emits the command stream
 * that executes it.
 *
 *   struct eyr_arch arch;
 *   eyr_arch_from_desc(&arch, &desc, caps);          // or eyr_arch_load()
 *   struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;   // RS, energy
 *   struct eyr_plan plan;
 *   eyr_sched_plan(&arch, &layer.shape, &o, &plan);
 *   eyr_sched_emit(&arch, &plan, &layer, &bufs, &cmdbuf);
 *
 * Conv, grouped/depthwise conv and FC get the optimal mapping; MAXPOOL,
 * AVGPOOL and ADD get a simple correct tiling (plan and emit work the same
 * way for them), so the runner has one place to get command streams.
 *
 * Thread safety: no global state; every call only touches its arguments.
 */
#ifndef EYR_SCHED_H
#define EYR_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "eyrie_hw.h"
#include "layer.h"

/* ---------------------------------------------------------------------
 * Architecture: everything the scheduler knows about the hardware.
 * --------------------------------------------------------------------- */
struct eyr_arch {
	char name[64];			/* "device" or the arch file's name */
	uint32_t pe_rows, pe_cols;
	uint32_t rf_ifmap_words;	/* per-PE RF entries per data type */
	uint32_t rf_filter_words;
	uint32_t rf_psum_words;
	uint32_t glb_bytes;
	uint32_t stream_bytes;		/* 0: no GLB bypass */
	uint32_t clock_khz;
	uint32_t dram_bytes_per_cycle;
	uint32_t glb_bytes_per_cycle;
	uint32_t noc_words_per_cycle;
	uint32_t energy_fj[EYRIE_ACCESS_LEVELS]; /* per word access / per MAC */
	uint32_t static_mw;
	uint32_t max_cmds_per_job;	/* 0: unlimited */
	uint32_t events;		/* 1: EVENT_SIGNAL / WAIT (EYRIE_CAP_EVENTS) */
	uint32_t zero_gate;		/* 1: PASS_F_ZERO_GATE (EYRIE_CAP_ZERO_GATE) */
	uint32_t rle_dma;		/* 1: DMA_F_RLE (EYRIE_CAP_RLE_DMA) */
	uint32_t flex_noc;		/* 1: group-parallel PE sets (EYRIE_CAP_FLEX_NOC) */
	uint32_t fp32_rq;		/* 1: binary32 requantization (EYRIE_CAP_FP32_REQUANT) */
	uint32_t in_ring;		/* 1: row-circular inputs, halo reuse (EYRIE_CAP_IN_RING) */
	uint32_t out_ring;		/* 1: row-circular conv outputs (EYRIE_CAP_OUT_RING) */
};

/* From the device's description (ctrl.desc) and capabilities (ctrl.caps). */
void eyr_arch_from_desc(struct eyr_arch *arch, const struct eyrie_hw_desc *desc,
			uint64_t caps);

/* Back to a device description (used by tests to start a sim with it). */
void eyr_arch_to_desc(const struct eyr_arch *arch, struct eyrie_hw_desc *desc);

/*
 * Reads an architecture file (format in docs/scheduler.md: "key = value"
 * lines, '#' comments). Keys not given keep the value already in *arch, so
 * callers start from the device's description. Returns 0 or -errno with a
 * message naming the line and the problem in err.
 */
int eyr_arch_load(struct eyr_arch *arch, const char *path, char *err,
		  size_t errlen);
int eyr_arch_parse(struct eyr_arch *arch, const char *text, const char *what,
		   char *err, size_t errlen);
/* Architecture files are small: anything larger is not one. */
#define EYR_ARCH_TEXT_MAX (1u << 20)

/* Checks an arch for values the model cannot use (0 PEs, ...). */
int eyr_arch_check(const struct eyr_arch *arch, char *err, size_t errlen);

/* ---------------------------------------------------------------------
 * Mapping
 * --------------------------------------------------------------------- */

struct eyr_rle_data;

/* Loop dimensions of the DRAM -> GLB tiling. */
enum eyr_dim {
	EYR_DIM_N = 0,	/* batch */
	EYR_DIM_G = 1,	/* groups */
	EYR_DIM_M = 2,	/* output channels (within a group) */
	EYR_DIM_E = 3,	/* output rows */
	EYR_DIM_F = 4,	/* output columns */
	EYR_DIM_C = 5,	/* input channels (within a group) */
	EYR_DIMS = 6,
};

/* Where a data type goes on its way from DRAM to the array. */
enum eyr_place {
	EYR_PLACE_GLB = 0,	/* DMA into the GLB, reused from there */
	EYR_PLACE_STREAM = 1,	/* DMA into the stream buffer (GLB bypass) */
};

struct eyr_mapping {
	enum eyrie_dataflow dataflow;
	/* GLB tile size per dimension (last tile of a dimension may be ragged) */
	uint32_t tile[EYR_DIMS];
	/* number of tiles per dimension: ceil(extent / tile) */
	uint32_t tiles[EYR_DIMS];
	/*
	 * DRAM-level loop order, outermost first; with a non-trivial loop
	 * inside C the psums spill to DRAM (eyr_map_spills)
	 */
	uint8_t order[EYR_DIMS];
	enum eyr_place place_in, place_w;
	/* spatial unrolling and RF blocking of each pass (uapi layout) */
	struct eyrie_mapping pass;
	/*
	 * Overlap (arch->events): the stream orders the DMA unit and the array
	 * with events instead of barriers, and dbuf (EYR_DBUF_*) says which
	 * tensors get two GLB regions, so the next tile loads while the array
	 * works on the current one. Chosen after the tiling (docs/scheduler.md).
	 */
	uint8_t events;
	uint8_t dbuf;
	/*
	 * Flexible NoC (arch->flex_noc): 1 when the passes run one group at a
	 * time because that stream beat the group-parallel one once
	 * overlapped (docs/scheduler.md); emission then maps the passes
	 * without sets_g.
	 */
	uint8_t one_group;
	/*
	 * Halo reuse (arch->in_ring): the input tile is a ring of rows in the
	 * GLB, so a row tile that follows the one before it in the same
	 * (N, G, C, F) tile loads only its new rows. Used where eyr_map_in_ring
	 * says the loop order allows it (docs/scheduler.md, "Halo reuse").
	 */
	uint8_t in_ring;
};
#define EYR_DBUF_IN	1u	/* inputs */
#define EYR_DBUF_W	2u	/* weights, bias and per-channel table */
#define EYR_DBUF_OUT	4u	/* psums and outputs */

/* ---------------------------------------------------------------------
 * Cost: what the device is predicted to measure.
 * --------------------------------------------------------------------- */
struct eyr_cost {
	uint64_t energy_fj[EYRIE_ENERGY_DOMAINS];
	uint64_t energy_total_fj;
	uint64_t access[EYRIE_ACCESS_LEVELS]; /* word accesses (MAC: MACs) */
	uint64_t cycles;
	uint64_t dram_words;
	uint64_t dram_bytes;
	uint64_t macs;
	uint32_t cmds;			/* commands the stream will hold */
	uint64_t in_words, w_words;	/* input and weight words loaded */
	uint64_t psum_words;		/* int32 psum words spilled to DRAM and back */
	/*
	 * binary32 multiplies of the rule (one per CONV/FC/POOL output, two
	 * per ADD output): EYRIE_FP32_RQ_MAC_ENERGY MAC energies each
	 */
	uint64_t fp32_rq;
};

enum eyr_objective {
	EYR_OBJ_ENERGY = 0,
	EYR_OBJ_CYCLES = 1,
	EYR_OBJ_EDP = 2,
	/*
	 * Least DRAM words (the sparse cost's where the choices between
	 * searches are made on it), ties broken by energy: for boards whose
	 * DRAM bandwidth, not the on-chip energy, is the limit.
	 */
	EYR_OBJ_DRAM = 3,
};
#define EYR_OBJECTIVES 4

struct eyr_sched_opts {
	enum eyrie_dataflow dataflow;	/* EYRIE_DATAFLOW_RS default */
	enum eyr_objective objective;
	int exhaustive;			/* evaluate the whole mapspace */
	uint32_t batch;			/* 0: keep shape.n */
	int no_bias;			/* layer has no bias (quant.has_bias == 0) */
	int per_channel;		/* layer uses a per-channel quant table */
	int no_cache;			/* search even if this plan was made before */
	int int32_out;			/* CONV/FC: int32 output (quant.int32_out) */
	int lut;			/* output through the activation table (quant.lut) */
	/*
	 * Psum spills (docs/scheduler.md, "Mapspace"): EYR_SPILL_ANY (0)
	 * searches every loop order; EYR_SPILL_NEVER keeps C innermost at the
	 * DRAM level (the mapspace before issue 16: comparisons, runners
	 * without a psum buffer); EYR_SPILL_ONLY searches only the mappings
	 * that spill (tests: -ENOSPC when no tiling can).
	 */
	int psum_spill;
	/*
	 * Binary32 requantization (quant.fp32_rq, docs/hardware.md 7.11):
	 * CONV/FC, average pool and ELTWISE passes carry EYRIE_PASS_F_FP32_RQ
	 * (ELTWISE: ONNX Runtime's QLinearAdd, two multiplies an output); needs
	 * arch->fp32_rq. The same energy for every mapping: added after the
	 * search, as the activation table's.
	 */
	int fp32_rq;
	/*
	 * Fast search budget: CPU time (0 or UINT64_MAX = none; the public
	 * API and the model compiler pass ACCEL_PLAN_DEFAULT_TIME_US) and
	 * evaluations (mappings costed plus array
	 * mappings searched; 0 = none). Past it the best mapping found so far
	 * is returned with search.budget_exhausted set.
	 */
	uint64_t max_time_us;
	uint64_t max_evals;
	/*
	 * Sparsity (docs/scheduler.md, "Sparsity"): with zero_gate on an arch
	 * with zero_gate, CONV/FC passes carry EYRIE_PASS_F_ZERO_GATE and the
	 * prediction takes off the gated MACs: gated_macs when gated_known
	 * (exact, eyr_layer_gated_macs() of the input), else an estimate from
	 * zero_fraction (fraction of the input activations that are zero).
	 * Not part of the search: the mapping is the dense one.
	 */
	int zero_gate;
	int gated_known;
	uint64_t gated_macs;
	double zero_fraction;
	/*
	 * Run-length coded activations (arch->rle_dma, docs/scheduler.md
	 * "Sparsity"): rle_in_rows > 0 says the input is in DRAM in the coded
	 * layout with that many rows per line (eyr_rle_layout); rle_out asks
	 * for the output to be stored coded (possible when the output tiles
	 * are whole rows: plan.rle_out_rows says what was done), in lines of
	 * one row (EYR_RLE_OUT_ROW) or of an output tile's rows
	 * (EYR_RLE_OUT_TILE). The coded
	 * sizes come from rle_data when given (exact), else from the zero
	 * fractions (zero_fraction for the input, out_zero_fraction, < 0: the
	 * same, for the output).
	 */
	uint32_t rle_in_rows;
	int rle_out;			/* 0, EYR_RLE_OUT_ROW or EYR_RLE_OUT_TILE */
	double out_zero_fraction;
	const struct eyr_rle_data *rle_data;
	/*
	 * Conv: only the tilings whose tiles are whole rows (F untiled), the
	 * ones whose input and output a coded layout can carry (a subset of
	 * the mapspace, searched exactly like it: fast == exhaustive). Part of
	 * the search, unlike the sparsity options above; a caller that wants
	 * coded activations plans with and without it and keeps the better
	 * sparse plan (sparse_choose does).
	 */
	int whole_rows;
	/*
	 * One exact search: without the choices between searches made after
	 * it (one group at a time or groups side by side, rings or not,
	 * spills or not, each kept when its dense objective is better).
	 */
	int single_search;
	/*
	 * With zero gating or coded activations asked for: the choices
	 * between searches are made on the sparse cost. The layer is planned
	 * by every single search of those choices and of whole_rows (each
	 * exact), each made sparse, and the plan that carries the most of the
	 * coded layouts asked for, then has the best sparse objective, is
	 * kept (the dense plan on ties). plan.dense is then the dense cost of
	 * that plan's mapping, which may be above the dense optimum.
	 */
	int sparse_choose;
};

#define EYR_SPILL_ANY		0
#define EYR_SPILL_NEVER		1
#define EYR_SPILL_ONLY		2

#define EYR_RLE_OUT_ROW		1
#define EYR_RLE_OUT_TILE	2

/* The actual tensors of a layer, for exact coded sizes (dense NCHW int8). */
struct eyr_rle_data {
	const int8_t *in;		/* n x c x h x w */
	const int8_t *out;		/* n x m x out_h x out_w */
	int32_t in_zero, out_zero;	/* the run values (zero points) */
};

/*
 * The coded DRAM layout of an n x c x h x w int8 tensor with `rows` rows
 * per line: line (n, c, b) codes rows [b rows, (b + 1) rows) of plane
 * (n, c), at ((n c_total + c) blocks + b) slot bytes from the base.
 */
struct eyr_rle_layout {
	uint32_t rows, blocks;		/* rows per line, lines per plane */
	uint64_t slot;			/* bytes per line (the worst case) */
	uint64_t bytes;			/* the whole tensor's region */
};
void eyr_rle_layout(uint32_t n, uint32_t c, uint32_t h, uint32_t w, uint32_t rows,
		    struct eyr_rle_layout *lay);
/* Codes (and decodes) a tensor in that layout (tests, runners). */
void eyr_rle_pack(const int8_t *dense, uint32_t n, uint32_t c, uint32_t h, uint32_t w,
		  const struct eyr_rle_layout *lay, int8_t zero, uint8_t *coded);
void eyr_rle_unpack(const uint8_t *coded, uint32_t n, uint32_t c, uint32_t h, uint32_t w,
		    const struct eyr_rle_layout *lay, int8_t zero, int8_t *dense);
#define EYR_SCHED_OPTS_INIT { .dataflow = EYRIE_DATAFLOW_RS, .objective = EYR_OBJ_ENERGY }

struct eyr_search_stats {
	uint64_t evaluated;		/* complete mappings costed */
	uint64_t pruned;		/* subtrees cut by a lower bound */
	uint64_t tilings;		/* exhaustive: (GLB tiling, placement) pairs that fit */
	uint64_t time_us;
	int exhaustive;
	int cached;			/* handed out again from the plan cache */
	int budget_exhausted;		/* best so far, not proven the best */
};

struct eyr_plan {
	struct eyr_layer_shape shape;	/* the shape planned (batch applied) */
	enum eyr_objective objective;
	int has_bias, per_channel;	/* from the options */
	int int32_out;			/* from the options */
	int lut;			/* from the options */
	int fp32_rq;			/* from the options */
	struct eyr_mapping map;
	struct eyr_cost cost;		/* what the device measures for the stream */
	/*
	 * Zero gating (opts.zero_gate on an arch with it): passes carry
	 * PASS_F_ZERO_GATE, cost has gated_macs taken off, dense is the same
	 * stream without gating. Otherwise zero_gate = 0 and dense = cost.
	 */
	int zero_gate;
	uint64_t gated_macs;
	struct eyr_cost dense;
	/* coded layouts (0: dense): input rows per line, output rows per line */
	uint32_t rle_in_rows, rle_out_rows;
	/* compulsory traffic: every tensor crosses DRAM once */
	uint64_t lb_dram_words;
	uint64_t lb_dram_bytes;
	struct eyr_search_stats search;
};

/*
 * Finds the best mapping of the mapspace for the objective and fills *plan.
 * Returns 0, -EINVAL (bad shape or options, message in err), -ENOSPC (no
 * mapping fits the GLB / stream buffer / command limit of this arch).
 */
int eyr_sched_plan(const struct eyr_arch *arch,
		   const struct eyr_layer_shape *shape,
		   const struct eyr_sched_opts *opts, struct eyr_plan *plan,
		   char *err, size_t errlen);

/*
 * Costs one given mapping (the model the search uses); plan->shape,
 * has_bias, per_channel, objective and map must be set. Fills plan->cost.
 * Returns 0, or -EINVAL / -ENOSPC if the mapping is invalid or does not fit.
 */
int eyr_sched_cost(const struct eyr_arch *arch, struct eyr_plan *plan);

/*
 * Appends the commands that execute plan for layer (tensors at bufs) to cb
 * (grown with realloc; free cb->cmds when done). The stream starts from an
 * empty GLB and leaves the output in DRAM; it ends with a BARRIER.
 * Returns 0 or -errno (-ENOMEM, -EINVAL if plan does not match layer).
 */
int eyr_sched_emit(const struct eyr_arch *arch, const struct eyr_plan *plan,
		   const struct eyr_layer *layer,
		   const struct eyr_layer_bufs *bufs, struct eyr_cmdbuf *cb);

/*
 * Bytes of the DRAM buffer (bufs.psum) a conv/FC plan's stream keeps its
 * spilled psums in: n x m x out_h x out_w int32, 0 when it spills none.
 */
uint64_t eyr_plan_psum_bytes(const struct eyr_plan *plan);

/*
 * Zero gating (sparse.c): the exact gated MACs of a conv/FC layer for an
 * input tensor (n x c x h x w int8; taps reading zp_in or padding), *err
 * nonzero for other ops or out of memory; the MACs that read padding; an
 * estimate for a fraction of zero inputs; and a cost with gated MACs off.
 */
uint64_t eyr_layer_gated_macs(const struct eyr_layer_shape *s, const int8_t *in,
			      int32_t zp_in, int *err);
uint64_t eyr_layer_pad_macs(const struct eyr_layer_shape *s);
uint64_t eyr_gated_estimate(const struct eyr_layer_shape *s, uint64_t macs,
			    double zero_fraction);
void eyr_cost_gate(const struct eyr_arch *arch, enum eyrie_dataflow df,
		   uint64_t gated, struct eyr_cost *c);

/* ---------------------------------------------------------------------
 * Layer chains (chain.c, docs/scheduler.md "Layer fusion"): consecutive
 * layers run as one stream, the tensors between them kept in the GLB.
 * --------------------------------------------------------------------- */
enum eyr_chain_link {
	EYR_LINK_NONE = 0,
	EYR_LINK_E_DW = 1,	/* 1x1 conv (expand) -> 3x3 depthwise */
	EYR_LINK_DW_P = 2,	/* 3x3 depthwise -> 1x1 conv (project) */
};
#define EYR_LINK_MASK(l)	((l) == EYR_LINK_NONE ? 0u : 1u << (l))
#define EYR_LINKS_FULL		(EYR_LINK_MASK(EYR_LINK_E_DW) | EYR_LINK_MASK(EYR_LINK_DW_P))

/* A 3x3 depthwise conv (groups == c == m) of stride 1 or 2, undilated. */
int eyr_chain_is_dw(const struct eyr_layer_shape *s);

/* How b, reading exactly a's output, can run in a's stream (or NONE). */
enum eyr_chain_link eyr_chain_link(const struct eyr_layer_shape *a,
				   const struct eyr_layer_shape *b);

/*
 * The compulsory DRAM traffic of a chain of n layers (each feeding the
 * next): the first layer's input (the rows and columns some window reads),
 * every layer's weights, int32 bias (has_bias) and per-channel table
 * (per_channel), the last layer's output; each once. For n = 1 it is the
 * layer's plan.lb_dram_words / lb_dram_bytes.
 */
void eyr_chain_bound(const struct eyr_layer_shape *ls, unsigned int n, int has_bias,
		     int per_channel, uint64_t *words, uint64_t *bytes);

/*
 * The latency floor in cycles of layers ls[0..n) run in order, the
 * consecutive layers joined by a link in `links` (EYR_LINK_MASK bits) in
 * one stream each: per stream the longer of its layers' MACs over all PEs
 * (each layer's rounded up, the array runs them in turn) and its
 * compulsory bytes (eyr_chain_bound, with bias, no table) over the DRAM
 * port. links = 0 gives bench-mapper's per-layer floor. *dram_bound (may
 * be NULL): the part in DRAM-bound streams.
 */
uint64_t eyr_chain_network_floor(const struct eyr_arch *arch,
				 const struct eyr_layer_shape *ls, unsigned int n,
				 unsigned int links, uint64_t *dram_bound);

/*
 * A 3x3 depthwise conv followed by a 1x1 conv reading its output (DW->P),
 * planned, emitted and costed as one stream whose depthwise output stays
 * in the GLB (chain.c has the stream's shape). The mapping:
 */
struct eyr_chain_map {
	enum eyrie_dataflow dataflow;
	uint32_t band, bands;		/* depthwise output rows per band (last ragged), bands */
	uint32_t ctile, ctiles;		/* depthwise channels per tile (last ragged), tiles */
	/*
	 * 0: a project pass per tile, accumulating int32 psums over the tiles
	 * in the GLB; 1: one project pass per band over every tile's output
	 * (one image, weights resident)
	 */
	uint8_t proj_whole;
	uint8_t w_resident;		/* weights loaded once, else per (band, tile) */
	uint8_t events, dbuf;		/* as in struct eyr_mapping (EYR_DBUF_*) */
	/*
	 * arch->in_ring, one channel tile, several bands: the input is a ring
	 * of rows, each band loads only the rows below the band before it
	 */
	uint8_t in_ring;
};

struct eyr_chain_plan {
	struct eyr_layer_shape dw, pw;	/* the shapes planned (batch applied) */
	enum eyr_objective objective;
	int has_bias[2], per_channel[2];	/* [0] depthwise, [1] project */
	int fp32_rq[2];			/* binary32 requantization (arch->fp32_rq) */
	struct eyr_chain_map map;
	struct eyr_cost cost;		/* what the device measures for the chain's stream */
	/* compulsory: chain input, weights, biases, tables, chain output, once */
	uint64_t lb_dram_words, lb_dram_bytes;
	struct eyr_plan layer[2];	/* each layer planned on its own */
	struct eyr_cost separate;	/* their two streams' costs summed */
	int fused;			/* the chain's cost beats `separate` under the objective */
	struct eyr_search_stats search;	/* the chain's search alone */
};

/*
 * Plans the chain dw -> pw (EYR_LINK_DW_P; options: dataflow, objective,
 * batch and exhaustive from dw_opts, bias, table and binary32 rule per
 * layer; int8 tensors only, no activation table or sparsity): the best chain
 * mapping of the (exhaustively searched) mapspace, and each layer's own
 * plan; plan->fused says whether the chain beats them. Returns 0,
 * -EINVAL, -ENOSPC (no chain mapping fits).
 */
int eyr_chain_plan(const struct eyr_arch *arch, const struct eyr_layer_shape *dw,
		   const struct eyr_layer_shape *pw, const struct eyr_sched_opts *dw_opts,
		   const struct eyr_sched_opts *pw_opts, struct eyr_chain_plan *plan,
		   char *err, size_t errlen);

/* Costs plan->map (dw, pw, objective, flags set) into plan->cost. */
int eyr_chain_cost(const struct eyr_arch *arch, struct eyr_chain_plan *plan);

/*
 * Appends the chain's stream: the depthwise input from dw_bufs->in, its
 * weights, bias and table from dw_bufs, the project's from pw_bufs, the
 * output to pw_bufs->out (dw_bufs->out and pw_bufs->in are not used: the
 * tensor between stays in the GLB). Ends with a BARRIER.
 */
int eyr_chain_emit(const struct eyr_arch *arch, const struct eyr_chain_plan *plan,
		   const struct eyr_layer *dw, const struct eyr_layer *pw,
		   const struct eyr_layer_bufs *dw_bufs, const struct eyr_layer_bufs *pw_bufs,
		   struct eyr_cmdbuf *cb);

/* Forgets the plans and pass mappings kept for repeated shapes (benchmarks, tests). */
void eyr_sched_cache_clear(void);

/* Names for reports and JSON. */
const char *eyr_dataflow_name(enum eyrie_dataflow df);	/* "rs", ... */
int eyr_dataflow_parse(const char *s, enum eyrie_dataflow *df);
const char *eyr_objective_name(enum eyr_objective o);
int eyr_objective_parse(const char *s, enum eyr_objective *o);
const char *eyr_dim_name(enum eyr_dim d);			/* "N", ... */

/* Normalized energy (MAC = 1) of a cost. */
double eyr_cost_energy_norm(const struct eyr_arch *arch,
			    const struct eyr_cost *cost);

/* Frees what eyr_cmdbuf growth allocated. */
void eyr_cmdbuf_release(struct eyr_cmdbuf *cb);

#endif /* EYR_SCHED_H */
