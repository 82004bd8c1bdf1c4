/* SPDX-License-Identifier: MIT */
/* Firmware internals: register access helpers shared by the firmware files. */
#ifndef FW_INTERNAL_H
#define FW_INTERNAL_H

#include "eyrie_fw.h"
#include "eyrie_fw_regs.h"

/* Freestanding: no libc, so the few helpers needed live here. */
#define FW_OFFSETOF(t, m)	__builtin_offsetof(t, m)

static inline __u32 ctrl_rd(__u32 off)
{
	return hal_read32(FWR_CTRL_BASE + off);
}

static inline void ctrl_wr(__u32 off, __u32 val)
{
	hal_write32(FWR_CTRL_BASE + off, val);
}

static inline __u64 ctrl_rd64(__u32 off)
{
	__u64 lo = ctrl_rd(off);

	return lo | ((__u64)ctrl_rd(off + 4) << 32);
}

static inline void ctrl_wr64(__u32 off, __u64 val)
{
	ctrl_wr(off, (__u32)val);
	ctrl_wr(off + 4, (__u32)(val >> 32));
}

static inline __u64 reg_rd64(__u32 addr)
{
	__u64 lo = hal_read32(addr);

	return lo | ((__u64)hal_read32(addr + 4) << 32);
}

static inline void reg_wr64(__u32 lo_addr, __u32 hi_addr, __u64 val)
{
	hal_write32(lo_addr, (__u32)val);
	hal_write32(hi_addr, (__u32)(val >> 32));
}

/* Offsets of the queue registers and mailbox fields in the control page. */
#define QREG(q, field) \
	(EYRIE_CTRL_OFF_QUEUES + (q) * sizeof(struct eyrie_hw_queue_regs) + \
	 FW_OFFSETOF(struct eyrie_hw_queue_regs, field))
#define MBOX(field) \
	(EYRIE_CTRL_OFF_MAILBOX + FW_OFFSETOF(struct eyrie_hw_mailbox, field))
#define CTRL(field)	FW_OFFSETOF(struct eyrie_hw_ctrl, field)

/*
 * Reads/writes n words at a physical bus address (rings). Return 0, or -1
 * on a bus error.
 */
int bus_read(__u64 addr, __u32 *words, __u32 n);
int bus_write(__u64 addr, const __u32 *words, __u32 n);
/* Same through the job's MMU; return 0 or EYRIE_JOB_ERR_MMU_*. */
__u32 va_read(__u64 va, __u32 *words, __u32 n);
__u32 va_write(__u64 va, const __u32 *words, __u32 n);

/* Runs one job from queue q (SQ not empty, CQ not full). */
void fw_run_job(struct fw_state *fw, __u32 q);

#endif /* FW_INTERNAL_H */
