/* SPDX-License-Identifier: MIT */
/*
 * Device page tables of a context, as the driver builds them: 3 levels of
 * 4 KiB tables in DMA memory (uapi/eyrie_hw.h, "Device MMU").
 */
#include <errno.h>
#include <stdlib.h>

#include "simhost_internal.h"

/* The next-level table of entry idx in table, created if asked. */
static uint64_t *next_table(struct sh_mem *m, struct sh_ctx *c, uint64_t *table,
			    unsigned int idx, int create)
{
	uint64_t pte = __atomic_load_n(&table[idx], __ATOMIC_ACQUIRE);
	struct sh_region r;

	if (pte & EYRIE_PTE_V)
		return sh_mem_cpu(m, eyrie_pte_addr(pte), EYRIE_PAGE_SIZE);
	if (!create)
		return NULL;
	if (sh_grow((void **)&c->tables, &c->captables, c->ntables, sizeof(r)) ||
	    sh_mem_alloc(m, EYRIE_PAGE_SIZE, &r))
		return NULL;
	c->tables[c->ntables++] = r;
	__atomic_store_n(&table[idx], eyrie_pte_make_table(r.bus), __ATOMIC_RELEASE);
	return (uint64_t *)r.cpu;
}

int sh_ctx_map(struct sh_mem *m, struct sh_ctx *c, uint64_t va, uint64_t bus,
	       int writable)
{
	uint64_t *t = (uint64_t *)c->root.cpu;

	for (unsigned int level = EYRIE_PT_LEVELS - 1; level > 0; level--) {
		t = next_table(m, c, t, eyrie_pt_index(va, level), 1);
		if (!t)
			return -ENOMEM;
	}
	__atomic_store_n(&t[eyrie_pt_index(va, 0)], eyrie_pte_make_leaf(bus, writable),
			 __ATOMIC_RELEASE);
	return 0;
}

void sh_ctx_unmap(struct sh_ctx *c, struct sh_mem *m, uint64_t va)
{
	uint64_t *t = (uint64_t *)c->root.cpu;

	for (unsigned int level = EYRIE_PT_LEVELS - 1; level > 0 && t; level--)
		t = next_table(m, c, t, eyrie_pt_index(va, level), 0);
	if (t)
		__atomic_store_n(&t[eyrie_pt_index(va, 0)], 0, __ATOMIC_RELEASE);
}

void sh_ctx_free(struct sh_mem *m, struct sh_ctx *c)
{
	for (size_t i = 0; i < c->nbos; i++)
		sh_mem_free(m, &c->bos[i].r);
	for (size_t i = 0; i < c->ntables; i++)
		sh_mem_free(m, &c->tables[i]);
	sh_mem_free(m, &c->root);
	free(c->bos);
	free(c->tables);
	free(c);
}
