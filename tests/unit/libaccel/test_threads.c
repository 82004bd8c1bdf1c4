// SPDX-License-Identifier: MIT
/*
 * One device handle shared by threads: concurrent submits on both queues
 * (each thread checks its own data came back), buffers created and freed
 * while jobs run, and several threads waiting for the same job.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "accel/libaccel.h"

#define THREADS 6
#define JOBS_PER_THREAD 40
#define BYTES 2048
#define TIMEOUT_MS 30000

struct worker {
	struct accel_device *dev;
	int id;
	int failures;
	char why[256];
	uint64_t energy;
};

static void *submitter(void *arg)
{
	struct worker *w = arg;
	struct accel_submit_opts o = ACCEL_OPTS_INIT(accel_submit_opts,
		.queue = (w->id & 1) ? ACCEL_QUEUE_HIGH : ACCEL_QUEUE_NORMAL);
	struct accel_buffer *src = NULL, *dst = NULL;
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	void *ps, *pd;

	if (!cb || accel_buffer_create(w->dev, BYTES, NULL, &src) ||
	    accel_buffer_create(w->dev, BYTES, NULL, &dst)) {
		snprintf(w->why, sizeof(w->why), "setup: %s", accel_last_error());
		w->failures++;
		goto out;
	}
	accel_buffer_map(src, &ps);
	accel_buffer_map(dst, &pd);
	/* Each thread uses its own GLB slice: the GLB is the device's. */
	uint32_t glb = (uint32_t)w->id * BYTES;
	for (int j = 0; j < JOBS_PER_THREAD; j++) {
		struct accel_job_result r = { .sz = sizeof(r) };
		struct accel_job *job;
		uint8_t *s = ps, *d = pd;

		for (int i = 0; i < BYTES; i++)
			s[i] = (uint8_t)(w->id * 31 + j * 7 + i);
		memset(d, 0, BYTES);
		accel_buffer_sync(src, ACCEL_SYNC_TO_DEVICE, 0, 0);
		accel_cmdbuf_reset(cb);
		accel_cmdbuf_copy_in(cb, src, 0, glb, BYTES);
		accel_cmdbuf_barrier(cb);
		accel_cmdbuf_copy_out(cb, dst, 0, glb, BYTES);
		if (accel_job_submit(w->dev, cb, &o, &job)) {
			snprintf(w->why, sizeof(w->why), "submit %d: %s", j, accel_last_error());
			w->failures++;
			break;
		}
		if (accel_job_wait(job, TIMEOUT_MS, &r)) {
			snprintf(w->why, sizeof(w->why), "wait %d: %s", j, accel_last_error());
			w->failures++;
			accel_job_free(job);
			break;
		}
		accel_job_free(job);
		w->energy += r.energy_fj;
		accel_buffer_sync(dst, ACCEL_SYNC_FROM_DEVICE, 0, 0);
		if (memcmp(s, d, BYTES)) {
			snprintf(w->why, sizeof(w->why), "job %d: data of thread %d came back wrong",
				 j, w->id);
			w->failures++;
			break;
		}
	}
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(src);
	accel_buffer_free(dst);
	return NULL;
}

static void *buffer_churn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 200; i++) {
		struct accel_buffer *b;
		void *p;

		if (accel_buffer_create(w->dev, 4096 * (1 + i % 5), NULL, &b)) {
			snprintf(w->why, sizeof(w->why), "churn: %s", accel_last_error());
			w->failures++;
			return NULL;
		}
		accel_buffer_map(b, &p);
		memset(p, i, 4096);
		accel_buffer_free(b);
	}
	return NULL;
}

static void test_concurrent_submit(void **state)
{
	struct accel_device *dev;
	struct worker w[THREADS + 1];
	pthread_t th[THREADS + 1];
	struct accel_telemetry t0 = { .sz = sizeof(t0) }, t1 = { .sz = sizeof(t1) };
	(void)state;

	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	assert_int_equal(accel_telemetry_read(dev, &t0), 0);
	for (int i = 0; i <= THREADS; i++) {
		w[i] = (struct worker){ .dev = dev, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL,
						i < THREADS ? submitter : buffer_churn, &w[i]), 0);
	}
	for (int i = 0; i <= THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (w[i].failures)
			fail_msg("thread %d: %s", i, w[i].why);
	}
	/* Telemetry is refreshed at least once per sample period. */
	for (int ms = 0; ms < 1000; ms++) {
		struct timespec one = { 0, 1000000 };

		assert_int_equal(accel_telemetry_read(dev, &t1), 0);
		if (t1.jobs_completed >= t0.jobs_completed + THREADS * JOBS_PER_THREAD)
			break;
		nanosleep(&one, NULL);
	}
	assert_true(t1.jobs_completed >= t0.jobs_completed + THREADS * JOBS_PER_THREAD);
	accel_device_close(dev);
}

