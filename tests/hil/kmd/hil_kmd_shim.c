// SPDX-License-Identifier: MIT
/*
 * HIL: libaccel's kmd shim on the real driver, through the public API only
 * (the same calls the emu tests make): discovery picks the node, device
 * and board info, buffers and a DMA round trip, device errors with their
 * command index, wait timeouts on a stalled job, more jobs in flight than
 * the shim lets go uncollected, jobs freed while running, telemetry, the
 * firmware log through debugfs, reset as root, the permission message for
 * a user outside the node's group, and a job run after all of that.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel/board.h"
#include "accel/libaccel.h"
#include "accel/share.h"
#include "tap.h"

#define NODE		"/dev/accel/accel0"
#define TIMEOUT_MS	20000
#define MANY_JOBS	700	/* above the shim's 512 uncollected */

static struct accel_device *dev;

/* A job on device d copying n bytes from src to dst through the GLB. */
static int copy_job_on(struct accel_device *d, struct accel_buffer *src,
		       struct accel_buffer *dst, uint32_t n, struct accel_job **job)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_buffer *bufs[2] = { src, dst };
	struct accel_submit_opts o = { .sz = sizeof(o), .buffers = bufs, .buffer_count = 2 };
	int err;

	if (!cb)
		return -ENOMEM;
	err = accel_cmdbuf_copy_in(cb, src, 0, 0, n);
	if (err >= 0)
		err = accel_cmdbuf_barrier(cb);
	if (err >= 0)
		err = accel_cmdbuf_copy_out(cb, dst, 0, 0, n);
	if (err >= 0)
		err = accel_job_submit(d, cb, &o, job);
	accel_cmdbuf_free(cb);
	return err < 0 ? err : 0;
}

static void test_discovery(void)
{
	struct accel_device_entry e[8];
	int n = accel_device_list(e, 8, sizeof(e[0]));
	bool found = false;

	for (int i = 0; i < n && i < 8; i++)
		if (!strcmp(e[i].name, NODE))
			found = e[i].is_eyrie && e[i].usable && e[i].is_default &&
				!strcmp(e[i].shim, "kmd");
	tap_ok(found, "accel_device_list: %s is an Eyrie node, usable and the default", NODE);
}

static void test_info(void)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_board_info b = { .sz = sizeof(b) };
	int err;

	tap_ok(!strcmp(accel_device_shim(dev), "kmd"), "auto opened the kmd shim (%s)",
	       accel_device_shim(dev));
	tap_ok(!strcmp(accel_device_name(dev), NODE), "device name is %s", NODE);
	err = accel_device_info(dev, &info);
	if (tap_ok(!err, "device info: %s", err ? accel_last_error() : "ok")) {
		tap_ok(info.pe_rows > 0 && info.pe_cols > 0 && info.glb_bytes > 0 &&
		       info.clock_khz > 0, "the device description arrives: %ux%u PEs, %u B GLB, %u kHz",
		       info.pe_rows, info.pe_cols, info.glb_bytes, info.clock_khz);
		tap_ok(info.num_queues == 2 && info.va_size > info.va_start && info.fw_abi >> 16 == 1,
		       "queues %u, VA [0x%llx, 0x%llx), firmware ABI %u.%u", info.num_queues,
		       (unsigned long long)info.va_start, (unsigned long long)info.va_size,
		       info.fw_abi >> 16, info.fw_abi & 0xffff);
	}
	err = accel_device_board_info(dev, &b);
	if (tap_ok(!err, "board info: %s", err ? accel_last_error() : "ok")) {
		tap_ok(!strcmp(b.driver, "eyrie") && !strcmp(b.node, NODE) && b.uapi_version >> 16 == 1,
		       "board: driver %s node %s uAPI %u.%u", b.driver, b.node,
		       b.uapi_version >> 16, b.uapi_version & 0xffff);
		/* QEMU's ivshmem-doorbell: Red Hat 1af4:1110, a conventional PCI function. */
		tap_ok(b.has_pci && b.pci_vendor == 0x1af4 && b.pci_device == 0x1110 &&
		       strlen(b.pci_slot) == 12,
		       "libpci: %s [%04x:%04x] class %06x rev %02x", b.pci_slot,
		       b.pci_vendor, b.pci_device, b.pci_class, b.pci_revision);
		tap_ok((b.pci_class >> 8) == 0x0500 && !b.has_link,
		       "libpci: RAM-controller class, no PCI Express link capability (as QEMU's ivshmem)");
		tap_ok(b.debugfs[0] != '\0', "debugfs directory found: %s", b.debugfs);
		tap_ok(b.ctx_mem_limit >= (1ull << 20), "per-handle memory limit %llu bytes",
		       (unsigned long long)b.ctx_mem_limit);
	}
}

