// SPDX-License-Identifier: MIT
/*
 * libaccel on the emulated board: devices, buffers, jobs (results, errors,
 * timeouts, reset), telemetry and the command-stream dump.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/internal.h"

#define TIMEOUT_MS 20000

static int open_dev(void **state)
{
	struct accel_device_opts o = ACCEL_OPTS_INIT(accel_device_opts,
		.emu_caps_set = ACCEL_CAP_DEBUG_STALL);
	struct accel_device *dev;

	if (accel_device_open("emu", &o, &dev)) {
		fprintf(stderr, "open emu: %s\n", accel_last_error());
		return -1;
	}
	*state = dev;
	return 0;
}

static int close_dev(void **state)
{
	accel_device_close(*state);
	return 0;
}

static struct accel_buffer *new_buffer(struct accel_device *dev, size_t size,
				       uint8_t **map)
{
	struct accel_buffer *b;
	void *p;

	assert_int_equal(accel_buffer_create(dev, size, NULL, &b), 0);
	assert_int_equal(accel_buffer_map(b, &p), 0);
	*map = p;
	return b;
}

static void test_info(void **state)
{
	struct accel_device *dev = *state;
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device_info small;

	assert_string_equal(accel_device_name(dev), "emu");
	assert_string_equal(accel_device_shim(dev), "emu");
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_string_equal(info.name, "emu");
	assert_string_equal(info.shim, "emu");
	assert_true(info.pe_rows > 0 && info.pe_cols > 0);
	assert_true(info.glb_bytes > 0 && info.clock_khz > 0);
	assert_true(info.energy_fj[0] > info.energy_fj[3]);
	assert_true(info.caps & ACCEL_CAP_DEBUG_STALL);
	assert_int_equal(info.num_queues, 2);
	assert_int_equal(info.hw_version >> 16, 1);
	assert_true(info.fw_version != 0);
	/* An old caller's smaller struct gets only what it has room for. */
	memset(&small, 0x5a, sizeof(small));
	small.sz = offsetof(struct accel_device_info, shim);
	assert_int_equal(accel_device_info(dev, &small), 0);
	assert_string_equal(small.name, "emu");
	assert_int_equal((unsigned char)small.shim[0], 0x5a);
	small.sz = 0;
	assert_int_equal(accel_device_info(dev, &small), -EINVAL);
}

static void test_open_options(void **state)
{
	struct accel_device_opts o = ACCEL_OPTS_INIT(accel_device_opts,
		.emu_pe_rows = 8, .emu_pe_cols = 6, .emu_glb_bytes = 64 * 1024);
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device *dev;
	(void)state;

	assert_int_equal(accel_device_open("emu", &o, &dev), 0);
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_int_equal(info.pe_rows, 8);
	assert_int_equal(info.pe_cols, 6);
	assert_int_equal(info.glb_bytes, 64 * 1024);
	accel_device_close(dev);
	o.emu_pe_rows = 70000;
	assert_int_equal(accel_device_open("emu", &o, &dev), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "65535"));

	/* The same through the device name; options override the name. */
	o = ACCEL_OPTS_INIT(accel_device_opts, .emu_pe_cols = 5);
	assert_int_equal(accel_device_open("emu:rows=4,cols=9,glb=32k,clock_mhz=300,stall",
					   &o, &dev), 0);
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_int_equal(info.pe_rows, 4);
	assert_int_equal(info.pe_cols, 5);
	assert_int_equal(info.glb_bytes, 32 * 1024);
	assert_int_equal(info.clock_khz, 300000);
	assert_true(info.caps & ACCEL_CAP_DEBUG_STALL);
	assert_string_equal(info.name, "emu:rows=4,cols=9,glb=32k,clock_mhz=300,stall");
	accel_device_close(dev);
	static const char *const bad[] = {
		"emu:rows=0", "emu:rows=x", "emu:size=3", "emu:glb=4q", "emu:rows",
		"emu:stall=1", "emu:,", "emu:cols=70000",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(accel_device_open(bad[i], NULL, &dev), -EINVAL);
		assert_non_null(strstr(accel_last_error(), "bad board parameter"));
	}
}

