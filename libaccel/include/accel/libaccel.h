/* SPDX-License-Identifier: MIT */
/*
 * libaccel: the userspace library of the Eyrie accelerator (core API).
 *
 * Conventions (the same as libbpf's, so the ABI can grow):
 *   - Objects are opaque; they are created by accel_*_new/open/create and
 *     released by the matching free/close, which accept NULL.
 *   - Every options or result struct starts with `size_t sz`, which the
 *     caller sets to sizeof(the struct as it knows it). The library reads
 *     and writes only that many bytes, so programs built against an older
 *     header keep working; a newer program on an older library fails with
 *     -EINVAL only if it sets a field the library does not know (non-zero
 *     bytes past the library's size). Options pointers may be NULL (defaults).
 *     ACCEL_OPTS_INIT(type, field = value, ...) declares one with sz set.
 *   - Functions that can fail return 0 (or a count) on success and a
 *     negative errno on failure; functions returning a pointer return NULL.
 *     Either way accel_last_error() then gives a readable message for the
 *     calling thread naming the cause and, where there is one, the fix.
 *   - Thread safety: a struct accel_device may be shared by threads; buffers
 *     may be created, freed and jobs submitted and waited for from several
 *     threads at once. A struct accel_cmdbuf is built by one thread at a
 *     time, but a finished one may be submitted from several threads. A
 *     struct accel_job may be waited for by any thread.
 *
 * Logging: messages go to stderr (or to accel_set_log_fn's function) when
 * their level is at or below the current level: accel_set_log_level(), or
 * for programs that do not call it the EYRIE_LOG_LEVEL environment variable
 * (a number 0-5 or a name: quiet, error, warn, info, debug, trace). At
 * ACCEL_LOG_TRACE every submitted command buffer is dumped, one decoded
 * command per line.
 *
 * docs/libaccel.md is the guide to this API.
 */
#ifndef ACCEL_LIBACCEL_H
#define ACCEL_LIBACCEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Library version, errors, logging
 * ------------------------------------------------------------------------
 */
#define ACCEL_VERSION_MAJOR	1
#define ACCEL_VERSION_MINOR	0
#define ACCEL_VERSION_PATCH	0

/* Declares an options/result struct with sz set and other fields zeroed. */
#define ACCEL_OPTS_INIT(TYPE, ...) \
	((struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ })

/* MAJOR << 16 | MINOR << 8 | PATCH of the library actually loaded. */
uint32_t accel_version(void);
/* "1.0.0" */
const char *accel_version_string(void);

/*
 * The message of the calling thread's last failure in this library
 * ("" if none yet). Valid until the thread's next failing call.
 */
const char *accel_last_error(void);
/* Clears the calling thread's last error message. */
void accel_clear_error(void);

enum accel_log_level {
	ACCEL_LOG_QUIET = 0,
	ACCEL_LOG_ERROR = 1,
	ACCEL_LOG_WARN = 2,	/* default */
	ACCEL_LOG_INFO = 3,
	ACCEL_LOG_DEBUG = 4,
	ACCEL_LOG_TRACE = 5,	/* + command-stream dumps */
};

typedef void (*accel_log_fn)(enum accel_log_level level, const char *msg,
			     void *ctx);

/* Sets the level (overrides EYRIE_LOG_LEVEL); returns the previous one. */
enum accel_log_level accel_set_log_level(enum accel_log_level level);
enum accel_log_level accel_get_log_level(void);
/*
 * Sends log messages (one line each, without the trailing newline) to fn
 * instead of stderr; NULL restores stderr.
 */
void accel_set_log_fn(accel_log_fn fn, void *ctx);
/* Parses "0".."5" or a level name; returns -EINVAL for anything else. */
int accel_log_level_parse(const char *text);

/* ------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------
 * A device name is one of:
 *   "emu"                 the in-process emulated board (no kernel, no root)
 *   "/dev/accel/accelN"   a board behind the eyrie kernel driver (kmd shim)
 *   NULL, "" or "auto"    the first /dev/accel/accel* node whose DRM driver
 *                         is "eyrie" and that this build can drive, else emu
 */
struct accel_device;

