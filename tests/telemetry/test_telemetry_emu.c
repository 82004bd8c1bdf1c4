// SPDX-License-Identifier: MIT
/*
 * Telemetry on the emulated board, through libaccel's public API:
 *   - energy counters never decrease, static energy keeps accruing;
 *   - an idle board draws exactly its static power;
 *   - a subscription numbers its samples 0, 1, 2, ... and spaces their
 *     device timestamps at the interval within SUB_TOLERANCE_NS (the
 *     reader's wake-up lateness on a loaded host; never wall-clock time);
 *     it stops on request, on max_samples and when the callback says so;
 *   - events: a reset and an MMU fault reach the event callback, in order,
 *     with the fault's address; the thermal test sees throttling begin;
 *   - bad subscription options are refused with a message;
 *   - a synthetic load heats the die until the thermal limit throttles the
 *     clock, which shows in telemetry and in the jobs' time per cycle.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "accel/telemetry.h"
#include "telem_load.h"

/* The device's sample period for the subscription tests. */
#define SUB_PERIOD_US	1000u
#define SUB_INTERVAL_US	200000u
#define SUB_SAMPLES	10u
/*
 * How far a sample's spacing from the one before may differ from the
 * interval: the block the thread reads is the first publication at or
 * after the slot boundary it sees, so a thread that wakes late by L reads
 * a block up to L + one device period late. Half the interval (100 ms)
 * absorbs the scheduling delays of two cores loaded by other suites
 * (docs/telemetry.md, "Sequence numbers and spacing").
 */
#define SUB_TOLERANCE_NS	(SUB_INTERVAL_US * 1000ull / 2)
/* Wall-clock budget for the synthetic load to throttle the device. */
#define THROTTLE_BUDGET_S	60

static struct accel_device *open_emu(uint32_t period_us)
{
	struct accel_device_opts o = { .sz = sizeof(o),
				       .emu_telemetry_period_us = period_us };
	struct accel_device *dev = NULL;
	int err = accel_device_open("emu", &o, &dev);

