// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver_bench: driver figures, printed, never asserted (issue 7's
 * `make bench-driver`). Inside the HIL VM:
 *   - floor: mailbox PING round trip (doorbell -> device -> MSI-X ->
 *     waiter, no scheduler), from debugfs mbox_ping;
 *   - no-op job round trip (SUBMIT + WAIT, queue depth 1) and jobs/s at
 *     depths 1 and 64;
 *   - 4 KiB BO create + mmap + close per second, next to vgem's dumb
 *     buffers when a vgem node exists in the same VM.
 * TAP: one "ok" per measurement that ran; the figures are "# bench:" lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "hil_dev.h"
#include "tap.h"

static void bench_floor(void)
{
	char link[256] = "", path[512], line[128];
	ssize_t n = readlink("/sys/class/accel/accel0/device", link, sizeof(link) - 1);
	long long avg = -1, min = -1;
	FILE *f;

	link[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/mbox_ping",
		 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "avg_ns: %lld", &avg);
		sscanf(line, "min_ns: %lld", &min);
	}
	if (f)
		fclose(f);
	if (avg > 0)
		printf("# bench: floor (mailbox PING, doorbell -> MSI-X, no scheduler): avg %.1f us, min %.1f us\n",
		       avg / 1e3, min / 1e3);
	tap_ok(avg > 0, "floor measured through debugfs mbox_ping");
}

static int submit_nop(int fd, uint64_t addr, uint64_t *seq)
{
	struct drm_eyrie_submit s = { .cmdbuf_addr = addr, .cmd_count = 1 };
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

	*seq = s.seqno;
	return ret;
}

static int wait_seq(int fd, uint64_t seq)
{
	struct drm_eyrie_wait w = { .seqno = seq, .timeout_ns = 60000000000ll };

	return hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) ? -1 : (int)w.status;
}

static void bench_jobs(int fd)
{
	struct drm_eyrie_bo_create c = { .size = 4096 };
	struct drm_eyrie_bo_info i = { 0 };
	const int rounds = 200, batches = 16, depth = 64;
	uint64_t seq = 0;
	double t0, t1;
	void *map;
	int k, b, ok = 1;

	if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c))
		goto fail;
	i.handle = c.handle;
	if (hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i))
		goto fail;
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)i.mmap_offset);
	if (map == MAP_FAILED)
		goto fail;
	memset(map, 0, 4096);	/* one NOP */
	munmap(map, 4096);

	t0 = hil_now_s();
	{
		double in_submit = 0, in_wait = 0, dev_busy = 0, dev_gap = 0, ta, tb;
		uint64_t prev_end = 0;

		for (k = 0; k < rounds && ok; k++) {
			struct drm_eyrie_wait w = { .timeout_ns = 60000000000ll };

			ta = hil_now_s();
			ok = !submit_nop(fd, c.device_addr, &seq);
			tb = hil_now_s();
			w.seqno = seq;
			ok = ok && !hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) && w.status == 0;
			in_submit += tb - ta;
			in_wait += hil_now_s() - tb;
			dev_busy += (w.end_ns - w.start_ns) / 1e9;
			if (prev_end)
				dev_gap += (w.start_ns - prev_end) / 1e9;
			prev_end = w.end_ns;
		}
		t1 = hil_now_s();
		if (ok)
			printf("# bench: no-op job round trip (depth 1): %.1f us, %.0f jobs/s (SUBMIT %.1f us, WAIT %.1f us; device: job %.1f us, gap between jobs %.1f us)\n",
			       (t1 - t0) / rounds * 1e6, rounds / (t1 - t0),
			       in_submit / rounds * 1e6, in_wait / rounds * 1e6,
			       dev_busy / rounds * 1e6, dev_gap / (rounds - 1) * 1e6);
	}
	tap_ok(ok, "no-op jobs at depth 1");

	t0 = hil_now_s();
	for (b = 0; b < batches && ok; b++) {
		for (k = 0; k < depth && ok; k++)
			ok = !submit_nop(fd, c.device_addr, &seq);
		ok = ok && wait_seq(fd, seq) == 0;
	}
	t1 = hil_now_s();
	if (ok)
		printf("# bench: no-op jobs at depth %d: %.0f jobs/s\n", depth,
		       batches * depth / (t1 - t0));
	tap_ok(ok, "no-op jobs at depth 64");
	return;
fail:
	tap_ok(0, "no-op job buffer");
}

static void bench_bo(int fd)
{
	const int n = 500;
	double t0, t1;
	int k, ok = 1;

	t0 = hil_now_s();
	for (k = 0; k < n && ok; k++) {
		struct drm_eyrie_bo_create c = { .size = 4096 };
		struct drm_eyrie_bo_info i = { 0 };
		struct drm_gem_close cl = { 0 };
		void *map;

		ok = !hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);
		i.handle = c.handle;
		ok = ok && !hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i);
		map = ok ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				(off_t)i.mmap_offset) : MAP_FAILED;
		ok = ok && map != MAP_FAILED;
		if (ok) {
			*(volatile char *)map = 1;	/* fault the page in */
			munmap(map, 4096);
		}
		cl.handle = c.handle;
		hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	t1 = hil_now_s();
	if (ok)
		printf("# bench: eyrie 4 KiB BO create + mmap + close: %.0f /s\n", n / (t1 - t0));
	tap_ok(ok, "eyrie BO create + mmap + close");
}

/* The same cycle on vgem (dumb buffers), when this VM has a vgem node. */
static void bench_vgem(void)
{
	char path[64], name[32];
	const int n = 500;
	int fd = -1, k, ok = 1;
	double t0, t1;

	for (k = 0; k < 16 && fd < 0; k++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", k);
		fd = open(path, O_RDWR | O_CLOEXEC);
		memset(name, 0, sizeof(name));
		if (fd >= 0 && (hil_ioctl(fd, DRM_IOCTL_VERSION, &v) || strcmp(name, "vgem"))) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		tap_skip("no vgem node in this VM (vgem.ko not loaded)", "vgem comparison");
		return;
	}
	t0 = hil_now_s();
	for (k = 0; k < n && ok; k++) {
		struct drm_mode_create_dumb c = { .width = 1024, .height = 1, .bpp = 32 };
		struct drm_mode_map_dumb m = { 0 };
		struct drm_gem_close cl = { 0 };
		void *map;

		ok = !hil_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c);
		m.handle = c.handle;
		ok = ok && !hil_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m);
		map = ok ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				(off_t)m.offset) : MAP_FAILED;
		ok = ok && map != MAP_FAILED;
		if (ok) {
			*(volatile char *)map = 1;
			munmap(map, 4096);
		}
		cl.handle = c.handle;
		hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	t1 = hil_now_s();
	close(fd);
	if (ok)
		printf("# bench: vgem 4 KiB dumb buffer create + mmap + close: %.0f /s\n",
		       n / (t1 - t0));
	tap_ok(ok, "vgem dumb buffer create + mmap + close");
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/accel/accel0";
	int fd = open(node, O_RDWR | O_CLOEXEC);

	tap_ok(fd >= 0, "open the accel node");
	if (fd >= 0) {
		bench_floor();
		bench_jobs(fd);
		bench_bo(fd);
		close(fd);
	}
	bench_vgem();
	return tap_done();
}
