/* SPDX-License-Identifier: MIT */
/*
 * DMA memory of the in-process host: page-aligned process memory with bus
 * addresses of its own (from 4 GiB up, never reused, so a stale or
 * truncated address fails instead of hitting another buffer). The device
 * reaches it only through sh_dma_map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "simhost_internal.h"

#define BUS_BASE	0x100000000ull

int sh_grow(void **arr, size_t *cap, size_t count, size_t elem)
{
	void *n;
	size_t ncap;

	if (count < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

int sh_mem_init(struct sh_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->next_bus = BUS_BASE;
	return pthread_rwlock_init(&m->lock, NULL) ? -ENOMEM : 0;
}

void sh_mem_fini(struct sh_mem *m)
{
	for (size_t i = 0; i < m->count; i++)
		free(m->regions[i].cpu);
	free(m->regions);
	pthread_rwlock_destroy(&m->lock);
}

int sh_mem_alloc(struct sh_mem *m, uint64_t size, struct sh_region *out)
{
	uint64_t len = (size + EYRIE_PAGE_SIZE - 1) & ~(uint64_t)(EYRIE_PAGE_SIZE - 1);
	void *cpu;

	if (!len || len > (1ull << 40))
		return -EINVAL;
	cpu = aligned_alloc(EYRIE_PAGE_SIZE, len);
	if (!cpu)
		return -ENOMEM;
	memset(cpu, 0, len);
	pthread_rwlock_wrlock(&m->lock);
	if (sh_grow((void **)&m->regions, &m->cap, m->count, sizeof(*m->regions))) {
		pthread_rwlock_unlock(&m->lock);
		free(cpu);
		return -ENOMEM;
	}
	out->bus = m->next_bus;
	out->len = len;
	out->cpu = cpu;
	/* A page of hole after each region: overruns do not reach the next. */
	m->next_bus += len + EYRIE_PAGE_SIZE;
	m->regions[m->count++] = *out;	/* bus addresses grow: stays sorted */
	pthread_rwlock_unlock(&m->lock);
	return 0;
}

static size_t find(const struct sh_mem *m, uint64_t bus)
{
	size_t lo = 0, hi = m->count;

	/* first region with bus > addr, minus one */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->regions[mid].bus <= bus)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;	/* candidate is lo - 1 */
}

void sh_mem_free(struct sh_mem *m, const struct sh_region *r)
{
	size_t i;

	pthread_rwlock_wrlock(&m->lock);
	i = find(m, r->bus);
	if (i > 0 && m->regions[i - 1].bus == r->bus) {
		free(m->regions[i - 1].cpu);
		memmove(&m->regions[i - 1], &m->regions[i],
			(m->count - i) * sizeof(*m->regions));
		m->count--;
	}
	pthread_rwlock_unlock(&m->lock);
}

void *sh_mem_cpu(struct sh_mem *m, uint64_t bus, uint64_t len)
{
	void *p = NULL;
	size_t i;

	pthread_rwlock_rdlock(&m->lock);
	i = find(m, bus);
	if (i > 0) {
		const struct sh_region *r = &m->regions[i - 1];

		if (bus - r->bus < r->len && len <= r->len - (bus - r->bus))
			p = r->cpu + (bus - r->bus);
	}
	pthread_rwlock_unlock(&m->lock);
	return p;
}

void *sh_dma_map(void *opaque, uint64_t bus, uint64_t len)
{
	struct eyrie_simhost *h = opaque;

	return sh_mem_cpu(&h->mem, bus, len);
}
