/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Eyrie accelerator: DRM accel uAPI (/dev/accel/accelN).
 *
 * Rules that hold for every ioctl below (docs/uapi.md has the details):
 * - every struct is a multiple of 8 bytes with explicit padding;
 * - unknown flags and non-zero padding/reserved fields fail with -EINVAL;
 * - user pointers are __u64; a (size, pointer) pair lets a struct grow:
 *   the kernel copies min(size, its own size) and zero-fills the rest.
 */
#ifndef EYRIE_ACCEL_H
#define EYRIE_ACCEL_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define EYRIE_UAPI_VERSION_MAJOR	1
#define EYRIE_UAPI_VERSION_MINOR	1

#define DRM_EYRIE_QUERY			0x00
#define DRM_EYRIE_BO_CREATE		0x01
#define DRM_EYRIE_BO_INFO		0x02
#define DRM_EYRIE_SUBMIT		0x03
#define DRM_EYRIE_WAIT			0x04
#define DRM_EYRIE_RESET			0x05

#define DRM_IOCTL_EYRIE_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_QUERY, struct drm_eyrie_query)
#define DRM_IOCTL_EYRIE_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_BO_CREATE, struct drm_eyrie_bo_create)
#define DRM_IOCTL_EYRIE_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_BO_INFO, struct drm_eyrie_bo_info)
#define DRM_IOCTL_EYRIE_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_SUBMIT, struct drm_eyrie_submit)
#define DRM_IOCTL_EYRIE_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_WAIT, struct drm_eyrie_wait)
#define DRM_IOCTL_EYRIE_RESET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_EYRIE_RESET, struct drm_eyrie_reset)

/*
 * DRM_IOCTL_EYRIE_QUERY: extensible query (type + size + pointer).
 * With ptr == 0 the kernel only sets size to the size it would write.
 */
enum drm_eyrie_query_type {
	DRM_EYRIE_QUERY_DEVICE_INFO = 0,	/* struct drm_eyrie_device_info */
	DRM_EYRIE_QUERY_TELEMETRY = 1,		/* struct drm_eyrie_telemetry */
	DRM_EYRIE_QUERY_CONTEXT = 2,		/* struct drm_eyrie_context_info */
};

struct drm_eyrie_query {
	__u32 type;		/* in: enum drm_eyrie_query_type */
	__u32 size;		/* in: buffer size; out: bytes written/needed */
	__u64 ptr;		/* in: user buffer or 0 */
	__u32 flags;		/* in: must be 0 */
	__u32 pad;		/* must be 0 */
};

struct drm_eyrie_device_info {
	__u32 uapi_version;	/* EYRIE_UAPI_VERSION_MAJOR << 16 | MINOR */
	__u32 hw_version;	/* control page hw_version */
	__u32 fw_version;
	__u32 fw_abi;
	__u8  fw_build_id[20];
	__u32 num_queues;
	__u64 caps;		/* EYRIE_CAP_* of eyrie_hw.h */
	__u64 va_size;		/* device VA space per context */
	__u64 va_start;		/* first device VA handed out */
	__u64 mem_limit;	/* per-context BO memory limit, bytes */
	__u8  hw_desc[128];	/* struct eyrie_hw_desc, verbatim */
	__u32 pci_domain;
	__u8  pci_bus;
	__u8  pci_dev;
	__u8  pci_func;
	__u8  pad0;
	__u16 pci_vendor;
	__u16 pci_device;
	/*
	 * Jobs per context whose results WAIT keeps (the record window; the
	 * next SUBMIT while that many are unfinished is EBUSY). Was padding:
	 * 0 from a driver that predates the field, which kept 1024.
	 */
	__u32 job_records;
};

struct drm_eyrie_telemetry {
	__u64 timestamp_ns;		/* device time */
	__u64 energy_fj[6];		/* per domain, eyrie_energy_domain order */
	__u64 busy_ns;
	__u64 cycles;
	__u64 jobs_completed;
	__u32 power_mw;
	__s32 temp_mc;
	__u32 util_permille;
	__u32 clock_khz;
	__u32 flags;			/* EYRIE_TELEM_F_* */
	__u32 throttle_events;
};

/* Totals of the calling file's context. */
struct drm_eyrie_context_info {
	__u32 ctx_id;
	__u32 flags;			/* DRM_EYRIE_CTX_F_* */
	__u64 jobs_submitted;
	__u64 jobs_completed;
	__u64 jobs_failed;
	__u64 busy_ns;
	__u64 energy_fj;
	__u64 mem_used;			/* bytes of BOs mapped in the context */
};
#define DRM_EYRIE_CTX_F_BANNED		(1u << 0)

