// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver_trust: the driver's trust boundary (issue 15). Each case is
 * one defect: a closed handle's VA used by a later job (use after free),
 * unprivileged high priority and a starved queue (denial of service), an
 * empty in-syncobj, the context-ID and pinning limits, WAIT's error cause
 * and absolute deadline. Needs EYRIE_CAP_DEBUG_STALL (eyrie-sim
 * --caps-set 0x20) for jobs that last. Runs as root; drops to uid 65534
 * in forked children for the unprivileged cases. Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "drm_mode.h"
#include "hil_dev.h"
#include "hil_klog.h"
#include "tap.h"

static const char *node = "/dev/accel/accel0";
static char bdf[64];

static long read_param(const char *name)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/eyrie/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtol(buf, NULL, 10);
}

static int write_param(const char *name, long value)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/eyrie/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return 0;
	ok = fprintf(f, "%ld", value) > 0;
	return fclose(f) == 0 && ok;
}

/* The value after "key: " in the device's debugfs file, or -1. */
static long debugfs_value(const char *file, const char *key)
{
	return hil_debugfs_value(bdf, file, key);
}
/* A command buffer: [0] STALL usec, [1] TIMESTAMP to ts_va, [2] NOP. */
static int cmdbuf(int fd, struct hil_bo *cmd, uint32_t stall_us, uint64_t ts_va)
{
	union eyrie_cmd *c;
	int ret = hil_bo_create(fd, 4096, 0, cmd);

	if (!ret)
		ret = hil_bo_map(fd, cmd);
	if (ret)
		return ret;
	c = cmd->cpu;
	memset(c, 0, 4096);
	c[0].stall.hdr.opcode = EYRIE_OP_STALL;
	c[0].stall.usec = stall_us;
	hil_cmd_timestamp(&c[1], ts_va);
	hil_cmd_nop(&c[2]);
	return 0;
}

static uint64_t cmd_va(const struct hil_bo *cmd, unsigned int index)
{
	return cmd->va + (uint64_t)index * EYRIE_CMD_SIZE;
}

static int wait_long(int fd, uint64_t seq, struct drm_eyrie_wait *w)
{
	return hil_wait(fd, seq, 120ll * 1000 * 1000 * 1000, w);
}

/* vgem's fence ioctls (the kernel's uapi/drm/vgem_drm.h; libdrm ships no copy). */
struct vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define VGEM_FENCE_WRITE 0x1
#define VGEM_IOCTL_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct vgem_fence_attach)
#define VGEM_IOCTL_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + 0x2, struct vgem_fence_signal)

/* A vgem buffer with a write fence held, imported into fd: jobs naming it wait. */
struct held {
	int vfd;
	uint32_t fence;
	uint32_t handle;	/* in fd */
};

