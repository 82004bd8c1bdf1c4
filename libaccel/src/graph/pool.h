/* SPDX-License-Identifier: MIT */
/*
 * A recycling pool of tensor memory, made current on a thread like the
 * budget (budget.h): while a pool is current, gr_value_new() and the fast
 * path's scratch take large blocks from it and gr_value_free() gives them
 * back, so a compiled model that runs many times reuses its blocks instead
 * of allocating (and page-faulting) fresh memory for every tensor of every
 * run. Blocks are ordinary malloc() memory: a value that leaves the run
 * (an output given to the caller) is freed with free() as always.
 */
#ifndef GR_POOL_H
#define GR_POOL_H

#include <stddef.h>

struct gr_pool;

struct gr_pool *gr_pool_new(void);
/* Frees the pool and every block it holds (NULL: nothing). */
void gr_pool_free(struct gr_pool *p);

/* Makes p this thread's pool until gr_pool_leave(p) (p may be NULL). */
void gr_pool_enter(struct gr_pool *p);
void gr_pool_leave(struct gr_pool *p);

/*
 * bytes of memory (at least 1), zeroed when zero is set: from the current
 * pool when it holds a block that fits, else from malloc / calloc. NULL
 * when out of memory.
 */
void *gr_mem_get(size_t bytes, int zero);
/* Gives mem back: to the current pool if it takes it, else free(). */
void gr_mem_put(void *mem);

#endif /* GR_POOL_H */
