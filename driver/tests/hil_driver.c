// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver: the driver's own HIL cases, raw ioctls on /dev/accel/accel0.
 * Every ioctl's bad-argument table, BO lifecycle and mmap, jobs through
 * both queues with syncobj chains, device MMU faults, context isolation,
 * PRIME sharing, the reset ioctl and fdinfo. Prints TAP.
 *
 * Built into build/tests/hil/bin/ by driver/driver.mk, so the HIL harness
 * (tests/hil/) runs it inside the VM with the other hil_* programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "hil_dev.h"
#include "tap.h"

static void expect_errno(int got, int want, const char *what)
{
	tap_ok(got == -want, "%s -> %s (got %s)", what, strerror(want),
	      got ? strerror(-got) : "success");
}

struct bo {
	uint32_t handle;
	uint64_t addr;
	uint64_t size;
	void *map;
};

static int bo_new(int fd, uint64_t size, uint32_t flags, struct bo *bo)
{
	struct drm_eyrie_bo_create c = { .size = size, .flags = flags };
	struct drm_eyrie_bo_info i = { 0 };
	int ret;

	memset(bo, 0, sizeof(*bo));
	ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);
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
	if (bo->map == MAP_FAILED) {
		bo->map = NULL;
		return -errno;
	}
	return 0;
}

static void bo_free(int fd, struct bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	if (bo->map)
		munmap(bo->map, bo->size);
	hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl);
}

static void put_cmd(struct bo *cmdbuf, unsigned int index, const union eyrie_cmd *cmd)
{
	memcpy((uint8_t *)cmdbuf->map + (size_t)index * EYRIE_CMD_SIZE, cmd, sizeof(*cmd));
}

static void cmd_timestamp(struct bo *cmdbuf, unsigned int index, uint64_t dst)
{
	union eyrie_cmd c;

	memset(&c, 0, sizeof(c));
	c.write.hdr.opcode = EYRIE_OP_TIMESTAMP;
	c.write.dram_addr = dst;
	put_cmd(cmdbuf, index, &c);
}

static int submit(int fd, struct bo *cmdbuf, uint32_t count, uint32_t queue, uint32_t *bos,
		  uint32_t nbos, uint32_t *in, uint32_t nin, uint32_t out, uint64_t *seqno)
{
	struct drm_eyrie_submit s = {
		.cmdbuf_addr = cmdbuf->addr, .cmd_count = count, .queue = queue,
		.bo_handles = (uintptr_t)bos, .bo_count = nbos,
		.in_syncobjs = (uintptr_t)in, .in_syncobj_count = nin, .out_syncobj = out,
	};
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

	if (!ret && seqno)
		*seqno = s.seqno;
	return ret;
}

static int wait_job(int fd, uint64_t seqno, struct drm_eyrie_wait *w)
{
	return hil_wait(fd, seqno, 30ll * 1000 * 1000 * 1000, w);
}

static uint32_t syncobj_new(int fd)
{
	struct drm_syncobj_create c = { 0 };

	return hil_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c) ? 0 : c.handle;
}

