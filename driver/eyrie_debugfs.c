// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: debugfs (/sys/kernel/debug/accel/<PCI address>/): queues,
 * contexts, MMU usage, firmware log. The counters here are what the tests
 * read to check that closing a file frees everything.
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "eyrie_drv.h"

static struct eyrie_device *eyrie_from_seq(struct seq_file *m)
{
	struct drm_debugfs_entry *entry = m->private;

	return to_eyrie(entry->dev);
}

#define EYRIE_QREG_READ(edev, base, field) \
	eyrie_ctrl_read32(edev, (base) + offsetof(struct eyrie_hw_queue_regs, field))

/* What the device says about queue i (its half of the registers). */
static void eyrie_debugfs_queue_regs(struct seq_file *m, struct eyrie_device *edev, unsigned int i)
{
	u32 base = EYRIE_CTRL_OFF_QUEUES + i * sizeof(struct eyrie_hw_queue_regs);
	u32 status;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return;
	status = eyrie_ctrl_read32(edev, offsetof(struct eyrie_hw_ctrl, status));
	seq_printf(m, "queue %u device: ctl %#x sq_tail %u sq_head %u cq_head %u cq_tail %u %s\n",
		   i, EYRIE_QREG_READ(edev, base, ctl), EYRIE_QREG_READ(edev, base, sq_tail),
		   EYRIE_QREG_READ(edev, base, sq_head), EYRIE_QREG_READ(edev, base, cq_head),
		   EYRIE_QREG_READ(edev, base, cq_tail), eyrie_dev_status_name(status));
	drm_dev_exit(idx);
}

static int eyrie_debugfs_queues(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);
	unsigned int i;

	seq_printf(m, "ready: %d\nresets: %d\n", READ_ONCE(edev->ready),
		   atomic_read(&edev->reset_count));
	/* Why a device that is not ready is down (eyrie_device_reset()). */
	seq_printf(m, "wedged: %d\n", READ_ONCE(edev->wedged));
	if (READ_ONCE(edev->wedged)) {
		int err = READ_ONCE(edev->wedged_err);

		seq_printf(m, "state: wedged: RESET not acknowledged (%d, %s), bus mastering off; write reset to try again\n",
			   err, err ? "no answer" :
			   eyrie_mbox_result_name(READ_ONCE(edev->wedged_result)));
	} else {
		seq_printf(m, "state: %s\n", READ_ONCE(edev->ready) ? "running" : "down");
	}
	for (i = 0; i < edev->num_queues; i++) {
		struct eyrie_queue *q = &edev->queue[i];
		unsigned long flags;

		spin_lock_irqsave(&q->lock, flags);
		seq_printf(m, "queue %u (%s): entries %u sq_tail %u cq_head %u phase %u generation %u inflight %u submitted %llu completed %llu irqs %llu irq_thread_runs %llu stale_cqes %llu aborted %llu\n",
			   i, q->name, q->entries, q->sq_tail, q->cq_head, q->phase,
			   q->generation, q->inflight_count, q->submitted, q->completed,
			   q->irqs, q->irq_thread_runs, q->stale_cqes, q->aborted);
		spin_unlock_irqrestore(&q->lock, flags);
		eyrie_debugfs_queue_regs(m, edev, i);
	}
	return 0;
}

static int eyrie_debugfs_contexts(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);
	struct eyrie_ctx *ctx;
	unsigned long id, count = 0;

	xa_lock(&edev->contexts);
	xa_for_each(&edev->contexts, id, ctx) {
		seq_printf(m, "ctx %u pid %d comm %s: mem_used %llu jobs_inflight %d submitted %lld completed %lld failed %lld hangs %u banned %d\n",
			   ctx->id, ctx->pid, ctx->comm, READ_ONCE(ctx->mem_used),
			   atomic_read(&ctx->jobs_inflight),
			   atomic64_read(&ctx->jobs_submitted),
			   atomic64_read(&ctx->jobs_completed),
			   atomic64_read(&ctx->jobs_failed), READ_ONCE(ctx->hangs),
			   READ_ONCE(ctx->banned));
		count++;
	}
	xa_unlock(&edev->contexts);
	seq_printf(m, "contexts: %lu\n", count);
	return 0;
}

