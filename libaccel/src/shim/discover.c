// SPDX-License-Identifier: MIT
/*
 * Device discovery: which /dev/accel nodes are Eyrie boards (the DRM
 * driver's name is "eyrie"), which shim drives a given name, and what
 * "auto" means.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include "core/internal.h"
#include "shim/shim.h"

#define MAX_NODES 64

struct node {
	char path[64];
	char driver[32];
	int open_errno;			/* why the node could not be opened */
	bool not_drm;			/* opened, but no DRM driver answers */
	unsigned int minor;
};

static bool have_kmd(void)
{
	return &eyr_shim_kmd_ops != NULL;
}

/* The DRM driver name of a node ("" with open_errno set if unreadable). */
static void probe_node(struct node *n)
{
	drmVersionPtr v;
	int fd;

	n->driver[0] = '\0';
	n->open_errno = 0;
	n->not_drm = false;
	fd = open(n->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		n->open_errno = errno;
		return;
	}
	v = drmGetVersion(fd);
	if (v) {
		snprintf(n->driver, sizeof(n->driver), "%.*s", v->name_len, v->name);
		drmFreeVersion(v);
	} else {
		n->not_drm = true;
	}
	close(fd);
}

static int cmp_minor(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return (x->minor > y->minor) - (x->minor < y->minor);
}

/* The accel* nodes in minor order; returns how many. */
static size_t scan(struct node *nodes, size_t max)
{
	DIR *dir = opendir(EYR_ACCEL_DIR);
	struct dirent *de;
	size_t n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		unsigned int minor;
		char tail;

		if (sscanf(de->d_name, "accel%u%c", &minor, &tail) != 1)
			continue;
		snprintf(nodes[n].path, sizeof(nodes[n].path), EYR_ACCEL_DIR "/%.40s",
			 de->d_name);
		nodes[n].minor = minor;
		n++;
	}
	closedir(dir);
	qsort(nodes, n, sizeof(nodes[0]), cmp_minor);
	for (size_t i = 0; i < n; i++)
		probe_node(&nodes[i]);
	return n;
}

int eyr_shim_lookup(const char *name, const struct eyr_shim_ops **ops)
{
	struct node n = { 0 };
	struct stat st;

	if (!name || !*name)
		return eyr_error(-EINVAL, "empty device name; use 'emu' or /dev/accel/accelN");
	if (!strcmp(name, "emu") || !strncmp(name, "emu:", 4)) {
		*ops = &eyr_shim_emu_ops;
		return 0;
	}
	if (name[0] != '/')
		return eyr_error(-EINVAL,
				 "unknown device '%s'; use 'emu' (or emu:rows=R,cols=C,...), a path like /dev/accel/accel0 or 'auto' (see `accelctl list`)",
				 name);
	if (stat(name, &st) < 0) {
		if (errno == EACCES)	/* a directory on the way is closed to us */
			return eyr_error(-EACCES, "cannot reach %s: %s; check the permissions of its directories (or run as root)",
					 name, strerror(errno));
		return eyr_error(-ENOENT, "device node %s: %s; `accelctl list` shows the devices present",
				 name, strerror(errno));
	}
	if (!S_ISCHR(st.st_mode))
		return eyr_error(-ENODEV, "%s is not a character device node", name);
	if (strlen(name) >= sizeof(n.path))
		return eyr_error(-ENAMETOOLONG, "device path '%s' is too long", name);
	memcpy(n.path, name, strlen(name) + 1);
	probe_node(&n);
	if (n.open_errno)
		return eyr_error(-n.open_errno,
				 "cannot open %s: %s (device nodes of the eyrie driver belong to the 'render' group; add yourself to it or run as root)",
				 name, strerror(n.open_errno));
	if (n.not_drm)
		return eyr_error(-ENODEV, "%s is not a DRM device node: not an Eyrie board", name);
	if (strcmp(n.driver, EYR_DRM_DRIVER_NAME))
		return eyr_error(-ENODEV,
				 "%s belongs to DRM driver '%s', not to '%s': not an Eyrie board",
				 name, n.driver, EYR_DRM_DRIVER_NAME);
	if (!have_kmd())
		return eyr_error(-EOPNOTSUPP,
				 "%s is an Eyrie board, but this libaccel was built without the kernel-driver (kmd) shim, so it can only drive the in-process emulated board; use -d emu",
				 name);
	*ops = &eyr_shim_kmd_ops;
	return 0;
}

static int resolve(const char *name, char *buf, size_t len, bool quiet)
{
	struct node nodes[MAX_NODES];
	size_t n;

	if (name && *name && strcmp(name, "auto")) {
		if ((size_t)snprintf(buf, len, "%s", name) >= len)
			return eyr_error(-ENAMETOOLONG, "device name '%s' is too long", name);
		return 0;
	}
	n = scan(nodes, MAX_NODES);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(nodes[i].driver, EYR_DRM_DRIVER_NAME))
			continue;
		if (have_kmd()) {
			snprintf(buf, len, "%s", nodes[i].path);
			return 0;
		}
		if (!quiet)
			eyr_warn("%s is an Eyrie board but this libaccel has no kmd shim; using the emulated board (emu)",
				 nodes[i].path);
		break;
	}
	snprintf(buf, len, "emu");
	return 0;
}

int eyr_shim_resolve_name(const char *name, char *buf, size_t len)
{
	return resolve(name, buf, len, false);
}

int eyr_shim_list(struct accel_device_entry *entries, size_t max,
		  size_t entry_sz)
{
	struct node nodes[MAX_NODES];
	struct accel_device_entry e;
	char dflt[64];
	size_t n, total = 0;

	if (max && (!entries || entry_sz == 0))
		return eyr_error(-EINVAL, "device list: NULL entries or zero entry size");
	resolve(NULL, dflt, sizeof(dflt), true);	/* the list says it itself */
	n = scan(nodes, MAX_NODES);
	for (size_t i = 0; i <= n; i++) {
		memset(&e, 0, sizeof(e));
		if (i < n) {
			bool eyrie = !strcmp(nodes[i].driver, EYR_DRM_DRIVER_NAME);

			snprintf(e.name, sizeof(e.name), "%s", nodes[i].path);
			snprintf(e.shim, sizeof(e.shim), "kmd");
			if (nodes[i].open_errno)
				snprintf(e.driver, sizeof(e.driver), "? (%s)",
					 strerror(nodes[i].open_errno));
			else if (nodes[i].not_drm)
				snprintf(e.driver, sizeof(e.driver), "? (not DRM)");
			else
				snprintf(e.driver, sizeof(e.driver), "%s", nodes[i].driver);
			e.is_eyrie = eyrie;
			e.usable = eyrie && have_kmd();
		} else {
			snprintf(e.name, sizeof(e.name), "emu");
			snprintf(e.shim, sizeof(e.shim), "emu");
			e.is_eyrie = true;
			e.usable = true;
		}
		e.is_default = !strcmp(e.name, dflt);
		if (total < max) {
			char *slot = (char *)entries + total * entry_sz;

			memset(slot, 0, entry_sz);
			memcpy(slot, &e, entry_sz < sizeof(e) ? entry_sz : sizeof(e));
		}
		total++;
	}
	return (int)total;
}
