/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_test_util.h"

int th_open(struct th *t, const struct eyrie_sim_config *cfg)
{
	struct eyrie_simhost_opts o;
	char err[512] = "";
	int rc;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.fw_path = FW_IMAGE_PATH;
	o.sim_cfg = cfg;
	o.errbuf = err;
	o.errbuf_len = sizeof(err);
	rc = eyrie_simhost_open(&o, &t->h);
	if (rc) {
		fprintf(stderr, "eyrie_simhost_open: %s\n", err);
		return rc;
	}
	rc = eyrie_simhost_ctx_create(t->h, &t->ctx);
	if (rc)
		fprintf(stderr, "ctx_create: %s\n", eyrie_simhost_errmsg(t->h));
	return rc;
}

void th_close(struct th *t)
{
	eyrie_simhost_close(t->h);
	t->h = NULL;
}

void *th_alloc(struct th *t, size_t size, uint64_t *va, int ro)
{
	void *cpu;

	if (eyrie_simhost_bo_alloc(t->h, t->ctx, size, ro ? EYRIE_SIMHOST_BO_DEVICE_RO : 0,
				   &cpu, va)) {
		fprintf(stderr, "bo_alloc: %s\n", eyrie_simhost_errmsg(t->h));
		abort();
	}
	return cpu;
}

union eyrie_cmd *cl_add(struct cmdlist *cl, uint8_t opcode)
{
	union eyrie_cmd *c;

	if (cl->n == cl->cap) {
		cl->cap = cl->cap ? cl->cap * 2 : 16;
		cl->cmds = realloc(cl->cmds, cl->cap * sizeof(*cl->cmds));
		if (!cl->cmds)
			abort();
	}
	c = &cl->cmds[cl->n++];
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = opcode;
	return c;
}

void cl_free(struct cmdlist *cl)
{
	free(cl->cmds);
	memset(cl, 0, sizeof(*cl));
}

void cl_dma(struct cmdlist *cl, uint8_t opcode, uint64_t va, uint32_t glb,
	    uint32_t eb, uint32_t count)
{
	union eyrie_cmd *c = cl_add(cl, opcode);

	c->dma.dram_addr = va;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = eb;
	c->dma.count[0] = count;
	c->dma.count[1] = c->dma.count[2] = c->dma.count[3] = 1;
	c->dma.dram_stride[0] = eb;
	c->dma.glb_stride[0] = eb;
}

uint64_t th_submit(struct th *t, const struct cmdlist *cl, unsigned int queue,
		   uint64_t *cmd_va)
{
	void *cpu = th_alloc(t, (size_t)cl->n * EYRIE_CMD_SIZE + 1, cmd_va, 1);
	uint64_t tag;

	memcpy(cpu, cl->cmds, (size_t)cl->n * EYRIE_CMD_SIZE);
	if (eyrie_simhost_submit(t->h, t->ctx, queue, *cmd_va, cl->n, &tag)) {
		fprintf(stderr, "submit: %s\n", eyrie_simhost_errmsg(t->h));
		abort();
	}
	return tag;
}

int th_run(struct th *t, const struct cmdlist *cl, struct eyrie_hw_cqe *cqe)
{
	uint64_t va, tag = th_submit(t, cl, 0, &va);
	int rc = eyrie_simhost_wait(t->h, tag, 60000, cqe);

	if (rc)
		fprintf(stderr, "wait: %s\n", eyrie_simhost_errmsg(t->h));
	eyrie_simhost_bo_free(t->h, t->ctx, va);
	return rc;
}

static uint64_t rnd_state = 88172645463325252ull;

void rnd_seed(uint64_t s)
{
	rnd_state = s ? s : 88172645463325252ull;
}

uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 32);
}

int rnd_range(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

void rnd_fill_i8(int8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (int8_t)rnd();
}
