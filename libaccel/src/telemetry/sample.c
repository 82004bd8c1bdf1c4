// SPDX-License-Identifier: MIT
/*
 * One-shot telemetry: the device's block (accel_telemetry_read) turned into
 * a sample with derived values. The integer counters stay exact; the double
 * fields are only conversions for display, so nothing downstream has to
 * know the device's units.
 */
#include <errno.h>
#include <string.h>

#include "accel/telemetry.h"
#include "core/internal.h"

#define FJ_PER_J	1e15

static void fill_sample(const struct accel_telemetry *raw,
			struct accel_telemetry_sample *s)
{
	uint64_t total = 0;

	memset(s, 0, sizeof(*s));
	s->sz = sizeof(*s);
	s->timestamp_ns = raw->timestamp_ns;
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
		s->energy_fj[d] = raw->energy_fj[d];
		s->energy_j[d] = (double)raw->energy_fj[d] / FJ_PER_J;
		total += raw->energy_fj[d];
	}
	s->energy_total_fj = total;
	s->energy_total_j = (double)total / FJ_PER_J;
	s->power_mw = raw->power_mw;
	s->power_w = raw->power_mw / 1000.0;
	s->temp_mc = raw->temp_mc;
	s->temperature_c = raw->temp_mc / 1000.0;
	s->util_permille = raw->util_permille;
	s->utilization = raw->util_permille / 1000.0;
	s->throttled = (raw->flags & ACCEL_TELEM_THROTTLED) != 0;
	s->busy = (raw->flags & ACCEL_TELEM_BUSY) != 0;
	s->clock_khz = raw->clock_khz;
	s->sample_period_us = raw->sample_period_us;
	s->throttle_events = raw->throttle_events;
	s->cycles = raw->cycles;
	s->busy_ns = raw->busy_ns;
	s->jobs_completed = raw->jobs_completed;
}

int accel_telemetry_sample_from_raw(const struct accel_telemetry *raw,
				    struct accel_telemetry_sample *s)
{
	struct accel_telemetry_sample full;
	int err;

	if (!raw)
		return eyr_error(-EINVAL, "telemetry: raw block pointer is NULL");
	err = eyr_out_check(s, s ? s->sz : 0, "accel_telemetry_sample");
	if (err)
		return err;
	fill_sample(raw, &full);
	eyr_out_copy(s, s->sz, &full, sizeof(full));
	return 0;
}

int accel_telemetry_sample_read(struct accel_device *dev,
				struct accel_telemetry_sample *s)
{
	struct accel_telemetry raw = { .sz = sizeof(raw) };
	int err;

	if (!dev)
		return eyr_error(-EINVAL, "telemetry: device handle is NULL");
	err = eyr_out_check(s, s ? s->sz : 0, "accel_telemetry_sample");
	if (err)
		return err;
	err = accel_telemetry_read(dev, &raw);
	if (err)
		return err;
	return accel_telemetry_sample_from_raw(&raw, s);
}

double accel_telemetry_power_between(const struct accel_telemetry_sample *a,
				     const struct accel_telemetry_sample *b)
{
	if (!a || !b || b->timestamp_ns <= a->timestamp_ns ||
	    b->energy_total_fj < a->energy_total_fj)
		return -1.0;
	/* fJ / ns = uW; scale to W. */
	return (double)(b->energy_total_fj - a->energy_total_fj) /
	       (double)(b->timestamp_ns - a->timestamp_ns) / 1e6;
}
