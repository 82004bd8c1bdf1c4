/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Eyrie accelerator: the hardware contract.
 *
 * One definition shared by the kernel driver, the firmware, the device model
 * (sim/) and libaccel's emu shim. docs/hardware.md is the prose version of
 * this file; when the two disagree, fix both.
 *
 * All multi-byte fields are little endian. Every structure has a fixed size
 * checked by the static assertions at the end, so an ABI break fails to build.
 */
#ifndef EYRIE_HW_H
#define EYRIE_HW_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#define EYRIE_STATIC_ASSERT(e, m) static_assert(e, m)
#else
#include <stddef.h>
#include <assert.h>
#if defined(__linux__)
#include <linux/types.h>
#else
/* Freestanding firmware build (riscv64-unknown-elf): no kernel headers. */
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int8_t __s8;
typedef int16_t __s16;
typedef int32_t __s32;
typedef int64_t __s64;
#endif
#define EYRIE_STATIC_ASSERT(e, m) _Static_assert(e, m)
#endif

/* ------------------------------------------------------------------------
 * PCI identity
 * ------------------------------------------------------------------------
 * The FPGA board uses the Xilinx vendor ID with a project-assigned device ID.
 * The emulated board is QEMU's ivshmem-doorbell (1af4:1110); any other
 * ivshmem user shares that ID, so the driver only binds when BAR2 starts with
 * EYRIE_CTRL_MAGIC and returns -ENODEV otherwise.
 */
#define EYRIE_PCI_VENDOR_FPGA		0x10ee
#define EYRIE_PCI_DEVICE_FPGA		0xe1e0
#define EYRIE_PCI_VENDOR_IVSHMEM	0x1af4
#define EYRIE_PCI_DEVICE_IVSHMEM	0x1110

/* Hardware interface version, in the control page. */
#define EYRIE_HW_VERSION_MAJOR		1
#define EYRIE_HW_VERSION_MINOR		0
#define EYRIE_HW_VERSION		((EYRIE_HW_VERSION_MAJOR << 16) | EYRIE_HW_VERSION_MINOR)

/* ------------------------------------------------------------------------
 * BAR0: doorbell and interrupt block (ivshmem-doorbell layout)
 * ------------------------------------------------------------------------
 * The driver rings the device by writing (peer << 16 | vector) to DOORBELL.
 * On the emulated board QEMU turns that write into an eventfd signal to the
 * sim daemon (peer = ctrl.doorbell_peer); the real board ignores bits 31:16.
 * Interrupts are MSI-X only; INTR_MASK/INTR_STATUS exist for ivshmem
 * compatibility and are unused.
 */
#define EYRIE_BAR0_INTR_MASK		0x00
#define EYRIE_BAR0_INTR_STATUS		0x04
#define EYRIE_BAR0_IVPOSITION		0x08
#define EYRIE_BAR0_DOORBELL		0x0c
#define EYRIE_BAR0_SIZE			0x100
#define EYRIE_DOORBELL_VALUE(peer, vector) \
	((((__u32)(peer) & 0xffff) << 16) | ((__u32)(vector) & 0xffff))

/*
 * Vectors. Doorbell vector 0 is the admin doorbell (mailbox command); vector
 * 1 + q announces a new SQ tail for queue q. MSI-X vector 0 is the admin and
 * event interrupt (mailbox done, MMU fault, thermal events); 1 + q is queue
 * q's completion interrupt. The emulated board needs vectors=EYRIE_NUM_VECTORS.
 */
#define EYRIE_VECTOR_ADMIN		0
#define EYRIE_VECTOR_QUEUE(q)		(1 + (q))
#define EYRIE_MAX_QUEUES		4
#define EYRIE_NUM_VECTORS		(1 + EYRIE_MAX_QUEUES)

/* ------------------------------------------------------------------------
 * BAR2: control page followed by device memory
 * ------------------------------------------------------------------------
 */
#define EYRIE_CTRL_MAGIC		0x49525945u	/* "EYRI" */
#define EYRIE_BAR2_MIN_SIZE		(4u << 20)
#define EYRIE_CTRL_SIZE			0x10000u	/* 64 KiB control region */
#define EYRIE_CTRL_OFF_DESC		0x0040
#define EYRIE_CTRL_OFF_QUEUES		0x0400
#define EYRIE_CTRL_OFF_MAILBOX		0x0800
#define EYRIE_CTRL_OFF_TELEMETRY	0x0c00
#define EYRIE_CTRL_OFF_FAULT		0x0e00
#define EYRIE_CTRL_OFF_LOG		0x1000
#define EYRIE_LOG_RING_BYTES		0x8000u		/* 32 KiB of log text */
/* Firmware images are written by the driver at this offset of BAR2. */
#define EYRIE_FW_LOAD_OFFSET		EYRIE_CTRL_SIZE
#define EYRIE_FW_MAX_SIZE		(EYRIE_BAR2_MIN_SIZE - EYRIE_CTRL_SIZE)

/* Capability bits (ctrl.caps). */
#define EYRIE_CAP_MMU			(1ull << 0)
#define EYRIE_CAP_STREAM		(1ull << 1)	/* DRAM->array bypass */
#define EYRIE_CAP_TELEMETRY		(1ull << 2)
#define EYRIE_CAP_THERMAL_THROTTLE	(1ull << 3)
#define EYRIE_CAP_PER_CHANNEL_QUANT	(1ull << 4)
#define EYRIE_CAP_DEBUG_STALL		(1ull << 5)	/* EYRIE_OP_STALL allowed */
#define EYRIE_CAP_REALTIME_PACING	(1ull << 6)
#define EYRIE_CAP_ACT_LUT		(1ull << 7)	/* EYRIE_OP_LUT_LOAD, EYRIE_PASS_F_LUT */
/* EYRIE_OP_EVENT_SIGNAL / EVENT_WAIT: DMA runs ahead of the array */
#define EYRIE_CAP_EVENTS		(1ull << 8)

/* Device status (ctrl.status). */
enum eyrie_dev_status {
	EYRIE_DEV_STATUS_RESET = 0,	/* waiting for a firmware image */
	EYRIE_DEV_STATUS_BOOTING = 1,
	EYRIE_DEV_STATUS_READY = 2,	/* firmware up, queues may be enabled */
	EYRIE_DEV_STATUS_FAILED = 3,	/* see mailbox.result */
	EYRIE_DEV_STATUS_HUNG = 4,	/* firmware watchdog fired */
};

/* Dataflows, used by the scheduler, the processing pass and the energy model. */
enum eyrie_dataflow {
	EYRIE_DATAFLOW_RS = 0,		/* row stationary (Eyeriss) */
	EYRIE_DATAFLOW_WS = 1,		/* weight stationary */
	EYRIE_DATAFLOW_OS = 2,		/* output stationary */
	EYRIE_DATAFLOW_IS = 3,		/* input stationary */
	EYRIE_DATAFLOW_NLR = 4,		/* no local reuse */
	EYRIE_DATAFLOW_COUNT = 5,
};

/* Energy domains, in the order of every energy array in this file. */
enum eyrie_energy_domain {
	EYRIE_ENERGY_DRAM = 0,
	EYRIE_ENERGY_GLB = 1,
	EYRIE_ENERGY_NOC = 2,
	EYRIE_ENERGY_RF = 3,
	EYRIE_ENERGY_MAC = 4,
	EYRIE_ENERGY_STATIC = 5,
	EYRIE_ENERGY_DOMAINS = 6,
};
/* Access-counted levels (all domains but static). */
#define EYRIE_ACCESS_LEVELS		5

