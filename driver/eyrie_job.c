// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: job submission through the DRM GPU scheduler.
 *
 * One scheduler for the device's one engine; every context has one entity
 * per hardware queue (normal, high priority), the queue being the entity's
 * priority. The scheduler hands the device one job at a time
 * (EYRIE_JOBS_ON_DEVICE), so the high-priority queue overtakes at job
 * boundaries and a job's timeout counts its own run only: a job starved
 * behind the other queue waits in the scheduler, with no timer running,
 * and is never taken for a hang. A job waits on its in-syncobjs and on the
 * implicit fences of its BOs, runs on the queue, and its scheduler fence is
 * installed in the out-syncobj, in the BOs' reservation objects and in the
 * context's record ring, where DRM_IOCTL_EYRIE_WAIT finds it by seqno.
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_syncobj.h>

#include "eyrie_drv.h"

static void eyrie_job_release(struct kref *ref)
{
	struct eyrie_job *job = container_of(ref, struct eyrie_job, ref);
	struct eyrie_ctx *ctx = job->ctx;
	u32 i;

	/* A job that never reached the device (killed with its entity). */
	eyrie_job_release_maps(job);
	kvfree(job->maps);
	for (i = 0; i < job->bo_count; i++)
		if (job->bos[i])
			drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	if (job->cmdbuf_obj)
		drm_gem_object_put(job->cmdbuf_obj);
	dma_fence_put(job->hw_fence);
	kfree(job->fence_prealloc);
	kfree(job);

	atomic_dec(&ctx->jobs_inflight);
	eyrie_ctx_reap_zombies(ctx);
	eyrie_ctx_put(ctx);
}

static void eyrie_job_put(struct eyrie_job *job)
{
	kref_put(&job->ref, eyrie_job_release);
}

/*
 * Streaming DMA mappings (swiotlb bounce buffers, non-coherent platforms)
 * need ownership handed over: to the device before a job runs, back to the
 * CPU before its fence signals. Imported buffers are their exporter's to sync.
 */
static void eyrie_job_sync(struct eyrie_job *job, bool for_device)
{
	struct device *dev = job->edev->drm.dev;
	u32 i;

	for (i = 0; i <= job->bo_count; i++) {
		struct drm_gem_object *obj = i < job->bo_count ? job->bos[i] : job->cmdbuf_obj;
		struct drm_gem_shmem_object *shmem;

		if (!obj || obj->import_attach)
			continue;
		shmem = to_drm_gem_shmem_obj(obj);
		if (!shmem->sgt)
			continue;
		if (for_device)
			dma_sync_sgtable_for_device(dev, shmem->sgt, DMA_BIDIRECTIONAL);
		else
			dma_sync_sgtable_for_cpu(dev, shmem->sgt, DMA_BIDIRECTIONAL);
	}
}

void eyrie_job_sync_for_cpu(struct eyrie_job *job)
{
	eyrie_job_sync(job, false);
}

/*
 * The job has left the device, or will never reach it: its uses of its
 * mappings go (eyrie_ctx_unuse_maps()). Once per job: called when it
 * completes, when run_job refuses it, and at release for a job that was
 * never run; these never overlap.
 */
void eyrie_job_release_maps(struct eyrie_job *job)
{
	if (!job->maps_held)
		return;
	job->maps_held = false;
	eyrie_ctx_unuse_maps(job->ctx, job->maps, job->bo_count + 1);
}

static struct dma_fence *eyrie_sched_run_job(struct drm_sched_job *sched_job)
{
	struct eyrie_job *job = to_eyrie_job(sched_job);
	struct eyrie_device *edev = job->edev;
	struct eyrie_ctx *ctx = job->ctx;
	struct dma_fence *fence;
	int idx;

