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
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text);
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

/*
 * A BO's only handle closes while an older job of the context is busy on
 * the device (a 300 ms STALL); a later job queued right behind it, which
 * does not list the BO, writes to its VA. The later job must fault at its
 * first command and leave the BO's pages untouched, whichever way the
 * older job relates to the BO:
 *  - it does not list it: the entries go at GEM_CLOSE;
 *  - it lists it: it keeps the mapping (and writes the BO after its stall),
 *    and the entries go when it leaves the device, before the later job
 *    can start.
 * Before: the BO stayed mapped until the older job was freed (free_job),
 * while the later job, already on the ring, ran and wrote into it.
 */
static void closed_handle_case(int fd, struct hil_bo *cmd, int older_lists_it)
{
	const char *how = older_lists_it ? "lists it" : "does not list it";
	union eyrie_cmd *c = cmd->cpu;
	struct drm_eyrie_wait w;
	uint64_t older, later;
	struct hil_bo victim;
	uint32_t names[2];
	unsigned char *v;
	int ok, i;

	ok = !hil_bo_create(fd, 65536, 0, &victim) && !hil_bo_map(fd, &victim);
	if (!tap_ok(ok, "a 64 KiB BO for the case where the older job %s", how))
		return;
	v = victim.cpu;
	memset(v, 0x5a, victim.size);
	/* [8] STALL 300 ms, [9] TIMESTAMP BO+64: the older job. */
	memset(&c[8], 0, 2 * sizeof(*c));
	c[8].stall.hdr.opcode = EYRIE_OP_STALL;
	c[8].stall.usec = 300000;
	hil_cmd_timestamp(&c[9], victim.va + 64);
	/* [12] TIMESTAMP BO+128, [13] TIMESTAMP BO+4096+136: the later job. */
	hil_cmd_timestamp(&c[12], victim.va + 128);
	hil_cmd_timestamp(&c[13], victim.va + 4096 + 136);
	names[0] = cmd->handle;
	names[1] = victim.handle;
	ok = !hil_submit(fd, cmd_va(cmd, 8), older_lists_it ? 2 : 1, 0, names,
			 older_lists_it ? 2 : 1, NULL, 0, 0, &older);
	/* Let it reach the device: the later job then waits right behind it. */
	usleep(50000);
	ok = ok && !hil_gem_close(fd, victim.handle);
	ok = ok && !hil_submit(fd, cmd_va(cmd, 12), 2, 0, &cmd->handle, 1, NULL, 0, 0, &later);
	tap_ok(ok, "older job (%s) stalls, GEM_CLOSE of the BO, a later job writes its VA", how);
	ok = !wait_long(fd, later, &w) && w.status == EYRIE_JOB_ERR_MMU_UNMAPPED &&
	     w.err_cmd_index == 0;
	tap_ok(ok, "older job %s: the later job faults with ERR_MMU_UNMAPPED at command 0 (status %u, index %u)",
	      how, w.status, w.err_cmd_index);
	for (ok = 1, i = 128; i < 144; i++)
		ok = ok && v[i] == 0x5a && v[4096 + i + 8] == 0x5a;
	tap_ok(ok, "older job %s: the closed BO's pages (still mapped by the CPU) were not written",
	      how);
	ok = !wait_long(fd, older, &w) && w.status == EYRIE_JOB_OK;
	if (older_lists_it) {
		uint64_t ts;

		memcpy(&ts, v + 64, sizeof(ts));
		ok = ok && ts != 0x5a5a5a5a5a5a5a5aull;
		tap_ok(ok, "the older job, which lists the BO, kept it mapped and wrote it after its stall (status %u)",
		      w.status);
	} else {
		tap_ok(ok, "the older job ends OK (status %u)", w.status);
	}
	munmap(victim.cpu, victim.size);
}

static void test_closed_handle(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok;
	struct hil_bo cmd;

	ok = fd >= 0 && !cmdbuf(fd, &cmd, 1000, 0);
	if (!tap_ok(ok, "file and command buffer for the closed-handle cases"))
		return;
	closed_handle_case(fd, &cmd, 0);
	closed_handle_case(fd, &cmd, 1);
	munmap(cmd.cpu, cmd.size);
	close(fd);
}

