// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: NVMe-style queues.
 *
 * Each hardware queue is a submission ring and a completion ring of 64-byte
 * entries in host memory. The driver writes an SQE, moves sq_tail in the
 * control page and rings doorbell 1 + q; the device writes a CQE whose phase
 * bit flips on every wrap and raises MSI-X 1 + q. The tag of an SQE names
 * the ring slot and the queue generation, so completions that arrive after
 * a reset (stale generation) are recognised and dropped.
 */
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "eyrie_drv.h"

#define EYRIE_QREG(q, field) \
	(EYRIE_CTRL_OFF_QUEUES + (q) * sizeof(struct eyrie_hw_queue_regs) + \
	 offsetof(struct eyrie_hw_queue_regs, field))

struct eyrie_fence {
	struct dma_fence base;
	unsigned int queue;
};

static const char *eyrie_fence_driver_name(struct dma_fence *fence)
{
	return EYRIE_DRIVER_NAME;
}

static const char *eyrie_fence_timeline_name(struct dma_fence *fence)
{
	struct eyrie_fence *f = container_of(fence, struct eyrie_fence, base);

	return f->queue == DRM_EYRIE_QUEUE_HIGH ? "eyrie-high" : "eyrie-normal";
}

static const struct dma_fence_ops eyrie_fence_ops = {
	.get_driver_name = eyrie_fence_driver_name,
	.get_timeline_name = eyrie_fence_timeline_name,
};

int eyrie_queues_init(struct eyrie_device *edev)
{
	struct device *dev = edev->drm.dev;
	u32 entries = roundup_pow_of_two(clamp(eyrie_queue_entries, 4u, 4096u));
	unsigned int i;

	if (edev->desc.queue_max_entries && edev->desc.queue_max_entries < entries)
		entries = rounddown_pow_of_two(edev->desc.queue_max_entries);
	if (entries < 2) {
		eyrie_err(edev, "device allows %u queue entries, at least 2 are needed\n",
			  edev->desc.queue_max_entries);
		return -ENODEV;
	}

	for (i = 0; i < edev->num_queues; i++) {
		struct eyrie_queue *q = &edev->queue[i];

		q->edev = edev;
		q->index = i;
		snprintf(q->name, sizeof(q->name), "eyrie-%s", i ? "high" : "normal");
		spin_lock_init(&q->lock);
		spin_lock_init(&q->fence_lock);
		q->entries = entries;
		/* A stray interrupt before the rings are enabled finds no CQE to take. */
		q->phase = EYRIE_CQE_F_PHASE;
		q->sq = dmam_alloc_coherent(dev, entries * sizeof(*q->sq), &q->sq_dma, GFP_KERNEL);
		q->cq = dmam_alloc_coherent(dev, entries * sizeof(*q->cq), &q->cq_dma, GFP_KERNEL);
		q->inflight = devm_kcalloc(dev, entries, sizeof(*q->inflight), GFP_KERNEL);
		if (!q->sq || !q->cq || !q->inflight)
			return -ENOMEM;
		q->fence_context = dma_fence_context_alloc(1);
	}
	return 0;
}

/* Programs the rings into a READY device and enables the queues. */
int eyrie_queues_enable(struct eyrie_device *edev)
{
	unsigned int i;

	for (i = 0; i < edev->num_queues; i++) {
		struct eyrie_queue *q = &edev->queue[i];
		unsigned long flags;

		spin_lock_irqsave(&q->lock, flags);
		memset(q->sq, 0, q->entries * sizeof(*q->sq));
		memset(q->cq, 0, q->entries * sizeof(*q->cq));
		q->sq_tail = 0;
		q->cq_head = 0;
		q->phase = EYRIE_CQE_F_PHASE;
		q->generation++;
		spin_unlock_irqrestore(&q->lock, flags);

		eyrie_ctrl_write64(edev, EYRIE_QREG(i, sq_base), q->sq_dma);
		eyrie_ctrl_write64(edev, EYRIE_QREG(i, cq_base), q->cq_dma);
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, log2_entries), ilog2(q->entries));
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, priority), i);
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, sq_tail), 0);
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, cq_head), 0);
		wmb();	/* ring registers before the enable bit */
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, ctl), EYRIE_QUEUE_CTL_ENABLE);
	}
	return 0;
}

void eyrie_queues_disable(struct eyrie_device *edev)
{
	unsigned int i;

	for (i = 0; i < edev->num_queues; i++)
		eyrie_ctrl_write32(edev, EYRIE_QREG(i, ctl), 0);
}

/*
 * The hardware fence is allocated at SUBMIT: run_job is on the fence
 * signalling path, where an allocation that waits for reclaim could wait
 * for this very fence.
 */
void *eyrie_fence_alloc(void)
{
	return kzalloc(sizeof(struct eyrie_fence), GFP_KERNEL);
}

