/* SPDX-License-Identifier: MIT */
/*
 * libaccel model runner: ONNX models on the device, compiled once, run many
 * times. Same conventions as accel/libaccel.h (opaque objects, options with
 * sz, negative errno + accel_last_error()).
 *
 *   struct accel_model *m;
 *   accel_model_load(dev, "resnet18.onnx", NULL, &m);   // import + compile
 *   accel_model_run(m, inputs, 1, outputs, 1);          // upload, run, read
 *   accel_model_reference(m, inputs, 1, ref, 1);        // CPU reference
 *   accel_model_check(m, inputs, 1, &res);              // layer by layer
 *
 * What the device cannot run (float ops, unsupported shapes) runs on the
 * CPU; accel_model_layer_info() says where each layer ran and why.
 * docs/models.md lists the supported ops and the quantization rules.
 */
#ifndef ACCEL_MODEL_H
#define ACCEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Host tensors (ONNX TensorProto files in and out)
 * ------------------------------------------------------------------------
 */
struct accel_tensor;

/* ONNX TensorProto.DataType codes. */
enum accel_dtype {
	ACCEL_DTYPE_FLOAT = 1,
	ACCEL_DTYPE_UINT8 = 2,
	ACCEL_DTYPE_INT8 = 3,
	ACCEL_DTYPE_UINT16 = 4,
	ACCEL_DTYPE_INT16 = 5,
	ACCEL_DTYPE_INT32 = 6,
	ACCEL_DTYPE_INT64 = 7,
	ACCEL_DTYPE_BOOL = 9,
	ACCEL_DTYPE_FLOAT16 = 10,
	ACCEL_DTYPE_DOUBLE = 11,
	ACCEL_DTYPE_UINT32 = 12,
	ACCEL_DTYPE_UINT64 = 13,
	ACCEL_DTYPE_BFLOAT16 = 16,
};

#define ACCEL_TENSOR_MAX_RANK 8

const char *accel_dtype_name(int dtype);
/* A zero-filled tensor; NULL on error (accel_last_error()). */
struct accel_tensor *accel_tensor_new(int dtype, int rank, const int64_t *dims);
/* Reads / writes an ONNX TensorProto file (.pb). */
int accel_tensor_load(const char *path, struct accel_tensor **out);
/*
 * The same from len bytes in memory (a serialized TensorProto). The data
 * the tensor declares must be present: nothing is allocated for elements
 * the bytes do not hold. Errors: -EINVAL malformed, -EOPNOTSUPP type, -E2BIG.
 */
int accel_tensor_load_mem(const void *buf, size_t len, struct accel_tensor **out);
int accel_tensor_save(const struct accel_tensor *t, const char *path);
void accel_tensor_free(struct accel_tensor *t);
int accel_tensor_dtype(const struct accel_tensor *t);
int accel_tensor_rank(const struct accel_tensor *t);
const int64_t *accel_tensor_dims(const struct accel_tensor *t);
size_t accel_tensor_count(const struct accel_tensor *t);
void *accel_tensor_data(struct accel_tensor *t);
const char *accel_tensor_name(const struct accel_tensor *t);
int accel_tensor_set_name(struct accel_tensor *t, const char *name);
/*
 * Compares two tensors element by element. Returns 0 and the largest
 * absolute difference, or -EINVAL if types or shapes differ (message says
 * how).
 */
int accel_tensor_compare(const struct accel_tensor *a, const struct accel_tensor *b,
			 double *max_abs_diff);

/* ------------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------------
 */
struct accel_model;

