// SPDX-License-Identifier: MIT
/*
 * The kmd telemetry source's reading of the eyrie netlink family
 * (uapi/eyrie_netlink.h): SAMPLE messages built the way the driver builds
 * them (eyrie_genl_put_sample) map onto struct accel_telemetry attribute by
 * attribute; other devices, other commands and malformed messages are
 * ignored; EVENT messages map onto struct accel_telemetry_event, and a
 * SAMPLE's SEQ and PERIOD_US are read as the driver sent them; the pick of
 * numbered samples (eyr_telem_numbered_pick) on synthetic streams whose
 * device time drifts against the driver's ticks, as under load. No kernel
 * needed: the messages are built with libnl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "eyrie_netlink.h"
#include "telemetry/source.h"

#define FAMILY_ID 0x1c	/* any id: the parse does not look at it */

static struct nl_msg *sample_msg(uint8_t cmd, uint32_t device, bool with_ts)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, FAMILY_ID, 0, 0, cmd, EYRIE_GENL_VERSION));
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_DEVICE, device), 0);
	assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_SEQ, 77), 0);
	if (with_ts)
		assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_TIMESTAMP_NS, 123456789012ull), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_POWER_MW, 812), 0);
	assert_int_equal(nla_put_s32(msg, EYRIE_GENL_A_TEMP_MC, -1500), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_UTIL_PERMILLE, 640), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_CLOCK_KHZ, 100000), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_FLAGS, 3), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_THROTTLE_EVENTS, 4), 0);
	assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_BUSY_NS, 5555), 0);
	assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_CYCLES, 6666), 0);
	assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_JOBS_COMPLETED, 7), 0);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_ENERGY_DRAM_FJ + d,
					     1000000ull * (d + 1)), 0);
	return msg;
}

static void test_sample_maps_every_attribute(void **state)
{
	struct nl_msg *msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 2, true);
	struct accel_telemetry raw;

	(void)state;
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 1);
	assert_int_equal(raw.sz, sizeof(raw));
	assert_int_equal(raw.timestamp_ns, 123456789012ull);
	assert_int_equal(raw.power_mw, 812);
	assert_int_equal(raw.temp_mc, -1500);
	assert_int_equal(raw.util_permille, 640);
	assert_int_equal(raw.clock_khz, 100000);
	assert_int_equal(raw.flags, ACCEL_TELEM_THROTTLED | ACCEL_TELEM_BUSY);
	assert_int_equal(raw.throttle_events, 4);
	assert_int_equal(raw.busy_ns, 5555);
	assert_int_equal(raw.cycles, 6666);
	assert_int_equal(raw.jobs_completed, 7);
	/* The domain attributes are consecutive, in the energy array's order. */
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		assert_int_equal(raw.energy_fj[d], 1000000ull * (d + 1));
	nlmsg_free(msg);
}

static void test_other_messages_ignored(void **state)
{
	struct accel_telemetry raw;
	struct nl_msg *msg;

	(void)state;
	msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 3, true);	/* another device */
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 0);
	nlmsg_free(msg);
	msg = sample_msg(EYRIE_GENL_CMD_EVENT, 2, true);	/* an event */
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 0);
	nlmsg_free(msg);
	msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 2, false);	/* no timestamp */
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 0);
	nlmsg_free(msg);
	/* A u32 where a u64 belongs fails the length check. */
	msg = nlmsg_alloc();
	assert_non_null(genlmsg_put(msg, 0, 0, FAMILY_ID, 0, 0, EYRIE_GENL_CMD_SAMPLE,
				    EYRIE_GENL_VERSION));
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_DEVICE, 2), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_TIMESTAMP_NS, 5), 0);
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 0);
	nlmsg_free(msg);
}

static void test_sample_seq(void **state)
{
	struct nl_msg *msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 2, true);

	(void)state;
	/* The driver's own number, which the kmd source delivers as seq. */
	assert_int_equal(eyr_telem_kmd_sample_seq(nlmsg_hdr(msg)), 77);
	/* A driver older than PERIOD_US in samples: 0, the stream tells. */
	assert_int_equal(eyr_telem_kmd_sample_period_us(nlmsg_hdr(msg)), 0);
	nlmsg_free(msg);
	msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 2, true);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_PERIOD_US, 200000), 0);
	assert_int_equal(eyr_telem_kmd_sample_period_us(nlmsg_hdr(msg)), 200000);
	nlmsg_free(msg);
}