	/* Cancelled (killed entity, failed dependency) or banned: do not run. */
	if (unlikely(sched_job->s_fence->finished.error)) {
		fence = NULL;
		goto out_refused;
	}
	if (READ_ONCE(ctx->banned)) {
		fence = ERR_PTR(-ECANCELED);
		goto out_refused;
	}
	if (!drm_dev_enter(&edev->drm, &idx)) {
		fence = ERR_PTR(-ENODEV);
		goto out_refused;
	}
	if (!READ_ONCE(edev->ready)) {
		drm_dev_exit(idx);
		fence = ERR_PTR(-EIO);
		goto out_refused;
	}
	eyrie_job_sync(job, true);
	fence = eyrie_queue_submit(&edev->queue[min(job->queue, edev->num_queues - 1)], job);
	drm_dev_exit(idx);
	if (!IS_ERR(fence))
		return fence;
out_refused:
	/* Before the scheduler ends it: no later job may see what it used. */
	eyrie_job_release_maps(job);
	return fence;
}

static void eyrie_job_free_work(struct work_struct *work)
{
	eyrie_job_put(container_of(work, struct eyrie_job, free_work));
}

/*
 * Also called by drm_sched_stop() in the timeout handler, a fence
 * signalling path: the last put of a job may free BOs (reservation locks)
 * and unmap retired ones (ctx->lock), so it happens on a work item.
 */
static void eyrie_sched_free_job(struct drm_sched_job *sched_job)
{
	struct eyrie_job *job = to_eyrie_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	INIT_WORK(&job->free_work, eyrie_job_free_work);
	eyrie_ctx_queue_work(&job->free_work);
}

/*
 * The job on the device ran for job_timeout_ms. It is the only one there
 * (EYRIE_JOBS_ON_DEVICE), so it is not waiting behind anything: unless it
 * finished meanwhile, it hangs, and eyrie_device_reset() decides after
 * stopping the scheduler.
 */
static enum drm_gpu_sched_stat eyrie_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct eyrie_job *job = to_eyrie_job(sched_job);
	struct eyrie_device *edev = job->edev;
	int ret;

	ret = eyrie_device_reset(edev, job, "job timeout");
	return ret == -ENODEV ? DRM_GPU_SCHED_STAT_ENODEV : DRM_GPU_SCHED_STAT_NOMINAL;
}

static const struct drm_sched_backend_ops eyrie_sched_ops = {
	.run_job = eyrie_sched_run_job,
	.timedout_job = eyrie_sched_timedout_job,
	.free_job = eyrie_sched_free_job,
};

int eyrie_sched_init(struct eyrie_device *edev)
{
	struct drm_sched_init_args args = {
		.ops = &eyrie_sched_ops,
		.timeout_wq = edev->reset_wq,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = EYRIE_JOBS_ON_DEVICE,
		.timeout = msecs_to_jiffies(eyrie_job_timeout_ms),
		.name = "eyrie",
		.dev = edev->drm.dev,
	};
	int ret;

	ret = drm_sched_init(&edev->sched, &args);
	if (ret)
		eyrie_err(edev, "cannot create the scheduler: %d\n", ret);
	return ret;
}

void eyrie_sched_fini(struct eyrie_device *edev)
{
	drm_sched_fini(&edev->sched);
}

