// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: control page access and doorbells.
 *
 * The control page lives at the start of BAR2. On the emulated board it is
 * shared memory that the device model updates concurrently, so every access
 * goes through the MMIO accessors (ordered, never cached in registers).
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include "eyrie_drv.h"

u32 eyrie_ctrl_read32(struct eyrie_device *edev, u32 offset)
{
	return readl(edev->bar2 + offset);
}

u64 eyrie_ctrl_read64(struct eyrie_device *edev, u32 offset)
{
	return readq(edev->bar2 + offset);
}

void eyrie_ctrl_write32(struct eyrie_device *edev, u32 offset, u32 value)
{
	writel(value, edev->bar2 + offset);
}

void eyrie_ctrl_write64(struct eyrie_device *edev, u32 offset, u64 value)
{
	writeq(value, edev->bar2 + offset);
}

void eyrie_doorbell(struct eyrie_device *edev, unsigned int vector)
{
	/* Entries and registers must be visible before the device wakes up. */
	wmb();
	writel(EYRIE_DOORBELL_VALUE(edev->doorbell_peer, vector),
	       edev->bar0 + EYRIE_BAR0_DOORBELL);
}

/* Seqlock read of the telemetry block; -EBUSY if the device never settles. */
int eyrie_read_telemetry(struct eyrie_device *edev, struct eyrie_hw_telemetry *t)
{
	void __iomem *src = edev->bar2 + EYRIE_CTRL_OFF_TELEMETRY;
	unsigned int tries;
	u32 before, after;

	for (tries = 0; tries < 1000; tries++) {
		before = readl(src + offsetof(struct eyrie_hw_telemetry, seq));
		if (before & 1) {
			cpu_relax();
			continue;
		}
		rmb();	/* seq before the payload */
		memcpy_fromio(t, src, sizeof(*t));
		rmb();	/* payload before seq */
		after = readl(src + offsetof(struct eyrie_hw_telemetry, seq));
		if (before == after)
			return 0;
	}
	return -EBUSY;
}

const char *eyrie_dev_status_name(u32 status)
{
	switch (status) {
	case EYRIE_DEV_STATUS_RESET:
		return "reset";
	case EYRIE_DEV_STATUS_BOOTING:
		return "booting";
	case EYRIE_DEV_STATUS_READY:
		return "ready";
	case EYRIE_DEV_STATUS_FAILED:
		return "failed";
	case EYRIE_DEV_STATUS_HUNG:
		return "hung";
	default:
		return "unknown";
	}
}

static const char * const eyrie_job_status_names[EYRIE_JOB_STATUS_COUNT] = {
	[EYRIE_JOB_OK] = "ok",
	[EYRIE_JOB_ERR_OPCODE] = "unknown opcode",
	[EYRIE_JOB_ERR_RESERVED] = "reserved field or flag set",
	[EYRIE_JOB_ERR_GLB_BOUNDS] = "GLB bounds",
	[EYRIE_JOB_ERR_SHAPE] = "bad shape",
	[EYRIE_JOB_ERR_ALIGN] = "misaligned",
	[EYRIE_JOB_ERR_STRIDE] = "bad stride",
	[EYRIE_JOB_ERR_COUNT] = "count out of range",
	[EYRIE_JOB_ERR_CMDBUF] = "bad command buffer",
	[EYRIE_JOB_ERR_MMU_UNMAPPED] = "MMU fault: unmapped",
	[EYRIE_JOB_ERR_MMU_PERM] = "MMU fault: write to read-only page",
	[EYRIE_JOB_ERR_QUANT] = "bad requantization",
	[EYRIE_JOB_ERR_DATAFLOW] = "bad dataflow",
	[EYRIE_JOB_ERR_TIMEOUT] = "timeout",
	[EYRIE_JOB_ERR_ABORTED] = "aborted by reset",
	[EYRIE_JOB_ERR_STALL_DENIED] = "stall denied",
	[EYRIE_JOB_ERR_LUT] = "activation table used before LUT_LOAD",
};

const char *eyrie_job_status_name(u32 status)
{
	if (status < EYRIE_JOB_STATUS_COUNT && eyrie_job_status_names[status])
		return eyrie_job_status_names[status];
	return "unknown status";
}
