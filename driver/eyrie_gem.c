// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: GEM buffers.
 *
 * Buffers are shmem GEM objects. A buffer is mapped into a context's device
 * MMU when a handle to it is created in that context's file (creation,
 * PRIME import, or any other handle) and unmapped when the file's last
 * handle to it closes. So the device address is a property of (buffer,
 * context): two processes that share a buffer through PRIME each see it at
 * their own address, and a process can only reach what it holds a handle to.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>

#include "eyrie_drv.h"

MODULE_IMPORT_NS(DMA_BUF);

struct eyrie_bo {
	struct drm_gem_shmem_object base;
	u32 flags;			/* DRM_EYRIE_BO_* */
	/* Charged for the pinned pages until .free (set once, cmpxchg). */
	struct eyrie_pin_account *pins;
	/* On eyrie_device.bos while base.sgt maps the pages for the device. */
	struct list_head dev_link;
	/*
	 * An import whose attachment removal or .free took down, under
	 * bo_lock (the import's own reference on the dma-buf, dropped at the
	 * end of .free).
	 */
	struct dma_buf *detached_dmabuf;
};

static inline struct eyrie_bo *to_eyrie_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct eyrie_bo, base);
}

/*
 * Removal unmaps the pages of every BO it finds on the device's list
 * (eyrie_gem_unmap_all()); a BO joins it inside drm_dev_enter(), so none
 * joins after removal looked.
 */
static void eyrie_gem_track(struct eyrie_bo *bo)
{
	struct eyrie_device *edev = to_eyrie(bo->base.base.dev);

	mutex_lock(&edev->bo_lock);
	if (list_empty(&bo->dev_link))
		list_add_tail(&bo->dev_link, &edev->bos);
	mutex_unlock(&edev->bo_lock);
}

/* Caller holds bo_lock (and owns the BO's reservation, or the last reference). */
static void eyrie_gem_unmap_pages(struct eyrie_device *edev, struct drm_gem_shmem_object *shmem)
{
	/*
	 * No CPU sync: every job ended with one, and since then the CPU may
	 * have written through an mmap; with bounce buffers (swiotlb) a sync
	 * here would copy the stale bounce copy over those writes.
	 */
	dma_unmap_sgtable(edev->drm.dev, shmem->sgt, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(shmem->sgt);
	kfree(shmem->sgt);
	shmem->sgt = NULL;
}

static int eyrie_gem_map(struct drm_gem_object *obj, struct eyrie_ctx *ctx)
{
	struct eyrie_bo *bo = to_eyrie_bo(obj);
	struct eyrie_bo_map *map, *existing;
	struct sg_table *sgt;
	u64 size = obj->size;
	bool charged = false;
	int ret;

	mutex_lock(&ctx->lock);
	map = eyrie_ctx_find_mapping(ctx, obj);
	if (map) {
		map->handles++;
		mutex_unlock(&ctx->lock);
		return 0;
	}
	mutex_unlock(&ctx->lock);

	/*
	 * Pins the pages and maps them for the device (DMA API bus addresses)
	 * until the BO is freed. The first context to map one of our BOs is
	 * charged for them, before they are pinned, until then (.free). An
	 * imported buffer's pages are its exporter's.
	 */
	if (!obj->import_attach && !READ_ONCE(bo->pins)) {
		ret = eyrie_pin_charge(ctx, size);
		if (ret)
			return ret;
		charged = true;
	}
	sgt = drm_gem_shmem_get_pages_sgt(&bo->base);
	if (IS_ERR(sgt)) {
		if (charged)
			eyrie_pin_uncharge(ctx->pins, size);
		return PTR_ERR(sgt);
	}
	eyrie_gem_track(bo);
	if (charged) {
		eyrie_pin_account_get(ctx->pins);
		/* Another context mapped it at the same time and was charged. */
		if (cmpxchg(&bo->pins, NULL, ctx->pins)) {
			eyrie_pin_uncharge(ctx->pins, size);
			eyrie_pin_account_put(ctx->pins);
		}
	}

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->obj = obj;
	map->size = size;
	map->writable = !(bo->flags & DRM_EYRIE_BO_DEVICE_RO);
	map->handles = 1;

	mutex_lock(&ctx->lock);
	/* Another handle of this file may have mapped it while we pinned the pages. */
	existing = eyrie_ctx_find_mapping(ctx, obj);
	if (existing) {
		existing->handles++;
		mutex_unlock(&ctx->lock);
		kfree(map);
		return 0;
	}
	ret = eyrie_ctx_pin(ctx, size);
	if (ret)
		goto err_unlock;
	ret = drm_mm_insert_node_generic(&ctx->mm, &map->node, size + EYRIE_VA_GUARD,
					 EYRIE_PAGE_SIZE, 0, DRM_MM_INSERT_BEST);
	if (ret)
		goto err_unpin;
	ret = eyrie_mmu_map_sgt(&ctx->mmu, map->node.start, sgt, size, map->writable);
	if (ret)
		goto err_node;
	drm_gem_object_get(obj);
	list_add_tail(&map->link, &ctx->mappings);
	mutex_unlock(&ctx->lock);
	return 0;

err_node:
	drm_mm_remove_node(&map->node);
err_unpin:
	eyrie_ctx_unpin(ctx, size);
err_unlock:
	mutex_unlock(&ctx->lock);
	kfree(map);
	return ret;
}

/* A new handle in this file: the buffer is mapped in its context. */
static int eyrie_gem_open(struct drm_gem_object *obj, struct drm_file *file)
{
	struct eyrie_ctx *ctx = file->driver_priv;
	int idx, ret;

	if (!ctx)
		return -EINVAL;
	/* No DMA mapping or page table of a device that is going away. */
	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;
	ret = eyrie_gem_map(obj, ctx);
	drm_dev_exit(idx);
	return ret;
}

static void eyrie_gem_close(struct drm_gem_object *obj, struct drm_file *file)
{
	struct eyrie_ctx *ctx = file->driver_priv;
	struct eyrie_bo_map *map;

	if (!ctx)
		return;

	mutex_lock(&ctx->lock);
	map = eyrie_ctx_find_mapping(ctx, obj);
	if (!map || --map->handles) {
		mutex_unlock(&ctx->lock);
		return;
	}
	eyrie_ctx_unmap_bo(ctx, map);
	mutex_unlock(&ctx->lock);
	eyrie_ctx_reap_zombies(ctx);
}

static enum drm_gem_object_status eyrie_gem_status(struct drm_gem_object *obj)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);

	return shmem->pages || obj->import_attach ? DRM_GEM_OBJECT_RESIDENT : 0;
}

