/* SPDX-License-Identifier: MIT */
/* Helpers for the device model's tests: a host platform, buffers, commands. */
#ifndef SIM_TEST_UTIL_H
#define SIM_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "eyrie_simhost.h"

struct th {
	struct eyrie_simhost *h;
	uint32_t ctx;
};

/* Opens a device (cfg may be NULL); returns 0 or prints why and fails. */
int th_open(struct th *t, const struct eyrie_sim_config *cfg);
void th_close(struct th *t);
/* DMA buffer in t's context (ro: device read-only). Aborts on failure. */
void *th_alloc(struct th *t, size_t size, uint64_t *va, int ro);

struct cmdlist {
	union eyrie_cmd *cmds;
	uint32_t n, cap;
};

union eyrie_cmd *cl_add(struct cmdlist *cl, uint8_t opcode);
void cl_free(struct cmdlist *cl);
/* 1-D DMA of count elements of eb bytes (LOAD: DRAM -> GLB). */
void cl_dma(struct cmdlist *cl, uint8_t opcode, uint64_t va, uint32_t glb,
	    uint32_t eb, uint32_t count);

/*
 * Runs the list as one job on queue 0 and returns its CQE in *cqe (status
 * checked by the caller). Returns 0 or a negative errno.
 */
int th_run(struct th *t, const struct cmdlist *cl, struct eyrie_hw_cqe *cqe);
/* Same, on a given queue, without waiting: returns the tag. */
uint64_t th_submit(struct th *t, const struct cmdlist *cl, unsigned int queue,
		   uint64_t *cmd_va);

/* Deterministic random numbers (xorshift). */
uint32_t rnd(void);
void rnd_seed(uint64_t s);
int rnd_range(int lo, int hi);	/* inclusive */
void rnd_fill_i8(int8_t *p, size_t n);

#endif
