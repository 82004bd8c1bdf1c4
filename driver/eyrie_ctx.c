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
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>

#include "eyrie_drv.h"

static struct workqueue_struct *eyrie_ctx_wq;
static atomic_t eyrie_ctx_alive = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(eyrie_ctx_gone);
/* Counting a user's contexts and taking an ID is one step. */
static DEFINE_MUTEX(eyrie_ctx_id_lock);
/* Bytes of our BOs pinned, over every device, until the BOs are freed. */
static atomic64_t eyrie_pinned = ATOMIC64_INIT(0);

static u64 eyrie_pin_limit(void)
{
	return eyrie_pin_limit_mb ? (u64)eyrie_pin_limit_mb << 20 :
	       (u64)totalram_pages() << (PAGE_SHIFT - 1);
}

/*
 * Caller holds ctx->lock: accounts a mapping of size bytes in the context
 * (mem_used, what QUERY reports), against its limit. What the pages pin is
 * charged per BO (eyrie_pin_charge()).
 */
int eyrie_ctx_pin(struct eyrie_ctx *ctx, u64 size)
{
	lockdep_assert_held(&ctx->lock);
	if (ctx->mem_used + size > ctx->mem_limit) {
		drm_dbg_driver(&ctx->edev->drm,
			       "ctx %u: %llu + %llu bytes mapped exceed the limit of %llu (ctx_mem_limit_mb)\n",
			       ctx->id, ctx->mem_used, size, ctx->mem_limit);
		return -EDQUOT;
	}
	ctx->mem_used += size;
	return 0;
}

void eyrie_ctx_unpin(struct eyrie_ctx *ctx, u64 size)
{
	ctx->mem_used -= size;
}

/*
 * Charges size bytes a BO is about to pin, before they are pinned: to the
 * context that maps it first (ctx_mem_limit_mb) and to all BOs together
 * (pin_limit_mb). The charge stays with the BO until it is freed, since
 * its pages stay pinned as long (eyrie_gem.c), so neither limit is given
 * back by closing a handle while an mmap or a dma-buf keeps the BO.
 */
int eyrie_pin_charge(struct eyrie_ctx *ctx, u64 size)
{
	struct eyrie_pin_account *pins = ctx->pins;

	if (atomic64_add_return(size, &pins->bytes) > pins->limit) {
		atomic64_sub(size, &pins->bytes);
		drm_dbg_driver(&ctx->edev->drm,
			       "ctx %u: %llu bytes would pass the limit on what its BOs pin (ctx_mem_limit_mb)\n",
			       ctx->id, size);
		return -EDQUOT;
	}
	if (atomic64_add_return(size, &eyrie_pinned) > eyrie_pin_limit()) {
		atomic64_sub(size, &eyrie_pinned);
		atomic64_sub(size, &pins->bytes);
		drm_dbg_driver(&ctx->edev->drm,
			       "ctx %u: %llu bytes would pass the limit over all BOs (pin_limit_mb)\n",
			       ctx->id, size);
		return -EDQUOT;
	}
	return 0;
}

void eyrie_pin_uncharge(struct eyrie_pin_account *pins, u64 size)
{
	atomic64_sub(size, &pins->bytes);
	atomic64_sub(size, &eyrie_pinned);
}

void eyrie_pin_account_get(struct eyrie_pin_account *pins)
{
	refcount_inc(&pins->ref);
}

void eyrie_pin_account_put(struct eyrie_pin_account *pins)
{
	if (refcount_dec_and_test(&pins->ref))
		kfree(pins);
}

/*
 * Whom contexts_per_user charges for the caller: its uid in the initial
 * user namespace; inside user namespaces, the owner of the outermost one
 * that root did not create. A user with a subordinate-uid range maps many
 * uids in a namespace of its own, and would otherwise hold
 * contexts_per_user for each of them, so that namespace charges its owner.
 * A namespace root created (a container runtime's) keeps each of its uids
 * a user of its own: root gave out those uids on purpose, and charging
 * them all to root would let one container's user lock every other
 * container, and root, out of the device.
 */
static kuid_t eyrie_charged_uid(void)
{
	const struct user_namespace *ns = current_user_ns();
	kuid_t uid = current_uid();

	for (; ns != &init_user_ns && !uid_eq(ns->owner, GLOBAL_ROOT_UID); ns = ns->parent)
		uid = ns->owner;
	return uid;
}

/*
 * contexts_per_user: edev->user_contexts counts, per uid, the contexts not
 * yet freed (a closed file's context lives on while its jobs drain, and
 * keeps its ID). Taken at open, given back when the context is freed; both
 * under eyrie_ctx_id_lock, which also covers taking the ID.
 */
