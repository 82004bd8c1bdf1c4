// SPDX-License-Identifier: MIT
/*
 * Job submission: completion records, device-reported errors (bad opcode,
 * reserved bits), syncobj chains (job B waits for A's out-syncobj, C for
 * B's; the host waits on C's with drmSyncobjWait), many jobs in flight,
 * and priorities (a high-priority job overtakes queued normal ones).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include "hil_dev.h"
#include "tap.h"

#define WAIT_NS (20ll * 1000000000)
#define SLOT 16				/* commands per job slot in the BO */
#define SLOTS 64

static int fd;
static struct hil_bo cmd, scratch;
static struct drm_eyrie_device_info info;

static union eyrie_cmd *slot(unsigned int i)
{
	return (union eyrie_cmd *)cmd.cpu + i * SLOT;
}

static uint64_t slot_va(unsigned int i)
{
	return cmd.va + (uint64_t)i * SLOT * EYRIE_CMD_SIZE;
}

static uint64_t *stamps(void)
{
	return scratch.cpu;
}

static int run(unsigned int s, uint32_t count, struct drm_eyrie_wait *w)
{
	uint64_t seq;
	int rc = hil_submit(fd, slot_va(s), count, DRM_EYRIE_QUEUE_NORMAL,
			    NULL, 0, NULL, 0, 0, &seq);

	return rc ? rc : hil_wait(fd, seq, WAIT_NS, w);
}

static void test_device_errors(void)
{
	struct drm_eyrie_wait w;
	union eyrie_cmd *c = slot(0);
	int rc;

	memset(&w, 0, sizeof(w));

	hil_cmd_nop(&c[0]);
	hil_cmd_nop(&c[1]);
	c[1].hdr.opcode = 0xee;
	rc = run(0, 2, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_ERR_OPCODE &&
	       w.err_cmd_index == 1,
	       "unknown opcode: ERR_OPCODE at command 1 (status %u, index %u)",
	       w.status, w.err_cmd_index);
	hil_cmd_nop(&c[1]);
	c[1].hdr.reserved = 1;
	rc = run(0, 2, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_ERR_RESERVED &&
	       w.err_cmd_index == 1,
	       "non-zero reserved header field: ERR_RESERVED at command 1 (status %u)",
	       w.status);
	hil_cmd_timestamp(&c[0], scratch.va);
	hil_cmd_nop(&c[1]);
	c[1].hdr.flags = 0x8000;
	stamps()[0] = 0;
	rc = run(0, 2, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_ERR_RESERVED,
	       "unknown command flags: ERR_RESERVED (status %u)", w.status);
	tap_ok(stamps()[0] == 0,
	       "a job rejected by validation wrote nothing (the device checks first)");
	hil_cmd_timestamp(&c[0], scratch.va + 4);
	rc = run(0, 1, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_ERR_ALIGN,
	       "TIMESTAMP to a misaligned address: ERR_ALIGN (status %u)", w.status);
	hil_cmd_timestamp(&c[0], scratch.va);
	rc = run(0, 1, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK && stamps()[0] != 0,
	       "TIMESTAMP writes the device time (%llu ns)",
	       (unsigned long long)stamps()[0]);
	tap_ok(w.end_ns >= stamps()[0] && stamps()[0] >= w.start_ns,
	       "the timestamp lies within the job's start/end times");
}

