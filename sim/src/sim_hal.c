/* SPDX-License-Identifier: MIT */
/*
 * The firmware's register HAL, host build: decodes a device-internal
 * address (eyrie_fw_regs.h) into the model's hardware units. The firmware
 * runs on the device thread, which binds its device here.
 */
#include <string.h>
#include <time.h>

#include "sim_internal.h"

static _Thread_local struct eyrie_sim *hal_sim;

void sim_hal_bind(struct eyrie_sim *sim)
{
	hal_sim = sim;
}

static uint32_t bus_word(struct eyrie_sim *sim, int write, uint32_t val)
{
	/* Aligned words only, so a word never straddles two pages. */
	uint32_t *p = (sim->bus_addr & 3) ? NULL :
		      sim->host.dma_map(sim->host.opaque, sim->bus_addr, 4);

	if (!p) {
		sim->bus_status = 1;
		sim->bus_addr += 4;
		return 0xffffffffu;
	}
	sim->bus_addr += 4;
	if (write) {
		__atomic_store_n(p, val, __ATOMIC_RELEASE);
		return 0;
	}
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint32_t va_word(struct eyrie_sim *sim, int write, uint32_t val)
{
	uint32_t err = 0;
	uint32_t *p;

	if (sim->va_status) {
		/* Sticky: the rest of a faulted transfer goes nowhere. */
		sim->va_addr += 4;
		return 0xffffffffu;
	}
	if (sim->va_addr & 3) {
		sim->va_status = EYRIE_JOB_ERR_ALIGN;
		sim->va_addr += 4;
		return 0xffffffffu;
	}
	p = sim_mmu_map(sim, sim->va_addr, 4,
			write ? EYRIE_ACCESS_WRITE : EYRIE_ACCESS_READ, &err);
	if (!p) {
		sim->va_status = err;
		sim->va_addr += 4;
		return 0xffffffffu;
	}
	sim->va_addr += 4;
	if (write) {
		memcpy(p, &val, 4);
		return 0;
	}
	memcpy(&val, p, 4);
	return val;
}

static void engine_go(struct eyrie_sim *sim)
{
	union eyrie_cmd cmd;

	memcpy(&cmd, sim->desc_words, sizeof(cmd));
	sim->engine_detail = 0;
	switch (cmd.hdr.opcode) {
	case EYRIE_OP_DMA_LOAD:
	case EYRIE_OP_DMA_STORE:
		sim->engine_status = sim_dma_run(sim, &cmd.dma, &sim->engine_detail);
		break;
	case EYRIE_OP_CONV:
	case EYRIE_OP_FC:
	case EYRIE_OP_POOL:
	case EYRIE_OP_ELTWISE:
		sim->engine_status = sim_array_run(sim, &cmd, &sim->engine_detail);
		break;
	case EYRIE_OP_LUT_LOAD:
		sim->engine_status = sim_lut_load(sim, &cmd.lut_load, &sim->engine_detail);
		break;
	default:
		sim->engine_status = EYRIE_JOB_ERR_OPCODE;
		break;
	}
	sim_job_tick(sim);
}

static uint32_t event_read(struct eyrie_sim *sim)
{
	uint32_t ev;

	pthread_mutex_lock(&sim->lock);
	/* Queue doorbells rung while the firmware ran reach it directly. */
	ev = sim->doorbells & ~(1u << EYRIE_VECTOR_ADMIN);
	sim->doorbells &= (1u << EYRIE_VECTOR_ADMIN);
	sim->fw_events |= ev;
	ev = sim->fw_events;
	pthread_mutex_unlock(&sim->lock);
	return ev;
}

static uint32_t latch_word(struct eyrie_sim *sim, uint32_t off)
{
	uint32_t idx = (off - 0x500) / 8;
	uint64_t v = idx < 64 ? sim->latch[idx] : 0;

	return (off & 4) ? (uint32_t)(v >> 32) : (uint32_t)v;
}

uint32_t hal_read32(uint32_t addr)
{
	struct eyrie_sim *sim = hal_sim;
	uint32_t off;

	if (addr >= FWR_CTRL_BASE && addr < FWR_CTRL_BASE + EYRIE_CTRL_SIZE)
		return ctrl_load(sim, (addr - FWR_CTRL_BASE) & ~3u);
	if (addr < FWR_HW_BASE || addr >= FWR_HW_BASE + 0x1000)
		return 0xffffffffu;
	off = addr - FWR_HW_BASE;
	switch (addr) {
	case FWR_HW_ID:
		return FWR_HW_ID_VALUE;
	case FWR_EVENT:
		return event_read(sim);
	case FWR_ABORT:
		return (uint32_t)__atomic_load_n(&sim->abort_pending, __ATOMIC_ACQUIRE);
	case FWR_TIME_LO: {
		uint64_t t;

		sim_power_idle(sim);
		t = sim->pw.dev_ns;
		sim->time_hi_latch = (uint32_t)(t >> 32);
		return (uint32_t)t;
	}
	case FWR_TIME_HI:
		return sim->time_hi_latch;
	case FWR_TIMER_BUSY: {
		uint64_t now = sim_wall_ns();

		if (now >= sim->timer_deadline_ns)
			return 0;
		/* Polled in a loop: let the host CPU rest meanwhile. */
		{
			uint64_t left = sim->timer_deadline_ns - now;
			struct timespec ts = { 0, (long)(left < 1000000 ? left : 1000000) };

			nanosleep(&ts, NULL);
		}
		return 1;
	}
	case FWR_BUS_DATA:
		return bus_word(sim, 0, 0);
	case FWR_BUS_STATUS:
		return sim->bus_status;
	case FWR_MMU_CTX:
		return sim->mmu.ctx;
	case FWR_VA_DATA:
		return va_word(sim, 0, 0);
	case FWR_VA_STATUS:
		return sim->va_status;
	case FWR_MMU_FAULT_ADDR_LO:
		return (uint32_t)sim->mmu.fault_addr;
	case FWR_MMU_FAULT_ADDR_HI:
		return (uint32_t)(sim->mmu.fault_addr >> 32);
	case FWR_MMU_TLB_HITS:
		return (uint32_t)sim->mmu.hits;
	case FWR_MMU_TLB_MISSES:
		return (uint32_t)sim->mmu.misses;
	case FWR_ENGINE_STATUS:
		return sim->engine_status;
	case FWR_ENGINE_DETAIL:
		return sim->engine_detail;
	default:
		break;
	}
	if (off >= 0x400 && off < 0x480)
		return sim->desc_words[(off - 0x400) / 4];
	if (off >= 0x510 && off < 0x600)
		return latch_word(sim, off);
	return 0xffffffffu;
}

void hal_write32(uint32_t addr, uint32_t val)
{
	struct eyrie_sim *sim = hal_sim;
	uint32_t off;

	if (addr >= FWR_CTRL_BASE && addr < FWR_CTRL_BASE + EYRIE_CTRL_SIZE) {
		ctrl_store(sim, (addr - FWR_CTRL_BASE) & ~3u, val);
		return;
	}
	if (addr < FWR_HW_BASE || addr >= FWR_HW_BASE + 0x1000)
		return;
	off = addr - FWR_HW_BASE;
	switch (addr) {
	case FWR_EVENT:
		pthread_mutex_lock(&sim->lock);
		sim->fw_events &= ~val;
		pthread_mutex_unlock(&sim->lock);
		return;
	case FWR_MSIX:
		sim_irq(sim, val);
		return;
	case FWR_TIMER_US:
		sim->timer_deadline_ns = sim_wall_ns() + (uint64_t)val * 1000u;
		return;
	case FWR_TELEM_PERIOD_US:
		sim_power_set_period(sim, val);
		return;
	case FWR_BUS_ADDR_LO:
		sim->bus_addr = (sim->bus_addr & ~0xffffffffull) | val;
		return;
	case FWR_BUS_ADDR_HI:
		sim->bus_addr = (sim->bus_addr & 0xffffffffull) | (uint64_t)val << 32;
		return;
	case FWR_BUS_DATA:
		bus_word(sim, 1, val);
		return;
	case FWR_BUS_STATUS:
		sim->bus_status = 0;
		return;
	case FWR_MMU_ROOT_LO:
		sim->mmu.root = (sim->mmu.root & ~0xffffffffull) | val;
		return;
	case FWR_MMU_ROOT_HI:
		sim->mmu.root = (sim->mmu.root & 0xffffffffull) | (uint64_t)val << 32;
		return;
	case FWR_MMU_CTX:
		sim->mmu.ctx = val;
		return;
	case FWR_MMU_TAG_LO:
		sim->mmu.tag = (sim->mmu.tag & ~0xffffffffull) | val;
		return;
	case FWR_MMU_TAG_HI:
		sim->mmu.tag = (sim->mmu.tag & 0xffffffffull) | (uint64_t)val << 32;
		return;
	case FWR_MMU_FLUSH:
		sim_mmu_flush(sim);
		return;
	case FWR_VA_ADDR_LO:
		sim->va_addr = (sim->va_addr & ~0xffffffffull) | val;
		return;
	case FWR_VA_ADDR_HI:
		sim->va_addr = (sim->va_addr & 0xffffffffull) | (uint64_t)val << 32;
		return;
	case FWR_VA_DATA:
		va_word(sim, 1, val);
		return;
	case FWR_VA_STATUS:
		sim->va_status = 0;
		return;
	case FWR_ENGINE_GO:
		engine_go(sim);
		return;
	case FWR_BARRIER:
		sim_job_barrier(sim);
		sim_job_tick(sim);
		return;
	case FWR_EVENT_SIGNAL:
	case FWR_EVENT_WAIT:
		if (sim->caps & EYRIE_CAP_EVENTS)
			sim_job_event(sim, addr == FWR_EVENT_WAIT, val);
		return;
	case FWR_JOB_CTL:
		if (val == FWR_JOB_CTL_BEGIN) {
			sim_job_begin(sim);
			sim_lut_clear(sim);
		} else if (val == FWR_JOB_CTL_END) {
			sim_job_end(sim);
		} else if (val == FWR_JOB_CTL_SAMPLE) {
			sim_job_latch(sim);
		}
		return;
	default:
		break;
	}
	if (off >= 0x400 && off < 0x480)
		sim->desc_words[(off - 0x400) / 4] = val;
}
