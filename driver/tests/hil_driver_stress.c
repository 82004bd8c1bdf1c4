// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver_stress: the driver under load and under nonsense.
 *   - threads sharing one file submit, wait, create and close BOs at once;
 *   - random ioctl arguments (fields biased to edge values, pointers that
 *     are NULL, tiny, kernel, unaligned or valid) on every Eyrie ioctl and
 *     the core GEM/PRIME/syncobj ones;
 *   - random command buffers run on the device.
 * The pass criterion of the fuzzing is that the process survives, the device
 * still runs a job afterwards, and (checked by the harness) the guest kernel
 * log stays free of WARN/BUG/oops. Seeded, so a failure reproduces:
 * hil_driver_stress [node] [seed]. Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "hil_dev.h"
#include "tap.h"

static const char *node = "/dev/accel/accel0";

/* xorshift64*: reproducible from the seed printed in the output. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t edge(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 64, 127, 128, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ull, 0x100000, 0x8000000000ull, 0x7ffffffffffull,
		0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull,
	};

	return rnd() & 1 ? v[rnd() % (sizeof(v) / sizeof(v[0]))] : rnd();
}

/*
 * The user memory fuzzed pointers may point into, between two PROT_NONE
 * guard pages: a kernel write past its end (a QUERY of a random size at
 * its last bytes, say) faults with EFAULT instead of landing in this
 * program's own variables (it once rewrote the TAP counters).
 */
#define VALID_BUF_SIZE 65536
static uint8_t *valid_buf;

static int valid_buf_map(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *m = mmap(NULL, VALID_BUF_SIZE + 2 * page, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + page, VALID_BUF_SIZE, PROT_READ | PROT_WRITE))
		return -1;
	valid_buf = m + page;
	return 0;
}

static uint64_t rnd_ptr(void)
{
	switch (rnd() % 6) {
	case 0:
		return 0;
	case 1:
		return 16;
	case 2:
		return 0xffff888000000000ull;	/* kernel direct map */
	case 3:
		return (uintptr_t)valid_buf + 1;
	case 4:
		return (uintptr_t)valid_buf + VALID_BUF_SIZE - 4;
	default:
		return (uintptr_t)valid_buf;
	}
}

struct worker {
	int fd;
	int ok;
	int id;
};