static void test_query(int fd, struct drm_eyrie_device_info *info)
{
	int ok;
	struct drm_eyrie_query q = { .type = DRM_EYRIE_QUERY_DEVICE_INFO };
	struct drm_eyrie_telemetry t;
	struct drm_eyrie_context_info ci;
	uint8_t small[8];

	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) == 0 && q.size == sizeof(*info);
	tap_ok(ok,
	      "QUERY DEVICE_INFO with ptr 0 reports the size (%u)", q.size);
	q.ptr = (uintptr_t)info;
	q.size = sizeof(*info);
	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) == 0 && q.size == sizeof(*info) && info->uapi_version >> 16 == EYRIE_UAPI_VERSION_MAJOR && info->hw_version >> 16 == EYRIE_HW_VERSION_MAJOR && info->num_queues >= 1 && info->va_start && info->va_size > info->va_start;
	tap_ok(ok,
	      "QUERY DEVICE_INFO: uapi %#x hw %#x fw %#x, %u queues, VA [%#llx, %#llx)",
	      info->uapi_version, info->hw_version, info->fw_version, info->num_queues,
	      (unsigned long long)info->va_start, (unsigned long long)info->va_size);
	q.size = sizeof(small);
	q.ptr = (uintptr_t)small;
	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) == 0 && q.size == sizeof(small);
	tap_ok(ok,
	      "QUERY with a smaller buffer writes only its size");
	q = (struct drm_eyrie_query){ .type = DRM_EYRIE_QUERY_TELEMETRY, .size = sizeof(t),
				      .ptr = (uintptr_t)&t };
	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) == 0 && t.timestamp_ns > 0;
	tap_ok(ok,
	      "QUERY TELEMETRY: device time %llu ns, %u mW, %d mdegC",
	      (unsigned long long)t.timestamp_ns, t.power_mw, t.temp_mc);
	q = (struct drm_eyrie_query){ .type = DRM_EYRIE_QUERY_CONTEXT, .size = sizeof(ci),
				      .ptr = (uintptr_t)&ci };
	ok = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q) == 0 && ci.ctx_id > 0 && !ci.flags;
	tap_ok(ok,
	      "QUERY CONTEXT: ctx %u", ci.ctx_id);

	q = (struct drm_eyrie_query){ .type = 99, .size = sizeof(*info), .ptr = (uintptr_t)info };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL, "QUERY unknown type");
	q = (struct drm_eyrie_query){ .size = sizeof(*info), .ptr = (uintptr_t)info, .flags = 1 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL, "QUERY flags != 0");
	q = (struct drm_eyrie_query){ .size = sizeof(*info), .ptr = (uintptr_t)info, .pad = 1 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL, "QUERY pad != 0");
	q = (struct drm_eyrie_query){ .size = 0, .ptr = (uintptr_t)info };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EINVAL, "QUERY size 0 with a pointer");
	q = (struct drm_eyrie_query){ .size = sizeof(*info), .ptr = 16 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q), EFAULT, "QUERY bad pointer");
}

/*
 * The record window DEVICE_INFO reports: job_records jobs of one context
 * queued behind a STALL fill it, the next SUBMIT is EBUSY, and once they
 * have ended SUBMIT works again. The STALL runs for 80 % of
 * job_timeout_ms (one job may run no longer); a guest that needs longer
 * to submit the window (the KASAN kernel of check-debug) cannot fill it
 * behind one job, and says so instead of finding no EBUSY.
 */
static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long job_timeout_ms(void)
{
	FILE *f = fopen("/sys/module/eyrie/parameters/job_timeout_ms", "r");
	long v = 0;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void test_record_window(const char *node, const struct drm_eyrie_device_info *info)
{
	int fd = open(node, O_RDWR | O_CLOEXEC), ret = 0, stalled;
	struct drm_eyrie_wait w;
	uint64_t seq = 0, first = 0;
	union eyrie_cmd c;
	double t0, took;
	long stall_ms;
	struct bo cmd;
	uint32_t i;

	if (!(info->caps & EYRIE_CAP_DEBUG_STALL)) {
		tap_skip("the board lacks DEBUG_STALL", "the record window of %u jobs", info->job_records);
		if (fd >= 0)
			close(fd);
		return;
	}
	tap_ok(info->job_records > 0 && info->job_records <= 65536,
	      "QUERY DEVICE_INFO reports the WAIT record window (job_records %u)", info->job_records);
	if (fd < 0 || !info->job_records || info->job_records > 65536 || bo_new(fd, 4096, 0, &cmd)) {
		tap_ok(0, "file and command buffer for the record window");
		if (fd >= 0)
			close(fd);
		return;
	}
	stall_ms = job_timeout_ms() > 0 ? job_timeout_ms() * 4 / 5 : 2000;
	memset(&c, 0, sizeof(c));
	c.stall.hdr.opcode = EYRIE_OP_STALL;
	c.stall.usec = (uint32_t)(stall_ms * 1000);
	put_cmd(&cmd, 0, &c);
	t0 = now_s();
	ret = submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &first);
	cmd.addr += EYRIE_CMD_SIZE;	/* a zeroed command: NOP */
	for (i = 1; !ret && i < info->job_records; i++)
		ret = submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq);
	took = now_s() - t0;
	tap_ok(!ret, "%u jobs queued behind a %ld ms STALL in %.1f s (%d)", info->job_records,
	       stall_ms, took, ret);
	ret = submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, NULL);
	/*
	 * Had the STALL ended before that SUBMIT? (WAIT with no timeout says
	 * ETIME while it runs.) Only a STALL that ended OK after the guest
	 * spent at least its length submitting frees a record honestly: a
	 * STALL that ended in error is a failure of its own.
	 */
	memset(&w, 0, sizeof(w));
	w.seqno = first;
	stalled = hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w) == -ETIME;
	if (ret != -EBUSY && !stalled && w.status == EYRIE_JOB_OK && took * 1000.0 >= stall_ms)
		tap_skip("the guest took longer to submit the window than one job may run",
			 "job %u of the window -> EBUSY (submitting took %.1f s, the STALL %ld ms)",
			 info->job_records + 1, took, stall_ms);
	else
		tap_ok(ret == -EBUSY, "job %u of the window -> EBUSY (%d)", info->job_records + 1,
		       ret);
	ret = wait_job(fd, seq, &w);
	tap_ok(!ret && w.status == EYRIE_JOB_OK, "the last of them ends (status %u)", w.status);
	ret = submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq);
	tap_ok(!ret && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK,
	      "after they ended, SUBMIT works again");
	ret = wait_job(fd, first, &w);
	tap_ok(ret == -ENOENT, "WAIT for job %llu, whose record was reused -> ENOENT (%d)",
	      (unsigned long long)first, ret);
	cmd.addr -= EYRIE_CMD_SIZE;
	bo_free(fd, &cmd);
	close(fd);
}