static int eyrie_user_charge(struct eyrie_device *edev, kuid_t uid)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	unsigned long n = 0;
	void *entry;

	lockdep_assert_held(&eyrie_ctx_id_lock);
	entry = xa_load(&edev->user_contexts, key);
	if (entry)
		n = xa_to_value(entry);
	if (eyrie_contexts_per_user && n >= eyrie_contexts_per_user) {
		drm_dbg_driver(&edev->drm, "uid %lu holds %lu contexts (contexts_per_user %u)\n",
			       key, n, eyrie_contexts_per_user);
		return -EMFILE;
	}
	return xa_err(xa_store(&edev->user_contexts, key, xa_mk_value(n + 1), GFP_KERNEL));
}

static void eyrie_user_uncharge(struct eyrie_device *edev, kuid_t uid)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	unsigned long n;
	void *entry;

	lockdep_assert_held(&eyrie_ctx_id_lock);
	entry = xa_load(&edev->user_contexts, key);
	if (WARN_ON(!entry))
		return;
	n = xa_to_value(entry);
	if (n > 1)
		xa_store(&edev->user_contexts, key, xa_mk_value(n - 1), GFP_NOWAIT);
	else
		xa_erase(&edev->user_contexts, key);
}

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

	/* Charged to the opener's memory cgroup, like everything it makes us keep. */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	kref_init(&ctx->ref);
	ctx->edev = edev;
	ctx->uid = eyrie_charged_uid();
	ctx->pid = task_tgid_nr(current);
	get_task_comm(ctx->comm, current);
	mutex_init(&ctx->lock);
	mutex_init(&ctx->submit_lock);
	spin_lock_init(&ctx->map_lock);
	spin_lock_init(&ctx->rec_lock);
	INIT_LIST_HEAD(&ctx->mappings);
	INIT_LIST_HEAD(&ctx->zombies);
	drm_mm_init(&ctx->mm, EYRIE_VA_START, EYRIE_VA_END - EYRIE_VA_START);
	/* Mapped BOs are pinned: by default no context may pin more than half of RAM. */
	ctx->mem_limit = eyrie_ctx_mem_limit_mb ? (u64)eyrie_ctx_mem_limit_mb << 20 :
			 (u64)totalram_pages() << (PAGE_SHIFT - 1);

	ctx->pins = kzalloc(sizeof(*ctx->pins), GFP_KERNEL_ACCOUNT);
	if (!ctx->pins) {
		ret = -ENOMEM;
		goto err_mm;
	}
	refcount_set(&ctx->pins->ref, 1);
	ctx->pins->limit = ctx->mem_limit;

	ctx->records = kvcalloc(EYRIE_JOB_RECORDS, sizeof(*ctx->records), GFP_KERNEL_ACCOUNT);
	if (!ctx->records) {
		ret = -ENOMEM;
		goto err_pins;
	}
	ret = eyrie_mmu_init(&ctx->mmu, edev->drm.dev);
	if (ret)
		goto err_records;

	/*
	 * Context 0 is never handed out: the device reports it for "none".
	 * The IDs are 16 bits: one user may hold contexts_per_user of them.
	 */
	mutex_lock(&eyrie_ctx_id_lock);
	ret = eyrie_user_charge(edev, ctx->uid);
	if (!ret) {
		ret = xa_alloc(&edev->contexts, &ctx->id, ctx, XA_LIMIT(1, U16_MAX), GFP_KERNEL);
		if (ret)
			eyrie_user_uncharge(edev, ctx->uid);
	}
	mutex_unlock(&eyrie_ctx_id_lock);
	if (ret) {
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_mmu;
	}

	for (q = 0; q < EYRIE_SCHED_QUEUES; q++) {
		struct drm_gpu_scheduler *sched = &edev->sched;
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
	mutex_lock(&eyrie_ctx_id_lock);
	xa_erase(&edev->contexts, ctx->id);
	eyrie_user_uncharge(edev, ctx->uid);
	mutex_unlock(&eyrie_ctx_id_lock);
err_mmu:
	eyrie_mmu_fini(&ctx->mmu);
err_records:
	kvfree(ctx->records);
err_pins:
	eyrie_pin_account_put(ctx->pins);
err_mm:
	drm_mm_takedown(&ctx->mm);
	kfree(ctx);
	return ERR_PTR(ret);
}

