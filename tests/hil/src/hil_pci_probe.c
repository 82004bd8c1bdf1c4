// SPDX-License-Identifier: MIT
/*
 * The board as PCI sees it, before any driver binds: the function's IDs,
 * BAR sizes, MSI-X table size, the control page through sysfs resource2,
 * and the doorbell path (BAR0 doorbell -> device -> mailbox done) rung from
 * userspace. Proves the VM, QEMU and eyrie-sim plumbing on its own.
 *
 *   hil_pci_probe            TAP on stdout
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "eyrie_hw.h"
#include "tap.h"

#define SYSFS_PCI "/sys/bus/pci/devices"
#define PCI_CAP_ID_MSIX 0x11

static unsigned long read_hex(const char *dev, const char *attr)
{
	char path[512];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Finds the board: FPGA IDs, or ivshmem whose BAR2 holds our magic. */
static int find_board(char *bdf, size_t len, unsigned long *vendor,
		      unsigned long *device)
{
	struct dirent *de;
	DIR *d = opendir(SYSFS_PCI);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		unsigned long v, p;

		if (de->d_name[0] == '.')
			continue;
		v = read_hex(de->d_name, "vendor");
		p = read_hex(de->d_name, "device");
		if ((v == EYRIE_PCI_VENDOR_IVSHMEM && p == EYRIE_PCI_DEVICE_IVSHMEM) ||
		    (v == EYRIE_PCI_VENDOR_FPGA && p == EYRIE_PCI_DEVICE_FPGA)) {
			snprintf(bdf, len, "%.*s", (int)len - 1, de->d_name);
			*vendor = v;
			*device = p;
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static int bar_size(const char *bdf, int bar, uint64_t *size)
{
	char path[512], line[256];
	unsigned long long start, end, flags;
	FILE *f;
	int i = 0, ok = 0;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (i++ != bar)
			continue;
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3 &&
		    end > start) {
			*size = end - start + 1;
			ok = 1;
		}
		break;
	}
	fclose(f);
	return ok ? 0 : -ENOENT;
}

/* Walks the config space capability list for MSI-X; returns its table size. */
static int msix_table_size(const char *bdf)
{
	char path[512];
	uint8_t cfg[256];
	ssize_t n;
	int fd, pos, guard = 48;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < 64 || !(cfg[6] & 0x10))	/* status: capability list */
		return -ENOENT;
	for (pos = cfg[0x34] & ~3; pos >= 0x40 && pos + 3 < n && guard--;
	     pos = cfg[pos + 1] & ~3)
		if (cfg[pos] == PCI_CAP_ID_MSIX)
			return ((cfg[pos + 2] | cfg[pos + 3] << 8) & 0x7ff) + 1;
	return -ENOENT;
}

static void *map_bar(const char *bdf, int bar, size_t size)
{
	char path[512];
	void *p;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/resource%d", bdf, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rings the admin doorbell with a PING and waits for the device's answer. */
static void check_doorbell_path(volatile uint32_t *bar0,
				volatile struct eyrie_hw_ctrl *ctrl)
{
	volatile struct eyrie_hw_mailbox *mb = (volatile void *)
		((volatile char *)ctrl + EYRIE_CTRL_OFF_MAILBOX);
	uint32_t seq = mb->done_seq + 1;
	int64_t deadline;

	mb->cmd = EYRIE_MBOX_PING;
	mb->arg0 = 0;
	mb->arg1 = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mb->seq = seq;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	bar0[EYRIE_BAR0_DOORBELL / 4] =
		EYRIE_DOORBELL_VALUE(ctrl->doorbell_peer, EYRIE_VECTOR_ADMIN);
	deadline = now_ms() + 5000;
	while (mb->done_seq != seq && now_ms() < deadline)
		usleep(1000);
	if (tap_ok(mb->done_seq == seq,
		   "doorbell: a PING rung through BAR0 is answered by the device (done_seq %u)",
		   seq))
		tap_diag("PING result %u, after %" PRId64 " ms", mb->result,
			 5000 - (deadline - now_ms()));
}

int main(void)
{
	unsigned long vendor = 0, device = 0;
	volatile struct eyrie_hw_ctrl *ctrl;
	volatile uint32_t *bar0;
	uint64_t size0 = 0, size2 = 0;
	char bdf[64];
	int vectors;

	if (!tap_ok(find_board(bdf, sizeof(bdf), &vendor, &device),
		    "PCI: an Eyrie board (1af4:1110 ivshmem or 10ee:e1e0) is present"))
		return tap_done();
	tap_diag("board at %s (%04lx:%04lx)", bdf, vendor, device);
	bar_size(bdf, 0, &size0);
	bar_size(bdf, 2, &size2);
	tap_ok(size0 >= EYRIE_BAR0_SIZE,
	       "PCI: BAR0 (doorbell block) is at least %u bytes (%" PRIu64 ")",
	       EYRIE_BAR0_SIZE, size0);
	tap_ok(size2 >= EYRIE_BAR2_MIN_SIZE && !(size2 & (size2 - 1)),
	       "PCI: BAR2 is a power of two of at least 4 MiB (%" PRIu64 " bytes)",
	       size2);
	vectors = msix_table_size(bdf);
	tap_ok(vectors == EYRIE_NUM_VECTORS,
	       "PCI: MSI-X table has %d vectors (got %d)", EYRIE_NUM_VECTORS,
	       vectors);

	ctrl = size2 ? map_bar(bdf, 2, EYRIE_CTRL_SIZE) : NULL;
	bar0 = size0 ? map_bar(bdf, 0, EYRIE_BAR0_SIZE) : NULL;
	if (!tap_ok(ctrl && bar0, "PCI: BAR0 and BAR2 map through sysfs")) {
		tap_diag("mmap of %s resource0/2 failed: %s (is a driver bound?)",
			 bdf, strerror(errno));
		return tap_done();
	}
	tap_ok(ctrl->magic == EYRIE_CTRL_MAGIC,
	       "BAR2: control page magic is EYRI (0x%08x)", ctrl->magic);
	tap_ok(ctrl->hw_version >> 16 == EYRIE_HW_VERSION_MAJOR,
	       "BAR2: hardware interface major version %u (0x%08x)",
	       EYRIE_HW_VERSION_MAJOR, ctrl->hw_version);
	tap_ok(ctrl->bar2_size == size2, "BAR2: bar2_size %u matches the BAR",
	       ctrl->bar2_size);
	tap_ok(ctrl->num_vectors == EYRIE_NUM_VECTORS,
	       "BAR2: num_vectors is %u", ctrl->num_vectors);
	tap_ok(ctrl->status == EYRIE_DEV_STATUS_RESET,
	       "BAR2: device waits for firmware (status RESET, got %u)",
	       ctrl->status);
	tap_ok(ctrl->desc.pe_rows && ctrl->desc.pe_cols && ctrl->desc.glb_bytes,
	       "BAR2: device description filled (%ux%u PEs, %u KiB GLB)",
	       ctrl->desc.pe_rows, ctrl->desc.pe_cols, ctrl->desc.glb_bytes >> 10);
	if (vendor == EYRIE_PCI_VENDOR_IVSHMEM)
		tap_ok(bar0[EYRIE_BAR0_IVPOSITION / 4] != ctrl->doorbell_peer,
		       "BAR0: our ivshmem peer id %u differs from the device's %u",
		       bar0[EYRIE_BAR0_IVPOSITION / 4], ctrl->doorbell_peer);
	check_doorbell_path(bar0, ctrl);
	return tap_done();
}
