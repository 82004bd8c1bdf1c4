/* SPDX-License-Identifier: MIT */
/*
 * The kmd shim's parts (private to libaccel/src/shim/kmd*.c): the shim
 * object, errno-to-advice messages and the PCI side (libpci).
 */
#ifndef EYR_SHIM_KMD_H
#define EYR_SHIM_KMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "accel/board.h"
#include "drm/eyrie_accel.h"
#include "shim/shim.h"

/*
 * The driver keeps the results of a context's last job_records jobs
 * (DEVICE_INFO; its record ring, docs/uapi.md): WAIT on an older seqno says
 * ENOENT. The shim collects every result before its record can be reused,
 * so it never lets more than half of them of one handle go uncollected;
 * submit blocks on the oldest beyond it (as a full ring does on emu). This
 * is the bound for a driver that predates job_records (1024 records).
 */
#define KMD_MAX_UNCOLLECTED	512u

struct eyr_shim_fence {
	uint64_t seqno;
	uint32_t syncobj;		/* signalled when the job ends */
	bool ended;			/* result collected */
	/* Owner, list membership, waiters inside collect_oldest/drain. */
	unsigned int refs;
	struct eyr_job_result result;
	struct eyr_shim_fence *next;	/* uncollected list, seqno order */
};

/* A buffer: the shim's view plus the list of this handle's buffers. */
struct kmd_bo {
	struct eyr_shim_bo bo;
	struct kmd_bo *prev, *next;
};

struct kmd_shim {
	struct eyr_shim base;
	int fd;
	char path[64];
	struct drm_eyrie_device_info info;
	/* Uncollected fences (seqno order), their count; under lock. */
	pthread_mutex_t lock;
	struct eyr_shim_fence *head, **tail;
	unsigned int uncollected;
	/* Live buffers (a PRIME import of one of them is refused); under lock. */
	struct kmd_bo *bos;
	/* Submits are serialized so seqnos and the list agree. */
	pthread_mutex_t submit_lock;
};

/*
 * Raises the message for a failed ioctl: "kmd: WHAT on PATH: strerror" and
 * what errno means for this driver (permissions, a banned context, a device
 * that is down or gone, memory limits). Returns err.
 */
int eyr_kmd_error(const struct kmd_shim *k, int err, const char *what);

/* ioctl on the node with EINTR/EAGAIN retry: 0 or -errno. */
int eyr_kmd_ioctl(const struct kmd_shim *k, unsigned long req, void *arg);

/*
 * Bus identity and PCIe link of the board at domain:bus:dev.func through
 * libpci (kmd_pci.c): fills the pci and link fields of out (has_pci false
 * with a debug message if libpci cannot see the device).
 */
void eyr_kmd_pci_fill(uint32_t domain, uint8_t bus, uint8_t dev, uint8_t func,
		      struct accel_board_info *out);

/* "0000:00:03.0": the PCI slot name DRM names debugfs directories after. */
void eyr_kmd_slot_name(const struct drm_eyrie_device_info *info, char *buf,
		       size_t len);

#endif /* EYR_SHIM_KMD_H */
