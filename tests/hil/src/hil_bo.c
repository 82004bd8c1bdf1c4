// SPDX-License-Identifier: MIT
/*
 * Buffer objects end to end: lifecycle and context memory accounting, mmap,
 * device DMA between buffers (CPU writes seen by the device and back), the
 * device-read-only flag, PRIME export/import across files, and the
 * isolation of one file's device address space from another's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "hil_dev.h"
#include "tap.h"

#define WAIT_NS (10ll * 1000000000)
#define COPY_BYTES 8192u

static uint64_t ctx_mem_used(int fd)
{
	struct drm_eyrie_context_info ci;

	memset(&ci, 0, sizeof(ci));
	hil_query(fd, DRM_EYRIE_QUERY_CONTEXT, &ci, sizeof(ci));
	return ci.mem_used;
}

static void test_lifecycle(int fd)
{
	uint64_t before = ctx_mem_used(fd), during;
	struct hil_bo bo[8];
	int made = 0;

	for (int i = 0; i < 8; i++)
		made += hil_bo_create(fd, (uint64_t)(i + 1) * EYRIE_PAGE_SIZE, 0,
				      &bo[i]) == 0;
	tap_ok(made == 8, "8 BOs of 4..32 KiB created");
	during = ctx_mem_used(fd);
	tap_ok(during - before == 36 * EYRIE_PAGE_SIZE,
	       "context mem_used grew by 144 KiB (%llu -> %llu)",
	       (unsigned long long)before, (unsigned long long)during);
	for (int i = 0; i < 8; i++)
		hil_gem_close(fd, bo[i].handle);
	tap_ok(ctx_mem_used(fd) == before,
	       "context mem_used back to %llu after closing them",
	       (unsigned long long)before);
}

static void test_mmap(int fd)
{
	struct hil_bo bo;
	struct drm_eyrie_bo_info bi;
	unsigned char *p;
	int same = 1;
	void *bad;

	if (!tap_ok(hil_bo_create(fd, 3 * EYRIE_PAGE_SIZE, 0, &bo) == 0 &&
		    hil_bo_map(fd, &bo) == 0, "mmap of a 12 KiB BO"))
		return;
	p = bo.cpu;
	for (unsigned int i = 0; i < bo.size; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	munmap(bo.cpu, bo.size);
	bo.cpu = NULL;
	tap_ok(hil_bo_map(fd, &bo) == 0, "the same BO maps again");
	p = bo.cpu;
	for (unsigned int i = 0; p && i < bo.size; i++)
		same &= p[i] == (unsigned char)(i * 7 + 1);
	tap_ok(p && same, "data written through one mapping reads back through another");
	memset(&bi, 0, sizeof(bi));
	bi.handle = bo.handle;
	hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi);
	bad = mmap(NULL, bo.size + EYRIE_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		   (off_t)bi.mmap_offset);
	tap_ok(bad == MAP_FAILED, "mmap longer than the BO fails (errno %d)",
	       bad == MAP_FAILED ? errno : 0);
	if (bad != MAP_FAILED)
		munmap(bad, bo.size + EYRIE_PAGE_SIZE);
	bad = mmap(NULL, EYRIE_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		   (off_t)(bi.mmap_offset + (1ull << 40)));
	tap_ok(bad == MAP_FAILED, "mmap at an offset no BO owns fails");
	if (bad != MAP_FAILED)
		munmap(bad, EYRIE_PAGE_SIZE);
	/* A mapping holds its own reference: closing the handle keeps it valid. */
	tap_ok(hil_gem_close(fd, bo.handle) == 0, "GEM_CLOSE of a BO that is still mapped");
	if (p)
		p[5] = 0x42;
	tap_ok(p && p[5] == 0x42 && p[bo.size - 1] == (unsigned char)((bo.size - 1) * 7 + 1),
	       "its mapping stays usable until munmap");
	if (p)
		munmap(bo.cpu, bo.size);
}

