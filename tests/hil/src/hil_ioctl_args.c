// SPDX-License-Identifier: MIT
/*
 * Every Eyrie ioctl: its happy path, then its bad-argument table (unknown
 * flags, non-zero padding, bad handles, overflowing sizes, bad pointers)
 * with the errno docs/uapi.md prescribes.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hil_dev.h"
#include "tap.h"

#define BAD_PTR 0x10ull		/* never mapped in a process */

static struct drm_eyrie_device_info info;

static void test_query(int fd)
{
	struct drm_eyrie_query q;
	struct drm_eyrie_telemetry tel;
	struct drm_eyrie_context_info ci;
	uint8_t small[8];
	int rc;

	memset(&q, 0, sizeof(q));
	q.type = DRM_EYRIE_QUERY_DEVICE_INFO;
	rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q);
	tap_ok(rc == 0 && q.size == sizeof(info),
	       "QUERY device info with ptr 0 reports its size (%u)", q.size);
	tap_ok(hil_query(fd, DRM_EYRIE_QUERY_DEVICE_INFO, &info, sizeof(info)) == 0,
	       "QUERY device info");
	tap_ok(info.uapi_version >> 16 == EYRIE_UAPI_VERSION_MAJOR,
	       "QUERY device info: uAPI major %u (0x%08x)",
	       EYRIE_UAPI_VERSION_MAJOR, info.uapi_version);
	tap_ok(info.hw_version >> 16 == EYRIE_HW_VERSION_MAJOR &&
	       info.fw_abi >> 16 == EYRIE_FW_ABI_MAJOR,
	       "QUERY device info: hw 0x%08x, firmware ABI 0x%08x",
	       info.hw_version, info.fw_abi);
	tap_ok(info.num_queues >= 2 && info.va_size > 0 &&
	       info.va_start % EYRIE_PAGE_SIZE == 0 && info.mem_limit > 0,
	       "QUERY device info: %u queues, VA 0x%llx+0x%llx, %llu MiB per context",
	       info.num_queues, (unsigned long long)info.va_start,
	       (unsigned long long)info.va_size,
	       (unsigned long long)info.mem_limit >> 20);
	tap_ok(info.pci_vendor == EYRIE_PCI_VENDOR_IVSHMEM ||
	       info.pci_vendor == EYRIE_PCI_VENDOR_FPGA,
	       "QUERY device info: PCI vendor 0x%04x", info.pci_vendor);
	memset(&tel, 0, sizeof(tel));
	rc = hil_query(fd, DRM_EYRIE_QUERY_TELEMETRY, &tel, sizeof(tel));
	tap_ok(rc == 0 && tel.clock_khz > 0,
	       "QUERY telemetry (clock %u kHz, %d mC)", tel.clock_khz, tel.temp_mc);
	memset(&ci, 0, sizeof(ci));
	rc = hil_query(fd, DRM_EYRIE_QUERY_CONTEXT, &ci, sizeof(ci));
	tap_ok(rc == 0 && ci.ctx_id > 0 && !(ci.flags & DRM_EYRIE_CTX_F_BANNED),
	       "QUERY context (id %u, not banned)", ci.ctx_id);

	memset(&q, 0, sizeof(q));
	q.type = DRM_EYRIE_QUERY_DEVICE_INFO;
	q.size = sizeof(small);
	q.ptr = (uintptr_t)small;
	rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q);
	tap_ok(rc == 0 && q.size == sizeof(small),
	       "QUERY into a smaller buffer copies only its size (%u)", q.size);

	memset(&q, 0, sizeof(q));
	q.type = DRM_EYRIE_QUERY_DEVICE_INFO;
	q.size = sizeof(info);
	q.ptr = (uintptr_t)&info;
	q.flags = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL,
		  "QUERY with unknown flags: EINVAL");
	q.flags = 0;
	q.pad = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL,
		  "QUERY with non-zero pad: EINVAL");
	q.pad = 0;
	q.type = 0x7fff;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL,
		  "QUERY of an unknown type: EINVAL");
	q.type = DRM_EYRIE_QUERY_DEVICE_INFO;
	q.size = 0;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL,
		  "QUERY with a buffer of size 0: EINVAL");
	q.size = sizeof(info);
	q.ptr = BAD_PTR;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EFAULT,
		  "QUERY into an unmapped pointer: EFAULT");
}