struct accel_model_opts {
	size_t sz;
	bool cpu_only;			/* run every layer on the CPU */
	enum accel_dataflow dataflow;	/* device layers' dataflow (RS default) */
	/*
	 * Called while compiling, before each device layer is planned
	 * (planning a large network takes a while); may be NULL.
	 */
	void (*progress)(void *ctx, const char *layer, int done, int total);
	void *progress_ctx;
	/*
	 * Resource budget, checked before allocating (a model file cannot make
	 * the library allocate without bound). max_memory: bytes of tensors
	 * the load + compile may allocate, and again each run (0 =
	 * ACCEL_MODEL_DEFAULT_MAX_MEMORY). max_tensor_elements: elements of
	 * any one tensor (0 = ACCEL_MODEL_DEFAULT_MAX_TENSOR_ELEMENTS, at
	 * most 2^30). Going over fails with -E2BIG and a message naming the
	 * tensor and the option to raise (accelctl run --max-memory).
	 */
	uint64_t max_memory;
	uint64_t max_tensor_elements;
	/*
	 * Work budget of one conv or pool node: window positions visited
	 * (batch x channels x output positions x window size; a conv does
	 * that per output channel of a group). 0 =
	 * ACCEL_MODEL_DEFAULT_MAX_OPERATIONS. -E2BIG past it, before the
	 * kernel runs: a small model cannot make a run last for hours.
	 */
	uint64_t max_operations;
	/*
	 * Run every device layer as its own stream: no depthwise -> project
	 * chains (docs/models.md "Depthwise -> project chains"); the
	 * environment variable EYRIE_NO_CHAINS=1 does the same.
	 */
	bool no_chains;
	/*
	 * What the scheduler minimizes for every device layer and chain, an
	 * enum accel_objective of accel/plan.h: 0 energy (the default),
	 * 1 cycles, 2 energy-delay product, 3 DRAM words (accelctl run
	 * --objective, as accelctl plan's).
	 */
	int objective;
};

#define ACCEL_MODEL_DEFAULT_MAX_MEMORY (4ull << 30)
#define ACCEL_MODEL_DEFAULT_MAX_TENSOR_ELEMENTS (1ull << 28)
#define ACCEL_MODEL_DEFAULT_MAX_OPERATIONS (1ull << 40)

/*
 * Imports an ONNX model and compiles it for dev: lowering, one scheduler
 * plan and command stream per device layer, weight buffers uploaded once.
 * dev may be NULL only with cpu_only. Errors: -EINVAL malformed model,
 * -EOPNOTSUPP unsupported op or type, -E2BIG absurd sizes, -ENOENT no file;
 * the message names the node and the reason.
 */
int accel_model_load(struct accel_device *dev, const char *path,
		     const struct accel_model_opts *opts, struct accel_model **out);
/*
 * The same from len bytes in memory (a serialized ModelProto); the bytes
 * are not kept after it returns. Errors as accel_model_load.
 */
int accel_model_load_mem(struct accel_device *dev, const void *buf, size_t len,
			 const struct accel_model_opts *opts, struct accel_model **out);
void accel_model_free(struct accel_model *m);

/*
 * A model is used by one thread at a time (its run state lives in it); the
 * device it runs on may be shared with other models and threads.
 */

/* Graph inputs fed at run time (initializers excluded), and outputs. */
int accel_model_input_count(const struct accel_model *m);
const char *accel_model_input_name(const struct accel_model *m, int i);
/* Type and shape (-1 for a dimension only known at run time). */
int accel_model_input_type(const struct accel_model *m, int i, int *dtype,
			   int *rank, int64_t *dims);
int accel_model_output_count(const struct accel_model *m);
const char *accel_model_output_name(const struct accel_model *m, int i);

/*
 * Compiles the model for these input shapes, as a run with inputs of these
 * shapes would (dims[i] has input i's rank; a symbolic dimension takes the
 * value given, a static one must equal it), and makes that compiled variant
 * the one accel_model_node_info(), accel_model_layer_info() and
 * accel_model_run_stats() describe until the next run. A model with
 * symbolic input dimensions has no MAC counts or device layers for the
 * nodes whose shapes depend on them before this (or a run). Errors:
 * -EINVAL (a shape that contradicts the model: the message names the input
 * and dimension), or as accel_model_load.
 */
