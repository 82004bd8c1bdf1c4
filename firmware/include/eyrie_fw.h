/* SPDX-License-Identifier: MIT */
/*
 * Eyrie firmware: the device's command processor.
 *
 * Freestanding C. It reaches the hardware only through hal_read32/hal_write32
 * of the device-internal addresses in eyrie_fw_regs.h. The rv32 build
 * implements the HAL as volatile loads/stores (firmware/rv32/); the host
 * build is linked into the device model, whose HAL decodes the address.
 *
 * All firmware state lives in struct fw_state, so the host build can run
 * several devices in one process (one state per device).
 */
#ifndef EYRIE_FW_H
#define EYRIE_FW_H

#include "eyrie_hw.h"

#define FW_VERSION_MAJOR	1
#define FW_VERSION_MINOR	0
#define FW_VERSION		((FW_VERSION_MAJOR << 16) | FW_VERSION_MINOR)
#define FW_ABI			((EYRIE_FW_ABI_MAJOR << 16) | EYRIE_FW_ABI_MINOR)

/* The HAL: the only way firmware touches hardware. */
__u32 hal_read32(__u32 addr);
void hal_write32(__u32 addr, __u32 val);

/* Limits read from the device description at start. */
struct fw_limits {
	__u32 glb_bytes;
	__u32 stream_bytes;
	__u32 max_cmds_per_job;
	__u32 pe_rows, pe_cols;
	__u32 rf_ifmap_words, rf_filter_words, rf_psum_words;
	__u64 caps;
};

struct fw_state {
	struct fw_limits lim;
	__u32 num_queues;
	__u32 jobs_done;
	__u8 cq_phase[EYRIE_MAX_QUEUES];	/* phase of the next CQE */
	__u8 queue_bad_logged[EYRIE_MAX_QUEUES];
};

/* Hash of the firmware sources, compiled into every build of it. */
extern const __u8 fw_build_id[20];

/* Result of fw_service. */
enum fw_service_result {
	FW_IDLE = 0,		/* nothing left to do until the next event */
	FW_BLOCKED = 1,		/* work pending but a completion ring is full */
};

/*
 * Called once the boot ROM has accepted the image and released the core:
 * reads the description, answers the boot handshake (mailbox fw_abi,
 * fw_version, fw_build_id, status READY) and raises the admin interrupt.
 */
void fw_start(struct fw_state *fw);

/* Serves pending events: admin mailbox, then queued jobs by priority. */
enum fw_service_result fw_service(struct fw_state *fw);

/*
 * Validates one command against the limits; returns EYRIE_JOB_OK or the
 * error code, and the offending field's byte offset in *detail.
 */
__u32 fw_validate_cmd(const union eyrie_cmd *cmd, const struct fw_limits *lim,
		      __u32 *detail);

/*
 * Rules that span commands of one job: a pass with EYRIE_PASS_F_LUT needs a
 * LUT_LOAD earlier in the same job (EYRIE_JOB_ERR_LUT). Start each job with
 * a zeroed struct fw_job_check and validate its commands in order.
 */
struct fw_job_check {
	int lut_loaded;
};

__u32 fw_validate_in_job(const union eyrie_cmd *cmd, const struct fw_limits *lim,
			 struct fw_job_check *job, __u32 *detail);

/*
 * An all-zero mapping asks for the device's default (docs/sim.md,
 * "Mapping"); the firmware fills it in before programming the array.
 */
void fw_default_mapping(struct eyrie_cmd_conv *c, const struct fw_limits *lim);

/* Firmware log ring (control page). */
void fw_log(const char *msg);
void fw_log_u64(const char *prefix, __u64 val);
/* "prefix major.minor" */
void fw_log_version(const char *prefix, __u32 version);

#endif /* EYRIE_FW_H */