static void test_open_errors(void **state)
{
	struct accel_device *dev = (void *)1;
	struct { struct accel_device_opts o; uint32_t future; } newer = {
		.o = { .sz = sizeof(newer) }, .future = 1 };
	(void)state;

	assert_int_equal(accel_device_open("bogus", NULL, &dev), -EINVAL);
	assert_null(dev);
	assert_non_null(strstr(accel_last_error(), "unknown device 'bogus'"));
	assert_int_equal(accel_device_open("/dev/accel/accel-none", NULL, &dev), -ENOENT);
	assert_non_null(strstr(accel_last_error(), "accelctl list"));
	assert_int_equal(accel_device_open("/dev/null", NULL, &dev), -ENODEV);
	assert_non_null(strstr(accel_last_error(), "not"));
	assert_int_equal(accel_device_open("emu", &newer.o, &dev), -EINVAL);
}

static void test_list(void **state)
{
	struct accel_device_entry e[16];
	struct { char name[64]; } small[16];
	int n, emu = -1;
	(void)state;

	n = accel_device_list(e, 16, sizeof(e[0]));
	assert_true(n >= 1);
	for (int i = 0; i < n && i < 16; i++)
		if (!strcmp(e[i].name, "emu"))
			emu = i;
	assert_true(emu >= 0);
	assert_true(e[emu].usable && e[emu].is_eyrie);
	assert_string_equal(e[emu].shim, "emu");
	/* A caller with a smaller entry (older header) gets the names. */
	assert_int_equal(accel_device_list((void *)small, 16, sizeof(small[0])), n);
	assert_string_equal(small[emu].name, "emu");
	/* max 0: only the count. */
	assert_int_equal(accel_device_list(NULL, 0, 0), n);
}

static void test_buffers(void **state)
{
	struct accel_device *dev = *state;
	struct accel_buffer_opts bad = ACCEL_OPTS_INIT(accel_buffer_opts, .flags = 0x80);
	struct accel_buffer *a, *b, *c;
	uint8_t *pa, *pb;

	a = new_buffer(dev, 1, &pa);
	b = new_buffer(dev, 3 * 4096 + 1, &pb);
	assert_int_equal(accel_buffer_size(a), 4096);
	assert_int_equal(accel_buffer_size(b), 4 * 4096);
	assert_int_equal(accel_buffer_device_addr(a) % 4096, 0);
	assert_int_not_equal(accel_buffer_device_addr(a), 0);
	/* Device ranges never overlap. */
	assert_true(accel_buffer_device_addr(a) + 4096 <= accel_buffer_device_addr(b) ||
		    accel_buffer_device_addr(b) + 4 * 4096 <= accel_buffer_device_addr(a));
	/* Zero-filled, writable. */
	for (int i = 0; i < 4 * 4096; i++)
		assert_int_equal(pb[i], 0);
	memset(pb, 0x33, 4 * 4096);
	assert_int_equal(accel_buffer_sync(b, ACCEL_SYNC_TO_DEVICE, 0, 0), 0);
	assert_int_equal(accel_buffer_sync(b, ACCEL_SYNC_FROM_DEVICE, 4096, 4096), 0);
	assert_int_equal(accel_buffer_sync(b, ACCEL_SYNC_TO_DEVICE, 4096, 4 * 4096), -EINVAL);
	assert_int_equal(accel_buffer_sync(b, 7, 0, 0), -EINVAL);
	assert_int_equal(accel_buffer_create(dev, 0, NULL, &c), -EINVAL);
	assert_int_equal(accel_buffer_create(dev, 4096, &bad, &c), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "unknown flags 0x80"));
	accel_buffer_free(a);
	accel_buffer_free(b);
}