/*
 * Device description, written by the device at reset, read by software.
 * Nothing about the array, buffers, clock or energy is hard-coded anywhere
 * else: the scheduler and the runner read it from here.
 *
 * A "word" is one data element: an int8 activation or weight, or an int32
 * partial sum. Energy costs are per word access, in femtojoules, so counters
 * stay integers and exact.
 */
struct eyrie_hw_desc {
	__u16 pe_rows;			/* physical PE array rows */
	__u16 pe_cols;			/* physical PE array columns */
	__u16 rf_ifmap_words;		/* per-PE RF, int8 ifmap entries */
	__u16 rf_filter_words;		/* per-PE RF, int8 filter entries */
	__u16 rf_psum_words;		/* per-PE RF, int32 psum entries */
	__u16 word_bits_act;		/* 8 */
	__u16 word_bits_psum;		/* 32 */
	__u16 num_queues;		/* <= EYRIE_MAX_QUEUES */
	__u32 glb_bytes;		/* global buffer size */
	__u32 stream_bytes;		/* array stream buffer (GLB bypass) size */
	__u32 clock_khz;		/* nominal core clock */
	__u32 dram_bytes_per_cycle;	/* DRAM bandwidth at nominal clock */
	__u32 glb_bytes_per_cycle;	/* GLB port bandwidth */
	__u32 noc_words_per_cycle;	/* array multicast bandwidth */
	__u32 energy_fj[EYRIE_ACCESS_LEVELS]; /* per word access / per MAC */
	__u32 static_mw;		/* leakage + clock tree at nominal clock */
	__u32 queue_max_entries;	/* max SQ/CQ entries (power of two) */
	__u32 max_cmds_per_job;		/* command buffer limit */
	__u32 thermal_r_mc_per_w;	/* junction-to-ambient, milli-degC per W */
	__u32 thermal_tau_ms;		/* RC time constant */
	__s32 ambient_mc;		/* ambient temperature, milli-degC */
	__s32 throttle_mc;		/* throttle above this */
	__s32 crit_mc;			/* critical temperature */
	__u32 throttle_clock_khz;	/* clock while throttled */
	__u32 reserved[8];
};

/* Per-queue registers. The driver owns *_base, size, sq_tail, cq_head, ctl. */
struct eyrie_hw_queue_regs {
	__u64 sq_base;			/* bus address of the SQ ring */
	__u64 cq_base;			/* bus address of the CQ ring */
	__u32 log2_entries;		/* SQ and CQ have the same size */
	__u32 ctl;			/* EYRIE_QUEUE_CTL_* */
	__u32 priority;			/* 0 normal; higher served first */
	__u32 sq_tail;			/* driver: next free SQ slot */
	__u32 sq_head;			/* device: next SQ slot to fetch */
	__u32 cq_head;			/* driver: next CQ slot to consume */
	__u32 cq_tail;			/* device: next CQ slot to write */
	__u32 reserved[5];
};
#define EYRIE_QUEUE_CTL_ENABLE		(1u << 0)

/* Mailbox: admin commands (doorbell vector 0), result raised on MSI-X 0. */
enum eyrie_mbox_cmd {
	EYRIE_MBOX_NONE = 0,
	EYRIE_MBOX_BOOT = 1,		/* arg0 = image offset in BAR2, arg1 = size */
	EYRIE_MBOX_RESET = 2,		/* abort all jobs, disable queues, unload */
	EYRIE_MBOX_SET_TELEMETRY = 3,	/* arg0 = sample period in us (0: default) */
	EYRIE_MBOX_PING = 4,
};

enum eyrie_mbox_result {
	EYRIE_MBOX_OK = 0,
	EYRIE_MBOX_PENDING = 1,
	EYRIE_MBOX_ERR_BAD_CMD = 2,
	EYRIE_MBOX_ERR_FW_MAGIC = 3,
	EYRIE_MBOX_ERR_FW_SIZE = 4,
	EYRIE_MBOX_ERR_FW_CRC = 5,
	EYRIE_MBOX_ERR_FW_ABI = 6,
	EYRIE_MBOX_ERR_FW_BUILD_ID = 7,
	EYRIE_MBOX_ERR_STATE = 8,	/* command not valid in this state */
};

struct eyrie_hw_mailbox {
	__u32 cmd;			/* driver writes, then rings vector 0 */
	__u32 seq;			/* driver increments per command */
	__u64 arg0;
	__u64 arg1;
	__u32 done_seq;			/* device: seq of the last finished command */
	__u32 result;			/* device: enum eyrie_mbox_result */
	__u32 fw_abi;			/* device: running firmware ABI (major<<16|minor) */
	__u32 fw_version;		/* device: firmware version (major<<16|minor) */
	__u8  fw_build_id[20];		/* device: running firmware build id */
	__u32 reserved[3];
};

/*
 * Telemetry block, updated by the device. Readers use the seqlock: read seq,
 * copy, read seq again; retry if it changed or is odd.
 */
struct eyrie_hw_telemetry {
	__u32 seq;
	__u32 flags;			/* EYRIE_TELEM_F_* */
	__u64 timestamp_ns;		/* device time */
	__u64 energy_fj[EYRIE_ENERGY_DOMAINS]; /* cumulative, never decreases */
	__u64 busy_ns;			/* cumulative time with a job running */
	__u64 cycles;			/* cumulative core cycles */
	__u64 jobs_completed;
	__u32 power_mw;			/* board power over the last sample period */
	__s32 temp_mc;			/* die temperature, milli-degC */
	__u32 util_permille;		/* PE utilization over the last period */
	__u32 clock_khz;		/* current clock (lower while throttled) */
	__u32 sample_period_us;
	__u32 throttle_events;		/* cumulative count */
	__u32 reserved[4];
};
#define EYRIE_TELEM_F_THROTTLED		(1u << 0)
#define EYRIE_TELEM_F_BUSY		(1u << 1)

/* Last MMU fault, written by the device before it fails the job. */
struct eyrie_hw_fault {
	__u32 count;			/* cumulative faults */
	__u32 ctx_id;
	__u64 addr;			/* faulting device virtual address */
	__u32 access;			/* EYRIE_ACCESS_* */
	__u32 reason;			/* EYRIE_JOB_ERR_MMU_* */
	__u64 job_tag;
};
#define EYRIE_ACCESS_READ		1u
#define EYRIE_ACCESS_WRITE		2u

/* Firmware log ring: text bytes, head counts bytes ever written. */
struct eyrie_hw_log {
	__u64 head;
	__u32 size;			/* EYRIE_LOG_RING_BYTES */
	__u32 reserved;
	/* followed by size bytes of text; byte i lives at data[i % size] */
};

/* The control page as a whole (offsets above are normative). */
struct eyrie_hw_ctrl {
	__u32 magic;			/* EYRIE_CTRL_MAGIC */
	__u32 hw_version;		/* EYRIE_HW_VERSION */
	__u64 caps;			/* EYRIE_CAP_* */
	__u32 status;			/* enum eyrie_dev_status */
	__u32 doorbell_peer;		/* ivshmem peer id of the device */
	__u32 bar2_size;
	__u32 num_vectors;
	__u8  board_serial[16];
	__u32 reserved0[4];
	struct eyrie_hw_desc desc;	/* at EYRIE_CTRL_OFF_DESC */
};