/* Capability bits (the device's, see accel_device_info.caps). */
#define ACCEL_CAP_MMU			(1ull << 0)
#define ACCEL_CAP_STREAM		(1ull << 1)
#define ACCEL_CAP_TELEMETRY		(1ull << 2)
#define ACCEL_CAP_THERMAL_THROTTLE	(1ull << 3)
#define ACCEL_CAP_PER_CHANNEL_QUANT	(1ull << 4)
#define ACCEL_CAP_DEBUG_STALL		(1ull << 5)
#define ACCEL_CAP_REALTIME_PACING	(1ull << 6)
#define ACCEL_CAP_ACT_LUT		(1ull << 7)	/* activation table */
#define ACCEL_CAP_EVENTS		(1ull << 8)	/* DMA runs ahead of the array */
#define ACCEL_CAP_ZERO_GATE		(1ull << 9)	/* zero inputs are not multiplied */
#define ACCEL_CAP_RLE_DMA		(1ull << 11)	/* run-length coded activations in DRAM */
#define ACCEL_CAP_FLEX_NOC		(1ull << 10)	/* group-parallel PE sets */
#define ACCEL_CAP_FP32_REQUANT		(1ull << 12)	/* ONNX Runtime's binary32 requantization */
#define ACCEL_CAP_IN_RING		(1ull << 13)	/* row-circular inputs: conv halo rows stay on chip */
#define ACCEL_CAP_OUT_RING		(1ull << 14)	/* row-circular conv outputs: a pass writes another's input ring */

/* Name of one capability bit ("mmu", ...), or NULL for an unknown bit. */
const char *accel_cap_name(uint64_t cap_bit);

struct accel_device_opts {
	size_t sz;
	/*
	 * emu only: shape of the emulated board. Zero fields take the
	 * device model's defaults (Eyeriss-like 12 x 14 PEs, 108 KiB GLB).
	 */
	uint32_t emu_pe_rows;
	uint32_t emu_pe_cols;
	uint32_t emu_glb_bytes;
	uint32_t emu_clock_khz;
	uint64_t emu_caps_set;		/* optional caps, e.g. DEBUG_STALL */
	uint64_t emu_caps_clear;	/* caps to withhold */
	bool emu_realtime;		/* pace wall time to modeled time */
	uint32_t emu_telemetry_period_us; /* 0: device default (10 ms) */
};

/*
 * Opens a device (see the names above). On success *out is the handle.
 * Errors: -ENOENT no such node, -ENODEV not an Eyrie device, -EOPNOTSUPP
 * this build cannot drive that kind of device, -EINVAL bad options,
 * -EIO the device failed to boot, -ENOMEM.
 */
int accel_device_open(const char *name, const struct accel_device_opts *opts,
		      struct accel_device **out);
/*
 * Closes the device. Jobs still in flight are waited for (or aborted by a
 * reset if they do not finish within 10 s); buffers and jobs still alive
 * are freed with it, so their handles must not be used afterwards.
 */
void accel_device_close(struct accel_device *dev);

/* The name the device was opened by ("emu", "/dev/accel/accel0"). */
const char *accel_device_name(const struct accel_device *dev);
/* The shim that drives it: "emu" or "kmd". */
const char *accel_device_shim(const struct accel_device *dev);

/* Everything the device describes about itself. */
struct accel_device_info {
	size_t sz;
	char name[64];			/* as accel_device_name() */
	char shim[8];			/* "emu" / "kmd" */
	char board_serial[17];		/* NUL-terminated */
	uint32_t hw_version;		/* major << 16 | minor */
	uint32_t fw_version;		/* major << 16 | minor */
	uint32_t fw_abi;		/* major << 16 | minor */
	uint8_t fw_build_id[20];
	uint64_t caps;			/* ACCEL_CAP_* */
	uint32_t num_queues;
	/* PE array and memories */
	uint32_t pe_rows, pe_cols;
	uint32_t rf_ifmap_words;	/* per PE, int8 ifmap entries */
	uint32_t rf_filter_words;	/* per PE, int8 filter entries */
	uint32_t rf_psum_words;		/* per PE, int32 psum entries */
	uint32_t word_bits_act, word_bits_psum;
	uint32_t glb_bytes;		/* global buffer */
	uint32_t stream_bytes;		/* array stream buffer (GLB bypass) */
	/* clock and bandwidths */
	uint32_t clock_khz;
	uint32_t dram_bytes_per_cycle;
	uint32_t glb_bytes_per_cycle;
	uint32_t noc_words_per_cycle;
	/* energy table: per word access (per MAC) in fJ, order dram, glb,
	 * noc, rf, mac; static power in mW */
	uint32_t energy_fj[5];
	uint32_t static_mw;
	/* limits */
	uint32_t queue_max_entries;
	uint32_t max_cmds_per_job;
	/* thermal model */
	uint32_t thermal_r_mc_per_w;
	uint32_t thermal_tau_ms;
	int32_t ambient_mc, throttle_mc, crit_mc;
	uint32_t throttle_clock_khz;
	/* device address space of this handle */
	uint64_t va_start, va_size;
};