	if (err)
		fail_msg("cannot open the emu device: %s", accel_last_error());
	return dev;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void read_sample(struct accel_device *dev, struct accel_telemetry_sample *s)
{
	s->sz = sizeof(*s);
	if (accel_telemetry_sample_read(dev, s))
		fail_msg("telemetry read: %s", accel_last_error());
}

static void test_energy_monotonic(void **state)
{
	struct accel_device *dev = open_emu(2000);
	struct accel_telemetry_sample prev, cur;

	(void)state;
	read_sample(dev, &prev);
	for (int i = 0; i < 40; i++) {
		sleep_ms(3);
		read_sample(dev, &cur);
		assert_true(cur.timestamp_ns >= prev.timestamp_ns);
		for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			assert_true(cur.energy_fj[d] >= prev.energy_fj[d]);
		assert_true(cur.energy_total_fj >= prev.energy_total_fj);
		assert_true(cur.energy_total_j >= prev.energy_total_j);
		prev = cur;
	}
	/* Idle device time passes: static energy must have grown. */
	{
		struct accel_telemetry_sample first;

		read_sample(dev, &first);
		/* A few publications later (bounded: 5 s of wall time). */
		for (int i = 0; i < 1000; i++) {
			sleep_ms(5);
			read_sample(dev, &cur);
			if (cur.timestamp_ns >= first.timestamp_ns + 20000000ull)
				break;
		}
		assert_true(cur.timestamp_ns > first.timestamp_ns);
		assert_true(cur.energy_fj[ACCEL_ENERGY_STATIC] >
			    first.energy_fj[ACCEL_ENERGY_STATIC]);
	}
	accel_device_close(dev);
}

/*
 * Idle, the board's power is its static power: the device reports power
 * in whole mW (energy delta / time delta, rounded down), so the reported
 * value equals static_mw, and the static counter grows at static_mw.
 */
static void test_idle_power_is_static(void **state)
{
	struct accel_device *dev = open_emu(5000);
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_telemetry_sample a, b;
	double rate_mw;

	(void)state;
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_true(info.static_mw > 0);
	/* Past the first full sample period (the device's first block, at
	 * time 0, has no period behind it yet). */
	for (int i = 0; i < 2000; i++) {
		read_sample(dev, &a);
		if (a.timestamp_ns >= 2ull * a.sample_period_us * 1000u)
			break;
		sleep_ms(1);
	}
	assert_int_equal(a.power_mw, info.static_mw);
	assert_true(a.power_w > info.static_mw / 1000.0 - 1e-9 &&
		    a.power_w < info.static_mw / 1000.0 + 1e-9);
	assert_int_equal(a.util_permille, 0);
	assert_false(a.throttled);
	sleep_ms(200);
	read_sample(dev, &b);
	assert_int_equal(b.power_mw, info.static_mw);
	/* fJ / ns = uW */
	rate_mw = (double)(b.energy_fj[ACCEL_ENERGY_STATIC] - a.energy_fj[ACCEL_ENERGY_STATIC]) /
		  (double)(b.timestamp_ns - a.timestamp_ns) / 1000.0;
	assert_true(rate_mw > info.static_mw - 0.001 && rate_mw < info.static_mw + 0.001);
	/* No work: every other domain stayed put. */
	for (unsigned int d = 0; d < ACCEL_ENERGY_STATIC; d++)
		assert_int_equal(b.energy_fj[d], a.energy_fj[d]);
	assert_true(accel_telemetry_power_between(&a, &b) > info.static_mw / 1000.0 - 1e-6);
	assert_true(accel_telemetry_power_between(&a, &b) < info.static_mw / 1000.0 + 1e-6);
	accel_device_close(dev);
}

struct collected {
	struct accel_telemetry_sample s[64];
	atomic_uint n;
	atomic_uint calls_after_stop;
	atomic_bool stopped;
	unsigned int stop_after;	/* return STOP at this many (0: never) */
};

static int collect(const struct accel_telemetry_sample *s, void *ctx)
{
	struct collected *c = ctx;
	unsigned int n = atomic_load(&c->n);

	if (atomic_load(&c->stopped))
		atomic_fetch_add(&c->calls_after_stop, 1);
	if (n < 64)
		c->s[n] = *s;
	atomic_store(&c->n, n + 1);
	if (c->stop_after && n + 1 >= c->stop_after)
		return ACCEL_TELEMETRY_STOP;
	return 0;
}

static void test_subscription_sequence(void **state)
{
	struct accel_device *dev = open_emu(SUB_PERIOD_US);
	struct collected *c = calloc(1, sizeof(*c));
	struct accel_telemetry_sub_opts o = {
		.sz = sizeof(o), .interval_us = SUB_INTERVAL_US, .fn = collect,
		.ctx = c, .max_samples = SUB_SAMPLES,
	};
	struct accel_telemetry_sub_stats st = { .sz = sizeof(st) };
	struct accel_telemetry_sub *sub;
	const uint64_t interval_ns = SUB_INTERVAL_US * 1000ull;

	(void)state;
	assert_non_null(c);
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), 0);
	assert_int_equal(accel_telemetry_sub_wait(sub, 30000), 0);
	assert_int_equal(accel_telemetry_sub_stats(sub, &st), 0);
	accel_telemetry_unsubscribe(sub);
	for (unsigned int i = 0; i < SUB_SAMPLES; i++) {
		uint64_t boundary = c->s[0].timestamp_ns + i * interval_ns;

		print_message("# sample %u: seq %llu slot %llu, +%.3f ms from its slot boundary\n",
			      i, (unsigned long long)c->s[i].seq,
			      (unsigned long long)c->s[i].slot,
			      ((double)c->s[i].timestamp_ns - (double)boundary) / 1e6);
	}
	assert_int_equal(atomic_load(&c->n), SUB_SAMPLES);
	assert_int_equal(st.delivered, SUB_SAMPLES);
	assert_int_equal(c->s[0].seq, 0);
	assert_int_equal(c->s[0].slot, 0);
	uint64_t skipped = 0;

	for (unsigned int i = 1; i < SUB_SAMPLES; i++) {
		uint64_t gap = c->s[i].timestamp_ns - c->s[i - 1].timestamp_ns;
		uint64_t slots;

		/* The subscription's own count: no gap, whatever the host does. */
		assert_int_equal(c->s[i].seq, c->s[i - 1].seq + 1);
		assert_true(c->s[i].timestamp_ns > c->s[i - 1].timestamp_ns);
		assert_true(c->s[i].slot > c->s[i - 1].slot);
		/*
		 * A thread that woke more than an interval late lets a slot go
		 * by unseen (docs/telemetry.md): allowed, and then counted as
		 * dropped. Spacing is checked per slot.
		 */
		slots = c->s[i].slot - c->s[i - 1].slot;
		skipped += slots - 1;
		if (gap + SUB_TOLERANCE_NS < slots * interval_ns ||
		    gap > slots * interval_ns + SUB_TOLERANCE_NS)
			fail_msg("samples %u and %u are %.3f ms of device time apart, %llu slot(s); want %.3f +- %.3f ms a slot",
				 i - 1, i, gap / 1e6, (unsigned long long)slots,
				 interval_ns / 1e6, SUB_TOLERANCE_NS / 1e6);
		/* A sample is never taken before its slot's boundary. */
		assert_true(c->s[i].timestamp_ns >=
			    c->s[0].timestamp_ns + c->s[i].slot * interval_ns);
	}
	/* dropped counts exactly the slots the numbering skipped. */
	assert_int_equal(st.dropped, c->s[SUB_SAMPLES - 1].slot - (SUB_SAMPLES - 1));
	assert_int_equal(st.dropped, skipped);
	assert_int_equal(st.events, 0);
	free(c);
	accel_device_close(dev);
}