static void test_bo(int fd)
{
	int ok;
	struct drm_eyrie_bo_create c;
	struct drm_eyrie_bo_info i;
	struct bo a, b;
	int ret;

	c = (struct drm_eyrie_bo_create){ .size = 0 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL, "BO_CREATE size 0");
	c = (struct drm_eyrie_bo_create){ .size = 4096, .flags = 2 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL, "BO_CREATE unknown flag");
	c = (struct drm_eyrie_bo_create){ .size = 1ull << 40 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EINVAL,
		     "BO_CREATE larger than the device VA space");
	c = (struct drm_eyrie_bo_create){ .size = 1ull << 38 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c), EDQUOT,
		     "BO_CREATE above the context memory limit");
	i = (struct drm_eyrie_bo_info){ .handle = 0x7777 };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i), ENOENT, "BO_INFO unknown handle");

	ret = bo_new(fd, 5000, 0, &a);
	ok = !ret && a.size == 8192 && a.addr && !(a.addr & 4095);
	tap_ok(ok,
	      "BO_CREATE 5000 bytes: rounded to %llu, device address %#llx, mmap ok",
	      (unsigned long long)a.size, (unsigned long long)a.addr);
	if (ret)
		return;
	memset(a.map, 0x5a, a.size);
	ok = ((uint8_t *)a.map)[8191] == 0x5a;
	tap_ok(ok, "mmap of a BO is readable and writable");
	ret = bo_new(fd, 4096, DRM_EYRIE_BO_DEVICE_RO, &b);
	ok = !ret && b.addr && (b.addr >= a.addr + a.size + 4096 || b.addr + b.size + 4096 <= a.addr);
	tap_ok(ok,
	      "a second BO does not overlap the first (guard page kept)");
	i = (struct drm_eyrie_bo_info){ .handle = b.handle };
	ok = !hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i) && i.flags == DRM_EYRIE_BO_DEVICE_RO && i.device_addr == b.addr;
	tap_ok(ok, "BO_INFO reports DEVICE_RO and the same address");
	if (!ret)
		bo_free(fd, &b);
	bo_free(fd, &a);
	i = (struct drm_eyrie_bo_info){ .handle = a.handle };
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i), ENOENT, "BO_INFO after GEM_CLOSE");
}

