// SPDX-License-Identifier: MIT
/* The recycling pool of tensor memory (pool.h). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "graph/pool.h"

/* Smaller blocks come from malloc's own caches as fast. */
#define POOL_MIN_BYTES	16384
#define POOL_BLOCKS	256

struct gr_pool {
	struct gr_pool *prev;	/* the one current before gr_pool_enter */
	int n;
	struct {
		void *p;
		size_t cap;
	} b[POOL_BLOCKS];
};

static _Thread_local struct gr_pool *cur;

struct gr_pool *gr_pool_new(void)
{
	return calloc(1, sizeof(struct gr_pool));
}

void gr_pool_free(struct gr_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->b[i].p);
	free(p);
}

void gr_pool_enter(struct gr_pool *p)
{
	if (!p)
		return;
	p->prev = cur;
	cur = p;
}

void gr_pool_leave(struct gr_pool *p)
{
	if (p && cur == p)
		cur = p->prev;
}

void *gr_mem_get(size_t bytes, int zero)
{
	struct gr_pool *p = cur;
	int best = -1;

	if (!bytes)
		bytes = 1;
	/* the smallest block that fits: a run's requests repeat, and so do its picks */
	if (p && bytes >= POOL_MIN_BYTES)
		for (int i = 0; i < p->n; i++)
			if (p->b[i].cap >= bytes && (best < 0 || p->b[i].cap < p->b[best].cap))
				best = i;
	if (best >= 0) {
		void *m = p->b[best].p;

		p->b[best] = p->b[--p->n];
		if (zero)
			memset(m, 0, bytes);
		return m;
	}
	return zero ? calloc(1, bytes) : malloc(bytes);
}

void gr_mem_put(void *mem)
{
	struct gr_pool *p = cur;
	size_t cap;

	if (!mem)
		return;
	if (p && p->n < POOL_BLOCKS && (cap = malloc_usable_size(mem)) >= POOL_MIN_BYTES) {
		p->b[p->n].p = mem;
		p->b[p->n].cap = cap;
		p->n++;
		return;
	}
	free(mem);
}