/* Events as the event callback sees them. */
struct events_seen {
	struct accel_telemetry_event e[16];
	atomic_uint n;
};

static int collect_event(const struct accel_telemetry_event *e, void *ctx)
{
	struct events_seen *ev = ctx;
	unsigned int n = atomic_load(&ev->n);

	if (n < 16)
		ev->e[n] = *e;
	atomic_store(&ev->n, n + 1);
	return 0;
}

/* Waits (up to 10 s of wall time, for a loaded host) for n events. */
static void wait_events(struct events_seen *ev, unsigned int n)
{
	for (unsigned int i = 0; i < 1000 && atomic_load(&ev->n) < n; i++)
		sleep_ms(10);
	if (atomic_load(&ev->n) < n)
		fail_msg("%u events after 10 s; want %u", atomic_load(&ev->n), n);
}

/* A job whose first command loads from a device VA nothing is mapped at. */
#define UNMAPPED_VA	0x7f0000000ull

static void test_subscription_events(void **state)
{
	struct accel_device *dev = open_emu(SUB_PERIOD_US);
	struct events_seen *ev = calloc(1, sizeof(*ev));
	struct accel_telemetry_sub_opts o = {
		.sz = sizeof(o), .interval_us = SUB_INTERVAL_US,
		.event_fn = collect_event, .ctx = ev,	/* events only */
	};
	struct accel_telemetry_sub_stats st = { .sz = sizeof(st) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_dma d = {
		.sz = sizeof(d), .buf = NULL, .offset = UNMAPPED_VA,
		.glb_addr = 0, .elem_bytes = 1, .dims = 1, .count = { 64 },
		.dram_stride = { 1 }, .glb_stride = { 1 },
	};
	struct accel_job_result res = { .sz = sizeof(res) };
	struct accel_telemetry_sub *sub;
	struct accel_job *job;

	(void)state;
	assert_non_null(ev);
	assert_non_null(cb);
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), 0);
	/* Let the thread take its first look before anything happens. */
	sleep_ms(50);
	assert_int_equal(accel_device_reset(dev), 0);
	wait_events(ev, 1);
	assert_int_equal(accel_cmdbuf_dma_load(cb, &d), 0);
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), 0);
	assert_int_equal(accel_job_wait(job, 30000, &res), -EIO);
	accel_job_free(job);
	wait_events(ev, 2);
	sleep_ms(50);		/* nothing else comes */
	assert_int_equal(accel_telemetry_sub_stats(sub, &st), 0);
	accel_telemetry_unsubscribe(sub);
	for (unsigned int i = 0; i < atomic_load(&ev->n) && i < 16; i++)
		print_message("# event %u: %s ctx %u arg 0x%llx at %.3f ms\n", i,
			      accel_telemetry_event_name(ev->e[i].kind), ev->e[i].ctx_id,
			      (unsigned long long)ev->e[i].arg, ev->e[i].timestamp_ns / 1e6);
	assert_int_equal(atomic_load(&ev->n), 2);
	assert_int_equal(ev->e[0].kind, ACCEL_TELEM_EVENT_RESET);
	assert_string_equal(accel_telemetry_event_name(ev->e[0].kind), "reset");
	assert_int_equal(ev->e[0].arg, 0);	/* recovered */
	assert_int_equal(ev->e[1].kind, ACCEL_TELEM_EVENT_MMU_FAULT);
	assert_string_equal(accel_telemetry_event_name(ev->e[1].kind), "mmu_fault");
	/* The fault is at the first byte the load touched. */
	assert_int_equal(ev->e[1].arg, UNMAPPED_VA);
	assert_true(ev->e[1].timestamp_ns >= ev->e[0].timestamp_ns);
	assert_string_equal(accel_telemetry_event_name(99), "unknown");
	assert_int_equal(st.events, 2);
	assert_int_equal(st.delivered, 0);	/* no sample callback: none */
	accel_cmdbuf_free(cb);
	free(ev);
	accel_device_close(dev);
}

