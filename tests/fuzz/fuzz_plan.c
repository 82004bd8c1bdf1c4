// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the planner's inputs. The first line is a layer SPEC
 * (accel_layer_spec_parse), the rest an architecture file applied on top
 * of the emulated board's (accel_arch_load_mem); the first byte of the
 * SPEC line picks the dataflow and objective. Planning runs with a small
 * evaluation budget, as a NetAdapt loop would, and must end with a
 * mapping or an error, in bounded time and memory.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"

static struct accel_arch *base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct accel_device *dev;

	(void)argc;
	(void)argv;
	accel_set_log_level(ACCEL_LOG_QUIET);
	/* the description without the device: the path fuzzing also covers */
	dev = fuzz_device();
	if (dev) {
		struct accel_device_info info = { .sz = sizeof(info) };

		if (accel_device_info(dev, &info) || accel_arch_from_info(&info, &base))
			base = NULL;
	}
	if (!base) {
		fprintf(stderr, "fuzz_plan: no architecture: %s\n", accel_last_error());
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a NetAdapt-sized budget: an input ends within 2 x 100 ms of CPU */
	struct accel_plan_opts po = { .sz = sizeof(po), .max_evaluations = 4000,
				      .max_time_us = 100000 };
	struct accel_plan_result r = { .sz = sizeof(r) };
	struct accel_layer_spec spec;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t spec_len = nl ? (size_t)(nl - data) : size;
	struct accel_arch *arch;
	char text[512];

	if (spec_len < 1 || spec_len > sizeof(text))
		return 0;
	po.dataflow = (enum accel_dataflow)(data[0] % ACCEL_DATAFLOW_COUNT);
	po.objective = (enum accel_objective)((data[0] / ACCEL_DATAFLOW_COUNT) % ACCEL_OBJECTIVE_COUNT);
	memcpy(text, data + 1, spec_len - 1);
	text[spec_len - 1] = 0;
	if (fuzz_rc("spec", accel_layer_spec_parse(text, &spec)))
		return 0;
	(void)accel_layer_spec_macs(&spec);
	if (accel_arch_copy(base, &arch))
		return 0;
	if (nl && fuzz_rc("arch", accel_arch_load_mem(arch, (const char *)nl + 1,
						    size - spec_len - 1, "fuzz"))) {
		accel_arch_free(arch);
		return 0;
	}
	if (!fuzz_rc("plan", accel_plan_layer(arch, &spec, &po, &r)))
		fuzz_note("plan: %llu evaluated in %llu us%s", (unsigned long long)r.evaluated,
			  (unsigned long long)r.time_us,
			  r.budget_exhausted ? ", budget exhausted (best so far)" : "");
	accel_arch_free(arch);
	return 0;
}