/* Adds the in-syncobjs as dependencies; an unknown handle is -ENOENT. */
static int eyrie_job_add_in_syncobjs(struct eyrie_job *job, struct drm_file *file,
				     u64 user_ptr, u32 count)
{
	u32 __user *handles = u64_to_user_ptr(user_ptr);
	u32 i, handle;
	int ret;

	for (i = 0; i < count; i++) {
		struct drm_syncobj *syncobj;
		struct dma_fence *fence;

		if (get_user(handle, handles + i))
			return -EFAULT;
		syncobj = drm_syncobj_find(file, handle);
		if (!syncobj)
			return -ENOENT;
		/* A syncobj with no fence yet counts as signalled (docs/uapi.md). */
		fence = drm_syncobj_fence_get(syncobj);
		drm_syncobj_put(syncobj);
		if (!fence)
			continue;
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Caller holds ctx->lock: finds the live mapping of every BO the job lists
 * and of its command buffer. A handle closed since the lookup has none:
 * -ENOENT (and -EINVAL for commands no longer inside a mapped BO), so no
 * job can use a BO whose entries may go.
 */
static int eyrie_job_find_maps(struct eyrie_job *job)
{
	struct eyrie_ctx *ctx = job->ctx;
	u32 i;

	lockdep_assert_held(&ctx->lock);
	for (i = 0; i < job->bo_count; i++) {
		job->maps[i] = eyrie_ctx_find_mapping(ctx, job->bos[i]);
		if (!job->maps[i]) {
			drm_dbg_driver(&job->edev->drm, "ctx %u: BO %u of the job is closed\n",
				       ctx->id, i);
			return -ENOENT;
		}
	}
	job->maps[i] = eyrie_ctx_find_va(ctx, job->cmdbuf_addr,
					 (u64)job->cmd_count * EYRIE_CMD_SIZE);
	if (!job->maps[i] || job->maps[i]->obj != job->cmdbuf_obj)
		return -EINVAL;
	return 0;
}

static int eyrie_submit_check(struct eyrie_device *edev, const struct drm_eyrie_submit *args)
{
	u32 max_cmds = edev->desc.max_cmds_per_job ?: EYRIE_DEFAULT_MAX_CMDS;
	u64 len;

	if (args->flags || args->queue > DRM_EYRIE_QUEUE_HIGH)
		return -EINVAL;
	/*
	 * The high-priority queue overtakes everyone's normal jobs, so it is
	 * for the privileged, as a raised nice value is (amdgpu's rule).
	 */
	if (args->queue == DRM_EYRIE_QUEUE_HIGH && !capable(CAP_SYS_NICE))
		return -EPERM;
	if (!args->cmd_count || args->cmd_count > max_cmds)
		return -EINVAL;
	if (!IS_ALIGNED(args->cmdbuf_addr, 8))
		return -EINVAL;
	len = (u64)args->cmd_count * EYRIE_CMD_SIZE;
	if (args->cmdbuf_addr < EYRIE_VA_START || args->cmdbuf_addr >= EYRIE_VA_END ||
	    len > EYRIE_VA_END - args->cmdbuf_addr)
		return -EINVAL;
	if (args->bo_count > EYRIE_MAX_JOB_BOS || args->in_syncobj_count > EYRIE_MAX_JOB_SYNCOBJS)
		return -EINVAL;
	return 0;
}

int eyrie_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct eyrie_device *edev = to_eyrie(drm);
	struct eyrie_ctx *ctx = file->driver_priv;
	struct drm_eyrie_submit *args = data;
	struct drm_syncobj *out_sync = NULL;
	struct ww_acquire_ctx acquire_ctx;
	struct eyrie_job_record *rec;
	struct dma_fence *finished, *done;
	struct eyrie_bo_map *map;
	struct eyrie_job *job;
	bool locked = false;
	unsigned long flags;
	u32 i;
	int ret;

	ret = eyrie_submit_check(edev, args);
	if (ret)
		return ret;
	if (READ_ONCE(ctx->banned))
		return -ECANCELED;
	/* Down: wedged (debugfs queues says so) or its firmware did not boot. */
	if (!READ_ONCE(edev->ready))
		return -EIO;

	if (args->out_syncobj) {
		out_sync = drm_syncobj_find(file, args->out_syncobj);
		if (!out_sync)
			return -ENOENT;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job) {
		ret = -ENOMEM;
		goto out_sync;
	}
	kref_init(&job->ref);
	job->edev = edev;
	job->ctx = ctx;
	eyrie_ctx_get(ctx);
	atomic_inc(&ctx->jobs_inflight);
	job->fence_prealloc = eyrie_fence_alloc();
	if (!job->fence_prealloc) {
		ret = -ENOMEM;
		goto err_put_job;
	}
	job->queue = args->queue;
	job->cmdbuf_addr = args->cmdbuf_addr;
	job->cmd_count = args->cmd_count;

	if (args->bo_count) {
		ret = drm_gem_objects_lookup(file, u64_to_user_ptr(args->bo_handles),
					     args->bo_count, &job->bos);
		job->bo_count = job->bos ? args->bo_count : 0;
		if (ret)
			goto err_put_job;
	}
	job->maps = kvcalloc(job->bo_count + 1, sizeof(*job->maps), GFP_KERNEL_ACCOUNT);
	if (!job->maps) {
		ret = -ENOMEM;
		goto err_put_job;
	}
	mutex_lock(&ctx->lock);
	map = eyrie_ctx_find_va(ctx, args->cmdbuf_addr, (u64)args->cmd_count * EYRIE_CMD_SIZE);
	if (map) {
		job->cmdbuf_obj = map->obj;
		drm_gem_object_get(job->cmdbuf_obj);
	}
	mutex_unlock(&ctx->lock);
	if (!job->cmdbuf_obj) {
		drm_dbg_driver(drm, "ctx %u: commands 0x%llx+%u are not inside one mapped BO\n",
			       ctx->id, args->cmdbuf_addr, args->cmd_count);
		ret = -EINVAL;
		goto err_put_job;
	}

	ret = drm_sched_job_init(&job->base, &ctx->entity[args->queue], 1, ctx,
				 file->client_id);
	if (ret)
		goto err_put_job;

	ret = eyrie_job_add_in_syncobjs(job, file, args->in_syncobjs, args->in_syncobj_count);
	if (ret)
		goto err_cleanup;

	if (job->bo_count) {
		ret = drm_gem_lock_reservations(job->bos, job->bo_count, &acquire_ctx);
		if (ret)
			goto err_cleanup;
		locked = true;
		for (i = 0; i < job->bo_count; i++) {
			ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
			if (ret)
				goto err_unlock;
			ret = drm_sched_job_add_implicit_dependencies(&job->base, job->bos[i],
								      true);
			if (ret)
				goto err_unlock;
		}
	}

	/* ctx->lock: the job takes its uses of live mappings, or fails. */
	mutex_lock(&ctx->lock);
	ret = eyrie_job_find_maps(job);
	if (ret) {
		mutex_unlock(&ctx->lock);
		goto err_unlock;
	}
	mutex_lock(&ctx->submit_lock);
	rec = &ctx->records[(ctx->last_seqno + 1) % EYRIE_JOB_RECORDS];
	if (rec->finished && !dma_fence_is_signaled(rec->finished)) {
		/* EYRIE_JOB_RECORDS jobs of this context are still unfinished. */
		mutex_unlock(&ctx->submit_lock);
		mutex_unlock(&ctx->lock);
		ret = -EBUSY;
		goto err_unlock;
	}
	job->seqno = ++ctx->last_seqno;
	drm_sched_job_arm(&job->base);
	finished = dma_fence_get(&job->base.s_fence->finished);
	done = dma_fence_get(finished);

	spin_lock_irqsave(&ctx->rec_lock, flags);
	swap(rec->finished, finished);
	rec->seqno = job->seqno;
	rec->done = false;
	memset(&rec->result, 0, sizeof(rec->result));
	spin_unlock_irqrestore(&ctx->rec_lock, flags);
	dma_fence_put(finished);	/* the previous occupant's */

	dma_fence_put(ctx->last_finished[args->queue]);
	ctx->last_finished[args->queue] = dma_fence_get(done);
	eyrie_ctx_use_maps(ctx, job->maps, job->bo_count + 1);
	job->maps_held = true;
	atomic64_inc(&ctx->jobs_submitted);
	kref_get(&job->ref);	/* dropped by free_job */
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&ctx->submit_lock);
	mutex_unlock(&ctx->lock);

	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, done, DMA_RESV_USAGE_WRITE);
	if (locked)
		drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire_ctx);
	if (out_sync)
		drm_syncobj_replace_fence(out_sync, done);
	dma_fence_put(done);
	args->seqno = job->seqno;
	eyrie_job_put(job);
	goto out_sync;

