/* SPDX-License-Identifier: MIT */
/*
 * Device model core: creation, the device thread, doorbells and quiesce.
 * The device thread is the board's command processor core: it runs the
 * firmware (host build) whenever the firmware has events, and otherwise
 * keeps device time, energy and temperature moving with wall time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_internal.h"

uint64_t sim_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_irq(struct eyrie_sim *sim, unsigned int vector)
{
	if (sim->host.irq)
		sim->host.irq(sim->host.opaque, vector);
}

void eyrie_sim_default_desc(struct eyrie_hw_desc *d)
{
	memset(d, 0, sizeof(*d));
	/* Eyeriss v1 (Chen et al., JSSC 2017): 12 x 14 PEs, 108 KiB GLB. */
	d->pe_rows = 12;
	d->pe_cols = 14;
	d->rf_ifmap_words = 12;
	d->rf_filter_words = 224;
	d->rf_psum_words = 24;
	d->word_bits_act = 8;
	d->word_bits_psum = 32;
	d->num_queues = 2;
	d->glb_bytes = 108 * 1024;
	d->stream_bytes = 16 * 1024;
	d->clock_khz = 200000;
	d->dram_bytes_per_cycle = 8;
	d->glb_bytes_per_cycle = 32;
	d->noc_words_per_cycle = 168;
	/* Eyeriss normalized costs x 200 fJ (docs/sim.md, "Energy"). */
	d->energy_fj[EYRIE_ENERGY_DRAM] = 200 * 200;
	d->energy_fj[EYRIE_ENERGY_GLB] = 6 * 200;
	d->energy_fj[EYRIE_ENERGY_NOC] = 2 * 200;
	d->energy_fj[EYRIE_ENERGY_RF] = 1 * 200;
	d->energy_fj[EYRIE_ENERGY_MAC] = 1 * 200;
	d->static_mw = 30;
	d->queue_max_entries = 1024;
	d->max_cmds_per_job = 65536;
	d->thermal_r_mc_per_w = 25000;
	d->thermal_tau_ms = 1000;
	d->ambient_mc = 40000;
	d->throttle_mc = 85000;
	d->crit_mc = 105000;
	d->throttle_clock_khz = 100000;
}

/* Fields left 0 in the configuration take the default. */
static void merge_desc(struct eyrie_hw_desc *d, const struct eyrie_hw_desc *cfg)
{
	struct eyrie_hw_desc def;
	int i;

	eyrie_sim_default_desc(&def);
	*d = *cfg;
#define DEF(f) do { if (!d->f) d->f = def.f; } while (0)
	DEF(pe_rows); DEF(pe_cols); DEF(rf_ifmap_words); DEF(rf_filter_words);
	DEF(rf_psum_words); DEF(word_bits_act); DEF(word_bits_psum);
	DEF(num_queues); DEF(glb_bytes); DEF(stream_bytes); DEF(clock_khz);
	DEF(dram_bytes_per_cycle); DEF(glb_bytes_per_cycle);
	DEF(noc_words_per_cycle); DEF(static_mw); DEF(queue_max_entries);
	DEF(max_cmds_per_job); DEF(thermal_r_mc_per_w); DEF(thermal_tau_ms);
	DEF(ambient_mc); DEF(throttle_mc); DEF(crit_mc); DEF(throttle_clock_khz);
#undef DEF
	for (i = 0; i < EYRIE_ACCESS_LEVELS; i++)
		if (!d->energy_fj[i])
			d->energy_fj[i] = def.energy_fj[i];
	memset(d->reserved, 0, sizeof(d->reserved));
}

static int desc_valid(const struct eyrie_hw_desc *d)
{
	if (d->num_queues > EYRIE_MAX_QUEUES)
		return 0;
	if (d->queue_max_entries & (d->queue_max_entries - 1))
		return 0;
	if (d->glb_bytes >= EYRIE_ADDR_STREAM || d->stream_bytes >= EYRIE_ADDR_STREAM)
		return 0;
	if (d->word_bits_act != 8 || d->word_bits_psum != 32)
		return 0;
	return d->thermal_tau_ms > 0;
}

static void *device_thread(void *arg);

