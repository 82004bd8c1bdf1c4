/* SPDX-License-Identifier: MIT */
/*
 * Eyrie in-process host platform: plays the kernel driver's part on top of
 * the device model (eyrie_sim.h), with process memory as host memory.
 *
 * It allocates DMA memory with bus addresses, loads and boots a firmware
 * image through the mailbox exactly as the driver does (BAR2 at
 * EYRIE_FW_LOAD_OFFSET, MBOX_BOOT), builds per-context device page tables,
 * owns two queues (normal and high priority) and consumes completions from
 * the MSI-X callback. libaccel's emu shim is built on it; the sim's own tests
 * use it too.
 *
 * Thread safety: every function may be called from any thread, concurrently,
 * on the same handle (except close, which must be the last call). As with a
 * real device, memory must not be freed under DMA: free a buffer or destroy
 * a context only when no job using it is queued or running.
 *
 * Errors: functions return 0 (or a positive value where documented) or a
 * negative errno; eyrie_simhost_errmsg() then says what went wrong and what
 * to do about it.
 *
 * Link: build/sim/libeyriesim.a (make variable SIM_LIB in sim/sim.mk), with
 * -pthread -lm.
 */
#ifndef EYRIE_SIMHOST_H
#define EYRIE_SIMHOST_H

#include <stddef.h>
#include <stdint.h>

#include "eyrie_hw.h"
#include "eyrie_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eyrie_simhost;

/* Queues set up by eyrie_simhost_open (index = hardware queue number). */
enum eyrie_simhost_queue {
	EYRIE_SIMHOST_QUEUE_NORMAL = 0,	/* priority 0 */
	EYRIE_SIMHOST_QUEUE_HIGH = 1,	/* priority 1: served first */
	EYRIE_SIMHOST_QUEUES = 2,
};

/* Buffer flags. */
#define EYRIE_SIMHOST_BO_DEVICE_RO	(1u << 0) /* device may only read */

struct eyrie_simhost_opts {
	size_t sz;			/* sizeof(struct eyrie_simhost_opts) */
	/*
	 * Firmware image (struct eyrie_fw_header + payload). NULL: search
	 * $EYRIE_FW_PATH, then the build tree's build/firmware/eyrie_fw.bin,
	 * then /lib/firmware/eyrie/eyrie_fw.bin.
	 */
	const char *fw_path;
	/* Device model configuration; NULL: defaults (Eyeriss-like). */
	const struct eyrie_sim_config *sim_cfg;
	uint32_t queue_entries;		/* per queue, power of two; 0: 256 */
	/* Where open() writes its error message on failure (may be NULL). */
	char *errbuf;
	size_t errbuf_len;
};

/*
 * Creates the device, loads and boots the firmware, enables the queues.
 * Returns 0 or a negative errno (-ENOENT: no firmware image found, -EIO:
 * the device refused the image, see the message).
 */
int eyrie_simhost_open(const struct eyrie_simhost_opts *opts,
		       struct eyrie_simhost **out);
void eyrie_simhost_close(struct eyrie_simhost *h);

/* Last error message of this handle (never NULL). */
const char *eyrie_simhost_errmsg(struct eyrie_simhost *h);

/* The control page (read only for callers): desc, status, mailbox, log. */
const struct eyrie_hw_ctrl *eyrie_simhost_ctrl(struct eyrie_simhost *h);
/* Path of the firmware image that was loaded. */
const char *eyrie_simhost_fw_path(struct eyrie_simhost *h);
/* The device model underneath (for eyrie_sim_quiesce and the like). */
struct eyrie_sim *eyrie_simhost_sim(struct eyrie_simhost *h);

/* Contexts: one device address space (page tables) each. ids start at 1. */
int eyrie_simhost_ctx_create(struct eyrie_simhost *h, uint32_t *ctx_id);
int eyrie_simhost_ctx_destroy(struct eyrie_simhost *h, uint32_t ctx_id);

/*
 * Allocates size bytes (rounded up to pages, zero-filled) of DMA memory,
 * mapped at a fresh device VA of the context (read-write, or read-only with
 * EYRIE_SIMHOST_BO_DEVICE_RO). *cpu is the process pointer, *va the device VA.
 */
int eyrie_simhost_bo_alloc(struct eyrie_simhost *h, uint32_t ctx_id,
			   uint64_t size, uint32_t flags, void **cpu,
			   uint64_t *va);
/* Unmaps and frees a buffer by its device VA. */
int eyrie_simhost_bo_free(struct eyrie_simhost *h, uint32_t ctx_id,
			  uint64_t va);

/*
 * Queues a job: cmd_count commands (EYRIE_CMD_SIZE bytes each) at device VA
 * cmdbuf_va of the context. Blocks while the submission ring is full.
 * *tag identifies the job for eyrie_simhost_wait.
 */
int eyrie_simhost_submit(struct eyrie_simhost *h, uint32_t ctx_id,
			 unsigned int queue, uint64_t cmdbuf_va,
			 uint32_t cmd_count, uint64_t *tag);
/*
 * Waits for a job's completion and copies its CQE (status, cycles, energy,
 * error command index). Each tag can be waited for once. Returns 0,
 * -ETIMEDOUT, or -ENOENT for an unknown tag.
 */
int eyrie_simhost_wait(struct eyrie_simhost *h, uint64_t tag,
		       unsigned int timeout_ms, struct eyrie_hw_cqe *cqe);

/*
 * Device reset (MBOX_RESET: queued and running jobs complete with
 * EYRIE_JOB_ERR_ABORTED), then the firmware is booted again and the queues
 * re-enabled. Contexts and buffers stay valid.
 */
int eyrie_simhost_reset(struct eyrie_simhost *h);

/*
 * Issues a mailbox command and waits for it; returns the mailbox result
 * (enum eyrie_mbox_result, >= 0) or a negative errno (-ETIMEDOUT).
 */
int eyrie_simhost_mailbox(struct eyrie_simhost *h, uint32_t cmd,
			  uint64_t arg0, uint64_t arg1, unsigned int timeout_ms);

/*
 * Loads an arbitrary image into BAR2 and boots it (after a reset), as the
 * driver's firmware load does. Returns the mailbox result (EYRIE_MBOX_OK or
 * EYRIE_MBOX_ERR_FW_*) or a negative errno; queues are enabled on success.
 */
int eyrie_simhost_boot_image(struct eyrie_simhost *h, const void *image,
			     size_t len);

/* Consistent copy of the telemetry block (seqlock read). */
int eyrie_simhost_telemetry(struct eyrie_simhost *h,
			    struct eyrie_hw_telemetry *out);
/* Copy of the last-fault record. */
void eyrie_simhost_fault(struct eyrie_simhost *h, struct eyrie_hw_fault *out);

/*
 * Copies firmware log text written since *pos (a byte count; start at 0)
 * into buf (NUL-terminated); advances *pos. Returns the bytes copied; text
 * overwritten before it was read is skipped.
 */
size_t eyrie_simhost_log_read(struct eyrie_simhost *h, uint64_t *pos,
			      char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* EYRIE_SIMHOST_H */