/* ------------------------------------------------------------------------
 * Queues: NVMe-style rings in host memory
 * ------------------------------------------------------------------------
 * The driver writes an SQ entry, advances queues[q].sq_tail and rings doorbell
 * vector 1 + q. The device fetches entries, runs each job, writes a CQ entry
 * whose phase bit flips on every wrap of the ring (first pass: phase 1) and
 * raises MSI-X vector 1 + q. The driver consumes entries while the phase
 * matches and publishes cq_head.
 */
struct eyrie_hw_sqe {
	__u64 tag;			/* driver cookie, echoed in the CQE */
	__u64 cmdbuf_addr;		/* device VA of the command buffer */
	__u64 pt_root;			/* bus address of the context's root table */
	__u32 cmd_count;		/* number of 128-byte commands */
	__u32 ctx_id;			/* context (address space) id */
	__u32 flags;			/* EYRIE_SQE_F_* */
	__u32 reserved[7];
};
#define EYRIE_SQE_F_TIMESTAMP		(1u << 0)	/* reserved for tracing */

struct eyrie_hw_cqe {
	__u64 tag;
	__u64 cycles;			/* core cycles spent on this job */
	__u64 energy_fj;		/* total energy of this job, all domains */
	__u64 start_ns;			/* device time at job start */
	__u64 end_ns;			/* device time at job end */
	__u32 status;			/* enum eyrie_job_status */
	__u32 err_cmd_index;		/* offending command, 0xffffffff if none */
	__u32 err_detail;		/* e.g. faulting field or address low bits */
	__u16 sq_head;			/* device SQ head after this job */
	__u16 flags;			/* bit 0: phase */
	__u64 reserved;
};
#define EYRIE_CQE_F_PHASE		(1u << 0)
#define EYRIE_CMD_INDEX_NONE		0xffffffffu

/* Job status (CQE status, also returned through the uapi). */
enum eyrie_job_status {
	EYRIE_JOB_OK = 0,
	EYRIE_JOB_ERR_OPCODE = 1,	/* unknown opcode */
	EYRIE_JOB_ERR_RESERVED = 2,	/* non-zero reserved field or flag */
	EYRIE_JOB_ERR_GLB_BOUNDS = 3,	/* GLB / stream buffer range overflow */
	EYRIE_JOB_ERR_SHAPE = 4,	/* zero or inconsistent dimensions */
	EYRIE_JOB_ERR_ALIGN = 5,	/* misaligned address */
	EYRIE_JOB_ERR_STRIDE = 6,	/* stride invalid for the shape */
	EYRIE_JOB_ERR_COUNT = 7,	/* count out of range */
	EYRIE_JOB_ERR_CMDBUF = 8,	/* cmd_count 0 or above max_cmds_per_job */
	EYRIE_JOB_ERR_MMU_UNMAPPED = 9,
	EYRIE_JOB_ERR_MMU_PERM = 10,	/* write to a read-only page */
	EYRIE_JOB_ERR_QUANT = 11,	/* bad requantization parameters */
	EYRIE_JOB_ERR_DATAFLOW = 12,	/* unknown dataflow or mapping */
	EYRIE_JOB_ERR_TIMEOUT = 13,	/* set by the driver */
	EYRIE_JOB_ERR_ABORTED = 14,	/* device reset while queued/running */
	EYRIE_JOB_ERR_STALL_DENIED = 15, /* EYRIE_OP_STALL without the cap */
	EYRIE_JOB_ERR_LUT = 16,		/* PASS_F_LUT before any LUT_LOAD of the job */
	EYRIE_JOB_ERR_RLE = 17,		/* bad EYRIE_DMA_F_RLE combination */
	EYRIE_JOB_STATUS_COUNT,
};

/* ------------------------------------------------------------------------
 * Device MMU: one address space per context, 4 KiB pages, 3 levels
 * ------------------------------------------------------------------------
 * Device VA is 39 bits: [38:30] L2 index, [29:21] L1 index, [20:12] L0
 * index, [11:0] page offset. Each table is one 4 KiB page of 512 64-bit
 * entries at a bus address. An entry with V set and R=W=0 points to the next
 * table; leaves only exist at L0 and have R set (and W if writable).
 */
#define EYRIE_PAGE_SHIFT		12
#define EYRIE_PAGE_SIZE			(1u << EYRIE_PAGE_SHIFT)
#define EYRIE_VA_BITS			39
#define EYRIE_PT_LEVELS			3
#define EYRIE_PT_ENTRIES		512
#define EYRIE_PTE_V			(1ull << 0)
#define EYRIE_PTE_R			(1ull << 1)
#define EYRIE_PTE_W			(1ull << 2)
#define EYRIE_PTE_ADDR_MASK		0x000ffffffffff000ull

static inline unsigned int eyrie_pt_index(__u64 va, unsigned int level)
{
	return (unsigned int)((va >> (EYRIE_PAGE_SHIFT + 9 * level)) & 0x1ff);
}

static inline __u64 eyrie_pte_make_table(__u64 table_bus_addr)
{
	return (table_bus_addr & EYRIE_PTE_ADDR_MASK) | EYRIE_PTE_V;
}

static inline __u64 eyrie_pte_make_leaf(__u64 page_bus_addr, int writable)
{
	return (page_bus_addr & EYRIE_PTE_ADDR_MASK) | EYRIE_PTE_V |
	       EYRIE_PTE_R | (writable ? EYRIE_PTE_W : 0);
}

static inline int eyrie_pte_is_table(__u64 pte)
{
	return (pte & (EYRIE_PTE_V | EYRIE_PTE_R | EYRIE_PTE_W)) == EYRIE_PTE_V;
}

static inline __u64 eyrie_pte_addr(__u64 pte)
{
	return pte & EYRIE_PTE_ADDR_MASK;
}

/* ------------------------------------------------------------------------
 * Command set: a command buffer is cmd_count commands of 128 bytes each
 * ------------------------------------------------------------------------
 */
#define EYRIE_CMD_SIZE			128

enum eyrie_opcode {
	EYRIE_OP_NOP = 0,
	EYRIE_OP_DMA_LOAD = 1,		/* DRAM -> GLB or stream buffer */
	EYRIE_OP_DMA_STORE = 2,		/* GLB -> DRAM */
	EYRIE_OP_CONV = 3,		/* conv / depthwise / grouped conv pass */
	EYRIE_OP_FC = 4,		/* fully connected / matmul pass */
	EYRIE_OP_POOL = 5,		/* max / average pool pass */
	EYRIE_OP_ELTWISE = 6,		/* element-wise add pass */
	EYRIE_OP_BARRIER = 7,		/* DMA and array drain before what follows */
	EYRIE_OP_TIMESTAMP = 8,		/* write device time to DRAM */
	EYRIE_OP_ENERGY_SNAPSHOT = 9,	/* write counters to DRAM */
	EYRIE_OP_STALL = 10,		/* debug: stall (needs EYRIE_CAP_DEBUG_STALL) */
	EYRIE_OP_LUT_LOAD = 11,		/* DRAM -> activation table (EYRIE_CAP_ACT_LUT) */
	EYRIE_OP_EVENT_SIGNAL = 12,	/* engine sets an event (EYRIE_CAP_EVENTS) */
	EYRIE_OP_EVENT_WAIT = 13,	/* engine waits for an event (EYRIE_CAP_EVENTS) */
	EYRIE_OP_COUNT,
};