static void test_dma(void)
{
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_buffer *src = NULL, *dst = NULL;
	struct accel_job *job = NULL;
	uint8_t *s, *d;
	const uint32_t n = 8192;
	int err;

	if (!tap_ok(accel_buffer_create(dev, n, NULL, &src) == 0 &&
		    accel_buffer_create(dev, n, NULL, &dst) == 0,
		    "two buffers: %s", accel_last_error()))
		goto out;
	tap_ok(accel_buffer_device_addr(src) != accel_buffer_device_addr(dst) &&
	       accel_buffer_size(src) == n, "distinct device addresses 0x%llx, 0x%llx",
	       (unsigned long long)accel_buffer_device_addr(src),
	       (unsigned long long)accel_buffer_device_addr(dst));
	accel_buffer_map(src, (void **)&s);
	accel_buffer_map(dst, (void **)&d);
	for (uint32_t i = 0; i < n; i++)
		s[i] = (uint8_t)(i * 7 + 3);
	accel_buffer_sync(src, ACCEL_SYNC_TO_DEVICE, 0, n);
	err = copy_job_on(dev, src, dst, n, &job);
	if (tap_ok(!err, "copy job submitted: %s", err ? accel_last_error() : "")) {
		err = accel_job_wait(job, TIMEOUT_MS, &r);
		tap_ok(!err && r.status == ACCEL_JOB_OK && r.cycles > 0 && r.energy_fj > 0 &&
		       r.end_ns >= r.start_ns,
		       "copy job ok, %llu cycles, %llu fJ", (unsigned long long)r.cycles,
		       (unsigned long long)r.energy_fj);
		accel_buffer_sync(dst, ACCEL_SYNC_FROM_DEVICE, 0, n);
		tap_ok(!memcmp(s, d, n), "the device's copy is byte for byte the source");
		tap_ok(accel_job_wait(job, 0, &r) == 0 && r.status == ACCEL_JOB_OK,
		       "waiting again returns the same result");
	}
	accel_job_free(job);
out:
	accel_buffer_free(src);
	accel_buffer_free(dst);
}

static void test_device_error(void)
{
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_buffer *ro = NULL;
	int err;

	/* A device write into a read-only buffer faults that job only. */
	struct accel_buffer_opts bo = { .sz = sizeof(bo), .flags = ACCEL_BUFFER_DEVICE_RO };

	if (!tap_ok(accel_buffer_create(dev, 4096, &bo, &ro) == 0, "read-only buffer: %s",
		    accel_last_error()))
		goto out;
	accel_cmdbuf_nop(cb);
	accel_cmdbuf_copy_out(cb, ro, 0, 0, 256);
	err = accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r);
	tap_ok(err == -EIO && r.status == ACCEL_JOB_ERR_MMU_PERM && r.err_cmd_index == 1,
	       "device write to a DEVICE_RO buffer: -EIO, status %d (%s) at command %u",
	       r.status, accel_job_status_str(r.status), r.err_cmd_index);
	tap_ok(strstr(accel_last_error(), "command 1") != NULL,
	       "the message names the command: %s", accel_last_error());
out:
	accel_buffer_free(ro);
	accel_cmdbuf_free(cb);
}

static void test_timeout_and_free_running(void)
{
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job *job = NULL;
	int err;

	accel_cmdbuf_stall(cb, 300000);		/* 0.3 s of device time */
	err = accel_job_submit(dev, cb, NULL, &job);
	if (tap_ok(!err, "stall job submitted: %s", err ? accel_last_error() : "")) {
		tap_ok(accel_job_wait(job, 0, NULL) == -ETIMEDOUT, "poll of a running job: -ETIMEDOUT");
		tap_ok(accel_job_wait(job, 20, NULL) == -ETIMEDOUT, "20 ms wait on a 300 ms job: -ETIMEDOUT");
		err = accel_job_wait(job, TIMEOUT_MS, &r);
		tap_ok(!err && r.status == ACCEL_JOB_OK, "then it ends ok: %s",
		       err ? accel_last_error() : "");
	}
	accel_job_free(job);
	job = NULL;
	/* Freed while running: it completes unobserved, nothing leaks or hangs. */
	err = accel_job_submit(dev, cb, NULL, &job);
	tap_ok(!err, "a stall job submitted, then freed by its owner while it runs: %s",
	       err ? accel_last_error() : "ok");
	if (!err)
		accel_job_free(job);
	accel_cmdbuf_free(cb);
}