#define MS 1000000ull

/*
 * The stress failure (issue 15): one subscriber at 200 ms, so the driver
 * ticks at 200 ms, while device time runs slow under load (the device
 * steps below measured 120-140 ms per tick; their median had passed for a
 * driver sampling faster for someone else, and seq 21 was decimated away
 * unreported). With the driver's period every sample is delivered, and a
 * real gap is a reported loss.
 */
static void test_pick_own_period_device_time_drifts(void **state)
{
	static const uint64_t step_ms[] = { 200, 130, 120, 140, 125, 120, 200, 90, 0, 310 };
	struct eyr_telem_numbering n = { 0 };
	uint64_t ts = 110000 * MS, seq = 1, lost;

	(void)state;
	for (unsigned int i = 0; i < sizeof(step_ms) / sizeof(step_ms[0]); i++) {
		ts += step_ms[i] * MS;
		assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 200 * MS, &lost), 1);
		assert_int_equal(lost, 0);
		seq++;
	}
	/* A duplicate is not delivered twice. */
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq - 1, ts, 200 * MS, &lost), 0);
	/* Two samples the socket lost: reported with the next one. */
	seq += 2;
	ts += 600 * MS;
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 200 * MS, &lost), 1);
	assert_int_equal(lost, 2);
	/* The same stream read as a faster driver (the old estimate) loses one. */
	memset(&n, 0, sizeof(n));
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, 20, 0, 125 * MS, &lost), 1);
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, 21, 120 * MS, 125 * MS, &lost), 0);
}

/*
 * A privileged subscriber at 20 ms leaves while ours at 200 ms listens on
 * the group: the multicast samples came every 10 ticks (the ones between
 * went unicast to it alone), and the first sample after it left, at the
 * slow period again, still follows nine such ticks. Not a loss (review 18:
 * judged by that sample's period alone, it counted nine); a real gap at
 * the slow period afterwards still is one.
 */
static void test_pick_fast_subscriber_leaves(void **state)
{
	struct eyr_telem_numbering n = { 0 };
	uint64_t ts = 0, lost, seq;

	(void)state;
	for (seq = 100; seq <= 140; seq += 10) {
		ts += 200 * MS;
		assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 20 * MS, &lost), 1);
		assert_int_equal(lost, 0);
	}
	/* It left: the driver ticks at our 200 ms, every sample multicast. */
	seq = 150;
	ts += 200 * MS;
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 200 * MS, &lost), 1);
	assert_int_equal(lost, 0);
	ts += 200 * MS;
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, ++seq, ts, 200 * MS, &lost), 1);
	assert_int_equal(lost, 0);
	/* Two lost at our own period: reported. */
	seq += 3;
	ts += 600 * MS;
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 200 * MS, &lost), 1);
	assert_int_equal(lost, 2);
}

/*
 * Another subscriber makes the driver tick at 20 ms; ours is 200 ms: one
 * sample in ten, by driver ticks even when device time runs at 15 ms per
 * tick, by device time when the timer skipped ticks (fewer numbers).
 */
static void test_pick_faster_driver_decimates(void **state)
{
	struct eyr_telem_numbering n = { 0 };
	uint64_t ts = 0, lost, picked = 0, last = 0;

	(void)state;
	for (uint64_t seq = 100; seq < 200; seq++) {
		ts += 15 * MS;
		if (eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 20 * MS, &lost)) {
			assert_int_equal(lost, 0);
			if (picked)
				assert_int_equal(seq - last, 10);
			last = seq;
			picked++;
		}
	}
	assert_int_equal(picked, 10);
	/* Late timer: 5 numbers over 200 ms of device time; picked. */
	ts += 200 * MS;
	assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, last + 5, ts, 20 * MS, &lost), 1);
	/* The group's samples only (gaps of 10): each one, no loss counted. */
	for (uint64_t seq = last + 15; seq < last + 100; seq += 10) {
		ts += 180 * MS;
		assert_int_equal(eyr_telem_numbered_pick(&n, 200 * MS, seq, ts, 20 * MS, &lost), 1);
		assert_int_equal(lost, 0);
	}
}

