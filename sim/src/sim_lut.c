/* SPDX-License-Identifier: MIT */
/*
 * Activation table of the array's output stage (EYRIE_CAP_ACT_LUT): LUT_LOAD
 * reads its 256 int8 entries from DRAM through the job's MMU; passes with
 * EYRIE_PASS_F_LUT map each int8 result through it (sim_array.c). The table
 * is cleared when a job begins, so a job never sees another job's table.
 */
#include <string.h>

#include "sim_internal.h"

void sim_lut_clear(struct eyrie_sim *sim)
{
	memset(sim->act_lut, 0, sizeof(sim->act_lut));
}

uint32_t sim_lut_load(struct eyrie_sim *sim, const struct eyrie_cmd_lut_load *l,
		      uint32_t *detail)
{
	uint64_t va = l->dram_addr, done = 0;
	struct sim_counts c;
	uint32_t err = 0;

	while (done < EYRIE_LUT_ENTRIES) {
		uint64_t room = EYRIE_PAGE_SIZE - (va & (EYRIE_PAGE_SIZE - 1));
		uint64_t left = EYRIE_LUT_ENTRIES - done;
		uint32_t chunk = (uint32_t)(left < room ? left : room);
		const uint8_t *p = sim_mmu_map(sim, va, chunk, EYRIE_ACCESS_READ, &err);

		if (!p)
			break;
		memcpy(sim->act_lut + done, p, chunk);
		va += chunk;
		done += chunk;
	}
	/*
	 * Each entry is one DRAM word read and one write of the table, which
	 * is a register file (RF energy); the DMA unit's bandwidth sets the
	 * time, as for a DMA_LOAD of the same size.
	 */
	memset(&c, 0, sizeof(c));
	c.words[EYRIE_ENERGY_DRAM] = done;
	c.dram_bytes = done;
	c.words[EYRIE_ENERGY_RF] = done;
	sim_job_add(sim, &c, sim_energy_dma_cycles(&sim->desc, done), 0);
	if (done < EYRIE_LUT_ENTRIES) {
		*detail = (uint32_t)va;
		return err;
	}
	return 0;
}