/* Called from the scheduler's run_job: writes the SQE and rings the bell. */
struct dma_fence *eyrie_queue_submit(struct eyrie_queue *q, struct eyrie_job *job)
{
	struct eyrie_device *edev = q->edev;
	struct eyrie_fence *fence;
	struct eyrie_hw_sqe *sqe;
	unsigned long flags;
	u32 slot;

	/* A job run again after a reset needs a second fence: rare, no waiting. */
	fence = job->fence_prealloc ?: kzalloc(sizeof(*fence), GFP_NOWAIT | __GFP_NOWARN);
	if (!fence)
		return ERR_PTR(-ENOMEM);
	job->fence_prealloc = NULL;
	fence->queue = q->index;

	spin_lock_irqsave(&q->lock, flags);
	slot = q->sq_tail;
	if (q->inflight[slot] || job->hw_fence) {
		/* The scheduler's credit limit makes this impossible. */
		spin_unlock_irqrestore(&q->lock, flags);
		job->fence_prealloc = fence;
		return ERR_PTR(-EBUSY);
	}
	dma_fence_init(&fence->base, &eyrie_fence_ops, &q->fence_lock,
		       q->fence_context, ++q->fence_seqno);
	job->hw_fence = dma_fence_get(&fence->base);
	job->slot = slot;
	job->run_start = ktime_get();

	sqe = &q->sq[slot];
	memset(sqe, 0, sizeof(*sqe));
	sqe->tag = (u64)q->generation << 32 | slot;
	sqe->cmdbuf_addr = job->cmdbuf_addr;
	sqe->pt_root = job->ctx->mmu.root->dma;
	sqe->cmd_count = job->cmd_count;
	sqe->ctx_id = job->ctx->id;
	q->inflight[slot] = job;
	q->inflight_count++;
	q->submitted++;
	q->sq_tail = (slot + 1) & (q->entries - 1);
	dma_wmb();	/* the entry before the tail that publishes it */
	eyrie_ctrl_write32(edev, EYRIE_QREG(q->index, sq_tail), q->sq_tail);
	spin_unlock_irqrestore(&q->lock, flags);

	eyrie_doorbell(edev, EYRIE_VECTOR_QUEUE(q->index));
	return &fence->base;
}

/*
 * Records the outcome of a job that left the device, hands its buffers
 * back to the CPU, lets go of its mappings and signals its hardware fence.
 * Runs with q->lock dropped (the sync may copy bounce buffers), in task
 * context: the queue's IRQ thread or recovery, on jobs already off the ring.
 */
static void eyrie_job_complete(struct eyrie_job *job)
{
	struct eyrie_ctx *ctx = job->ctx;
	struct eyrie_job_record *rec = &ctx->records[job->seqno % EYRIE_JOB_RECORDS];
	struct eyrie_job_result r = job->result;
	unsigned long flags;

	if (READ_ONCE(job->timed_out))
		r.status = EYRIE_JOB_ERR_TIMEOUT;

	spin_lock_irqsave(&ctx->rec_lock, flags);
	if (rec->seqno == job->seqno) {
		rec->result = r;
		rec->done = true;
	}
	spin_unlock_irqrestore(&ctx->rec_lock, flags);

	if (r.status == EYRIE_JOB_OK)
		atomic64_inc(&ctx->jobs_completed);
	else
		atomic64_inc(&ctx->jobs_failed);
	atomic64_add(r.cycles, &ctx->cycles);
	atomic64_add(r.energy_fj, &ctx->energy_fj);
	if (r.end_ns > r.start_ns)
		atomic64_add(r.end_ns - r.start_ns, &ctx->busy_ns);
	atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), job->run_start)),
		     &ctx->engine_ns[job->queue]);

	/* What the device wrote is the CPU's again before anyone learns it ended. */
	eyrie_job_sync_for_cpu(job);
	/*
	 * The device is done with the job: a BO whose handle closed meanwhile
	 * loses its entries now, before the fence lets the next job start.
	 */
	eyrie_job_release_maps(job);
	if (r.status != EYRIE_JOB_OK)
		dma_fence_set_error(job->hw_fence, r.status == EYRIE_JOB_ERR_TIMEOUT ?
				    -ETIMEDOUT : r.status == EYRIE_JOB_ERR_ABORTED ?
				    -ECANCELED : -EIO);
	dma_fence_signal(job->hw_fence);
}

/* Completes the jobs that eyrie_queue_process_cq() took off a ring. */
void eyrie_jobs_complete(struct list_head *done)
{
	struct eyrie_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, done, done_link) {
		list_del(&job->done_link);
		eyrie_job_complete(job);
	}
}

