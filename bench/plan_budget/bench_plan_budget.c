// SPDX-License-Identifier: MIT
/*
 * make bench-plan-budget: planning time with the default search budget
 * (docs/scheduler.md, "Search budget") on the layers that used to fall off
 * a cliff (issue 14) and on random layers drawn from the whole range a spec
 * can express (seeded; BENCH_PLAN_SAMPLES, default 40), for every
 * dataflow. Prints per layer the wall time, the evaluations and whether
 * the mapping is the proven best or the best so far, then the slowest and
 * how many ran out of budget. Figures only: nothing passes or fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/plan.h>

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct tally {
	uint64_t worst_us, total_us;
	unsigned int planned, exhausted, refused;
	char worst[160];
};

static void plan_one(const struct accel_arch *a, const char *spec_text, int df,
		     uint32_t batch, int verbose, struct tally *t)
{
	struct accel_plan_opts po = { .sz = sizeof(po), .dataflow = (enum accel_dataflow)df,
				      .batch = batch };
	struct accel_plan_result r = { .sz = sizeof(r) };
	struct accel_layer_spec sp;
	uint64_t t0, c0, us, cpu;
	int rc;

	if (accel_layer_spec_parse(spec_text, &sp))
		return;
	t0 = clock_us(CLOCK_MONOTONIC);
	c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
	rc = accel_plan_layer(a, &sp, &po, &r);
	us = clock_us(CLOCK_MONOTONIC) - t0;
	cpu = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
	/* CPU time: what the budget counts, whatever else runs on the machine */
	t->total_us += cpu;
	if (cpu > t->worst_us) {
		t->worst_us = cpu;
		snprintf(t->worst, sizeof(t->worst), "%s df=%s batch=%u", spec_text,
			 accel_dataflow_name((enum accel_dataflow)df), batch);
	}
	if (rc)
		t->refused++;
	else
		t->planned++;
	if (!rc && r.budget_exhausted)
		t->exhausted++;
	if (verbose)
		printf("  %-40s %-3s batch %-3u %8.1f ms cpu %8.1f ms wall %6llu evaluated  %s\n",
		       spec_text, accel_dataflow_name((enum accel_dataflow)df), batch,
		       cpu / 1000.0, us / 1000.0,
		       (unsigned long long)r.evaluated,
		       rc ? "refused" : r.budget_exhausted ? "best so far" : "proven best");
	fflush(stdout);
}

static uint32_t pick(uint32_t *s, uint32_t lo, uint32_t hi)
{
	*s = *s * 1103515245u + 12345u;
	return lo + (*s >> 8) % (hi - lo + 1);
}

int main(void)
{
	static const struct { const char *spec; int df; uint32_t batch; } cliffs[] = {
		{ "conv:c=2256,m=512,h=14,r=3", ACCEL_DATAFLOW_IS, 48 },
		{ "conv:c=2256,m=512,h=14,r=3", ACCEL_DATAFLOW_IS, 64 },
		{ "conv:n=3,c=25145,m=290,h=56,r=4", ACCEL_DATAFLOW_RS, 0 },
		{ "conv:c=4096,m=4096,h=56,r=3,pad=1", ACCEL_DATAFLOW_RS, 0 },
		{ "conv:c=64,m=64,h=224,r=3,pad=1", ACCEL_DATAFLOW_WS, 64 },
		{ "fc:n=256,c=25088,m=4096", ACCEL_DATAFLOW_OS, 0 },
		{ "dwconv:c=960,h=112,r=7,pad=3", ACCEL_DATAFLOW_NLR, 32 },
	};
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device *dev;
	struct accel_arch *a;
	struct tally t = { 0 };
	const char *env = getenv("BENCH_PLAN_SAMPLES");
	int samples = env ? atoi(env) : 40;
	uint32_t seed = 14;

	if (accel_device_open("emu", NULL, &dev) || accel_device_info(dev, &info) ||
	    accel_arch_from_info(&info, &a)) {
		fprintf(stderr, "bench-plan-budget: %s\n", accel_last_error());
		return 1;
	}
	accel_device_close(dev);
	printf("default budget %llu ms of CPU per layer and dataflow\n\nthe cliffs of issue 14 and other large layers:\n",
	       (unsigned long long)ACCEL_PLAN_DEFAULT_TIME_US / 1000);
	for (size_t i = 0; i < sizeof(cliffs) / sizeof(cliffs[0]); i++)
		plan_one(a, cliffs[i].spec, cliffs[i].df, cliffs[i].batch, 1, &t);
	memset(&t, 0, sizeof(t));
	printf("\n%d random layers x 5 dataflows (n 1..64, c, m 1..8192, h 1..512, r 1..11):\n",
	       samples);
	for (int i = 0; i < samples; i++) {
		char spec[160];
		uint32_t r = pick(&seed, 1, 11), h = pick(&seed, r, 512);

		snprintf(spec, sizeof(spec), "conv:n=%u,c=%u,m=%u,h=%u,r=%u,stride=%u",
			 pick(&seed, 1, 64), pick(&seed, 1, 8192), pick(&seed, 1, 8192), h, r,
			 pick(&seed, 1, 4));
		for (int df = 0; df < ACCEL_DATAFLOW_COUNT; df++)
			plan_one(a, spec, df, 0, 0, &t);
	}
	printf("  planned %u, refused %u (no mapping fits), best so far %u\n", t.planned,
	       t.refused, t.exhausted);
	printf("  CPU time: mean %.1f ms, slowest %.1f ms (%s)\n",
	       t.total_us / 1000.0 / (t.planned + t.refused ? t.planned + t.refused : 1),
	       t.worst_us / 1000.0, t.worst);
	accel_arch_free(a);
	return 0;
}
