// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: timeout, reset, recovery and banning.
 *
 * Recovery follows the DRM scheduler's protocol: stop the scheduler, look
 * again whether the job that timed out has finished after all (then it was
 * slow, not hung: no reset, no blame), else reset the device through the
 * mailbox, complete what was on the rings (the hung job with TIMEOUT,
 * anything else with ABORTED: nothing runs twice, as upstream advises
 * instead of drm_sched_resubmit_jobs()), boot the firmware again from the
 * image kept in memory, program the rings, restore the telemetry period and
 * restart the scheduler, each job that was on the rings ending with its own
 * outcome (eyrie_sched_restore_parents()). Jobs not yet handed to the
 * device stay queued. A device that does not acknowledge RESET is wedged
 * (eyrie_wedge()): bus mastering off before any job ends, no firmware
 * boot. A timeout on a device being removed touches nothing: removal
 * completes the job (eyrie_job_giveback()).
 *
 * This is the fence signalling path: no allocation that may wait for
 * reclaim and no reservation lock. The devcoredump is written into a
 * buffer allocated beforehand and handed to devcoredump (which allocates)
 * by a work item; jobs are released off this path (eyrie_job.c).
 *
 * All resets run on one ordered workqueue, which is also the scheduler's
 * timeout queue, so two recoveries never overlap.
 */
#include <linux/capability.h>
#include <linux/devcoredump.h>
#include <linux/interrupt.h>
#include <linux/ratelimit.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>

#include "eyrie_drv.h"
#include "eyrie_netlink.h"

#define EYRIE_RESET_TIMEOUT_MS	2000

/*
 * The devcoredump buffers change hands between the reset queue (which
 * fills one) and this work (which hands it on and allocates the next):
 * coredump_buf is taken and put back with xchg/cmpxchg; coredump_full is
 * published with a release store after coredump_len and read with an
 * acquire load, and goes back to NULL only after devcoredump has it.
 */
static void eyrie_coredump_refill(struct work_struct *work)
{
	struct eyrie_device *edev = container_of(work, struct eyrie_device, coredump_refill);
	/* Pairs with the release in eyrie_coredump(): coredump_len is set. */
	void *full = smp_load_acquire(&edev->coredump_full);
	void *buf;

	if (full) {
		dev_coredumpv(edev->drm.dev, full, edev->coredump_len, GFP_KERNEL);
		WRITE_ONCE(edev->coredump_full, NULL);
	}
	buf = vzalloc(EYRIE_COREDUMP_BYTES);
	if (buf && cmpxchg(&edev->coredump_buf, NULL, buf))
		vfree(buf);
}

void eyrie_coredump_fini(struct eyrie_device *edev)
{
	cancel_work_sync(&edev->coredump_refill);
	vfree(edev->coredump_full);
	vfree(edev->coredump_buf);
	edev->coredump_full = NULL;
	edev->coredump_buf = NULL;
}