struct shared_wait {
	struct accel_job *job;
	int rc;
	struct accel_job_result r;
};

static void *waiter(void *arg)
{
	struct shared_wait *s = arg;

	s->r.sz = sizeof(s->r);
	s->rc = accel_job_wait(s->job, TIMEOUT_MS, &s->r);
	return NULL;
}

static void test_shared_wait(void **state)
{
	struct accel_device_opts o = ACCEL_OPTS_INIT(accel_device_opts,
		.emu_caps_set = ACCEL_CAP_DEBUG_STALL);
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct shared_wait s[4];
	struct accel_device *dev;
	struct accel_job *job;
	pthread_t th[4];
	(void)state;

	assert_int_equal(accel_device_open("emu", &o, &dev), 0);
	accel_cmdbuf_stall(cb, 30000);	/* 30 ms: the waiters pile up */
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), 0);
	for (int i = 0; i < 4; i++) {
		s[i] = (struct shared_wait){ .job = job, .rc = -1 };
		assert_int_equal(pthread_create(&th[i], NULL, waiter, &s[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(s[i].rc, 0);
		assert_int_equal(s[i].r.status, ACCEL_JOB_OK);
		assert_int_equal(s[i].r.cycles, s[0].r.cycles);
	}
	accel_job_free(job);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
}

/* More jobs in flight than the rings hold: submit blocks, nothing is lost. */
static void test_queue_full(void **state)
{
	enum { N = 1500 };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_device *dev;
	struct accel_job **jobs = calloc(N, sizeof(*jobs));
	(void)state;

	assert_non_null(jobs);
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	accel_cmdbuf_nop(cb);
	accel_cmdbuf_barrier(cb);
	for (int i = 0; i < N; i++)
		assert_int_equal(accel_job_submit(dev, cb, NULL, &jobs[i]), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(accel_job_wait(jobs[i], TIMEOUT_MS, NULL), 0);
		accel_job_free(jobs[i]);
	}
	free(jobs);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
}

struct reset_worker {
	struct accel_device *dev;
	int ok, aborted, other;
	char why[256];
};

static void *submit_through_resets(void *arg)
{
	struct reset_worker *w = arg;
	struct accel_cmdbuf *cb = accel_cmdbuf_new();

	accel_cmdbuf_stall(cb, 200);
	for (int i = 0; i < 300; i++) {
		struct accel_job_result r = { .sz = sizeof(r) };
		int err = accel_job_run(w->dev, cb, NULL, TIMEOUT_MS, &r);

		if (!err)
			w->ok++;
		else if (err == -EIO && r.status == ACCEL_JOB_ERR_ABORTED)
			w->aborted++;
		else if (!w->other++)
			snprintf(w->why, sizeof(w->why), "%s", accel_last_error());
	}
	accel_cmdbuf_free(cb);
	return NULL;
}

/* Resets while two threads submit: every job ends OK or ABORTED. */
static void test_reset_under_load(void **state)
{
	struct accel_device_opts o = ACCEL_OPTS_INIT(accel_device_opts,
		.emu_caps_set = ACCEL_CAP_DEBUG_STALL);
	struct reset_worker w[2];
	struct accel_device *dev;
	pthread_t th[2];
	struct timespec pause = { 0, 5000000 };
	(void)state;

	assert_int_equal(accel_device_open("emu", &o, &dev), 0);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct reset_worker){ .dev = dev };
		assert_int_equal(pthread_create(&th[i], NULL, submit_through_resets, &w[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		nanosleep(&pause, NULL);
		assert_int_equal(accel_device_reset(dev), 0);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (w[i].other)
			fail_msg("thread %d: %d jobs neither ok nor aborted, first: %s",
				 i, w[i].other, w[i].why);
		assert_int_equal(w[i].ok + w[i].aborted, 300);
		assert_true(w[i].ok > 0);
	}
	accel_device_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_submit),
		cmocka_unit_test(test_shared_wait),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_reset_under_load),
	};

	return cmocka_run_group_tests_name("libaccel-threads", tests, NULL, NULL);
}
