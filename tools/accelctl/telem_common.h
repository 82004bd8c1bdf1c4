/* SPDX-License-Identifier: MIT */
/*
 * What accelctl's telemetry commands (power, top, exporter) share: opening
 * the device for sampling, printing a sample as JSON / CSV / text, and the
 * SIGINT/SIGTERM stop flag.
 */
#ifndef ACCELCTL_TELEM_COMMON_H
#define ACCELCTL_TELEM_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/telemetry.h"
#include "accelctl.h"

/* The device's default sample period (docs/hardware.md section 9). */
#define TELEM_DEVICE_PERIOD_US	10000u

/*
 * Opens ctx->device for sampling every interval_us. An emu device is
 * opened with a sample period that divides the interval (the largest
 * common divisor with the 10 ms default), so samples are spaced at exactly
 * the interval. Prints the error and returns ACCELCTL_EXIT_DEVICE on
 * failure, else 0.
 */
int telem_open_device(const struct accelctl *ctx, uint32_t interval_us,
		      struct accel_device **dev);

/*
 * An emu device publishes power over its last sample period; right after
 * open no period has passed yet. Waits (at most one period plus slack)
 * until the block holds a full period, so a one-shot read shows real
 * power. Returns 0 or the negative errno of a failed read.
 */
int telem_wait_first_period(struct accel_device *dev);

/* Sample as one JSON object (compact: one line). */
void telem_sample_json(FILE *f, const char *device,
		       const struct accel_telemetry_sample *s, bool with_seq,
		       bool pretty);
/*
 * A device event as one JSON line: device, event (its name), timestamp_ns,
 * ctx_id and the event's own key (job_seqno, result, throttled, address).
 */
void telem_event_json(FILE *f, const char *device,
		      const struct accel_telemetry_event *e);
/* A device event as one line of text. */
void telem_event_text(FILE *f, const char *device,
		      const struct accel_telemetry_event *e);
/* CSV header row and one row per sample. */
void telem_csv_header(FILE *f);
void telem_sample_csv(FILE *f, const char *device,
		      const struct accel_telemetry_sample *s);
/* Human-readable block. */
void telem_sample_text(FILE *f, const char *device, const char *shim,
		       const struct accel_telemetry_sample *s);

/* SIGINT/SIGTERM set telem_stop_requested (no SA_RESTART). */
extern volatile sig_atomic_t telem_stop_requested;
void telem_catch_stop_signals(void);

/* Parses a decimal in [min, max] or prints a usage error naming option. */
int telem_parse_opt_u64(const struct accelctl *ctx, const char *option,
			const char *text, uint64_t min, uint64_t max,
			uint64_t *out);

#endif /* ACCELCTL_TELEM_COMMON_H */