/* A devcoredump of the hang: what ran, the queue state and the firmware log. */
static void eyrie_coredump(struct eyrie_device *edev, struct eyrie_job *bad, const char *why)
{
	size_t size = EYRIE_COREDUMP_BYTES;
	struct drm_printer p;
	struct drm_print_iterator iter = { 0 };
	u32 i, n, status;
	u64 head;
	char *buf;

	/* The last dump is still on its way to devcoredump: keep that one. */
	if (READ_ONCE(edev->coredump_full))
		return;
	buf = xchg(&edev->coredump_buf, NULL);
	if (!buf)
		return;
	memset(buf, 0, size);
	iter.data = buf;
	iter.remain = size - 1;
	p = drm_coredump_printer(&iter);

	drm_printf(&p, "eyrie devcoredump\nreason: %s\n", why);
	status = eyrie_ctrl_read32(edev, offsetof(struct eyrie_hw_ctrl, status));
	drm_printf(&p, "device status: %s\n", eyrie_dev_status_name(status));
	drm_printf(&p, "firmware: version 0x%08x abi 0x%08x build %*phN\n",
		   edev->fw.version, edev->fw.abi, (int)sizeof(edev->fw.build_id),
		   edev->fw.build_id);
	if (bad)
		drm_printf(&p, "job: ctx %u (pid %d %s) seqno %llu queue %u cmdbuf 0x%llx n %u\n",
			   bad->ctx->id, bad->ctx->pid, bad->ctx->comm, bad->seqno, bad->queue,
			   bad->cmdbuf_addr, bad->cmd_count);
	for (i = 0; i < edev->num_queues; i++) {
		struct eyrie_queue *q = &edev->queue[i];

		drm_printf(&p, "queue %u: sq %u cq %u phase %u inflight %u in %llu out %llu\n",
			   i, q->sq_tail, q->cq_head, q->phase, q->inflight_count,
			   q->submitted, q->completed);
	}
	head = eyrie_ctrl_read64(edev, EYRIE_CTRL_OFF_LOG);
	n = min_t(u64, head, EYRIE_LOG_RING_BYTES);
	drm_printf(&p, "firmware log (last %u bytes):\n", n);
	for (i = 0; i < n; i++) {
		u64 pos = head - n + i;
		u8 c = readb(edev->bar2 + EYRIE_CTRL_OFF_LOG + sizeof(struct eyrie_hw_log) +
			     pos % EYRIE_LOG_RING_BYTES);

		drm_printf(&p, "%c", c ? c : '.');
	}
	edev->coredump_len = size - iter.remain;
	/* coredump_len before the pointer that hands the dump on (refill). */
	smp_store_release(&edev->coredump_full, buf);
	queue_work(system_unbound_wq, &edev->coredump_refill);
}

static void eyrie_ban_check(struct eyrie_device *edev, struct eyrie_job *bad)
{
	struct eyrie_ctx *ctx = bad->ctx;

	/* The interrupt may still complete it: eyrie_job_complete() reads this. */
	WRITE_ONCE(bad->timed_out, true);
	/* Only recovery writes these (one at a time); debugfs reads them. */
	WRITE_ONCE(ctx->hangs, ctx->hangs + 1);
	eyrie_genl_event(edev, EYRIE_EVENT_JOB_HANG, ctx->id, bad->seqno);
	if (eyrie_ban_threshold && ctx->hangs >= eyrie_ban_threshold && !ctx->banned) {
		WRITE_ONCE(ctx->banned, true);
		eyrie_err(edev, "context %u (pid %d, %s) banned after %u hangs: its submissions now fail with ECANCELED; reopen the device to start over\n",
			  ctx->id, ctx->pid, ctx->comm, ctx->hangs);
	}
}

/* Has the job the device may be running finished (interrupts handled)? */
static bool eyrie_job_finished(struct eyrie_device *edev, struct eyrie_job *job)
{
	unsigned int v;

	for (v = 0; v < edev->num_queues; v++)
		synchronize_irq(pci_irq_vector(edev->pdev, EYRIE_VECTOR_QUEUE(v)));
	return !job->hw_fence || dma_fence_is_signaled(job->hw_fence);
}

/*
 * A timeout that fired during removal: the job stays on the scheduler's
 * list with its hardware fence callback, and removal's abort completes it
 * through the normal path, as a job that ran past its timeout. Put back at
 * the head (it was the first pending job), as etnaviv does for a timeout
 * it ignores; the free worker is kicked in case the job's fence signalled
 * while it was off the list (drm_sched_job_timedout() takes it off).
 */