/* Every command starts with this header. */
struct eyrie_cmd_header {
	__u8  opcode;			/* enum eyrie_opcode */
	__u8  dataflow;			/* passes: enum eyrie_dataflow; else 0 */
	__u16 flags;			/* per opcode; unknown bits rejected */
	__u32 reserved;
};

/* GLB addresses: byte offsets; bit 31 selects the stream buffer instead. */
#define EYRIE_ADDR_STREAM		(1u << 31)
#define EYRIE_DMA_MAX_DIMS		4

/*
 * DMA: copies a dims-dimensional box of elem_bytes elements. Dimension 0 is
 * innermost. count[i] == 1 for unused dimensions. Strides are in bytes and
 * may be zero (broadcast) on the DRAM side of a load.
 */
struct eyrie_cmd_dma {
	struct eyrie_cmd_header hdr;	/* DMA_LOAD / DMA_STORE, flags 0 */
	__u64 dram_addr;		/* device VA */
	__u32 glb_addr;			/* GLB byte offset (| EYRIE_ADDR_STREAM) */
	__u32 elem_bytes;		/* 1 or 4 */
	__u32 count[EYRIE_DMA_MAX_DIMS];
	__s64 dram_stride[EYRIE_DMA_MAX_DIMS];
	__u32 glb_stride[EYRIE_DMA_MAX_DIMS];
	__s32 rle_zero;			/* EYRIE_DMA_F_RLE: the value runs count, int8 */
	__u32 rle_skip;			/* EYRIE_DMA_F_RLE loads: elements dropped per line */
	__u32 ring_rows;		/* EYRIE_DMA_F_RING: dimension 1 wraps after this */
	__u32 ring_row0;		/* EYRIE_DMA_F_RING: slot of element i1 = 0 */
	__u32 reserved[6];
};

/*
 * Requantization (exact integer rule, the same on every implementation):
 *
 *   rq(x, mult, shift) = (x * mult + 2^(t-1)) >> t,   t = 31 + shift
 *
 * x and the product are signed 64-bit, >> is arithmetic (so ties round
 * towards +infinity), 1 <= t <= 62, and mult is 0 or in [2^30, 2^31): the
 * real multiplier is mult * 2^-t. Anything else fails the job with
 * EYRIE_JOB_ERR_QUANT. A pass's int8 output is
 *
 *   out = clamp(zp_out + rq(acc, mult, shift), clamp_min, clamp_max)
 *
 * With EYRIE_PASS_F_PER_CHANNEL, mult and shift come from a table in the
 * GLB at quant_addr: m int32 multipliers followed by m int32 shifts.
 * docs/hardware.md gives the per-op accumulators (conv, pool, eltwise).
 */
struct eyrie_quant {
	__s32 mult;
	__s32 shift;
	__u32 quant_addr;		/* per-channel table (GLB byte offset) */
	__s16 zp_out;
	__s8  clamp_min;		/* int8 output clamp (ReLU: zp_out) */
	__s8  clamp_max;
};

/* Processing pass flags. */
#define EYRIE_PASS_F_ACCUMULATE		(1u << 0) /* add into existing psums */
#define EYRIE_PASS_F_BIAS		(1u << 1) /* add int32 bias first */
#define EYRIE_PASS_F_REQUANT		(1u << 2) /* write int8 output */
#define EYRIE_PASS_F_PER_CHANNEL	(1u << 3)
#define EYRIE_PASS_F_POOL_AVG		(1u << 4) /* POOL: average, else max */
#define EYRIE_PASS_F_COUNT_PAD		(1u << 5) /* POOL avg: pad counts */
#define EYRIE_PASS_F_LUT		(1u << 6) /* int8 output through the act. table */

/*
 * Activation table (EYRIE_CAP_ACT_LUT): a 256-entry int8 -> int8 lookup in
 * the array's output stage. LUT_LOAD fills it from DRAM; a pass with
 * EYRIE_PASS_F_LUT writes lut[v + 128] instead of each int8 result v, i.e.
 * after requantization and the clamp:
 *
 *   out = lut[clamp(zp_out + rq(acc, mult, shift), clamp_min, clamp_max) + 128]
 *
 * The table is undefined at the start of every job (so no job sees another
 * context's table): a pass with the flag before a LUT_LOAD of the same job
 * fails with EYRIE_JOB_ERR_LUT. CONV/FC need REQUANT with it.
 */
#define EYRIE_LUT_ENTRIES		256

/*
 * Mapping parameters of a pass: they change where data is reused (and so
 * the energy and cycles the device measures), never the result.
 * For RS: a PE set is spatial_r rows x spatial_e cols; sets_m / sets_c
 * replicate sets over output / input channels; the other dataflows use the
 * same fields as their spatial unrolling (see docs/hardware.md, "Mapping").
 */
struct eyrie_mapping {
	__u16 spatial_r;		/* filter rows across PE rows */
	__u16 spatial_e;		/* output rows across PE columns */
	__u16 sets_m;			/* output channels in parallel */
	__u16 sets_c;			/* input channels in parallel */
	__u16 rf_m;			/* output channels per PE (RF reuse) */
	__u16 rf_c;			/* input channels per PE (RF reuse) */
	__u16 rf_n;			/* batch per PE */
	__u16 sets_g;			/* groups in parallel (EYRIE_CAP_FLEX_NOC; 0 = 1) */
};

/*
 * Geometric placement (docs/hardware.md 7.2): every PE set is a
 * spatial_r x spatial_e rectangle (filter rows down the PE rows, output
 * rows across the PE columns), all in the same orientation, on a grid of
 * (pe_rows / spatial_r) x (pe_cols / spatial_e) slots. The sets_m x
 * sets_c sets of a pass must fit in these slots.
 */
static inline __u64 eyrie_pe_set_slots(__u32 pe_rows, __u32 pe_cols,
				       __u32 spatial_r, __u32 spatial_e)
{
	if (!spatial_r || !spatial_e)
		return 0;
	return (__u64)(pe_rows / spatial_r) * (pe_cols / spatial_e);
}

/*
 * Flexible NoC (docs/hardware.md 7.2, "Group-parallel sets"): the array's
 * buses can be reconfigured as a hierarchical mesh (after Eyeriss v2), so
 * the PE sets of one pass may work on different groups (depthwise and
 * grouped convolutions) at once: sets_g groups, each with its own
 * sets_m x sets_c sets, every set fed and drained on its own route. Set
 * (i_g, i_m, i_c) takes slot (i_g * sets_m + i_m) * sets_c + i_c. sets_g
 * 0 or 1 is one group at a time (the array without the capability); a
 * device without EYRIE_CAP_FLEX_NOC refuses any other value
 * (EYRIE_JOB_ERR_RESERVED), one with it refuses sets_g > groups or sets
 * that do not place (EYRIE_JOB_ERR_DATAFLOW). A pass with sets_g > 1 pays
 * one router hop per NoC word: its NoC words count twice in energy (not
 * in NoC bandwidth).
 */
#define EYRIE_CAP_FLEX_NOC		(1ull << 10)
#define EYRIE_FLEX_NOC_HOPS		2u	/* NoC word accesses per word, sets_g > 1 */

static inline __u32 eyrie_mapping_sets_g(const struct eyrie_mapping *mp)
{
	return mp->sets_g ? mp->sets_g : 1;
}

