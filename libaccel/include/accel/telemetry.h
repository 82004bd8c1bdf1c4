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
	 * Subscription: the sample's sequence number, +1 per sample, so that
	 * a gap means a sample really was lost.
	 *   emu  the subscription's own count: 0, 1, 2, ... (a slot of device
	 *        time the reader could not see in time shows in slot, below,
	 *        and in the stats' dropped count, not here);
	 *   kmd  the driver's per-device sample number (netlink SEQ): it
	 *        counts every sample the driver took, so it need not start at
	 *        0, and it advances by more than 1 per delivered sample when
	 *        another subscriber made the driver sample faster than this
	 *        subscription's interval (those samples are not delivered).
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
	/*
	 * Subscription: the interval slot of device time the sample stands
	 * for, (timestamp - first sample's timestamp) / interval rounded to
	 * the nearest slot. On kmd in a VM the device's time runs ahead of the
	 * driver's timer while jobs run, so slots may be skipped there without
	 * any loss; seq is the loss detector. One-shot reads: 0.
	 */
	uint64_t slot;
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

/* Device events (struct accel_telemetry_event's kind). */
enum accel_telemetry_event_kind {
	ACCEL_TELEM_EVENT_JOB_HANG = 1,	/* a job ran past the driver's timeout */
	ACCEL_TELEM_EVENT_RESET = 2,	/* the device was reset */
	ACCEL_TELEM_EVENT_THROTTLE = 3,	/* thermal throttling began or ended */
	ACCEL_TELEM_EVENT_MMU_FAULT = 4,	/* a job faulted in the device MMU */
};

/*
 * One device event, delivered on the subscription's thread in the order
 * the library received it, between the samples around it.
 *   emu  reset (every accel_device_reset() and every reset the library
 *        made itself), MMU fault (the device's fault record) and throttle
 *        (the telemetry block's throttle_events count and throttled
 *        flag, so a spell that began and ended between two looks still
 *        gives its began/ended pair) are seen by the
 *        subscription's thread within one poll period (at most 5 ms);
 *        every event after accel_telemetry_subscribe() returns is
 *        delivered (the state before it is the baseline, not an event);
 *        the in-process device has no job timeout, so no job hang;
 *   kmd  every event the driver multicasts (EYRIE_GENL_CMD_EVENT).
 */
struct accel_telemetry_event {
	size_t sz;
	uint32_t kind;			/* enum accel_telemetry_event_kind */
	uint32_t ctx_id;		/* context concerned (kmd), 0: none/unknown */
	/*
	 * job hang: the job's sequence number in its context (kmd);
	 * reset: 0 if the device recovered, else a negative errno (as int64_t);
	 * throttle: 1 throttling began, 0 it ended;
	 * MMU fault: the faulting device virtual address.
	 */
	uint64_t arg;
	/*
	 * Device time near the event: emu, the block read when the event was
	 * noticed (at or after it); kmd, the last sample received before the
	 * event (the driver's events carry no device time; 0 before any).
	 */
	uint64_t timestamp_ns;
};

/* "job_hang", "reset", "throttle", "mmu_fault", or "unknown". */
const char *accel_telemetry_event_name(uint32_t kind);

/*
 * Called like accel_telemetry_fn, for events; the event is valid during
 * the call only. Returns 0 or ACCEL_TELEMETRY_STOP.
 */
typedef int (*accel_telemetry_event_fn)(const struct accel_telemetry_event *e,
					void *ctx);

/* Bounds of the interval (1 kHz at most, the driver's limit too). */
#define ACCEL_TELEMETRY_MIN_INTERVAL_US	1000u
#define ACCEL_TELEMETRY_MAX_INTERVAL_US	3600000000u

struct accel_telemetry_sub_opts {
	size_t sz;
	/*
	 * Device time between samples, in microseconds (1 ms .. 1 h).
	 * emu: the device publishes its block every sample_period_us (10 ms
	 * unless the device was opened with emu_telemetry_period_us); a
	 * sample is the block as published at the first period boundary at
	 * or after each interval boundary (t0 + k * interval), as the
	 * library's thread sees it: on a loaded host it may see a later
	 * publication than the first (docs/telemetry.md gives the tolerance).
	 * kmd: the driver samples at this period on its own timer and every
	 * sample is delivered; if it samples clearly faster (under 3/4 of the
	 * interval, for another subscriber), a sample is delivered once at
	 * least the interval, less half the driver's period, of device time
	 * has passed since the last one delivered.
	 */
	uint32_t interval_us;
	accel_telemetry_fn fn;
	void *ctx;
	/* Stop after this many samples (0: until unsubscribed). */
	uint64_t max_samples;
	/*
	 * Device events (NULL: not wanted), with the same ctx. fn may be
	 * NULL when event_fn is set (events only).
	 */
	accel_telemetry_event_fn event_fn;
};

/*
 * Starts a subscription: a library thread calls opts->fn with the first
 * sample (emu: right away; kmd: the driver's first after subscribing) and
 * then one per interval of device time, and opts->event_fn per event.
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
	/*
	 * Samples lost: emu, interval slots of device time that went by
	 * while the reader was not scheduled; kmd, gaps in the driver's
	 * sample numbers (the socket overran).
	 */
	uint64_t dropped;
	uint64_t events;		/* event callbacks made */
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
