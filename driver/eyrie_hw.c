// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: control page access and doorbells.
 *
 * The control page lives at the start of BAR2. On the emulated board it is
 * shared memory that the device model updates concurrently, so every access
 * goes through the MMIO accessors (ordered, never cached in registers).
 */
#include <linux/cred.h>
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

/* Is cred a member of the telemetry_gid group (module parameter)? */
bool eyrie_telemetry_group(const struct cred *cred)
{
	int gid = READ_ONCE(eyrie_telemetry_gid);
	kgid_t kgid;
	int i;

	if (gid < 0)
		return false;
	kgid = make_kgid(&init_user_ns, gid);
	if (!gid_valid(kgid))
		return false;
	if (gid_eq(cred->egid, kgid))
		return true;
	for (i = 0; cred->group_info && i < cred->group_info->ngroups; i++)
		if (gid_eq(cred->group_info->gid[i], kgid))
			return true;
	return false;
}

/*
 * May the holder of filp, calling now, read fine-grained telemetry? Both
 * the opener's credentials and the caller's count (as netlink_capable()
 * does for a socket), so a descriptor passed to an unprivileged process
 * carries no privilege: CAP_PERFMON or CAP_SYS_ADMIN, or telemetry_gid.
 */
bool eyrie_telemetry_privileged_file(struct file *filp)
{
	if ((file_ns_capable(filp, &init_user_ns, CAP_PERFMON) ||
	     file_ns_capable(filp, &init_user_ns, CAP_SYS_ADMIN)) && perfmon_capable())
		return true;
	return eyrie_telemetry_group(filp->f_cred) && eyrie_telemetry_group(current_cred());
}

/*
 * Telemetry for a reader: the privileged get the block as it is now; the
 * others a copy refreshed at most once per unpriv_period_us, the finest
 * grain the multicast group carries. Energy differences over windows the
 * reader picks are a side channel on other users' jobs (the RAPL
 * precedent, CVE-2020-8694).
 */
int eyrie_read_telemetry_for(struct eyrie_device *edev, bool privileged,
			     struct eyrie_hw_telemetry *t)
{
	u64 period_ns = (u64)READ_ONCE(eyrie_unpriv_period_us) * NSEC_PER_USEC;
	ktime_t now = ktime_get();
	int ret = 0;

	if (privileged)
		return eyrie_read_telemetry(edev, t);
	mutex_lock(&edev->coarse_lock);
	if (!edev->coarse_at || ktime_to_ns(ktime_sub(now, edev->coarse_at)) >= period_ns) {
		ret = eyrie_read_telemetry(edev, &edev->coarse);
		if (!ret)
			edev->coarse_at = now;
	}
	if (!ret)
		*t = edev->coarse;
	mutex_unlock(&edev->coarse_lock);
	return ret;
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
	[EYRIE_JOB_ERR_RLE] = "bad run-length coded DMA",
};

const char *eyrie_job_status_name(u32 status)
{
	if (status < EYRIE_JOB_STATUS_COUNT && eyrie_job_status_names[status])
		return eyrie_job_status_names[status];
	return "unknown status";
}
