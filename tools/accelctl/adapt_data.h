/* SPDX-License-Identifier: MIT */
/*
 * accelctl adapt's data: the calibration set (the folder layout of
 * `accelctl quantize`, docs/accelctl.md) and CPU runs of a float model
 * that return chosen inner tensors as well as the outputs, through
 * libaccel's model runner (the model is written with those tensors as
 * extra graph outputs).
 */
#ifndef ACCELCTL_ADAPT_DATA_H
#define ACCELCTL_ADAPT_DATA_H

#include "accel/model.h"
#include "onnx_edit.h"

#define CALIB_MAX_INPUTS 16

/* Samples: in[s][i] is model input i of sample s. */
struct calib {
	struct accel_tensor *(*in)[CALIB_MAX_INPUTS];
	int n, n_inputs;
};

/*
 * Reads DIR: one subfolder per sample with a <input name>.pb per model
 * input, or (single-input models) *.pb files directly in DIR, one sample
 * each, in name order. model is the float model (for its input names).
 * 0 or -1 with the cause and the fix in err.
 */
int calib_load(const char *dir, const char *model, struct calib *c, char *err, size_t errlen);
void calib_free(struct calib *c);

/* What one CPU run over the calibration set returned. */
struct collected {
	int n_names;			/* graph output 0, then the names asked */
	struct accel_tensor **t;	/* t[k * samples + s] */
	int samples;
};

/*
 * Runs m on the CPU over every sample and keeps its first output and the
 * tensors names[0..n). 0 or -1 with the message in err.
 */
int collect_run(const Onnx__ModelProto *m, const struct calib *c, const char *const *names,
		int n, struct collected *out, char *err, size_t errlen);
/* Tensor k (0: the output; 1 + i: names[i]) of sample s. */
struct accel_tensor *collected_get(const struct collected *cl, int k, int s);
void collected_free(struct collected *cl);

/* Agreement of outputs with reference outputs over the samples. */
struct agreement {
	double top1;			/* share of rows whose argmax agrees */
	double sqnr_db;			/* 10 log10(sum ref^2 / sum (out - ref)^2) */
	long rows;
};

int agreement_of(const struct collected *out, const struct collected *ref, struct agreement *a);

#endif /* ACCELCTL_ADAPT_DATA_H */
