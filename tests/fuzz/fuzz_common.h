/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: the emulated board, opened once per
 * process (a job per input is what the targets exercise, not boot), and
 * the budgets that keep one input small and fast.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include <accel/libaccel.h>
#include <accel/model.h>
#include <accel/plan.h>

#include "fuzz_note.h"

/* One input may allocate this much (the model's and the run's budget). */
#define FUZZ_MAX_MEMORY (16ull << 20)
#define FUZZ_MAX_TENSOR_ELEMENTS (1ull << 18)
/* window positions of one node: seconds at most under the sanitizers */
#define FUZZ_MAX_OPERATIONS (1ull << 26)
/* Inputs the targets feed a model: small, so a run stays fast. */
#define FUZZ_MAX_INPUT_ELEMENTS 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The emulated board (NULL if it cannot start: the targets then stay on the CPU). */
static inline struct accel_device *fuzz_device(void)
{
	static struct accel_device *dev;
	static int tried;

	if (!tried) {
		tried = 1;
		accel_set_log_level(ACCEL_LOG_QUIET);
		if (accel_device_open("emu", NULL, &dev))
			dev = NULL;
	}
	return dev;
}

static inline struct accel_model_opts fuzz_model_opts(bool cpu_only)
{
	struct accel_model_opts o = {
		.sz = sizeof(o),
		.cpu_only = cpu_only,
		.max_memory = FUZZ_MAX_MEMORY,
		.max_tensor_elements = FUZZ_MAX_TENSOR_ELEMENTS,
		.max_operations = FUZZ_MAX_OPERATIONS,
	};

	return o;
}

/* A libaccel call's outcome: "what: ok" or "what: error: <message>". */
static inline int fuzz_rc(const char *what, int rc)
{
	if (rc)
		fuzz_note("%s: error: %s", what, accel_last_error());
	else
		fuzz_note("%s: ok", what);
	return rc;
}

#endif /* FUZZ_COMMON_H */