/* One thread: create a BO, TIMESTAMP into it from a job, check, close. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	int i;

	w->ok = 1;
	for (i = 0; i < 100 && w->ok; i++) {
		struct drm_eyrie_bo_create c = { .size = 8192 };
		struct drm_eyrie_bo_info info = { 0 };
		struct drm_eyrie_submit s = { .cmd_count = 1, .bo_count = 1, .queue = i & 1 };
		struct drm_eyrie_wait wt = { .timeout_ns = 60000000000ll };
		struct drm_gem_close cl = { 0 };
		union eyrie_cmd *cmd;
		uint64_t *out;

		if (hil_ioctl(w->fd, DRM_IOCTL_EYRIE_BO_CREATE, &c)) {
			w->ok = 0;
			break;
		}
		info.handle = c.handle;
		cmd = MAP_FAILED;
		if (!hil_ioctl(w->fd, DRM_IOCTL_EYRIE_BO_INFO, &info))
			cmd = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
				   (off_t)info.mmap_offset);
		if (cmd == MAP_FAILED) {
			w->ok = 0;
			break;
		}
		memset(cmd, 0, EYRIE_CMD_SIZE);
		out = (uint64_t *)((char *)cmd + 4096);
		*out = 0;
		cmd->write.hdr.opcode = EYRIE_OP_TIMESTAMP;
		cmd->write.dram_addr = c.device_addr + 4096;
		s.cmdbuf_addr = c.device_addr;
		s.bo_handles = (uintptr_t)&c.handle;
		w->ok = !hil_ioctl(w->fd, DRM_IOCTL_EYRIE_SUBMIT, &s);
		wt.seqno = s.seqno;
		w->ok = w->ok && !hil_ioctl(w->fd, DRM_IOCTL_EYRIE_WAIT, &wt) && wt.status == 0 &&
			*out != 0;
		munmap(cmd, 8192);
		cl.handle = c.handle;
		hil_ioctl(w->fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	return NULL;
}

static void test_threads(void)
{
	struct worker w[4];
	pthread_t t[4];
	int fd = open(node, O_RDWR | O_CLOEXEC), i, ok = fd >= 0;

	for (i = 0; i < 4 && ok; i++) {
		w[i].fd = fd;
		w[i].id = i;
		ok = !pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	while (i-- > 0) {
		pthread_join(t[i], NULL);
		ok = ok && w[i].ok;
	}
	tap_ok(ok, "4 threads on one file: 400 BO create + submit + wait + close cycles");
	if (fd >= 0)
		close(fd);
}

static uint32_t pick_handle(const uint32_t *h, int n)
{
	return rnd() % 4 == 0 || !n ? (uint32_t)edge() : h[rnd() % n];
}

static void fuzz_ioctls(int fd, unsigned int rounds)
{
	uint32_t handles[16] = { 0 }, syncs[4] = { 0 };
	unsigned int i, nh = 0, ns = 0;

	for (i = 0; i < rounds; i++) {
		union {
			struct drm_eyrie_query q;
			struct drm_eyrie_bo_create c;
			struct drm_eyrie_bo_info b;
			struct drm_eyrie_submit s;
			struct drm_eyrie_wait w;
			struct drm_gem_close cl;
			struct drm_prime_handle p;
			struct drm_syncobj_create sc;
			uint64_t raw[16];
		} a;
		unsigned int k;

		for (k = 0; k < 16; k++)
			a.raw[k] = rnd() & 1 ? 0 : edge();
		for (k = 0; k < VALID_BUF_SIZE / 8; k += 97)
			((uint32_t *)valid_buf)[k] = pick_handle(handles, (int)nh);
		switch (rnd() % 9) {
		case 0:
			a.q.type = rnd() % 4;
			a.q.ptr = rnd_ptr();
			hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &a.q);
			break;
		case 1:
			a.c.size = rnd() % 3 ? rnd() % (4 << 20) : edge();
			a.c.flags = rnd() % 4 ? a.c.flags & 1 : a.c.flags;
			if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &a.c))
				break;
			if (nh < 16) {
				handles[nh++] = a.c.handle;
			} else {
				/* Pinned memory stays bounded (the VM is small). */
				struct drm_gem_close cl = { .handle = a.c.handle };

				hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
			}
			break;
		case 2:
			a.b.handle = pick_handle(handles, (int)nh);
			hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &a.b);
			break;
		case 3:
			a.s.bo_handles = rnd_ptr();
			a.s.in_syncobjs = rnd_ptr();
			a.s.bo_count = rnd() % 3 ? rnd() % 8 : (uint32_t)edge();
			a.s.in_syncobj_count = rnd() % 3 ? rnd() % 4 : (uint32_t)edge();
			a.s.queue = rnd() % 3;
			a.s.out_syncobj = rnd() % 2 && ns ? syncs[rnd() % ns] : a.s.out_syncobj;
			if (rnd() % 2)
				a.s.flags = 0;
			hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &a.s);
			break;
		case 4:
			a.w.timeout_ns = rnd() % 2 ? 0 : (int64_t)(rnd() % 1000000);
			a.w.seqno = rnd() % 2 ? rnd() % 64 : edge();
			if (rnd() % 2)
				a.w.flags = 0;
			hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &a.w);
			break;
		case 5:
			/* A real reset now and then; mostly the former ioctl number. */
			if (rnd() % 50)
				hil_ioctl(fd, HIL_IOCTL_FORMER_RESET, a.raw);
			else
				hil_reset(fd);
			break;
		case 6:
			a.cl.handle = pick_handle(handles, (int)nh);
			if (!hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &a.cl))
				for (k = 0; k < nh; k++)
					if (handles[k] == a.cl.handle)
						handles[k] = handles[--nh];
			break;
		case 7:
			a.p.handle = pick_handle(handles, (int)nh);
			a.p.flags = rnd() % 2 ? DRM_CLOEXEC | DRM_RDWR : a.p.flags;
			if (!hil_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &a.p)) {
				struct drm_prime_handle back = { .fd = a.p.fd };

				hil_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &back);
				close(a.p.fd);
			}
			break;
		default:
			a.sc.flags = rnd() % 2 ? 0 : a.sc.flags;
			if (!hil_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &a.sc) && ns < 4)
				syncs[ns++] = a.sc.handle;
			break;
		}
	}
}

/* Random commands (never STALL, which would only test timeouts) on the device. */
static int fuzz_commands(int fd, unsigned int jobs)
{
	struct drm_eyrie_bo_create c = { .size = 1 << 20 };
	struct drm_eyrie_bo_info info = { 0 };
	union eyrie_cmd *cmd;
	unsigned int j, k;
	int ret = 0;

	if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c))
		return -1;
	info.handle = c.handle;
	if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &info))
		return -1;
	cmd = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	if (cmd == MAP_FAILED)
		return -1;
	for (j = 0; j < jobs && !ret; j++) {
		struct drm_eyrie_submit s = { .cmdbuf_addr = c.device_addr, .cmd_count = 1 + rnd() % 8 };
		struct drm_eyrie_wait w = { .timeout_ns = 60000000000ll };

		for (k = 0; k < s.cmd_count; k++) {
			uint64_t *q = (uint64_t *)&cmd[k];
			unsigned int n;

			for (n = 0; n < EYRIE_CMD_SIZE / 8; n++)
				q[n] = rnd() % 3 ? rnd() % 4096 : edge();
			cmd[k].hdr.opcode = rnd() % EYRIE_OP_STALL;
			/* Some device addresses inside the buffer itself. */
			if (rnd() % 2)
				cmd[k].dma.dram_addr = c.device_addr + (rnd() % (c.size / 2) & ~7ull);
		}
		ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);
		w.seqno = s.seqno;
		if (!ret)
			ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w);
	}
	munmap(cmd, c.size);
	return ret;
}

