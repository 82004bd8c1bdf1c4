// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver_recovery: timeouts, reset and recovery, banning, devcoredump,
 * closing a file with jobs in flight, and sysfs unbind/rebind with buffers
 * and jobs alive. Needs a board with EYRIE_CAP_DEBUG_STALL (eyrie-sim
 * --caps-set 0x20) to make a job hang; otherwise every case is skipped.
 * Prints TAP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "hil_dev.h"
#include "hil_klog.h"
#include "tap.h"
#include "drm_mode.h"

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

static const char *node = "/dev/accel/accel0";

static long read_long(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtol(buf, NULL, 10);
}

static char bdf[256];

/* The value after "key: " in the device's debugfs file, or -1. */
static long debugfs_value(const char *file, const char *key)
{
	return hil_debugfs_value(bdf, file, key);
}
static void dump_debugfs(const char *file)
{
	char path[512], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/%s", bdf, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		printf("# %s: %s", file, line);
	if (f)
		fclose(f);
}

struct bo {
	uint32_t handle;
	uint64_t addr;
	uint64_t size;
	void *map;
};

static int bo_new(int fd, uint64_t size, struct bo *bo)
{
	struct drm_eyrie_bo_create c = { .size = size };
	struct drm_eyrie_bo_info i = { 0 };
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);

	if (ret)
		return ret;
	i.handle = c.handle;
	ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i);
	if (ret)
		return ret;
	bo->handle = c.handle;
	bo->addr = c.device_addr;
	bo->size = i.size;
	bo->map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)i.mmap_offset);
	return bo->map == MAP_FAILED ? -errno : 0;
}

/* A command buffer BO: [0] stall forever, [1] stall 2 ms, [2] NOP. */
static int cmdbuf_new(int fd, struct bo *bo)
{
	union eyrie_cmd *c;
	int ret = bo_new(fd, 4096, bo);

	if (ret)
		return ret;
	c = bo->map;
	memset(c, 0, 4096);
	c[0].stall.hdr.opcode = EYRIE_OP_STALL;
	c[0].stall.usec = 0xffffffffu;
	c[1].stall.hdr.opcode = EYRIE_OP_STALL;
	c[1].stall.usec = 2000;
	c[2].hdr.opcode = EYRIE_OP_NOP;
	return 0;
}

static int submit(int fd, const struct bo *cmd, unsigned int index, uint32_t queue, uint64_t *seq)
{
	struct drm_eyrie_submit s = {
		.cmdbuf_addr = cmd->addr + (uint64_t)index * EYRIE_CMD_SIZE,
		.cmd_count = 1, .queue = queue,
	};
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

	*seq = s.seqno;
	return ret;
}

/* Long enough for the driver's job timeout and a reset to end a hang. */
static int wait_job(int fd, uint64_t seq, struct drm_eyrie_wait *w)
{
	return hil_wait(fd, seq, 120ll * 1000 * 1000 * 1000, w);
}

static uint32_t ctx_flags(int fd)
{
	struct drm_eyrie_context_info ci = { 0 };
	struct drm_eyrie_query q = { .type = DRM_EYRIE_QUERY_CONTEXT, .size = sizeof(ci),
				     .ptr = (uintptr_t)&ci };

	return hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) ? 0xffffffff : ci.flags;
}