static void test_job_dma_round_trip(void **state)
{
	struct accel_device *dev = *state;
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_buffer *src, *dst;
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job *job;
	uint8_t *s, *d;

	src = new_buffer(dev, 8192, &s);
	dst = new_buffer(dev, 8192, &d);
	for (int i = 0; i < 8192; i++)
		s[i] = (uint8_t)(i * 7 + 3);
	accel_cmdbuf_copy_in(cb, src, 0, 0, 8192);
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_copy_out(cb, dst, 0, 0, 8192);
	accel_cmdbuf_barrier(cb);
	/* The snapshot lands inside the copied range, after it. */
	accel_cmdbuf_energy_snapshot(cb, dst, 4096 - 128);
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), 0);
	/* The command buffer may be reused at once. */
	accel_cmdbuf_reset(cb);
	assert_int_equal(accel_job_wait(job, TIMEOUT_MS, &r), 0);
	assert_int_equal(r.status, ACCEL_JOB_OK);
	assert_int_equal(r.err_cmd_index, ACCEL_CMD_INDEX_NONE);
	assert_true(r.cycles > 0);
	assert_true(r.energy_fj > 0);
	assert_true(r.end_ns >= r.start_ns);
	/* Waiting again returns the same result. */
	r.status = 99;
	assert_int_equal(accel_job_wait(job, 0, &r), 0);
	assert_int_equal(r.status, ACCEL_JOB_OK);
	accel_job_free(job);
	accel_buffer_sync(dst, ACCEL_SYNC_FROM_DEVICE, 0, 0);
	for (int i = 0; i < 8192; i++) {
		if (i >= 4096 - 128 && i < 4096 - 128 + (int)sizeof(struct accel_energy_snapshot))
			continue;
		assert_int_equal(d[i], (uint8_t)(i * 7 + 3));
	}
	{
		const struct accel_energy_snapshot *snap = (const void *)(d + 4096 - 128);
		uint64_t total = 0;

		for (int k = 0; k < ACCEL_ENERGY_DOMAINS; k++)
			total += snap->energy_fj[k];
		assert_true(snap->dram_bytes >= 2 * 8192);
		assert_true(total > 0 && total <= r.energy_fj);
	}
	accel_cmdbuf_free(cb);
	accel_buffer_free(src);
	accel_buffer_free(dst);
}

static void test_job_errors(void **state)
{
	struct accel_device *dev = *state;
	struct accel_submit_opts q9 = ACCEL_OPTS_INIT(accel_submit_opts, .queue = 9);
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_buffer *io;
	struct accel_job *job;
	uint8_t *p;

	assert_int_equal(accel_device_info(dev, &info), 0);
	io = new_buffer(dev, 4096, &p);
	/* Empty buffer and unknown queue: refused before the device. */
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "empty"));
	accel_cmdbuf_nop(cb);
	assert_int_equal(accel_job_submit(dev, cb, &q9, &job), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "queue 9"));

	/* The device names the bad command: GLB overflow at index 1. */
	accel_cmdbuf_copy_in(cb, io, 0, info.glb_bytes - 4, 64);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r), -EIO);
	assert_int_equal(r.status, ACCEL_JOB_ERR_GLB_BOUNDS);
	assert_int_equal(r.err_cmd_index, 1);
	assert_non_null(strstr(accel_last_error(), "at command 1 (DMA_LOAD"));
	assert_non_null(strstr(accel_last_error(), "GLB"));

	/* A fault from an unmapped address. */
	accel_cmdbuf_reset(cb);
	struct accel_dma d = ACCEL_OPTS_INIT(accel_dma,
		.offset = info.va_start + info.va_size - 4096, .elem_bytes = 1,
		.dims = 1, .count = { 16 }, .dram_stride = { 1 }, .glb_stride = { 1 });
	accel_cmdbuf_dma_load(cb, &d);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r), -EIO);
	assert_int_equal(r.status, ACCEL_JOB_ERR_MMU_UNMAPPED);
	assert_int_equal(r.err_cmd_index, 0);

	/* The device still works. */
	accel_cmdbuf_reset(cb);
	accel_cmdbuf_nop(cb);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r), 0);
	accel_cmdbuf_free(cb);
	accel_buffer_free(io);
}

static void test_timeout_and_reset(void **state)
{
	struct accel_device *dev = *state;
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job *job;

	accel_cmdbuf_stall(cb, 0xffffffffu);	/* until reset */
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), 0);
	assert_int_equal(accel_job_wait(job, 0, &r), -ETIMEDOUT);
	assert_int_equal(accel_job_wait(job, 50, &r), -ETIMEDOUT);
	assert_non_null(strstr(accel_last_error(), "still running after 50 ms"));
	assert_int_equal(accel_device_reset(dev), 0);
	assert_int_equal(accel_job_wait(job, TIMEOUT_MS, &r), -EIO);
	assert_int_equal(r.status, ACCEL_JOB_ERR_ABORTED);
	accel_job_free(job);
	/* After the reset the device runs jobs again. */
	accel_cmdbuf_reset(cb);
	accel_cmdbuf_nop(cb);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r), 0);
	accel_cmdbuf_free(cb);
}