static int held_start(int fd, struct held *h)
{
	struct drm_mode_create_dumb dumb = { .height = 1, .width = 1024, .bpp = 32 };
	struct vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle imp = { 0 };
	char path[32], name[16];
	int i, ret;

	h->vfd = -1;
	for (i = 0; i < 8 && h->vfd < 0; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		h->vfd = open(path, O_RDWR | O_CLOEXEC);
		memset(name, 0, sizeof(name));
		if (h->vfd >= 0 && (hil_ioctl(h->vfd, DRM_IOCTL_VERSION, &v) || strcmp(name, "vgem"))) {
			close(h->vfd);
			h->vfd = -1;
		}
	}
	if (h->vfd < 0)
		return -ENODEV;
	ret = hil_ioctl(h->vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	attach.handle = exp.handle = dumb.handle;
	if (!ret)
		ret = hil_ioctl(h->vfd, VGEM_IOCTL_FENCE_ATTACH, &attach);
	if (!ret)
		ret = hil_ioctl(h->vfd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp);
	if (ret)
		return ret;
	h->fence = attach.out_fence;
	imp.fd = exp.fd;
	ret = hil_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	close(exp.fd);
	h->handle = imp.handle;
	return ret;
}

static void held_release(struct held *h)
{
	struct vgem_fence_signal sig = { .fence = h->fence };

	if (h->vfd >= 0) {
		hil_ioctl(h->vfd, VGEM_IOCTL_FENCE_SIGNAL, &sig);
		close(h->vfd);
	}
	h->vfd = -1;
}

/*
 * A BO's handle closes while a job of the context that does not list it
 * is still queued (here: waiting for another device's fence). A later job
 * on the other queue, which runs meanwhile and does not list it either,
 * uses its VA: the entries are gone at once, so it faults on its first
 * access and writes nothing. (Before: the BO stayed mapped until every
 * earlier job ended, so the later job wrote into it, and the unmap and
 * free came under it.) A job that lists the BO keeps it mapped.
 */
static void test_closed_handle(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;
	struct hil_bo cmd, victim, listed;
	struct held held = { .vfd = -1 };
	struct drm_eyrie_wait w;
	uint64_t busy, later, keep;
	uint32_t handle, names[2];

	ok = fd >= 0 && !hil_bo_create(fd, 65536, 0, &victim) && !hil_bo_map(fd, &victim) &&
	     !cmdbuf(fd, &cmd, 300000, victim.va + 64);
	if (!tap_ok(ok, "file, command buffer and a 64 KiB BO"))
		return;
	memset(victim.cpu, 0x5a, victim.size);
	{
		union eyrie_cmd *c = cmd.cpu;

		/* [4] timestamp, [5] stall 200 ms, [6] timestamp: the later job. */
		hil_cmd_timestamp(&c[4], victim.va + 128);
		c[5].stall.hdr.opcode = EYRIE_OP_STALL;
		c[5].stall.usec = 200000;
		hil_cmd_timestamp(&c[6], victim.va + 136);
	}
	ok = !held_start(fd, &held);
	names[0] = cmd.handle;
	names[1] = held.handle;
	ok = ok && !hil_submit(fd, cmd_va(&cmd, 2), 1, 0, names, 2, NULL, 0, 0, &busy);
	tap_ok(ok, "a job waits for a vgem fence (it does not list the BO)");
	ok = !hil_gem_close(fd, victim.handle);
	tap_ok(ok, "GEM_CLOSE of the BO's only handle while that job waits");
	ok = !hil_submit(fd, cmd_va(&cmd, 4), 3, DRM_EYRIE_QUEUE_HIGH, &cmd.handle, 1, NULL, 0, 0,
			 &later);
	tap_ok(ok, "a later job writes timestamps to the closed BO's VA, 200 ms apart");
	ok = !wait_long(fd, later, &w) && w.status == EYRIE_JOB_ERR_MMU_UNMAPPED &&
	     w.err_cmd_index == 0;
	tap_ok(ok, "it faults with ERR_MMU_UNMAPPED at its first command (status %u, index %u)",
	      w.status, w.err_cmd_index);
	ok = ((unsigned char *)victim.cpu)[128] == 0x5a && ((unsigned char *)victim.cpu)[143] == 0x5a;
	tap_ok(ok, "the closed BO's pages (still mapped by the CPU) were not written");
	held_release(&held);
	ok = !wait_long(fd, busy, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "the waiting job runs once the fence signals (status %u)", w.status);
	munmap(victim.cpu, victim.size);

	/* The other way round: a queued job that lists the BO keeps it. */
	ok = !hil_bo_create(fd, 4096, 0, &listed) && !hil_bo_map(fd, &listed);
	handle = listed.handle;
	if (ok) {
		union eyrie_cmd *c = cmd.cpu;

		hil_cmd_timestamp(&c[3], listed.va);
		memset(listed.cpu, 0, 8);
	}
	ok = ok && !hil_submit(fd, cmd_va(&cmd, 0), 1, 0, &cmd.handle, 1, NULL, 0, 0, &busy);
	{
		uint32_t both[2] = { cmd.handle, handle };

		ok = ok && !hil_submit(fd, cmd_va(&cmd, 3), 1, 0, both, 2, NULL, 0, 0, &keep);
	}
	ok = ok && !hil_gem_close(fd, handle);
	tap_ok(ok, "a job listing a BO is queued behind a 300 ms one, then the BO's handle closes");
	ok = !wait_long(fd, keep, &w) && w.status == EYRIE_JOB_OK &&
	     *(volatile uint64_t *)listed.cpu != 0;
	tap_ok(ok, "the job that lists it still runs and writes it (status %u)", w.status);
	munmap(listed.cpu, listed.size);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

/* SUBMIT on the high queue from uid 65534 (root's descriptor): -EPERM. */
static void test_high_priority_privilege(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), status = 0, p[2];
	struct hil_bo cmd;
	pid_t pid;
	int rc[2] = { 1, 1 };

	if (fd < 0 || cmdbuf(fd, &cmd, 1000, 0) || pipe(p)) {
		tap_ok(0, "file and command buffer for the priority test");
		return;
	}
	pid = fork();
	if (pid == 0) {
		uint64_t seq;

		close(p[0]);
		if (hil_drop_privileges())
			_exit(3);
		rc[0] = hil_submit(fd, cmd_va(&cmd, 2), 1, DRM_EYRIE_QUEUE_HIGH, NULL, 0, NULL, 0,
				   0, &seq);
		rc[1] = hil_submit(fd, cmd_va(&cmd, 2), 1, DRM_EYRIE_QUEUE_NORMAL, NULL, 0, NULL,
				   0, 0, &seq);
		_exit(write(p[1], rc, sizeof(rc)) == sizeof(rc) ? 0 : 2);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], rc, sizeof(rc)) != sizeof(rc))
		rc[0] = rc[1] = 1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	tap_ok(rc[0] == -EPERM, "uid 65534 without CAP_SYS_NICE: SUBMIT on the high queue -> EPERM (%d)",
	      rc[0]);
	tap_ok(rc[1] == 0, "and on the normal queue it may submit (%d)", rc[1]);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