static size_t eyrie_gem_rss(struct drm_gem_object *obj)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);

	return shmem->pages || obj->import_attach ? obj->size : 0;
}

/*
 * An imported BO's mapping for the device belongs to its attachment, and
 * the exporter may keep it cached until detach (DRM PRIME and udmabuf do),
 * so unmapping is not enough: the attachment goes. The BO stays alive
 * (handles, a CPU mapping made through the exporter) but is no import any
 * more: nothing can use it as one after removal (ioctls and new mmaps
 * fail once the device is unplugged, and jobs do not run), and .free then
 * only drops the import's reference on the dma-buf, which also keeps the
 * reservation object the BO points to alive until then.
 */
static void eyrie_gem_detach_import(struct eyrie_bo *bo)
{
	struct drm_gem_object *obj = &bo->base.base;
	struct dma_buf_attachment *attach = obj->import_attach;
	struct sg_table *sgt = bo->base.sgt;

	bo->detached_dmabuf = attach->dmabuf;
	bo->base.sgt = NULL;
	obj->import_attach = NULL;
	/* The exporter takes the dma-buf's reservation itself in both. */
	if (sgt)
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(bo->detached_dmabuf, attach);
}

static void eyrie_gem_free(struct drm_gem_object *obj)
{
	struct eyrie_device *edev = to_eyrie(obj->dev);
	struct eyrie_bo *bo = to_eyrie_bo(obj);
	struct eyrie_pin_account *pins = bo->pins;
	u64 size = obj->size;

	struct dma_buf *detached;

	/*
	 * Unmapped, or an import detached, under the lock removal holds
	 * while it does the same (so either is done before removal returns,
	 * once), then unlisted; drm_gem_shmem_free() then finds a plain BO
	 * with no sg table, and the import's dma-buf reference goes last.
	 */
	mutex_lock(&edev->bo_lock);
	if (obj->import_attach)
		eyrie_gem_detach_import(bo);
	else if (bo->base.sgt)
		eyrie_gem_unmap_pages(edev, &bo->base);
	list_del_init(&bo->dev_link);
	detached = bo->detached_dmabuf;
	mutex_unlock(&edev->bo_lock);

	/* Unpins the pages (and frees the BO): the charge goes back. */
	drm_gem_shmem_free(to_drm_gem_shmem_obj(obj));
	if (detached)
		dma_buf_put(detached);
	if (pins) {
		eyrie_pin_uncharge(pins, size);
		eyrie_pin_account_put(pins);
	}
}

/*
 * Our own BOs (a shmem file; that never changes) map as shmem BOs. An
 * import maps the exporter's buffer, as drm_gem_shmem_mmap() does, but
 * removal may detach it meanwhile: the dma-buf is taken under bo_lock, and
 * one that removal detached is refused. bo_lock is not held across the
 * exporter's mmap: that may be another eyrie device's, whose own bo_lock
 * it takes (two devices mapping each other's buffers would deadlock).
 */
static int eyrie_gem_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct eyrie_device *edev = to_eyrie(obj->dev);
	struct dma_buf *dmabuf = NULL;
	int ret;

	if (obj->filp)
		return drm_gem_shmem_object_mmap(obj, vma);
	mutex_lock(&edev->bo_lock);
	if (obj->import_attach) {
		dmabuf = obj->import_attach->dmabuf;
		get_dma_buf(dmabuf);
	}
	mutex_unlock(&edev->bo_lock);
	if (!dmabuf)
		return -ENODEV;
	vma->vm_private_data = NULL;
	vma->vm_ops = NULL;
	ret = dma_buf_mmap(dmabuf, vma, 0);
	dma_buf_put(dmabuf);
	/* drm_gem_mmap_obj()'s reference: the VMA holds the dma-buf's file */
	if (!ret)
		drm_gem_object_put(obj);
	return ret;
}

