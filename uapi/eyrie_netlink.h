/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Eyrie accelerator: generic netlink family "eyrie" (telemetry stream and
 * device events). docs/uapi.md describes the protocol.
 *
 * A client resolves the family and its "telemetry" multicast group, joins
 * the group, and asks for a sample period with EYRIE_GENL_CMD_SUBSCRIBE.
 * The driver samples each device at the shortest period any live subscriber
 * asked for (a subscription ends with period 0 or when its socket closes)
 * and multicasts EYRIE_GENL_CMD_SAMPLE messages; events (hang, reset,
 * throttle, MMU fault) go to the same group as EYRIE_GENL_CMD_EVENT.
 */
#ifndef EYRIE_NETLINK_H
#define EYRIE_NETLINK_H

#define EYRIE_GENL_NAME			"eyrie"
#define EYRIE_GENL_VERSION		1
#define EYRIE_GENL_MCGRP_TELEMETRY	"telemetry"

/* Sample periods: 1 kHz at most, one minute at least. */
#define EYRIE_GENL_MIN_PERIOD_US	1000
#define EYRIE_GENL_MAX_PERIOD_US	60000000

enum eyrie_genl_cmd {
	EYRIE_GENL_CMD_UNSPEC = 0,
	EYRIE_GENL_CMD_SUBSCRIBE = 1,	/* DEVICE, PERIOD_US (0: end) */
	EYRIE_GENL_CMD_SAMPLE = 2,	/* multicast sample; reply of GET_SAMPLE */
	EYRIE_GENL_CMD_EVENT = 3,	/* multicast event */
	EYRIE_GENL_CMD_GET_SAMPLE = 4,	/* DEVICE -> one SAMPLE, unicast */
};

enum eyrie_genl_attr {
	EYRIE_GENL_A_UNSPEC = 0,
	EYRIE_GENL_A_PAD = 1,
	EYRIE_GENL_A_DEVICE = 2,		/* u32: N of /dev/accel/accelN */
	EYRIE_GENL_A_PERIOD_US = 3,		/* u32: asked; in SAMPLE: the driver's */
	EYRIE_GENL_A_SEQ = 4,			/* u64: per device, +1 per sample */
	EYRIE_GENL_A_TIMESTAMP_NS = 5,		/* u64: device time */
	EYRIE_GENL_A_ENERGY_DRAM_FJ = 6,	/* u64 cumulative, per domain ... */
	EYRIE_GENL_A_ENERGY_GLB_FJ = 7,
	EYRIE_GENL_A_ENERGY_NOC_FJ = 8,
	EYRIE_GENL_A_ENERGY_RF_FJ = 9,
	EYRIE_GENL_A_ENERGY_MAC_FJ = 10,
	EYRIE_GENL_A_ENERGY_STATIC_FJ = 11,
	EYRIE_GENL_A_POWER_MW = 12,		/* u32 */
	EYRIE_GENL_A_TEMP_MC = 13,		/* s32 */
	EYRIE_GENL_A_UTIL_PERMILLE = 14,	/* u32 */
	EYRIE_GENL_A_CLOCK_KHZ = 15,		/* u32 */
	EYRIE_GENL_A_FLAGS = 16,		/* u32: EYRIE_TELEM_F_* */
	EYRIE_GENL_A_THROTTLE_EVENTS = 17,	/* u32 */
	EYRIE_GENL_A_BUSY_NS = 18,		/* u64 */
	EYRIE_GENL_A_CYCLES = 19,		/* u64 */
	EYRIE_GENL_A_JOBS_COMPLETED = 20,	/* u64 */
	EYRIE_GENL_A_EVENT = 21,		/* u32: enum eyrie_genl_event */
	EYRIE_GENL_A_CTX_ID = 22,		/* u32: context concerned, 0 none */
	EYRIE_GENL_A_EVENT_ARG = 23,		/* u64: per event, see docs */
	__EYRIE_GENL_A_MAX,
};
#define EYRIE_GENL_A_MAX (__EYRIE_GENL_A_MAX - 1)

enum eyrie_genl_event {
	EYRIE_EVENT_JOB_HANG = 1,	/* arg: job seqno in CTX_ID */
	EYRIE_EVENT_RESET = 2,		/* arg: 0 recovered, else -errno */
	EYRIE_EVENT_THROTTLE = 3,	/* arg: 1 throttling began, 0 ended */
	EYRIE_EVENT_MMU_FAULT = 4,	/* arg: faulting device VA */
};

#endif /* EYRIE_NETLINK_H */