/*
 * An exiting process closes its files one after the other and no signal
 * can cut that short: each of them waits at most this long, as
 * drm_sched_entity_flush() waits for an exiting task.
 */
#define EYRIE_EXIT_WAIT_MS	1000

/*
 * At file close: waits a bounded time for the queued jobs (each may run up
 * to job_timeout_ms; the wait is for the whole queue, at most one timeout,
 * at most EYRIE_EXIT_WAIT_MS when the process is exiting, and none when it
 * is being killed; not interruptible, so a pending ordinary signal does
 * not cancel queued work), then detaches the context from the scheduler,
 * which cancels what has not run by then. The scheduler's own flush waits
 * without bound unless the task is exiting.
 */
void eyrie_ctx_destroy_entities(struct eyrie_ctx *ctx)
{
	bool exiting = current->flags & PF_EXITING;
	unsigned int wait_ms = eyrie_job_timeout_ms;
	unsigned long deadline;
	/*
	 * A process that exits on SIGKILL no longer has it pending (the
	 * signal code took it off when it began to exit): like the
	 * scheduler's entity flush, look at the exit code too.
	 */
	bool killed = fatal_signal_pending(current) ||
		      (exiting && current->exit_code == SIGKILL);
	struct dma_fence *last;
	unsigned int q;

	if (exiting)
		wait_ms = min_t(unsigned int, wait_ms, EYRIE_EXIT_WAIT_MS);
	deadline = jiffies + msecs_to_jiffies(wait_ms);
	for (q = 0; q < EYRIE_SCHED_QUEUES; q++) {
		mutex_lock(&ctx->submit_lock);
		last = dma_fence_get(ctx->last_finished[q]);
		mutex_unlock(&ctx->submit_lock);
		if (last && !killed && time_before(jiffies, deadline))
			dma_fence_wait_timeout(last, false, deadline - jiffies);
		dma_fence_put(last);
	}
	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		drm_sched_entity_fini(&ctx->entity[q]);
}

/* Work that ends with a context put runs here (drained at module exit). */
void eyrie_ctx_queue_work(struct work_struct *work)
{
	queue_work(eyrie_ctx_wq, work);
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

/*
 * Clears the entries of a closed BO that no job uses any more (the caller
 * made that so under map_lock, and only it clears them), then says so.
 */
static void eyrie_bo_map_clear(struct eyrie_ctx *ctx, struct eyrie_bo_map *map)
{
	unsigned long flags;

	eyrie_mmu_unmap(&ctx->mmu, map->node.start, map->size);
	spin_lock_irqsave(&ctx->map_lock, flags);
	map->unmapped = true;
	spin_unlock_irqrestore(&ctx->map_lock, flags);
}

/*
 * Caller holds ctx->lock (so every map is live: on ctx->mappings): a job
 * about to be pushed takes a use of each.
 */
void eyrie_ctx_use_maps(struct eyrie_ctx *ctx, struct eyrie_bo_map **maps, unsigned int count)
{
	unsigned long flags;
	unsigned int i;

	lockdep_assert_held(&ctx->lock);
	spin_lock_irqsave(&ctx->map_lock, flags);
	for (i = 0; i < count; i++)
		maps[i]->jobs++;
	spin_unlock_irqrestore(&ctx->map_lock, flags);
}

/*
 * A job left the device (or will never reach it): gives back its uses.
 * A closed BO that no job uses any more loses its entries here, before
 * the job's fence signals. Task context: the completion IRQ thread,
 * recovery, the scheduler, a job's release.
 */
void eyrie_ctx_unuse_maps(struct eyrie_ctx *ctx, struct eyrie_bo_map **maps, unsigned int count)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct eyrie_bo_map *map = maps[i];
		bool clear;

		spin_lock_irqsave(&ctx->map_lock, flags);
		clear = !--map->jobs && map->closed;
		spin_unlock_irqrestore(&ctx->map_lock, flags);
		/* Last use of map by this job: a reap may free it once it is unmapped. */
		if (clear)
			eyrie_bo_map_clear(ctx, map);
	}
}

/* Caller holds ctx->lock: gives back the VA range and the pin accounting. */
static void eyrie_bo_map_remove(struct eyrie_ctx *ctx, struct eyrie_bo_map *map)
{
	if (!map->unmapped)
		eyrie_mmu_unmap(&ctx->mmu, map->node.start, map->size);
	drm_mm_remove_node(&map->node);
	eyrie_ctx_unpin(ctx, map->size);
}

/*
 * Retires the BOs whose handles closed: pages and VA once their entries
 * are gone and the jobs that could still hold a translation have ended
 * (all == true: unconditionally, at release, when no job is left).
 */
