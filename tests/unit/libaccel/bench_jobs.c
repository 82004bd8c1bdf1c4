// SPDX-License-Identifier: MIT
/*
 * bench-libaccel: what the library and the emulated board cost the host per
 * job and per buffer. Figures only (never pass/fail):
 *   - NOP job round trip (submit + wait), one at a time;
 *   - NOP jobs/s with 64 in flight (queue depth 64);
 *   - NOP jobs/s from 4 threads sharing one device;
 *   - buffer create + map + free per second (4 KiB).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "accel/libaccel.h"

#define DEPTH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-libaccel: %s: %s\n", what, accel_last_error());
	exit(1);
}

struct thread_arg {
	struct accel_device *dev;
	int jobs;
};

static void *thread_jobs(void *p)
{
	struct thread_arg *a = p;
	struct accel_cmdbuf *cb = accel_cmdbuf_new();

	accel_cmdbuf_nop(cb);
	for (int i = 0; i < a->jobs; i++)
		if (accel_job_run(a->dev, cb, NULL, 10000, NULL))
			die("threaded job");
	accel_cmdbuf_free(cb);
	return NULL;
}

int main(void)
{
	struct accel_device *dev;
	struct accel_cmdbuf *cb;
	struct accel_job *jobs[DEPTH];
	const int n = 4000;
	double t0, t;

	if (accel_device_open("emu", NULL, &dev))
		die("open emu");
	cb = accel_cmdbuf_new();
	accel_cmdbuf_nop(cb);
	for (int i = 0; i < 100; i++)	/* warm the command-BO pool */
		accel_job_run(dev, cb, NULL, 10000, NULL);

	t0 = now_s();
	for (int i = 0; i < n; i++)
		if (accel_job_run(dev, cb, NULL, 10000, NULL))
			die("job");
	t = now_s() - t0;
	printf("libaccel emu: NOP job round trip (depth 1): %.1f us (%.0f jobs/s)\n",
	       t / n * 1e6, n / t);

	t0 = now_s();
	for (int i = 0; i < n; i += DEPTH) {
		for (int j = 0; j < DEPTH; j++)
			if (accel_job_submit(dev, cb, NULL, &jobs[j]))
				die("submit");
		for (int j = 0; j < DEPTH; j++) {
			if (accel_job_wait(jobs[j], 10000, NULL))
				die("wait");
			accel_job_free(jobs[j]);
		}
	}
	t = now_s() - t0;
	printf("libaccel emu: NOP jobs at depth %d: %.0f jobs/s (%.1f us each)\n",
	       DEPTH, n / t, t / n * 1e6);

	{
		pthread_t th[4];
		struct thread_arg a = { dev, n / 4 };

		t0 = now_s();
		for (int i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, thread_jobs, &a);
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		t = now_s() - t0;
		printf("libaccel emu: NOP jobs from 4 threads on one device: %.0f jobs/s\n",
		       n / t);
	}

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		struct accel_buffer *b;
		void *p;

		if (accel_buffer_create(dev, 4096, NULL, &b))
			die("buffer");
		accel_buffer_map(b, &p);
		accel_buffer_free(b);
	}
	t = now_s() - t0;
	printf("libaccel emu: 4 KiB buffer create + map + free: %.0f per second\n", n / t);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
	return 0;
}
