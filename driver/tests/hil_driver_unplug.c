// SPDX-License-Identifier: GPL-2.0-only
/*
 * hil_driver_unplug: the board is hot-unplugged (QEMU device_del through the
 * PCIe root port, requested over the HIL host channel) while a process holds
 * mapped buffers and a job stalls on the device. The process must get
 * ENODEV from every ioctl, keep its mapped memory, close cleanly, and the
 * kernel log must stay clean; the suite then unloads the module. Run by the
 * "hotunplug" boot of tests/hil/run-hil.sh, alone, since the board is gone
 * afterwards. Needs EYRIE_CAP_DEBUG_STALL for the stalled job. Prints TAP.
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
#include "hil_klog.h"
#include "tap.h"

struct bo {
	uint32_t handle;
	uint64_t addr, size;
	unsigned char *map;
};

static int bo_new(int fd, uint64_t size, struct bo *bo)
{
	struct drm_eyrie_bo_create c = { .size = size };
	struct drm_eyrie_bo_info i = { 0 };
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);

	if (!ret) {
		i.handle = c.handle;
		ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i);
	}
	if (ret)
		return ret;
	bo->handle = c.handle;
	bo->addr = c.device_addr;
	bo->size = i.size;
	bo->map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)i.mmap_offset);
	return bo->map == MAP_FAILED ? -errno : 0;
}

static int submit(int fd, uint64_t addr, uint64_t *seq)
{
	struct drm_eyrie_submit s = { .cmdbuf_addr = addr, .cmd_count = 1 };
	int ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

	*seq = s.seqno;
	return ret;
}

static int device_gone(const char *bdf)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return stat(path, &st) != 0;
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/accel/accel0";
	const char *channel = getenv("HIL_HOST_CHANNEL");
	const char *marker = "eyrie-hil: hot-unplug with a job in flight\n";
	struct drm_eyrie_device_info info = { 0 };
	struct drm_eyrie_query q = { .type = DRM_EYRIE_QUERY_DEVICE_INFO, .size = sizeof(info),
				     .ptr = (uintptr_t)&info };
	struct drm_eyrie_bo_create c = { .size = 4096 };
	struct drm_eyrie_wait w = { .timeout_ns = 30ll * 1000 * 1000 * 1000 };
	char link[256], bdf[256];
	struct bo cmd, data;
	union eyrie_cmd *cmds;
	uint64_t seq = 0, seq2;
	unsigned int contexts = 0, tables = 0, buffers = 0;
	char line[512];
	int fd, ok, i, ret;
	ssize_t n;
	FILE *host;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q)) {
		tap_ok(0, "open %s and QUERY DEVICE_INFO", node);
		tap_done();
		return 1;
	}
	if (!(info.caps & EYRIE_CAP_DEBUG_STALL) || !channel) {
		tap_skip("needs DEBUG_STALL and the HIL host channel", "hot-unplug");
		return tap_done();
	}
	n = readlink("/sys/class/accel/accel0/device", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	snprintf(bdf, sizeof(bdf), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);

	ok = !bo_new(fd, 4096, &cmd) && !bo_new(fd, 1 << 20, &data);
	tap_ok(ok, "two buffers created and mapped (command buffer, 1 MiB of data)");
	if (!ok) {
		tap_done();
		return 1;
	}
	cmds = (union eyrie_cmd *)cmd.map;
	memset(cmds, 0, 4096);
	cmds[0].stall.hdr.opcode = EYRIE_OP_STALL;
	cmds[0].stall.usec = 0xffffffffu;
	cmds[1].hdr.opcode = EYRIE_OP_NOP;
	memset(data.map, 0x5a, data.size);
	ok = !submit(fd, cmd.addr, &seq);
	for (i = 0; ok && i < 8; i++)
		ok = !submit(fd, cmd.addr + EYRIE_CMD_SIZE, &seq2);
	tap_ok(ok, "a job stalls on the device with 8 more queued behind it");

	hil_klog_mark(marker);
	host = fopen(channel, "w");
	ok = host && fprintf(host, "EYRIE-HIL-QMP {\"execute\":\"device_del\",\"arguments\":{\"id\":\"eyrie0\"}}\n") > 0;
	if (host)
		fclose(host);
	tap_ok(ok, "device_del eyrie0 requested through the host channel (%s)", channel);
	for (i = 0; i < 300 && !device_gone(bdf); i++)
		usleep(100000);
	tap_ok(device_gone(bdf), "the board %s left the PCI bus (%.1f s)", bdf, i / 10.0);

	/*
	 * The file is still open, with its two buffers mapped by the device:
	 * removal must have given back the device's DMA memory (page tables,
	 * buffer mappings) itself, not left it to the close (the DMA API
	 * debug of check-debug reports what a driver keeps past removal).
	 */
	ret = hil_klog_find_since(marker, "removed with", line, sizeof(line));
	ok = ret == 1 && sscanf(strstr(line, "removed with"),
				"removed with %u open contexts: freed %u page-table pages, unmapped %u buffers",
				&contexts, &tables, &buffers) == 3;
	tap_ok(ok && contexts >= 1 && tables >= 3 && buffers >= 2,
	       "removal freed the open context's page tables and unmapped its 2 buffers (%s)",
	       ret == 1 ? strstr(line, "removed with") : "no such log line");

	w.seqno = seq;
	ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w);
	tap_ok(ret == -ENODEV, "WAIT on the stalled job -> ENODEV (%s)", strerror(-ret));
	ret = submit(fd, cmd.addr + EYRIE_CMD_SIZE, &seq2);
	tap_ok(ret == -ENODEV, "SUBMIT -> ENODEV (%s)", strerror(-ret));
	ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);
	tap_ok(ret == -ENODEV, "BO_CREATE -> ENODEV (%s)", strerror(-ret));
	ret = hil_ioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q);
	tap_ok(ret == -ENODEV, "QUERY -> ENODEV (%s)", strerror(-ret));
	ok = data.map[0] == 0x5a && data.map[data.size - 1] == 0x5a;
	memset(data.map, 0xa5, data.size);
	ok = ok && data.map[data.size / 2] == 0xa5;
	tap_ok(ok, "the mapped buffer keeps its contents and stays writable");
	munmap(data.map, data.size);
	munmap(cmd.map, cmd.size);
	tap_ok(close(fd) == 0, "closing the file after the board left");
	for (i = 0; i < 50 && !access(node, F_OK); i++)
		usleep(100000);
	tap_ok(access(node, F_OK) != 0, "%s is gone", node);
	usleep(500000);
	ret = hil_klog_problems_since(marker);
	tap_ok(ret == 0, "no kernel warning from the hot-unplug (%d)", ret);
	return tap_done();
}