/* The callback's STOP, and unsubscribe of a running subscription. */
static void test_subscription_stops(void **state)
{
	struct accel_device *dev = open_emu(SUB_PERIOD_US);
	struct collected *c = calloc(1, sizeof(*c));
	struct accel_telemetry_sub_opts o = {
		.sz = sizeof(o), .interval_us = 5000, .fn = collect, .ctx = c,
	};
	struct accel_telemetry_sub *sub;
	unsigned int n;

	(void)state;
	assert_non_null(c);
	c->stop_after = 3;
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), 0);
	assert_int_equal(accel_telemetry_sub_wait(sub, 30000), 0);
	assert_int_equal(atomic_load(&c->n), 3);
	accel_telemetry_unsubscribe(sub);

	/* Unbounded: it runs until unsubscribed, and not one call after. */
	memset(c, 0, sizeof(*c));
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), 0);
	assert_int_equal(accel_telemetry_sub_wait(sub, 60), -ETIMEDOUT);
	for (int i = 0; i < 5000 && atomic_load(&c->n) < 2; i++)
		sleep_ms(1);
	accel_telemetry_unsubscribe(sub);
	atomic_store(&c->stopped, true);
	n = atomic_load(&c->n);
	assert_true(n >= 2);
	sleep_ms(30);
	assert_int_equal(atomic_load(&c->n), n);
	assert_int_equal(atomic_load(&c->calls_after_stop), 0);
	accel_telemetry_unsubscribe(NULL);
	free(c);
	accel_device_close(dev);
}