static void test_syncobj_chain(void)
{
	uint32_t sync[3] = { 0 };
	uint64_t seq[3] = { 0 };
	struct drm_eyrie_wait w;
	int ok = 1;

	for (int i = 0; i < 3; i++)
		ok &= drmSyncobjCreate(fd, 0, &sync[i]) == 0;
	if (!tap_ok(ok, "three syncobjs created"))
		return;
	memset(stamps(), 0, 64);
	for (unsigned int i = 0; i < 3; i++) {
		union eyrie_cmd *c = slot(1 + i);

		hil_cmd_timestamp(&c[0], scratch.va + 8 * i);
		ok &= hil_submit(fd, slot_va(1 + i), 1,
				 i == 1 ? DRM_EYRIE_QUEUE_HIGH : DRM_EYRIE_QUEUE_NORMAL,
				 &scratch.handle, 1,
				 i ? &sync[i - 1] : NULL, i ? 1 : 0, sync[i],
				 &seq[i]) == 0;
	}
	tap_ok(ok, "A -> B -> C submitted, each waiting on the previous out-syncobj (B on the high queue)");
	tap_ok(drmSyncobjWait(fd, &sync[2], 1, INT64_MAX, 0, NULL) == 0,
	       "drmSyncobjWait on C's out-syncobj returns");
	tap_ok(drmSyncobjWait(fd, sync, 3, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
			      NULL) == 0,
	       "A's and B's out-syncobjs are signalled too");
	tap_ok(stamps()[0] && stamps()[0] <= stamps()[1] && stamps()[1] <= stamps()[2],
	       "the jobs ran in chain order (%llu <= %llu <= %llu)",
	       (unsigned long long)stamps()[0], (unsigned long long)stamps()[1],
	       (unsigned long long)stamps()[2]);
	tap_ok(hil_wait(fd, seq[2], 0, &w) == 0 && w.status == EYRIE_JOB_OK,
	       "C's completion record says OK");
	tap_ok(drmSyncobjReset(fd, &sync[0], 1) == 0 &&
	       drmSyncobjWait(fd, &sync[0], 1, 0, 0, NULL) != 0,
	       "a reset syncobj is no longer signalled");
	for (int i = 0; i < 3; i++)
		drmSyncobjDestroy(fd, sync[i]);
}

static void test_many_jobs(void)
{
	uint64_t seq[SLOTS];
	struct drm_eyrie_wait w;
	int submitted = 0, ok = 0, ordered = 1;

	for (unsigned int i = 0; i < SLOTS; i++) {
		hil_cmd_nop(&slot(i)[0]);
		submitted += hil_submit(fd, slot_va(i), 1, i % 2, NULL, 0, NULL, 0,
					0, &seq[i]) == 0;
		if (i)
			ordered &= seq[i] == seq[i - 1] + 1;
	}
	tap_ok(submitted == SLOTS && ordered,
	       "%d jobs in flight on both queues, consecutive seqnos", SLOTS);
	for (unsigned int i = 0; i < SLOTS; i++)
		ok += hil_wait(fd, seq[i], WAIT_NS, &w) == 0 && w.status == EYRIE_JOB_OK;
	tap_ok(ok == SLOTS, "all %d completed OK (%d)", SLOTS, ok);
}

/*
 * Normal jobs that stall 30 ms each are queued first; a high-priority job
 * submitted after them must end before the last of them.
 */
static void test_priority(void)
{
	enum { NORMAL = 6 };
	uint64_t seq[NORMAL + 1];
	struct drm_eyrie_wait w[NORMAL + 1];
	int ok = 1, overtaken;

	if (!(info.caps & EYRIE_CAP_DEBUG_STALL)) {
		tap_skip("the board lacks CAP_DEBUG_STALL (eyrie-sim --caps-set 0x20)",
			 "a high-priority job overtakes queued normal jobs");
		return;
	}
	for (unsigned int i = 0; i < NORMAL; i++) {
		union eyrie_cmd *c = slot(i);

		memset(c, 0, sizeof(*c));
		c->stall.hdr.opcode = EYRIE_OP_STALL;
		c->stall.usec = 30000;
		ok &= hil_submit(fd, slot_va(i), 1, DRM_EYRIE_QUEUE_NORMAL, NULL,
				 0, NULL, 0, 0, &seq[i]) == 0;
	}
	hil_cmd_nop(&slot(NORMAL)[0]);
	ok &= hil_submit(fd, slot_va(NORMAL), 1, DRM_EYRIE_QUEUE_HIGH, NULL, 0,
			 NULL, 0, 0, &seq[NORMAL]) == 0;
	for (unsigned int i = 0; i <= NORMAL; i++)
		ok &= hil_wait(fd, seq[i], WAIT_NS, &w[i]) == 0 &&
		      w[i].status == EYRIE_JOB_OK;
	tap_ok(ok, "%d stalling normal jobs and one high-priority job completed OK",
	       NORMAL);
	overtaken = 0;
	for (unsigned int i = 0; i < NORMAL; i++)
		overtaken += w[i].end_ns > w[NORMAL].end_ns;
	tap_diag("normal jobs ended at %llu .. %llu ns, the high one at %llu ns",
		 (unsigned long long)w[0].end_ns,
		 (unsigned long long)w[NORMAL - 1].end_ns,
		 (unsigned long long)w[NORMAL].end_ns);
	/* Queued behind at most the running job and the one the device took. */
	tap_ok(overtaken >= NORMAL - 2,
	       "the high-priority job overtook %d of the %d normal jobs queued before it",
	       overtaken, NORMAL);
}