static void test_many_jobs(void)
{
	struct accel_job **jobs = calloc(MANY_JOBS, sizeof(*jobs));
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_submit_opts o = { .sz = sizeof(o), .queue = ACCEL_QUEUE_NORMAL,
				       .buffers = NULL, .buffer_count = 0 };
	int submitted = 0, ok = 0;
	struct accel_buffer *none = NULL;

	/* No buffers named: an empty list (not "every buffer") needs one entry. */
	o.buffers = &none;
	o.buffer_count = 0;
	accel_cmdbuf_nop(cb);
	for (int i = 0; i < MANY_JOBS; i++) {
		o.queue = i % 3 ? ACCEL_QUEUE_NORMAL : ACCEL_QUEUE_HIGH;
		if (accel_job_submit(dev, cb, &o, &jobs[i]))
			break;
		submitted++;
	}
	tap_ok(submitted == MANY_JOBS, "%d of %d NOP jobs submitted without waiting (%s)",
	       submitted, MANY_JOBS, submitted == MANY_JOBS ? "both queues" : accel_last_error());
	/* Oldest last: their results were collected while the later ones ran. */
	for (int i = submitted - 1; i >= 0; i--) {
		struct accel_job_result r = { .sz = sizeof(r) };

		if (!accel_job_wait(jobs[i], TIMEOUT_MS, &r) && r.status == ACCEL_JOB_OK)
			ok++;
		accel_job_free(jobs[i]);
	}
	tap_ok(ok == submitted && ok > 0, "%d of %d ended ok, waited for newest first", ok,
	       submitted);
	accel_cmdbuf_free(cb);
	free(jobs);
}

/*
 * PRIME: a buffer exported by one handle (context) and imported by another
 * gets its own device address there, shares the pages both ways for the
 * CPU and the device, and is the only way across (a self-import is
 * refused, a non-dma-buf fd too).
 */
static void test_prime(void)
{
	struct accel_buffer *a = NULL, *b2 = NULL, *dst2 = NULL, *back = NULL;
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_device *dev2 = NULL;
	struct accel_job *job = NULL;
	uint8_t *pa, *pb, *pd;
	const uint32_t n = 4096;
	int fd = -1, err;

	err = accel_device_open(NODE, NULL, &dev2);
	if (!tap_ok(!err, "a second handle on %s: %s", NODE, err ? accel_last_error() : "ok"))
		return;
	if (!tap_ok(accel_buffer_create(dev, n, NULL, &a) == 0 &&
		    accel_buffer_create(dev2, n, NULL, &dst2) == 0, "buffers on both handles"))
		goto out;
	accel_buffer_map(a, (void **)&pa);
	for (uint32_t i = 0; i < n; i++)
		pa[i] = (uint8_t)(i ^ 0xa5);
	err = accel_buffer_export_fd(a, &fd);
	if (!tap_ok(!err && fd >= 0, "export as a dma-buf: fd %d %s", fd, err ? accel_last_error() : ""))
		goto out;
	err = accel_buffer_import_fd(dev, fd, &back);
	tap_ok(err == -EEXIST && !back, "importing into the exporting handle: -EEXIST (%s)",
	       accel_last_error());
	err = accel_buffer_import_fd(dev2, fd, &b2);
	if (!tap_ok(!err, "import into the second handle: %s", err ? accel_last_error() : "ok"))
		goto out;
	accel_buffer_map(b2, (void **)&pb);
	tap_ok(accel_buffer_size(b2) == n && !memcmp(pa, pb, n),
	       "the importer's CPU mapping shows the exporter's data (va 0x%llx in its own context)",
	       (unsigned long long)accel_buffer_device_addr(b2));
	/* The second context's device reads the shared pages... */
	err = copy_job_on(dev2, b2, dst2, n, &job);
	if (!err)
		err = accel_job_wait(job, TIMEOUT_MS, &r);
	accel_job_free(job);
	job = NULL;
	accel_buffer_map(dst2, (void **)&pd);
	tap_ok(!err && !memcmp(pd, pa, n), "the importer's device reads them: %s",
	       err ? accel_last_error() : "copy ok");
	/* ...and writes them: the exporter sees it. */
	for (uint32_t i = 0; i < n; i++)
		pd[i] = (uint8_t)(i * 3);
	err = copy_job_on(dev2, dst2, b2, n, &job);
	if (!err)
		err = accel_job_wait(job, TIMEOUT_MS, &r);
	accel_job_free(job);
	tap_ok(!err && !memcmp(pa, pd, n), "a device write through the import reaches the exporter's mapping");
	close(fd);
	fd = -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	err = accel_buffer_import_fd(dev2, fd, &back);
	tap_ok(err < 0 && !back, "importing /dev/null's fd fails: %s", accel_last_error());
out:
	if (fd >= 0)
		close(fd);
	accel_buffer_free(b2);
	accel_buffer_free(dst2);
	accel_device_close(dev2);
	/* The exporter's buffer outlives the importer. */
	if (a) {
		pa[0] ^= 0xff;
		tap_ok(pa[1] == (uint8_t)3, "the exporter's buffer stays valid after the importer closed");
	}
	accel_buffer_free(a);
}

