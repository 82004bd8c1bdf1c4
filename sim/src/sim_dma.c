/* SPDX-License-Identifier: MIT */
/*
 * DMA unit: 4-D strided copies between DRAM (device VA, through the MMU)
 * and the GLB, or DRAM into the stream buffer (GLB bypass). Counts DRAM and
 * GLB words and its cycles (DRAM bandwidth) into the job.
 */
#include <endian.h>
#include <stdlib.h>
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

/*
 * EYRIE_DMA_F_RLE (docs/hardware.md 7.10): every line run-length coded in
 * DRAM, the elements dense in local memory. A store codes each line and
 * writes its words at the line's start; a load reads words from the line's
 * start until it has decoded rle_skip + count[0] elements. DRAM counts the
 * coded bytes (words of one byte, the int8 word), the GLB the elements.
 */
static uint32_t dma_rle(struct eyrie_sim *sim, const struct eyrie_cmd_dma *d,
			uint32_t *detail)
{
	struct dma_ctx x = { sim, NULL, d->hdr.opcode == EYRIE_OP_DMA_LOAD, 0, 0 };
	struct dma_ctx raw = x;
	int stream = (d->glb_addr & EYRIE_ADDR_STREAM) != 0;
	uint8_t *local = stream ? sim->stream : sim->glb;
	uint64_t g0 = d->glb_addr & ~EYRIE_ADDR_STREAM, coded = 0, elems = 0;
	uint32_t n = d->count[0], end = d->rle_skip + n, i1, i2, i3, i0;
	__s8 zero = (__s8)d->rle_zero;
	__s8 *line = malloc((size_t)end + 1);
	__u64 *words = malloc(EYRIE_RLE_LINE_MAX_BYTES(end) + 8);
	struct sim_counts c;
	int failed = 0;

	if (!line || !words) {
		free(line);
		free(words);
		sim_log(sim, "dma: host out of memory, command aborted");
		return EYRIE_JOB_ERR_ABORTED;
	}
	raw.mem = (uint8_t *)words;
	for (i3 = 0; i3 < d->count[3] && !failed; i3++)
	for (i2 = 0; i2 < d->count[2] && !failed; i2++)
	for (i1 = 0; i1 < d->count[1] && !failed; i1++) {
		uint64_t va = d->dram_addr + (uint64_t)i3 * (uint64_t)d->dram_stride[3] +
			      (uint64_t)i2 * (uint64_t)d->dram_stride[2] +
			      (uint64_t)i1 * (uint64_t)d->dram_stride[1];
		uint64_t g = g0 + (uint64_t)i3 * d->glb_stride[3] +
			     (uint64_t)i2 * d->glb_stride[2] + (uint64_t)i1 * d->glb_stride[1];

		if (!x.load) {
			uint32_t w;

			for (i0 = 0; i0 < n; i0++)
				line[i0] = (__s8)local[g + (uint64_t)i0 * d->glb_stride[0]];
			w = eyrie_rle_encode(line, n, zero, words);
			for (uint32_t k = 0; k < w; k++)
				words[k] = htole64(words[k]);
			if (copy_run(&raw, va, 0, 8ull * w)) {
				failed = 1;
				break;
			}
			coded += w;
			elems += n;
			continue;
		}
		for (uint32_t pos = 0, k = 0; pos < end; k++) {
			if (copy_run(&raw, va + 8ull * k, 8ull * k, 8)) {
				failed = 1;
				break;
			}
			coded++;
			eyrie_rle_decode_word(le64toh(words[k]), zero, line, &pos, end);
		}
		if (failed)
			break;
		for (i0 = 0; i0 < n; i0++)
			local[g + (uint64_t)i0 * d->glb_stride[0]] = (uint8_t)line[d->rle_skip + i0];
		elems += n;
	}
	free(line);
	free(words);
	/* What moved before a fault still cost its energy and time. */
	memset(&c, 0, sizeof(c));
	c.words[EYRIE_ENERGY_DRAM] = 8 * coded;
	c.dram_bytes = 8 * coded;
	if (!stream)
		c.words[EYRIE_ENERGY_GLB] = elems;
	sim_job_add(sim, &c, sim_energy_dma_cycles_rle(&sim->desc, 8 * coded, elems), 0);
	if (failed) {
		*detail = (uint32_t)raw.fault_va;
		return raw.err;
	}
	return 0;
}

/*
 * Index of dimension 1 on the GLB side: with EYRIE_DMA_F_RING (docs/
 * hardware.md 7.12) the rows wrap after ring_rows (the firmware checked
 * count[1] <= ring_rows and the whole ring inside the GLB).
 */
static uint32_t glb_row(const struct eyrie_cmd_dma *d, uint32_t i1)
{
	if (!(d->hdr.flags & EYRIE_DMA_F_RING))
		return i1;
	return (uint32_t)(((uint64_t)d->ring_row0 + i1) % d->ring_rows);
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

	if (d->hdr.flags & EYRIE_DMA_F_RLE)
		return dma_rle(sim, d, detail);
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
					     (uint64_t)glb_row(d, i1) * d->glb_stride[1];

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
