/* SPDX-License-Identifier: MIT */
/*
 * A synthetic workload for telemetry demos and tests: a thread that keeps
 * the device's PE array busy with convolution passes over GLB-resident
 * data (no DMA, so the energy goes to the array: GLB, NoC, RF, MAC), so
 * power, temperature and utilization rise and a hot enough device
 * throttles. Only libaccel's public API.
 */
#ifndef ACCELCTL_TELEM_LOAD_H
#define ACCELCTL_TELEM_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/libaccel.h"

struct telem_load;

/*
 * Appends the load's job (PASSES_PER_JOB convolution passes, shaped from
 * the device's description) to cb. For tests that run it themselves.
 * Returns 0 or a negative errno.
 */
int telem_load_build_job(struct accel_device *dev, struct accel_cmdbuf *cb);

/*
 * Builds the job (shaped from the device's description) and starts the
 * thread. Returns 0 or a negative errno (accel_last_error() tells).
 */
int telem_load_start(struct accel_device *dev, struct telem_load **out);
/* True once a job failed; the thread has then stopped. */
bool telem_load_failed(struct telem_load *l);
const char *telem_load_error(struct telem_load *l);
/* Jobs completed so far. */
uint64_t telem_load_jobs(struct telem_load *l);
/* Stops the thread (waits for the job in flight) and frees. Accepts NULL. */
void telem_load_stop(struct telem_load *l);

#endif /* ACCELCTL_TELEM_LOAD_H */
