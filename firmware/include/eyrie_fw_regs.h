/* SPDX-License-Identifier: MIT */
/*
 * Eyrie device-internal register map: what the firmware (the command
 * processor core) sees of the hardware around it. Shared by firmware/ and the
 * hardware model in sim/. docs/firmware.md is the prose version.
 *
 * Every register is 32 bits wide and accessed with hal_read32/hal_write32 at
 * a 32-bit address of the core's bus. Nothing here is visible to the host:
 * the host sees BAR0/BAR2 (uapi/eyrie_hw.h).
 */
#ifndef EYRIE_FW_REGS_H
#define EYRIE_FW_REGS_H

/* Core-local RAM (code + data of the rv32 build). */
#define FWR_RAM_BASE		0x00000000u
#define FWR_RAM_SIZE		0x00040000u	/* 256 KiB */

/*
 * Control page window: byte offset o of BAR2's control page (struct
 * eyrie_hw_ctrl, queue registers, mailbox, telemetry, fault, log) is the word
 * at FWR_CTRL_BASE + o (o a multiple of 4).
 */
#define FWR_CTRL_BASE		0x40000000u

/* Hardware register block. */
#define FWR_HW_BASE		0x40100000u
#define FWR_REG(off)		(FWR_HW_BASE + (off))

/* -- System -- */
#define FWR_HW_ID		FWR_REG(0x000)	/* R: FWR_HW_ID_VALUE */
#define FWR_HW_ID_VALUE		0x57485945u	/* "EYHW" */
#define FWR_EVENT		FWR_REG(0x004)	/* R: pending doorbells, W1C */
#define FWR_EVENT_ADMIN		(1u << 0)	/* bit 1 + q: queue q */
#define FWR_MSIX		FWR_REG(0x008)	/* W: raise MSI-X vector */
#define FWR_ABORT		FWR_REG(0x00c)	/* R: 1 while a reset is pending */
#define FWR_TIME_LO		FWR_REG(0x010)	/* R: device ns; LO read latches HI */
#define FWR_TIME_HI		FWR_REG(0x014)
#define FWR_TIMER_US		FWR_REG(0x018)	/* W: start a wall-time timer */
#define FWR_TIMER_BUSY		FWR_REG(0x01c)	/* R: 1 until the timer expires */
#define FWR_TELEM_PERIOD_US	FWR_REG(0x020)	/* W: telemetry sample period */

/* -- Host bus master: physical bus addresses, no MMU (rings only) -- */
#define FWR_BUS_ADDR_LO		FWR_REG(0x100)
#define FWR_BUS_ADDR_HI		FWR_REG(0x104)
#define FWR_BUS_DATA		FWR_REG(0x108)	/* R/W word, address += 4 */
#define FWR_BUS_STATUS		FWR_REG(0x10c)	/* R: 0 ok, 1 bus error (sticky, W clears) */

/* -- Device MMU: context of the running job -- */
#define FWR_MMU_ROOT_LO		FWR_REG(0x200)
#define FWR_MMU_ROOT_HI		FWR_REG(0x204)
#define FWR_MMU_CTX		FWR_REG(0x208)
#define FWR_MMU_TAG_LO		FWR_REG(0x20c)	/* job tag for the fault record */
#define FWR_MMU_TAG_HI		FWR_REG(0x210)
#define FWR_MMU_FLUSH		FWR_REG(0x214)	/* W: invalidate the TLB */
#define FWR_VA_ADDR_LO		FWR_REG(0x220)	/* word access through the MMU */
#define FWR_VA_ADDR_HI		FWR_REG(0x224)
#define FWR_VA_DATA		FWR_REG(0x228)	/* R/W word, address += 4 */
#define FWR_VA_STATUS		FWR_REG(0x22c)	/* R: 0 or EYRIE_JOB_ERR_MMU_* (sticky, W clears) */
#define FWR_MMU_FAULT_ADDR_LO	FWR_REG(0x230)	/* R: last faulting VA */
#define FWR_MMU_FAULT_ADDR_HI	FWR_REG(0x234)
#define FWR_MMU_TLB_HITS	FWR_REG(0x238)	/* R: statistics */
#define FWR_MMU_TLB_MISSES	FWR_REG(0x23c)

/*
 * -- Engines: the DMA unit and the PE array take a command descriptor in
 * the layout of union eyrie_cmd (validated by the firmware first). --
 */
#define FWR_DESC(i)		FWR_REG(0x400 + 4 * (i))	/* 32 words */
#define FWR_DESC_WORDS		32
#define FWR_ENGINE_GO		FWR_REG(0x480)	/* W: run the descriptor */
#define FWR_ENGINE_STATUS	FWR_REG(0x484)	/* R: 0 or enum eyrie_job_status */
#define FWR_ENGINE_DETAIL	FWR_REG(0x488)	/* R: fault address low / channel */
#define FWR_BARRIER		FWR_REG(0x48c)	/* W: drain DMA and array */
/* W (EYRIE_CAP_EVENTS): event | engine << 8 (docs/hardware.md 7.8) */
#define FWR_EVENT_SIGNAL	FWR_REG(0x490)	/* engine sets the event when idle */
#define FWR_EVENT_WAIT		FWR_REG(0x494)	/* engine's next commands wait for it */
#define FWR_EVENT_ARG(event, engine)	((event) | (engine) << 8)

/* -- Job accounting unit: counters of the running job -- */
#define FWR_JOB_CTL		FWR_REG(0x500)	/* W: FWR_JOB_CTL_* */
#define FWR_JOB_CTL_BEGIN	1u	/* zero counters, latch start time */
#define FWR_JOB_CTL_END		2u	/* close, advance device time */
#define FWR_JOB_CTL_SAMPLE	3u	/* latch counters into the registers below */
/* Latched 64-bit counters (LO at +0, HI at +4). */
#define FWR_JOB_CYCLES		FWR_REG(0x510)
#define FWR_JOB_ENERGY_TOTAL	FWR_REG(0x518)
#define FWR_JOB_START_NS	FWR_REG(0x520)
#define FWR_JOB_NOW_NS		FWR_REG(0x528)	/* start + modeled time so far */
#define FWR_JOB_DRAM_WORDS	FWR_REG(0x530)
#define FWR_JOB_DRAM_BYTES	FWR_REG(0x538)
#define FWR_JOB_MACS		FWR_REG(0x540)
#define FWR_JOB_GATED_MACS	FWR_REG(0x548)	/* EYRIE_CAP_ZERO_GATE */
#define FWR_JOB_ENERGY(d)	FWR_REG(0x580 + 8 * (d))	/* per domain */

#endif /* EYRIE_FW_REGS_H */
