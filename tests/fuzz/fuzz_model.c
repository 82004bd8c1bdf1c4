// SPDX-License-Identifier: MIT
/*
 * Fuzz target: ONNX model bytes -> accel_model_load_mem (import + compile
 * for the emulated board) -> a device run and a CPU reference run on small
 * inputs. Any crash, sanitizer report, leak, hang or unbounded allocation
 * is a bug; refusing the model with an error is the expected outcome.
 */
#include "fuzz_inputs.h"

#define MAX_IO 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_device();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_device *dev = fuzz_device();
	struct accel_model_opts o = fuzz_model_opts(dev == NULL);
	struct accel_tensor *in[MAX_IO], *out[MAX_IO];
	struct accel_model *m;
	int n_in, n_out;

	if (fuzz_rc("load", accel_model_load_mem(dev, data, size, &o, &m)))
		return 0;
	n_out = accel_model_output_count(m);
	n_in = fuzz_make_inputs(m, data, size, in, MAX_IO);
	if (n_in >= 0 && n_out >= 0 && n_out <= MAX_IO) {
		memset(out, 0, sizeof(out));
		if (!fuzz_rc("run", accel_model_run(m, in, n_in, out, n_out))) {
			struct accel_check_result r = { .sz = sizeof(r) };

			fuzz_free_tensors(out, n_out);
			fuzz_rc("check", accel_model_check(m, in, n_in, &r));
		}
		memset(out, 0, sizeof(out));
		if (!fuzz_rc("reference", accel_model_reference(m, in, n_in, out, n_out)))
			fuzz_free_tensors(out, n_out);
		fuzz_free_tensors(in, n_in);
	} else {
		fuzz_note("run: skipped (inputs too large or unknown)");
	}
	accel_model_free(m);
	return 0;
}
