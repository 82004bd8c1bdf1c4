/* SPDX-License-Identifier: MIT */
/*
 * Device model internals. One struct eyrie_sim per board; the device thread
 * runs the firmware (host build) and, through the HAL, the hardware units
 * below: boot ROM, MMU, DMA unit, PE array, accounting, power/thermal.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "eyrie_fw.h"
#include "eyrie_fw_regs.h"
#include "eyrie_sim.h"

#define SIM_TLB_ENTRIES		32	/* direct mapped on the page number */
#define SIM_DEFAULT_PERIOD_US	10000u

struct sim_tlb_entry {
	uint64_t root;
	uint64_t vpn;
	uint64_t pte;
	int valid;
};

struct sim_mmu {
	uint64_t root;
	uint32_t ctx;
	uint64_t tag;
	struct sim_tlb_entry tlb[SIM_TLB_ENTRIES];
	uint64_t hits, misses;
	uint64_t fault_addr;
};

/* Access counts (words) per level and MACs, as the energy model counts. */
struct sim_counts {
	uint64_t words[EYRIE_ACCESS_LEVELS];	/* DRAM, GLB, NoC, RF, MAC */
	uint64_t dram_bytes;
	uint64_t gated_macs;	/* not in words[MAC] (EYRIE_PASS_F_ZERO_GATE) */
	uint64_t fp32_rq;	/* binary32 multiplies of the EYRIE_PASS_F_FP32_RQ rules
				 * (one per CONV/FC/POOL output, two per ELTWISE one):
				 * EYRIE_FP32_RQ_MAC_ENERGY MAC energies each */
};

/* Accounting of the running job. */
struct sim_job {
	int active;
	struct sim_counts counts;
	/*
	 * Time line of each engine (enum eyrie_engine): the cycle at which
	 * it has finished its commands so far; a BARRIER brings both to the
	 * later one, events carry one engine's time to the other.
	 */
	uint64_t engine_cycles[EYRIE_ENGINE_COUNT];
	uint64_t event_cycles[EYRIE_NUM_EVENTS];
	uint64_t start_ns;
	uint64_t start_wall_ns;
	uint32_t clock_khz;		/* clock for this job */
};

/* Device time, energy, power and thermal state (device thread only). */
struct sim_power {
	uint64_t dev_ns;		/* device time */
	uint64_t wall_ref_ns;		/* wall time matching dev_ns when idle */
	uint64_t energy_fj[EYRIE_ENERGY_DOMAINS];
	uint64_t busy_ns, cycles, jobs, macs;
	uint64_t last_sample_ns, last_sample_energy, last_sample_macs;
	uint64_t last_sample_busy;
	uint64_t last_thermal_ns, last_thermal_energy;
	double temp_mc;
	int throttled;
	uint32_t throttle_events;
	uint32_t clock_khz;
	uint32_t power_mw, util_permille;
	uint32_t period_us;
	/*
	 * The device waited for work (or for the host to drain a full
	 * completion ring) since its last job ended: only then is wall time
	 * idle device time. Between back-to-back jobs it is the host's time
	 * spent simulating the firmware, which is not device time.
	 */
	int waited;
};

struct eyrie_sim {
	struct eyrie_hw_desc desc;
	struct eyrie_sim_host host;
	uint64_t caps;
	int realtime;
	uint8_t *bar2;
	size_t bar2_size;
	int bar2_owned;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* device thread waits here */
	pthread_cond_t idle;		/* quiesce waits here */
	int stop;
	uint32_t doorbells;		/* rung, not yet taken (bit = vector) */
	uint32_t fw_events;		/* taken, for the firmware (FWR_EVENT) */
	int abort_pending;		/* atomic: MBOX_RESET rung */
	int refuse_reset;		/* leave the next MBOX_RESET unanswered */
	int refuse_reset_note;		/* log the arming (device thread) */
	int fw_running;
	int fw_blocked;
	int busy;
	struct fw_state fw;

	/* HAL-visible hardware state. */
	uint64_t bus_addr;
	uint32_t bus_status;
	uint64_t va_addr;
	uint32_t va_status;
	uint32_t desc_words[FWR_DESC_WORDS];
	uint32_t engine_status, engine_detail;
	uint32_t time_hi_latch;
	uint64_t latch[64];		/* FWR_JOB_* latched counters, by word */
	uint64_t timer_deadline_ns;