/*
 * Threads sharing the handle: each keeps a few jobs in flight on its queue,
 * waits for the oldest, and lets every fifth go unwaited (freed while it
 * may still run), so submits, waits, collection and orphans interleave.
 */
#define THREADS		4
#define THREAD_JOBS	150
#define THREAD_DEPTH	8

struct worker {
	pthread_t tid;
	int index, ok, waited, failed_submit;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct accel_job *ring[THREAD_DEPTH] = { 0 };
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_buffer *none = NULL;
	struct accel_submit_opts o = { .sz = sizeof(o), .buffers = &none,
				       .queue = w->index % 2 ? ACCEL_QUEUE_HIGH : ACCEL_QUEUE_NORMAL };

	accel_cmdbuf_nop(cb);
	for (int i = 0; i < THREAD_JOBS + THREAD_DEPTH; i++) {
		struct accel_job **slot = &ring[i % THREAD_DEPTH];

		if (*slot) {
			struct accel_job_result r = { .sz = sizeof(r) };

			if ((i / THREAD_DEPTH) % 5 != 4) {
				w->waited++;
				if (!accel_job_wait(*slot, TIMEOUT_MS, &r) && r.status == ACCEL_JOB_OK)
					w->ok++;
			}
			accel_job_free(*slot);
			*slot = NULL;
		}
		if (i < THREAD_JOBS && accel_job_submit(dev, cb, &o, slot))
			w->failed_submit++;
	}
	accel_cmdbuf_free(cb);
	return NULL;
}

static void test_threads(void)
{
	struct worker w[THREADS] = { 0 };
	int ok = 0, waited = 0, failed = 0;

	for (int t = 0; t < THREADS; t++) {
		w[t].index = t;
		pthread_create(&w[t].tid, NULL, worker_main, &w[t]);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		ok += w[t].ok;
		waited += w[t].waited;
		failed += w[t].failed_submit;
	}
	tap_ok(failed == 0 && waited > 0 && ok == waited,
	       "%d threads x %d jobs on one handle, both queues: %d of %d waited ended ok, the rest freed unwaited, %d submit failures",
	       THREADS, THREAD_JOBS, ok, waited, failed);
}

static void test_telemetry_and_fw_log(void)
{
	struct accel_telemetry t = { .sz = sizeof(t) };
	static char log[64 * 1024];
	int n;

	n = accel_telemetry_read(dev, &t);
	tap_ok(n == 0 && t.timestamp_ns > 0 && t.jobs_completed >= MANY_JOBS,
	       "telemetry: device time %llu ns, %llu jobs completed (>= %d), %u mW",
	       (unsigned long long)t.timestamp_ns, (unsigned long long)t.jobs_completed,
	       MANY_JOBS, t.power_mw);
	n = accel_device_fw_log(dev, log, sizeof(log));
	tap_ok(n > 0 && strstr(log, "firmware") != NULL,
	       "firmware log through debugfs: %d bytes%s", n, n < 0 ? accel_last_error() : "");
}

static void test_reset(void)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job_result r = { .sz = sizeof(r) };
	int err;

	err = accel_device_reset(dev);
	tap_ok(!err, "reset as root: %s", err ? accel_last_error() : "ok");
	accel_cmdbuf_nop(cb);
	err = accel_job_run(dev, cb, NULL, TIMEOUT_MS, &r);
	tap_ok(!err && r.status == ACCEL_JOB_OK, "a job runs after the reset: %s",
	       err ? accel_last_error() : "ok");
	accel_cmdbuf_free(cb);
}

