/* SPDX-License-Identifier: MIT */
/*
 * Where a subscription's samples come from (private to libaccel/src/
 * telemetry/). A source runs on the subscription's thread: it obtains
 * samples its own way and offers each to eyr_telem_sub_offer(), which
 * numbers them by interval slot and calls the user's callback.
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
 * Offers a sample: delivered (seq set) if it is the first or lies in a
 * later slot than the last delivered one, ignored otherwise. Returns 1 when
 * the subscription is done (max_samples, or the callback said stop).
 */
int eyr_telem_sub_offer(struct accel_telemetry_sub *sub,
			struct accel_telemetry_sample *s);

#endif /* EYR_TELEMETRY_SOURCE_H */
