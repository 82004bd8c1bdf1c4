// SPDX-License-Identifier: MIT
/*
 * Fuzz target: ONNX model bytes -> accel_quantize (import, the rewrite of
 * an older opset at 13, calibration on two samples made for the model's
 * inputs, the QDQ and the QOperator writer, the quantized model's load and
 * the report), within a small budget. Any crash, sanitizer report, leak,
 * hang or unbounded allocation is a bug; refusing the model is the
 * expected outcome. The inputs are found by loading the model for the CPU
 * first (the same import), and written as TensorProto files.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <accel/quantize.h>

#include "fuzz_inputs.h"

#define MAX_IO 8

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	accel_set_log_level(ACCEL_LOG_QUIET);
	snprintf(dir, sizeof(dir), "/tmp/eyrie-fuzz-quantize-%d", (int)getpid());
	mkdir(dir, 0700);
	return 0;
}

/* Writes the model and two samples (subfolders s0, s1); 0 or -1. */
static int write_files(struct accel_model *m, const uint8_t *data, size_t size,
		       const char *model)
{
	struct accel_tensor *in[MAX_IO];
	char path[256];
	FILE *f = fopen(model, "wb");
	int ok = f && fwrite(data, 1, size, f) == size;

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	for (int s = 0; s < 2; s++) {
		/* the second sample from the bytes shifted: another range */
		int n = fuzz_make_inputs(m, data + (s && size > 1), size - (s && size > 1), in,
					 MAX_IO);

		if (n < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/calib/s%d", dir, s);
		mkdir(path, 0700);
		for (int i = 0; i < n && ok; i++) {
			const char *name = accel_model_input_name(m, i);

			snprintf(path, sizeof(path), "%s/calib/s%d/%s.pb", dir, s, name ? name : "");
			ok = name && !strchr(name, '/') && strlen(name) < 100 &&
			     !accel_tensor_save(in[i], path);
		}
		fuzz_free_tensors(in, n);
		if (!ok)
			return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_model_opts mo = fuzz_model_opts(true);
	struct accel_model *m;
	char model[128], out[128], calib[128], cmd[200];

	snprintf(model, sizeof(model), "%s/model.onnx", dir);
	snprintf(out, sizeof(out), "%s/out.onnx", dir);
	snprintf(calib, sizeof(calib), "%s/calib", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", calib, out);
	if (system(cmd))
		return 0;
	mkdir(calib, 0700);
	if (fuzz_rc("load", accel_model_load_mem(NULL, data, size, &mo, &m)))
		return 0;
	if (accel_model_input_count(m) < 1 || write_files(m, data, size, model)) {
		fuzz_note("quantize: skipped (inputs too large, unnamed or unknown)");
		accel_model_free(m);
		return 0;
	}
	accel_model_free(m);
	for (int k = 0; k < 2; k++) {
		struct accel_quantize_opts o = {
			.sz = sizeof(o),
			.method = k ? ACCEL_CALIB_ENTROPY : ACCEL_CALIB_MINMAX,
			.format = k ? ACCEL_QUANT_QOPERATOR : ACCEL_QUANT_QDQ,
			.max_memory = FUZZ_MAX_MEMORY,
			.max_tensor_elements = FUZZ_MAX_TENSOR_ELEMENTS,
			.max_operations = FUZZ_MAX_OPERATIONS,
		};
		struct accel_quant_report *r = NULL;

		if (!fuzz_rc("quantize", accel_quantize(model, out, calib, &o, &r)))
			accel_quant_report_free(r);
	}
	return 0;
}
