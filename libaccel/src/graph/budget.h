/* SPDX-License-Identifier: MIT */
/*
 * Resource budget of the work in progress on this thread (a model's load
 * and compile, or one run): every tensor value is charged before it is
 * allocated, so a hostile model or input fails with a clear -E2BIG
 * instead of exhausting memory. Per thread: models run in several threads.
 */
#ifndef GR_BUDGET_H
#define GR_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

struct gr_budget {
	uint64_t max_bytes;		/* total bytes charged; 0: no limit */
	uint64_t max_elems;		/* elements of one tensor; 0: GR_MAX_ELEMS */
	uint64_t max_ops;		/* work of one node (window positions); 0: none */
	uint64_t used;			/* bytes charged so far */
	const char *what;		/* "loading the model", "the run" */
	/*
	 * What raises the limits, for the messages: the command and the
	 * options struct (NULL: accelctl run, accel_model_opts)
	 */
	const char *cli, *opts;
	struct gr_budget *prev;		/* the one active before gr_budget_enter */
};

/* Makes b this thread's budget until gr_budget_leave(b). */
void gr_budget_enter(struct gr_budget *b);
void gr_budget_leave(struct gr_budget *b);

/*
 * Charges a tensor of elems elements of esz bytes to this thread's budget
 * (nothing when none is active). Returns 0, or -E2BIG with the reason in
 * err (which limit, and the option that raises it).
 */
int gr_budget_charge(uint64_t elems, size_t esz, struct gr_err *err);

/*
 * Checks the work of one node (ops: e.g. the window positions a pool
 * visits) against this thread's budget before its kernel runs, so a small
 * model cannot make a kernel loop for hours. 0 or -E2BIG with the reason.
 */
int gr_budget_work(const char *node, uint64_t ops, struct gr_err *err);

#endif /* GR_BUDGET_H */
