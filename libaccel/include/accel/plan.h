/* SPDX-License-Identifier: MIT */
/*
 * libaccel planning API: the tile scheduler, without a model or a job.
 *
 * Plans one layer for a device (or for an architecture described in a
 * file) and returns the best mapping of the scheduler's mapspace with its
 * predicted energy per level, cycles and DRAM traffic. Cheap enough to call
 * thousands of times (NetAdapt-style loops). docs/scheduler.md explains the
 * mapspace, cost model and search; docs/accelctl.md the `accelctl plan`
 * command built on this.
 *
 * Conventions as in libaccel.h: negative errno on failure with a readable
 * message from accel_last_error(); options and results carry their size.
 */
#ifndef ACCEL_PLAN_H
#define ACCEL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An architecture the scheduler plans for (opaque). */
struct accel_arch;

/* The architecture of an open device (its description and capabilities). */
int accel_arch_from_device(struct accel_device *dev, struct accel_arch **out);
/*
 * The architecture of a device description, without opening a device: the
 * PE array, memories, bandwidths, energy table and limits of info (as
 * accel_device_info() fills it, or filled by hand; sz as usual), checked
 * as an architecture file is. The name is info->name, or "device".
 */
int accel_arch_from_info(const struct accel_device_info *info, struct accel_arch **out);
/* An independent copy of arch (edit one, the other stays). */
int accel_arch_copy(const struct accel_arch *arch, struct accel_arch **out);
/*
 * Applies an architecture file (docs/scheduler.md, "Architecture files") on
 * top of arch: keys given replace the values, others stay.
 */
int accel_arch_load_file(struct accel_arch *arch, const char *path);
/*
 * The same from text in memory (len bytes, no NUL needed); what names it in
 * messages (NULL: "architecture text"). On error arch is unchanged.
 */
int accel_arch_load_mem(struct accel_arch *arch, const char *text, size_t len,
			const char *what);
const char *accel_arch_name(const struct accel_arch *arch);
void accel_arch_free(struct accel_arch *arch);

/* enum accel_dataflow (ACCEL_DATAFLOW_*) comes from libaccel.h. */
#define ACCEL_DATAFLOW_COUNT 5
/* "rs", "ws", "os", "is", "nlr"; parse returns 0 or -EINVAL. */
const char *accel_dataflow_name(enum accel_dataflow df);
int accel_dataflow_parse(const char *text, enum accel_dataflow *df);

enum accel_objective {
	ACCEL_OBJECTIVE_ENERGY = 0,
	ACCEL_OBJECTIVE_CYCLES = 1,
	ACCEL_OBJECTIVE_EDP = 2,	/* energy-delay product */
	/*
	 * least DRAM words (with opts.sparse: the plan's mapping is the dense
	 * one, so the dense words), ties broken by energy
	 */
	ACCEL_OBJECTIVE_DRAM = 3,
};
#define ACCEL_OBJECTIVE_COUNT 4
/* "energy", "cycles", "edp", "dram"; parse returns 0 or -EINVAL. */
const char *accel_objective_name(enum accel_objective o);
int accel_objective_parse(const char *text, enum accel_objective *o);

enum accel_layer_op {
	ACCEL_LAYER_CONV = 0,	/* includes grouped and depthwise */
	ACCEL_LAYER_FC = 1,
	ACCEL_LAYER_MAXPOOL = 2,
	ACCEL_LAYER_AVGPOOL = 3,
	ACCEL_LAYER_ADD = 4,
	ACCEL_LAYER_UPSAMPLE = 5,	/* nearest x2 on h and w (m = c): DMA only */
};

/* One layer's shape. c and m are total channel counts; h, w input size. */
struct accel_layer_spec {
	size_t sz;			/* sizeof(struct accel_layer_spec) */
	enum accel_layer_op op;
	uint32_t n, c, m, h, w, r, s;
	uint32_t stride_h, stride_w;
	uint32_t pad_t, pad_b, pad_l, pad_r;
	uint32_t dil_h, dil_w;
	uint32_t groups;		/* 0 or 1: dense */
	int no_bias;			/* the layer has no bias */
	int per_channel;		/* per-channel requantization table */
	/*
	 * The requantization rule (docs/hardware.md 7.11):
	 * ACCEL_REQUANT_DEVICE (0), the one the model compiler gives layers
	 * imported from ONNX on the device measured (binary32 when it has
	 * ACCEL_CAP_FP32_REQUANT, else fixed point); or either one by name.
	 * accel_model_layer_spec() names the one its layer has.
	 */
	enum accel_requant {
		ACCEL_REQUANT_DEVICE = 0,
		ACCEL_REQUANT_FIXED = 1,
		ACCEL_REQUANT_FP32 = 2,
	} requant;
};