static int devcoredump_has(const char *needle)
{
	char path[300], buf[4096];
	struct dirent *de;
	int found = 0;
	DIR *d = opendir("/sys/class/devcoredump");

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t n;
		int f;

		if (strncmp(de->d_name, "devcd", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/devcoredump/%s/data", de->d_name);
		f = open(path, O_RDWR);
		if (f < 0)
			continue;
		n = read(f, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		if (strstr(buf, needle))
			found = 1;
		/* Writing dismisses the dump. */
		if (write(f, "1", 1) < 0)
			perror("dismissing a devcoredump");
		close(f);
	}
	closedir(d);
	return found;
}

static void test_hang_and_ban(long timeout_ms, long ban)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), fd2 = open(node, O_RDWR | O_CLOEXEC);
	struct drm_eyrie_wait w, w2;
	struct bo cmd, cmd2;
	uint64_t hang, innocent, high;
	long resets0 = debugfs_value("queues", "resets");
	double t0, dt;
	int i, ok;

	if (fd < 0 || fd2 < 0 || cmdbuf_new(fd, &cmd) || cmdbuf_new(fd2, &cmd2)) {
		tap_ok(0, "two files with command buffers");
		return;
	}
	t0 = hil_now_s();
	ok = !submit(fd, &cmd, 0, 0, &hang) && !submit(fd2, &cmd2, 2, 0, &innocent) &&
	     !submit(fd2, &cmd2, 2, 1, &high);
	tap_ok(ok, "a job that stalls forever, with another file's jobs queued behind it");
	ok = !wait_job(fd, hang, &w) && w.status == EYRIE_JOB_ERR_TIMEOUT;
	dt = hil_now_s() - t0;
	tap_ok(ok, "the stalled job ends with TIMEOUT after %.1f s (job_timeout_ms %ld)", dt,
	      timeout_ms);
	tap_ok(dt >= timeout_ms / 1000.0 * 0.9, "the timeout was not shorter than job_timeout_ms");
	tap_ok(w.error == -ETIMEDOUT, "WAIT names the cause: error %d (-ETIMEDOUT)", w.error);
	ok = !wait_job(fd2, innocent, &w2) && w2.status == EYRIE_JOB_OK;
	tap_ok(ok, "the other file's job on the same queue runs after recovery (status %u)",
	      w2.status);
	ok = !wait_job(fd2, high, &w2) && w2.status == EYRIE_JOB_OK;
	tap_ok(ok, "the other file's high-priority job runs after recovery (status %u)", w2.status);
	tap_ok(ctx_flags(fd) == 0, "one hang does not ban the context");
	ok = !submit(fd, &cmd, 2, 0, &innocent) && !wait_job(fd, innocent, &w) &&
	     w.status == EYRIE_JOB_OK;
	tap_ok(ok, "the context that hung still runs jobs after one reset");
	if (resets0 >= 0)
		tap_ok(debugfs_value("queues", "resets") == resets0 + 1,
		      "debugfs counts one device reset");
	tap_ok(devcoredump_has("eyrie devcoredump"), "a devcoredump names the hang");

	for (i = 1; i < ban; i++) {
		ok = !submit(fd, &cmd, 0, 0, &hang) && !wait_job(fd, hang, &w) &&
		     w.status == EYRIE_JOB_ERR_TIMEOUT;
		tap_ok(ok, "hang %d of %ld ends with TIMEOUT", i + 1, ban);
	}
	tap_ok(ctx_flags(fd) == DRM_EYRIE_CTX_F_BANNED,
	      "after %ld hangs QUERY CONTEXT reports the context banned", ban);
	ok = submit(fd, &cmd, 2, 0, &innocent) == -ECANCELED;
	tap_ok(ok, "a banned context's SUBMIT fails with ECANCELED");
	ok = !submit(fd2, &cmd2, 2, 0, &innocent) && !wait_job(fd2, innocent, &w2) &&
	     w2.status == EYRIE_JOB_OK;
	tap_ok(ok, "other contexts keep working");
	close(fd);
	fd = open(node, O_RDWR | O_CLOEXEC);
	ok = fd >= 0 && ctx_flags(fd) == 0;
	tap_ok(ok, "a new file starts with a fresh context");
	devcoredump_has("");
	if (fd >= 0)
		close(fd);
	/* A mapping keeps its file (and context) alive: unmap before counting. */
	munmap(cmd.map, cmd.size);
	munmap(cmd2.map, cmd2.size);
	close(fd2);
}