int accel_model_prepare(struct accel_model *m, const int64_t *const *dims, int n_inputs);

/*
 * Runs the model: uploads inputs (graph order), runs the device jobs and
 * the CPU layers, allocates outputs[] (free with accel_tensor_free).
 * Returns 0, -EINVAL (input type/shape mismatch), -EIO (device job failed).
 */
int accel_model_run(struct accel_model *m, struct accel_tensor *const *inputs,
		    int n_inputs, struct accel_tensor **outputs, int n_outputs);
/* The same on the CPU reference only (ONNX semantics, for --check). */
int accel_model_reference(struct accel_model *m, struct accel_tensor *const *inputs,
			  int n_inputs, struct accel_tensor **outputs, int n_outputs);

/* Where a layer runs. */
enum accel_layer_target {
	ACCEL_ON_DEVICE = 0,
	ACCEL_ON_CPU = 1,
	ACCEL_ON_NONE = 2,	/* a view, or folded at compile time: never runs */
};

/* What the device measured for one layer of the last run. */
struct accel_layer_stats {
	uint64_t energy_fj[ACCEL_ENERGY_DOMAINS];
	uint64_t cycles;
	uint64_t dram_words;
	uint64_t dram_bytes;
	uint64_t macs;
};

/*
 * A device layer of the last run against the CPU reference computed on the
 * inputs that layer received on the device (accel_model_check()).
 */
struct accel_layer_check {
	bool checked;			/* a device layer, compared */
	uint64_t elements;
	/* 1 LSB off where the reference lies at a rounding tie: allowed */
	uint64_t ties;
	uint64_t mismatches;		/* any other difference */
	double max_abs_diff;		/* ties included */
	int64_t first_mismatch;		/* element index, -1 if none */
	int32_t device_value, reference_value; /* at first_mismatch */
};

struct accel_layer_info {
	size_t sz;
	char name[128];			/* the ONNX node's name */
	char op[64];			/* ONNX op, "+"-joined when fused */
	enum accel_layer_target on;
	char reason[200];		/* ACCEL_ON_CPU: why not the device */
	uint32_t commands;		/* device commands of the layer */
	struct accel_layer_stats measured; /* last run (device layers) */
	uint64_t cpu_ns;		/* last run (CPU layers), wall time */
	/*
	 * Conv and FC/matmul layers (has_shape): the shape as imported, in the
	 * scheduler's terms (FC: c = inputs, m = outputs, h = w = r = s = 1).
	 */
	bool has_shape;
	uint32_t n, c, m, h, w, r, s;
	uint32_t stride_h, stride_w, pad_t, pad_l, pad_b, pad_r, groups;
	/*
	 * Device layers: the scheduler's prediction of what the device measures
	 * for the layer (energy per domain, cycles, DRAM words and bytes, MACs);
	 * docs/scheduler.md says how closely the two agree.
	 */
	bool has_prediction;
	struct accel_layer_stats predicted;
	/* the last accel_model_check() */
	struct accel_layer_check check;
	/*
	 * A device layer in a depthwise -> project chain (docs/models.md
	 * "Depthwise -> project chains"): the other layer's name, else "".
	 * The chain runs as one stream whose figures (commands, measured,
	 * predicted) are the project layer's; the depthwise layer's are 0,
	 * its output stays in the GLB and is not checked on its own.
	 */
	char chain_with[128];
};

/* Layers in execution order (fused nodes count once). */
int accel_model_layer_count(const struct accel_model *m);
int accel_model_layer_info(const struct accel_model *m, int i,
			   struct accel_layer_info *info);

/*
 * Placement of every ONNX node, known once the model is loaded (nothing has
 * to run): where it runs and why, and its multiply-accumulates, so that the
 * share of a model's MACs on the device can be read before running it.
 */