/*
 * Runs LOAD src -> GLB 0, BARRIER, STORE GLB 0 -> dst; returns the status.
 * The job lists the BOs it uses, as the uAPI asks (dst_bo is NULL for an
 * address no BO holds): the driver syncs only those for the device and
 * back, which bounce buffers (the swiotlb boot) need.
 */
static int device_copy(int fd, struct hil_bo *cmd, const struct hil_bo *src,
		       const struct hil_bo *dst_bo, uint64_t dst_va, uint32_t len,
		       struct drm_eyrie_wait *w)
{
	union eyrie_cmd *c = cmd->cpu;
	uint32_t handles[2] = { src->handle, dst_bo ? dst_bo->handle : 0 };
	uint64_t seq;
	int rc;

	hil_cmd_dma(&c[0], EYRIE_OP_DMA_LOAD, src->va, 0, len);
	hil_cmd_barrier(&c[1]);
	hil_cmd_dma(&c[2], EYRIE_OP_DMA_STORE, dst_va, 0, len);
	rc = hil_submit(fd, cmd->va, 3, DRM_EYRIE_QUEUE_NORMAL, handles, dst_bo ? 2 : 1,
			NULL, 0, 0, &seq);
	if (rc)
		return rc;
	rc = hil_wait(fd, seq, WAIT_NS, w);
	return rc ? rc : (int)w->status;
}

static void test_device_copy(int fd)
{
	struct hil_bo cmd, src, dst, ro;
	struct drm_eyrie_wait w;
	unsigned char *s, *d;
	int st;

	if (!tap_ok(hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &cmd) == 0 &&
		    hil_bo_map(fd, &cmd) == 0 &&
		    hil_bo_create(fd, COPY_BYTES, 0, &src) == 0 &&
		    hil_bo_map(fd, &src) == 0 &&
		    hil_bo_create(fd, COPY_BYTES, 0, &dst) == 0 &&
		    hil_bo_map(fd, &dst) == 0 &&
		    hil_bo_create(fd, COPY_BYTES, DRM_EYRIE_BO_DEVICE_RO, &ro) == 0 &&
		    hil_bo_map(fd, &ro) == 0,
		    "buffers for the device copy"))
		return;
	s = src.cpu;
	d = dst.cpu;
	for (unsigned int i = 0; i < COPY_BYTES; i++)
		s[i] = (unsigned char)(i ^ (i >> 8) ^ 0x3c);
	memset(d, 0, COPY_BYTES);
	st = device_copy(fd, &cmd, &src, &dst, dst.va, COPY_BYTES, &w);
	tap_ok(st == EYRIE_JOB_OK, "device copies 8 KiB between BOs (status %d)", st);
	tap_ok(!memcmp(s, d, COPY_BYTES),
	       "the CPU sees the device's writes, byte for byte");

	st = device_copy(fd, &cmd, &src, &ro, ro.va, COPY_BYTES, &w);
	tap_ok(st == EYRIE_JOB_ERR_MMU_PERM,
	       "device write to a DEVICE_RO BO fails with ERR_MMU_PERM (status %d)", st);
	tap_ok(((unsigned char *)ro.cpu)[0] == 0,
	       "the read-only BO was left untouched");
	st = device_copy(fd, &cmd, &src, NULL, ro.va + (1ull << 36), 256, &w);
	tap_ok(st == EYRIE_JOB_ERR_MMU_UNMAPPED,
	       "device write to unmapped VA fails with ERR_MMU_UNMAPPED (status %d)", st);
	tap_ok(w.err_cmd_index == 2, "the fault names command 2 (got %u)",
	       w.err_cmd_index);
	hil_bo_close(fd, &cmd);
	hil_bo_close(fd, &src);
	hil_bo_close(fd, &dst);
	hil_bo_close(fd, &ro);
}

