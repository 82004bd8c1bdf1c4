/* SPDX-License-Identifier: MIT */
/*
 * Device time, job accounting, telemetry and the RC thermal model.
 *
 * Device time advances by the modeled duration of each job (cycles at the
 * job's clock) and, while idle, with wall time. Idle means the device
 * waited for work: the host time between two jobs it ran back to back (the
 * firmware simulated on a busy host) is not idle time, or a loaded host
 * would cool a fully busy die. Static power accrues with
 * device time. The DMA unit and the PE array each have a time line; they
 * meet at barriers and events, and a job takes the later of the two
 * (without events: max(DMA cycles, array cycles) per barrier segment).
 * docs/sim.md has the rules.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "sim_internal.h"

static struct eyrie_hw_telemetry *telem(struct eyrie_sim *sim)
{
	return (struct eyrie_hw_telemetry *)(sim->bar2 + EYRIE_CTRL_OFF_TELEMETRY);
}

static uint64_t energy_total(const struct sim_power *pw)
{
	uint64_t t = 0;

	for (int d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		t += pw->energy_fj[d];
	return t;
}

static uint64_t static_fj(const struct eyrie_sim *sim, uint64_t ns)
{
	/* mW x ns = pJ = 1000 fJ */
	return (uint64_t)sim->desc.static_mw * ns * 1000u;
}

static uint64_t cycles_to_ns(uint64_t cycles, uint32_t clock_khz)
{
	return (cycles * 1000000u + clock_khz - 1) / clock_khz;
}

/* Integrates temperature up to now and applies the throttle thresholds. */
static void thermal_step(struct eyrie_sim *sim)
{
	struct sim_power *pw = &sim->pw;
	uint64_t dt = pw->dev_ns - pw->last_thermal_ns;
	uint64_t e = energy_total(pw);
	double p_w, t_ss, alpha;

	if (!dt)
		return;
	p_w = (double)(e - pw->last_thermal_energy) / (double)dt * 1e-6;
	t_ss = sim->desc.ambient_mc + p_w * sim->desc.thermal_r_mc_per_w;
	alpha = 1.0 - exp(-(double)dt / (sim->desc.thermal_tau_ms * 1e6));
	pw->temp_mc += (t_ss - pw->temp_mc) * alpha;
	pw->last_thermal_ns = pw->dev_ns;
	pw->last_thermal_energy = e;
	if (!(sim->caps & EYRIE_CAP_THERMAL_THROTTLE))
		return;
	if (!pw->throttled && pw->temp_mc >= sim->desc.throttle_mc) {
		pw->throttled = 1;
		pw->throttle_events++;
		pw->clock_khz = sim->desc.throttle_clock_khz;
		sim_log(sim, "thermal: throttling, clock lowered");
		sim_irq(sim, EYRIE_VECTOR_ADMIN);
	} else if (pw->throttled && pw->temp_mc < sim->desc.throttle_mc - 2000) {
		/* 2 degC of hysteresis so the clock does not flap. */
		pw->throttled = 0;
		pw->clock_khz = sim->desc.clock_khz;
		sim_log(sim, "thermal: throttle released");
		sim_irq(sim, EYRIE_VECTOR_ADMIN);
	}
}

/* What a telemetry sample reports: committed totals, plus a running job's
 * progress for samples taken during a job. */
struct telem_view {
	uint64_t dev_ns, busy_ns, cycles, macs;
	uint64_t energy_fj[EYRIE_ENERGY_DOMAINS];
	int busy;
};

static void view_committed(const struct eyrie_sim *sim, struct telem_view *v)
{
	const struct sim_power *pw = &sim->pw;

	v->dev_ns = pw->dev_ns;
	v->busy_ns = pw->busy_ns;
	v->cycles = pw->cycles;
	v->macs = pw->macs;
	memcpy(v->energy_fj, pw->energy_fj, sizeof(v->energy_fj));
	v->busy = 0;
}

static uint64_t job_cycles(const struct sim_job *j);

/* Committed totals plus the running job so far. */
static void view_with_job(const struct eyrie_sim *sim, struct telem_view *v)
{
	const struct sim_job *j = &sim->job;
	uint64_t cycles = job_cycles(j), ns = cycles_to_ns(cycles, j->clock_khz);

	view_committed(sim, v);
	v->dev_ns += ns;
	v->busy_ns += ns;
	v->cycles += cycles;
	v->macs += j->counts.words[EYRIE_ENERGY_MAC];
	for (int d = 0; d < EYRIE_ACCESS_LEVELS; d++)
		v->energy_fj[d] += sim_counts_energy_fj(&sim->desc, &j->counts, d);
	v->energy_fj[EYRIE_ENERGY_STATIC] += static_fj(sim, ns);
	v->busy = 1;
}