/* In-syncobjs a racing SUBMIT names (the driver's per-job maximum). */
#define EYRIE_HIL_RACE_SYNCOBJS 256

struct closer {
	int fd;
	uint32_t handle;
	double delay_s;
	pthread_barrier_t *go;
};

static void *closer_run(void *arg)
{
	struct closer *cl = arg;
	double t0;

	pthread_barrier_wait(cl->go);
	t0 = hil_now_s();
	while (hil_now_s() - t0 < cl->delay_s)
		;
	hil_gem_close(cl->fd, cl->handle);
	return NULL;
}

/*
 * SUBMIT racing GEM_CLOSE of a BO it lists (issue 15 review): a SUBMIT
 * that succeeds has its job keep the BO mapped until it leaves the
 * device, so the job writes it and never faults; one that loses the race
 * fails with ENOENT, also when the handle was looked up before the close
 * but the mapping was gone by the time the job took it (checked under the
 * context's lock). Before: that SUBMIT succeeded and its job faulted on a
 * BO it listed. The SUBMITs name 256 empty in-syncobjs, which widens the
 * time between the handle lookup and the mapping check, and the close
 * comes 0-1 ms after the SUBMIT starts, so some rounds land in between.
 */
static void test_close_submit_race(void)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ok, i, rounds = 200;
	int enoent = 0, ran = 0, faulted = 0, other = 0;
	uint32_t syncs[EYRIE_HIL_RACE_SYNCOBJS];
	pthread_barrier_t go;
	struct hil_bo cmd;

	ok = fd >= 0 && !cmdbuf(fd, &cmd, 1000, 0) && !pthread_barrier_init(&go, NULL, 2);
	for (i = 0; ok && i < EYRIE_HIL_RACE_SYNCOBJS; i++) {
		struct drm_syncobj_create sc = { 0 };

		ok = !hil_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);
		syncs[i] = sc.handle;
	}
	if (!tap_ok(ok, "file, command buffer and %d empty syncobjs for the SUBMIT/GEM_CLOSE race",
		    EYRIE_HIL_RACE_SYNCOBJS))
		return;
	for (i = 0; i < rounds; i++) {
		struct closer cl = { .fd = fd, .go = &go, .delay_s = (i % 50) * 20e-6 };
		union eyrie_cmd *c = cmd.cpu;
		struct drm_eyrie_wait w;
		struct hil_bo x;
		uint32_t names[2];
		pthread_t t;
		uint64_t seq;
		int rc;

		if (hil_bo_create(fd, 4096, 0, &x)) {
			other++;
			break;
		}
		hil_cmd_timestamp(&c[16], x.va + 8 * (i % 64));
		names[0] = cmd.handle;
		names[1] = x.handle;
		cl.handle = x.handle;
		if (pthread_create(&t, NULL, closer_run, &cl)) {
			other++;
			break;
		}
		pthread_barrier_wait(&go);
		rc = hil_submit(fd, cmd_va(&cmd, 16), 1, 0, names, 2, syncs,
				EYRIE_HIL_RACE_SYNCOBJS, 0, &seq);
		pthread_join(t, NULL);
		if (rc == -ENOENT) {
			enoent++;
		} else if (rc) {
			other++;
		} else if (wait_long(fd, seq, &w)) {
			other++;
		} else if (w.status == EYRIE_JOB_OK) {
			ran++;
		} else if (w.status == EYRIE_JOB_ERR_MMU_UNMAPPED) {
			faulted++;
		} else {
			other++;
		}
	}
	pthread_barrier_destroy(&go);
	tap_ok(faulted == 0 && other == 0 && enoent + ran == rounds,
	      "%d SUBMITs racing GEM_CLOSE of a listed BO: %d ran OK, %d ENOENT, %d faulted on the BO they list, %d other",
	      rounds, ran, enoent, faulted, other);
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

/*
 * A process that exits (normally) with four files, each with two 2 s jobs
 * queued, is gone after about a second per file: an exiting task's files
 * wait at most EYRIE_EXIT_WAIT_MS each, as drm_sched_entity_flush() does,
 * and nothing can interrupt that wait (issue 15). Before: each file waited
 * up to job_timeout_ms, here for all eight jobs (16 s) in D state.
 */