/* Waits up to 30 s for debugfs to count `want` contexts; returns the last count. */
static long wait_contexts(long want)
{
	double t0 = hil_now_s();
	long n = -1;

	while (hil_now_s() - t0 < 30) {
		n = debugfs_value("contexts", "contexts");
		if (n == want || n < 0)
			break;
		usleep(100000);
	}
	return n;
}

static void test_close_in_flight(void)
{
	/* Contexts of the files closed above may still be draining. */
	long ctx0 = wait_contexts(0);
	int fd = open(node, O_RDWR | O_CLOEXEC), i, ok = 1;
	struct bo cmd, data;
	uint64_t seq;
	long ctx1 = -1;

	if (fd < 0 || cmdbuf_new(fd, &cmd) || bo_new(fd, 1 << 20, &data)) {
		tap_ok(0, "file with buffers for the close test");
		return;
	}
	for (i = 0; i < 100 && ok; i++)
		ok = !submit(fd, &cmd, 1, i & 1, &seq);
	tap_ok(ok, "100 jobs of 2 ms queued");
	munmap(data.map, data.size);
	munmap(cmd.map, cmd.size);
	close(fd);
	ctx1 = wait_contexts(ctx0);
	if (ctx0 < 0)
		tap_ok(0, "debugfs contexts readable (is debugfs mounted?)");
	else
		tap_ok(ctx1 == ctx0, "closing the file frees its context (%ld -> %ld contexts)",
		      ctx0, ctx1);
	tap_ok(ctx0 == 0, "the earlier files' contexts were all freed (%ld left)", ctx0);
	if (ctx0 != 0 || ctx1 != 0) {
		dump_debugfs("contexts");
		dump_debugfs("queues");
		dump_debugfs("fw_log");
	}
}

/* A process killed (Ctrl-C, SIGKILL) while it waits on queued jobs. */
static void test_kill_in_flight(void)
{
	long ctx0 = wait_contexts(0), ctx1 = -1;
	int ready[2], status = 0;
	double t0;
	pid_t pid;
	char c;

	if (pipe(ready)) {
		tap_ok(0, "pipe for the kill test");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open(node, O_RDWR | O_CLOEXEC), i, ok;
		struct drm_eyrie_wait w;
		uint64_t seq = 0;
		struct bo cmd;

		ok = fd >= 0 && !cmdbuf_new(fd, &cmd);
		for (i = 0; i < 200 && ok; i++)
			ok = !submit(fd, &cmd, 1, i & 1, &seq);
		if (write(ready[1], ok ? "1" : "0", 1) < 0)
			_exit(2);
		wait_job(fd, seq, &w);
		_exit(0);
	}
	close(ready[1]);
	c = '0';
	if (pid < 0 || read(ready[0], &c, 1) != 1 || c != '1') {
		tap_ok(0, "child queued 200 jobs");
		close(ready[0]);
		return;
	}
	close(ready[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tap_ok(WIFSIGNALED(status), "a process killed while waiting on 200 queued jobs");
	t0 = hil_now_s();
	ctx1 = wait_contexts(ctx0);
	tap_ok(ctx0 >= 0 && ctx1 == ctx0,
	      "its context is freed after the kill (%ld -> %ld contexts, %.1f s)", ctx0, ctx1,
	      hil_now_s() - t0);
}

static int write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY), ret;

	if (f < 0)
		return -errno;
	ret = write(f, text, strlen(text)) < 0 ? -errno : 0;
	close(f);
	return ret;
}

