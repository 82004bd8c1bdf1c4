// SPDX-License-Identifier: MIT
/*
 * emu telemetry source: the device model runs in this process and publishes
 * its telemetry block every sample period of device time, so the
 * subscription thread reads the block often enough to see every
 * publication and offers each; the slot logic keeps one per interval.
 *
 * The poll period is a quarter of the shorter of the device's sample
 * period and the interval: a reader that wakes four times per publication
 * sees every boundary even when the host is busy, at a cost of a seqlock
 * copy per wake-up.
 */
#include <errno.h>

#include "telemetry/source.h"

#define POLL_MIN_NS	200000ull	/* 0.2 ms */
#define POLL_MAX_NS	5000000ull	/* 5 ms */

static int emu_open(struct accel_telemetry_sub *sub, void **state)
{
	(void)sub;
	*state = NULL;
	return 0;
}

static uint64_t poll_ns(const struct accel_telemetry_sample *s,
			uint64_t interval_ns)
{
	uint64_t shortest = interval_ns;
	uint64_t p;

	if (s->sample_period_us && s->sample_period_us * 1000ull < shortest)
		shortest = s->sample_period_us * 1000ull;
	p = shortest / 4;
	if (p < POLL_MIN_NS)
		p = POLL_MIN_NS;
	if (p > POLL_MAX_NS)
		p = POLL_MAX_NS;
	return p;
}

static int emu_run(struct accel_telemetry_sub *sub, void *state)
{
	struct accel_device *dev = eyr_telem_sub_device(sub);
	uint64_t interval_ns = eyr_telem_sub_interval_ns(sub);
	uint64_t last_ts = 0;
	bool first = true;

	(void)state;
	while (!eyr_telem_sub_should_stop(sub)) {
		struct accel_telemetry_sample s = { .sz = sizeof(s) };
		int err = accel_telemetry_sample_read(dev, &s);

		if (err)
			return err;
		/* Only a new publication can open a new slot. */
		if (first || s.timestamp_ns != last_ts) {
			first = false;
			last_ts = s.timestamp_ns;
			if (eyr_telem_sub_offer(sub, &s))
				return 0;
		}
		if (!eyr_telem_sub_sleep(sub, poll_ns(&s, interval_ns)))
			break;
	}
	return 0;
}

static void emu_close(struct accel_telemetry_sub *sub, void *state)
{
	(void)sub;
	(void)state;
}

const struct eyr_telem_source eyr_telem_source_emu = {
	.shim = "emu",
	.open = emu_open,
	.run = emu_run,
	.close = emu_close,
};
