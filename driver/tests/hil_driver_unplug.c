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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"

static int tests, failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	failures += !ok;
	printf("%sok %d - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

struct bo {
	uint32_t handle;
	uint64_t addr, size;
	unsigned char *map;
};

static int bo_new(int fd, uint64_t size, struct bo *bo)
{
	struct drm_eyrie_bo_create c = { .size = size };
	struct drm_eyrie_bo_info i = { 0 };
	int ret = xioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);

	if (!ret) {
		i.handle = c.handle;
		ret = xioctl(fd, DRM_IOCTL_EYRIE_BO_INFO, &i);
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
	int ret = xioctl(fd, DRM_IOCTL_EYRIE_SUBMIT, &s);

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

/* Lines naming a kernel problem after the marker this program wrote. */
static int kernel_log_problems_since(const char *marker)
{
	int len = klogctl(10, NULL, 0), n, problems = 0;
	char *buf, *from, *line;

	if (len <= 0 || !(buf = calloc(1, (size_t)len + 1)))
		return -1;
	n = klogctl(3, buf, len);
	buf[n > 0 ? n : 0] = 0;
	/* The marker as written, without its newline. */
	from = memmem(buf, (size_t)(n > 0 ? n : 0), marker, strlen(marker) - 1);
	for (line = from ? strtok(from, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (strstr(line, "WARNING:") || strstr(line, "BUG:") || strstr(line, "Oops") ||
		    strstr(line, "Call Trace") || strstr(line, "not clean")) {
			printf("# kernel: %s\n", line);
			problems++;
		}
	free(buf);
	return from ? problems : -1;
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
	int fd, ok, i, ret;
	ssize_t n;
	FILE *host;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || xioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q)) {
		check(0, "open %s and QUERY DEVICE_INFO", node);
		printf("1..%d\n", tests);
		return 1;
	}
	if (!(info.caps & EYRIE_CAP_DEBUG_STALL) || !channel) {
		printf("ok 1 - hot-unplug # SKIP needs DEBUG_STALL and the HIL host channel\n1..1\n");
		return 0;
	}
	n = readlink("/sys/class/accel/accel0/device", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	snprintf(bdf, sizeof(bdf), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);

	ok = !bo_new(fd, 4096, &cmd) && !bo_new(fd, 1 << 20, &data);
	check(ok, "two buffers created and mapped (command buffer, 1 MiB of data)");
	if (!ok) {
		printf("1..%d\n", tests);
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
	check(ok, "a job stalls on the device with 8 more queued behind it");

	{
		int kmsg = open("/dev/kmsg", O_WRONLY);

		if (kmsg >= 0) {
			if (write(kmsg, marker, strlen(marker)) < 0)
				perror("/dev/kmsg");
			close(kmsg);
		}
	}
	host = fopen(channel, "w");
	ok = host && fprintf(host, "EYRIE-HIL-QMP {\"execute\":\"device_del\",\"arguments\":{\"id\":\"eyrie0\"}}\n") > 0;
	if (host)
		fclose(host);
	check(ok, "device_del eyrie0 requested through the host channel (%s)", channel);
	for (i = 0; i < 300 && !device_gone(bdf); i++)
		usleep(100000);
	check(device_gone(bdf), "the board %s left the PCI bus (%.1f s)", bdf, i / 10.0);

	w.seqno = seq;
	ret = xioctl(fd, DRM_IOCTL_EYRIE_WAIT, &w);
	check(ret == -ENODEV, "WAIT on the stalled job -> ENODEV (%s)", strerror(-ret));
	ret = submit(fd, cmd.addr + EYRIE_CMD_SIZE, &seq2);
	check(ret == -ENODEV, "SUBMIT -> ENODEV (%s)", strerror(-ret));
	ret = xioctl(fd, DRM_IOCTL_EYRIE_BO_CREATE, &c);
	check(ret == -ENODEV, "BO_CREATE -> ENODEV (%s)", strerror(-ret));
	ret = xioctl(fd, DRM_IOCTL_EYRIE_QUERY, &q);
	check(ret == -ENODEV, "QUERY -> ENODEV (%s)", strerror(-ret));
	ok = data.map[0] == 0x5a && data.map[data.size - 1] == 0x5a;
	memset(data.map, 0xa5, data.size);
	ok = ok && data.map[data.size / 2] == 0xa5;
	check(ok, "the mapped buffer keeps its contents and stays writable");
	munmap(data.map, data.size);
	munmap(cmd.map, cmd.size);
	check(close(fd) == 0, "closing the file after the board left");
	for (i = 0; i < 50 && !access(node, F_OK); i++)
		usleep(100000);
	check(access(node, F_OK) != 0, "%s is gone", node);
	usleep(500000);
	ret = kernel_log_problems_since(marker);
	check(ret == 0, "no kernel warning from the hot-unplug (%d)", ret);
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