/* The vgem card node, or -1. */
static int open_vgem(void)
{
	char path[32], name[16];
	int i;

	for (i = 0; i < 8; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int vfd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		vfd = open(path, O_RDWR | O_CLOEXEC);
		if (vfd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!hil_ioctl(vfd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return vfd;
		close(vfd);
	}
	return -1;
}

/*
 * A job that cannot end before some other device's fence does: it names a
 * vgem buffer (imported through PRIME) whose write fence is held, so it
 * waits in its queue. A child process submits it and exits when told: its
 * file then closes with the job still waiting (an exiting process waits a
 * bounded time for its queue, then leaves the job to the scheduler).
 */
struct blocked_job {
	pid_t pid;
	int vfd;
	uint32_t fence;
	int go;
};

static void blocked_job_child(int dmabuf, int ready)
{
	struct drm_prime_handle imp = { .fd = dmabuf };
	struct drm_eyrie_submit s = { .cmd_count = 1 };
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;
	struct bo cmd;

	ok = fd >= 0 && !cmdbuf_new(fd, &cmd) &&
	     !hil_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	if (ok) {
		s.cmdbuf_addr = cmd.addr + 2 * EYRIE_CMD_SIZE;
		s.bo_handles = (uintptr_t)&imp.handle;
		s.bo_count = 1;
		ok = !hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);
	}
	if (write(ready, ok ? "1" : "0", 1) < 0)
		_exit(2);
}

static int blocked_job_start(struct blocked_job *b)
{
	struct drm_mode_create_dumb dumb = { .height = 1, .width = 1024, .bpp = 32 };
	struct vgem_fence_attach attach = { .flags = VGEM_FENCE_WRITE };
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int ready[2], go[2], ret;
	char c = '0';

	b->vfd = open_vgem();
	if (b->vfd < 0)
		return -ENODEV;
	ret = hil_ioctl(b->vfd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	attach.handle = dumb.handle;
	exp.handle = dumb.handle;
	if (!ret)
		ret = hil_ioctl(b->vfd, VGEM_IOCTL_FENCE_ATTACH, &attach);
	if (!ret)
		ret = hil_ioctl(b->vfd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp);
	if (ret)
		return ret;
	b->fence = attach.out_fence;
	if (pipe(ready) || pipe(go))
		return -errno;
	b->pid = fork();
	if (b->pid == 0) {
		close(ready[0]);
		close(go[1]);
		blocked_job_child(exp.fd, ready[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(exp.fd);
	close(ready[1]);
	close(go[0]);
	b->go = go[1];
	ret = b->pid > 0 && read(ready[0], &c, 1) == 1 && c == '1' ? 0 : -EIO;
	close(ready[0]);
	return ret;
}

/* The child exits (its file closes), then the vgem fence lets its job go. */
static int blocked_job_end(struct blocked_job *b)
{
	struct vgem_fence_signal sig = { .fence = b->fence };
	int status = 0;

	if (write(b->go, "1", 1) < 0)
		return -errno;
	close(b->go);
	if (waitpid(b->pid, &status, 0) != b->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -ECHILD;
	return hil_ioctl(b->vfd, VGEM_IOCTL_FENCE_SIGNAL, &sig);
}

static void test_unbind(void)
{
	struct blocked_job blocked = { .pid = -1, .vfd = -1, .go = -1 };
	const char *marker = "eyrie-hil: unbind with a blocked job\n";
	int fd = open(node, O_RDWR | O_CLOEXEC), ok, i, have_blocked;
	struct drm_eyrie_wait w;
	struct bo cmd, data;
	uint64_t seq;

	if (fd < 0 || !bdf[0] || cmdbuf_new(fd, &cmd) || bo_new(fd, 65536, &data)) {
		tap_ok(0, "file, buffers and PCI address for the unbind test");
		return;
	}
	ok = !submit(fd, &cmd, 0, 0, &seq);
	tap_ok(ok, "a job stalls on the device before unbind");
	have_blocked = blocked_job_start(&blocked) == 0;
	tap_ok(have_blocked, "another process's job waits for a vgem fence (imported buffer)");
	hil_klog_mark(marker);
	ok = !write_file("/sys/bus/pci/drivers/eyrie/unbind", bdf);
	tap_ok(ok, "sysfs unbind of %s with a file, buffers and a job alive", bdf);
	ok = wait_job(fd, seq, &w) == 0 || wait_job(fd, seq, &w) == -ENODEV;
	tap_ok(ok, "WAIT after unbind returns (status %u) or ENODEV", w.status);
	ok = submit(fd, &cmd, 2, 0, &seq) == -ENODEV;
	tap_ok(ok, "SUBMIT after unbind fails with ENODEV");
	/*
	 * Files stay open, but the device's DMA memory went with it: the
	 * imported vgem buffer's attachment too (its exporter caches the
	 * mapping until detach; the DMA API debug of check-debug reported it).
	 */
	if (have_blocked) {
		char line[512], *at;
		unsigned int contexts = 0, tables = 0, own = 0, imports = 0;

		ok = hil_klog_find_since(marker, "removed with", line, sizeof(line)) == 1 &&
		     (at = strstr(line, "removed with")) &&
		     sscanf(at, "removed with %u open contexts: freed %u page-table pages, unmapped %u buffers and %u imports",
			    &contexts, &tables, &own, &imports) == 4;
		tap_ok(ok && contexts >= 2 && own >= 2 && imports == 1,
		       "unbind freed both open contexts' tables, unmapped their buffers and detached the vgem import (%s)",
		       ok ? strstr(line, "removed with") : "no such log line");
	}
	memset(data.map, 1, data.size);
	tap_ok(1, "the process can still touch its mapped buffer");
	munmap(data.map, data.size);
	munmap(cmd.map, cmd.size);
	close(fd);
	if (have_blocked) {
		/*
		 * Its file closes (the last one of the unbound device) while
		 * the job still waits: the job, its context and its BOs must
		 * keep the device alive until the fence lets the job go.
		 */
		ok = !blocked_job_end(&blocked);
		tap_ok(ok, "the blocked job's process exits, then its vgem fence is signalled");
		usleep(500000);
	}
	if (blocked.vfd >= 0)
		close(blocked.vfd);
	i = hil_klog_problems_since(marker);
	tap_ok(i == 0, "no kernel warning from unbind, closing files with jobs alive, and their end (%d)",
	      i);
	ok = !write_file("/sys/bus/pci/drivers/eyrie/bind", bdf);
	tap_ok(ok, "sysfs bind of %s again", bdf);
	/* The old device may still hold its minor for a moment: find the new one. */
	fd = -1;
	for (i = 0; i < 200 && fd < 0; i++) {
		char dir[320], path[300];
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/accel", bdf);
		d = opendir(dir);
		while (d && (de = readdir(d)))
			if (!strncmp(de->d_name, "accel", 5)) {
				snprintf(path, sizeof(path), "/dev/accel/%s", de->d_name);
				fd = open(path, O_RDWR | O_CLOEXEC);
			}
		if (d)
			closedir(d);
		if (fd < 0)
			usleep(100000);
	}
	ok = fd >= 0 && !cmdbuf_new(fd, &cmd) && !submit(fd, &cmd, 2, 0, &seq) &&
	     !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "after rebinding, the device runs jobs");
	if (fd >= 0)
		close(fd);
}

/* The number after "key " in the line of `file` that starts with `prefix`, or -1. */
static long debugfs_field(const char *file, const char *prefix, const char *key)
{
	char path[512], line[1024];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/%s", bdf, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *k = strstr(line, key);

		if (!strncmp(line, prefix, strlen(prefix)) && k)
			v = strtol(k + strlen(key), NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

/* The IRQ number /proc/interrupts gives the handler called `name`, or -1. */
static int irq_of(const char *name)
{
	char line[1024];
	int irq = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n"), m = strlen(name);

		line[n] = 0;
		if (n > m && !strcmp(line + n - m, name) && line[n - m - 1] == ' ')
			irq = atoi(line);
	}
	if (f)
		fclose(f);
	return irq;
}

/* The pid of the kernel thread called `comm` (or its first 15 bytes), or -1. */
static int thread_pid(const char *comm)
{
	char want[16], path[300], got[80];
	struct dirent *de;
	int pid = -1;
	DIR *d = opendir("/proc");

	size_t len = strnlen(comm, sizeof(want) - 1);

	memcpy(want, comm, len);
	want[len] = 0;
	while (d && (de = readdir(d)) && pid < 0) {
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (f && fgets(got, sizeof(got), f)) {
			got[strcspn(got, "\n")] = 0;
			/* /proc shows a kernel thread's whole name, comm keeps 15 bytes. */
			if (!strcmp(got, comm) || !strcmp(got, want))
				pid = atoi(de->d_name);
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return pid;
}

/* voluntary_ctxt_switches of pid: how often it went to sleep, or -1. */
static long ctxt_switches(int pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "voluntary_ctxt_switches:", 24))
			v = strtol(line + 24, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/*
 * Completing a job (the CPU sync of its BOs, the clearing of a closed BO's
 * entries: O(pages)) runs in the queue's IRQ thread, not in the hard
 * interrupt handler. A job lists a 32 MiB BO whose handle closes while the
 * job stalls; when it ends, the BO's 8192 entries go and the queue's IRQ
 * thread (irq/N-eyrie-normal) has run. The driver before this change had
 * no such thread: it did all of it in the hard handler.
 */
static void test_completion_thread(void)
{
	const uint64_t big = 32ull << 20, pages = big / EYRIE_PAGE_SIZE;
	int irq = irq_of("eyrie-normal"), pid = -1, fd = open(node, O_RDWR | O_CLOEXEC), ok;
	long sw0 = -1, sw1 = -1, mapped0, mapped1, runs0, runs1;
	char comm[64];
	struct drm_eyrie_wait w = { 0 };
	struct bo cmd, data;
	union eyrie_cmd *c;
	uint64_t seq = 0;

	tap_ok(irq > 0, "queue 0's completion interrupt is in /proc/interrupts (irq %d)", irq);
	if (irq > 0) {
		snprintf(comm, sizeof(comm), "irq/%d-eyrie-normal", irq);
		pid = thread_pid(comm);
	}
	tap_ok(pid > 0, "queue 0's interrupt has an IRQ thread (%s, pid %d)", comm, pid);
	if (fd < 0 || bo_new(fd, 4096, &cmd) || bo_new(fd, big, &data)) {
		tap_ok(0, "a file with a command buffer and a 32 MiB BO");
		return;
	}
	c = cmd.map;
	memset(c, 0, 4096);
	c[0].stall.hdr.opcode = EYRIE_OP_STALL;
	c[0].stall.usec = 300000;
	mapped0 = debugfs_field("mmu", "total:", "mapped_pages ");
	runs0 = debugfs_field("queues", "queue 0 (", "irq_thread_runs ");
	if (pid > 0)
		sw0 = ctxt_switches(pid);
	ok = !hil_submit(fd, cmd.addr, 1, DRM_EYRIE_QUEUE_NORMAL, &data.handle, 1, NULL, 0, 0,
			 &seq);
	tap_ok(ok, "a 300 ms job listing the 32 MiB BO is submitted");
	munmap(data.map, data.size);
	ok = !hil_gem_close(fd, data.handle);
	tap_ok(ok, "the BO's handle closes while the job runs");
	ok = !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "the job completes OK (status %u)", w.status);
	mapped1 = debugfs_field("mmu", "total:", "mapped_pages ");
	runs1 = debugfs_field("queues", "queue 0 (", "irq_thread_runs ");
	if (pid > 0)
		sw1 = ctxt_switches(pid);
	tap_ok(mapped0 >= 0 && mapped1 >= 0 && mapped0 - mapped1 >= (long)pages,
	       "the closed BO's %llu entries went when the job completed (mapped_pages %ld -> %ld)",
	       (unsigned long long)pages, mapped0, mapped1);
	tap_ok(sw0 >= 0 && sw1 > sw0,
	       "the IRQ thread ran for the completion (voluntary switches %ld -> %ld)", sw0, sw1);
	tap_ok(runs0 >= 0 && runs1 > runs0,
	       "debugfs counts the IRQ thread's passes on queue 0 (%ld -> %ld)", runs0, runs1);
	munmap(cmd.map, cmd.size);
	close(fd);
}

/* Is bus mastering on in the board's PCI command register? -1: unreadable. */
static int bus_master_on(void)
{
	char path[300];
	uint8_t cfg[6];
	int f, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = (int)pread(f, cfg, sizeof(cfg), 0);
	close(f);
	return n == (int)sizeof(cfg) ? !!(cfg[4] & 0x4) : -1;
}

/* How many times debugfs fw_log holds `needle` (the ring keeps the last lines). */
static int fw_log_count(const char *needle)
{
	static char buf[1 << 17];
	char path[300], *p;
	ssize_t n = 0, r;
	int f, count = 0;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/fw_log", bdf);
	f = open(path, O_RDONLY | O_CLOEXEC);
	while (f >= 0 && (r = read(f, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += r;
	if (f >= 0)
		close(f);
	buf[n] = 0;
	for (p = strstr(buf, needle); p; p = strstr(p + 1, needle))
		count++;
	return count;
}

/*
 * Does fw_log come to hold `needle` more than `before` times? Polled for up
 * to 30 s (another program may have put the same line there before).
 */
static int fw_log_shows(const char *needle, int before)
{
	double t0 = hil_now_s();

	while (hil_now_s() - t0 < 30) {
		if (fw_log_count(needle) > before)
			return 1;
		usleep(100000);
	}
	return 0;
}

/* Does the kernel log after `marker` have a line with `needle`? */
static int klog_has_since(const char *marker, const char *needle)
{
	int len = klogctl(10, NULL, 0), n, found = 0;
	char *buf, *from;

	if (len <= 0 || !(buf = calloc(1, (size_t)len + 1)))
		return 0;
	n = klogctl(3, buf, len);
	buf[n > 0 ? n : 0] = 0;
	from = memmem(buf, (size_t)(n > 0 ? n : 0), marker, strlen(marker) - 1);
	found = from && strstr(from, needle);
	free(buf);
	return found;
}

/*
 * A RESET the device does not acknowledge wedges it: the board (eyrie-sim,
 * asked through the host channel) leaves the next RESET unanswered while a
 * job stalls on it. The driver turns bus mastering off before it ends the
 * job, says so in the kernel log and debugfs, refuses SUBMIT with EIO, and
 * the next debugfs reset, acknowledged, brings the device back. The driver
 * before this change booted the firmware anyway and left bus mastering on.
 */
static void test_wedge(void)
{
	const char *channel = getenv("HIL_HOST_CHANNEL");
	const char *marker = "eyrie-hil: RESET left unanswered\n";
	const char *armed_line = "debug: the next RESET goes unanswered";
	const char *refused_line = "bootrom: debug: RESET left unanswered";
	struct drm_eyrie_wait w = { 0 };
	struct bo cmd;
	uint64_t seq = 0, seq2 = 0;
	FILE *host;
	int fd, ok, ret, armed, refused;

	if (!channel || access(channel, W_OK)) {
		tap_skip("no host channel to the board daemon (HIL_HOST_CHANNEL)", "wedge cases");
		return;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || cmdbuf_new(fd, &cmd)) {
		tap_ok(0, "a file with a command buffer for the wedge test");
		return;
	}
	tap_ok(bus_master_on() == 1, "bus mastering is on before the test");
	armed = fw_log_count(armed_line);
	refused = fw_log_count(refused_line);
	host = fopen(channel, "w");
	ok = host && fprintf(host, "EYRIE-HIL-SIM refuse-reset\n") > 0;
	if (host)
		fclose(host);
	tap_ok(ok, "the board is asked to leave its next RESET unanswered (%s)", channel);
	tap_ok(fw_log_shows(armed_line, armed),
	       "the board's log says the next RESET goes unanswered");
	/*
	 * Only now the job: the debugfs reset below (2 s of mailbox timeout)
	 * must be the RESET the board refuses, not the job's timeout's.
	 */
	ok = !submit(fd, &cmd, 0, 0, &seq);
	tap_ok(ok, "a job that stalls forever is submitted");
	usleep(200000);
	hil_klog_mark(marker);
	ret = hil_reset(fd);
	tap_ok(ret == -EIO, "the debugfs reset fails with EIO (%s)", strerror(-ret));
	tap_ok(fw_log_shows(refused_line, refused), "the board left the RESET unanswered");
	tap_ok(bus_master_on() == 0, "bus mastering is off (PCI command register)");
	tap_ok(debugfs_value("queues", "wedged") == 1 && debugfs_value("queues", "ready") == 0,
	       "debugfs queues says wedged: 1, ready: 0");
	tap_ok(klog_has_since(marker, "wedged"), "the kernel log says the device is wedged");
	ok = !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_ERR_ABORTED;
	tap_ok(ok, "the stalled job ends ABORTED (status %u, error %d)", w.status, w.error);
	ret = submit(fd, &cmd, 2, 0, &seq2);
	tap_ok(ret == -EIO, "SUBMIT on the wedged device fails with EIO (%s)", strerror(-ret));
	ret = hil_reset(fd);
	tap_ok(ret == 0, "the next debugfs reset is acknowledged and succeeds (%s)",
	       strerror(-ret));
	tap_ok(debugfs_value("queues", "wedged") == 0 && debugfs_value("queues", "ready") == 1,
	       "debugfs queues says wedged: 0, ready: 1");
	tap_ok(bus_master_on() == 1, "bus mastering is on again");
	ok = !submit(fd, &cmd, 2, 0, &seq2) && !wait_job(fd, seq2, &w) &&
	     w.status == EYRIE_JOB_OK;
	tap_ok(ok, "a job runs after the device came back (status %u)", w.status);
	tap_ok(hil_klog_problems_since(marker) == 0, "kernel log clean through the wedge");
	devcoredump_has("");
	munmap(cmd.map, cmd.size);
	close(fd);
}

int main(int argc, char **argv)
{
	struct drm_eyrie_device_info info = { 0 };
	struct drm_eyrie_query q = { .type = DRM_EYRIE_QUERY_DEVICE_INFO, .size = sizeof(info),
				     .ptr = (uintptr_t)&info };
	long timeout_ms = read_long("/sys/module/eyrie/parameters/job_timeout_ms");
	long ban = read_long("/sys/module/eyrie/parameters/ban_threshold");
	int fd;

	if (argc > 1)
		node = argv[1];
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q)) {
		tap_ok(0, "open %s and QUERY DEVICE_INFO", node);
		tap_done();
		return 1;
	}
	close(fd);
	if (!(info.caps & EYRIE_CAP_DEBUG_STALL)) {
		tap_skip("the board lacks DEBUG_STALL (eyrie-sim --caps-set 0x20)", "recovery cases");
		return tap_done();
	}
	{
		char link[256];
		ssize_t n = readlink("/sys/class/accel/accel0/device", link, sizeof(link) - 1);

		link[n > 0 ? n : 0] = 0;
		snprintf(bdf, sizeof(bdf), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	if (access("/sys/kernel/debug/accel", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	test_completion_thread();
	test_hang_and_ban(timeout_ms, ban > 0 ? ban : 3);
	test_close_in_flight();
	test_kill_in_flight();
	if (geteuid() == 0) {
		test_wedge();
		test_unbind();
	}
	return tap_done();
}
