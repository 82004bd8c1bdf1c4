/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Eyrie accelerator: DRM accel uAPI (/dev/accel/accelN).
 *
 * Rules that hold for every ioctl below (docs/uapi.md has the details):
 * - every struct is a multiple of 8 bytes with explicit padding;
 * - unknown flags and non-zero padding/reserved fields fail with -EINVAL;
 * - user pointers are __u64; a (size, pointer) pair lets a struct grow:
 *   the kernel copies min(size, its own size) and zero-fills the rest.
 *
 * This header stands alone: the hardware contract (uapi/eyrie_hw.h) is the
 * driver's, firmware's and simulator's, not part of this interface. Values
 * the device defines (job status, capability bits) are plain integers here,
 * listed in docs/uapi.md.
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
/* 0x05 was RESET (uAPI 1.0); the reset is in debugfs now (docs/uapi.md). */

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

/**
 * enum drm_eyrie_query_type - what DRM_IOCTL_EYRIE_QUERY reports
 * @DRM_EYRIE_QUERY_DEVICE_INFO: struct drm_eyrie_device_info
 * @DRM_EYRIE_QUERY_TELEMETRY: struct drm_eyrie_telemetry
 * @DRM_EYRIE_QUERY_CONTEXT: struct drm_eyrie_context_info
 */
enum drm_eyrie_query_type {
	DRM_EYRIE_QUERY_DEVICE_INFO = 0,
	DRM_EYRIE_QUERY_TELEMETRY = 1,
	DRM_EYRIE_QUERY_CONTEXT = 2,
};

/**
 * struct drm_eyrie_query - DRM_IOCTL_EYRIE_QUERY: extensible query
 *
 * With @ptr 0 the kernel only sets @size to the size it would write;
 * otherwise it writes min(@size, its own size) bytes and reports how many.
 */
struct drm_eyrie_query {
	/** @type: in, enum drm_eyrie_query_type. */
	__u32 type;
	/** @size: in, bytes at @ptr; out, bytes written (or needed). */
	__u32 size;
	/** @ptr: in, user buffer or 0. */
	__u64 ptr;
	/** @flags: in, must be 0. */
	__u32 flags;
	/** @pad: must be 0. */
	__u32 pad;
};

/**
 * struct drm_eyrie_device_desc - the device's description of itself
 *
 * What the board reports in its control page, by name: array geometry,
 * buffers, clocks and bandwidths, energy costs, queue and job limits, the
 * thermal model. Words the uAPI does not name yet are passed on in
 * @reserved as the device reports them.
 */
struct drm_eyrie_device_desc {
	/** @pe_rows: physical PE array rows. */
	__u16 pe_rows;
	/** @pe_cols: physical PE array columns. */
	__u16 pe_cols;
	/** @rf_ifmap_words: per-PE register file, int8 ifmap entries. */
	__u16 rf_ifmap_words;
	/** @rf_filter_words: per-PE register file, int8 filter entries. */
	__u16 rf_filter_words;
	/** @rf_psum_words: per-PE register file, int32 partial sums. */
	__u16 rf_psum_words;
	/** @word_bits_act: activation word, bits (8). */
	__u16 word_bits_act;
	/** @word_bits_psum: partial-sum word, bits (32). */
	__u16 word_bits_psum;
	/** @num_queues: hardware queues. */
	__u16 num_queues;
	/** @glb_bytes: global buffer size. */
	__u32 glb_bytes;
	/** @stream_bytes: array stream buffer (global buffer bypass) size. */
	__u32 stream_bytes;
	/** @clock_khz: nominal core clock. */
	__u32 clock_khz;
	/** @dram_bytes_per_cycle: DRAM bandwidth at the nominal clock. */
	__u32 dram_bytes_per_cycle;
	/** @glb_bytes_per_cycle: global buffer port bandwidth. */
	__u32 glb_bytes_per_cycle;
	/** @noc_words_per_cycle: array multicast bandwidth. */
	__u32 noc_words_per_cycle;
	/** @energy_fj: per word access (DRAM, GLB, NoC, RF) and per MAC, fJ. */
	__u32 energy_fj[5];
	/** @static_mw: leakage and clock tree at the nominal clock. */
	__u32 static_mw;
	/** @queue_max_entries: largest ring (power of two). */
	__u32 queue_max_entries;
	/** @max_cmds_per_job: command buffer limit. */
	__u32 max_cmds_per_job;
	/** @thermal_r_mc_per_w: junction-to-ambient resistance, m°C per W. */
	__u32 thermal_r_mc_per_w;
	/** @thermal_tau_ms: thermal time constant. */
	__u32 thermal_tau_ms;
	/** @ambient_mc: ambient temperature, m°C. */
	__s32 ambient_mc;
	/** @throttle_mc: the clock is throttled above this, m°C. */
	__s32 throttle_mc;
	/** @crit_mc: critical temperature, m°C. */
	__s32 crit_mc;
	/** @throttle_clock_khz: clock while throttled. */
	__u32 throttle_clock_khz;
	/** @reserved: device words not named here yet, as reported. */
	__u32 reserved[8];
};