static void test_prime(int fd)
{
	struct hil_bo bo;
	struct drm_eyrie_bo_info bi;
	struct drm_eyrie_context_info c1, c2;
	uint32_t same = 0, imported = 0;
	unsigned char *p, *q;
	int fd2, dmabuf = -1, rc;

	fd2 = hil_open();
	if (!tap_ok(fd2 >= 0, "a second open file of the same device"))
		return;
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	hil_query(fd, DRM_EYRIE_QUERY_CONTEXT, &c1, sizeof(c1));
	hil_query(fd2, DRM_EYRIE_QUERY_CONTEXT, &c2, sizeof(c2));
	tap_ok(c1.ctx_id != c2.ctx_id, "each open file has its own context (%u, %u)",
	       c1.ctx_id, c2.ctx_id);

	if (!tap_ok(hil_bo_create(fd, 2 * EYRIE_PAGE_SIZE, 0, &bo) == 0 &&
		    hil_bo_map(fd, &bo) == 0, "BO to share"))
		goto out;
	p = bo.cpu;
	memset(p, 0x5e, bo.size);
	tap_ok(drmPrimeHandleToFD(fd, bo.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) == 0 &&
	       dmabuf >= 0, "PRIME export to a dma-buf fd");
	tap_ok(drmPrimeFDToHandle(fd, dmabuf, &same) == 0 && same == bo.handle,
	       "PRIME import into the same file returns the same handle");
	tap_ok(drmPrimeFDToHandle(fd2, dmabuf, &imported) == 0 && imported,
	       "PRIME import into another file");
	memset(&bi, 0, sizeof(bi));
	bi.handle = imported;
	rc = hil_ioctl(fd2, DRM_IOCTL_EYRIE_BO_INFO, &bi);
	tap_ok(rc == 0 && bi.size == bo.size && bi.device_addr != 0,
	       "the imported BO has a device address in the other context (0x%llx)",
	       (unsigned long long)bi.device_addr);
	q = mmap(NULL, bi.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd2,
		 (off_t)bi.mmap_offset);
	tap_ok(q != MAP_FAILED && q[0] == 0x5e && q[bi.size - 1] == 0x5e,
	       "the importer's mapping shows the exporter's data");
	close(dmabuf);
	hil_bo_close(fd, &bo);
	tap_ok(q != MAP_FAILED && q[100] == 0x5e,
	       "the import stays valid after the exporter closes its handle");
	if (q != MAP_FAILED)
		munmap(q, bi.size);

	hil_gem_close(fd2, imported);
out:
	close(fd2);
}

/* Another file's job cannot reach this file's buffers. */
static void test_isolation(int fd)
{
	struct hil_bo pad, secret, cmd2;
	struct drm_eyrie_wait w;
	int fd2 = hil_open(), st;

	if (!tap_ok(fd2 >= 0 && hil_bo_create(fd, 1u << 20, 0, &pad) == 0 &&
		    hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &secret) == 0 &&
		    hil_bo_create(fd2, EYRIE_PAGE_SIZE, 0, &cmd2) == 0 &&
		    hil_bo_map(fd2, &cmd2) == 0,
		    "buffers in two contexts")) {
		if (fd2 >= 0)
			close(fd2);
		return;
	}
	tap_ok(secret.va >= cmd2.va + cmd2.size || secret.va + EYRIE_PAGE_SIZE <= cmd2.va,
	       "the first context's BO (0x%llx) is outside the second's (0x%llx)",
	       (unsigned long long)secret.va, (unsigned long long)cmd2.va);
	st = device_copy(fd2, &cmd2, &(struct hil_bo){ .va = secret.va,
		.handle = cmd2.handle }, NULL, cmd2.va + 2048, 256, &w);
	tap_ok(st == EYRIE_JOB_ERR_MMU_UNMAPPED,
	       "a job of the second context reading the first's VA faults (status %d)", st);
	hil_bo_close(fd2, &cmd2);
	close(fd2);
	hil_gem_close(fd, secret.handle);
	hil_gem_close(fd, pad.handle);
}