err_unlock:
	if (locked)
		drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire_ctx);
err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_put_job:
	eyrie_job_put(job);
out_sync:
	if (out_sync)
		drm_syncobj_put(out_sync);
	return ret;
}

int eyrie_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct eyrie_ctx *ctx = file->driver_priv;
	struct drm_eyrie_wait *args = data;
	struct eyrie_job_record *rec;
	struct eyrie_job_result res;
	struct dma_fence *fence;
	unsigned long flags;
	bool done, same;
	s64 timeout_ns, now, deadline;
	int error;
	long left;

	if (args->flags & ~DRM_EYRIE_WAIT_ABSOLUTE || args->timeout_ns < 0)
		return -EINVAL;
	now = ktime_get_ns();
	if (args->flags & DRM_EYRIE_WAIT_ABSOLUTE)
		deadline = args->timeout_ns;
	else
		deadline = args->timeout_ns > S64_MAX - now ? S64_MAX : now + args->timeout_ns;
	timeout_ns = max_t(s64, 0, deadline - now);
	if (!args->seqno || args->seqno > READ_ONCE(ctx->last_seqno))
		return -EINVAL;

	rec = &ctx->records[args->seqno % EYRIE_JOB_RECORDS];
	spin_lock_irqsave(&ctx->rec_lock, flags);
	fence = rec->seqno == args->seqno ? dma_fence_get(rec->finished) : NULL;
	spin_unlock_irqrestore(&ctx->rec_lock, flags);
	if (!fence)
		return -ENOENT;	/* older than the record window */

	if (timeout_ns == 0) {
		left = dma_fence_is_signaled(fence) ? 1 : 0;
	} else {
		/*
		 * The deadline is the monotonic clock's: jiffies may lag when
		 * the wait starts (a loaded virtual machine missed ticks) and
		 * catch up in a jump, which fires the timeout early, so a wait
		 * that timed out early waits again for what is left.
		 */
		do {
			u64 j = nsecs_to_jiffies64(timeout_ns) + 1;

			left = dma_fence_wait_timeout(fence, true,
						      j >= MAX_SCHEDULE_TIMEOUT ?
						      MAX_SCHEDULE_TIMEOUT : j);
			if (left == 0)
				timeout_ns = deadline - (s64)ktime_get_ns();
		} while (left == 0 && timeout_ns > 0);
	}
	/*
	 * dma_fence_default_wait() reports a timeout when its last sleep ran
	 * out even if the fence signalled during it: a finished job is not
	 * a timeout.
	 */
	if (left == 0 && dma_fence_is_signaled(fence))
		left = 1;
	/* Why it ended without the device's word: cancelled, removed, down. */
	error = left > 0 ? dma_fence_get_status(fence) : 0;
	dma_fence_put(fence);
	if (left < 0)
		return left;
	if (left == 0)
		return -ETIME;

	spin_lock_irqsave(&ctx->rec_lock, flags);
	same = rec->seqno == args->seqno;
	done = same && rec->done;
	res = rec->result;
	spin_unlock_irqrestore(&ctx->rec_lock, flags);
	if (!same)
		return -ENOENT;
	if (!done) {
		/* Finished without reaching the device: cancelled or aborted. */
		memset(&res, 0, sizeof(res));
		res.status = EYRIE_JOB_ERR_ABORTED;
		res.err_cmd_index = EYRIE_CMD_INDEX_NONE;
		args->error = error < 0 ? error : -ECANCELED;
	} else {
		args->error = res.status == EYRIE_JOB_OK ? 0 :
			      res.status == EYRIE_JOB_ERR_TIMEOUT ? -ETIMEDOUT :
			      res.status == EYRIE_JOB_ERR_ABORTED ? -ECANCELED : -EIO;
	}
	args->pad = 0;
	args->status = res.status;
	args->err_cmd_index = res.err_cmd_index;
	args->err_detail = res.err_detail;
	args->cycles = res.cycles;
	args->energy_fj = res.energy_fj;
	args->start_ns = res.start_ns;
	args->end_ns = res.end_ns;
	return 0;
}