/*
 * A normal job starved by a stream of high-priority jobs for more than
 * four job timeouts: no reset, and it runs once the stream ends.
 */
static void test_starvation(long timeout_ms)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok = 1;
	long resets0 = debugfs_value("queues", "resets"), resets1;
	double t0, span = 4.5 * timeout_ms / 1000.0;
	struct drm_eyrie_wait w;
	uint64_t starved, seq = 0;
	struct hil_bo cmd;
	int n = 0;

	if (fd < 0 || cmdbuf(fd, &cmd, 50000, 0) || resets0 < 0) {
		tap_ok(0, "file, command buffer and debugfs for the starvation test");
		return;
	}
	/*
	 * Keep the high queue busy first (the jobs reach the device through the
	 * scheduler's work, so give it time), so the normal job waits from the
	 * start.
	 */
	for (n = 0; n < 10 && ok; n++)
		ok = !hil_submit(fd, cmd_va(&cmd, 0), 1, DRM_EYRIE_QUEUE_HIGH, NULL, 0, NULL, 0, 0,
				 &seq);
	usleep(100000);
	ok = ok && !hil_submit(fd, cmd_va(&cmd, 2), 1, DRM_EYRIE_QUEUE_NORMAL, NULL, 0, NULL, 0, 0,
			       &starved);
	t0 = hil_now_s();
	while (ok && hil_now_s() - t0 < span) {
		/* At most ~20 high jobs (1 s) ahead: submission paces itself on WAIT. */
		ok = !hil_submit(fd, cmd_va(&cmd, 0), 1, DRM_EYRIE_QUEUE_HIGH, NULL, 0, NULL, 0, 0,
				 &seq);
		n++;
		if (ok && n % 20 == 0 && seq > 20)
			ok = !wait_long(fd, seq - 20, &w);
	}
	tap_ok(ok, "%d high-priority 50 ms jobs back to back for %.1f s (4.5 job timeouts)", n,
	      hil_now_s() - t0);
	ok = !wait_long(fd, starved, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "the starved normal job then runs (status %u)", w.status);
	resets1 = debugfs_value("queues", "resets");
	tap_ok(resets1 == resets0, "nobody hung, so no device reset (%ld -> %ld)", resets0, resets1);
	wait_long(fd, seq, &w);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

