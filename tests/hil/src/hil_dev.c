// SPDX-License-Identifier: MIT
#include "hil_dev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int is_eyrie(const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/accel/%s/device/driver", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return !strcmp(basename(target), "eyrie");
}

int hil_open(void)
{
	struct dirent *de;
	DIR *d = opendir("/sys/class/accel");
	char path[PATH_MAX];
	int fd = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "accel", 5) || !is_eyrie(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/dev/accel/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(d);
	return fd;
}

int hil_ioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do {
		rc = ioctl(fd, req, arg);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

int hil_query(int fd, uint32_t type, void *out, uint32_t size)
{
	struct drm_eyrie_query q = {
		.type = type, .size = size, .ptr = (uintptr_t)out,
	};

	return hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q);
}

int hil_bo_create(int fd, uint64_t size, uint32_t flags, struct hil_bo *bo)
{
	struct drm_eyrie_bo_create c = { .size = size, .flags = flags };
	int rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);

	memset(bo, 0, sizeof(*bo));
	if (rc)
		return rc;
	bo->handle = c.handle;
	bo->va = c.device_addr;
	bo->size = (size + EYRIE_PAGE_SIZE - 1) & ~(uint64_t)(EYRIE_PAGE_SIZE - 1);
	return 0;
}

int hil_bo_map(int fd, struct hil_bo *bo)
{
	struct drm_eyrie_bo_info info = { .handle = bo->handle };
	void *p;
	int rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &info);

	if (rc)
		return rc;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	bo->cpu = p;
	bo->size = info.size;
	return 0;
}

int hil_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return hil_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int hil_bo_close(int fd, struct hil_bo *bo)
{
	if (bo->cpu)
		munmap(bo->cpu, bo->size);
	bo->cpu = NULL;
	return hil_gem_close(fd, bo->handle);
}

int hil_submit(int fd, uint64_t va, uint32_t cmd_count, uint32_t queue,
	       const uint32_t *bos, uint32_t bo_count, const uint32_t *in_syncs,
	       uint32_t in_count, uint32_t out_sync, uint64_t *seqno)
{
	struct drm_eyrie_submit s = {
		.cmdbuf_addr = va, .cmd_count = cmd_count, .queue = queue,
		.bo_handles = (uintptr_t)bos, .bo_count = bo_count,
		.in_syncobjs = (uintptr_t)in_syncs, .in_syncobj_count = in_count,
		.out_syncobj = out_sync,
	};
	int rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

	if (!rc && seqno)
		*seqno = s.seqno;
	return rc;
}

int hil_wait(int fd, uint64_t seqno, int64_t timeout_ns,
	     struct drm_eyrie_wait *out)
{
	struct drm_eyrie_wait w = { .seqno = seqno, .timeout_ns = timeout_ns };
	int rc = hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w);

	if (out)
		*out = w;
	return rc;
}

void hil_cmd_nop(union eyrie_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = EYRIE_OP_NOP;
}

void hil_cmd_barrier(union eyrie_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = EYRIE_OP_BARRIER;
}

void hil_cmd_timestamp(union eyrie_cmd *c, uint64_t va)
{
	memset(c, 0, sizeof(*c));
	c->write.hdr.opcode = EYRIE_OP_TIMESTAMP;
	c->write.dram_addr = va;
}

void hil_cmd_dma(union eyrie_cmd *c, uint8_t opcode, uint64_t va,
		 uint32_t glb, uint32_t len)
{
	memset(c, 0, sizeof(*c));
	c->dma.hdr.opcode = opcode;
	c->dma.dram_addr = va;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = 1;
	c->dma.count[0] = len;
	c->dma.dram_stride[0] = 1;
	c->dma.glb_stride[0] = 1;
	for (int i = 1; i < EYRIE_DMA_MAX_DIMS; i++)
		c->dma.count[i] = 1;
}

uint64_t hil_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

double hil_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int hil_reset(int fd)
{
	struct drm_eyrie_device_info info = { 0 };
	char path[128];
	int rc = hil_query(fd, DRM_EYRIE_QUERY_DEVICE_INFO, &info, sizeof(info)), f;

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%04x:%02x:%02x.%x/reset",
		 info.pci_domain & 0xffff, info.pci_bus, info.pci_dev & 0x1f, info.pci_func & 7);
	f = open(path, O_WRONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	rc = write(f, "1\n", 2) < 0 ? -errno : 0;
	close(f);
	return rc;
}

long hil_debugfs_value(const char *bdf, const char *file, const char *key)
{
	char path[512], line[512];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/%s", bdf, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

int hil_drop_privileges(void)
{
	gid_t gid = 65534;

	return setgroups(1, &gid) || setgid(gid) || setuid(65534) ? -1 : 0;
}
