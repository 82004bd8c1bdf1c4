/* SPDX-License-Identifier: MIT */
/*
 * The shim: the one small interface between libaccel's device layer and a
 * way of reaching a board. Two implementations:
 *   emu  the in-process device model (sim/), with this library playing the
 *        kernel driver's part: page tables, rings, doorbells, completions;
 *   kmd  ioctls on /dev/accel/accelN (the eyrie kernel driver).
 * The command streams, buffers and jobs are the same on both; nothing above
 * this interface knows which one runs.
 *
 * Every operation is thread-safe: a device handle is shared by threads.
 * Operations return 0 or a negative errno and set the thread's message
 * through eyr_error().
 */
#ifndef EYR_SHIM_H
#define EYR_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "accel/board.h"
#include "accel/libaccel.h"
#include "eyrie_hw.h"

struct eyr_shim;
struct eyr_shim_fence;

/* What a shim tells about its device (read once at open). */
struct eyr_shim_info {
	struct eyrie_hw_desc desc;	/* verbatim from the control page */
	uint32_t hw_version;
	uint32_t fw_version;
	uint32_t fw_abi;
	uint8_t fw_build_id[20];
	uint64_t caps;			/* EYRIE_CAP_* */
	uint8_t board_serial[16];
	uint32_t num_queues;
	uint64_t va_start, va_size;	/* device VA range of this context */
};

#define EYR_BO_DEVICE_RO	(1u << 0)

/* A buffer object: host memory mapped into the context's device MMU. */
struct eyr_shim_bo {
	uint64_t size;			/* multiple of EYRIE_PAGE_SIZE */
	uint64_t device_addr;		/* device VA in this context */
	void *cpu;			/* CPU mapping of the whole buffer */
	uint32_t flags;			/* EYR_BO_* */
	uint32_t handle;		/* kmd: GEM handle; emu: serial number */
};

struct eyr_shim_submit {
	uint64_t cmdbuf_addr;		/* device VA, 8-byte aligned */
	uint32_t cmd_count;
	uint32_t queue;			/* enum accel_queue */
	struct eyr_shim_bo *const *bos;	/* buffers the job touches */
	size_t bo_count;
};

struct eyr_job_result {
	uint32_t status;		/* enum eyrie_job_status */
	uint32_t err_cmd_index;
	uint32_t err_detail;
	uint64_t cycles;
	uint64_t energy_fj;
	uint64_t start_ns, end_ns;
};

/* Device events as counters (event_counts below). */
struct eyr_shim_event_counts {
	uint64_t resets;		/* device resets done, by anyone */
	int last_reset_err;		/* 0 or the last reset's -errno */
	uint32_t faults;		/* MMU faults (the device's fault record) */
	uint32_t fault_ctx_id;		/* the last fault's context */
	uint64_t fault_addr;		/* the last fault's device VA */
};

struct eyr_shim_ops {
	const char *name;		/* "emu", "kmd" */
	/* Opens the device called name (see accel_device_open). */
	int (*open)(const char *name, const struct accel_device_opts *opts,
		    struct eyr_shim **out);
	/*
	 * Waits up to timeout_ms for every job in flight to end; on timeout
	 * resets the device (they end ABORTED). Returns 0 or -ETIMEDOUT if
	 * the device was reset.
	 */
	int (*drain)(struct eyr_shim *s, unsigned int timeout_ms);
	/* Frees everything; called after drain and after every bo_free. */
	void (*close)(struct eyr_shim *s);
	int (*query)(struct eyr_shim *s, struct eyr_shim_info *out);

	int (*bo_alloc)(struct eyr_shim *s, uint64_t size, uint32_t flags,
			struct eyr_shim_bo **out);
	void (*bo_free)(struct eyr_shim *s, struct eyr_shim_bo *bo);

	/* Queues one job; blocks while the queue is full. */
	int (*submit)(struct eyr_shim *s, const struct eyr_shim_submit *args,
		      struct eyr_shim_fence **out);
	/*
	 * Waits up to timeout_ns (< 0: forever, 0: poll) for the job; 0 and
	 * *res filled when it has ended (whatever its status), -ETIMEDOUT if
	 * it has not. May be called again after a timeout or a success.
	 */
	int (*wait)(struct eyr_shim *s, struct eyr_shim_fence *f,
		    int64_t timeout_ns, struct eyr_job_result *res);
	/* Releases a fence; a job still running completes unobserved. */
	void (*fence_free)(struct eyr_shim *s, struct eyr_shim_fence *f);