/*
 * Close is bounded: a file closing with five 2 s jobs queued (10 s of work,
 * none of them hung) returns after at most one job timeout, the jobs not
 * started by then cancelled. (Before: close waited for every queued job.)
 */
static void test_bounded_close(long timeout_ms)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok = 1, i;
	double t0, dt;
	struct hil_bo cmd;
	uint64_t seq;

	if (fd < 0 || cmdbuf(fd, &cmd, 2000000, 0)) {
		tap_ok(0, "file and command buffer for the close test");
		return;
	}
	for (i = 0; i < 5 && ok; i++)
		ok = !hil_submit(fd, cmd_va(&cmd, 0), 1, 0, &cmd.handle, 1, NULL, 0, 0, &seq);
	munmap(cmd.cpu, cmd.size);
	t0 = hil_now_s();
	close(fd);
	dt = hil_now_s() - t0;
	tap_ok(ok && dt < timeout_ms / 1000.0 + 1.5,
	      "close with five 2 s jobs queued returns after %.1f s (job_timeout_ms %ld)", dt,
	      timeout_ms);
	/* The job that was running ends on its own; let the device go idle. */
	usleep(2500000);
}

/* docs/uapi.md: an in-syncobj with no fence yet counts as signalled. */
static void test_empty_syncobj(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;
	struct drm_syncobj_create sc = { 0 };
	struct drm_eyrie_wait w;
	struct hil_bo cmd;
	uint64_t seq;

	ok = fd >= 0 && !cmdbuf(fd, &cmd, 1000, 0) &&
	     !hil_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
	if (!tap_ok(ok, "file, command buffer and an empty syncobj"))
		return;
	ok = !hil_submit(fd, cmd_va(&cmd, 2), 1, 0, NULL, 0, &sc.handle, 1, 0, &seq) &&
	     !wait_long(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "a job waiting on a syncobj with no fence runs at once (status %u)", w.status);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

/*
 * One user may hold contexts_per_user open files (the IDs are 16 bits).
 * The count is per real uid: the child keeps its effective root only to
 * pass the node's permissions.
 */
static void test_context_limit(void)
{
	long old = read_param("contexts_per_user");
	int status = 0, p[2], res[2] = { 0, 0 };
	pid_t pid;

	if (!tap_ok(old >= 0 && write_param("contexts_per_user", 4) && !pipe(p),
		   "contexts_per_user set to 4"))
		return;
	pid = fork();
	if (pid == 0) {
		int fds[5], i;

		close(p[0]);
		if (setresuid(65534, 0, 0))
			_exit(3);
		for (i = 0; i < 5; i++)
			fds[i] = open(node, O_RDWR | O_CLOEXEC);
		res[0] = fds[3] >= 0;
		res[1] = fds[4] < 0 ? -errno : 0;
		_exit(write(p[1], res, sizeof(res)) == sizeof(res) ? 0 : 2);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], res, sizeof(res)) != sizeof(res))
		res[0] = 0;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	write_param("contexts_per_user", old);
	tap_ok(res[0], "real uid 65534 opens the node 4 times");
	tap_ok(res[1] == -EMFILE, "its fifth open -> EMFILE (%d)", res[1]);
}