int eyrie_sim_create(const struct eyrie_sim_config *cfg,
		     const struct eyrie_sim_host *host, struct eyrie_sim **out)
{
	struct eyrie_sim *sim;
	struct eyrie_hw_ctrl *ctrl;
	uint32_t bar2_size;

	if (!cfg || !host || !out || cfg->sz < sizeof(*cfg) || !host->dma_map)
		return -EINVAL;
	bar2_size = cfg->bar2_size ? cfg->bar2_size : EYRIE_BAR2_MIN_SIZE;
	if (bar2_size < EYRIE_BAR2_MIN_SIZE)
		return -EINVAL;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	merge_desc(&sim->desc, &cfg->desc);
	if (!desc_valid(&sim->desc)) {
		free(sim);
		return -EINVAL;
	}
	sim->host = *host;
	sim->realtime = cfg->realtime;
	sim->caps = (EYRIE_CAP_MMU | EYRIE_CAP_STREAM | EYRIE_CAP_TELEMETRY |
		     EYRIE_CAP_THERMAL_THROTTLE | EYRIE_CAP_PER_CHANNEL_QUANT |
		     EYRIE_CAP_ACT_LUT |
		     EYRIE_CAP_EVENTS | EYRIE_CAP_ZERO_GATE | EYRIE_CAP_RLE_DMA |
		     EYRIE_CAP_FLEX_NOC | EYRIE_CAP_FP32_REQUANT | EYRIE_CAP_IN_RING |
		     EYRIE_CAP_OUT_RING |
		     (cfg->realtime ? EYRIE_CAP_REALTIME_PACING : 0) |
		     (cfg->caps_set & (EYRIE_CAP_DEBUG_STALL |
				       EYRIE_CAP_REALTIME_PACING))) &
		    ~cfg->caps_clear;
	sim->bar2_size = bar2_size;
	if (cfg->bar2) {
		sim->bar2 = cfg->bar2;
	} else {
		sim->bar2 = calloc(1, bar2_size);
		sim->bar2_owned = 1;
	}
	sim->glb = calloc(1, sim->desc.glb_bytes);
	sim->stream = calloc(1, sim->desc.stream_bytes ? sim->desc.stream_bytes : 1);
	if (!sim->bar2 || !sim->glb || !sim->stream) {
		eyrie_sim_destroy(sim);
		return -ENOMEM;
	}
	memset(sim->bar2, 0, EYRIE_CTRL_SIZE);
	ctrl = sim_ctrl(sim);
	ctrl->hw_version = EYRIE_HW_VERSION;
	ctrl->caps = sim->caps;
	ctrl->doorbell_peer = cfg->doorbell_peer;
	ctrl->bar2_size = bar2_size;
	ctrl->num_vectors = EYRIE_NUM_VECTORS;
	memcpy(ctrl->board_serial, "EYRIE-SIM-0001", 14);
	ctrl->desc = sim->desc;
	((struct eyrie_hw_log *)(sim->bar2 + EYRIE_CTRL_OFF_LOG))->size =
		EYRIE_LOG_RING_BYTES;
	sim_power_init(sim);
	if (cfg->telemetry_period_us)
		sim_power_set_period(sim, cfg->telemetry_period_us);
	sim_reset_state(sim);
	/* The magic goes last: a reader seeing it sees a complete page. */
	__atomic_store_n(&ctrl->magic, EYRIE_CTRL_MAGIC, __ATOMIC_RELEASE);

	pthread_mutex_init(&sim->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sim->wake, &ca);
		pthread_cond_init(&sim->idle, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&sim->thread, NULL, device_thread, sim)) {
		pthread_mutex_destroy(&sim->lock);
		pthread_cond_destroy(&sim->wake);
		pthread_cond_destroy(&sim->idle);
		sim->thread = 0;
		eyrie_sim_destroy(sim);
		return -EAGAIN;
	}
	*out = sim;
	return 0;
}

void eyrie_sim_destroy(struct eyrie_sim *sim)
{
	if (!sim)
		return;
	if (sim->thread) {
		pthread_mutex_lock(&sim->lock);
		sim->stop = 1;
		__atomic_store_n(&sim->abort_pending, 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&sim->wake);
		pthread_mutex_unlock(&sim->lock);
		pthread_join(sim->thread, NULL);
		pthread_mutex_destroy(&sim->lock);
		pthread_cond_destroy(&sim->wake);
		pthread_cond_destroy(&sim->idle);
	}
	if (sim->bar2_owned)
		free(sim->bar2);
	free(sim->glb);
	free(sim->stream);
	free(sim);
}

void *eyrie_sim_bar2(struct eyrie_sim *sim)
{
	return sim->bar2;
}

size_t eyrie_sim_bar2_size(const struct eyrie_sim *sim)
{
	return sim->bar2_size;
}

