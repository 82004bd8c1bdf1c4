// SPDX-License-Identifier: MIT
/* The per-thread resource budget of loads and runs (budget.h). */
#include <errno.h>

#include "graph/budget.h"

static _Thread_local struct gr_budget *cur;

#define OPTS(b) ((b)->opts ? (b)->opts : "accel_model_opts")

void gr_budget_enter(struct gr_budget *b)
{
	b->prev = cur;
	cur = b;
}

void gr_budget_leave(struct gr_budget *b)
{
	cur = b->prev;
}

int gr_budget_work(const char *node, uint64_t ops, struct gr_err *err)
{
	struct gr_budget *b = cur;

	if (!b || !b->max_ops || ops <= b->max_ops)
		return 0;
	return gr_err_set(err, -E2BIG,
			  "node '%s': %llu window positions is above the limit of %llu per node while %s (raise %s.max_operations)",
			  node, (unsigned long long)ops, (unsigned long long)b->max_ops, b->what,
			  OPTS(b));
}

int gr_budget_charge(uint64_t elems, size_t esz, struct gr_err *err)
{
	struct gr_budget *b = cur;
	uint64_t bytes;

	if (!b)
		return 0;
	if (b->max_elems && elems > b->max_elems)
		return gr_err_set(err, -E2BIG,
				  "a tensor of %llu elements is above the limit of %llu per tensor while %s (raise %s.max_tensor_elements)",
				  (unsigned long long)elems, (unsigned long long)b->max_elems,
				  b->what, OPTS(b));
	/* elems <= GR_MAX_ELEMS and esz <= 8: no overflow */
	bytes = elems * esz;
	if (b->max_bytes && (bytes > b->max_bytes || b->used > b->max_bytes - bytes))
		return gr_err_set(err, -E2BIG,
				  "%s needs more than the memory budget of %llu MiB (%llu MiB allocated, a tensor of %llu bytes more): raise it with %s --max-memory or %s.max_memory",
				  b->what, (unsigned long long)(b->max_bytes >> 20),
				  (unsigned long long)(b->used >> 20), (unsigned long long)bytes,
				  b->cli ? b->cli : "accelctl run", OPTS(b));
	b->used += bytes;
	return 0;
}
