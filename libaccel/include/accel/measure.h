/* SPDX-License-Identifier: MIT */
/*
 * libaccel layer measurement: one conv/FC layer run on the device with
 * synthetic data, measured as the device counts it (energy per level,
 * cycles, DRAM words), next to the scheduler's prediction. NetAdapt's
 * per-layer look-up tables (`accelctl profile`, docs/accelctl.md) are built
 * from it: the same geometry as a model's layer, with other channel counts.
 *
 *   struct accel_layer_spec spec;
 *   accel_model_layer_spec(model, i, &spec);      // layer i as the device sees it
 *   spec.m /= 2;                                  // half the filters
 *   struct accel_layer_measurement r = { .sz = sizeof(r) };
 *   accel_layer_measure(dev, &spec, NULL, &r);    // r.measured, r.predicted
 *
 * Conventions as in libaccel.h: negative errno with a readable message from
 * accel_last_error(); options and results carry their size.
 */
#ifndef ACCEL_MEASURE_H
#define ACCEL_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "accel/model.h"
#include "accel/plan.h"

#ifdef __cplusplus
extern "C" {
#endif

struct accel_measure_opts {
	size_t sz;			/* sizeof(struct accel_measure_opts) */
	enum accel_dataflow dataflow;	/* RS default */
	/*
	 * Seed of the synthetic input, weights and bias (dense pseudo-random
	 * int8, no zeros, so no data-dependent saving makes the figure
	 * optimistic); 0: a fixed default.
	 */
	uint64_t seed;
};

struct accel_layer_measurement {
	size_t sz;			/* sizeof(struct accel_layer_measurement) */
	struct accel_layer_stats measured; /* what the device counted */
	struct accel_layer_stats predicted; /* the scheduler's prediction */
	uint32_t commands;		/* commands of the layer's stream */
	/* what the job's completion reported (the layer alone in its job) */
	uint64_t job_cycles;
	uint64_t job_energy_fj;
};

/*
 * Plans spec for dev (op ACCEL_LAYER_CONV or ACCEL_LAYER_FC; spec->no_bias
 * and spec->per_channel as the layer has them), emits its command stream,
 * runs it in a job of its own on synthetic data with an energy snapshot
 * after it, and returns what the device measured. Errors: -EINVAL (bad
 * spec: zero sizes, channels not divisible by groups, a pool or add op),
 * -ENOSPC (no mapping fits the device), -EIO (the job failed), -ENOMEM.
 */
int accel_layer_measure(struct accel_device *dev, const struct accel_layer_spec *spec,
			const struct accel_measure_opts *opts,
			struct accel_layer_measurement *res);

/*
 * Layer i of a loaded model (accel_model_layer_info's numbering) as a
 * layer spec, if it is a conv or FC/matmul layer: for a device layer the
 * shape and options the scheduler planned (bias, per-channel table); for a
 * float layer the CPU runs, what quantizing it would give (per-channel
 * weights, a bias when the node has one). Returns 0, -ENOENT if the layer
 * is not conv or FC (or its shape is not known), -EINVAL for a bad index.
 */
int accel_model_layer_spec(const struct accel_model *m, int i,
			   struct accel_layer_spec *spec);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_MEASURE_H */
