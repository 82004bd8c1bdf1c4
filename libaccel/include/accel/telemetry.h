/* SPDX-License-Identifier: MIT */
/*
 * libaccel telemetry: what the board draws, right now and over time.
 *
 * Two ways in, the same samples out:
 *   - accel_telemetry_sample_read(): one consistent copy of the device's
 *     telemetry block (accel_telemetry_read() of libaccel.h) with the
 *     derived values programs want (watts, joules, degrees C, a 0..1
 *     utilization);
 *   - accel_telemetry_subscribe(): a callback per sample at a requested
 *     interval of device time, from a library thread, until
 *     accel_telemetry_unsubscribe().
 *
 * Where samples come from:
 *   emu  the device lives in this process: a library thread reads its
 *        telemetry block at each interval boundary of device time. Only
 *        this process's device is visible (an idle emu board draws its
 *        static power and nothing else); views across processes need kmd.
 *   kmd  the eyrie kernel driver's generic netlink family ("eyrie",
 *        multicast group "telemetry", uapi/eyrie_netlink.h) pushes the
 *        samples of every process's work on the board; the subscription's
 *        own netlink socket asks for the interval (intervals under the
 *        driver's unpriv_period_us, 100 ms by default, need CAP_PERFMON or
 *        its telemetry_gid group: -EPERM otherwise). A driver without the
 *        family gives -EOPNOTSUPP (one-shot reads still work).
 *
 * Units: energy counters are exact integers in femtojoules (energy_fj);
 * the double fields are the same values converted, for display.
 *
 * docs/telemetry.md is the guide.
 */
#ifndef ACCEL_TELEMETRY_H
#define ACCEL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One telemetry sample with its derived values. */
struct accel_telemetry_sample {
	size_t sz;
	/*
	 * Subscription: the index of the interval slot of device time this
	 * sample stands for, counted from the subscription's first sample
	 * (0). A gap means samples were dropped (the reader fell behind, or
	 * the device's time jumped over a slot while it ran a long job).
	 * One-shot reads: 0.
	 */
	uint64_t seq;
	uint64_t timestamp_ns;		/* device time of the sample */
	/* board power averaged over the device's last sample period */
	double power_w;
	/* cumulative energy since the device started, per domain */
	double energy_j[ACCEL_ENERGY_DOMAINS];
	double energy_total_j;
	double temperature_c;		/* die temperature (RC thermal model) */
	double utilization;		/* PE utilization 0..1, last period */
	bool throttled;			/* clock lowered by the thermal limit */
	bool busy;			/* a job was running */
	uint32_t clock_khz;		/* current core clock */
	uint32_t sample_period_us;	/* the device's own sample period */
	uint32_t throttle_events;	/* cumulative */
	uint64_t cycles;		/* cumulative core cycles */
	uint64_t busy_ns;		/* cumulative device time with a job */
	uint64_t jobs_completed;	/* cumulative */
	/* the exact counters behind energy_j / energy_total_j */
	uint64_t energy_fj[ACCEL_ENERGY_DOMAINS];
	uint64_t energy_total_fj;
	uint32_t power_mw;		/* as the device reports it */
	int32_t temp_mc;		/* as the device reports it */
	uint32_t util_permille;		/* as the device reports it */
};

/*
 * Fills s (up to s->sz bytes) from one consistent read of the device's
 * telemetry block. Errors: those of accel_telemetry_read().
 */
int accel_telemetry_sample_read(struct accel_device *dev,
				struct accel_telemetry_sample *s);

/*
 * Converts a raw block copy (struct accel_telemetry of libaccel.h) into a
 * sample (up to s->sz bytes; seq 0). For programs that read raw blocks.
 */
int accel_telemetry_sample_from_raw(const struct accel_telemetry *raw,
				    struct accel_telemetry_sample *s);

/*
 * Average power between two samples of the same device, from their energy
 * and device-time deltas (the way the device computes power_w, but over
 * any span). Returns -1.0 if b is not later than a.
 */
double accel_telemetry_power_between(const struct accel_telemetry_sample *a,
				     const struct accel_telemetry_sample *b);

/* ------------------------------------------------------------------------
 * Subscriptions
 * ------------------------------------------------------------------------
 */
struct accel_telemetry_sub;

/*
 * Called from the subscription's library thread, one sample at a time, in
 * seq order. The sample is valid during the call only. A callback may call
 * accel_telemetry_sample_read() but not unsubscribe its own subscription
 * (it returns instead: see ACCEL_TELEMETRY_STOP).
 */
typedef int (*accel_telemetry_fn)(const struct accel_telemetry_sample *s,
				  void *ctx);
/* A callback returns 0 to go on, or this to end the subscription's thread. */
#define ACCEL_TELEMETRY_STOP	1

/* Bounds of the interval (1 kHz at most, the driver's limit too). */
#define ACCEL_TELEMETRY_MIN_INTERVAL_US	1000u
#define ACCEL_TELEMETRY_MAX_INTERVAL_US	3600000000u

struct accel_telemetry_sub_opts {
	size_t sz;
	/*
	 * Device time between samples, in microseconds (1 ms .. 1 h). The
	 * device publishes its block every sample_period_us (10 ms unless the
	 * device was opened with emu_telemetry_period_us); samples are spaced
	 * at exactly the interval when it is a multiple of that period, and
	 * are otherwise the block as published at the first period boundary
	 * at or after each interval boundary.
	 */
	uint32_t interval_us;
	accel_telemetry_fn fn;
	void *ctx;
	/* Stop after this many samples (0: until unsubscribed). */
	uint64_t max_samples;
};

/*
 * Starts a subscription: a library thread calls opts->fn with the first
 * sample right away (seq 0) and then one per interval of device time.
 * Errors: -EINVAL (interval out of range, fn NULL), -EOPNOTSUPP (no stream
 * for this device, see above), -EPERM (kmd: a fast interval without the
 * privilege), -ENOMEM, -EIO (netlink), and those of accel_telemetry_read().
 */
int accel_telemetry_subscribe(struct accel_device *dev,
			      const struct accel_telemetry_sub_opts *opts,
			      struct accel_telemetry_sub **out);

/*
 * Blocks until the subscription's thread has ended (max_samples reached,
 * ACCEL_TELEMETRY_STOP, or a read error) or timeout_ms passes (-1:
 * forever). Returns 0 when it has ended without an error, the negative
 * errno of the read that ended it, or -ETIMEDOUT.
 */
int accel_telemetry_sub_wait(struct accel_telemetry_sub *sub, int timeout_ms);

/* Counters of a subscription (safe to call from any thread). */
struct accel_telemetry_sub_stats {
	size_t sz;
	uint64_t delivered;		/* callbacks made */
	uint64_t dropped;		/* interval slots skipped (seq gaps) */
};
int accel_telemetry_sub_stats(struct accel_telemetry_sub *sub,
			      struct accel_telemetry_sub_stats *st);

/*
 * Stops the subscription (waits for a callback in progress to return) and
 * frees it. Accepts NULL. Must not be called from the callback.
 */
void accel_telemetry_unsubscribe(struct accel_telemetry_sub *sub);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_TELEMETRY_H */