/*
 * DRM_IOCTL_EYRIE_BO_CREATE: a shmem buffer mapped into the context's device
 * MMU at creation. size is rounded up to 4 KiB.
 */
#define DRM_EYRIE_BO_DEVICE_RO		(1u << 0)	/* device may only read */

struct drm_eyrie_bo_create {
	__u64 size;		/* in */
	__u32 flags;		/* in: DRM_EYRIE_BO_* */
	__u32 handle;		/* out */
	__u64 device_addr;	/* out: device VA in this context */
};

/* DRM_IOCTL_EYRIE_BO_INFO: mmap offset and device address of a handle. */
struct drm_eyrie_bo_info {
	__u32 handle;		/* in */
	__u32 flags;		/* out: DRM_EYRIE_BO_* */
	__u64 size;		/* out */
	__u64 device_addr;	/* out */
	__u64 mmap_offset;	/* out: for mmap() on the DRM fd */
};

/*
 * DRM_IOCTL_EYRIE_SUBMIT: one job = one command buffer (device VA in the
 * caller's context) plus the BOs it touches. The job runs after every
 * in-syncobj signals; out_syncobj (if non-zero) signals when it ends.
 */
enum drm_eyrie_queue {
	DRM_EYRIE_QUEUE_NORMAL = 0,
	DRM_EYRIE_QUEUE_HIGH = 1,
};

struct drm_eyrie_submit {
	__u64 cmdbuf_addr;	/* in: device VA of the commands, 8-aligned */
	__u32 cmd_count;	/* in: 128-byte commands */
	__u32 queue;		/* in: enum drm_eyrie_queue */
	__u64 bo_handles;	/* in: pointer to __u32 handles */
	__u32 bo_count;		/* in */
	__u32 in_syncobj_count;	/* in */
	__u64 in_syncobjs;	/* in: pointer to __u32 syncobj handles */
	__u32 out_syncobj;	/* in: syncobj handle or 0 */
	__u32 flags;		/* in: must be 0 */
	__u64 seqno;		/* out: job sequence number in this context */
};

/* WAIT: timeout_ns is an absolute CLOCK_MONOTONIC time (uAPI 1.1). */
#define DRM_EYRIE_WAIT_ABSOLUTE		(1u << 0)

/**
 * struct drm_eyrie_wait - DRM_IOCTL_EYRIE_WAIT: waits for job @seqno of
 * the caller's context, then reports how it ended.
 *
 * With %DRM_EYRIE_WAIT_ABSOLUTE, @timeout_ns is the CLOCK_MONOTONIC time to
 * give up at (a deadline already passed polls), so a restarted call keeps
 * its deadline. Without it (uAPI 1.0) @timeout_ns is relative; 0 polls.
 * Either way -ETIME if the job is still running then.
 */
struct drm_eyrie_wait {
	/** @seqno: in, from SUBMIT. */
	__u64 seqno;
	/** @timeout_ns: in, deadline or relative timeout, >= 0. */
	__s64 timeout_ns;
	/** @flags: in, DRM_EYRIE_WAIT_*. */
	__u32 flags;
	__u32 status;		/* out: enum eyrie_job_status */
	__u32 err_cmd_index;	/* out */
	__u32 err_detail;	/* out */
	__u64 cycles;		/* out */
	__u64 energy_fj;	/* out */
	__u64 start_ns;		/* out: device time */
	__u64 end_ns;		/* out: device time */
	/**
	 * @error: out, 0 or why the job did not complete normally, as a
	 * negative errno: -ETIMEDOUT (hung, device reset), -ECANCELED
	 * (cancelled: banned context, file closed, aborted by a reset),
	 * -ENODEV (device removed), -EIO (device error or down). Added in
	 * uAPI 1.1: the struct grew, older binaries do not see it.
	 */
	__s32 error;
	/** @pad: out, 0. */
	__u32 pad;
};

/* DRM_IOCTL_EYRIE_RESET: full device reset (CAP_SYS_ADMIN). */
struct drm_eyrie_reset {
	__u32 flags;		/* must be 0 */
	__u32 pad;
};

#if defined(__cplusplus)
}
#endif

#endif /* EYRIE_ACCEL_H */
