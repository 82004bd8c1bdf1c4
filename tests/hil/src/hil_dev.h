/* SPDX-License-Identifier: MIT */
/*
 * Raw-ioctl helpers shared by the HIL test programs: open the board's node,
 * wrap each Eyrie ioctl, create/map buffers, build small command buffers.
 * Every helper returns 0 or -errno, so tests can check exact error codes.
 */
#ifndef EYRIE_HIL_DEV_H
#define EYRIE_HIL_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "drm/eyrie_accel.h"
#include "eyrie_hw.h"

/* Opens the first /dev/accel/accel* bound to the eyrie driver, or -errno. */
int hil_open(void);

/* ioctl with EINTR/EAGAIN retry; returns 0 or -errno (errno also set). */
int hil_ioctl(int fd, unsigned long req, void *arg);

struct hil_bo {
	uint32_t handle;
	uint64_t size;
	uint64_t va;
	void *cpu;		/* mmap of the whole BO, or NULL */
};

int hil_query(int fd, uint32_t type, void *out, uint32_t size);
int hil_bo_create(int fd, uint64_t size, uint32_t flags, struct hil_bo *bo);
int hil_bo_map(int fd, struct hil_bo *bo);
int hil_bo_close(int fd, struct hil_bo *bo);	/* unmaps too */
int hil_gem_close(int fd, uint32_t handle);

/* Submits cmd_count commands at va; returns 0 or -errno, *seqno set. */
int hil_submit(int fd, uint64_t va, uint32_t cmd_count, uint32_t queue,
	       const uint32_t *bos, uint32_t bo_count, const uint32_t *in_syncs,
	       uint32_t in_count, uint32_t out_sync, uint64_t *seqno);
int hil_wait(int fd, uint64_t seqno, int64_t timeout_ns,
	     struct drm_eyrie_wait *out);

/* The number after "key:" in /sys/kernel/debug/accel/BDF/FILE, or -1. */
long hil_debugfs_value(const char *bdf, const char *file, const char *key);

/* Drops to uid/gid 65534 with no supplementary group: 0 or -1. */
int hil_drop_privileges(void);

/*
 * Resets the device behind fd through its debugfs file
 * (/sys/kernel/debug/accel/<PCI slot>/reset; root): 0 or -errno.
 */
int hil_reset(int fd);

/* The ioctl number RESET had before it moved to debugfs (uAPI 1.0). */
#define HIL_IOCTL_FORMER_RESET \
	DRM_IOWR(DRM_COMMAND_BASE + 0x05, struct { __u32 flags; __u32 pad; })

/* Command encoders into a 128-byte slot. */
void hil_cmd_nop(union eyrie_cmd *c);
void hil_cmd_barrier(union eyrie_cmd *c);
void hil_cmd_timestamp(union eyrie_cmd *c, uint64_t va);
/* A 1-D DMA of len bytes between DRAM va and local address glb. */
void hil_cmd_dma(union eyrie_cmd *c, uint8_t opcode, uint64_t va,
		 uint32_t glb, uint32_t len);

/* CLOCK_MONOTONIC in seconds, for timing cases and bench figures. */
double hil_now_s(void);

/* 64-bit FNV-1a, for comparing outputs with the host emulation. */
uint64_t hil_fnv1a(uint64_t h, const void *data, size_t len);
#define HIL_FNV_INIT 0xcbf29ce484222325ull

#endif /* EYRIE_HIL_DEV_H */