static void test_bo_create(int fd)
{
	struct drm_eyrie_bo_create c;
	struct drm_eyrie_bo_info bi;
	struct hil_bo a, b;
	int rc;

	rc = hil_bo_create(fd, 1, 0, &a);
	tap_ok(rc == 0 && a.handle &&
	       a.va >= info.va_start && a.va % EYRIE_PAGE_SIZE == 0,
	       "BO_CREATE of 1 byte: handle %u at VA 0x%llx", a.handle,
	       (unsigned long long)a.va);
	memset(&bi, 0, sizeof(bi));
	bi.handle = a.handle;
	tap_ok(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi) == 0 &&
	       bi.size == EYRIE_PAGE_SIZE && bi.device_addr == a.va &&
	       bi.flags == 0 && bi.mmap_offset != 0,
	       "BO_INFO: size rounded up to 4 KiB, same VA, mmap offset set");
	tap_ok(hil_bo_create(fd, 3 * EYRIE_PAGE_SIZE, DRM_EYRIE_BO_DEVICE_RO, &b) == 0,
	       "BO_CREATE read-only for the device");
	memset(&bi, 0, sizeof(bi));
	bi.handle = b.handle;
	tap_ok(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi) == 0 &&
	       bi.flags == DRM_EYRIE_BO_DEVICE_RO && bi.size == 3 * EYRIE_PAGE_SIZE,
	       "BO_INFO reports DEVICE_RO and 12 KiB");
	tap_ok(b.va >= a.va + EYRIE_PAGE_SIZE || b.va + b.size <= a.va,
	       "two BOs get disjoint device VA ranges");

	memset(&c, 0, sizeof(c));
	c.size = 4096;
	c.flags = 1u << 7;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL,
		  "BO_CREATE with unknown flags: EINVAL");
	c.flags = 0;
	c.size = 0;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL,
		  "BO_CREATE of size 0: EINVAL");
	c.size = UINT64_MAX;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL,
		  "BO_CREATE of size 2^64-1 (overflows page rounding): EINVAL");
	c.size = 1ull << EYRIE_VA_BITS;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL,
		  "BO_CREATE larger than the device VA space: EINVAL");
	c.size = info.mem_limit + EYRIE_PAGE_SIZE;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EDQUOT,
		  "BO_CREATE above the context memory limit: EDQUOT");

	memset(&bi, 0, sizeof(bi));
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi), ENOENT,
		  "BO_INFO of handle 0: ENOENT");
	bi.handle = 0x7fffffff;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi), ENOENT,
		  "BO_INFO of a handle never created: ENOENT");
	tap_ok(hil_gem_close(fd, a.handle) == 0, "GEM_CLOSE of a live BO");
	bi.handle = a.handle;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi), ENOENT,
		  "BO_INFO of a closed handle: ENOENT");
	TAP_ERRNO(hil_gem_close(fd, a.handle), EINVAL,
		  "GEM_CLOSE of a closed handle: EINVAL");
	hil_gem_close(fd, b.handle);
}