/* Fills info (up to info->sz bytes). */
int accel_device_info(struct accel_device *dev, struct accel_device_info *info);

/*
 * Resets the device: jobs in flight end with ACCEL_JOB_ERR_ABORTED, the
 * firmware restarts; buffers stay valid. (kmd: needs CAP_SYS_ADMIN.)
 */
int accel_device_reset(struct accel_device *dev);

/* One candidate device found by accel_device_list(). */
struct accel_device_entry {
	char name[64];			/* what accel_device_open() takes */
	char shim[8];			/* "emu" / "kmd" */
	char driver[32];		/* DRM driver name; "" for emu */
	bool is_eyrie;			/* a node of the eyrie driver (or emu) */
	bool usable;			/* this build can open it */
	bool is_default;		/* what "auto" opens */
};

/*
 * Lists the devices: every /dev/accel/accel* node (Eyrie or not, so users
 * see why a node is skipped) and "emu". Writes at most max entries, each
 * entry_sz bytes apart (pass sizeof(struct accel_device_entry)), and returns
 * how many exist (which may be more than max), or a negative errno.
 */
int accel_device_list(struct accel_device_entry *entries, size_t max,
		      size_t entry_sz);

/* ------------------------------------------------------------------------
 * Buffers: host memory the device reaches through its MMU
 * ------------------------------------------------------------------------
 */
struct accel_buffer;

#define ACCEL_BUFFER_DEVICE_RO	(1u << 0)	/* the device may only read it */

struct accel_buffer_opts {
	size_t sz;
	uint32_t flags;			/* ACCEL_BUFFER_* */
};

/* A buffer of at least size bytes (rounded up to 4 KiB), zero-filled. */
int accel_buffer_create(struct accel_device *dev, size_t size,
			const struct accel_buffer_opts *opts,
			struct accel_buffer **out);
/* Frees a buffer; no job in flight may still use it. Accepts NULL. */
void accel_buffer_free(struct accel_buffer *buf);

/* CPU mapping of the whole buffer (the same pointer on every call). */
int accel_buffer_map(struct accel_buffer *buf, void **ptr);
/* Device virtual address of the first byte. */
uint64_t accel_buffer_device_addr(const struct accel_buffer *buf);
/* Size in bytes (after rounding). */
size_t accel_buffer_size(const struct accel_buffer *buf);

enum accel_sync_dir {
	ACCEL_SYNC_TO_DEVICE = 1,	/* after CPU writes, before submit */
	ACCEL_SYNC_FROM_DEVICE = 2,	/* after the job, before CPU reads */
};

/*
 * Makes CPU writes visible to the device or device writes visible to the
 * CPU for [offset, offset + len) (len 0: to the end). Cheap on coherent
 * memory, but portable programs call it.
 */
int accel_buffer_sync(struct accel_buffer *buf, enum accel_sync_dir dir,
		      size_t offset, size_t len);

/* ------------------------------------------------------------------------
 * Command buffers
 * ------------------------------------------------------------------------
 * A command buffer is a list of 128-byte device commands (the command set
 * of docs/hardware.md). The builder functions append one command each and
 * fail with -EINVAL (message names the field) when a value does not fit its
 * field; they do NOT check values against the device (GLB bounds, shapes),
 * since the device's firmware validates every command and fails the job
 * with a precise status and command index.
 */
struct accel_cmdbuf;

struct accel_cmdbuf *accel_cmdbuf_new(void);
void accel_cmdbuf_free(struct accel_cmdbuf *cb);
/* Drops every command (keeps the allocation). */
void accel_cmdbuf_reset(struct accel_cmdbuf *cb);
uint32_t accel_cmdbuf_count(const struct accel_cmdbuf *cb);