static int nop_works(void)
{
	struct drm_eyrie_bo_create c = { .size = 4096 };
	struct drm_eyrie_submit s = { .cmd_count = 1 };
	struct drm_eyrie_wait w = { .timeout_ns = 60000000000ll };
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;

	ok = fd >= 0 && !hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);
	s.cmdbuf_addr = c.device_addr;	/* a fresh BO is zero: one NOP */
	ok = ok && !hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);
	w.seqno = s.seqno;
	ok = ok && !hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) && w.status == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Contexts debugfs counts for the device of node, or -1. */
static long debugfs_contexts(void)
{
	char link[256], path[512], line[256];
	const char *bdf;
	long n = -1;
	ssize_t len;
	FILE *f;

	len = readlink("/sys/class/accel/accel0/device", link, sizeof(link) - 1);
	link[len > 0 ? len : 0] = 0;
	bdf = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/contexts", bdf);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "contexts: ", 10))
			n = strtol(line + 10, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

/* A child's round: a file, a BO with an mmap offset, jobs queued, then gone. */
static void close_round_child(unsigned int round)
{
	struct drm_eyrie_bo_create c = { .size = 4096 };
	struct drm_eyrie_bo_info bi = { 0 };
	struct drm_eyrie_submit s = { .cmd_count = 1 };
	int fd = open(node, O_RDWR | O_CLOEXEC), i;
	union eyrie_cmd *cmd;

	if (fd < 0 || hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c))
		_exit(2);
	bi.handle = c.handle;
	if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi))
		_exit(2);
	cmd = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)bi.mmap_offset);
	if (cmd == MAP_FAILED)
		_exit(2);
	cmd[0].stall.hdr.opcode = EYRIE_OP_STALL;
	cmd[0].stall.usec = 2000;
	for (i = 0; i < 32; i++) {
		s.cmdbuf_addr = c.device_addr + (uint64_t)(i % 3 == 0 ? 0 : 1) * EYRIE_CMD_SIZE;
		s.queue = i & 1;
		if (hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s))
			break;
	}
	/* Half the rounds close first; the others leave it to exit. */
	if (round & 1) {
		munmap(cmd, 4096);
		close(fd);
	}
	_exit(0);
}

/*
 * Files closed, and processes exiting, with jobs in flight while the device
 * resets under them, round after round (the teardown of contexts against
 * jobs and BOs across recoveries). The contexts must all drain and the
 * device keep running jobs; the harness checks the kernel log.
 */
static void test_close_during_resets(unsigned int rounds)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), status, resets = 0, children = 0;
	unsigned int i;
	long n = -1;

	if (fd < 0) {
		tap_ok(0, "open for the close-during-reset rounds");
		return;
	}
	for (i = 0; i < rounds; i++) {
		pid_t pid = fork();

		if (pid == 0)
			close_round_child(i);
		usleep((useconds_t)(rnd() % 4000));
		resets += hil_reset(fd) == 0;
		children += pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0;
	}
	tap_ok(resets == (int)rounds && children == (int)rounds,
	      "%u rounds: a process queues 32 jobs and closes or exits while the device resets (%d resets, %d clean exits)",
	      rounds, resets, children);
	for (i = 0; i < 300; i++) {
		n = debugfs_contexts();
		if (n <= 1)
			break;
		usleep(100000);
	}
	tap_ok(n == 1, "their contexts all drain (%ld left besides ours)", n - 1);
	close(fd);
	tap_ok(nop_works(), "the device runs a job after the close-during-reset rounds");
}

int main(int argc, char **argv)
{
	uint64_t seed;
	int fd, ret;

	if (argc > 1)
		node = argv[1];
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed0000ull + (uint64_t)getpid();
	rng_state = seed | 1;
	printf("# seed 0x%llx (rerun: hil_driver_stress %s 0x%llx)\n", (unsigned long long)seed,
	       node, (unsigned long long)seed);

	test_threads();
	fd = valid_buf_map() ? -1 : open(node, O_RDWR | O_CLOEXEC);
	tap_ok(fd >= 0, "guarded buffer mapped and node open for fuzzing");
	if (fd < 0) {
		tap_done();
		return 1;
	}
	fuzz_ioctls(fd, 20000);
	tap_ok(1, "20000 random ioctls returned");
	close(fd);
	tap_ok(nop_works(), "the device runs a job after the ioctl fuzzing");
	fd = open(node, O_RDWR | O_CLOEXEC);
	ret = fd >= 0 ? fuzz_commands(fd, 300) : -1;
	tap_ok(ret == 0, "300 jobs of random commands all complete (WAIT returns)");
	if (fd >= 0)
		close(fd);
	tap_ok(nop_works(), "the device runs a job after the command fuzzing");
	if (geteuid() == 0)
		test_close_during_resets(40);
	return tap_done();
}
