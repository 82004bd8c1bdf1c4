/* SPDX-License-Identifier: MIT */
/* Model runner internals: a compiled model and its run-time state. */
#ifndef EYR_MODEL_PRIV_H
#define EYR_MODEL_PRIV_H

#include "accel/model.h"
#include "graph/graph.h"
#include "graph/lower.h"
#include "graph/onednn.h"
#include "graph/pool.h"
#include "sched/sched.h"

/*
 * The budget of a model's load, or of one run, from o's max_memory,
 * max_tensor_elements and max_operations (0: the ACCEL_MODEL_DEFAULT_*).
 */
struct gr_budget;
/* A scheduler cost as a layer's figures (a prediction). */
void eyr_stats_of_cost(const struct eyr_cost *c, struct accel_layer_stats *st);
void eyr_budget_init(struct gr_budget *b, const struct accel_model_opts *o, const char *what);

/* Per step: device resources and last-run measurements. */
struct step_rt {
	struct accel_buffer *wbuf, *bbuf, *qbuf;
	struct accel_buffer *lbuf;		/* activation table */
	uint32_t commands;
	int segment;			/* -1 if not a device step */
	int slot;			/* energy snapshot written after it */
	int prev_slot;			/* the one before in its job, or -1 */
	struct accel_layer_stats st;
	uint64_t cpu_ns;
	bool has_pred;			/* the scheduler's prediction of st */
	struct accel_layer_stats pred;
	struct accel_layer_check chk;	/* last accel_model_check() */
	bool corrupt;			/* debug: flip an output byte after its job */
	/*
	 * A depthwise -> project chain (docs/models.md "Depthwise -> project
	 * chains"): on its depthwise step, the project step (chain_next); on
	 * the project step, the depthwise one (chain_prev); -1 otherwise. The
	 * chain's stream, commands, snapshot and prediction are the project
	 * step's; the depthwise step has none, and its output no buffer.
	 */
	int chain_next, chain_prev;
};

/* A run of consecutive device steps: one job. */
struct segment {
	int first, last;		/* step range (inclusive) */
	struct accel_cmdbuf *cb;
	int n_dev;
};

/* Compiled input shapes kept per model with symbolic dims. */
#define EYR_SHAPE_CACHE 4

/*
 * The float CPU plan (model/cpuplan.c), for the runs of a model with no
 * device layer: tensor memory given back after its last reader, the
 * Add / Relu / Clip fused into the Conv before them, and the Convs' and
 * Gemms' oneDNN primitives (graph/onednn.h), made once here.
 */
struct eyr_cpu_plan {
	int *last;		/* per tensor: its last reader (node), -1: kept */
	int *epi_add;		/* per Conv node: the Add fused into it, or -1 */
	int *epi_act;		/* per Conv node: the Relu / Clip fused, or -1 */
	int *fused_into;	/* per node: the Conv it is fused into, or -1 */
	struct gr_dnn *dnn;	/* NULL: the model has device layers */
	/* per node: its Conv (with the fused epilogue) or Gemm primitive, or NULL */
	struct gr_dnn_prim **prim;
	/*
	 * per tensor: the node whose primitive leaves it in the primitive's
	 * own layout, as every node that reads it reads it (-1: NCHW)
	 */
	int *native_from;
};