struct accel_node_info {
	size_t sz;
	char name[128];			/* the ONNX node's name */
	char op[64];			/* ONNX op type */
	char domain[64];		/* "" for the default ONNX domain */
	/*
	 * ACCEL_ON_DEVICE: in a device layer (its own, or fused into another
	 * node's); ACCEL_ON_CPU: the CPU reference kernel runs it;
	 * ACCEL_ON_NONE: runs nowhere (a view of a device tensor, or a node
	 * folded when the model was compiled).
	 */
	enum accel_layer_target on;
	bool fused;			/* part of another node's device layer */
	int layer;			/* accel_model_layer_info index, -1 if none */
	char reason[200];		/* why it runs there, in words */
	/*
	 * Multiply-accumulates of one inference: convolutions (also
	 * transposed), matrix products and Gemm in every quantized form;
	 * 0 for ops without a reduction (pooling, activations, adds, ...).
	 */
	uint64_t macs;
};

/* Nodes in graph order, and one node's placement. */
int accel_model_node_count(const struct accel_model *m);
int accel_model_node_info(const struct accel_model *m, int i,
			  struct accel_node_info *info);

struct accel_run_stats {
	size_t sz;
	struct accel_layer_stats measured; /* all device layers, last run */
	uint32_t jobs;			/* device jobs of one run */
	uint32_t device_layers, cpu_layers;
	uint64_t host_ns;		/* wall time of the last run */
	/* what the jobs' completions reported (the layers sum to about this) */
	uint64_t job_cycles;
	uint64_t job_energy_fj;
	/*
	 * Models with symbolic input dims compile once per input shape: how
	 * many shapes were compiled so far, and whether the last run reused
	 * one (docs/models.md "Dynamic shapes").
	 */
	uint32_t shape_variants;
	bool shape_cache_hit;
	/*
	 * Channel concats whose producers write their slices of the output
	 * in place (docs/models.md "Concat without copies"), and the bytes
	 * of their outputs, which no copy moves: set when the model is
	 * compiled (also before any run) and by every run.
	 */
	uint32_t concats_in_place;
	uint64_t concat_bytes_in_place;
	/*
	 * Depthwise -> project chains run as one stream each, and the bytes
	 * of the depthwise outputs they keep in the GLB (no DRAM buffer):
	 * set with the concats.
	 */
	uint32_t chains;
	uint64_t chain_bytes_on_chip;
};

int accel_model_run_stats(const struct accel_model *m, struct accel_run_stats *st);

struct accel_check_result {
	size_t sz;
	bool ok;			/* no mismatch in any device layer */
	uint32_t layers_checked;	/* device layers compared */
	uint32_t layers_failed;		/* with at least one mismatch */
	uint32_t layers_with_ties;
	uint64_t elements;
	uint64_t ties;			/* 1-LSB rounding ties (allowed) */
	uint64_t mismatches;
	double max_abs_diff;		/* largest over the device layers */
	int first_failed_layer;		/* layer index, -1 if none */
	/*
	 * Depthwise layers of chains: their output never leaves the GLB, so
	 * it is checked only through the project layer's output (the
	 * reference runs both layers from the chain's device input).
	 */
	uint32_t layers_on_chip;
};

/*
 * Layer-wise check of the last accel_model_run() (call it right after, with
 * the same inputs): each device layer's output, read back from the device,
 * against the CPU reference run on the inputs that layer read on the
 * device. Differences are 0 except the documented 1-LSB rounding ties
 * (docs/models.md, "Layer-wise check"), counted apart; any other difference
 * is a mismatch. Per-layer results: accel_layer_info.check. CPU layers run
 * the reference itself and are not compared. Returns 0 (whatever the
 * verdict: see res->ok), -EINVAL if the model has not run, or -errno.
 */
int accel_model_check(struct accel_model *m, struct accel_tensor *const *inputs,
		      int n_inputs, struct accel_check_result *res);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_MODEL_H */
