// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: contexts. Every open file of /dev/accel/accelN gets one:
 * its own device address space (page tables + VA allocator), its scheduler
 * entities (normal and high priority), its job records and its usage totals.
 *
 * A context is reference counted: the file holds one reference and every
 * job another, so page tables outlive the file while jobs still run.
 *
 * A context in turn holds a reference on the DRM device. Without it, the
 * last file closing after an unbind released the device (drm_sched_fini,
 * which in 6.12 drops the jobs still on its pending list; the GEM mmap
 * offset manager, whose drm_mm_takedown() warns about every BO still
 * alive) while a job of that file, and through it the context and its BOs,
 * was still queued. So: jobs hold contexts, contexts hold the device, and
 * the device goes last. The final drm_dev_put() may run the device release
 * (drm_sched_fini), so it never runs on a scheduler's own workqueue (where
 * free_job drops the last job of a context) but on eyrie_ctx_wq, which
 * module exit drains.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>

#include "eyrie_drv.h"

static struct workqueue_struct *eyrie_ctx_wq;
static atomic_t eyrie_ctx_alive = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(eyrie_ctx_gone);

int eyrie_ctx_module_init(void)
{
	eyrie_ctx_wq = alloc_workqueue("eyrie-ctx", WQ_UNBOUND, 0);
	return eyrie_ctx_wq ? 0 : -ENOMEM;
}

/*
 * After the PCI driver is gone: contexts whose files closed may still wait
 * for their last jobs (removal aborted what was on the rings; queued jobs
 * fail in run_job), and their release runs module code.
 */
void eyrie_ctx_module_exit(void)
{
	while (!wait_event_timeout(eyrie_ctx_gone, !atomic_read(&eyrie_ctx_alive), 10 * HZ))
		pr_info("eyrie: waiting for %d contexts whose jobs have not ended\n",
			atomic_read(&eyrie_ctx_alive));
	destroy_workqueue(eyrie_ctx_wq);
}

struct eyrie_ctx *eyrie_ctx_create(struct eyrie_device *edev)
{
	struct eyrie_ctx *ctx;
	unsigned int q;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	kref_init(&ctx->ref);
	ctx->edev = edev;
	ctx->pid = task_tgid_nr(current);
	get_task_comm(ctx->comm, current);
	mutex_init(&ctx->lock);
	mutex_init(&ctx->submit_lock);
	spin_lock_init(&ctx->rec_lock);
	INIT_LIST_HEAD(&ctx->mappings);
	INIT_LIST_HEAD(&ctx->zombies);
	drm_mm_init(&ctx->mm, EYRIE_VA_START, EYRIE_VA_END - EYRIE_VA_START);
	/* Mapped BOs are pinned: by default no context may pin more than half of RAM. */
	ctx->mem_limit = eyrie_ctx_mem_limit_mb ? (u64)eyrie_ctx_mem_limit_mb << 20 :
			 (u64)totalram_pages() << (PAGE_SHIFT - 1);

	ctx->records = kvcalloc(EYRIE_JOB_RECORDS, sizeof(*ctx->records), GFP_KERNEL);
	if (!ctx->records) {
		ret = -ENOMEM;
		goto err_mm;
	}
	ret = eyrie_mmu_init(&ctx->mmu, edev->drm.dev);
	if (ret)
		goto err_records;

	/* Context 0 is never handed out: the device reports it for "none". */
	ret = xa_alloc(&edev->contexts, &ctx->id, ctx, XA_LIMIT(1, U16_MAX), GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_mmu;
	}

	for (q = 0; q < EYRIE_SCHED_QUEUES; q++) {
		struct drm_gpu_scheduler *sched = &edev->queue[min(q, edev->num_queues - 1)].sched;
		enum drm_sched_priority prio = q == DRM_EYRIE_QUEUE_HIGH ?
			DRM_SCHED_PRIORITY_HIGH : DRM_SCHED_PRIORITY_NORMAL;

		ret = drm_sched_entity_init(&ctx->entity[q], prio, &sched, 1, NULL);
		if (ret)
			goto err_entities;
	}
	drm_dev_get(&edev->drm);
	atomic_inc(&eyrie_ctx_alive);
	return ctx;

err_entities:
	while (q--)
		drm_sched_entity_destroy(&ctx->entity[q]);
	xa_erase(&edev->contexts, ctx->id);
err_mmu:
	eyrie_mmu_fini(&ctx->mmu);
err_records:
	kvfree(ctx->records);
err_mm:
	drm_mm_takedown(&ctx->mm);
	kfree(ctx);
	return ERR_PTR(ret);
}

/*
 * At file close: waits for queued jobs (or kills them if the process is
 * being killed) and detaches the context from the schedulers.
 */
void eyrie_ctx_destroy_entities(struct eyrie_ctx *ctx)
{
	unsigned int q;

	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		drm_sched_entity_destroy(&ctx->entity[q]);
}

void eyrie_ctx_get(struct eyrie_ctx *ctx)
{
	kref_get(&ctx->ref);
}

static void eyrie_bo_map_free(struct eyrie_bo_map *map)
{
	unsigned int q;

	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		dma_fence_put(map->busy[q]);
	drm_gem_object_put(map->obj);
	kfree(map);
}