/* The vgem card node, or -1. */
static int open_vgem(void)
{
	char path[32], name[16];

	for (int i = 0; i < 8; i++) {
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

/* Another device's dma-buf (vgem) imported and read by the device. */
static void test_foreign_import(int fd)
{
	struct drm_mode_create_dumb create = { .height = 2, .width = 1024, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_eyrie_bo_info bi;
	struct drm_eyrie_wait w;
	struct hil_bo cmd, dst, src;
	unsigned char *vp = MAP_FAILED, *q;
	uint32_t handle = 0;
	int vfd = open_vgem(), dmabuf = -1, rc, st, ok;

	if (vfd < 0) {
		tap_skip("no vgem node in this VM", "a vgem dma-buf imported and read by the device");
		return;
	}
	rc = hil_ioctl(vfd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	if (!rc) {
		map.handle = create.handle;
		rc = hil_ioctl(vfd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	}
	if (!rc)
		vp = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, vfd,
			  (off_t)map.offset);
	if (!tap_ok(!rc && vp != MAP_FAILED && create.size >= COPY_BYTES,
		    "vgem dumb buffer of %llu bytes created and mapped",
		    (unsigned long long)create.size))
		goto out;
	for (unsigned int i = 0; i < COPY_BYTES; i++)
		vp[i] = (unsigned char)(i * 13 + 5);
	tap_ok(drmPrimeHandleToFD(vfd, create.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) == 0 &&
	       drmPrimeFDToHandle(fd, dmabuf, &handle) == 0 && handle,
	       "vgem's dma-buf imported into the eyrie file");
	memset(&bi, 0, sizeof(bi));
	bi.handle = handle;
	rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &bi);
	tap_ok(rc == 0 && bi.device_addr != 0 && bi.size >= COPY_BYTES,
	       "the import has a device address (0x%llx, %llu bytes)",
	       (unsigned long long)bi.device_addr, (unsigned long long)bi.size);
	if (rc || hil_bo_create(fd, EYRIE_PAGE_SIZE, 0, &cmd) || hil_bo_map(fd, &cmd) ||
	    hil_bo_create(fd, COPY_BYTES, 0, &dst) || hil_bo_map(fd, &dst)) {
		tap_ok(0, "buffers for the copy out of the import");
		goto out;
	}
	memset(dst.cpu, 0, COPY_BYTES);
	src = (struct hil_bo){ .handle = handle, .va = bi.device_addr };
	st = device_copy(fd, &cmd, &src, &dst, dst.va, COPY_BYTES, &w);
	tap_ok(st == EYRIE_JOB_OK && !memcmp(dst.cpu, vp, COPY_BYTES),
	       "the device reads vgem's bytes through the import (status %d)", st);
	/* The import's CPU mapping through the eyrie file is the exporter's buffer. */
	q = mmap(NULL, COPY_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)bi.mmap_offset);
	ok = q != MAP_FAILED && !memcmp(q, vp, COPY_BYTES);
	if (q != MAP_FAILED) {
		q[1] = (unsigned char)~q[1];
		ok = ok && vp[1] == q[1];
		munmap(q, COPY_BYTES);
	}
	tap_ok(ok, "the import maps through the eyrie file: vgem's bytes, and a write shows in vgem's mapping");
	hil_bo_close(fd, &cmd);
	hil_bo_close(fd, &dst);
	hil_gem_close(fd, handle);
out:
	if (dmabuf >= 0)
		close(dmabuf);
	if (vp != MAP_FAILED)
		munmap(vp, create.size);
	close(vfd);
}

int main(void)
{
	int fd = hil_open();

	if (!tap_ok(fd >= 0, "open the eyrie accel node (%s)",
		    fd >= 0 ? "ok" : strerror(-fd)))
		return tap_done();
	test_lifecycle(fd);
	test_mmap(fd);
	test_device_copy(fd);
	test_prime(fd);
	test_isolation(fd);
	test_foreign_import(fd);
	close(fd);
	return tap_done();
}