/* As a user outside the node's group: EACCES, the message says what to do. */
static void test_permission(void)
{
	int pipefd[2], status = 0;
	char msg[512] = "";
	pid_t pid;
	ssize_t n;

	/*
	 * The initramfs leaves the guest's / at 0700, which stops any user
	 * before the node; a real root is 0755, as this test needs.
	 */
	{
		struct stat root;

		if (!stat("/", &root) && !(root.st_mode & S_IXOTH)) {
			tap_diag("/ is mode %o (initramfs): opening it to 0755 for this test",
				 root.st_mode & 07777);
			chmod("/", 0755);
		}
	}
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		struct accel_device *d2;
		int err;

		close(pipefd[0]);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		err = accel_device_open(NODE, NULL, &d2);
		if (dprintf(pipefd[1], "%d %s", err, err ? accel_last_error() : "") < 0)
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!tap_ok(atoi(msg) == -EACCES && strstr(msg, "render") != NULL,
		    "an unprivileged user gets -EACCES naming the render group: %s", msg)) {
		static const char *const path[] = { "/", "/dev", "/dev/accel", NODE };

		for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
			struct stat st;

			if (!stat(path[i], &st))
				tap_diag("%s: mode %o uid %u gid %u", path[i], st.st_mode & 07777,
					 st.st_uid, st.st_gid);
		}
	}
}

static void test_errors_without_node(void)
{
	struct accel_device *d2 = NULL;
	int err;

	err = accel_device_open("/dev/accel/accel9", NULL, &d2);
	tap_ok(err == -ENOENT && strstr(accel_last_error(), "accel9"),
	       "a missing node: -ENOENT naming it: %s", accel_last_error());
	err = accel_device_open("/dev/null", NULL, &d2);
	tap_ok(err == -ENODEV, "/dev/null: -ENODEV (%s)", accel_last_error());
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Figures only (diagnostics, never asserted): what a job and a buffer cost
 * through libaccel on the driver, to set beside the raw-ioctl figures of
 * the driver's own benchmark. Under TCG they measure the emulation too.
 */
static void figures(void)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job *ring[64] = { 0 };
	struct accel_buffer *none = NULL;
	struct accel_submit_opts o = { .sz = sizeof(o), .buffers = &none };
	const int rt = 200, deep = 640, bufs = 200;
	double t0, t1, t2, t3;

	accel_cmdbuf_nop(cb);
	t0 = now_s();
	for (int i = 0; i < rt; i++)
		if (accel_job_run(dev, cb, &o, TIMEOUT_MS, NULL))
			break;
	t1 = now_s();
	for (int i = 0; i < deep + 64; i++) {
		struct accel_job **slot = &ring[i % 64];

		if (*slot) {
			accel_job_wait(*slot, TIMEOUT_MS, NULL);
			accel_job_free(*slot);
			*slot = NULL;
		}
		if (i < deep && accel_job_submit(dev, cb, &o, slot))
			break;
	}
	t2 = now_s();
	for (int i = 0; i < bufs; i++) {
		struct accel_buffer *b;
		void *p;

		if (accel_buffer_create(dev, 4096, NULL, &b))
			break;
		accel_buffer_map(b, &p);
		*(volatile char *)p = 1;
		accel_buffer_free(b);
	}
	t3 = now_s();
	tap_diag("figures: NOP job round trip through libaccel (depth 1): %.0f us (%.0f jobs/s)",
		 (t1 - t0) / rt * 1e6, rt / (t1 - t0));
	tap_diag("figures: NOP jobs with 64 in flight: %.0f jobs/s", deep / (t2 - t1));
	tap_diag("figures: 4 KiB buffer create + map + touch + free: %.0f per second",
		 bufs / (t3 - t2));
	accel_cmdbuf_free(cb);
}

int main(void)
{
	int err = accel_device_open(NULL, NULL, &dev);

	test_discovery();
	if (!tap_ok(!err, "auto opens the board: %s", err ? accel_last_error() : "ok"))
		return tap_done();
	test_info();
	test_dma();
	test_device_error();
	test_timeout_and_free_running();
	test_many_jobs();
	test_prime();
	test_threads();
	test_telemetry_and_fw_log();
	test_reset();
	test_permission();
	test_errors_without_node();
	figures();
	accel_device_close(dev);
	return tap_done();
}