static void test_submit_wait(int fd)
{
	struct drm_eyrie_submit s;
	struct drm_eyrie_wait w;
	struct hil_bo cmd;
	uint32_t bad_handle = 0x7ffffff0;
	uint64_t seq = 0;
	union eyrie_cmd *c;
	int rc;

	if (!tap_ok(hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &cmd) == 0 &&
		    hil_bo_map(fd, &cmd) == 0, "command buffer BO created and mapped"))
		return;
	c = cmd.cpu;
	for (int i = 0; i < 4; i++)
		hil_cmd_nop(&c[i]);

	rc = hil_submit(fd, cmd.va, 4, DRM_EYRIE_QUEUE_NORMAL, &cmd.handle, 1,
			NULL, 0, 0, &seq);
	tap_ok(rc == 0 && seq > 0,
	       "SUBMIT of 4 NOPs (seqno %llu)", (unsigned long long)seq);
	rc = hil_wait(fd, seq, 10ll * 1000000000, &w);
	tap_ok(rc == 0 &&
	       w.status == EYRIE_JOB_OK && w.err_cmd_index == EYRIE_CMD_INDEX_NONE,
	       "WAIT: the job completed OK (status %u)", w.status);
	tap_ok(w.end_ns >= w.start_ns, "WAIT: device times ordered (%llu..%llu ns)",
	       (unsigned long long)w.start_ns, (unsigned long long)w.end_ns);
	tap_ok(hil_wait(fd, seq, 0, &w) == 0 && w.status == EYRIE_JOB_OK,
	       "WAIT with timeout 0 on a finished job reports it");
	tap_ok(hil_submit(fd, cmd.va, 1, DRM_EYRIE_QUEUE_HIGH, NULL, 0, NULL, 0,
			  0, &seq) == 0 &&
	       hil_wait(fd, seq, 10ll * 1000000000, &w) == 0 &&
	       w.status == EYRIE_JOB_OK,
	       "SUBMIT on the high-priority queue completes OK");

#define SUBMIT_BASE() do { memset(&s, 0, sizeof(s)); s.cmdbuf_addr = cmd.va; \
		s.cmd_count = 1; } while (0)
	SUBMIT_BASE();
	s.flags = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT with unknown flags: EINVAL");
	SUBMIT_BASE();
	s.queue = 2;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT to an unknown queue: EINVAL");
	SUBMIT_BASE();
	s.cmd_count = 0;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of 0 commands: EINVAL");
	SUBMIT_BASE();
	s.cmd_count = UINT32_MAX;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of 2^32-1 commands (size overflow): EINVAL");
	SUBMIT_BASE();
	s.cmd_count = EYRIE_PAGE_SIZE / EYRIE_CMD_SIZE + 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of commands running past the end of their BO: EINVAL");
	SUBMIT_BASE();
	s.cmdbuf_addr = cmd.va + 4;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of a misaligned command buffer: EINVAL");
	SUBMIT_BASE();
	s.cmdbuf_addr = 0;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of a command buffer at VA 0: EINVAL");
	SUBMIT_BASE();
	s.cmdbuf_addr = UINT64_MAX & ~7ull;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of a command buffer at VA 2^64-8 (wraps): EINVAL");
	SUBMIT_BASE();
	s.cmdbuf_addr = info.va_start + (1ull << 36);
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT of a command buffer in unmapped VA: EINVAL");
	SUBMIT_BASE();
	s.bo_handles = (uintptr_t)&bad_handle;
	s.bo_count = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT,
		  "SUBMIT naming an unknown BO handle: ENOENT");
	SUBMIT_BASE();
	s.bo_handles = BAD_PTR;
	s.bo_count = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EFAULT,
		  "SUBMIT with an unmapped BO handle array: EFAULT");
	SUBMIT_BASE();
	s.bo_handles = (uintptr_t)&cmd.handle;
	s.bo_count = 1u << 30;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT with 2^30 BO handles: EINVAL");
	{
		uint32_t twice[2] = { cmd.handle, cmd.handle };

		SUBMIT_BASE();
		s.bo_handles = (uintptr_t)twice;
		s.bo_count = 2;
		TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EALREADY,
			  "SUBMIT listing the same BO twice: EALREADY");
	}
	SUBMIT_BASE();
	s.in_syncobjs = (uintptr_t)&bad_handle;
	s.in_syncobj_count = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT,
		  "SUBMIT waiting on an unknown syncobj: ENOENT");
	SUBMIT_BASE();
	s.in_syncobjs = BAD_PTR;
	s.in_syncobj_count = 1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EFAULT,
		  "SUBMIT with an unmapped in-syncobj array: EFAULT");
	SUBMIT_BASE();
	s.in_syncobjs = (uintptr_t)&bad_handle;
	s.in_syncobj_count = 1u << 30;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		  "SUBMIT with 2^30 in-syncobjs: EINVAL");
	SUBMIT_BASE();
	s.out_syncobj = bad_handle;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT,
		  "SUBMIT signalling an unknown syncobj: ENOENT");

	memset(&w, 0, sizeof(w));
	w.seqno = seq;
	w.flags = ~DRM_EYRIE_WAIT_ABSOLUTE;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL,
		  "WAIT with unknown flags: EINVAL");
	memset(&w, 0, sizeof(w));
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL,
		  "WAIT for seqno 0: EINVAL");
	w.seqno = seq + 1000;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL,
		  "WAIT for a seqno never submitted: EINVAL");
	w.seqno = seq;
	w.timeout_ns = -1;
	TAP_ERRNO(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL,
		  "WAIT with a negative timeout: EINVAL");
	hil_bo_close(fd, &cmd);
}