	/* Device reset: jobs in flight end ABORTED, firmware restarts. */
	int (*reset)(struct eyr_shim *s);
	/* A consistent copy of the telemetry block (t->sz is set). */
	int (*telemetry_read)(struct eyr_shim *s, struct accel_telemetry *t);
	/*
	 * Optional (NULL: not available; accel/board.h): the board behind
	 * the handle (shim-specific fields of out; sz and shim are set), and
	 * the firmware log text (newest bytes, NUL-terminated; returns the
	 * length or a negative errno with the message set).
	 */
	int (*board_info)(struct eyr_shim *s, struct accel_board_info *out);
	int (*fw_log)(struct eyr_shim *s, char *buf, size_t len);
	/*
	 * Optional (accel/share.h): a dma-buf fd for bo; a new BO of this
	 * context for a dma-buf fd (-EEXIST if it is one of this context's).
	 */
	int (*bo_export)(struct eyr_shim *s, struct eyr_shim_bo *bo, int *fd);
	int (*bo_import)(struct eyr_shim *s, int fd, struct eyr_shim_bo **out);
	/*
	 * Optional (NULL: events come another way, kmd's netlink family):
	 * the device's event counters since open, which the emu telemetry
	 * source polls to turn changes into events (telemetry/source_emu.c).
	 */
	int (*event_counts)(struct eyr_shim *s, struct eyr_shim_event_counts *out);
	/*
	 * Slot for [7/7]: streaming telemetry (callbacks on emu, the eyrie
	 * netlink family on kmd) joins this table as telemetry_subscribe.
	 */
};

/* Every implementation's object starts with this. */
struct eyr_shim {
	const struct eyr_shim_ops *ops;
};

/* The emu implementation (libaccel/src/shim/emu.c). */
extern const struct eyr_shim_ops eyr_shim_emu_ops;
/*
 * The kmd implementation, defined by libaccel/src/shim/kmd*.c when that
 * part is built (issue [6/7]); declared weak so discovery sees whether it is
 * linked in without any other edit.
 */
extern const struct eyr_shim_ops eyr_shim_kmd_ops __attribute__((weak));

/*
 * The firmware log ring of a control page (emu reads its own; kmd goes
 * through debugfs): newest bytes that fit, NUL-terminated, length returned.
 */
size_t eyr_fw_log_from_ring(const struct eyrie_hw_ctrl *ctrl, char *buf,
			    size_t len);

/* CLOCK_MONOTONIC in ns: the clock of both shims' wait deadlines. */
int64_t eyr_shim_mono_ns(void);

/*
 * Fills an accel_telemetry from a board snapshot: the device's own (struct
 * eyrie_hw_telemetry, emu) or the driver's copy of it (struct
 * drm_eyrie_telemetry, kmd). A macro because the two are distinct types
 * sharing these field names; sample_period_us is the caller's, since only
 * the device's snapshot carries it.
 */
#define EYR_SHIM_TELEMETRY_FILL(t, hw) do {				\
	_Static_assert(sizeof((t)->energy_fj) == sizeof((hw)->energy_fj), \
		       "energy domains");				\
	(t)->timestamp_ns = (hw)->timestamp_ns;				\
	memcpy((t)->energy_fj, (hw)->energy_fj, sizeof((t)->energy_fj)); \
	(t)->busy_ns = (hw)->busy_ns;					\
	(t)->cycles = (hw)->cycles;					\
	(t)->jobs_completed = (hw)->jobs_completed;			\
	(t)->power_mw = (hw)->power_mw;					\
	(t)->temp_mc = (hw)->temp_mc;					\
	(t)->util_permille = (hw)->util_permille;			\
	(t)->clock_khz = (hw)->clock_khz;				\
	(t)->flags = (hw)->flags;					\
	(t)->throttle_events = (hw)->throttle_events;			\
} while (0)

/* ---- device discovery (libaccel/src/shim/discover.c) ---- */

#define EYR_DRM_DRIVER_NAME	"eyrie"
#define EYR_ACCEL_DIR		"/dev/accel"

/*
 * The implementation that drives name ("emu" or a device node path):
 * 0 and *ops, or -ENOENT (no such node), -ENODEV (not an eyrie node),
 * -EOPNOTSUPP (no shim for it in this build), -EINVAL, message set.
 */
int eyr_shim_lookup(const char *name, const struct eyr_shim_ops **ops);
/*
 * Resolves NULL/""/"auto" to a concrete device name (into buf): the first
 * /dev/accel/accel* node of the eyrie driver this build can drive, else
 * "emu". Other names are copied unchanged.
 */
int eyr_shim_resolve_name(const char *name, char *buf, size_t len);
/* Fills entries like accel_device_list (the public call wraps this). */
int eyr_shim_list(struct accel_device_entry *entries, size_t max,
		  size_t entry_sz);

#endif /* EYR_SHIM_H */