static void test_subscription_bad_options(void **state)
{
	struct accel_device *dev = open_emu(0);
	struct collected c;
	struct accel_telemetry_sub_opts o = {
		.sz = sizeof(o), .interval_us = 0, .fn = collect, .ctx = &c,
	};
	struct accel_telemetry_sub *sub = (void *)1;

	(void)state;
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), -EINVAL);
	assert_null(sub);
	assert_non_null(strstr(accel_last_error(), "interval"));
	o.interval_us = ACCEL_TELEMETRY_MIN_INTERVAL_US - 1;
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), -EINVAL);
	o.interval_us = 10000;
	o.fn = NULL;
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "callback"));
	assert_int_equal(accel_telemetry_subscribe(dev, NULL, &sub), -EINVAL);
	assert_int_equal(accel_telemetry_subscribe(NULL, &o, &sub), -EINVAL);
	o.fn = collect;
	o.sz = 0;
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), -EINVAL);
	assert_int_equal(accel_telemetry_sub_wait(NULL, 0), -EINVAL);
	accel_device_close(dev);
}

/*
 * The default board would need watts to reach its 85 C limit, and the
 * modeled array draws tens of milliwatts; THERMAL_BOARD gives the same
 * board an accelerated thermal model (docs/telemetry.md): 1000 C/W,
 * tau 100 ms, throttle at 90 C. Idle it settles at 40 + 0.030 * 1000 =
 * 70 C; under the load (~80 mW) it heads for ~120 C and throttles within
 * about half a time constant of device time; throttled (~55 mW) it stays
 * above the 88 C release point.
 */
#define THERMAL_BOARD	"emu:tau_ms=100,r_c_per_w=1000,throttle_c=90"

#define LOAD_DEPTH	6	/* jobs kept queued: no idle gaps on the device */
#define LOAD_JOB_REPEAT	4	/* synthetic jobs per test job (16 passes each) */

static bool near(double v, double want)
{
	return v > want * 0.99 && v < want * 1.01;
}

/*
 * The test drives the load itself (the synthetic job x 4, six queued at a
 * time) so it sees every job's cycles and device time: each job runs at
 * one clock, so its ns per cycle is 1e6 / clock_khz, at the nominal clock
 * before the limit and at the throttle clock once telemetry says throttled.
 * (A host stall long enough to drain the queue lets the die cool and may
 * release the throttle for a while; the test only needs one hot job.)
 */
