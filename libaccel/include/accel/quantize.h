/* SPDX-License-Identifier: MIT */
/*
 * libaccel post-training quantization: a float ONNX model to an int8 QDQ
 * ONNX model the device runs, calibrated on sample inputs. Same conventions
 * as accel/libaccel.h (options with sz, negative errno +
 * accel_last_error()). `accelctl quantize` is its command line.
 *
 *   struct accel_quant_report *r;
 *   struct accel_quantize_opts o = ACCEL_OPTS_INIT(accel_quantize_opts,
 *                                                  .method = ACCEL_CALIB_ENTROPY);
 *   accel_quantize("model.onnx", "model.int8.onnx", "calib/", &o, &r);
 *
 * What it does (docs/models.md, "Quantization of float models"):
 * - imports the model (BatchNormalization folded into the convs); a model
 *   of an opset below 13 is rewritten at opset 13 first, and the rewritten
 *   float model must give the original's outputs on the first sample;
 * - runs it in float on the CPU over every sample of the calibration
 *   folder, collecting each activation's range (and histogram for the
 *   percentile and entropy methods); any NaN or Inf fails it;
 * - picks an int8 scale and zero point per activation, quantizes weights
 *   symmetrically (per output channel by default) and biases to int32 at
 *   s_in * s_w;
 * - writes QuantizeLinear/DequantizeLinear pairs around every op with a
 *   device form (Conv, Gemm, MatMul, pooling, Add, Concat, and the
 *   activations the device's table runs); other ops stay float between
 *   DequantizeLinear and QuantizeLinear;
 * - runs the float and the quantized model over the evaluation samples for
 *   the report (per-tensor SQNR, output SQNR, top-1 agreement);
 * - writes the output atomically: a temporary file in the output's folder
 *   renamed over it, so an error never leaves a partial or stale file.
 *
 * The calibration folder holds TensorProto (.pb) files: one subfolder per
 * sample with NAME.pb (or input_N.pb) for each model input, or, for a
 * single-input model, any number of *.pb files directly in it (the name
 * inside a TensorProto may be empty; a non-empty one must be the input's).
 */
#ifndef ACCEL_QUANTIZE_H
#define ACCEL_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

enum accel_calib_method {
	ACCEL_CALIB_MINMAX = 0,		/* the observed range */
	ACCEL_CALIB_PERCENTILE = 1,	/* the percentile's range of the histogram */
	ACCEL_CALIB_ENTROPY = 2,	/* KL-divergence threshold (TensorRT) */
};

enum accel_quant_format {
	ACCEL_QUANT_QDQ = 0,		/* QuantizeLinear/DequantizeLinear pairs */
	ACCEL_QUANT_QOPERATOR = 1,	/* QLinearConv, QLinearMatMul, ... */
};

struct accel_quantize_opts {
	size_t sz;
	enum accel_calib_method method;	/* default minmax */
	double percentile;		/* ACCEL_CALIB_PERCENTILE; 0: 99.999 */
	bool per_tensor_weights;	/* one weight scale per tensor (default: per channel) */
	enum accel_quant_format format;	/* default QDQ */
	/* node names to keep float, NULL-terminated; NULL for none */
	const char *const *exclude;
	/*
	 * Samples for the report's figures (same layout as the calibration
	 * folder); NULL: the calibration samples.
	 */
	const char *eval_dir;
	/* Called as the work advances (stage, samples done, samples total). */
	void (*progress)(void *ctx, const char *stage, int done, int total);
	void *progress_ctx;
	/*
	 * Resource budget, as accel_model_opts' (accel/model.h): bytes of
	 * tensors each model load and each float run over a sample may
	 * allocate (0 = ACCEL_MODEL_DEFAULT_MAX_MEMORY), elements of one
	 * tensor, window positions of one node. -E2BIG past one, naming it:
	 * a model file cannot make quantize allocate without bound.
	 */
	uint64_t max_memory;
	uint64_t max_tensor_elements;
	uint64_t max_operations;
};

struct accel_quant_report;

/*
 * Quantizes the float model in_path into out_path, calibrated on calib_dir.
 * *report (may be NULL) receives the report; free it with
 * accel_quant_report_free(). Errors (the message names the cause and the
 * fix): -ENOENT (a file or folder missing), -ENODATA (the calibration
 * folder holds no sample), -EILSEQ (a sample does not match the model's
 * inputs: name, type or shape), -ERANGE (NaN or Inf in a sample or an
 * activation), -EINVAL / -EOPNOTSUPP (the model), -ESRCH (an excluded node
 * does not exist), -E2BIG (a limit of the budget above), -EIO
 * (writing). On any error out_path is left as it was.
 */
int accel_quantize(const char *in_path, const char *out_path, const char *calib_dir,
		   const struct accel_quantize_opts *opts, struct accel_quant_report **report);
void accel_quant_report_free(struct accel_quant_report *r);

/* One quantized activation tensor of the report. */
struct accel_quant_tensor_info {
	size_t sz;
	char tensor[128];		/* the tensor's name in the float model */
	char node[128];			/* the node writing it ("" for a graph input) */
	char op[64];			/* that node's op, "+"-joined with a fused activation */
	double min, max;		/* observed over the calibration samples */
	double range_lo, range_hi;	/* the range the method chose */
	float scale;
	int32_t zero_point;		/* int8 */
	/* quantized against float over the evaluation samples, in dB */
	double sqnr_db;
};

struct accel_quant_summary {
	size_t sz;
	enum accel_calib_method method;
	double percentile;
	bool per_channel;
	uint32_t calib_samples, eval_samples;
	bool eval_held_apart;		/* eval_dir was given */
	uint32_t nodes, quantized_nodes;	/* float model (BN folded), with a device form quantized */
	uint32_t batchnorm_folded;
	/* the model's outputs, quantized against float, over the eval samples */
	double output_sqnr_db;
	/*
	 * A classifier (first output of shape [N, classes], classes > 1):
	 * share of rows whose arg max agrees with the float model's.
	 */
	bool classifier;
	uint32_t top1_rows;
	double top1_agreement;
	/*
	 * The model's default-domain opset and the written one: a model
	 * below 13 is rewritten at 13 first (QuantizeLinear needs 10, a
	 * per-channel DequantizeLinear 13), its float outputs checked equal.
	 */
	uint32_t opset_in, opset_out;
};

int accel_quant_report_summary(const struct accel_quant_report *r,
			       struct accel_quant_summary *s);
int accel_quant_report_tensor_count(const struct accel_quant_report *r);
int accel_quant_report_tensor(const struct accel_quant_report *r, int i,
			      struct accel_quant_tensor_info *info);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_QUANTIZE_H */