static void test_exit_wait(long timeout_ms)
{
	double t0 = hil_now_s(), dt;
	int status = 0, p[2];
	char byte = 0;
	pid_t pid;

	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		struct hil_bo cmd;
		uint64_t seq;
		int i, j, fd;

		close(p[0]);
		for (i = 0; i < 4; i++) {
			fd = open(node, O_RDWR | O_CLOEXEC);
			if (fd < 0 || cmdbuf(fd, &cmd, 2000000, 0))
				_exit(2);
			for (j = 0; j < 2; j++)
				if (hil_submit(fd, cmd_va(&cmd, 0), 1, 0, &cmd.handle, 1, NULL, 0, 0,
					       &seq))
					_exit(2);
		}
		byte = 1;
		if (write(p[1], &byte, 1) != 1)
			_exit(2);
		_exit(0);	/* four files with jobs queued */
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &byte, 1) != 1)
		byte = 0;
	close(p[0]);
	t0 = hil_now_s();
	if (pid > 0)
		waitpid(pid, &status, 0);
	dt = hil_now_s() - t0;
	tap_ok(byte && WIFEXITED(status) && WEXITSTATUS(status) == 0 && dt < 4 * 1.0 + 2.0,
	       "a process exiting with 4 files of two 2 s jobs each is gone after %.1f s (at most 1 s per file; job_timeout_ms %ld)",
	       dt, timeout_ms);
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
 * One user may hold contexts_per_user contexts (the IDs are 16 bits),
 * counted until each is freed: a closed file whose job still runs keeps
 * its context (and ID). The count is per real uid: the processes keep
 * their effective root only to pass the node's permissions.
 *
 * The child (real uid 65534) opens 3 files, a grandchild the 4th, which
 * queues a 3 s STALL; a 5th open fails. The grandchild is killed (its file
 * closes without waiting: the context drains); an open while it drains
 * fails, one after it drained succeeds, and the one after that fails.
 */
static void test_context_limit(void)
{
	long old = read_param("contexts_per_user");
	int status = 0, p[2], res[6] = { 0, 0, 0, 0, 0, 0 };
	pid_t pid;

	if (!tap_ok(old >= 0 && write_param("contexts_per_user", 4) && !pipe(p),
		   "contexts_per_user set to 4"))
		return;
	pid = fork();
	if (pid == 0) {
		int fds[3], i, fd, q[2], opened = 0;
		char byte = 0;
		double t0;
		pid_t gc;

		close(p[0]);
		if (setresuid(65534, 0, 0) || pipe(q))
			_exit(3);
		for (i = 0; i < 3; i++)
			opened += (fds[i] = open(node, O_RDWR | O_CLOEXEC)) >= 0;
		gc = fork();
		if (gc == 0) {
			struct hil_bo cmd;
			uint64_t seq;

			volatile uint64_t *started;
			union eyrie_cmd *c;

			/* [4] TIMESTAMP, [5] STALL 3 s: it tells when it is on the device. */
			fd = open(node, O_RDWR | O_CLOEXEC);
			byte = fd >= 0 && !cmdbuf(fd, &cmd, 0, 0);
			if (byte) {
				c = cmd.cpu;
				started = (volatile uint64_t *)((char *)cmd.cpu + 3072);
				*started = 0;
				hil_cmd_timestamp(&c[4], cmd.va + 3072);
				c[5].stall.hdr.opcode = EYRIE_OP_STALL;
				c[5].stall.usec = 3000000;
				byte = !hil_submit(fd, cmd_va(&cmd, 4), 2, 0, &cmd.handle, 1, NULL, 0,
						   0, &seq);
				t0 = hil_now_s();
				while (byte && !*started && hil_now_s() - t0 < 30)
					usleep(1000);
				byte = byte && *started;
			}
			if (write(q[1], &byte, 1) != 1)
				_exit(2);
			pause();
			_exit(0);
		}
		if (gc < 0 || read(q[0], &byte, 1) != 1)
			byte = 0;
		res[0] = opened == 3 && byte;
		fd = open(node, O_RDWR | O_CLOEXEC);
		res[1] = fd < 0 ? -errno : 0;
		if (gc > 0) {
			kill(gc, SIGKILL);
			waitpid(gc, NULL, 0);
		}
		/* Its job runs for 3 s more: the context is still there. */
		fd = open(node, O_RDWR | O_CLOEXEC);
		res[2] = fd < 0 ? -errno : 0;
		t0 = hil_now_s();
		while (fd < 0 && hil_now_s() - t0 < 30) {
			usleep(100000);
			fd = open(node, O_RDWR | O_CLOEXEC);
		}
		res[3] = fd >= 0;
		res[4] = (int)((hil_now_s() - t0) * 1000);
		fd = open(node, O_RDWR | O_CLOEXEC);
		res[5] = fd < 0 ? -errno : 0;
		_exit(write(p[1], res, sizeof(res)) == sizeof(res) ? 0 : 2);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], res, sizeof(res)) != sizeof(res))
		res[0] = 0;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	write_param("contexts_per_user", old);
	tap_ok(res[0], "real uid 65534 opens the node 4 times (one in a child whose 3 s job has started)");
	tap_ok(res[1] == -EMFILE, "its fifth open -> EMFILE (%d)", res[1]);
	tap_ok(res[2] == -EMFILE,
	      "the child killed, its context drains with the job: an open -> EMFILE (%d)", res[2]);
	tap_ok(res[3], "once it has drained an open succeeds (after %d ms)", res[4]);
	tap_ok(res[5] == -EMFILE, "and the next one -> EMFILE again (%d)", res[5]);
}