static void test_load_heats_and_throttles(void **state)
{
	struct accel_device *dev = NULL;
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_telemetry_sample idle, s, hot = { 0 };
	struct accel_job *ring[LOAD_DEPTH];
	double cool_ns, throttled_ns, first_ns = 0, peak_power = 0;
	unsigned int jobs = 0, slow_jobs = 0, head = 0;
	bool seen_throttled = false;
	time_t deadline;
	struct events_seen *ev = calloc(1, sizeof(*ev));
	struct accel_telemetry_sub_opts o = {
		.sz = sizeof(o), .interval_us = SUB_INTERVAL_US,
		.event_fn = collect_event, .ctx = ev,
	};
	struct accel_telemetry_sub *sub;
	bool began = false;

	(void)state;
	assert_non_null(cb);
	assert_non_null(ev);
	if (accel_device_open(THERMAL_BOARD, NULL, &dev))
		fail_msg("cannot open %s: %s", THERMAL_BOARD, accel_last_error());
	assert_int_equal(accel_telemetry_subscribe(dev, &o, &sub), 0);
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_true(info.caps & ACCEL_CAP_THERMAL_THROTTLE);
	assert_int_equal(info.throttle_mc, 90000);
	assert_true(info.throttle_clock_khz < info.clock_khz);
	cool_ns = 1e6 / info.clock_khz;
	throttled_ns = 1e6 / info.throttle_clock_khz;
	for (unsigned int i = 0; i < LOAD_JOB_REPEAT; i++)
		assert_int_equal(telem_load_build_job(dev, cb), 0);
	sleep_ms(30);
	read_sample(dev, &idle);
	assert_false(idle.throttled);
	assert_int_equal(idle.clock_khz, info.clock_khz);

	for (unsigned int i = 0; i < LOAD_DEPTH; i++)
		assert_int_equal(accel_job_submit(dev, cb, NULL, &ring[i]), 0);
	deadline = time(NULL) + THROTTLE_BUDGET_S;
	while (!(seen_throttled && slow_jobs > 0) && time(NULL) < deadline) {
		struct accel_job_result res = { .sz = sizeof(res) };
		double ns_per_cycle;

		if (accel_job_wait(ring[head], 60000, &res))
			fail_msg("load job: %s", accel_last_error());
		accel_job_free(ring[head]);
		assert_int_equal(accel_job_submit(dev, cb, NULL, &ring[head]), 0);
		head = (head + 1) % LOAD_DEPTH;
		assert_true(res.cycles > 0);
		ns_per_cycle = (double)(res.end_ns - res.start_ns) / (double)res.cycles;
		if (jobs++ == 0)
			first_ns = ns_per_cycle;
		/* Every job runs at one of the two clocks, nothing else. */
		if (!near(ns_per_cycle, cool_ns) && !near(ns_per_cycle, throttled_ns))
			fail_msg("job %u: %.3f ns/cycle, neither %.3f nor %.3f",
				 jobs, ns_per_cycle, cool_ns, throttled_ns);
		if (near(ns_per_cycle, throttled_ns))
			slow_jobs++;
		read_sample(dev, &s);
		if (s.power_w > peak_power)
			peak_power = s.power_w;
		if (s.throttled && !seen_throttled) {
			seen_throttled = true;
			hot = s;
		}
	}
	for (unsigned int i = 0; i < LOAD_DEPTH; i++) {
		accel_job_wait(ring[i], 60000, NULL);
		accel_job_free(ring[i]);
	}
	print_message("# %u jobs: first %.3f ns/cycle, %u at the throttle clock (%.3f ns/cycle)\n",
		      jobs, first_ns, slow_jobs, throttled_ns);
	print_message("# throttled at %.2f C (idle %.2f C), peak power %.4f W (idle %.4f W), util %.3f, clock %u kHz, %u throttle events\n",
		      hot.temperature_c, idle.temperature_c, peak_power, idle.power_w,
		      hot.utilization, hot.clock_khz, hot.throttle_events);
	assert_true(near(first_ns, cool_ns));
	assert_true(seen_throttled);
	assert_true(slow_jobs > 0);
	assert_true(peak_power > 1.5 * idle.power_w);
	assert_true(hot.temperature_c > idle.temperature_c + 10.0);
	assert_true(hot.temp_mc >= info.throttle_mc - 2000);
	assert_true(hot.throttle_events >= 1);
	assert_int_equal(hot.clock_khz, info.throttle_clock_khz);
	assert_true(hot.utilization > 0.0);
	/* The subscription saw throttling begin (its first event). */
	wait_events(ev, 1);
	accel_telemetry_unsubscribe(sub);
	for (unsigned int i = 0; i < atomic_load(&ev->n) && i < 16; i++)
		if (ev->e[i].kind == ACCEL_TELEM_EVENT_THROTTLE && ev->e[i].arg == 1)
			began = true;
	assert_int_equal(ev->e[0].kind, ACCEL_TELEM_EVENT_THROTTLE);
	assert_int_equal(ev->e[0].arg, 1);
	assert_true(began);
	free(ev);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_energy_monotonic),
		cmocka_unit_test(test_idle_power_is_static),
		cmocka_unit_test(test_subscription_sequence),
		cmocka_unit_test(test_subscription_events),
		cmocka_unit_test(test_subscription_stops),
		cmocka_unit_test(test_subscription_bad_options),
		cmocka_unit_test(test_load_heats_and_throttles),
	};

	return cmocka_run_group_tests_name("telemetry_emu", tests, NULL, NULL);
}