static void test_submit_args(int fd, struct bo *cmdbuf)
{
	struct drm_eyrie_submit s;
	uint32_t bad_handle = 0x7777;
	struct drm_eyrie_wait w;

#define SUBMIT_BASE (struct drm_eyrie_submit){ .cmdbuf_addr = cmdbuf->addr, .cmd_count = 1 }
	s = SUBMIT_BASE;
	s.flags = 1;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT flags != 0");
	s = SUBMIT_BASE;
	s.queue = 2;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT unknown queue");
	s = SUBMIT_BASE;
	s.cmd_count = 0;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT cmd_count 0");
	s = SUBMIT_BASE;
	s.cmd_count = 0xffffffff;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		     "SUBMIT cmd_count above max_cmds_per_job");
	s = SUBMIT_BASE;
	s.cmdbuf_addr += 4;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT misaligned cmdbuf");
	s = SUBMIT_BASE;
	s.cmdbuf_addr = 0x7000000000ull;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT cmdbuf not mapped");
	s = SUBMIT_BASE;
	s.cmd_count = (uint32_t)(cmdbuf->size / EYRIE_CMD_SIZE) + 1;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL,
		     "SUBMIT cmdbuf runs past the end of its BO");
	s = SUBMIT_BASE;
	s.bo_count = 1;
	s.bo_handles = (uintptr_t)&bad_handle;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT, "SUBMIT unknown BO handle");
	s = SUBMIT_BASE;
	s.bo_count = 1;
	s.bo_handles = 16;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EFAULT, "SUBMIT bad bo_handles pointer");
	s = SUBMIT_BASE;
	s.bo_count = 1u << 20;
	s.bo_handles = (uintptr_t)&bad_handle;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EINVAL, "SUBMIT bo_count too large");
	s = SUBMIT_BASE;
	s.in_syncobj_count = 1;
	s.in_syncobjs = (uintptr_t)&bad_handle;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT, "SUBMIT unknown in-syncobj");
	s = SUBMIT_BASE;
	s.in_syncobj_count = 1;
	s.in_syncobjs = 16;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), EFAULT, "SUBMIT bad in_syncobjs pointer");
	s = SUBMIT_BASE;
	s.out_syncobj = bad_handle;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s), ENOENT, "SUBMIT unknown out-syncobj");

	memset(&w, 0, sizeof(w));
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL, "WAIT seqno 0");
	w.seqno = 1ull << 40;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL, "WAIT seqno never issued");
	w.seqno = 1;
	w.flags = ~DRM_EYRIE_WAIT_ABSOLUTE;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL, "WAIT unknown flags");
	w.flags = 0;
	w.timeout_ns = -1;
	expect_errno(hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w), EINVAL, "WAIT negative timeout");
#undef SUBMIT_BASE
}