/*
 * contexts_per_user follows a user namespace to its owner (issue 15): uid
 * 65534 creates a user namespace in which root maps it 8 uids (what
 * newuidmap does with a subordinate-uid range), and one process per mapped
 * uid opens the node 3 times, all of them holding their files at once.
 * With contexts_per_user 2 that is 2 contexts in all, not 2 per mapped uid.
 * Before: each mapped uid was a user of its own (16 contexts).
 *
 * A namespace root creates (a container runtime's) is the other case: its
 * uids are users of their own, 2 contexts each, 16 in all. Charged to root
 * (the first fix), they had 2 in all between them, and one container user
 * holding them locked every other container, and root, out.
 */
static void test_context_limit_userns(int root_creates)
{
	const int expect = root_creates ? 16 : 2;
	const uid_t creator = root_creates ? 0 : 65534;
	long old = read_param("contexts_per_user");
	int p[2], q[2], r[2], status = 0, total = 0, i, n;
	struct stat st;
	char byte = 0, path[64];
	pid_t pid;

	if (!tap_ok(old >= 0 && !stat(node, &st) && !chmod(node, 0666) &&
		    write_param("contexts_per_user", 2) && !pipe(p) && !pipe(q) && !pipe(r),
		    "contexts_per_user set to 2, the node opened to all for the namespace case"))
		return;
	pid = fork();
	if (pid == 0) {
		gid_t none[1];
		pid_t kids[8];
		int k, j, fd;

		close(p[0]);
		close(q[1]);
		close(r[0]);
		if (setgroups(0, none) || setresgid(creator, creator, creator) ||
		    setresuid(creator, creator, creator))
			_exit(3);
		byte = !unshare(CLONE_NEWUSER);
		if (write(p[1], &byte, 1) != 1 || !byte)
			_exit(4);
		if (read(q[0], &byte, 1) != 1)
			_exit(5);
		for (k = 0; k < 8; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				int opened = 0;

				if (setresgid(k, k, k) || setresuid(k, k, k))
					_exit(6);
				for (j = 0; j < 3; j++) {
					fd = open(node, O_RDWR | O_CLOEXEC);
					opened += fd >= 0;
				}
				if (write(r[1], &opened, sizeof(opened)) != sizeof(opened))
					_exit(7);
				pause();
				_exit(0);
			}
		}
		/* Every mapped uid holds its files until root has all counts (EOF). */
		while (read(q[0], &byte, 1) > 0)
			;
		for (k = 0; k < 8; k++) {
			if (kids[k] > 0) {
				kill(kids[k], SIGKILL);
				waitpid(kids[k], NULL, 0);
			}
		}
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	close(r[1]);
	n = pid > 0 && read(p[0], &byte, 1) == 1 && byte;
	if (n) {
		/* Root maps namespace uids and gids 0-7 to base..base+7. */
		const char *map = root_creates ? "0 300000 8\n" : "0 200000 8\n";

		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		n = write_text(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		n = n && write_text(path, map);
	}
	if (pid > 0 && !n && !byte) {
		close(q[1]);
		waitpid(pid, &status, 0);
		write_param("contexts_per_user", old);
		chmod(node, st.st_mode & 07777);
		tap_skip("this kernel does not let the creator make a user namespace",
			 "contexts_per_user across the uids of a user namespace");
		return;
	}
	byte = 1;
	if (write(q[1], &byte, 1) != 1)
		n = 0;
	for (i = 0; n && i < 8; i++) {
		int opened;

		if (read(r[0], &opened, sizeof(opened)) != sizeof(opened))
			break;
		total += opened;
	}
	close(q[1]);	/* the child ends its processes */
	if (pid > 0)
		waitpid(pid, &status, 0);
	close(r[0]);
	close(p[0]);
	write_param("contexts_per_user", old);
	chmod(node, st.st_mode & 07777);
	tap_ok(n && i == 8 && total == expect,
	       root_creates ?
	       "8 uids of a user namespace root created, 3 opens each at once: %d contexts in all (contexts_per_user 2 for each uid)" :
	       "8 uids of uid 65534's user namespace, 3 opens each at once: %d contexts in all (contexts_per_user 2 for the namespace's owner)",
	       total);
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

/*
 * A BO's pages stay pinned while an mmap keeps the BO after GEM_CLOSE, so
 * its charge stays too, against the context that mapped it
 * (ctx_mem_limit_mb) and against all (pin_limit_mb), until the BO is
 * freed (issue 15). Before: GEM_CLOSE gave the charge back and a loop of
 * create, mmap, close pinned without limit.
 */
static void test_pin_outlives_handle(void)
{
	long old_ctx = read_param("ctx_mem_limit_mb"), old_pin = read_param("pin_limit_mb");
	struct hil_bo x, y, z;
	int a, b, ok, ret;

	if (!tap_ok(old_ctx >= 0 && old_pin >= 0 && write_param("ctx_mem_limit_mb", 8),
		    "ctx_mem_limit_mb set to 8"))
		return;
	a = open(node, O_RDWR | O_CLOEXEC);
	write_param("ctx_mem_limit_mb", old_ctx);
	ok = a >= 0 && !hil_bo_create(a, 8 << 20, 0, &x) && !hil_bo_map(a, &x) &&
	     !hil_gem_close(a, x.handle);
	tap_ok(ok, "a context limited to 8 MiB maps 8 MiB, mmaps it and closes its handle");
	ret = a >= 0 ? hil_bo_create(a, 8 << 20, 0, &y) : -EBADF;
	tap_ok(ret == -EDQUOT,
	       "while the mmap keeps that BO pinned, another 8 MiB BO -> EDQUOT (%s)",
	       strerror(-ret));
	if (!ret)
		hil_gem_close(a, y.handle);
	if (ok)
		munmap(x.cpu, x.size);
	ret = a >= 0 ? hil_bo_create(a, 8 << 20, 0, &y) : -EBADF;
	tap_ok(ret == 0, "after munmap frees it, 8 MiB maps again (%s)", strerror(-ret));
	if (!ret)
		hil_gem_close(a, y.handle);
	if (a >= 0)
		close(a);

	if (!tap_ok(write_param("pin_limit_mb", 16), "pin_limit_mb set to 16"))
		return;
	a = open(node, O_RDWR | O_CLOEXEC);
	ok = a >= 0 && !hil_bo_create(a, 12 << 20, 0, &x) && !hil_bo_map(a, &x) &&
	     !hil_gem_close(a, x.handle);
	if (a >= 0)
		close(a);
	tap_ok(ok, "a file maps 12 MiB, mmaps it, closes the handle and the file");
	b = open(node, O_RDWR | O_CLOEXEC);
	ret = b >= 0 ? hil_bo_create(b, 12 << 20, 0, &z) : -EBADF;
	tap_ok(ret == -EDQUOT,
	       "another file's 12 MiB would pass 16 MiB with the mmapped BO: EDQUOT (%s)",
	       strerror(-ret));
	if (!ret)
		hil_gem_close(b, z.handle);
	if (ok)
		munmap(x.cpu, x.size);
	ret = b >= 0 ? hil_bo_create(b, 12 << 20, 0, &z) : -EBADF;
	tap_ok(ret == 0, "after munmap frees the first BO, the other file maps 12 MiB (%s)",
	       strerror(-ret));
	write_param("pin_limit_mb", old_pin);
	if (b >= 0)
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

/*
 * The device reaches what a page-table entry can hold: bus address bits
 * 51:12 (EYRIE_PTE_ADDR_MASK). A wider DMA mask (the driver had 64 bits)
 * lets the DMA API hand out an address whose top bits the entry drops,
 * and the device would write elsewhere.
 */
static void test_dma_mask(void)
{
	unsigned int want = 64 - __builtin_clzll(EYRIE_PTE_ADDR_MASK), bits = 0;
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/dma_mask_bits", bdf);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%u", &bits) != 1)
		bits = 0;
	if (f)
		fclose(f);
	tap_ok(bits == want, "the PCI device's DMA mask is %u bits, as a page-table entry holds (%u)",
	       bits, want);
}

/* Bytes the memory cgroup at dir holds (memory.current), -1 if unreadable. */
static long long memcg_current(const char *dir)
{
	char path[160];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.current", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return 0;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/*
 * What a context makes the kernel keep is charged to its opener's memory
 * cgroup (GFP_KERNEL_ACCOUNT), so a container's memory.max bounds how many
 * it can hold. A child in a new cgroup opens OPENS files; each context
 * keeps at least job_records records of a seqno and a fence pointer (16
 * bytes), so the cgroup grows by at least that much per file. (The driver
 * before charged nothing: only the struct file counted.)
 */
#define MEMCG_OPENS 32

static void test_memcg_accounting(uint32_t job_records)
{
	const char *root = "/sys/fs/cgroup", *dir = "/sys/fs/cgroup/eyrie-hil";
	long long before = -1, after = -1, floor = (long long)MEMCG_OPENS * job_records * 16;
	int go[2], done[2], status, i;
	char c = 0, pid_text[32];
	pid_t pid;

	mkdir(root, 0755);
	if (memcg_current(root) < 0 && access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		mount("none", root, "cgroup2", 0, NULL);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(dir);
	if (mkdir(dir, 0755) || memcg_current(dir) < 0 || pipe(go) || pipe(done)) {
		tap_ok(0, "a memory cgroup for the accounting case (cgroup2 with +memory at %s)", root);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fds[MEMCG_OPENS], n = 0;

		close(go[1]);
		close(done[0]);
		/* Wait until the parent moved this process into the cgroup. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		for (n = 0; n < MEMCG_OPENS; n++) {
			fds[n] = open(node, O_RDWR | O_CLOEXEC);
			if (fds[n] < 0)
				break;
		}
		c = n == MEMCG_OPENS;
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(2);
		while (n--)
			close(fds[n]);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	i = pid > 0 && write_file("/sys/fs/cgroup/eyrie-hil/cgroup.procs", pid_text);
	before = memcg_current(dir);
	if (i && write(go[1], &c, 1) == 1 && read(done[0], &c, 1) == 1 && c)
		after = memcg_current(dir);
	/* The child closes its files and exits when go closes. */
	close(go[1]);
	close(done[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	tap_ok(after >= 0 && after - before >= floor,
	       "%d contexts opened in a memory cgroup grow it by %lld KiB (at least %lld KiB: %u job records of 16 bytes each)",
	       MEMCG_OPENS, after >= 0 ? (after - before) / 1024 : -1, floor / 1024, job_records);
	rmdir(dir);
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
	test_dma_mask();
	/* A driver from before job_records reports 0 there, and kept 1024. */
	test_memcg_accounting(info.job_records ? info.job_records : 1024);
	test_closed_handle();
	test_close_submit_race();
	test_high_priority_privilege();
	test_empty_syncobj();
	test_context_limit();
	test_context_limit_userns(0);
	test_context_limit_userns(1);
	test_global_pin_limit();
	test_pin_outlives_handle();
	test_wait();
	if (timeout_ms > 0 && timeout_ms <= 10000) {
		test_bounded_close(timeout_ms);
		test_exit_wait(timeout_ms);
		test_starvation(timeout_ms);
	}
	else
		tap_ok(0, "job_timeout_ms (%ld) is 1 .. 10000 ms for the starvation test", timeout_ms);
	return tap_done();
}