static int eyrie_debugfs_mmu(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);
	struct eyrie_ctx *ctx;
	unsigned long id;
	u64 tables = 0, pages = 0;

	xa_lock(&edev->contexts);
	xa_for_each(&edev->contexts, id, ctx) {
		seq_printf(m, "ctx %u: root 0x%llx table_pages %u mapped_pages %llu\n",
			   ctx->id, (u64)ctx->mmu.root_dma, READ_ONCE(ctx->mmu.table_pages),
			   eyrie_mmu_mapped_pages(&ctx->mmu));
		tables += READ_ONCE(ctx->mmu.table_pages);
		pages += eyrie_mmu_mapped_pages(&ctx->mmu);
	}
	xa_unlock(&edev->contexts);
	seq_printf(m, "total: table_pages %llu mapped_pages %llu\n", tables, pages);
	return 0;
}

static int eyrie_debugfs_fwlog(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);
	void __iomem *text = edev->bar2 + EYRIE_CTRL_OFF_LOG + sizeof(struct eyrie_hw_log);
	u64 head, pos;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	head = eyrie_ctrl_read64(edev, EYRIE_CTRL_OFF_LOG);
	pos = head > EYRIE_LOG_RING_BYTES ? head - EYRIE_LOG_RING_BYTES : 0;
	for (; pos < head; pos++)
		seq_putc(m, readb(text + pos % EYRIE_LOG_RING_BYTES));
	drm_dev_exit(idx);
	return 0;
}

static int eyrie_debugfs_firmware(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);

	seq_printf(m, "file: %s\nversion: %u.%u\nabi: %u.%u\nbuild_id: %*phN\nsize: %u\n",
		   eyrie_fw_name, edev->fw.version >> 16, edev->fw.version & 0xffff,
		   edev->fw.abi >> 16, edev->fw.abi & 0xffff,
		   (int)sizeof(edev->fw.build_id), edev->fw.build_id, edev->fw.image_size);
	return 0;
}

/*
 * Reading runs 100 PING mailbox commands: doorbell -> device -> MSI-X 0 ->
 * waiter, the floor under a job's round trip (no scheduler, no rings).
 */
static int eyrie_debugfs_mbox_ping(struct seq_file *m, void *unused)
{
	struct eyrie_device *edev = eyrie_from_seq(m);
	u64 total = 0, best = U64_MAX, worst = 0;
	unsigned int i, n = 100;
	u32 result;
	int ret, idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	for (i = 0; i < n; i++) {
		ktime_t t0 = ktime_get();
		u64 ns;

		ret = eyrie_mbox_cmd(edev, EYRIE_MBOX_PING, 0, 0, 1000, &result);
		ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
		if (ret || result != EYRIE_MBOX_OK) {
			seq_printf(m, "ping %u failed: %d result %u\n", i, ret, result);
			break;
		}
		total += ns;
		best = min(best, ns);
		worst = max(worst, ns);
	}
	drm_dev_exit(idx);
	if (i)
		seq_printf(m, "pings: %u\nmin_ns: %llu\navg_ns: %llu\nmax_ns: %llu\n", i, best,
			   div_u64(total, i), worst);
	return 0;
}

/*
 * Writing anything resets the device and returns once it is back: an
 * administrator's debug action (it aborts every process's jobs), so it is
 * here rather than an ioctl (uAPI 1.1).
 */
static ssize_t eyrie_debugfs_reset_write(struct file *f, const char __user *buf, size_t len,
					 loff_t *pos)
{
	struct eyrie_device *edev = f->private_data;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = eyrie_reset_request(edev);
	return ret ? ret : len;
}

static const struct file_operations eyrie_debugfs_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = eyrie_debugfs_reset_write,
	.llseek = noop_llseek,
};

static const struct drm_debugfs_info eyrie_debugfs_list[] = {
	{ "mbox_ping", eyrie_debugfs_mbox_ping, 0 },
	{ "queues", eyrie_debugfs_queues, 0 },
	{ "contexts", eyrie_debugfs_contexts, 0 },
	{ "mmu", eyrie_debugfs_mmu, 0 },
	{ "fw_log", eyrie_debugfs_fwlog, 0 },
	{ "firmware", eyrie_debugfs_firmware, 0 },
};

/* Accel devices get /sys/kernel/debug/accel/<PCI address>/ from the core. */
void eyrie_debugfs_init(struct eyrie_device *edev)
{
	drm_debugfs_add_files(&edev->drm, eyrie_debugfs_list, ARRAY_SIZE(eyrie_debugfs_list));
	debugfs_create_file("reset", 0200, edev->drm.debugfs_root, edev,
			    &eyrie_debugfs_reset_fops);
}