/*
 * Appends count commands already encoded in the device format (union
 * eyrie_cmd of uapi/eyrie_hw.h, 128 bytes each); used by the model runner
 * for the scheduler's command streams. Returns the index of the first.
 */
int accel_cmdbuf_append_raw(struct accel_cmdbuf *cb, const void *cmds,
			    uint32_t count);
/* Pointer to command index (128 bytes, device format), or NULL. */
const void *accel_cmdbuf_cmd(const struct accel_cmdbuf *cb, uint32_t index);

/* GLB addresses are byte offsets; this bit selects the stream buffer. */
#define ACCEL_GLB_STREAM	(1u << 31)
#define ACCEL_DMA_MAX_DIMS	4

/*
 * A strided box copy between DRAM (a buffer) and the GLB. Dimension 0 is
 * innermost; unused dimensions have count 1 (count 0 is taken as 1 for
 * dimensions above `dims`). Strides are in bytes.
 */
struct accel_dma {
	size_t sz;
	struct accel_buffer *buf;	/* DRAM side; NULL: dram_addr is a VA */
	uint64_t offset;		/* byte offset in buf, or the device VA */
	uint32_t glb_addr;		/* GLB byte offset (| ACCEL_GLB_STREAM) */
	uint32_t elem_bytes;		/* 1 or 4 */
	uint32_t dims;			/* 1..4 */
	uint32_t count[ACCEL_DMA_MAX_DIMS];
	int64_t dram_stride[ACCEL_DMA_MAX_DIMS];
	uint32_t glb_stride[ACCEL_DMA_MAX_DIMS];
};

int accel_cmdbuf_dma_load(struct accel_cmdbuf *cb, const struct accel_dma *d);
int accel_cmdbuf_dma_store(struct accel_cmdbuf *cb, const struct accel_dma *d);

/* A dense 1-D copy of bytes (elem_bytes 1) between buf+offset and the GLB. */
int accel_cmdbuf_copy_in(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			 uint64_t offset, uint32_t glb_addr, uint32_t bytes);
int accel_cmdbuf_copy_out(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			  uint64_t offset, uint32_t glb_addr, uint32_t bytes);

enum accel_dataflow {
	ACCEL_DATAFLOW_RS = 0,		/* row stationary (Eyeriss) */
	ACCEL_DATAFLOW_WS = 1,		/* weight stationary */
	ACCEL_DATAFLOW_OS = 2,		/* output stationary */
	ACCEL_DATAFLOW_IS = 3,		/* input stationary */
	ACCEL_DATAFLOW_NLR = 4,		/* no local reuse */
};

/* Pass flags (conv / fc / pool). */
#define ACCEL_PASS_ACCUMULATE	(1u << 0)	/* add into existing psums */
#define ACCEL_PASS_BIAS		(1u << 1)	/* add int32 bias first */
#define ACCEL_PASS_REQUANT	(1u << 2)	/* write int8 output */
#define ACCEL_PASS_PER_CHANNEL	(1u << 3)	/* quant table at quant_addr */
#define ACCEL_PASS_POOL_AVG	(1u << 4)	/* pool: average, else max */
#define ACCEL_PASS_COUNT_PAD	(1u << 5)	/* pool avg: pad counts */
#define ACCEL_PASS_LUT		(1u << 6)	/* output through the activation table */
#define ACCEL_PASS_FP32_RQ	(1u << 8)	/* q.mult holds a binary32 scale (FP32_REQUANT) */

/* Requantization, see docs/hardware.md "Requantization". */
struct accel_quant {
	int32_t mult;			/* 0 or in [2^30, 2^31) */
	int32_t shift;			/* t = 31 + shift, 1 <= t <= 62 */
	uint32_t quant_addr;		/* per-channel table (GLB offset) */
	int32_t zp_out;
	int32_t clamp_min, clamp_max;	/* int8 output clamp */
};

/* Spatial mapping of a pass (changes energy and cycles, never results). */
struct accel_mapping {
	uint32_t spatial_r, spatial_e, sets_m, sets_c, rf_m, rf_c, rf_n;
};

/*
 * A CONV (or FC) pass over operands resident in the GLB. Layouts: input
 * n x c x in_h x in_w int8, weights m x (c/groups) x r x s int8, bias m
 * int32, psums and output n x m x out_h x out_w (int32 / int8).
 */