/* The sets of a pass place on the mesh (every set in its own slot). */
static inline int eyrie_mapping_places(const struct eyrie_mapping *mp,
				       __u32 pe_rows, __u32 pe_cols)
{
	return (__u64)eyrie_mapping_sets_g(mp) * mp->sets_m * mp->sets_c <=
	       eyrie_pe_set_slots(pe_rows, pe_cols, mp->spatial_r, mp->spatial_e);
}

/*
 * CONV (and FC) pass over one tile resident in the GLB / stream buffer.
 * Input tile: n x c x in_h x in_w int8 (NCHW, dense, innermost w).
 * Weights:    m x (c/groups) x r x s int8.
 * Bias:       m int32.
 * Psums:      n x m x out_h x out_w int32 (dense).
 * Output:     n x m x out_h x out_w int8 (dense) when REQUANT.
 * Input coordinate of output (y, x), tap (i, j):
 *   (y*stride_h - pad_t + i*dil_h, x*stride_w - pad_l + j*dil_w);
 * outside [0, in_h) x [0, in_w) reads zp_in (padding is the zero point).
 */
struct eyrie_cmd_conv {
	struct eyrie_cmd_header hdr;
	__u32 in_addr;
	__u32 w_addr;
	__u32 bias_addr;
	__u32 psum_addr;
	__u32 out_addr;
	__u16 n, c, m, groups;
	__u16 in_h, in_w, out_h, out_w;
	__u8  r, s, stride_h, stride_w;
	__u8  dil_h, dil_w, pad_t, pad_l;
	__s16 zp_in;
	__s16 zp_w;			/* per-tensor weight zero point */
	struct eyrie_quant q;
	struct eyrie_mapping map;
	__u16 in_ring_rows;		/* EYRIE_PASS_F_IN_RING: rows per input plane */
	__u16 in_row0;			/* EYRIE_PASS_F_IN_RING: slot of input row 0 */
	__u16 out_ring_rows;		/* EYRIE_PASS_F_OUT_RING: rows per output plane */
	__u16 out_row0;			/* EYRIE_PASS_F_OUT_RING: slot of output row 0 */
	__u32 reserved[8];
};

/* POOL pass: n x c x in_h x in_w int8 -> n x c x out_h x out_w int8. */
struct eyrie_cmd_pool {
	struct eyrie_cmd_header hdr;
	__u32 in_addr;
	__u32 out_addr;
	__u16 n, c, in_h, in_w;
	__u16 out_h, out_w;
	__u8  r, s, stride_h, stride_w;
	__u8  pad_t, pad_l, pad_b, pad_r;
	__s16 zp_in;
	__u16 reserved0;
	struct eyrie_quant q;		/* average: applied to the window sum */
	__u32 reserved[18];
};

/*
 * ELTWISE add of two int8 tensors with their own scales:
 *   acc = rq(a - zp_a, a_mult, a_shift) + rq(b - zp_b, b_mult, b_shift)
 *   out = clamp(zp_out + rq(acc, q.mult, q.shift))
 * (the inputs are first brought to a common finer scale, then rescaled).
 * With EYRIE_PASS_F_FP32_RQ (EYRIE_CAP_FP32_REQUANT) the pass computes
 * ONNX Runtime's QLinearAdd instead (eyrie_eltwise_fp32() below) from
 * ratio_a, ratio_b, term and value_offset; the integer rule's words
 * (zp_a, zp_b, a_mult .. b_shift, q.mult, q.shift, q.zp_out) are then 0.
 * Without the flag the four words are reserved (0).
 */
struct eyrie_cmd_eltwise {
	struct eyrie_cmd_header hdr;
	__u32 a_addr;
	__u32 b_addr;
	__u32 out_addr;
	__u32 count;			/* elements */
	__s16 zp_a, zp_b;
	__s32 a_mult, a_shift;
	__s32 b_mult, b_shift;
	struct eyrie_quant q;		/* q.mult/shift: output rescale */
	__u32 ratio_a;			/* FP32_RQ: binary32 bits of a_scale / out_scale */
	__u32 ratio_b;			/* FP32_RQ: binary32 bits of b_scale / out_scale */
	__u32 term;			/* FP32_RQ: binary32 bits of the additive term */
	__s16 value_offset;		/* FP32_RQ: 0 (int8 tensors) or 128 (uint8) */
	__u16 reserved0;
	__u32 reserved[13];
};

/* TIMESTAMP: writes device time (u64 ns) at dram_addr. */
/* ENERGY_SNAPSHOT: writes a struct eyrie_energy_snapshot at dram_addr. */
struct eyrie_cmd_write {
	struct eyrie_cmd_header hdr;
	__u64 dram_addr;		/* 8-byte aligned device VA */
	__u32 reserved[28];
};

struct eyrie_energy_snapshot {
	__u64 timestamp_ns;
	__u64 cycles;			/* job-relative cycles so far */
	__u64 energy_fj[EYRIE_ENERGY_DOMAINS]; /* job-relative, per domain */
	__u64 dram_words;		/* job-relative DRAM words moved */
	__u64 dram_bytes;
	__u64 macs;			/* MACs performed (not gated) */
	__u64 gated_macs;		/* MACs gated on a zero input (EYRIE_CAP_ZERO_GATE) */
};

/*
 * LUT_LOAD: reads EYRIE_LUT_ENTRIES int8 entries at dram_addr (4-byte
 * aligned device VA) into the activation table; entry i is the output for
 * the int8 value i - 128.
 */
struct eyrie_cmd_lut_load {
	struct eyrie_cmd_header hdr;	/* flags 0, dataflow 0 */
	__u64 dram_addr;
	__u32 reserved[28];
};

/*
 * EVENT_SIGNAL / EVENT_WAIT (EYRIE_CAP_EVENTS, docs/hardware.md 7.8): the
 * DMA unit and the PE array each run their commands in buffer order, and
 * wait for each other only at a BARRIER or an event. SIGNAL sets `event`
 * when `engine` has finished every command before it in the buffer; WAIT
 * makes the commands after it on `engine` start no earlier than the most
 * recent SIGNAL of `event` before it in the buffer (at once if none).
 */
#define EYRIE_NUM_EVENTS		16
enum eyrie_engine {
	EYRIE_ENGINE_DMA = 0,		/* DMA_LOAD, DMA_STORE */
	EYRIE_ENGINE_ARRAY = 1,		/* CONV, FC, POOL, ELTWISE */
	EYRIE_ENGINE_COUNT,
};

struct eyrie_cmd_event {
	struct eyrie_cmd_header hdr;	/* flags 0, dataflow 0 */
	__u32 event;			/* < EYRIE_NUM_EVENTS */
	__u32 engine;			/* enum eyrie_engine */
	__u32 reserved[28];
};

/* ------------------------------------------------------------------------
 * Sparsity (issue 16 item 3, docs/hardware.md 7.9)
 * ------------------------------------------------------------------------
 * Zero gating (EYRIE_CAP_ZERO_GATE): a CONV/FC pass with
 * EYRIE_PASS_F_ZERO_GATE does not multiply a tap whose input activation is
 * zero (in == zp_in, padding taps included): the MAC is gated and the PE's
 * RF read of the weight skipped (RS and WS, where the weight lives in the
 * RF). Results are unchanged; a gated MAC costs no MAC energy and one RF
 * read less, and takes the same cycles (Eyeriss saves energy, not time).
 * The job counts gated MACs apart (energy snapshot gated_macs); macs counts
 * the MACs performed. Without the cap the flag is unknown (ERR_RESERVED).
 */