static void test_free_running_job(void **state)
{
	struct accel_device *dev;
	struct accel_device_opts o = ACCEL_OPTS_INIT(accel_device_opts,
		.emu_caps_set = ACCEL_CAP_DEBUG_STALL);
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_buffer *b;
	struct accel_job *job, *kept;
	uint8_t *p;
	(void)state;

	/* Jobs freed while running, and objects left alive at close. */
	assert_int_equal(accel_device_open("emu", &o, &dev), 0);
	accel_cmdbuf_stall(cb, 20000);
	assert_int_equal(accel_job_submit(dev, cb, NULL, &job), 0);
	accel_job_free(job);
	assert_int_equal(accel_job_submit(dev, cb, NULL, &kept), 0);
	b = new_buffer(dev, 4096, &p);
	(void)b;
	accel_device_close(dev);	/* frees kept and b (LeakSanitizer checks) */
	accel_cmdbuf_free(cb);
}

/*
 * The device refreshes telemetry at least once per sample period (and at
 * job ends): wait up to two periods (+100 ms) for it to count `jobs`.
 */
static void read_settled(struct accel_device *dev, uint64_t jobs,
			 struct accel_telemetry *t)
{
	struct timespec ms = { 0, 1000000 };

	for (uint64_t waited_us = 0;; waited_us += 1000) {
		assert_int_equal(accel_telemetry_read(dev, t), 0);
		if (t->jobs_completed >= jobs ||
		    waited_us >= 2ull * t->sample_period_us + 100000)
			return;
		nanosleep(&ms, NULL);
	}
}

static void test_telemetry(void **state)
{
	struct accel_device *dev = *state;
	struct accel_telemetry t0 = { .sz = sizeof(t0) }, t1 = { .sz = sizeof(t1) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	uint64_t e0 = 0, e1 = 0;

	assert_int_equal(accel_telemetry_read(dev, &t0), 0);
	accel_cmdbuf_nop(cb);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, NULL), 0);
	read_settled(dev, t0.jobs_completed + 1, &t1);
	assert_true(t1.timestamp_ns > t0.timestamp_ns);
	assert_true(t1.jobs_completed >= t0.jobs_completed + 1);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
		assert_true(t1.energy_fj[d] >= t0.energy_fj[d]);
		e0 += t0.energy_fj[d];
		e1 += t1.energy_fj[d];
	}
	assert_true(e1 > e0);
	assert_true(t1.clock_khz > 0);
	t1.sz = 4;
	assert_int_equal(accel_telemetry_read(dev, &t1), -EINVAL);
	accel_cmdbuf_free(cb);
}

struct lines {
	int count;
	bool saw_dma;
};

static void collect(enum accel_log_level level, const char *msg, void *ctx)
{
	struct lines *l = ctx;

	if (level == ACCEL_LOG_TRACE) {
		l->count++;
		if (strstr(msg, "DMA_STORE va=0x"))
			l->saw_dma = true;
	}
}

static void test_trace_dump(void **state)
{
	struct accel_device *dev = *state;
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct lines l = { 0 };
	struct accel_buffer *b;
	enum accel_log_level old;
	uint8_t *p;

	b = new_buffer(dev, 4096, &p);
	accel_cmdbuf_copy_out(cb, b, 0, 0, 64);
	accel_cmdbuf_barrier(cb);
	accel_set_log_fn(collect, &l);
	old = accel_set_log_level(ACCEL_LOG_TRACE);
	assert_int_equal(accel_job_run(dev, cb, NULL, TIMEOUT_MS, NULL), 0);
	accel_set_log_level(old);
	accel_set_log_fn(NULL, NULL);
	assert_true(l.count >= 3);	/* header + one line per command */
	assert_true(l.saw_dma);
	accel_cmdbuf_free(cb);
	accel_buffer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_open_options),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_job_dma_round_trip),
		cmocka_unit_test(test_job_errors),
		cmocka_unit_test(test_timeout_and_reset),
		cmocka_unit_test(test_free_running_job),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_trace_dump),
	};

	return cmocka_run_group_tests_name("libaccel-emu", tests, open_dev, close_dev);
}
