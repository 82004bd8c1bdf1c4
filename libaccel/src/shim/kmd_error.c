// SPDX-License-Identifier: MIT
/*
 * kmd shim messages: what an errno from the eyrie driver means and what to
 * do about it (docs/uapi.md lists which ioctl returns which).
 */
#include <errno.h>
#include <string.h>

#include "core/internal.h"
#include "shim/kmd.h"

static const char *advice(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		return "the node belongs to the 'render' group (udev rule 70-eyrie.rules, docs/install.md): add yourself to it (usermod -aG render $USER, then log in again) or run as root";
	case -ENOENT:
		return "no such node: is the eyrie module loaded (lsmod | grep eyrie, modprobe eyrie)? `accelctl list` shows the devices present";
	case -ENXIO:
	case -ENODEV:
		return "the device has gone away (unbound, hot-unplugged or its probe failed): reopen it once the board is back (dmesg | grep eyrie says why)";
	case -ECANCELED:
		return "this handle's device context is banned after repeated job hangs (eyrie module parameter ban_threshold): close it and open the device again";
	case -EIO:
		return "the board is down after a failed recovery, or wedged (it did not acknowledge a RESET: bus mastering is off): an administrator can reset it again (accelctl reset), dmesg | grep eyrie says why";
	case -ENOMEM:
		return "the kernel is out of memory";
	case -ENOTTY:
		return "the node does not know this ioctl: the eyrie driver is too old for this libaccel (install the module of this release, docs/install.md)";
	default:
		return NULL;
	}
}

int eyr_kmd_error(const struct kmd_shim *k, int err, const char *what)
{
	const char *fix = advice(err);

	if (fix)
		return eyr_error(err, "kmd: %s on %s: %s; %s", what, k->path,
				 strerror(-err), fix);
	return eyr_error(err, "kmd: %s on %s: %s", what, k->path, strerror(-err));
}