	struct sim_mmu mmu;
	uint8_t *glb;
	uint8_t *stream;
	uint8_t act_lut[EYRIE_LUT_ENTRIES];	/* activation table (int8 entries) */
	struct sim_job job;
	struct sim_power pw;
};

static inline struct eyrie_hw_ctrl *sim_ctrl(struct eyrie_sim *sim)
{
	return (struct eyrie_hw_ctrl *)sim->bar2;
}

/* Control page word access (shared with the host: atomic, ordered). */
static inline uint32_t ctrl_load(struct eyrie_sim *sim, uint32_t off)
{
	return __atomic_load_n((uint32_t *)(sim->bar2 + off), __ATOMIC_ACQUIRE);
}

static inline void ctrl_store(struct eyrie_sim *sim, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(sim->bar2 + off), v, __ATOMIC_RELEASE);
}

uint64_t sim_wall_ns(void);
void sim_irq(struct eyrie_sim *sim, unsigned int vector);
void sim_log(struct eyrie_sim *sim, const char *msg);

/* sim_hal.c */
void sim_hal_bind(struct eyrie_sim *sim);

/* sim_boot.c: mailbox commands handled by hardware (boot ROM, reset). */
void sim_boot_handle_admin(struct eyrie_sim *sim);
void sim_reset_state(struct eyrie_sim *sim);

/* sim_mmu.c */
void sim_mmu_flush(struct eyrie_sim *sim);
/*
 * Translates va for access (EYRIE_ACCESS_*) and maps len bytes (within the
 * page). Returns the host pointer, or NULL with *err = EYRIE_JOB_ERR_MMU_*
 * (the fault is recorded in the control page).
 */
void *sim_mmu_map(struct eyrie_sim *sim, uint64_t va, uint32_t len,
		  uint32_t access, uint32_t *err);

/* sim_dma.c: runs a validated DMA descriptor. 0 or a job status. */
uint32_t sim_dma_run(struct eyrie_sim *sim, const struct eyrie_cmd_dma *d,
		     uint32_t *detail);

/* sim_array.c: runs a validated pass descriptor. 0 or a job status. */
uint32_t sim_array_run(struct eyrie_sim *sim, const union eyrie_cmd *cmd,
		       uint32_t *detail);

/* sim_lut.c: the activation table (LUT_LOAD; cleared at job begin). */
void sim_lut_clear(struct eyrie_sim *sim);
uint32_t sim_lut_load(struct eyrie_sim *sim, const struct eyrie_cmd_lut_load *l,
		      uint32_t *detail);

/* sim_energy.c: access counts and cycles of a pass (the energy model). */
uint64_t sim_energy_conv(const struct eyrie_hw_desc *desc,
			 const struct eyrie_cmd_conv *c, struct sim_counts *out);
uint64_t sim_energy_pool(const struct eyrie_hw_desc *desc,
			 const struct eyrie_cmd_pool *p, struct sim_counts *out);
uint64_t sim_energy_eltwise(const struct eyrie_hw_desc *desc,
			    const struct eyrie_cmd_eltwise *e,
			    struct sim_counts *out);
uint64_t sim_energy_dma_cycles(const struct eyrie_hw_desc *desc,
			       uint64_t bytes);
uint64_t sim_energy_dma_cycles_rle(const struct eyrie_hw_desc *desc, uint64_t dram_bytes,
				   uint64_t glb_bytes);
uint64_t sim_counts_energy_fj(const struct eyrie_hw_desc *desc,
			      const struct sim_counts *c, int level);

/* sim_power.c: device time, accounting, telemetry, thermal. */
void sim_power_init(struct eyrie_sim *sim);
void sim_power_idle(struct eyrie_sim *sim);
void sim_job_begin(struct eyrie_sim *sim);
void sim_job_end(struct eyrie_sim *sim);
void sim_job_barrier(struct eyrie_sim *sim);
/* EVENT_SIGNAL / EVENT_WAIT: arg = event | engine << 8, validated. */
void sim_job_event(struct eyrie_sim *sim, int wait, uint32_t arg);
void sim_job_tick(struct eyrie_sim *sim);
void sim_job_latch(struct eyrie_sim *sim);
void sim_job_add(struct eyrie_sim *sim, const struct sim_counts *c,
		 uint64_t dma_cycles, uint64_t array_cycles);
void sim_power_set_period(struct eyrie_sim *sim, uint32_t us);

#endif /* SIM_INTERNAL_H */