/* An EVENT as the driver builds it (eyrie_genl_event). */
static struct nl_msg *event_msg(uint8_t cmd, uint32_t device, uint32_t event,
				uint32_t ctx_id, uint64_t arg)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 0, FAMILY_ID, 0, 0, cmd, EYRIE_GENL_VERSION));
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_DEVICE, device), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_EVENT, event), 0);
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_CTX_ID, ctx_id), 0);
	assert_int_equal(nla_put_u64(msg, EYRIE_GENL_A_EVENT_ARG, arg), 0);
	return msg;
}

static void test_events_map(void **state)
{
	struct accel_telemetry_event e;
	struct accel_telemetry raw;
	struct nl_msg *msg;

	(void)state;
	/* The kinds are the driver's numbers. */
	assert_int_equal(ACCEL_TELEM_EVENT_JOB_HANG, EYRIE_EVENT_JOB_HANG);
	assert_int_equal(ACCEL_TELEM_EVENT_RESET, EYRIE_EVENT_RESET);
	assert_int_equal(ACCEL_TELEM_EVENT_THROTTLE, EYRIE_EVENT_THROTTLE);
	assert_int_equal(ACCEL_TELEM_EVENT_MMU_FAULT, EYRIE_EVENT_MMU_FAULT);

	msg = event_msg(EYRIE_GENL_CMD_EVENT, 2, EYRIE_EVENT_JOB_HANG, 5, 42);
	assert_int_equal(eyr_telem_kmd_parse_event(nlmsg_hdr(msg), 2, &e), 1);
	assert_int_equal(e.sz, sizeof(e));
	assert_int_equal(e.kind, ACCEL_TELEM_EVENT_JOB_HANG);
	assert_int_equal(e.ctx_id, 5);
	assert_int_equal(e.arg, 42);
	assert_int_equal(e.timestamp_ns, 0);
	/* An event is not a sample. */
	assert_int_equal(eyr_telem_kmd_parse(nlmsg_hdr(msg), 2, &raw), 0);
	nlmsg_free(msg);

	/* A failed reset: the driver's negative errno, sign-extended. */
	msg = event_msg(EYRIE_GENL_CMD_EVENT, 2, EYRIE_EVENT_RESET, 0, (uint64_t)(int64_t)-110);
	assert_int_equal(eyr_telem_kmd_parse_event(nlmsg_hdr(msg), 2, &e), 1);
	assert_int_equal(e.kind, ACCEL_TELEM_EVENT_RESET);
	assert_int_equal((int64_t)e.arg, -110);
	nlmsg_free(msg);

	msg = event_msg(EYRIE_GENL_CMD_EVENT, 3, EYRIE_EVENT_RESET, 0, 0); /* another device */
	assert_int_equal(eyr_telem_kmd_parse_event(nlmsg_hdr(msg), 2, &e), 0);
	nlmsg_free(msg);
	msg = sample_msg(EYRIE_GENL_CMD_SAMPLE, 2, true);	/* a sample */
	assert_int_equal(eyr_telem_kmd_parse_event(nlmsg_hdr(msg), 2, &e), 0);
	nlmsg_free(msg);
	/* No EVENT attribute: not an event we can name. */
	msg = nlmsg_alloc();
	assert_non_null(genlmsg_put(msg, 0, 0, FAMILY_ID, 0, 0, EYRIE_GENL_CMD_EVENT,
				    EYRIE_GENL_VERSION));
	assert_int_equal(nla_put_u32(msg, EYRIE_GENL_A_DEVICE, 2), 0);
	assert_int_equal(eyr_telem_kmd_parse_event(nlmsg_hdr(msg), 2, &e), 0);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_maps_every_attribute),
		cmocka_unit_test(test_other_messages_ignored),
		cmocka_unit_test(test_sample_seq),
		cmocka_unit_test(test_pick_own_period_device_time_drifts),
		cmocka_unit_test(test_pick_faster_driver_decimates),
		cmocka_unit_test(test_pick_fast_subscriber_leaves),
		cmocka_unit_test(test_events_map),
	};

	return cmocka_run_group_tests_name("telemetry_netlink", tests, NULL, NULL);
}