/*
 * Parses a layer SPEC: "conv:n=1,c=3,m=96,h=227,w=227,r=11,s=11,stride=4,
 * pad=0" with optional groups=G, dilation=D, stride_h, stride_w, pad_t,
 * pad_b, pad_l, pad_r; "dwconv:..." (groups = c = m, m defaults to c);
 * "fc:n=1,c=4096,m=1000". Unset n is 1, s defaults to r, w to h.
 */
int accel_layer_spec_parse(const char *text, struct accel_layer_spec *spec);
/* Multiply-accumulates of the layer (0 for pool / add / upsample). */
uint64_t accel_layer_spec_macs(const struct accel_layer_spec *spec);

struct accel_plan_opts {
	size_t sz;			/* sizeof(struct accel_plan_opts) */
	enum accel_dataflow dataflow;
	enum accel_objective objective;
	int exhaustive;			/* cost the whole mapspace */
	uint32_t batch;			/* 0: the spec's n */
	/*
	 * Search budget (fast search; an exhaustive search is not bounded).
	 * When it runs out, the best mapping found so far is returned and
	 * accel_plan_result.budget_exhausted says it is not proven the best.
	 * max_time_us: CPU time of the planning thread (a loaded machine
	 * does not change the result), 0 = ACCEL_PLAN_DEFAULT_TIME_US,
	 * UINT64_MAX = none. max_evaluations: mappings costed plus array mappings
	 * searched (deterministic, unlike time), 0 = none.
	 */
	uint64_t max_time_us;
	uint64_t max_evaluations;
	/*
	 * Sparsity (docs/scheduler.md, "Sparsity"): with sparse = 1 the
	 * result's sparse_* figures are the stream with zero gating
	 * (ACCEL_CAP_ZERO_GATE; equal to the dense ones on an arch without
	 * it), for a layer input with a fraction zero_fraction (0..1) of
	 * zeros, or, with gated_macs_known, exactly gated_macs gated MACs
	 * (accel_layer_gated_macs() of the actual input). The mapping is the
	 * dense plan's.
	 */
	int sparse;
	double zero_fraction;
	int gated_macs_known;
	uint64_t gated_macs;
	/*
	 * With sparse: activations run-length coded in DRAM (ACCEL_CAP_RLE_DMA,
	 * docs/hardware.md 7.10) when the tiling allows it, one row per coded
	 * line (the layout every layer reads and writes; rle_in_rows: the
	 * input's rows per line instead, as another producer stored them).
	 * Coded sizes are
	 * estimated for zero_fraction (input) and out_zero_fraction (output;
	 * < 0: zero_fraction). no_rle: gating only.
	 */
	int no_rle;
	uint32_t rle_in_rows;
	double out_zero_fraction;
};

/* With the fallback (docs/scheduler.md) a layer ends within twice this. */
#define ACCEL_PLAN_DEFAULT_TIME_US 500000ull

/* Energy arrays below follow enum accel_energy_domain (libaccel.h). */

/* Dimensions of the GLB tiling, in this order in the arrays below. */
#define ACCEL_PLAN_DIMS 6		/* N, G, M, E, F, C */