#define EYRIE_CAP_ZERO_GATE		(1ull << 9)
#define EYRIE_PASS_F_ZERO_GATE		(1u << 7)	/* CONV/FC only */

/*
 * Run-length coded DMA (EYRIE_CAP_RLE_DMA, docs/hardware.md 7.10): a
 * DMA_STORE / DMA_LOAD of int8 data with EYRIE_DMA_F_RLE keeps each line
 * (count[0] elements, dimension 0) run-length coded in DRAM, in the spirit
 * of Eyeriss's format (JSSC 2017: 64-bit words of three 5-bit run /
 * 16-bit level pairs) for 8-bit data: little-endian 64-bit words of up to
 * EYRIE_RLE_PAIRS pairs, pair k in bits [12k, 12k + 12): the run (bits
 * 0-3: 0-15 elements equal to `zero` before the level) and the level (bits
 * 4-11: the next element, int8, which may itself equal `zero`). Bits 60-63
 * and the pairs after a line's last are 0. A line starts on a word:
 * line (i1, i2, i3) starts at dram_addr + sum(ik * dram_stride[k]), k >= 1
 * (8-byte aligned), and takes at most EYRIE_RLE_LINE_MAX_BYTES(count[0])
 * bytes (no zero at all: five elements per word), the size of the region a
 * line's slot must have. The size of a stored line is not written
 * anywhere: the coding ends itself, since a load knows from its count how
 * many elements to decode. A load decodes rle_skip + count[0] elements of
 * each line from its start and keeps the last count[0] (a column window
 * of stored rows); it reads the words up to the one holding its last
 * element. DRAM words and bytes count the coded words (8 bytes each), the
 * GLB side the elements.
 */
#define EYRIE_CAP_RLE_DMA		(1ull << 11)
#define EYRIE_DMA_F_RLE			(1u << 0)
#define EYRIE_RLE_PAIRS			5
#define EYRIE_RLE_RUN_MAX		15
#define EYRIE_RLE_MAX_LINE		65536u	/* rle_skip + count[0] at most */
#define EYRIE_RLE_LINE_MAX_BYTES(n)	(8ull * (((__u64)(n) + EYRIE_RLE_PAIRS - 1) / EYRIE_RLE_PAIRS))

/*
 * Codes n elements of src; writes the words to dst unless NULL. Returns the
 * number of 64-bit words (at most EYRIE_RLE_LINE_MAX_BYTES(n) / 8).
 */
static inline __u32 eyrie_rle_encode(const __s8 *src, __u32 n, __s8 zero, __u64 *dst)
{
	__u32 words = 0, pairs = 0, run = 0, i;
	__u64 w = 0;

	for (i = 0; i < n; i++) {
		int last = i + 1 == n;

		/* a zero joins the run unless the run is full or the line ends */
		if (src[i] == zero && run < EYRIE_RLE_RUN_MAX && !last) {
			run++;
			continue;
		}
		w |= (__u64)(run | (__u32)(__u8)src[i] << 4) << (12 * pairs);
		run = 0;
		if (++pairs == EYRIE_RLE_PAIRS || last) {
			if (dst)
				dst[words] = w;
			words++;
			w = 0;
			pairs = 0;
		}
	}
	return words;
}

/*
 * Decodes one word into line[*pos ...] (stopping at end elements), the
 * zeros as `zero`; advances *pos.
 */
static inline void eyrie_rle_decode_word(__u64 w, __s8 zero, __s8 *line, __u32 *pos,
					 __u32 end)
{
	__u32 k, r;

	for (k = 0; k < EYRIE_RLE_PAIRS && *pos < end; k++) {
		__u32 pair = (__u32)(w >> (12 * k)) & 0xfff;

		for (r = 0; r < (pair & 0xf) && *pos < end; r++)
			line[(*pos)++] = zero;
		if (*pos < end)
			line[(*pos)++] = (__s8)(__u8)(pair >> 4);
	}
}

/* ------------------------------------------------------------------------
 * Binary32 requantization (issue 13, docs/hardware.md 7.11)
 * ------------------------------------------------------------------------
 * EYRIE_CAP_FP32_REQUANT: a pass with EYRIE_PASS_F_FP32_RQ requantizes as
 * ONNX Runtime's MLAS does (MlasRequantizeOutput, the output stage of its
 * QLinearConv, QLinearMatMul, QGemm and QLinearGlobalAveragePool), so the
 * device and ONNX Runtime give the same int8 values. The multiplier words
 * hold the IEEE-754 binary32 bit pattern of the real scale s instead of a
 * fixed-point mult: q.mult, or the m multipliers of the per-channel table
 * (EYRIE_PASS_F_PER_CHANNEL; the table keeps its layout, its m shift words
 * and q.shift must be 0). For an int32 accumulator x (bias added and
 * saturated, as in the integer rule) every step is binary32 arithmetic,
 * rounding to nearest, ties to even:
 *
 *   f   = fl32(x) * s                   (fl32: int32 -> binary32, RNE; one
 *                                        binary32 multiply, RNE, no fused
 *                                        add, no wider intermediate)
 *   f   = min(max(f, -128 - zp_out), 127 - zp_out)
 *   out = clamp(zp_out + rne(f), clamp_min, clamp_max)
 *
 * (then the activation table with EYRIE_PASS_F_LUT, as in the integer
 * rule). s must be a positive normal number: sign 0 and a biased exponent
 * in [1, 254]; NaN, +-Inf, zero (either sign), negative and subnormal
 * scales fail the job with EYRIE_JOB_ERR_QUANT (the firmware checks q.mult
 * and q.shift; the array checks a table's entries when the pass runs, as
 * for the integer rule). With a normal s and an integer x no product is
 * subnormal, so flushing subnormals would change nothing.
 *
 * Passes: CONV and FC with REQUANT; POOL with POOL_AVG, where x is the
 * window's sum of (in - zp_in) and s carries the divisor (the rule does
 * not divide by the count: ONNX Runtime's QLinearGlobalAveragePool scales
 * its sum by x_scale / (y_scale * fl32(H * W)); its QLinearAveragePool
 * computes in float otherwise, so windows of different counts keep the
 * integer rule, and the flag on MAX pools is unknown); ELTWISE, with ONNX
 * Runtime's QLinearAdd arithmetic (eyrie_eltwise_fp32() below). Without
 * the cap the flag is unknown (ERR_RESERVED).
 *
 * Cost: one binary32 multiply per output in the output stage where the
 * integer rule has an int32 one (pipelined either way: cycles unchanged).
 * The energy model counts no energy for the integer rule's multiply and
 * the difference for this one: Horowitz, ISSCC 2014, 45 nm: 32-bit float
 * multiply 3.7 pJ, 32-bit integer multiply 3.1 pJ; 0.6 pJ is 3 times the
 * 0.2 pJ 8-bit multiply that energy_fj[MAC] stands for (docs/sim.md), so
 * each output written by the rule adds EYRIE_FP32_RQ_MAC_ENERGY MAC
 * energies to the MAC domain (not to the MAC count).
 */
#define EYRIE_CAP_FP32_REQUANT		(1ull << 12)
#define EYRIE_PASS_F_FP32_RQ		(1u << 8)	/* CONV/FC/POOL avg/ELTWISE */
#define EYRIE_FP32_RQ_MAC_ENERGY	3u