/**
 * struct drm_eyrie_device_info - DRM_EYRIE_QUERY_DEVICE_INFO
 */
struct drm_eyrie_device_info {
	/** @uapi_version: EYRIE_UAPI_VERSION_MAJOR << 16 | MINOR. */
	__u32 uapi_version;
	/** @hw_version: the control page's hardware version. */
	__u32 hw_version;
	/** @fw_version: firmware version, major << 16 | minor. */
	__u32 fw_version;
	/** @fw_abi: firmware ABI, major << 16 | minor. */
	__u32 fw_abi;
	/** @fw_build_id: firmware build id (SHA-1). */
	__u8  fw_build_id[20];
	/** @num_queues: hardware queues the driver uses. */
	__u32 num_queues;
	/** @caps: the device's capability bits (docs/uapi.md). */
	__u64 caps;
	/** @va_size: device VA space per context, bytes. */
	__u64 va_size;
	/** @va_start: first device VA handed out. */
	__u64 va_start;
	/** @mem_limit: per-context BO memory limit, bytes. */
	__u64 mem_limit;
	/** @desc: the device description (128 bytes). */
	struct drm_eyrie_device_desc desc;
	/** @pci_domain: PCI domain. */
	__u32 pci_domain;
	/** @pci_bus: PCI bus. */
	__u8  pci_bus;
	/** @pci_dev: PCI device (slot). */
	__u8  pci_dev;
	/** @pci_func: PCI function. */
	__u8  pci_func;
	/** @pad0: 0. */
	__u8  pad0;
	/** @pci_vendor: PCI vendor ID. */
	__u16 pci_vendor;
	/** @pci_device: PCI device ID. */
	__u16 pci_device;
	/**
	 * @job_records: jobs per context whose results WAIT keeps (the
	 * record window: the next SUBMIT while that many are unfinished is
	 * EBUSY). Was padding: 0 from a driver that predates the field,
	 * which kept 1024.
	 */
	__u32 job_records;
};

/**
 * struct drm_eyrie_telemetry - DRM_EYRIE_QUERY_TELEMETRY: one consistent
 * copy of the device's telemetry block (coarse without the privilege,
 * docs/uapi.md)
 */
struct drm_eyrie_telemetry {
	/** @timestamp_ns: device time. */
	__u64 timestamp_ns;
	/** @energy_fj: per domain: DRAM, GLB, NoC, RF, MAC, static; fJ. */
	__u64 energy_fj[6];
	/** @busy_ns: device time spent running jobs. */
	__u64 busy_ns;
	/** @cycles: core cycles spent running jobs. */
	__u64 cycles;
	/** @jobs_completed: jobs the device completed. */
	__u64 jobs_completed;
	/** @power_mw: board power over the last sample period. */
	__u32 power_mw;
	/** @temp_mc: die temperature, m°C. */
	__s32 temp_mc;
	/** @util_permille: PE utilization over the last period. */
	__u32 util_permille;
	/** @clock_khz: current clock. */
	__u32 clock_khz;
	/** @flags: the device's telemetry flags: bit 0 throttled, bit 1 busy. */
	__u32 flags;
	/** @throttle_events: times throttling began. */
	__u32 throttle_events;
};

/**
 * struct drm_eyrie_context_info - DRM_EYRIE_QUERY_CONTEXT: totals of the
 * calling file's context
 */
struct drm_eyrie_context_info {
	/** @ctx_id: the context's id (the one the device sees). */
	__u32 ctx_id;
	/** @flags: DRM_EYRIE_CTX_F_*. */
	__u32 flags;
	/** @jobs_submitted: jobs submitted. */
	__u64 jobs_submitted;
	/** @jobs_completed: jobs that ended OK. */
	__u64 jobs_completed;
	/** @jobs_failed: jobs that ended otherwise. */
	__u64 jobs_failed;
	/** @busy_ns: device time of its jobs. */
	__u64 busy_ns;
	/** @energy_fj: energy of its jobs. */
	__u64 energy_fj;
	/** @mem_used: bytes of BOs mapped in the context. */
	__u64 mem_used;
};
/* drm_eyrie_context_info.flags: the context hung ban_threshold times. */
#define DRM_EYRIE_CTX_F_BANNED		(1u << 0)

/* drm_eyrie_bo_create.flags: the device may only read the BO. */
#define DRM_EYRIE_BO_DEVICE_RO		(1u << 0)