struct accel_model {
	struct accel_device *dev;
	struct gr_graph *g;
	struct lw_plan plan;
	struct eyr_arch arch;
	struct eyr_sched_opts sopts;
	struct accel_buffer **tbuf;	/* per tensor: device copy (int8) */
	char *tbuf_owned;
	struct step_rt *rt;
	struct accel_buffer *snap;	/* one energy snapshot per device step */
	struct accel_buffer *psum;	/* psums the layers' plans spill (eyr_plan_psum_bytes) */
	struct segment *segs;
	int n_segs;
	int *layers;			/* reported steps */
	int n_layers;
	struct accel_run_stats last;
	/*
	 * Quantization parameters fed as graph inputs (as in the ONNX node
	 * tests): the model is compiled again for each run's values.
	 */
	bool specialize;
	struct accel_model_opts opts;
	bool ran;			/* a run completed: device tensors hold it */
	/*
	 * Symbolic input dims (model/variants.c): the model's bytes, kept to
	 * compile a variant per input shape, and the cache of variants.
	 */
	void *onnx;
	size_t onnx_len;
	char *path;
	struct accel_model *variants[EYR_SHAPE_CACHE];
	uint64_t variant_used[EYR_SHAPE_CACHE];
	uint64_t use_clock;
	uint32_t shape_variants;
	struct accel_model *active;	/* the variant of the last run */
	struct eyr_cpu_plan cpu;
	/* recycled tensor memory of CPU runs (graph/pool.h); a run takes it */
	struct gr_pool *pool;
};

/*
 * Debug hook for testing the check (docs/models.md): a device layer named
 * by this variable ends its job, and after the job one byte of its output
 * is flipped, as if the device had written a wrong value.
 */
#define EYR_CORRUPT_ENV "EYRIE_DEBUG_CORRUPT_LAYER"

/*
 * Set (and not "0"), the model compiler runs every device layer on its
 * own, as accel_model_opts.no_chains does (docs/models.md).
 */
#define EYR_NO_CHAINS_ENV "EYRIE_NO_CHAINS"

int eyr_model_compile(struct accel_model *m, const struct accel_model_opts *opts);
/*
 * Where the device layer of step `step` writes its slice of a concat
 * (lw_step.cat_step >= 0), in bytes of the concat's buffer: `items` runs
 * of `run` bytes, `stride` apart, the first at `offset`; `channels` is the
 * concat's channel count (eyr_layer_bufs.out_channels).
 */
struct eyr_cat_slice {
	uint64_t offset, run, stride;
	uint32_t items, channels;
};
void eyr_model_cat_slice(const struct accel_model *m, int step, struct eyr_cat_slice *sl);
/* The step whose layer writes tensor t as a concat's slice, or -1. */
int eyr_model_slice_step(const struct accel_model *m, int t);
/* Why concat step `step` moves no data, in words. */
void eyr_model_concat_reason(const struct accel_model *m, int step, char *buf, size_t len);
/* The plan's concats in place and chains into m->last (accel_run_stats). */
void eyr_model_count_concats(struct accel_model *m);
int eyr_cpu_plan_build(struct accel_model *m);
void eyr_cpu_plan_free(struct eyr_cpu_plan *p, int n_nodes);
/* A model (compiled) over an imported graph, which it owns even on failure. */
int eyr_model_from_graph(struct accel_device *dev, struct gr_graph *g,
			 const struct accel_model_opts *opts, struct accel_model **out);
bool eyr_model_is_dynamic(const struct gr_graph *g);
/* The variant compiled for these inputs' shapes (compiled on a miss). */
int eyr_model_variant(struct accel_model *m, struct accel_tensor *const *inputs,
		      int n_inputs, struct accel_model **out, bool *hit);
/* What layer queries describe: the last run's variant, or m itself. */
struct accel_model *eyr_model_active(const struct accel_model *m);
void eyr_model_variants_free(struct accel_model *m);
void eyr_model_release(struct accel_model *m);
int eyr_model_corrupt_output(struct accel_model *m, int step);
/*
 * Tensor t as the device holds it (m->tbuf[t]), in the graph's type: int8,
 * uint8 (carried as int8, shifted back), or the int32 accumulators of
 * ConvInteger/MatMulInteger. A new value in *out, or -errno.
 */
int eyr_model_read_tensor(struct accel_model *m, int t, struct gr_value **out);
int eyr_model_weights_check(const struct accel_model *m, const struct lw_step *s,
			    const struct gr_value *w);
void eyr_model_fill_weights(const struct lw_step *s, const struct gr_value *w,
			    int8_t *dst);

#endif /* EYR_MODEL_PRIV_H */
