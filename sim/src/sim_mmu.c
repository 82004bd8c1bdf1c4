/* SPDX-License-Identifier: MIT */
/*
 * Device MMU: 3-level page-table walk from host memory (uapi/eyrie_hw.h,
 * "Device MMU") with a small direct-mapped TLB. A fault is recorded in the
 * control page's fault block and raised on the admin vector; only the job
 * that faulted fails.
 */
#include <string.h>

#include "sim_internal.h"

void sim_mmu_flush(struct eyrie_sim *sim)
{
	memset(sim->mmu.tlb, 0, sizeof(sim->mmu.tlb));
}

static void record_fault(struct eyrie_sim *sim, uint64_t va, uint32_t access,
			 uint32_t reason)
{
	struct eyrie_hw_fault *f = (struct eyrie_hw_fault *)(sim->bar2 + EYRIE_CTRL_OFF_FAULT);

	sim->mmu.fault_addr = va;
	f->ctx_id = sim->mmu.ctx;
	f->addr = va;
	f->access = access;
	f->reason = reason;
	f->job_tag = sim->mmu.tag;
	/* count last: the driver reads the record once count moves. */
	__atomic_store_n(&f->count, f->count + 1, __ATOMIC_RELEASE);
	sim_irq(sim, EYRIE_VECTOR_ADMIN);
}

static int read_pte(struct eyrie_sim *sim, uint64_t table, unsigned int idx,
		    uint64_t *pte)
{
	const uint64_t *p = sim->host.dma_map(sim->host.opaque, table + idx * 8ull, 8);

	if (!p)
		return -1;
	*pte = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return 0;
}

/* Leaf PTE of va, or 0 if unmapped. */
static uint64_t walk(struct eyrie_sim *sim, uint64_t va)
{
	uint64_t table = sim->mmu.root, pte = 0;
	int level;

	if (va >> EYRIE_VA_BITS || !table)
		return 0;
	for (level = EYRIE_PT_LEVELS - 1; level >= 0; level--) {
		if (read_pte(sim, table, eyrie_pt_index(va, (unsigned int)level), &pte))
			return 0;
		if (!(pte & EYRIE_PTE_V))
			return 0;
		if (level > 0) {
			if (!eyrie_pte_is_table(pte))
				return 0;	/* leaves only exist at L0 */
			table = eyrie_pte_addr(pte);
		} else if (!(pte & EYRIE_PTE_R)) {
			return 0;
		}
	}
	return pte;
}

void *sim_mmu_map(struct eyrie_sim *sim, uint64_t va, uint32_t len,
		  uint32_t access, uint32_t *err)
{
	uint64_t vpn = va >> EYRIE_PAGE_SHIFT;
	struct sim_tlb_entry *e = &sim->mmu.tlb[vpn % SIM_TLB_ENTRIES];
	uint64_t pte;
	void *p;

	if (e->valid && e->vpn == vpn && e->root == sim->mmu.root) {
		sim->mmu.hits++;
		pte = e->pte;
	} else {
		sim->mmu.misses++;
		pte = walk(sim, va);
		if (!pte) {
			*err = EYRIE_JOB_ERR_MMU_UNMAPPED;
			record_fault(sim, va, access, *err);
			return NULL;
		}
		e->valid = 1;
		e->vpn = vpn;
		e->root = sim->mmu.root;
		e->pte = pte;
	}
	if ((access & EYRIE_ACCESS_WRITE) && !(pte & EYRIE_PTE_W)) {
		*err = EYRIE_JOB_ERR_MMU_PERM;
		record_fault(sim, va, access, *err);
		return NULL;
	}
	p = sim->host.dma_map(sim->host.opaque,
			      eyrie_pte_addr(pte) | (va & (EYRIE_PAGE_SIZE - 1)), len);
	if (!p) {
		/* The page table points outside host memory. */
		*err = EYRIE_JOB_ERR_MMU_UNMAPPED;
		record_fault(sim, va, access, *err);
	}
	return p;
}