struct accel_plan_result {
	size_t sz;			/* sizeof(struct accel_plan_result) */
	enum accel_dataflow dataflow;
	uint64_t macs;
	/* mapping: GLB tile and tile count per dim (N G M E F C; M and C per
	 * group), DRAM-level loop order outermost first as letters */
	uint32_t tile[ACCEL_PLAN_DIMS];
	uint32_t tiles[ACCEL_PLAN_DIMS];
	char order[ACCEL_PLAN_DIMS + 1];
	int stream_in, stream_w;	/* 1: through the stream buffer */
	/* array mapping of a full tile's pass */
	uint32_t spatial_r, spatial_e, sets_m, sets_c, rf_m, rf_c, rf_n;
	/* prediction */
	double energy_pj[ACCEL_ENERGY_DOMAINS];
	double energy_total_pj;
	double energy_norm;		/* total / MAC energy (MAC = 1) */
	uint64_t access[ACCEL_ENERGY_DOMAINS - 1]; /* word accesses, MACs */
	uint64_t cycles;
	uint64_t dram_words, dram_bytes;
	uint32_t commands;
	/* compulsory traffic: every tensor crosses DRAM once */
	uint64_t lb_dram_words, lb_dram_bytes;
	/* search */
	uint64_t evaluated, pruned, time_us;
	int exhaustive;
	/*
	 * Overlap (device with events, docs/scheduler.md): 1 when DMA runs
	 * ahead of the array; which tensors get two GLB regions.
	 */
	int events;
	uint32_t double_buffer;		/* ACCEL_PLAN_DBUF_* */
	/*
	 * 1: the search budget ran out; the mapping is the best found so far
	 * (valid and runnable, but not proven the best of the mapspace).
	 */
	int budget_exhausted;
	/*
	 * Sparsity (opts.sparse): the figures above are dense (every MAC
	 * performed); these are the same stream with zero gating, side by
	 * side: MACs gated on a zero input (padding included), and energy,
	 * accesses (MAC: MACs performed) and DRAM traffic with gating.
	 */
	int sparse;
	uint64_t gated_macs;
	double sparse_energy_pj[ACCEL_ENERGY_DOMAINS];
	double sparse_energy_total_pj;
	double sparse_energy_norm;
	uint64_t sparse_access[ACCEL_ENERGY_DOMAINS - 1];
	uint64_t sparse_dram_words, sparse_dram_bytes;
	uint64_t sparse_cycles;		/* coded DMAs move fewer (or more) bytes */
	/* coded layouts used: rows per line of the input and output, 0 dense */
	uint32_t rle_in_rows, rle_out_rows;
	/*
	 * Groups whose PE sets share the array in a full tile's pass (the
	 * flexible NoC, ACCEL_CAP_FLEX_NOC; docs/hardware.md 7.2): 1 = one
	 * group at a time.
	 */
	uint32_t sets_g;
	/*
	 * int32 psum words the plan spills to DRAM and back (C is not
	 * innermost at the DRAM level; included in dram_words), 0: none
	 */
	uint64_t psum_dram_words;
	/*
	 * Halo reuse (ACCEL_CAP_IN_RING, docs/scheduler.md): 1 when the conv
	 * inputs go through a row ring, so consecutive row tiles do not load
	 * their shared rows again; input_words: the input words loaded from
	 * DRAM (included in dram_words), with or without it.
	 */
	int in_ring;
	uint64_t input_words;
};
#define ACCEL_PLAN_DBUF_INPUTS	1u
#define ACCEL_PLAN_DBUF_WEIGHTS	2u	/* with bias and per-channel table */
#define ACCEL_PLAN_DBUF_OUTPUTS	4u	/* with psums */

int accel_plan_layer(const struct accel_arch *arch,
		     const struct accel_layer_spec *spec,
		     const struct accel_plan_opts *opts,
		     struct accel_plan_result *res);

/*
 * The MACs of a conv or FC layer (at batch, 0: the spec's n) that read a
 * zero input for this input tensor (batch x c x h x w int8, FC: batch x c)
 * with zero point zp: the taps on an element equal to zp plus the taps on
 * padding, i.e. what a device with ACCEL_CAP_ZERO_GATE gates. Pass it as
 * accel_plan_opts.gated_macs for an exact sparse prediction. -EINVAL for
 * other layers.
 */
int accel_layer_gated_macs(const struct accel_layer_spec *spec, uint32_t batch,
			   const int8_t *input, int zp, uint64_t *gated_macs);

/*
 * Writes Timeloop v3 YAML for the planned layer into dir (created if
 * missing): arch.yaml (the architecture), problem.yaml (the layer) and
 * mapping.yaml (the mapping), file names prefixed with name when given.
 */
int accel_plan_export_timeloop(const struct accel_arch *arch,
			       const struct accel_layer_spec *spec,
			       const struct accel_plan_opts *opts,
			       const char *dir, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_PLAN_H */
