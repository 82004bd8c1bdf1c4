// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: device MMU page tables, one address space per context.
 *
 * Three levels of 512 entries (eyrie_hw.h): L2 (root) -> L1 -> L0 -> 4 KiB
 * page. Tables are DMA-coherent pages the device walks by bus address; the
 * CPU keeps a shadow tree of child pointers to find them again. Tables are
 * created on demand and kept until the context dies (a context's tables
 * are small next to the buffers they map).
 *
 * Mapping (which may create tables) runs under the context's lock. Clearing
 * the entries of a range that is mapped allocates nothing, takes no lock
 * and only walks tables that exist and stay, so it may also run where
 * fences signal (the completion IRQ thread, recovery), concurrently with a
 * mapping of another range.
 *
 * The tables are DMA memory of the device, so they cannot outlive its
 * removal, while a context can (its file stays open). Removal takes them
 * away (eyrie_mmu_detach()) once the device is stopped, waits for the
 * clearings already walking them (SRCU: a reader never blocks, so this
 * stays allowed where fences signal), then frees them. Mapping runs only
 * inside drm_dev_enter() (eyrie_gem.c), so never during that; clearing,
 * which may run later (a queued job refused, a handle closed), finds no
 * tables and has nothing to clear.
 */
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "eyrie_drv.h"

/* Readers: clearing entries; the writer: removal taking the tables away. */
DEFINE_STATIC_SRCU(eyrie_mmu_srcu);

static struct eyrie_pt *eyrie_pt_alloc(struct eyrie_mmu *mmu, bool leaf_level)
{
	struct eyrie_pt *pt;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		return NULL;
	pt->entries = dma_alloc_coherent(mmu->dev, EYRIE_PAGE_SIZE, &pt->dma, GFP_KERNEL);
	if (!pt->entries)
		goto err_free;
	if (!leaf_level) {
		pt->child = kcalloc(EYRIE_PT_ENTRIES, sizeof(*pt->child), GFP_KERNEL_ACCOUNT);
		if (!pt->child)
			goto err_dma;
	}
	mmu->table_pages++;
	return pt;

err_dma:
	dma_free_coherent(mmu->dev, EYRIE_PAGE_SIZE, pt->entries, pt->dma);
err_free:
	kfree(pt);
	return NULL;
}

static void eyrie_pt_free(struct eyrie_mmu *mmu, struct eyrie_pt *pt)
{
	unsigned int i;

	if (!pt)
		return;
	if (pt->child) {
		for (i = 0; i < EYRIE_PT_ENTRIES; i++)
			eyrie_pt_free(mmu, pt->child[i]);
		kfree(pt->child);
	}
	dma_free_coherent(mmu->dev, EYRIE_PAGE_SIZE, pt->entries, pt->dma);
	mmu->table_pages--;
	kfree(pt);
}

int eyrie_mmu_init(struct eyrie_mmu *mmu, struct device *dev)
{
	mmu->dev = dev;
	mmu->detached = NULL;
	mmu->table_pages = 0;
	atomic64_set(&mmu->mapped_pages, 0);
	mmu->root = eyrie_pt_alloc(mmu, false);
	if (!mmu->root)
		return -ENOMEM;
	mmu->root_dma = mmu->root->dma;
	return 0;
}

/*
 * Frees the tables when the context dies (no job of it is left, so no
 * clearing runs), or frees what removal took away.
 */
void eyrie_mmu_fini(struct eyrie_mmu *mmu)
{
	eyrie_pt_free(mmu, mmu->root);
	mmu->root = NULL;
	eyrie_pt_free(mmu, mmu->detached);
	mmu->detached = NULL;
	atomic64_set(&mmu->mapped_pages, 0);
}

/*
 * Removal, for a context that is still open: the device no longer walks
 * the tables, and from now on neither does clearing. Free them with
 * eyrie_mmu_fini() after eyrie_mmu_sync().
 */
void eyrie_mmu_detach(struct eyrie_mmu *mmu)
{
	mmu->detached = mmu->root;
	WRITE_ONCE(mmu->root, NULL);
}

/* Waits for every clearing that may still walk detached tables. */
void eyrie_mmu_sync(void)
{
	synchronize_srcu(&eyrie_mmu_srcu);
}