/* A binary32 scale the rule accepts: positive and normal. */
static inline int eyrie_fp32_scale_ok(__u32 bits)
{
	__u32 e = (bits >> 23) & 0xffu;

	return !(bits >> 31) && e != 0 && e != 0xffu;
}

#ifndef __KERNEL__
/*
 * zp_out + rne(f) of the rule for accumulator x (an int32 value) and
 * scale bits s_bits (eyrie_fp32_scale_ok); the caller applies clamp_min,
 * clamp_max. Every intermediate is a binary32 object: assignments round
 * (C11 excess-precision semantics) and no multiply feeds an add, so
 * neither FMA contraction nor x87 extended precision can change it.
 */
static inline __s32 eyrie_rq_fp32(__s32 x, __u32 s_bits, __s32 zp_out)
{
	union { __u32 u; float f; } s = { s_bits };
	const float magic = 12582912.0f;	/* 1.5 * 2^23: rne for |f| < 2^22 */
	float lo = (float)(-128 - zp_out), hi = (float)(127 - zp_out);
	float f = (float)x;

	f = f * s.f;
	if (!(f >= lo))		/* MLAS's max(f, lo) */
		f = lo;
	if (f > hi)
		f = hi;
	f = f + magic;
	f = f - magic;
	return zp_out + (__s32)f;
}
#endif

/*
 * ELTWISE with EYRIE_PASS_F_FP32_RQ: ONNX Runtime's QLinearAdd for int8
 * and uint8 as its x86-64 MLAS kernel computes it on an AVX2 CPU
 * (MlasQLinearAddKernelAvx2Helper, the kernel ONNX Runtime 1.23 dispatches
 * there, AVX-512 CPUs included), confirmed on random data against
 * onnxruntime-node (tests/oracle/qladd-check.js). The host computes, in
 * binary32 as ONNX Runtime does, with the zero points as ONNX Runtime
 * sees them (uint8: 0..255):
 *
 *   ratio_a = a_scale / c_scale,  ratio_b = b_scale / c_scale
 *   term    = fl32(zp_c) - fma(ratio_a, fl32(zp_a), ratio_b * fl32(zp_b))
 *
 * (the kernel's VectorFixedPart; the compiler contracted its a*b + c*d into
 * one fused multiply-add, which the data shows). value_offset is 128 for
 * uint8 tensors, which the device holds as u - 128, else 0. Per element,
 * every step binary32, round to nearest even, fma() rounding once:
 *
 *   x_a = fl32(a + value_offset),  x_b = fl32(b + value_offset)
 *   t   = fma(x_a, ratio_a, fma(x_b, ratio_b, term))
 *   r   = rne(t) if -2^31 <= t < 2^31, else INT32_MIN (cvtps2dq)
 *   v   = min(max(r - value_offset, -128), 127)  (ORT's saturation)
 *   out = clamp(v, q.clamp_min, q.clamp_max)      (then the LUT, 7.7)
 *
 * ratio_a and ratio_b must be positive normal numbers
 * (eyrie_fp32_scale_ok), term finite, value_offset 0 or 128, else
 * EYRIE_JOB_ERR_QUANT. Cost: the two multiply-adds in binary32 where the
 * integer rule multiplies in int32; each adds EYRIE_FP32_RQ_MAC_ENERGY MAC
 * energies (two per output), cycles unchanged.
 */
#define EYRIE_ELTWISE_FP32_U8_OFFSET	128
#define EYRIE_ELTWISE_FP32_MULS	2u	/* binary32 multiplies per output */

/* A binary32 additive term the rule accepts: finite. */
static inline int eyrie_fp32_term_ok(__u32 bits)
{
	return ((bits >> 23) & 0xffu) != 0xffu;
}

#ifndef __KERNEL__
/*
 * t of the rule for the operands x_a, x_b as ONNX Runtime sees them, and v
 * (before clamp_min/clamp_max) for stored elements a, b. __builtin_fmaf
 * rounds once (the C library's fmaf where the CPU has no FMA instruction);
 * the other steps are binary32 objects as in eyrie_rq_fp32().
 */
static inline float eyrie_eltwise_fp32_sum(__s32 x_a, __s32 x_b, __u32 ratio_a_bits,
					   __u32 ratio_b_bits, __u32 term_bits)
{
	union { __u32 u; float f; } ra = { ratio_a_bits }, rb = { ratio_b_bits };
	union { __u32 u; float f; } term = { term_bits };
	float t = __builtin_fmaf((float)x_b, rb.f, term.f);

	return __builtin_fmaf((float)x_a, ra.f, t);
}

static inline __s32 eyrie_eltwise_fp32(__s32 a, __s32 b, __u32 ratio_a_bits,
				       __u32 ratio_b_bits, __u32 term_bits,
				       __s32 value_offset)
{
	float t = eyrie_eltwise_fp32_sum(a + value_offset, b + value_offset,
					 ratio_a_bits, ratio_b_bits, term_bits);
	__s64 r;

	if (t >= -2147483648.0f && t < 2147483648.0f) {
		const float two23 = 8388608.0f;	/* ulp 1 from 2^23 to 2^24 */

		/* rne for |t| < 2^23; from there on t is an integer */
		if (t >= 0.0f && t < two23) {
			t = t + two23;
			t = t - two23;
		} else if (t < 0.0f && t > -two23) {
			t = t - two23;
			t = t + two23;
		}
		r = (__s64)t;
	} else {
		r = -2147483647 - 1;
	}
	r -= value_offset;
	if (r < -128)
		r = -128;
	if (r > 127)
		r = 127;
	return (__s32)r;
}
#endif

/* ------------------------------------------------------------------------
 * Row-circular input (issue 16 item 2, docs/hardware.md 7.12)
 * ------------------------------------------------------------------------
 * EYRIE_CAP_IN_RING: consecutive row tiles of a conv share input rows (the
 * halo: R - stride rows for a dense window). With the capability the input
 * operand of a CONV pass may be a ring of rows per (n, c) plane, so a row
 * tile's pass reads the rows the previous tile's load left in the GLB and
 * the DMA loads only the rows that are new:
 *
 * - CONV with EYRIE_PASS_F_IN_RING: input element (ni, ci, y, x) of the
 *   n x c x in_h x in_w tile is at
 *     in_addr + ((ni * c + ci) * in_ring_rows + (in_row0 + y) % in_ring_rows) * in_w + x
 *   (plane pitch in_ring_rows * in_w). in_h <= in_ring_rows, in_row0 <
 *   in_ring_rows, the n x c x in_ring_rows x in_w block inside the GLB (not
 *   the stream buffer). Without the flag both fields are 0.
 * - DMA_LOAD with EYRIE_DMA_F_RING: dimension 1 of the GLB side wraps:
 *   element (i0, i1, i2, i3) goes to
 *     glb_addr + i0 glb_stride[0] + ((ring_row0 + i1) % ring_rows) glb_stride[1]
 *              + i2 glb_stride[2] + i3 glb_stride[3]
 *   count[1] <= ring_rows, ring_row0 < ring_rows, the wrapped box inside
 *   the GLB (not the stream buffer), not with EYRIE_DMA_F_RLE. Without the
 *   flag both fields are 0.
 *
 * The ring changes only addresses: a pass or a load moves and counts the
 * same words, in the same cycles, as on a dense block (docs/sim.md). The
 * firmware refuses the flags without the capability (ERR_RESERVED), a
 * ring smaller than what it must hold (ERR_SHAPE) and a ring outside the
 * GLB (ERR_GLB_BOUNDS).
 */
