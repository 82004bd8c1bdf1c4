/* SPDX-License-Identifier: MIT */
/*
 * libaccel: the board behind a device handle -- the kernel driver and its
 * node, PCI identity and PCIe link, the firmware's log. What accelctl info
 * and accelctl fw show (docs/libaccel.md, "Board and firmware").
 *
 * Same conventions as accel/libaccel.h: sz first, negative errno returns
 * with accel_last_error() naming the cause and the fix.
 */
#ifndef ACCEL_BOARD_H
#define ACCEL_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

struct accel_board_info {
	size_t sz;
	char shim[8];			/* "emu" / "kmd" */
	char node[64];			/* kmd: /dev/accel/accelN; emu: "" */
	char driver[32];		/* kmd: kernel driver name; emu: "" */
	uint32_t uapi_version;		/* kmd: driver uAPI major << 16 | minor */
	uint64_t ctx_mem_limit;		/* kmd: buffer bytes one handle may map */
	/* PCI identity (kmd; the driver reports the address, libpci the rest) */
	bool has_pci;
	char pci_slot[16];		/* "0000:00:03.0" */
	uint16_t pci_vendor, pci_device;
	uint16_t pci_subsys_vendor, pci_subsys_device;
	uint8_t pci_revision;
	uint32_t pci_class;		/* 24-bit class code */
	char pci_name[128];		/* libpci's vendor/device names, or "" */
	/*
	 * PCI Express link, MT/s and lanes. has_link false: the function has
	 * no PCI Express capability (a conventional PCI device, such as
	 * QEMU's ivshmem on the emulated board).
	 */
	bool has_link;
	uint32_t link_speed_mts, link_width;
	uint32_t link_max_speed_mts, link_max_width;
	/* kmd: the driver's debugfs directory ("" if not readable here) */
	char debugfs[96];
};

/* Fills info (up to info->sz bytes). */
int accel_device_board_info(struct accel_device *dev,
			    struct accel_board_info *info);

/*
 * The firmware's log ring as text: copies the newest bytes that fit into
 * buf (at most len - 1, NUL-terminated) and returns how many, or a negative
 * errno. emu reads the control page's ring; kmd reads the driver's debugfs
 * file fw_log (root and a mounted debugfs needed: the message says so).
 */
int accel_device_fw_log(struct accel_device *dev, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_BOARD_H */