static bool eyrie_bo_map_idle(const struct eyrie_bo_map *map)
{
	unsigned int q;

	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		if (map->busy[q] && !dma_fence_is_signaled(map->busy[q]))
			return false;
	return true;
}

/* Caller holds ctx->lock: removes the mapping from the device MMU. */
static void eyrie_bo_map_remove(struct eyrie_ctx *ctx, struct eyrie_bo_map *map)
{
	eyrie_mmu_unmap(&ctx->mmu, map->node.start, map->size);
	drm_mm_remove_node(&map->node);
	ctx->mem_used -= map->size;
}

/*
 * Unmaps the BOs whose handles closed once the jobs that were queued at
 * that moment have finished (all == true: unconditionally, at release).
 */
static void eyrie_ctx_reap(struct eyrie_ctx *ctx, bool all)
{
	struct eyrie_bo_map *map, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&ctx->lock);
	list_for_each_entry_safe(map, tmp, &ctx->zombies, link) {
		if (!all && !eyrie_bo_map_idle(map))
			continue;
		eyrie_bo_map_remove(ctx, map);
		list_move_tail(&map->link, &dead);
	}
	mutex_unlock(&ctx->lock);

	list_for_each_entry_safe(map, tmp, &dead, link) {
		list_del(&map->link);
		eyrie_bo_map_free(map);
	}
}

void eyrie_ctx_reap_zombies(struct eyrie_ctx *ctx)
{
	if (!list_empty_careful(&ctx->zombies))
		eyrie_ctx_reap(ctx, false);
}

/*
 * The last handle of obj in this context closed. Jobs already queued may
 * still use the buffer by address: it stays mapped (and its pages pinned)
 * until they end; the context's later jobs cannot name it any more.
 * Caller holds ctx->lock and calls eyrie_ctx_reap_zombies() after unlocking.
 */
void eyrie_ctx_unmap_bo(struct eyrie_ctx *ctx, struct eyrie_bo_map *map)
{
	unsigned int q;

	lockdep_assert_held(&ctx->lock);
	/* Lock order: ctx->lock, then submit_lock (never the reverse). */
	mutex_lock(&ctx->submit_lock);
	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		map->busy[q] = dma_fence_get(ctx->last_finished[q]);
	mutex_unlock(&ctx->submit_lock);
	list_move_tail(&map->link, &ctx->zombies);
}

static void eyrie_ctx_put_work(struct work_struct *work)
{
	struct eyrie_ctx *ctx = container_of(work, struct eyrie_ctx, put_work);

	drm_dev_put(&ctx->edev->drm);
	kfree(ctx);
	if (atomic_dec_and_test(&eyrie_ctx_alive))
		wake_up_all(&eyrie_ctx_gone);
}

static void eyrie_ctx_release(struct kref *ref)
{
	struct eyrie_ctx *ctx = container_of(ref, struct eyrie_ctx, ref);
	struct eyrie_bo_map *map, *tmp;
	unsigned int i;

	/* First, so debugfs (which walks the xarray) never sees a dying context. */
	xa_erase(&ctx->edev->contexts, ctx->id);
	/* No job of this context is left: every zombie can go. */
	eyrie_ctx_reap(ctx, true);
	/* Handles are closed before the context dies; this is a safety net. */
	list_for_each_entry_safe(map, tmp, &ctx->mappings, link) {
		list_del(&map->link);
		eyrie_bo_map_remove(ctx, map);
		eyrie_bo_map_free(map);
	}
	for (i = 0; i < EYRIE_SCHED_QUEUES; i++)
		dma_fence_put(ctx->last_finished[i]);
	for (i = 0; i < EYRIE_JOB_RECORDS; i++)
		dma_fence_put(ctx->records[i].finished);
	kvfree(ctx->records);
	eyrie_mmu_fini(&ctx->mmu);
	drm_mm_takedown(&ctx->mm);
	mutex_destroy(&ctx->lock);
	mutex_destroy(&ctx->submit_lock);
	INIT_WORK(&ctx->put_work, eyrie_ctx_put_work);
	queue_work(eyrie_ctx_wq, &ctx->put_work);
}

void eyrie_ctx_put(struct eyrie_ctx *ctx)
{
	kref_put(&ctx->ref, eyrie_ctx_release);
}

/* Caller holds ctx->lock. */
struct eyrie_bo_map *eyrie_ctx_find_mapping(struct eyrie_ctx *ctx, struct drm_gem_object *obj)
{
	struct eyrie_bo_map *map;

	lockdep_assert_held(&ctx->lock);
	list_for_each_entry(map, &ctx->mappings, link)
		if (map->obj == obj)
			return map;
	return NULL;
}

/*
 * Returns a reference to the object whose mapping in ctx holds the whole
 * range [va, va + len), or NULL.
 */
struct drm_gem_object *eyrie_ctx_lookup_va(struct eyrie_ctx *ctx, u64 va, u64 len)
{
	struct drm_gem_object *found = NULL;
	struct eyrie_bo_map *map;

	mutex_lock(&ctx->lock);
	list_for_each_entry(map, &ctx->mappings, link) {
		u64 start = map->node.start;

		if (va >= start && va - start < map->size && len <= map->size - (va - start)) {
			found = map->obj;
			drm_gem_object_get(found);
			break;
		}
	}
	mutex_unlock(&ctx->lock);
	return found;
}