static void test_jobs(int fd)
{
	int ok;
	struct drm_eyrie_wait w;
	struct bo cmd, data, data2, ro;
	uint64_t seq, seq2;
	uint32_t sync, handles[2];
	volatile uint64_t *out, *out2;
	union eyrie_cmd c;

	if (bo_new(fd, 16 * 4096, 0, &cmd) || bo_new(fd, 4096, 0, &data) ||
	    bo_new(fd, 4096, DRM_EYRIE_BO_DEVICE_RO, &ro)) {
		tap_ok(0, "BOs for the job tests");
		return;
	}
	test_submit_args(fd, &cmd);
	out = data.map;

	memset(cmd.map, 0, cmd.size);
	ok = !submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq) && seq == 1;
	tap_ok(ok,
	      "SUBMIT a NOP job: seqno %llu", (unsigned long long)seq);
	ok = !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok,
	      "WAIT: NOP job ok (status %u, %llu cycles, %llu fJ)", w.status,
	      (unsigned long long)w.cycles, (unsigned long long)w.energy_fj);

	out[0] = 0;
	cmd_timestamp(&cmd, 0, data.addr);
	handles[0] = cmd.handle;
	handles[1] = data.handle;
	ok = !submit(fd, &cmd, 1, 0, handles, 2, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK && out[0] != 0;
	tap_ok(ok,
	      "TIMESTAMP job writes device time %llu through the device MMU into a BO",
	      (unsigned long long)out[0]);

	out[1] = 0;
	cmd_timestamp(&cmd, 0, data.addr + 8);
	ok = !submit(fd, &cmd, 1, DRM_EYRIE_QUEUE_HIGH, handles, 2, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK && out[1] != 0;
	tap_ok(ok,
	      "a job on the high-priority queue runs");

	sync = syncobj_new(fd);
	out[2] = 0;
	/*
	 * Each job lists the BO it writes (the uAPI asks it, and bounce
	 * buffers need it), each its own, so that only the syncobj orders
	 * them.
	 */
	if (bo_new(fd, 4096, 0, &data2)) {
		tap_ok(0, "a second data BO for the syncobj chain");
		return;
	}
	out2 = data2.map;
	out2[0] = 0;
	cmd_timestamp(&cmd, 0, data.addr + 16);
	cmd_timestamp(&cmd, 8, data2.addr);
	{
		struct drm_eyrie_submit s2 = {
			.cmdbuf_addr = cmd.addr + 8 * EYRIE_CMD_SIZE, .cmd_count = 1,
			.bo_handles = (uintptr_t)&data2.handle, .bo_count = 1,
			.in_syncobjs = (uintptr_t)&sync, .in_syncobj_count = 1,
		};
		struct drm_syncobj_wait sw = { .handles = (uintptr_t)&sync, .count_handles = 1,
					       .timeout_nsec = INT64_MAX };
		int r1 = submit(fd, &cmd, 1, 0, &data.handle, 1, NULL, 0, sync, &seq);
		int r2 = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s2);

		seq2 = s2.seqno;
		ok = sync && !r1 && !r2 && !wait_job(fd, seq2, &w) && w.status == EYRIE_JOB_OK && !wait_job(fd, seq, &w) && out[2] && out2[0] && out[2] <= out2[0];
		tap_ok(ok,
		      "syncobj chain: job %llu waits for job %llu (times %llu <= %llu)",
		      (unsigned long long)seq2, (unsigned long long)seq,
		      (unsigned long long)out[2], (unsigned long long)out2[0]);
		ok = !hil_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw);
		tap_ok(ok, "the out-syncobj signals");
	}
	bo_free(fd, &data2);

	cmd_timestamp(&cmd, 0, 0x7000000000ull);
	ok = !submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_ERR_MMU_UNMAPPED && w.err_cmd_index == 0;
	tap_ok(ok,
	      "a write to an unmapped device address fails the job with MMU_UNMAPPED (status %u)",
	      w.status);
	cmd_timestamp(&cmd, 0, ro.addr);
	ok = !submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_ERR_MMU_PERM;
	tap_ok(ok,
	      "a write to a DEVICE_RO BO fails the job with MMU_PERM (status %u)", w.status);
	memset(&c, 0, sizeof(c));
	c.hdr.opcode = 0xee;
	memset(cmd.map, 0, 2 * EYRIE_CMD_SIZE);
	put_cmd(&cmd, 1, &c);
	ok = !submit(fd, &cmd, 2, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_ERR_OPCODE && w.err_cmd_index == 1;
	tap_ok(ok,
	      "an unknown opcode fails the job at command 1 (status %u, index %u)", w.status,
	      w.err_cmd_index);
	cmd_timestamp(&cmd, 0, data.addr);
	ok = !submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "the context keeps working after its faults");

	memset(&w, 0, sizeof(w));
	w.seqno = seq;
	ok = !hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w);
	tap_ok(ok, "WAIT with timeout 0 on a finished job");
	bo_free(fd, &ro);
	bo_free(fd, &data);
	bo_free(fd, &cmd);
}