/*
 * The WAIT record window (1024 jobs per context): with 1024 jobs unfinished
 * behind a stalling one, the next SUBMIT is EBUSY; once a later job reuses
 * a record, WAIT for the old seqno is ENOENT.
 */
static void test_record_window(int fd, struct hil_bo *big)
{
	enum { WINDOW = 1024 };
	union eyrie_cmd *c = big->cpu;
	struct drm_eyrie_wait w;
	uint64_t first = 0, seq = 0, s;
	int rc, submitted = 1;

	memset(&c[0], 0, sizeof(c[0]));
	c[0].stall.hdr.opcode = EYRIE_OP_STALL;
	c[0].stall.usec = 3000000;	/* below the driver's job timeout */
	hil_cmd_nop(&c[1]);
	rc = hil_submit(fd, big->va, 1, 0, NULL, 0, NULL, 0, 0, &first);
	while (!rc && submitted < WINDOW) {
		rc = hil_submit(fd, big->va + EYRIE_CMD_SIZE, 1, 0, NULL, 0, NULL, 0,
				0, &seq);
		submitted += !rc;
	}
	tap_ok(!rc && submitted == WINDOW,
	       "%d jobs queued behind a 3 s stall (rc %d)", submitted, rc);
	TAP_ERRNO(hil_submit(fd, big->va + EYRIE_CMD_SIZE, 1, 0, NULL, 0, NULL, 0,
			     0, NULL), EBUSY,
		  "SUBMIT with 1024 jobs of the context unfinished: EBUSY");
	/*
	 * Job by job, each within 30 s: how long 1024 jobs take is up to the
	 * machine (a KASAN guest under TCG needed more than 30 s for all of
	 * them), while one job taking that long is a real hang.
	 */
	w.status = EYRIE_JOB_OK;
	for (s = first, rc = 0; s <= seq && !rc && w.status == EYRIE_JOB_OK; s++)
		rc = hil_wait(fd, s, 30ll * 1000000000, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK,
	       "the window drains, each job within 30 s (rc %d, status %u)", rc, w.status);
	rc = hil_submit(fd, big->va + EYRIE_CMD_SIZE, 1, 0, NULL, 0, NULL, 0, 0, &seq);
	if (!rc)
		rc = hil_wait(fd, seq, 30ll * 1000000000, &w);
	tap_ok(rc == 0, "SUBMIT works again once jobs finished");
	TAP_ERRNO(hil_wait(fd, first, 0, &w), ENOENT,
		  "WAIT for a seqno whose record was reused: ENOENT");
}