static void publish_view(struct eyrie_sim *sim, const struct telem_view *v)
{
	struct sim_power *pw = &sim->pw;
	struct eyrie_hw_telemetry *t = telem(sim);
	uint64_t dt = v->dev_ns - pw->last_sample_ns;
	uint64_t e = 0;
	uint32_t seq;

	for (int d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		e += v->energy_fj[d];
	if (dt) {
		uint64_t cap = (uint64_t)sim->desc.pe_rows * sim->desc.pe_cols *
			       (dt * pw->clock_khz / 1000000u);

		/* fJ per ns = uW */
		pw->power_mw = (uint32_t)((e - pw->last_sample_energy) / dt / 1000u);
		pw->util_permille = cap ? (uint32_t)((v->macs - pw->last_sample_macs) *
						     1000u / cap) : 0;
		if (pw->util_permille > 1000)
			pw->util_permille = 1000;
	}
	pw->last_sample_ns = v->dev_ns;
	pw->last_sample_energy = e;
	pw->last_sample_macs = v->macs;

	seq = t->seq;
	__atomic_store_n(&t->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->flags = (pw->throttled ? EYRIE_TELEM_F_THROTTLED : 0) |
		   (v->busy ? EYRIE_TELEM_F_BUSY : 0);
	t->timestamp_ns = v->dev_ns;
	memcpy(t->energy_fj, v->energy_fj, sizeof(t->energy_fj));
	t->busy_ns = v->busy_ns;
	t->cycles = v->cycles;
	t->jobs_completed = pw->jobs;
	t->power_mw = pw->power_mw;
	t->temp_mc = (int32_t)lround(pw->temp_mc);
	t->util_permille = pw->util_permille;
	t->clock_khz = pw->clock_khz;
	t->sample_period_us = pw->period_us;
	t->throttle_events = pw->throttle_events;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->seq, seq + 2, __ATOMIC_RELEASE);
}

static void publish(struct eyrie_sim *sim)
{
	struct telem_view v;

	thermal_step(sim);
	view_committed(sim, &v);
	publish_view(sim, &v);
}

static void maybe_publish(struct eyrie_sim *sim)
{
	if (sim->pw.dev_ns - sim->pw.last_sample_ns >= (uint64_t)sim->pw.period_us * 1000u)
		publish(sim);
}

/*
 * During a job: a sample whenever the job's device time crosses a sample
 * period, so long jobs show up in telemetry while they run (called after
 * every engine command and barrier).
 */
void sim_job_tick(struct eyrie_sim *sim)
{
	struct telem_view v;

	if (!sim->job.active)
		return;
	view_with_job(sim, &v);
	if (v.dev_ns - sim->pw.last_sample_ns >= (uint64_t)sim->pw.period_us * 1000u)
		publish_view(sim, &v);
}

void sim_power_init(struct eyrie_sim *sim)
{
	struct sim_power *pw = &sim->pw;

	memset(pw, 0, sizeof(*pw));
	pw->wall_ref_ns = sim_wall_ns();
	pw->temp_mc = sim->desc.ambient_mc;
	pw->clock_khz = sim->desc.clock_khz;
	pw->period_us = SIM_DEFAULT_PERIOD_US;
	pw->waited = 1;
	publish(sim);
}

void sim_power_set_period(struct eyrie_sim *sim, uint32_t us)
{
	sim->pw.period_us = us ? us : SIM_DEFAULT_PERIOD_US;
}

void sim_power_idle(struct eyrie_sim *sim)
{
	struct sim_power *pw = &sim->pw;
	uint64_t now = sim_wall_ns(), dt;

	if (sim->job.active || now <= pw->wall_ref_ns)
		return;
	if (!pw->waited) {
		/* Between back-to-back jobs: host time, not device time. */
		pw->wall_ref_ns = now;
		return;
	}
	dt = now - pw->wall_ref_ns;
	pw->dev_ns += dt;
	pw->energy_fj[EYRIE_ENERGY_STATIC] += static_fj(sim, dt);
	pw->wall_ref_ns = now;
	maybe_publish(sim);
}

/* The job's critical path so far: the later of the two engines. */
static uint64_t job_cycles(const struct sim_job *j)
{
	const uint64_t *t = j->engine_cycles;

	return t[EYRIE_ENGINE_DMA] > t[EYRIE_ENGINE_ARRAY] ? t[EYRIE_ENGINE_DMA] :
							     t[EYRIE_ENGINE_ARRAY];
}

void sim_job_begin(struct eyrie_sim *sim)
{
	sim_power_idle(sim);
	/* Integrate the idle time before the job apart from the job itself,
	 * so the job's power heats the die over the job's own duration. */
	thermal_step(sim);
	memset(&sim->job, 0, sizeof(sim->job));
	sim->job.active = 1;
	sim->job.start_ns = sim->pw.dev_ns;
	sim->job.start_wall_ns = sim_wall_ns();
	sim->job.clock_khz = sim->pw.clock_khz;
}

void sim_job_add(struct eyrie_sim *sim, const struct sim_counts *c,
		 uint64_t dma_cycles, uint64_t array_cycles)
{
	for (int l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		sim->job.counts.words[l] += c->words[l];
	sim->job.counts.dram_bytes += c->dram_bytes;
	sim->job.counts.gated_macs += c->gated_macs;
	sim->job.counts.fp32_rq += c->fp32_rq;
	sim->job.engine_cycles[EYRIE_ENGINE_DMA] += dma_cycles;
	sim->job.engine_cycles[EYRIE_ENGINE_ARRAY] += array_cycles;
}

void sim_job_barrier(struct eyrie_sim *sim)
{
	uint64_t t = job_cycles(&sim->job);

	sim->job.engine_cycles[EYRIE_ENGINE_DMA] = t;
	sim->job.engine_cycles[EYRIE_ENGINE_ARRAY] = t;
}

void sim_job_event(struct eyrie_sim *sim, int wait, uint32_t arg)
{
	uint32_t ev = arg & 0xff, eng = arg >> 8;
	struct sim_job *j = &sim->job;

	/* the firmware validated both; the hardware ignores anything else */
	if (ev >= EYRIE_NUM_EVENTS || eng >= EYRIE_ENGINE_COUNT)
		return;
	if (!wait)
		j->event_cycles[ev] = j->engine_cycles[eng];
	else if (j->event_cycles[ev] > j->engine_cycles[eng])
		j->engine_cycles[eng] = j->event_cycles[ev];
}

/* Latches the job's counters so far into the FWR_JOB_* registers. */
void sim_job_latch(struct eyrie_sim *sim)
{
	const struct sim_job *j = &sim->job;
	uint64_t cycles = job_cycles(j), ns = cycles_to_ns(cycles, j->clock_khz);
	uint64_t total = 0, e;

#define LATCH(reg) sim->latch[((reg) - FWR_HW_BASE - 0x500) / 8]
	for (int d = 0; d < EYRIE_ACCESS_LEVELS; d++) {
		e = sim_counts_energy_fj(&sim->desc, &j->counts, d);
		LATCH(FWR_JOB_ENERGY(d)) = e;
		total += e;
	}
	e = static_fj(sim, ns);
	LATCH(FWR_JOB_ENERGY(EYRIE_ENERGY_STATIC)) = e;
	total += e;
	LATCH(FWR_JOB_CYCLES) = cycles;
	LATCH(FWR_JOB_ENERGY_TOTAL) = total;
	LATCH(FWR_JOB_START_NS) = j->start_ns;
	LATCH(FWR_JOB_NOW_NS) = j->start_ns + ns;
	LATCH(FWR_JOB_DRAM_WORDS) = j->counts.words[EYRIE_ENERGY_DRAM];
	LATCH(FWR_JOB_DRAM_BYTES) = j->counts.dram_bytes;
	LATCH(FWR_JOB_MACS) = j->counts.words[EYRIE_ENERGY_MAC];
	LATCH(FWR_JOB_GATED_MACS) = j->counts.gated_macs;
#undef LATCH
}

void sim_job_end(struct eyrie_sim *sim)
{
	struct sim_power *pw = &sim->pw;
	struct sim_job *j = &sim->job;
	uint64_t cycles, ns, now;

	if (!j->active)
		return;
	sim_job_barrier(sim);
	sim_job_latch(sim);
	cycles = job_cycles(j);
	ns = cycles_to_ns(cycles, j->clock_khz);
	for (int d = 0; d < EYRIE_ACCESS_LEVELS; d++)
		pw->energy_fj[d] += sim_counts_energy_fj(&sim->desc, &j->counts, d);
	pw->energy_fj[EYRIE_ENERGY_STATIC] += static_fj(sim, ns);
	pw->dev_ns += ns;
	pw->busy_ns += ns;
	pw->cycles += cycles;
	pw->jobs++;
	pw->macs += j->counts.words[EYRIE_ENERGY_MAC];
	j->active = 0;
	now = sim_wall_ns();
	if (sim->realtime && now - j->start_wall_ns < ns) {
		/* Pace: the job takes its modeled time in wall time too. */
		uint64_t left = ns - (now - j->start_wall_ns);
		struct timespec ts = { (time_t)(left / 1000000000u),
				       (long)(left % 1000000000u) };

		nanosleep(&ts, NULL);
		now = sim_wall_ns();
	}
	/* The host time spent simulating is not device time. */
	pw->wall_ref_ns = now;
	pw->waited = 0;
	/* Telemetry is updated at every job end (docs/hardware.md 9). */
	publish(sim);
}