/* Takes the job in slot off the ring onto done; caller holds q->lock. */
static void eyrie_queue_take(struct eyrie_queue *q, u32 slot, struct list_head *done)
{
	struct eyrie_job *job = q->inflight[slot];

	q->inflight[slot] = NULL;
	q->inflight_count--;
	list_add_tail(&job->done_link, done);
}

/*
 * Consumes every CQE whose phase matches, moving the jobs they complete
 * onto done (caller holds q->lock, and calls eyrie_jobs_complete() on done
 * after dropping it).
 */
void eyrie_queue_process_cq(struct eyrie_queue *q, struct list_head *done)
{
	unsigned int n = 0;

	lockdep_assert_held(&q->lock);
	for (;;) {
		struct eyrie_hw_cqe *cqe = &q->cq[q->cq_head];
		struct eyrie_job *job = NULL;
		u64 tag;
		u32 slot;

		if ((READ_ONCE(cqe->flags) & EYRIE_CQE_F_PHASE) != q->phase)
			break;
		dma_rmb();	/* phase before the payload */
		tag = cqe->tag;
		slot = lower_32_bits(tag);
		if (upper_32_bits(tag) == q->generation && slot < q->entries)
			job = q->inflight[slot];
		if (job) {
			job->result.status = cqe->status;
			job->result.err_cmd_index = cqe->err_cmd_index;
			job->result.err_detail = cqe->err_detail;
			job->result.cycles = cqe->cycles;
			job->result.energy_fj = cqe->energy_fj;
			job->result.start_ns = cqe->start_ns;
			job->result.end_ns = cqe->end_ns;
			q->completed++;
			eyrie_queue_take(q, slot, done);
		} else {
			q->stale_cqes++;
		}
		if (++q->cq_head == q->entries) {
			q->cq_head = 0;
			q->phase ^= EYRIE_CQE_F_PHASE;
		}
		n++;
	}
	if (n)
		eyrie_ctrl_write32(q->edev, EYRIE_QREG(q->index, cq_head), q->cq_head);
}

/*
 * Empties the rings after the device stopped (reset or removal): what
 * completed is reported, every other job completes with ABORTED (the one
 * that hung with TIMEOUT). Nothing is run again: a job's side effects may
 * have happened in part (upstream's advice: abort on reset).
 */
void eyrie_queue_abort_all(struct eyrie_queue *q)
{
	unsigned long flags;
	LIST_HEAD(done);
	u32 slot;

	spin_lock_irqsave(&q->lock, flags);
	eyrie_queue_process_cq(q, &done);
	for (slot = 0; slot < q->entries; slot++) {
		struct eyrie_job *job = q->inflight[slot];

		if (!job)
			continue;
		memset(&job->result, 0, sizeof(job->result));
		job->result.status = EYRIE_JOB_ERR_ABORTED;
		job->result.err_cmd_index = EYRIE_CMD_INDEX_NONE;
		q->aborted++;
		eyrie_queue_take(q, slot, &done);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	eyrie_jobs_complete(&done);
}

/*
 * The completion interrupt's hard half only counts it and wakes the queue's
 * IRQ thread: completing a job syncs its buffers for the CPU and clears the
 * entries of its closed BOs, O(pages) work that has no place in hard-IRQ
 * context (ivpu and panfrost complete jobs from a threaded handler too).
 * A vector raised again while the thread runs makes it run once more, so no
 * CQE is left behind; synchronize_irq() and disable_irq() wait for the
 * thread as well, which recovery and removal rely on.
 */
irqreturn_t eyrie_queue_irq(int irq, void *arg)
{
	struct eyrie_queue *q = arg;

	spin_lock(&q->lock);
	q->irqs++;
	spin_unlock(&q->lock);
	return IRQ_WAKE_THREAD;
}

/* The queue's IRQ thread: consumes the CQ and completes the jobs, in CQ order. */
irqreturn_t eyrie_queue_irq_thread(int irq, void *arg)
{
	struct eyrie_queue *q = arg;
	LIST_HEAD(done);

	spin_lock_irq(&q->lock);
	q->irq_thread_runs++;
	eyrie_queue_process_cq(q, &done);
	spin_unlock_irq(&q->lock);
	eyrie_jobs_complete(&done);
	return IRQ_HANDLED;
}

/*
 * Vector 0: a mailbox command finished, or the device recorded an event
 * (MMU fault, thermal change). The event work looks at the fault block and
 * the telemetry flags; it is cheap when nothing changed.
 */
irqreturn_t eyrie_admin_irq(int irq, void *arg)
{
	struct eyrie_device *edev = arg;

	wake_up_all(&edev->mbox_wq);
	/* Only between a successful probe and removal: the work needs edev. */
	if (READ_ONCE(edev->events_enabled))
		schedule_work(&edev->event_work);
	return IRQ_HANDLED;
}