static void eyrie_ctx_reap(struct eyrie_ctx *ctx, bool all)
{
	struct eyrie_bo_map *map, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);

	mutex_lock(&ctx->lock);
	list_for_each_entry_safe(map, tmp, &ctx->zombies, link) {
		bool unmapped;

		spin_lock_irqsave(&ctx->map_lock, flags);
		unmapped = map->unmapped;
		spin_unlock_irqrestore(&ctx->map_lock, flags);
		if (!all && (!unmapped || !eyrie_bo_map_idle(map)))
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
 * The last handle of obj in this context closed: no new job can name it
 * (SUBMIT finds only live mappings, under ctx->lock). If no job uses it,
 * its entries go now, and its pages stay pinned until the jobs queued or
 * running at this moment have ended (one of them may use its VA without
 * listing it, and fault, or hold a translation). Else they go when the
 * last job that lists it leaves the device (eyrie_ctx_unuse_maps()).
 * Caller holds ctx->lock and calls eyrie_ctx_reap_zombies() after
 * unlocking.
 */
void eyrie_ctx_unmap_bo(struct eyrie_ctx *ctx, struct eyrie_bo_map *map)
{
	unsigned long flags;
	unsigned int q;
	bool now;

	lockdep_assert_held(&ctx->lock);
	list_move_tail(&map->link, &ctx->zombies);
	spin_lock_irqsave(&ctx->map_lock, flags);
	map->closed = true;
	now = !map->jobs;
	spin_unlock_irqrestore(&ctx->map_lock, flags);
	if (!now)
		return;
	/* Lock order: ctx->lock, then submit_lock (never the reverse). */
	mutex_lock(&ctx->submit_lock);
	for (q = 0; q < EYRIE_SCHED_QUEUES; q++)
		map->busy[q] = dma_fence_get(ctx->last_finished[q]);
	mutex_unlock(&ctx->submit_lock);
	eyrie_bo_map_clear(ctx, map);
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
	/* The BOs still alive keep their charges, and the account, until freed. */
	eyrie_pin_account_put(ctx->pins);
	/*
	 * Last, and together under the lock removal holds while it frees the
	 * tables of the contexts it finds (eyrie_ctx_release_tables()): a
	 * context's tables go either there or here, before removal returns.
	 * debugfs, which walks the xarray, reads only counters and the
	 * root's address. The ID and the user's share of contexts_per_user
	 * go back together.
	 */
	mutex_lock(&eyrie_ctx_id_lock);
	xa_erase(&ctx->edev->contexts, ctx->id);
	eyrie_user_uncharge(ctx->edev, ctx->uid);
	eyrie_mmu_fini(&ctx->mmu);
	mutex_unlock(&eyrie_ctx_id_lock);
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

/*
 * Removal, with the device stopped (RESET, bus mastering off, rings
 * emptied): frees the page tables of every context that is still open (a
 * file may stay open for as long as it likes), since they are DMA memory
 * of the device that is going away. Under eyrie_ctx_id_lock a context in
 * the xarray cannot finish its release, which frees its tables under the
 * same lock, so each table goes once. Returns the number of contexts and
 * the table pages freed.
 */
unsigned int eyrie_ctx_release_tables(struct eyrie_device *edev, unsigned int *table_pages)
{
	struct eyrie_ctx *ctx;
	unsigned int count = 0;
	unsigned long id;

	*table_pages = 0;
	mutex_lock(&eyrie_ctx_id_lock);
	xa_for_each(&edev->contexts, id, ctx)
		eyrie_mmu_detach(&ctx->mmu);
	/* Clearing that already read a root finishes before any table goes. */
	eyrie_mmu_sync();
	xa_for_each(&edev->contexts, id, ctx) {
		*table_pages += ctx->mmu.table_pages;
		eyrie_mmu_fini(&ctx->mmu);
		count++;
	}
	mutex_unlock(&eyrie_ctx_id_lock);
	return count;
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

/* Caller holds ctx->lock: the live mapping holding all of [va, va + len), or NULL. */
struct eyrie_bo_map *eyrie_ctx_find_va(struct eyrie_ctx *ctx, u64 va, u64 len)
{
	struct eyrie_bo_map *map;

	lockdep_assert_held(&ctx->lock);
	list_for_each_entry(map, &ctx->mappings, link) {
		u64 start = map->node.start;

		if (va >= start && va - start < map->size && len <= map->size - (va - start))
			return map;
	}
	return NULL;
}