/* Returns the L0 table covering va, creating the path when create is set. */
static struct eyrie_pt *eyrie_mmu_walk(struct eyrie_mmu *mmu, u64 va, bool create)
{
	struct eyrie_pt *pt = READ_ONCE(mmu->root);
	unsigned int level;

	if (!pt)
		return NULL;	/* removal took the tables */

	for (level = EYRIE_PT_LEVELS - 1; level > 0; level--) {
		unsigned int idx = eyrie_pt_index(va, level);
		struct eyrie_pt *next = pt->child[idx];

		if (!next) {
			if (!create)
				return NULL;
			next = eyrie_pt_alloc(mmu, level == 1);
			if (!next)
				return NULL;
			pt->child[idx] = next;
			/* The new table is zeroed before the device can see it. */
			dma_wmb();
			WRITE_ONCE(pt->entries[idx], cpu_to_le64(eyrie_pte_make_table(next->dma)));
		}
		pt = next;
	}
	return pt;
}

u64 eyrie_mmu_mapped_pages(struct eyrie_mmu *mmu)
{
	return atomic64_read(&mmu->mapped_pages);
}

/* Clears the valid entries of [va, va + size): tables that stay, no lock. */
static void eyrie_mmu_clear(struct eyrie_mmu *mmu, u64 va, u64 size)
{
	u64 end = va + size;
	struct eyrie_pt *l0;

	while (va < end) {
		unsigned int idx = eyrie_pt_index(va, 0);

		l0 = eyrie_mmu_walk(mmu, va, false);
		if (l0 && le64_to_cpu(l0->entries[idx]) & EYRIE_PTE_V) {
			WRITE_ONCE(l0->entries[idx], 0);
			atomic64_dec(&mmu->mapped_pages);
		}
		va += EYRIE_PAGE_SIZE;
	}
	/* Cleared entries reach memory before the next job's TLB flush. */
	wmb();
}

void eyrie_mmu_unmap(struct eyrie_mmu *mmu, u64 va, u64 size)
{
	int idx = srcu_read_lock(&eyrie_mmu_srcu);

	eyrie_mmu_clear(mmu, va, size);
	srcu_read_unlock(&eyrie_mmu_srcu, idx);
}

/*
 * Maps size bytes of sgt at va. PAGE_SIZE may exceed the device page on
 * other architectures, so every DMA segment is cut in device pages.
 */
int eyrie_mmu_map_sgt(struct eyrie_mmu *mmu, u64 va, struct sg_table *sgt,
		      u64 size, bool writable)
{
	u64 start = va, end = va + size;
	struct scatterlist *sg;
	unsigned int i;

	if (!IS_ALIGNED(va, EYRIE_PAGE_SIZE) || !IS_ALIGNED(size, EYRIE_PAGE_SIZE) ||
	    end > EYRIE_VA_END || end < va)
		return -EINVAL;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u64 len = sg_dma_len(sg);

		/*
		 * A segment that is not whole device pages (an imported
		 * dma-buf's, say) cannot be mapped: its tail would be dropped
		 * or, rounded up, expose what follows it.
		 */
		if (!IS_ALIGNED(addr, EYRIE_PAGE_SIZE) || !IS_ALIGNED(len, EYRIE_PAGE_SIZE) ||
		    upper_32_bits(addr) >> (EYRIE_DMA_BITS - 32))
			goto err_unmap;
		while (len >= EYRIE_PAGE_SIZE && va < end) {
			struct eyrie_pt *l0 = eyrie_mmu_walk(mmu, va, true);
			unsigned int idx = eyrie_pt_index(va, 0);

			if (!l0)
				goto err_nomem;
			if (!(le64_to_cpu(l0->entries[idx]) & EYRIE_PTE_V))
				atomic64_inc(&mmu->mapped_pages);
			WRITE_ONCE(l0->entries[idx],
				   cpu_to_le64(eyrie_pte_make_leaf(addr, writable)));
			addr += EYRIE_PAGE_SIZE;
			len -= EYRIE_PAGE_SIZE;
			va += EYRIE_PAGE_SIZE;
		}
		if (va >= end)
			break;
	}
	if (va < end)
		goto err_unmap;
	/* Entries reach memory before the job that uses them is queued. */
	wmb();
	return 0;

err_nomem:
	eyrie_mmu_clear(mmu, start, va - start);
	return -ENOMEM;
err_unmap:
	eyrie_mmu_clear(mmu, start, va - start);
	return -EINVAL;
}
