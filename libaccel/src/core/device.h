/* SPDX-License-Identifier: MIT */
/*
 * The core's objects (private to libaccel/src/core/): device, buffer, job,
 * command buffer. Other parts use the public API and core/internal.h.
 */
#ifndef EYR_CORE_DEVICE_H
#define EYR_CORE_DEVICE_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/internal.h"
#include "shim/shim.h"

/* Command-buffer BOs are recycled by size class: 1, 2, 4, ... pages. */
#define EYR_CMD_POOL_CLASSES	12

struct eyr_cmd_bo {
	struct eyr_shim_bo *bo;
	unsigned int size_class;
	struct eyr_cmd_bo *next;
};

struct accel_device {
	struct eyr_shim *shim;
	char name[64];
	struct eyr_shim_info info;

	/* Buffers alive (for "every buffer" submits and for close). */
	pthread_mutex_t lock;
	struct accel_buffer *buffers;	/* doubly linked */
	size_t buffer_count;
	struct accel_job *jobs;		/* alive (not freed), doubly linked */
	struct eyr_cmd_bo *cmd_pool[EYR_CMD_POOL_CLASSES];
	/* Command BOs of jobs freed while running: kept until close. */
	struct eyr_cmd_bo *cmd_retired;
	atomic_ullong jobs_submitted;
};

struct accel_buffer {
	struct accel_device *dev;
	struct eyr_shim_bo *bo;
	struct accel_buffer *prev, *next;
};

struct accel_job {
	struct accel_device *dev;
	struct accel_job *prev, *next;
	struct eyr_shim_fence *fence;
	struct eyr_cmd_bo *cmd_bo;	/* returned to the pool once ended */
	uint32_t cmd_count;
	uint64_t serial;		/* for messages */
	pthread_mutex_t lock;
	bool ended;
	struct eyr_job_result result;
	/* The failing command, copied for the error message. */
	union eyrie_cmd err_cmd;
	bool has_err_cmd;
};

struct accel_cmdbuf {
	union eyrie_cmd *cmds;
	uint32_t count;
	uint32_t capacity;
};

/* How long closing a device waits for jobs before resetting it. */
#define EYR_CLOSE_DRAIN_MS	10000u

/* Command-BO pool (device.c). */
int eyr_cmd_bo_get(struct accel_device *dev, size_t bytes,
		   struct eyr_cmd_bo **out);
void eyr_cmd_bo_put(struct accel_device *dev, struct eyr_cmd_bo *cb);

#endif /* EYR_CORE_DEVICE_H */