/**
 * struct drm_eyrie_bo_create - DRM_IOCTL_EYRIE_BO_CREATE: a shmem buffer,
 * mapped into the context's device MMU at creation
 */
struct drm_eyrie_bo_create {
	/** @size: in, bytes (rounded up to 4 KiB). */
	__u64 size;
	/** @flags: in, DRM_EYRIE_BO_*. */
	__u32 flags;
	/** @handle: out, GEM handle. */
	__u32 handle;
	/** @device_addr: out, device VA in this context. */
	__u64 device_addr;
};

/**
 * struct drm_eyrie_bo_info - DRM_IOCTL_EYRIE_BO_INFO: mmap offset and device
 * address of a handle
 */
struct drm_eyrie_bo_info {
	/** @handle: in, GEM handle. */
	__u32 handle;
	/** @flags: out, DRM_EYRIE_BO_*. */
	__u32 flags;
	/** @size: out, bytes. */
	__u64 size;
	/** @device_addr: out, device VA in the caller's context. */
	__u64 device_addr;
	/** @mmap_offset: out, offset for mmap() on the DRM file. */
	__u64 mmap_offset;
};

/**
 * enum drm_eyrie_queue - the queue a job runs on
 * @DRM_EYRIE_QUEUE_NORMAL: normal priority
 * @DRM_EYRIE_QUEUE_HIGH: served first; needs CAP_SYS_NICE
 */
enum drm_eyrie_queue {
	DRM_EYRIE_QUEUE_NORMAL = 0,
	DRM_EYRIE_QUEUE_HIGH = 1,
};

/**
 * struct drm_eyrie_submit - DRM_IOCTL_EYRIE_SUBMIT: one job
 *
 * One command buffer (device VA in the caller's context) plus every BO the
 * commands use (the job may use no other). The job runs after every
 * in-syncobj signals (one with no fence counts as signalled); @out_syncobj
 * (if non-zero) gets the job's fence.
 */
struct drm_eyrie_submit {
	/** @cmdbuf_addr: in, device VA of the commands, 8-aligned. */
	__u64 cmdbuf_addr;
	/** @cmd_count: in, 128-byte commands. */
	__u32 cmd_count;
	/** @queue: in, enum drm_eyrie_queue. */
	__u32 queue;
	/** @bo_handles: in, pointer to __u32 GEM handles. */
	__u64 bo_handles;
	/** @bo_count: in, entries at @bo_handles. */
	__u32 bo_count;
	/** @in_syncobj_count: in, entries at @in_syncobjs. */
	__u32 in_syncobj_count;
	/** @in_syncobjs: in, pointer to __u32 syncobj handles. */
	__u64 in_syncobjs;
	/** @out_syncobj: in, syncobj handle or 0. */
	__u32 out_syncobj;
	/** @flags: in, must be 0. */
	__u32 flags;
	/** @seqno: out, the job's sequence number in this context. */
	__u64 seqno;
};

/* drm_eyrie_wait.flags: timeout_ns is an absolute CLOCK_MONOTONIC time (1.1). */
#define DRM_EYRIE_WAIT_ABSOLUTE		(1u << 0)

/**
 * struct drm_eyrie_wait - DRM_IOCTL_EYRIE_WAIT: waits for job @seqno of the
 * caller's context, then reports how it ended
 *
 * With %DRM_EYRIE_WAIT_ABSOLUTE, @timeout_ns is the CLOCK_MONOTONIC time to
 * give up at (a time already passed polls), so a restarted call keeps its
 * deadline. Without it (uAPI 1.0) @timeout_ns is relative; 0 polls.
 * Either way -ETIME if the job is still running then.
 */
struct drm_eyrie_wait {
	/** @seqno: in, from SUBMIT. */
	__u64 seqno;
	/** @timeout_ns: in, deadline or relative timeout, >= 0. */
	__s64 timeout_ns;
	/** @flags: in, DRM_EYRIE_WAIT_*. */
	__u32 flags;
	/** @status: out, the job's status (docs/hardware.md section 8). */
	__u32 status;
	/** @err_cmd_index: out, offending command, 0xffffffff if none. */
	__u32 err_cmd_index;
	/** @err_detail: out, status-specific detail. */
	__u32 err_detail;
	/** @cycles: out, core cycles the job took. */
	__u64 cycles;
	/** @energy_fj: out, energy of the job, all domains. */
	__u64 energy_fj;
	/** @start_ns: out, device time the job started. */
	__u64 start_ns;
	/** @end_ns: out, device time the job ended. */
	__u64 end_ns;
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

#if defined(__cplusplus)
}
#endif

#endif /* EYRIE_ACCEL_H */
