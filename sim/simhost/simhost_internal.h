/* SPDX-License-Identifier: MIT */
/* In-process host platform internals: DMA memory, page tables, queues. */
#ifndef SIMHOST_INTERNAL_H
#define SIMHOST_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "eyrie_simhost.h"

/* A range of DMA memory: bus addresses [bus, bus + len) at cpu. */
struct sh_region {
	uint64_t bus;
	uint64_t len;
	uint8_t *cpu;
};

struct sh_mem {
	pthread_rwlock_t lock;
	struct sh_region *regions;	/* sorted by bus */
	size_t count, cap;
	uint64_t next_bus;
};

struct sh_bo {
	uint64_t va, size;
	struct sh_region r;
};

struct sh_ctx {
	uint32_t id;
	struct sh_region root;
	struct sh_region *tables;	/* L1/L0 table pages */
	size_t ntables, captables;
	struct sh_bo *bos;
	size_t nbos, capbos;
	uint64_t next_va;
};

struct sh_queue {
	struct sh_region sq, cq;
	uint32_t entries;
	uint32_t sq_tail;
	uint32_t cq_head;
	int cq_phase;
};

struct sh_inflight {
	uint64_t tag;
	unsigned int queue;
};

struct eyrie_simhost {
	struct eyrie_sim *sim;
	struct eyrie_hw_ctrl *ctrl;
	uint8_t *bar2;
	size_t bar2_size;
	struct sh_mem mem;
	char fw_path[4096];
	uint8_t *fw_image;
	size_t fw_len;
	char err[5120];

	pthread_mutex_t lock;		/* contexts, queues, completions */
	pthread_cond_t cond;		/* completions, ring space, mailbox */
	pthread_mutex_t mbox_lock;	/* one admin command at a time */
	uint32_t mbox_seq;
	int rebooting;			/* submits wait while set */

	struct sh_ctx **ctxs;
	size_t nctxs, capctxs;
	uint32_t next_ctx_id;

	struct sh_queue q[EYRIE_SIMHOST_QUEUES];
	uint64_t next_tag;
	struct sh_inflight *inflight;
	size_t ninflight, capinflight;
	struct eyrie_hw_cqe *done;
	size_t ndone, capdone;
};

/* simhost_mem.c */
int sh_mem_init(struct sh_mem *m);
void sh_mem_fini(struct sh_mem *m);
int sh_mem_alloc(struct sh_mem *m, uint64_t size, struct sh_region *out);
void sh_mem_free(struct sh_mem *m, const struct sh_region *r);
void *sh_mem_cpu(struct sh_mem *m, uint64_t bus, uint64_t len);
void *sh_dma_map(void *opaque, uint64_t bus, uint64_t len);

/* simhost_ctx.c */
int sh_ctx_map(struct sh_mem *m, struct sh_ctx *c, uint64_t va, uint64_t bus,
	       int writable);
void sh_ctx_unmap(struct sh_ctx *c, struct sh_mem *m, uint64_t va);
void sh_ctx_free(struct sh_mem *m, struct sh_ctx *c);

/* Grows a dynamic array to hold one more element. */
int sh_grow(void **arr, size_t *cap, size_t count, size_t elem);

#endif /* SIMHOST_INTERNAL_H */
