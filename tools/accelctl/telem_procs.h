/* SPDX-License-Identifier: MIT */
/*
 * Per-process accelerator usage from the DRM fdinfo of every process
 * (Documentation/gpu/drm-usage-stats.rst): the eyrie driver prints, per
 * open file (one device context), drm-engine-<queue> busy time and its own
 * eyrie-energy (fJ) and eyrie-jobs-completed keys. Files that share a
 * drm-client-id (dup'd descriptors) count once.
 */
#ifndef ACCELCTL_TELEM_PROCS_H
#define ACCELCTL_TELEM_PROCS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct telem_client {
	int pid;
	char comm[32];
	char pdev[64];			/* drm-pdev (PCI address), "" if none */
	uint64_t client_id;
	uint64_t engine_ns;		/* sum of drm-engine-* */
	uint64_t energy_fj;		/* eyrie-energy */
	uint64_t jobs_completed;	/* eyrie-jobs-completed */
};

/*
 * Parses one fdinfo file's text; returns 1 and fills c (pid and comm
 * untouched) if it is an eyrie DRM client, else 0.
 */
int telem_fdinfo_parse(FILE *f, struct telem_client *c);

/*
 * Scans /proc (proc_root, for tests: a directory laid out like /proc) for
 * eyrie clients. *out is malloc'ed (free it); returns the count or -errno.
 * Processes this user may not inspect are skipped.
 */
int telem_clients_scan(const char *proc_root, struct telem_client **out);

#endif /* ACCELCTL_TELEM_PROCS_H */
