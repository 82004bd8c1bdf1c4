/* SPDX-License-Identifier: MIT */
/*
 * Where a subscription's samples come from (private to libaccel/src/
 * telemetry/). A source runs on the subscription's thread: it obtains
 * samples and events its own way and offers each to eyr_telem_sub_offer*()
 * or eyr_telem_sub_event(), which pick, number and deliver them.
 */
#ifndef EYR_TELEMETRY_SOURCE_H
#define EYR_TELEMETRY_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "accel/telemetry.h"

struct eyr_telem_source {
	const char *shim;		/* accel_device_shim() it serves */
	/* Prepares (on the caller's thread, so errors reach the caller). */
	int (*open)(struct accel_telemetry_sub *sub, void **state);
	/*
	 * The thread's body: returns 0 when told to stop (or when the offer
	 * says the subscription is done), or the negative errno that ended it.
	 */
	int (*run)(struct accel_telemetry_sub *sub, void *state);
	void (*close)(struct accel_telemetry_sub *sub, void *state);
};

/* emu: the in-process device's block, read at each slot (source_emu.c). */
extern const struct eyr_telem_source eyr_telem_source_emu;
/* kmd: the eyrie driver's generic netlink family (source_kmd.c). */
extern const struct eyr_telem_source eyr_telem_source_kmd;

/*
 * kmd: one netlink message of the eyrie family. Returns 1 and fills raw if
 * it is a SAMPLE of device N (N of /dev/accel/accelN), else 0.
 */
struct nlmsghdr;
int eyr_telem_kmd_parse(struct nlmsghdr *nlh, uint32_t device,
			struct accel_telemetry *raw);

/* ---- for sources (subscribe.c) ---- */
struct accel_device *eyr_telem_sub_device(const struct accel_telemetry_sub *sub);
uint64_t eyr_telem_sub_interval_ns(const struct accel_telemetry_sub *sub);
/* Sleeps up to ns; false if the subscription was told to stop. */
bool eyr_telem_sub_sleep(struct accel_telemetry_sub *sub, uint64_t ns);
bool eyr_telem_sub_should_stop(struct accel_telemetry_sub *sub);
/*
 * emu: offers a block as read: delivered if it is the first or lies in a
 * later slot of device time (t0 + k * interval) than the last delivered
 * one, ignored otherwise; seq is the count of samples delivered before it,
 * skipped slots count as dropped. Returns 1 when the subscription is done
 * (max_samples, or a callback said stop).
 */
int eyr_telem_sub_offer(struct accel_telemetry_sub *sub,
			struct accel_telemetry_sample *s);
/*
 * kmd: offers a sample numbered by the driver (seq); gaps in seq count as
 * dropped. period_ns is the driver's sampling period (the sample's
 * PERIOD_US; from an older driver, as estimated from the stream; 0: not
 * known). Delivered unless the driver samples clearly faster than the
 * interval (period under 3/4 of it) for another subscriber and less than
 * the interval, less half a period, has passed since the last delivered
 * sample both in device time and in driver ticks. Returns like
 * eyr_telem_sub_offer().
 */
int eyr_telem_sub_offer_numbered(struct accel_telemetry_sub *sub,
				 struct accel_telemetry_sample *s, uint64_t seq,
				 uint64_t period_ns);
/* kmd: the state of eyr_telem_numbered_pick() (zeroed to start). */
struct eyr_telem_numbering {
	bool have_seq;
	uint64_t last_seq;		/* the last sample offered */
	uint64_t last_period_ns;	/* the driver's period in it */
	bool have_picked;
	uint64_t picked_seq;		/* the last sample picked */
	uint64_t picked_ts_ns;
	uint64_t pending_lost;		/* lost among samples not picked */
};

/*
 * The choice of eyr_telem_sub_offer_numbered(), without the delivery:
 * 1 if the sample is to be delivered, with *lost the samples lost before
 * it; 0 if not (a duplicate, or decimated). No clock is read.
 */
int eyr_telem_numbered_pick(struct eyr_telem_numbering *n, uint64_t interval_ns,
			    uint64_t seq, uint64_t ts_ns, uint64_t period_ns, uint64_t *lost);
/*
 * Delivers an event to the subscription's event_fn (if any). Returns 1 when
 * the subscription is done (the callback said stop).
 */
int eyr_telem_sub_event(struct accel_telemetry_sub *sub,
			const struct accel_telemetry_event *e);
/*
 * kmd: one netlink message of the eyrie family. Returns 1 and fills e if
 * it is an EVENT of device N, else 0 (e->timestamp_ns is left 0).
 */
int eyr_telem_kmd_parse_event(struct nlmsghdr *nlh, uint32_t device,
			      struct accel_telemetry_event *e);
/* kmd: the SEQ of a SAMPLE message (eyr_telem_kmd_parse said 1), or 0. */
uint64_t eyr_telem_kmd_sample_seq(struct nlmsghdr *nlh);
/*
 * kmd: the driver's sampling period in a SAMPLE message, us; 0 when the
 * driver does not say (older than PERIOD_US in samples, or not sampling).
 */
uint32_t eyr_telem_kmd_sample_period_us(struct nlmsghdr *nlh);

#endif /* EYR_TELEMETRY_SOURCE_H */
