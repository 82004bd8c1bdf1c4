// SPDX-License-Identifier: MIT
/*
 * Fuzz target: TensorProto bytes (accel_tensor_load_mem) fed as one input
 * of a fixed model, the QLinearConv node test of libonnx-testdata, whose
 * every input (activations, weights, scales, zero points) is a graph
 * input: wrong shapes, types, huge dimensions and NaN scales must be
 * refused with an error. The first byte picks the input replaced.
 * FUZZ_FIXED_MODEL_DIR (compile-time) is the node test's directory.
 */
#include <stdio.h>

#include "fuzz_inputs.h"

#ifndef FUZZ_FIXED_MODEL_DIR
#define FUZZ_FIXED_MODEL_DIR "/usr/share/libonnx-testdata/data/node/test_qlinearconv"
#endif
#define MAX_IO 16

static struct accel_model *model_dev, *model_cpu;
static struct accel_tensor *base[MAX_IO];
static int n_base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct accel_device *dev = fuzz_device();
	struct accel_model_opts od = fuzz_model_opts(false), oc = fuzz_model_opts(true);

	(void)argc;
	(void)argv;
	if ((dev && accel_model_load(dev, FUZZ_FIXED_MODEL_DIR "/model.onnx", &od, &model_dev)) ||
	    accel_model_load(NULL, FUZZ_FIXED_MODEL_DIR "/model.onnx", &oc, &model_cpu)) {
		fprintf(stderr, "fuzz_tensor: %s\n", accel_last_error());
		exit(1);
	}
	n_base = accel_model_input_count(model_cpu);
	for (int i = 0; i < n_base && i < MAX_IO; i++) {
		char path[512];

		snprintf(path, sizeof(path), FUZZ_FIXED_MODEL_DIR "/test_data_set_0/input_%d.pb", i);
		if (accel_tensor_load(path, &base[i])) {
			fprintf(stderr, "fuzz_tensor: %s\n", accel_last_error());
			exit(1);
		}
	}
	return 0;
}

static void run(struct accel_model *m, struct accel_tensor **in)
{
	struct accel_tensor *out[MAX_IO] = { 0 };
	int n_out = accel_model_output_count(m);

	if (!m || n_out > MAX_IO)
		return;
	if (!fuzz_rc("run", accel_model_run(m, in, n_base, out, n_out)))
		fuzz_free_tensors(out, n_out);
	memset(out, 0, sizeof(out));
	if (!fuzz_rc("reference", accel_model_reference(m, in, n_base, out, n_out)))
		fuzz_free_tensors(out, n_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_tensor *in[MAX_IO], *t;
	int k;

	if (size < 1 || !n_base)
		return 0;
	k = data[0] % n_base;
	if (fuzz_rc("tensor", accel_tensor_load_mem(data + 1, size - 1, &t)))
		return 0;
	/* the accessors a caller uses, on whatever loaded */
	(void)accel_tensor_name(t);
	(void)accel_tensor_count(t);
	memcpy(in, base, sizeof(in));
	in[k] = t;
	if (model_dev)
		run(model_dev, in);
	run(model_cpu, in);
	accel_tensor_free(t);
	return 0;
}