void eyrie_sim_doorbell(struct eyrie_sim *sim, unsigned int vector)
{
	if (vector >= EYRIE_NUM_VECTORS)
		return;
	pthread_mutex_lock(&sim->lock);
	sim->doorbells |= 1u << vector;
	if (vector == EYRIE_VECTOR_ADMIN &&
	    ctrl_load(sim, EYRIE_CTRL_OFF_MAILBOX +
			   offsetof(struct eyrie_hw_mailbox, cmd)) == EYRIE_MBOX_RESET)
		__atomic_store_n(&sim->abort_pending, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&sim->wake);
	pthread_mutex_unlock(&sim->lock);
}

void eyrie_sim_refuse_next_reset(struct eyrie_sim *sim)
{
	pthread_mutex_lock(&sim->lock);
	sim->refuse_reset = 1;
	/* The log ring is the device thread's to write (the firmware's too). */
	sim->refuse_reset_note = 1;
	pthread_cond_signal(&sim->wake);
	pthread_mutex_unlock(&sim->lock);
}

static int quiescent(const struct eyrie_sim *sim)
{
	return !sim->busy && !sim->doorbells && !sim->fw_events && !sim->fw_blocked;
}

static void deadline_after_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int eyrie_sim_quiesce(struct eyrie_sim *sim, unsigned int timeout_ms)
{
	struct timespec dl;
	int rc = 0;

	deadline_after_ms(&dl, timeout_ms);
	pthread_mutex_lock(&sim->lock);
	while (!quiescent(sim)) {
		if (pthread_cond_timedwait(&sim->idle, &sim->lock, &dl) == ETIMEDOUT) {
			rc = quiescent(sim) ? 0 : -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

/*
 * Takes rung doorbells (lock held). The admin doorbell goes to the hardware
 * (boot ROM, reset) unless the firmware runs and the command is its own.
 * Returns 1 if the hardware must handle the mailbox.
 */
static int take_doorbells(struct eyrie_sim *sim)
{
	uint32_t db = sim->doorbells;
	uint32_t cmd;
	int hw_admin = 0;

	sim->doorbells = 0;
	if (db & (1u << EYRIE_VECTOR_ADMIN)) {
		cmd = ctrl_load(sim, EYRIE_CTRL_OFF_MAILBOX +
				     offsetof(struct eyrie_hw_mailbox, cmd));
		if (cmd == EYRIE_MBOX_RESET || !sim->fw_running)
			hw_admin = 1;
		else
			sim->fw_events |= FWR_EVENT_ADMIN;
	}
	if (sim->fw_running)
		sim->fw_events |= db & ~(1u << EYRIE_VECTOR_ADMIN);
	return hw_admin;
}

static void *device_thread(void *arg)
{
	struct eyrie_sim *sim = arg;

	sim_hal_bind(sim);
	pthread_mutex_lock(&sim->lock);
	while (!sim->stop) {
		if (sim->refuse_reset_note) {
			sim->refuse_reset_note = 0;
			pthread_mutex_unlock(&sim->lock);
			sim_log(sim, "debug: the next RESET goes unanswered");
			pthread_mutex_lock(&sim->lock);
			continue;
		}
		if (take_doorbells(sim)) {
			sim->busy = 1;
			pthread_mutex_unlock(&sim->lock);
			sim_boot_handle_admin(sim);
			pthread_mutex_lock(&sim->lock);
			sim->busy = 0;
			continue;
		}
		if (sim->fw_running && (sim->fw_events || sim->fw_blocked)) {
			enum fw_service_result res;

			sim->busy = 1;
			pthread_mutex_unlock(&sim->lock);
			res = fw_service(&sim->fw);
			pthread_mutex_lock(&sim->lock);
			sim->busy = 0;
			sim->fw_blocked = res == FW_BLOCKED;
			if (sim->fw_blocked && !sim->doorbells && !sim->stop) {
				/* A full completion ring drains without a
				 * doorbell: look again shortly. */
				struct timespec dl;

				pthread_cond_broadcast(&sim->idle);
				sim->pw.waited = 1;
				deadline_after_ms(&dl, 1);
				pthread_cond_timedwait(&sim->wake, &sim->lock, &dl);
			}
			continue;
		}
		pthread_cond_broadcast(&sim->idle);
		sim->pw.waited = 1;
		{
			struct timespec dl;
			uint32_t ms = sim->pw.period_us / 1000;

			deadline_after_ms(&dl, ms ? ms : 1);
			if (!sim->doorbells && !sim->stop)
				pthread_cond_timedwait(&sim->wake, &sim->lock, &dl);
		}
		pthread_mutex_unlock(&sim->lock);
		sim_power_idle(sim);
		pthread_mutex_lock(&sim->lock);
	}
	pthread_mutex_unlock(&sim->lock);
	return NULL;
}