static void eyrie_job_giveback(struct eyrie_device *edev, struct eyrie_job *bad)
{
	struct drm_gpu_scheduler *sched = &edev->sched;

	WRITE_ONCE(bad->timed_out, true);
	spin_lock(&sched->job_list_lock);
	list_add(&bad->base.list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
	drm_sched_wqueue_start(sched);
}

/*
 * drm_sched_stop() detached the hardware fence of every job still on the
 * rings (s_fence->parent = NULL), and drm_sched_start() ends such a job
 * with -ECANCELED whatever the device said. By now each of them has left
 * the device (completed or aborted by recovery), so the scheduler gets its
 * hardware fence back and the job ends with its own outcome: -ETIMEDOUT
 * for the hung one, 0 for one that finished at its timeout. Called with the
 * scheduler stopped, when nothing else walks or changes the pending list.
 */
static void eyrie_sched_restore_parents(struct drm_gpu_scheduler *sched)
{
	struct drm_sched_job *s_job;

	list_for_each_entry(s_job, &sched->pending_list, list) {
		struct eyrie_job *job = to_eyrie_job(s_job);

		if (!s_job->s_fence->parent && job->hw_fence)
			s_job->s_fence->parent = dma_fence_get(job->hw_fence);
	}
}

/*
 * The device did not acknowledge RESET: it may still be running a job,
 * reading page tables and writing into the jobs' pages and the rings. Bus
 * mastering goes off before recovery ends (and frees) anything the device
 * could reach, and stays off, with every submission failing with EIO,
 * until a later reset is acknowledged (eyrie_device_reset() turns it back
 * on before booting the firmware). The mailbox needs no DMA and is polled,
 * so that retry works without the interrupts bus mastering also carries.
 * Caller holds reset_lock.
 */
static void eyrie_wedge(struct eyrie_device *edev, int err, u32 result)
{
	pci_clear_master(edev->pdev);
	WRITE_ONCE(edev->wedged_err, err);
	WRITE_ONCE(edev->wedged_result, result);
	WRITE_ONCE(edev->wedged, true);
	eyrie_err(edev, "device did not acknowledge RESET (%d, %s): wedged: bus mastering off, jobs aborted, submissions fail with EIO until a reset succeeds (accelctl reset)\n",
		  err, err ? "no answer" : eyrie_mbox_result_name(result));
}

/* Called once a RESET was acknowledged: the device is no longer wedged. */
static void eyrie_unwedge(struct eyrie_device *edev)
{
	if (!READ_ONCE(edev->wedged))
		return;
	WRITE_ONCE(edev->wedged, false);
	eyrie_info(edev, "device acknowledged RESET: no longer wedged\n");
}

/*
 * Resets the device and recovers. bad is the job that timed out (NULL for
 * an administrator's reset). Returns 0 when the device is running again
 * (or bad turned out not to hang), -ENODEV when it is gone, -EIO when it
 * is down (wedged: RESET not acknowledged; or its firmware did not boot).
 */
int eyrie_device_reset(struct eyrie_device *edev, struct eyrie_job *bad, const char *why)
{
	struct drm_gpu_scheduler *sched = &edev->sched;
	u32 result = 0;
	unsigned int i;
	int ret, idx;

	mutex_lock(&edev->reset_lock);
	if (!drm_dev_enter(&edev->drm, &idx)) {
		/*
		 * Removed, or being removed: eyrie_remove() resets the device
		 * and then completes what is on the rings. The scheduler must
		 * not be stopped and started here: drm_sched_start() would end
		 * (and free_job free) jobs the device may still be running.
		 */
		if (bad)
			eyrie_job_giveback(edev, bad);
		mutex_unlock(&edev->reset_lock);
		return -ENODEV;
	}
	/* Also puts bad back on the scheduler's list, whatever happens next. */
	drm_sched_stop(sched, bad ? &bad->base : NULL);
	if (bad && eyrie_job_finished(edev, bad)) {
		/* It ended right at its timeout: slow, not hung. */
		eyrie_dbg(edev, "ctx %u job %llu finished at its timeout; no reset\n",
			  bad->ctx->id, bad->seqno);
		eyrie_sched_restore_parents(sched);
		drm_sched_start(sched);
		mutex_unlock(&edev->reset_lock);
		drm_dev_exit(idx);
		return 0;
	}

	if (bad) {
		eyrie_err(edev, "%s: ctx %u (pid %d, %s) job %llu on queue %u did not finish in %u ms; resetting the device\n",
			  why, bad->ctx->id, bad->ctx->pid, bad->ctx->comm, bad->seqno,
			  bad->queue, eyrie_job_timeout_ms);
		eyrie_ban_check(edev, bad);
	} else {
		eyrie_info(edev, "%s: resetting the device\n", why);
	}
	eyrie_coredump(edev, bad, why);

	WRITE_ONCE(edev->ready, false);
	ret = eyrie_mbox_cmd(edev, EYRIE_MBOX_RESET, 0, 0, EYRIE_RESET_TIMEOUT_MS, &result);
	if (ret || result != EYRIE_MBOX_OK)
		eyrie_wedge(edev, ret, result);
	else
		eyrie_unwedge(edev);
	eyrie_queues_disable(edev);
	for (i = 0; i < edev->num_queues; i++) {
		synchronize_irq(pci_irq_vector(edev->pdev, EYRIE_VECTOR_QUEUE(i)));
		eyrie_queue_abort_all(&edev->queue[i]);
	}

	if (READ_ONCE(edev->wedged)) {
		ret = -EIO;
	} else {
		/* The device is back at RESET: it may master the bus again. */
		pci_set_master(edev->pdev);
		ret = eyrie_fw_boot(edev);
		if (!ret)
			ret = eyrie_queues_enable(edev);
		if (!ret) {
			WRITE_ONCE(edev->ready, true);
			/* The firmware booted with its default sample period. */
			eyrie_genl_restore_period(edev);
		} else {
			eyrie_err(edev, "recovery failed (%d): the device stays down until the next reset (accelctl reset) or driver rebind\n",
				  ret);
		}
	}
	atomic_inc(&edev->reset_count);
	eyrie_genl_event(edev, EYRIE_EVENT_RESET, 0, ret);

	/* The jobs that were on the rings end with their (aborted) results. */
	eyrie_sched_restore_parents(sched);
	drm_sched_start(sched);
	mutex_unlock(&edev->reset_lock);
	drm_dev_exit(idx);
	return ret;
}

static void eyrie_reset_work_fn(struct work_struct *work)
{
	struct eyrie_device *edev = container_of(work, struct eyrie_device, reset_work);

	eyrie_device_reset(edev, NULL, "reset requested");
}

void eyrie_reset_init(struct eyrie_device *edev)
{
	INIT_WORK(&edev->reset_work, eyrie_reset_work_fn);
	INIT_WORK(&edev->coredump_refill, eyrie_coredump_refill);
	edev->coredump_buf = vzalloc(EYRIE_COREDUMP_BYTES);
	INIT_WORK(&edev->event_work, eyrie_event_work);
}

/* An administrator's reset (debugfs "reset"); waits for it. */
int eyrie_reset_request(struct eyrie_device *edev)
{
	int before = atomic_read(&edev->reset_count);

	/* On the reset queue so it never races a timeout recovery. */
	queue_work(edev->reset_wq, &edev->reset_work);
	flush_work(&edev->reset_work);
	if (atomic_read(&edev->reset_count) == before)
		return -ENODEV;
	return READ_ONCE(edev->ready) ? 0 : -EIO;
}

/*
 * Device events raised on MSI-X 0: logs MMU faults (the device already
 * failed the job) and reports throttling transitions, each as a netlink
 * event.
 */
void eyrie_event_work(struct work_struct *work)
{
	struct eyrie_device *edev = container_of(work, struct eyrie_device, event_work);
	struct eyrie_hw_telemetry t;
	struct eyrie_hw_fault fault;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return;
	if (!eyrie_read_telemetry(edev, &t))
		eyrie_genl_check_throttle(edev, &t);
	memcpy_fromio(&fault, edev->bar2 + EYRIE_CTRL_OFF_FAULT, sizeof(fault));
	if (fault.count != edev->fault_count_seen) {
		WRITE_ONCE(edev->fault_count_seen, fault.count);
		dev_info_ratelimited(edev->drm.dev, "MMU fault: ctx %u %s at 0x%llx (%s), job failed; %u faults so far\n",
				     fault.ctx_id,
				     fault.access == EYRIE_ACCESS_WRITE ? "write" : "read",
				     fault.addr, eyrie_job_status_name(fault.reason), fault.count);
		eyrie_genl_event(edev, EYRIE_EVENT_MMU_FAULT, fault.ctx_id, fault.addr);
	}
	drm_dev_exit(idx);
}
