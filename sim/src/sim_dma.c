/* SPDX-License-Identifier: MIT */
/*
 * DMA unit: 4-D strided copies between DRAM (device VA, through the MMU)
 * and the GLB, or DRAM into the stream buffer (GLB bypass). Counts DRAM and
 * GLB words and its cycles (DRAM bandwidth) into the job.
 */
#include <string.h>

#include "sim_internal.h"

struct dma_ctx {
	struct eyrie_sim *sim;
	uint8_t *mem;		/* GLB or stream buffer */
	int load;
	uint32_t err;
	uint64_t fault_va;
};

/* Copies len bytes between DRAM va and mem[g], page by page. */
static int copy_run(struct dma_ctx *x, uint64_t va, uint64_t g, uint64_t len)
{
	while (len) {
		uint64_t room = EYRIE_PAGE_SIZE - (va & (EYRIE_PAGE_SIZE - 1));
		uint32_t chunk = (uint32_t)(len < room ? len : room);
		uint8_t *p = sim_mmu_map(x->sim, va, chunk,
					 x->load ? EYRIE_ACCESS_READ : EYRIE_ACCESS_WRITE,
					 &x->err);

		if (!p) {
			x->fault_va = va;
			return -1;
		}
		if (x->load)
			memcpy(x->mem + g, p, chunk);
		else
			memcpy(p, x->mem + g, chunk);
		va += chunk;
		g += chunk;
		len -= chunk;
	}
	return 0;
}

uint32_t sim_dma_run(struct eyrie_sim *sim, const struct eyrie_cmd_dma *d,
		     uint32_t *detail)
{
	struct dma_ctx x = { sim, NULL, d->hdr.opcode == EYRIE_OP_DMA_LOAD, 0, 0 };
	int stream = (d->glb_addr & EYRIE_ADDR_STREAM) != 0;
	uint64_t eb = d->elem_bytes, done = 0;
	uint64_t g0 = d->glb_addr & ~EYRIE_ADDR_STREAM;
	int contiguous = (uint64_t)d->dram_stride[0] == eb && d->glb_stride[0] == eb;
	struct sim_counts c;
	uint32_t i1, i2, i3, i0;
	int failed = 0;

	x.mem = stream ? sim->stream : sim->glb;
	for (i3 = 0; i3 < d->count[3] && !failed; i3++) {
		for (i2 = 0; i2 < d->count[2] && !failed; i2++) {
			for (i1 = 0; i1 < d->count[1] && !failed; i1++) {
				uint64_t va = d->dram_addr +
					      (uint64_t)i3 * (uint64_t)d->dram_stride[3] +
					      (uint64_t)i2 * (uint64_t)d->dram_stride[2] +
					      (uint64_t)i1 * (uint64_t)d->dram_stride[1];
				uint64_t g = g0 + (uint64_t)i3 * d->glb_stride[3] +
					     (uint64_t)i2 * d->glb_stride[2] +
					     (uint64_t)i1 * d->glb_stride[1];

				if (contiguous) {
					if (copy_run(&x, va, g, d->count[0] * eb))
						failed = 1;
					else
						done += d->count[0];
					continue;
				}
				for (i0 = 0; i0 < d->count[0]; i0++) {
					if (copy_run(&x, va + (uint64_t)i0 *
							  (uint64_t)d->dram_stride[0],
						     g + (uint64_t)i0 * d->glb_stride[0], eb)) {
						failed = 1;
						break;
					}
					done++;
				}
			}
		}
	}
	/* What moved before a fault still cost its energy and time. */
	memset(&c, 0, sizeof(c));
	c.words[EYRIE_ENERGY_DRAM] = done;
	c.dram_bytes = done * eb;
	if (!stream)
		c.words[EYRIE_ENERGY_GLB] = done;
	sim_job_add(sim, &c, sim_energy_dma_cycles(&sim->desc, done * eb), 0);
	if (failed) {
		*detail = (uint32_t)x.fault_va;
		return x.err;
	}
	return 0;
}
