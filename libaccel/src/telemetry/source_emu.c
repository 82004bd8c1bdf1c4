// SPDX-License-Identifier: MIT
/*
 * emu telemetry source: the device model runs in this process and publishes
 * its telemetry block every sample period of device time, so the
 * subscription thread reads the block often enough to see every
 * publication and offers each; the slot logic keeps one per interval.
 * At each look it also compares the device's event counters (resets, MMU
 * faults: the shim's event_counts) and the throttled flag with the last
 * look and delivers the differences as events.
 *
 * The poll period is a quarter of the shorter of the device's sample
 * period and the interval: a reader that wakes four times per publication
 * sees every boundary even when the host is busy, at a cost of a seqlock
 * copy per wake-up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "telemetry/source.h"

#define POLL_MIN_NS	200000ull	/* 0.2 ms */
#define POLL_MAX_NS	5000000ull	/* 5 ms */

/* What the thread last saw of the device's events. */
struct emu_seen {
	bool throttled;
	uint32_t throttle_events;	/* the block's count of beginnings */
	struct eyr_shim_event_counts counts;
};

/* Reads the device's event counters (none if the shim has no such op). */
static bool read_counts(struct accel_device *dev, struct eyr_shim_event_counts *out)
{
	const struct eyr_shim_ops *ops = dev->shim->ops;

	memset(out, 0, sizeof(*out));
	return ops->event_counts && ops->event_counts(dev->shim, out) == 0;
}

/*
 * The baseline is taken here, on the caller's thread, so that every event
 * after accel_telemetry_subscribe() returns is delivered, however late the
 * subscription's thread first runs.
 */
static int emu_open(struct accel_telemetry_sub *sub, void **state)
{
	struct accel_device *dev = eyr_telem_sub_device(sub);
	struct accel_telemetry_sample s = { .sz = sizeof(s) };
	struct emu_seen *seen;
	int err = accel_telemetry_sample_read(dev, &s);

	if (err)
		return err;
	seen = calloc(1, sizeof(*seen));
	if (!seen)
		return eyr_error(-ENOMEM, "telemetry: out of memory");
	seen->throttled = s.throttled;
	seen->throttle_events = s.throttle_events;
	read_counts(dev, &seen->counts);
	*state = seen;
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

static int emit(struct accel_telemetry_sub *sub, uint32_t kind, uint32_t ctx_id,
		uint64_t arg, uint64_t ts)
{
	struct accel_telemetry_event e = {
		.sz = sizeof(e), .kind = kind, .ctx_id = ctx_id, .arg = arg,
		.timestamp_ns = ts,
	};

	return eyr_telem_sub_event(sub, &e);
}

/*
 * Turns changes since the last look into events: resets and faults from
 * the shim's counters, throttling from the block's flag. Several faults
 * between two looks give one event each, all with the last fault's
 * address (the device keeps one record). Returns 1 if a callback said stop.
 */
static int emu_events(struct accel_telemetry_sub *sub, struct emu_seen *seen,
		      const struct accel_telemetry_sample *s)
{
	struct eyr_shim_event_counts now;

	if (read_counts(eyr_telem_sub_device(sub), &now)) {
		for (uint64_t i = seen->counts.resets; i < now.resets; i++)
			if (emit(sub, ACCEL_TELEM_EVENT_RESET, 0,
				 (uint64_t)(int64_t)now.last_reset_err, s->timestamp_ns))
				return 1;
		/* The record's count restarts if the device's does: no event. */
		if (now.faults > seen->counts.faults)
			for (uint32_t i = seen->counts.faults; i < now.faults; i++)
				if (emit(sub, ACCEL_TELEM_EVENT_MMU_FAULT, now.fault_ctx_id,
					 now.fault_addr, s->timestamp_ns))
					return 1;
		seen->counts = now;
	}
	/*
	 * Throttling may begin and end between two looks (the thread ran
	 * late): the block's cumulative count of beginnings tells how many
	 * there were, the flag the state now.
	 */
	for (uint32_t i = seen->throttle_events; i != s->throttle_events; i++) {
		if (seen->throttled &&
		    emit(sub, ACCEL_TELEM_EVENT_THROTTLE, 0, 0, s->timestamp_ns))
			return 1;
		seen->throttled = true;
		if (emit(sub, ACCEL_TELEM_EVENT_THROTTLE, 0, 1, s->timestamp_ns))
			return 1;
	}
	seen->throttle_events = s->throttle_events;
	if (s->throttled != seen->throttled) {
		seen->throttled = s->throttled;
		if (emit(sub, ACCEL_TELEM_EVENT_THROTTLE, 0, s->throttled, s->timestamp_ns))
			return 1;
	}
	return 0;
}

static int emu_run(struct accel_telemetry_sub *sub, void *state)
{
	struct accel_device *dev = eyr_telem_sub_device(sub);
	uint64_t interval_ns = eyr_telem_sub_interval_ns(sub);
	struct emu_seen *seen = state;
	uint64_t last_ts = 0;
	bool first = true;

	while (!eyr_telem_sub_should_stop(sub)) {
		struct accel_telemetry_sample s = { .sz = sizeof(s) };
		int err = accel_telemetry_sample_read(dev, &s);

		/*
		 * -EAGAIN: the block stayed mid-update (a starved publisher on
		 * a loaded host); the next look reads it, and the counters
		 * carry what happened meanwhile, so the stream goes on
		 */
		if (err == -EAGAIN) {
			if (!eyr_telem_sub_sleep(sub, interval_ns))
				break;
			continue;
		}
		if (err)
			return err;
		if (emu_events(sub, seen, &s))
			return 0;
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
	free(state);
}

const struct eyr_telem_source eyr_telem_source_emu = {
	.shim = "emu",
	.open = emu_open,
	.run = emu_run,
	.close = emu_close,
};
