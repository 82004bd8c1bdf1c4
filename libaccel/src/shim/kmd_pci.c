// SPDX-License-Identifier: MIT
/*
 * kmd shim, PCI side: the board's identity and PCIe link through libpci.
 * The driver names the function's address (QUERY DEVICE_INFO); libpci reads
 * its config space through sysfs, which any user may read for the standard
 * header and capability list. libpci's fatal-error hook must not return,
 * so it jumps back here and the fields stay unknown.
 */
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "shim/kmd.h"

static _Thread_local jmp_buf *pci_escape;
static _Thread_local char pci_msg[256];

static __attribute__((noreturn)) void pci_fatal(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_msg, sizeof(pci_msg), msg, ap);
	va_end(ap);
	longjmp(*pci_escape, 1);
}

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

/* PCIe speed encodings (Link Capabilities / Status) in MT/s. */
static uint32_t speed_mts(unsigned int code)
{
	static const uint32_t mts[] = { 0, 2500, 5000, 8000, 16000, 32000, 64000 };

	return code < sizeof(mts) / sizeof(mts[0]) ? mts[code] : 0;
}

static void fill(struct pci_access *acc, struct pci_dev *d,
		 struct accel_board_info *out)
{
	struct pci_cap *exp;
	char name[128];

	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CAPS |
		      PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS);
	out->pci_vendor = d->vendor_id;
	out->pci_device = d->device_id;
	out->pci_subsys_vendor = d->subsys_vendor_id;
	out->pci_subsys_device = d->subsys_id;
	out->pci_revision = d->rev_id;
	out->pci_class = (uint32_t)d->device_class << 8 | d->prog_if;
	if (pci_lookup_name(acc, name, sizeof(name),
			    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
			    d->vendor_id, d->device_id))
		snprintf(out->pci_name, sizeof(out->pci_name), "%s", name);

	exp = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (exp) {
		uint32_t cap = pci_read_long(d, (int)exp->addr + PCI_EXP_LNKCAP);
		uint16_t sta = pci_read_word(d, (int)exp->addr + PCI_EXP_LNKSTA);

		out->has_link = true;
		out->link_max_speed_mts = speed_mts(cap & PCI_EXP_LNKCAP_SPEED);
		out->link_max_width = (cap & PCI_EXP_LNKCAP_WIDTH) >> 4;
		out->link_speed_mts = speed_mts(sta & PCI_EXP_LNKSTA_SPEED);
		out->link_width = (sta & PCI_EXP_LNKSTA_WIDTH) >> 4;
	}
}

void eyr_kmd_pci_fill(uint32_t domain, uint8_t bus, uint8_t dev, uint8_t func,
		      struct accel_board_info *out)
{
	struct pci_access *volatile acc = pci_alloc();
	struct pci_dev *volatile d = NULL;
	jmp_buf escape;

	if (!acc) {
		eyr_debug("kmd: libpci: out of memory");
		return;
	}
	acc->error = pci_fatal;
	acc->warning = pci_quiet;
	acc->debug = pci_quiet;
	pci_escape = &escape;
	if (setjmp(escape)) {
		eyr_debug("kmd: libpci cannot read %04x:%02x:%02x.%x: %s", domain,
			  bus, dev, func, pci_msg);
	} else {
		pci_init(acc);
		d = pci_get_dev(acc, (int)domain, bus, dev, func);
		if (d)
			fill(acc, d, out);
	}
	if (d)
		pci_free_dev(d);
	pci_cleanup(acc);
	pci_escape = NULL;
}
