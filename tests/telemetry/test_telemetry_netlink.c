// SPDX-License-Identifier: MIT
/*
 * The kmd telemetry source's reading of the eyrie netlink family
 * (uapi/eyrie_netlink.h): SAMPLE messages built the way the driver builds
 * them (eyrie_genl_put_sample) map onto struct accel_telemetry attribute by
 * attribute; other devices, other commands and malformed messages are
 * ignored; EVENT messages map onto struct accel_telemetry_event, and a
 * SAMPLE's SEQ is read as the driver sent it. No kernel needed: the messages are built with libnl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
	nlmsg_free(msg);
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
		cmocka_unit_test(test_events_map),
	};

	return cmocka_run_group_tests_name("telemetry_netlink", tests, NULL, NULL);
}
