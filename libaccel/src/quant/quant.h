/* SPDX-License-Identifier: MIT */
/*
 * Post-training quantization internals (accel/quantize.h is the API):
 *
 *   samples.c   calibration folders -> sample inputs, checked against the model
 *   exec.c      float execution of the graph keeping every tensor
 *   plan.c      which nodes get quantized, which tensors carry Q/DQ
 *   ranges.c    statistics and the range choice (minmax, percentile, entropy)
 *   qdq.c       the output ModelProto: the original with BN folded and Q/DQ
 *   qop.c       the same as QOperator ops (QLinearConv, QGemm, ...)
 *   quantize.c  accel_quantize(): the steps above, the report, the file
 */
#ifndef QZ_QUANT_H
#define QZ_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/quantize.h"
#include "graph/graph.h"

/* ---- samples ---- */

/* One sample: a value per graph input (graph input order). */
struct qz_sample {
	struct gr_value **in;
	char *what;		/* the file or folder it came from */
};

struct qz_set {
	struct qz_sample *s;
	int n;
	int n_inputs;
};

/* -ENOENT, -ENODATA, -EILSEQ (mismatch), -ERANGE (non-finite) or -ENOMEM. */
int qz_samples_load(const struct gr_graph *g, const char *dir, struct qz_set *set,
		    struct gr_err *err);
void qz_samples_free(struct qz_set *set);

/* ---- float execution ---- */

/* Every tensor's value after a run (constants point at the graph's own). */
struct qz_values {
	struct gr_value **v;
	char *owned;
	int n;
};

/*
 * Runs g on the sample's inputs. With check_finite, a float output holding
 * NaN or Inf fails the run (-ERANGE, naming the node and the sample).
 */
int qz_exec(const struct gr_graph *g, const struct qz_sample *s, bool check_finite,
	    struct qz_values *vals, struct gr_err *err);
void qz_values_free(struct qz_values *vals);

/* ---- the plan ---- */

#define QZ_HIST_BINS 2048

/* An activation tensor that gets a QuantizeLinear/DequantizeLinear pair. */
struct qz_act {
	int t;			/* tensor index in the float graph */
	int node;		/* the node reported for it (its producer), -1 for an input */
	char op[64];
	int same_as;		/* -1, or the qz_act whose parameters it shares (MaxPool) */
	/* statistics */
	double min, max;
	uint64_t *hist;		/* QZ_HIST_BINS bins over the range below */
	double hist_lo, hist_hi;
	/* the choice */
	double lo, hi;
	float scale;
	int8_t zp;
	/* the report: float signal and quantization noise energy */
	double sig, noise;
};

/* A node quantized with weights (Conv, Gemm, MatMul). */
struct qz_wnode {
	int node;
	int axis;		/* the weights' output-channel axis */
	int bias_in;		/* input slot of the bias, -1 if none */
	int in_act;		/* qz_act of its input */
};

struct qz_plan {
	struct qz_act *act;
	int n_act;
	struct qz_wnode *wn;
	int n_wn;
	int *act_of;		/* per tensor: its qz_act index, or -1 */
	char *quantized;	/* per node */
	int *fused;		/* per quantized node: the Relu/Clip fused into it, or -1 */
	int n_quantized;
};

int qz_plan_build(const struct gr_graph *g, const char *const *exclude,
		  struct qz_plan *p, struct gr_err *err);
void qz_plan_free(struct qz_plan *p);

/* ---- ranges ---- */

/* Pass 1: min and max of every planned tensor in this run. */
void qz_stats_minmax(struct qz_plan *p, const struct qz_values *vals);
/* Pass 2 (percentile, entropy): histograms over the pass-1 ranges. */
int qz_stats_hist(struct qz_plan *p, const struct qz_values *vals,
		  enum accel_calib_method method);
/* The ranges, scales and zero points of every planned tensor. */
void qz_choose(struct qz_plan *p, enum accel_calib_method method, double percentile);

/* ---- output model ---- */

struct qz_write_opts {
	bool per_channel;
};

/*
 * The quantized model as bytes: the original model (model_buf) with the
 * folding of g applied and Q/DQ per the plan. *out is malloc()ed.
 */
int qz_qdq_model(const void *model_buf, size_t model_len, const struct gr_graph *g,
		 const struct qz_plan *p, const struct qz_write_opts *o,
		 uint8_t **out, size_t *out_len, struct gr_err *err);
/*
 * The same in ONNX Runtime's QOperator format (qop.c): QLinearConv, QGemm,
 * QLinearMatMul, QLinearAdd, ... on int8 tensors, QuantizeLinear and
 * DequantizeLinear only at the edges of the float parts.
 */
int qz_qop_model(const void *model_buf, size_t model_len, const struct gr_graph *g,
		 const struct qz_plan *p, const struct qz_write_opts *o,
		 uint8_t **out, size_t *out_len, struct gr_err *err);

/*
 * The model (an opset below 13, imported as g) rewritten at opset 13
 * (upgrade.c): 0 and *out (malloc'd), or an error naming the node that has
 * no opset-13 form here.
 */
int qz_upgrade_opset(const void *model_buf, size_t model_len, const struct gr_graph *g,
		     uint8_t **out, size_t *out_len, struct gr_err *err);

#endif /* QZ_QUANT_H */