static const struct drm_gem_object_funcs eyrie_gem_funcs = {
	.free = eyrie_gem_free,
	.open = eyrie_gem_open,
	.close = eyrie_gem_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = eyrie_gem_mmap,
	.status = eyrie_gem_status,
	.rss = eyrie_gem_rss,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/*
 * Removal, with the device stopped: the BOs outlive the device while a
 * file, a mapping or a dma-buf holds them, but their DMA mappings are the
 * device's and go now, as ivpu unbinds its BOs. The pages stay pinned (an
 * mmap of the buffer keeps working) until the BO is freed, which then
 * finds no sg table to unmap. Imported BOs lose their attachment
 * (counted in *imports). Returns the number of our own BOs unmapped.
 */
unsigned int eyrie_gem_unmap_all(struct eyrie_device *edev, unsigned int *imports)
{
	struct eyrie_bo *bo, *tmp;
	unsigned int count = 0;

	*imports = 0;
	mutex_lock(&edev->bo_lock);
	list_for_each_entry_safe(bo, tmp, &edev->bos, dev_link) {
		struct drm_gem_shmem_object *shmem = &bo->base;

		list_del_init(&bo->dev_link);
		if (shmem->base.import_attach) {
			eyrie_gem_detach_import(bo);
			(*imports)++;
			continue;
		}
		dma_resv_lock(shmem->base.resv, NULL);
		if (shmem->sgt) {
			eyrie_gem_unmap_pages(edev, shmem);
			count++;
		}
		dma_resv_unlock(shmem->base.resv);
	}
	mutex_unlock(&edev->bo_lock);
	return count;
}

/*
 * drm_driver.gem_prime_import: the import maps the dma-buf for the device,
 * so it happens inside drm_dev_enter() and the BO is tracked at once: a
 * removal either runs after it and detaches it, or before it and refuses
 * it (the ioctl may have passed the unplugged check just before).
 */
struct drm_gem_object *eyrie_gem_prime_import(struct drm_device *drm, struct dma_buf *dma_buf)
{
	struct drm_gem_object *obj;
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return ERR_PTR(-ENODEV);
	obj = drm_gem_prime_import(drm, dma_buf);
	/* Our own BO comes back as itself, tracked when it is mapped. */
	if (!IS_ERR(obj) && obj->import_attach)
		eyrie_gem_track(to_eyrie_bo(obj));
	drm_dev_exit(idx);
	return obj;
}

/* drm_driver.gem_create_object: also used for PRIME imports. */
struct drm_gem_object *eyrie_gem_create_object(struct drm_device *drm, size_t size)
{
	struct eyrie_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &eyrie_gem_funcs;
	bo->base.map_wc = false;
	INIT_LIST_HEAD(&bo->dev_link);
	return &bo->base.base;
}

int eyrie_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_eyrie_bo_create *args = data;
	struct eyrie_ctx *ctx = file->driver_priv;
	struct drm_gem_shmem_object *shmem;
	struct eyrie_bo_map *map;
	struct eyrie_bo *bo;
	u64 size;
	int ret;

	if (args->flags & ~DRM_EYRIE_BO_DEVICE_RO)
		return -EINVAL;
	if (!args->size || args->size > EYRIE_VA_END - EYRIE_VA_START)
		return -EINVAL;
	size = round_up(args->size, EYRIE_PAGE_SIZE);
	if (size > ctx->mem_limit)
		return -EDQUOT;

	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	bo = container_of(shmem, struct eyrie_bo, base);
	bo->flags = args->flags;

	/* eyrie_gem_open() maps it into the context. */
	ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
	drm_gem_object_put(&shmem->base);
	if (ret) {
		args->handle = 0;
		return ret;
	}

	mutex_lock(&ctx->lock);
	map = eyrie_ctx_find_mapping(ctx, &shmem->base);
	args->device_addr = map ? map->node.start : 0;
	mutex_unlock(&ctx->lock);
	return 0;
}

int eyrie_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_eyrie_bo_info *args = data;
	struct eyrie_ctx *ctx = file->driver_priv;
	struct drm_gem_object *obj;
	struct eyrie_bo_map *map;
	int ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (ret)
		goto out;

	mutex_lock(&ctx->lock);
	map = eyrie_ctx_find_mapping(ctx, obj);
	if (map) {
		args->device_addr = map->node.start;
		args->flags = map->writable ? 0 : DRM_EYRIE_BO_DEVICE_RO;
	}
	mutex_unlock(&ctx->lock);
	if (!map) {
		ret = -ENOENT;
		goto out;
	}
	args->size = obj->size;
	args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
out:
	drm_gem_object_put(obj);
	return ret;
}