/*
 * A process that exits with jobs queued and running: the kernel must tear
 * its context down cleanly (the harness checks the kernel log) and the
 * device must keep serving others.
 */
static void test_close_with_jobs_in_flight(void)
{
	struct drm_eyrie_wait w;
	uint64_t seq = 0;
	pid_t pid;
	int status = 0, rc;

	pid = fork();
	if (pid == 0) {
		struct hil_bo c2;
		int fd2 = hil_open();
		union eyrie_cmd *c;

		if (fd2 < 0 || hil_bo_create(fd2, EYRIE_PAGE_SIZE, 0, &c2) ||
		    hil_bo_map(fd2, &c2))
			_exit(2);
		c = c2.cpu;
		memset(&c[0], 0, sizeof(c[0]));
		c[0].stall.hdr.opcode = EYRIE_OP_STALL;
		c[0].stall.usec = 200000;
		hil_cmd_nop(&c[1]);
		if (hil_submit(fd2, c2.va, 1, 0, NULL, 0, NULL, 0, 0, NULL))
			_exit(3);
		for (int i = 0; i < 16; i++)
			if (hil_submit(fd2, c2.va + EYRIE_CMD_SIZE, 1, i % 2, NULL, 0,
				       NULL, 0, 0, NULL))
				_exit(4);
		_exit(0);	/* no unmap, no close: the kernel cleans up */
	}
	waitpid(pid, &status, 0);
	tap_ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "a process submits 17 jobs (the first stalls 200 ms) and exits at once (status 0x%x)",
	       status);
	hil_cmd_nop(&slot(0)[0]);
	rc = hil_submit(fd, slot_va(0), 1, DRM_EYRIE_QUEUE_NORMAL, NULL, 0, NULL, 0,
			0, &seq);
	if (!rc)
		rc = hil_wait(fd, seq, WAIT_NS, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK,
	       "another file's job runs after that process is gone (rc %d)", rc);
}

int main(void)
{
	fd = hil_open();
	if (!tap_ok(fd >= 0, "open the eyrie accel node (%s)",
		    fd >= 0 ? "ok" : strerror(-fd)))
		return tap_done();
	hil_query(fd, DRM_EYRIE_QUERY_DEVICE_INFO, &info, sizeof(info));
	if (!tap_ok(hil_bo_create(fd, SLOTS * SLOT * EYRIE_CMD_SIZE, 0, &cmd) == 0 &&
		    hil_bo_map(fd, &cmd) == 0 &&
		    hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &scratch) == 0 &&
		    hil_bo_map(fd, &scratch) == 0,
		    "command and scratch buffers"))
		return tap_done();
	test_device_errors();
	test_syncobj_chain();
	test_many_jobs();
	test_priority();
	test_close_with_jobs_in_flight();
	hil_bo_close(fd, &cmd);
	hil_bo_close(fd, &scratch);
	close(fd);
	return tap_done();
}