/* pin_limit_mb bounds what all contexts together map, not one alone. */
static void test_global_pin_limit(void)
{
	int a = open(node, O_RDWR | O_CLOEXEC), b = open(node, O_RDWR | O_CLOEXEC), ok;
	long old = read_param("pin_limit_mb");
	struct hil_bo x, y;

	ok = a >= 0 && b >= 0 && old >= 0 && write_param("pin_limit_mb", 48);
	if (!tap_ok(ok, "two files; pin_limit_mb set to 48"))
		return;
	ok = !hil_bo_create(a, 32 << 20, 0, &x);
	tap_ok(ok, "the first file maps 32 MiB");
	tap_ok(hil_bo_create(b, 32 << 20, 0, &y) == -EDQUOT,
	      "the second file's 32 MiB would pass 48 MiB in all: EDQUOT");
	if (ok)
		hil_gem_close(a, x.handle);
	ok = !hil_bo_create(b, 32 << 20, 0, &y);
	tap_ok(ok, "after the first closes its BO, the second maps 32 MiB");
	write_param("pin_limit_mb", old);
	close(a);
	close(b);
}

/* WAIT keeps why a job ended, and takes an absolute CLOCK_MONOTONIC deadline. */
static void test_wait(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;
	struct drm_eyrie_wait w;
	struct timespec ts;
	struct hil_bo cmd;
	uint64_t seq;
	double t0, dt;

	ok = fd >= 0 && !cmdbuf(fd, &cmd, 400000, 0);
	if (!tap_ok(ok, "file and command buffer for WAIT"))
		return;
	ok = !hil_submit(fd, cmd_va(&cmd, 0), 1, 0, NULL, 0, NULL, 0, 0, &seq);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(&w, 0, sizeof(w));
	w.seqno = seq;
	w.flags = DRM_EYRIE_WAIT_ABSOLUTE;
	w.timeout_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 100000000;
	t0 = hil_now_s();
	ok = ok && hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) == -ETIME;
	dt = hil_now_s() - t0;
	tap_ok(ok && dt >= 0.09 && dt < 0.35,
	      "WAIT with an absolute deadline 100 ms ahead on a 400 ms job: ETIME after %.0f ms",
	      dt * 1000);
	w.timeout_ns = (int64_t)ts.tv_sec * 1000000000 - 1;
	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) == -ETIME;
	tap_ok(ok, "a deadline in the past polls: ETIME");
	w.flags = 2;
	tap_ok(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) == -EINVAL, "an unknown WAIT flag -> EINVAL");
	ok = !wait_long(fd, seq, &w) && w.status == EYRIE_JOB_OK && w.error == 0;
	tap_ok(ok, "the job ends OK with error 0 (status %u, error %d)", w.status, w.error);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

int main(int argc, char **argv)
{
	struct drm_eyrie_device_info info = { 0 };
	long timeout_ms = read_param("job_timeout_ms");
	char path[128], target[256];
	ssize_t n;
	int fd;

	if (argc > 1)
		node = argv[1];
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (!tap_ok(fd >= 0 && !hil_query(fd, DRM_EYRIE_QUERY_DEVICE_INFO, &info, sizeof(info)),
		   "open %s and query it", node)) {
		return tap_done();
	}
	snprintf(path, sizeof(path), "/sys/class/accel/%s/device", strrchr(node, '/') + 1);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		snprintf(bdf, sizeof(bdf), "%s", strrchr(target, '/') + 1);
	}
	close(fd);
	if (!(info.caps & EYRIE_CAP_DEBUG_STALL) || geteuid() != 0) {
		tap_skip("needs EYRIE_CAP_DEBUG_STALL and root", "the trust-boundary cases");
		return tap_done();
	}
	test_closed_handle();
	test_high_priority_privilege();
	test_empty_syncobj();
	test_context_limit();
	test_global_pin_limit();
	test_wait();
	if (timeout_ms > 0 && timeout_ms <= 10000) {
		test_bounded_close(timeout_ms);
		test_starvation(timeout_ms);
	}
	else
		tap_ok(0, "job_timeout_ms (%ld) is 1 .. 10000 ms for the starvation test", timeout_ms);
	return tap_done();
}