/* Limits that need bigger buffers or a job that lasts. */
static void test_submit_limits(int fd)
{
	const struct drm_eyrie_device_desc *desc = &info.desc;
	uint32_t max_cmds = desc->max_cmds_per_job;
	struct drm_eyrie_wait w;
	struct hil_bo big;
	uint64_t seq = 0;
	union eyrie_cmd *c;
	int rc;

	if (!tap_ok(max_cmds > 0 && hil_bo_create(fd, (uint64_t)(max_cmds + 1) * EYRIE_CMD_SIZE,
						   0, &big) == 0 &&
		    hil_bo_map(fd, &big) == 0,
		    "a buffer for max_cmds_per_job + 1 (%u) commands", max_cmds + 1))
		return;
	c = big.cpu;
	for (uint32_t i = 0; i <= max_cmds; i++)
		hil_cmd_nop(&c[i]);
	TAP_ERRNO(hil_submit(fd, big.va, max_cmds + 1, 0, NULL, 0, NULL, 0, 0, NULL),
		  EINVAL, "SUBMIT of max_cmds_per_job + 1 commands: EINVAL");
	rc = hil_submit(fd, big.va, max_cmds, 0, NULL, 0, NULL, 0, 0, &seq);
	if (!rc)
		rc = hil_wait(fd, seq, 20ll * 1000000000, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK,
	       "SUBMIT of exactly max_cmds_per_job commands runs OK (rc %d)", rc);

	if (!(info.caps & EYRIE_CAP_DEBUG_STALL)) {
		tap_skip("the board lacks CAP_DEBUG_STALL", "WAIT with timeout 0 on a running job: ETIME");
	} else {
		memset(&c[0], 0, sizeof(c[0]));
		c[0].stall.hdr.opcode = EYRIE_OP_STALL;
		c[0].stall.usec = 300000;
		rc = hil_submit(fd, big.va, 1, 0, NULL, 0, NULL, 0, 0, &seq);
		TAP_ERRNO(rc ? rc : hil_wait(fd, seq, 0, &w), ETIME,
			  "WAIT with timeout 0 on a running job: ETIME");
		TAP_ERRNO(rc ? rc : hil_wait(fd, seq, 1000000, &w), ETIME,
			  "WAIT with a 1 ms timeout on a 300 ms job: ETIME");
		rc = rc ? rc : hil_wait(fd, seq, 20ll * 1000000000, &w);
		tap_ok(rc == 0 && w.status == EYRIE_JOB_OK,
		       "the same job then completes OK");
		test_record_window(fd, &big);
	}
	hil_bo_close(fd, &big);
}

static void test_reset(int fd)
{
	uint32_t former[2] = { 0, 0 };
	struct drm_eyrie_wait w;
	struct hil_bo cmd;
	uint64_t seq = 0;

	/* Reset moved to debugfs (uAPI 1.1): the old ioctl number is unknown. */
	TAP_ERRNO(hil_ioctl(fd, HIL_IOCTL_FORMER_RESET, former), EINVAL,
		  "the former RESET ioctl number: EINVAL");
	if (geteuid() != 0) {
		tap_skip("needs root", "debugfs reset as root");
		return;
	}
	{
		/* A process without CAP_SYS_ADMIN (nor debugfs access). */
		pid_t pid = fork();
		int status = 0, rc;

		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(2);
			rc = hil_reset(fd);
			_exit(rc == -EPERM || rc == -EACCES ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		tap_ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "debugfs reset without CAP_SYS_ADMIN: EPERM/EACCES (child status 0x%x)",
		       status);
	}
	tap_ok(hil_reset(fd) == 0, "debugfs reset of an idle device as root");
	if (hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &cmd) || hil_bo_map(fd, &cmd)) {
		tap_ok(0, "command buffer after RESET");
		return;
	}
	hil_cmd_nop(cmd.cpu);
	tap_ok(hil_submit(fd, cmd.va, 1, 0, NULL, 0, NULL, 0, 0, &seq) == 0 &&
	       hil_wait(fd, seq, 10ll * 1000000000, &w) == 0 &&
	       w.status == EYRIE_JOB_OK,
	       "a job after RESET completes OK");
	hil_bo_close(fd, &cmd);
}

static void test_unknown_ioctl(int fd)
{
	uint64_t arg[8] = { 0 };

	TAP_ERRNO(hil_ioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f, uint64_t[8]), arg),
		  EINVAL, "an unknown driver ioctl number: EINVAL");
}

int main(void)
{
	int fd = hil_open();

	if (!tap_ok(fd >= 0, "open the eyrie accel node (%s)",
		    fd >= 0 ? "ok" : strerror(-fd)))
		return tap_done();
	test_query(fd);
	test_bo_create(fd);
	test_submit_wait(fd);
	test_submit_limits(fd);
	test_reset(fd);
	test_unknown_ioctl(fd);
	close(fd);
	return tap_done();
}