struct accel_conv {
	size_t sz;
	uint32_t flags;			/* ACCEL_PASS_* */
	enum accel_dataflow dataflow;
	uint32_t in_addr, w_addr, bias_addr, psum_addr, out_addr;
	uint32_t n, c, m, groups;
	uint32_t in_h, in_w, out_h, out_w;
	uint32_t r, s, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
	int32_t zp_in, zp_w;
	struct accel_quant q;
	struct accel_mapping map;
};

int accel_cmdbuf_conv(struct accel_cmdbuf *cb, const struct accel_conv *c);
/* FC / matmul: the same fields with in_h = in_w = r = s = 1. */
int accel_cmdbuf_fc(struct accel_cmdbuf *cb, const struct accel_conv *c);

/* A POOL pass: n x c x in_h x in_w int8 -> n x c x out_h x out_w int8. */
struct accel_pool {
	size_t sz;
	uint32_t flags;			/* ACCEL_PASS_POOL_AVG, COUNT_PAD */
	uint32_t in_addr, out_addr;
	uint32_t n, c, in_h, in_w, out_h, out_w;
	uint32_t r, s, stride_h, stride_w, pad_t, pad_l, pad_b, pad_r;
	int32_t zp_in;
	struct accel_quant q;		/* average: applied to the window sum */
};

int accel_cmdbuf_pool(struct accel_cmdbuf *cb, const struct accel_pool *p);

/* ELTWISE add of two int8 tensors (see docs/hardware.md). */
struct accel_eltwise {
	size_t sz;
	uint32_t a_addr, b_addr, out_addr, count;
	int32_t zp_a, zp_b;
	int32_t a_mult, a_shift, b_mult, b_shift;
	struct accel_quant q;
};

int accel_cmdbuf_eltwise(struct accel_cmdbuf *cb, const struct accel_eltwise *e);

int accel_cmdbuf_nop(struct accel_cmdbuf *cb);
int accel_cmdbuf_barrier(struct accel_cmdbuf *cb);
/* Writes the device time (u64 ns) at buf + offset (8-byte aligned). */
int accel_cmdbuf_timestamp(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			   uint64_t offset);
/* Writes a struct accel_energy_snapshot at buf + offset (8-aligned). */
int accel_cmdbuf_energy_snapshot(struct accel_cmdbuf *cb,
				 struct accel_buffer *buf, uint64_t offset);
/* Debug: the device spins usec of wall time (needs ACCEL_CAP_DEBUG_STALL). */
int accel_cmdbuf_stall(struct accel_cmdbuf *cb, uint32_t usec);

/* Energy domains, the order of every energy array below. */
enum accel_energy_domain {
	ACCEL_ENERGY_DRAM = 0,
	ACCEL_ENERGY_GLB = 1,
	ACCEL_ENERGY_NOC = 2,
	ACCEL_ENERGY_RF = 3,
	ACCEL_ENERGY_MAC = 4,
	ACCEL_ENERGY_STATIC = 5,
	ACCEL_ENERGY_DOMAINS = 6,
};
/* "dram", "glb", "noc", "rf", "mac", "static"; NULL if out of range. */
const char *accel_energy_domain_name(unsigned int domain);

/* What an energy-snapshot command writes (job-relative counters). */
struct accel_energy_snapshot {
	uint64_t timestamp_ns;
	uint64_t cycles;
	uint64_t energy_fj[ACCEL_ENERGY_DOMAINS];
	uint64_t dram_words;
	uint64_t dram_bytes;
	uint64_t macs;
	uint64_t reserved;
};

/*
 * One line of text describing command index ("3: DMA_LOAD va=0x... ->
 * glb=0x100 1B x [64,1,1,1] ..."), written to buf (always NUL-terminated).
 * Returns the length it needed, like snprintf, or -EINVAL.
 */
int accel_cmdbuf_describe(const struct accel_cmdbuf *cb, uint32_t index,
			  char *buf, size_t len);
/* Writes every command, one line each, to f. */
int accel_cmdbuf_dump(const struct accel_cmdbuf *cb, FILE *f);

/* ------------------------------------------------------------------------
 * Jobs
 * ------------------------------------------------------------------------
 */
struct accel_job;