/* Two files: separate address spaces; PRIME is the only way to share. */
static void test_isolation(int fd, const char *node)
{
	int ok;
	int fd2 = open(node, O_RDWR | O_CLOEXEC);
	struct drm_prime_handle exp = { 0 }, imp = { 0 };
	struct drm_eyrie_bo_info i;
	struct drm_eyrie_wait w;
	struct bo a, cmd2, own;
	uint64_t seq;

	if (fd2 < 0 || bo_new(fd, 4096, 0, &a) || bo_new(fd2, 4096, 0, &cmd2) ||
	    bo_new(fd2, 4096, 0, &own)) {
		tap_ok(0, "second file and BOs for the isolation tests");
		return;
	}
	memset(a.map, 0, 4096);
	i = (struct drm_eyrie_bo_info){ .handle = a.handle };
	ok = hil_ioctl(fd2, DRM_IOCTL_EYRIE_BO_INFO, &i) == -ENOENT || (i.device_addr != a.addr || a.handle != own.handle);
	tap_ok(ok,
	      "another file cannot name this file's BO by handle");
	cmd_timestamp(&cmd2, 0, a.addr);
	ok = !submit(fd2, &cmd2, 1, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd2, seq, &w) && ((uint64_t *)a.map)[0] == 0;
	tap_ok(ok,
	      "a job of another file writing at this file's BO address does not reach it (status %u)",
	      w.status);

	i = (struct drm_eyrie_bo_info){ .handle = a.handle };
	if (!hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i)) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
			       (off_t)i.mmap_offset);

		ok = p == MAP_FAILED;
		tap_ok(ok, "another file cannot mmap this file's BO by its mmap offset (%s)",
		      ok ? strerror(errno) : "mapped");
		if (p != MAP_FAILED)
			munmap(p, 4096);
	}

	exp.handle = a.handle;
	exp.flags = DRM_CLOEXEC | DRM_RDWR;
	ok = !hil_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp) && exp.fd >= 0;
	tap_ok(ok, "PRIME export");
	imp.fd = exp.fd;
	ok = !hil_ioctl(fd2, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	tap_ok(ok, "PRIME import into another file");
	i = (struct drm_eyrie_bo_info){ .handle = imp.handle };
	ok = !hil_ioctl(fd2, DRM_IOCTL_EYRIE_BO_INFO, &i) && i.device_addr && i.size == 4096;
	tap_ok(ok,
	      "the imported BO is mapped in the importer's context at %#llx",
	      (unsigned long long)i.device_addr);
	cmd_timestamp(&cmd2, 0, i.device_addr + 64);
	ok = !submit(fd2, &cmd2, 1, 0, &imp.handle, 1, NULL, 0, 0, &seq) && !wait_job(fd2, seq, &w) && w.status == EYRIE_JOB_OK && ((uint64_t *)a.map)[8] != 0;
	tap_ok(ok,
	      "a job of the importer writes the shared BO, the exporter sees it");
	close(exp.fd);
	bo_free(fd2, &own);
	bo_free(fd2, &cmd2);
	close(fd2);
	bo_free(fd, &a);
}

static void test_reset(int fd)
{
	int ok;
	uint32_t former[2] = { 1, 0 };
	struct drm_eyrie_wait w;
	struct bo cmd;
	uint64_t seq;

	expect_errno(hil_ioctl(fd, HIL_IOCTL_FORMER_RESET, former), EINVAL,
		     "the former RESET ioctl (reset is in debugfs now)");
	if (geteuid() != 0) {
		tap_skip("not root", "debugfs reset as administrator");
		return;
	}
	ok = !hil_reset(fd);
	tap_ok(ok, "debugfs reset as administrator recovers the device");
	if (bo_new(fd, 4096, 0, &cmd)) {
		tap_ok(0, "BO after reset");
		return;
	}
	memset(cmd.map, 0, 4096);
	ok = !submit(fd, &cmd, 1, 0, NULL, 0, NULL, 0, 0, &seq) && !wait_job(fd, seq, &w) && w.status == EYRIE_JOB_OK;
	tap_ok(ok, "jobs run after the reset");
	bo_free(fd, &cmd);
}

static void test_fdinfo(int fd)
{
	int ok;
	char path[64], buf[4096];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	n = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
	if (f >= 0)
		close(f);
	buf[n > 0 ? n : 0] = 0;
	ok = strstr(buf, "drm-driver:\teyrie") && strstr(buf, "drm-engine-normal:") && strstr(buf, "drm-total-memory:") && strstr(buf, "eyrie-energy:");
	tap_ok(ok,
	      "fdinfo has drm-driver, drm-engine-*, drm-*-memory and eyrie-energy keys");
	if (!ok) {
		char *line = strtok(buf, "\n");

		printf("# %s (%zd bytes):\n", path, n);
		for (; line; line = strtok(NULL, "\n"))
			printf("#   %s\n", line);
	}
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/accel/accel0";
	struct drm_eyrie_device_info info;
	int fd;

	fd = open(node, O_RDWR | O_CLOEXEC);
	tap_ok(fd >= 0, "open %s", node);
	if (fd < 0) {
		tap_done();
		return 1;
	}
	test_query(fd, &info);
	test_bo(fd);
	test_jobs(fd);
	test_isolation(fd, node);
	test_fdinfo(fd);
	test_reset(fd);
	test_record_window(node, &info);
	close(fd);
	return tap_done();
}