#define EYRIE_CAP_IN_RING		(1ull << 13)
#define EYRIE_DMA_F_RING		(1u << 1)	/* DMA_LOAD into the GLB only */
#define EYRIE_PASS_F_IN_RING		(1u << 10)	/* CONV only */

/* GLB byte offset of input row y of plane p of a ring (the pass's rule). */
static inline __u64 eyrie_in_ring_offset(__u32 in_addr, __u32 plane, __u32 y,
					 __u32 ring_rows, __u32 row0, __u32 in_w)
{
	return in_addr + ((__u64)plane * ring_rows + (row0 + y) % ring_rows) * in_w;
}

/* ------------------------------------------------------------------------
 * Row-circular output (issue 16 layer fusion, docs/hardware.md 7.13)
 * ------------------------------------------------------------------------
 * EYRIE_CAP_OUT_RING: the mirror image of the input ring on a pass's int8
 * output, so a pass can write the rows of a tensor another pass reads from
 * an input ring (a fused 1x1 expand writing the rows the next depthwise
 * pass reads, without a DRAM round trip and without recomputing the halo):
 *
 * - CONV with EYRIE_PASS_F_OUT_RING (and EYRIE_PASS_F_REQUANT): output
 *   element (ni, k, y, x) of the n x m x out_h x out_w int8 output goes to
 *     out_addr + ((ni * m + k) * out_ring_rows + (out_row0 + y) % out_ring_rows) * out_w + x
 *   (plane pitch out_ring_rows * out_w). out_h <= out_ring_rows, out_row0 <
 *   out_ring_rows, the n x m x out_ring_rows x out_w block inside the GLB
 *   (outputs are never in the stream buffer). The int32 psums (psum_addr,
 *   ACCUMULATE or no REQUANT) stay dense: only the int8 output is a ring.
 *   Without the flag both fields are 0.
 *
 * The ring changes only addresses: the pass counts the same words, in the
 * same cycles, as with a dense output (docs/sim.md). The firmware refuses
 * the flag without the capability, or without REQUANT, or on FC, and the
 * fields without the flag (ERR_RESERVED), a ring smaller than the rows the
 * pass writes or a start slot outside it (ERR_SHAPE), and a ring outside
 * the GLB (ERR_GLB_BOUNDS).
 */
#define EYRIE_CAP_OUT_RING		(1ull << 14)
#define EYRIE_PASS_F_OUT_RING		(1u << 9)	/* CONV with REQUANT only */

/* GLB byte offset of output row y of plane p of a ring (the pass's rule). */
static inline __u64 eyrie_out_ring_offset(__u32 out_addr, __u32 plane, __u32 y,
					  __u32 ring_rows, __u32 row0, __u32 out_w)
{
	return out_addr + ((__u64)plane * ring_rows + (row0 + y) % ring_rows) * out_w;
}

/* STALL: spins for usec of wall time (0xffffffff: until reset). */
struct eyrie_cmd_stall {
	struct eyrie_cmd_header hdr;
	__u32 usec;
	__u32 reserved[29];
};

union eyrie_cmd {
	struct eyrie_cmd_header hdr;
	struct eyrie_cmd_dma dma;
	struct eyrie_cmd_conv conv;
	struct eyrie_cmd_pool pool;
	struct eyrie_cmd_eltwise eltwise;
	struct eyrie_cmd_write write;
	struct eyrie_cmd_stall stall;
	struct eyrie_cmd_lut_load lut_load;
	struct eyrie_cmd_event event;
	__u8 raw[EYRIE_CMD_SIZE];
};

/* ------------------------------------------------------------------------
 * Firmware image: header + payload (the rv32 ELF)
 * ------------------------------------------------------------------------
 */
#define EYRIE_FW_MAGIC			0x57465945u	/* "EYFW" */
#define EYRIE_FW_HEADER_VERSION		1
#define EYRIE_FW_ABI_MAJOR		1
#define EYRIE_FW_ABI_MINOR		0
#define EYRIE_FW_NAME			"eyrie/eyrie_fw.bin"

struct eyrie_fw_header {
	__u32 magic;			/* EYRIE_FW_MAGIC */
	__u16 header_version;		/* EYRIE_FW_HEADER_VERSION */
	__u16 header_size;		/* sizeof(struct eyrie_fw_header) */
	__u16 abi_major;		/* must equal the device's */
	__u16 abi_minor;		/* device accepts <= its own */
	__u32 fw_version;		/* major << 16 | minor */
	__u32 payload_size;		/* bytes after the header */
	__u32 payload_crc32;		/* IEEE 802.3 CRC-32 of the payload */
	__u8  build_id[20];		/* hash of the firmware sources */
	__u32 reserved[5];
};

/* ------------------------------------------------------------------------
 * Layout checks: any change here is an ABI change.
 * ------------------------------------------------------------------------
 */
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_desc) == 128, "hw_desc size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_queue_regs) == 64, "queue regs size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_mailbox) == 72, "mailbox size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_telemetry) == 128, "telemetry size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_fault) == 32, "fault size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_log) == 16, "log header size");
EYRIE_STATIC_ASSERT(offsetof(struct eyrie_hw_ctrl, desc) == EYRIE_CTRL_OFF_DESC,
		    "desc offset");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_ctrl) <= EYRIE_CTRL_OFF_QUEUES,
		    "ctrl header overlaps queues");
EYRIE_STATIC_ASSERT(EYRIE_CTRL_OFF_QUEUES +
		    EYRIE_MAX_QUEUES * sizeof(struct eyrie_hw_queue_regs) <=
		    EYRIE_CTRL_OFF_MAILBOX, "queues overlap mailbox");
EYRIE_STATIC_ASSERT(EYRIE_CTRL_OFF_LOG + sizeof(struct eyrie_hw_log) +
		    EYRIE_LOG_RING_BYTES <= EYRIE_CTRL_SIZE, "log ring too big");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_sqe) == 64, "sqe size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_hw_cqe) == 64, "cqe size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_header) == 8, "cmd header size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_quant) == 16, "quant size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_mapping) == 16, "mapping size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_dma) == EYRIE_CMD_SIZE, "dma size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_conv) == EYRIE_CMD_SIZE, "conv size");
EYRIE_STATIC_ASSERT(offsetof(struct eyrie_cmd_conv, in_ring_rows) == 88 &&
		    offsetof(struct eyrie_cmd_conv, out_ring_rows) == 92 &&
		    offsetof(struct eyrie_cmd_conv, out_row0) == 94 &&
		    offsetof(struct eyrie_cmd_conv, reserved) == 96, "conv ring fields");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_pool) == EYRIE_CMD_SIZE, "pool size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_eltwise) == EYRIE_CMD_SIZE,
		    "eltwise size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_write) == EYRIE_CMD_SIZE, "write size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_stall) == EYRIE_CMD_SIZE, "stall size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_lut_load) == EYRIE_CMD_SIZE,
		    "lut load size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_cmd_event) == EYRIE_CMD_SIZE, "event size");
EYRIE_STATIC_ASSERT(sizeof(union eyrie_cmd) == EYRIE_CMD_SIZE, "cmd size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_energy_snapshot) == 96, "snapshot size");
EYRIE_STATIC_ASSERT(sizeof(struct eyrie_fw_header) == 64, "fw header size");

#endif /* EYRIE_HW_H */