enum accel_job_status {
	ACCEL_JOB_OK = 0,
	ACCEL_JOB_ERR_OPCODE = 1,
	ACCEL_JOB_ERR_RESERVED = 2,
	ACCEL_JOB_ERR_GLB_BOUNDS = 3,
	ACCEL_JOB_ERR_SHAPE = 4,
	ACCEL_JOB_ERR_ALIGN = 5,
	ACCEL_JOB_ERR_STRIDE = 6,
	ACCEL_JOB_ERR_COUNT = 7,
	ACCEL_JOB_ERR_CMDBUF = 8,
	ACCEL_JOB_ERR_MMU_UNMAPPED = 9,
	ACCEL_JOB_ERR_MMU_PERM = 10,
	ACCEL_JOB_ERR_QUANT = 11,
	ACCEL_JOB_ERR_DATAFLOW = 12,
	ACCEL_JOB_ERR_TIMEOUT = 13,
	ACCEL_JOB_ERR_ABORTED = 14,
	ACCEL_JOB_ERR_STALL_DENIED = 15,
	ACCEL_JOB_ERR_LUT = 16,		/* activation table used before LUT_LOAD */
	ACCEL_JOB_ERR_RLE = 17,		/* bad run-length coded DMA */
};
/* "ok", "unknown opcode", ...; "unknown status N" never returns NULL. */
const char *accel_job_status_str(int status);

#define ACCEL_CMD_INDEX_NONE	0xffffffffu

enum accel_queue {
	ACCEL_QUEUE_NORMAL = 0,
	ACCEL_QUEUE_HIGH = 1,
};

struct accel_submit_opts {
	size_t sz;
	enum accel_queue queue;
	/*
	 * The buffers the job touches (kmd: pinned while it runs). NULL: every
	 * buffer of the device.
	 */
	struct accel_buffer *const *buffers;
	size_t buffer_count;
};

/*
 * Submits the commands of cb as one job. cb may be changed or freed once
 * this returns (the library keeps its own copy on the device while the job
 * runs). Blocks while the device's queue is full.
 */
int accel_job_submit(struct accel_device *dev, struct accel_cmdbuf *cb,
		     const struct accel_submit_opts *opts,
		     struct accel_job **out);

struct accel_job_result {
	size_t sz;
	int status;			/* enum accel_job_status */
	uint32_t err_cmd_index;		/* ACCEL_CMD_INDEX_NONE if none */
	uint32_t err_detail;		/* e.g. the faulting address bits */
	uint64_t cycles;		/* core cycles of the job */
	uint64_t energy_fj;		/* total energy, all domains */
	uint64_t start_ns, end_ns;	/* device time */
};

/*
 * Waits up to timeout_ms (-1: forever, 0: poll) for the job to end and
 * fills res (may be NULL). Returns 0 if it ended with ACCEL_JOB_OK, -EIO if
 * it ended with an error status (res tells which; so does the message),
 * -ETIMEDOUT if it is still running (wait again, or reset the device).
 */
int accel_job_wait(struct accel_job *job, int timeout_ms,
		   struct accel_job_result *res);
/* Frees the job; a job still running keeps running, unobserved. */
void accel_job_free(struct accel_job *job);

/* Submit, wait (timeout_ms as above) and free in one call. */
int accel_job_run(struct accel_device *dev, struct accel_cmdbuf *cb,
		  const struct accel_submit_opts *opts, int timeout_ms,
		  struct accel_job_result *res);

/* ------------------------------------------------------------------------
 * Telemetry
 * ------------------------------------------------------------------------
 * A consistent copy of the device's telemetry block. (Streaming
 * subscriptions come with the power telemetry work; see docs/libaccel.md.)
 */
#define ACCEL_TELEM_THROTTLED	(1u << 0)
#define ACCEL_TELEM_BUSY	(1u << 1)

struct accel_telemetry {
	size_t sz;
	uint64_t timestamp_ns;		/* device time */
	uint64_t energy_fj[ACCEL_ENERGY_DOMAINS]; /* cumulative */
	uint64_t busy_ns;
	uint64_t cycles;
	uint64_t jobs_completed;
	uint32_t power_mw;		/* over the last sample period */
	int32_t temp_mc;		/* milli-degC */
	uint32_t util_permille;
	uint32_t clock_khz;
	uint32_t flags;			/* ACCEL_TELEM_* */
	uint32_t throttle_events;
	uint32_t sample_period_us;
};

int accel_telemetry_read(struct accel_device *dev, struct accel_telemetry *t);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_LIBACCEL_H */
