// SPDX-License-Identifier: MIT
/* accelctl: board lines shared by info and fw (see board.h). */
#include <stdio.h>

#include "board.h"

void accelctl_board_read(struct accel_device *dev, struct accel_board_info *b)
{
	b->sz = sizeof(*b);
	if (accel_device_board_info(dev, b)) {
		fprintf(stderr, "accelctl: warning: no board information: %s\n",
			accel_last_error());
		b->sz = 0;
	}
}

static double gts(uint32_t mts)
{
	return mts / 1000.0;
}

void accelctl_board_text(const struct accel_board_info *b)
{
	if (!b->sz || !b->node[0])
		return;
	printf("driver:      %s on %s, uAPI %u.%u, buffer memory limit %.0f MiB per handle\n",
	       b->driver, b->node, b->uapi_version >> 16, b->uapi_version & 0xffff,
	       b->ctx_mem_limit / 1048576.0);
	if (b->has_pci)
		printf("PCI:         %s [%04x:%04x] subsystem [%04x:%04x] rev %02x class %06x%s%s\n",
		       b->pci_slot, b->pci_vendor, b->pci_device, b->pci_subsys_vendor,
		       b->pci_subsys_device, b->pci_revision, b->pci_class,
		       b->pci_name[0] ? " " : "", b->pci_name);
	if (b->has_link)
		printf("link:        PCIe %.1f GT/s x%u (capable of %.1f GT/s x%u)%s\n",
		       gts(b->link_speed_mts), b->link_width,
		       gts(b->link_max_speed_mts), b->link_max_width,
		       b->link_speed_mts < b->link_max_speed_mts ||
		       b->link_width < b->link_max_width ? ", downgraded" : "");
	else if (b->has_pci)
		printf("link:        no PCI Express capability (a conventional PCI function)\n");
	if (b->debugfs[0])
		printf("debugfs:     %s\n", b->debugfs);
}

void accelctl_board_json(struct json *j, const struct accel_board_info *b)
{
	if (!b->sz) {
		json_null(j, "board");
		return;
	}
	json_object_begin(j, "board");
	json_string(j, "shim", b->shim);
	json_string(j, "node", b->node);
	json_string(j, "driver", b->driver);
	json_u64(j, "uapi_version_major", b->uapi_version >> 16);
	json_u64(j, "uapi_version_minor", b->uapi_version & 0xffff);
	json_u64(j, "ctx_mem_limit", b->ctx_mem_limit);
	if (b->has_pci) {
		json_object_begin(j, "pci");
		json_string(j, "slot", b->pci_slot);
		json_u64(j, "vendor", b->pci_vendor);
		json_u64(j, "device", b->pci_device);
		json_u64(j, "subsystem_vendor", b->pci_subsys_vendor);
		json_u64(j, "subsystem_device", b->pci_subsys_device);
		json_u64(j, "revision", b->pci_revision);
		json_u64(j, "class", b->pci_class);
		json_string(j, "name", b->pci_name);
		json_object_end(j);
	} else {
		json_null(j, "pci");
	}
	if (b->has_link) {
		json_object_begin(j, "link");
		json_u64(j, "speed_mts", b->link_speed_mts);
		json_u64(j, "width", b->link_width);
		json_u64(j, "max_speed_mts", b->link_max_speed_mts);
		json_u64(j, "max_width", b->link_max_width);
		json_object_end(j);
	} else {
		json_null(j, "link");
	}
	json_string(j, "debugfs", b->debugfs);
	json_object_end(j);
}
