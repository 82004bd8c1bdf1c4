// SPDX-License-Identifier: MIT
/*
 * Synthetic load: one job of PASSES_PER_JOB identical row-stationary
 * convolutions (16 channels in and out, 16 x 16 maps, 3 x 3 filters) whose
 * operands are whatever the GLB holds; the results are never read. The
 * mapping fills the PE array as far as the device's description allows,
 * so the utilization is high and the heat is real.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telem_load.h"

#define LOAD_C		16u
#define LOAD_M		16u
#define LOAD_IN		16u
#define LOAD_K		3u
#define LOAD_OUT	(LOAD_IN - LOAD_K + 1u)
#define PASSES_PER_JOB	16u
#define LOAD_WAIT_MS	60000
#define LOAD_DEPTH	3	/* jobs in flight */

struct telem_load {
	struct accel_device *dev;
	struct accel_cmdbuf *cb;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool failed;
	atomic_ullong jobs;
	char error[512];
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The largest count <= want that divides total (at least 1). */
static uint32_t fitting_divisor(uint32_t total, uint32_t want)
{
	for (uint32_t d = min_u32(total, want); d > 1; d--)
		if (total % d == 0)
			return d;
	return 1;
}

int telem_load_build_job(struct accel_device *dev, struct accel_cmdbuf *cb)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_conv c = { .sz = sizeof(c) };
	uint32_t in_bytes = LOAD_C * LOAD_IN * LOAD_IN;
	uint32_t w_bytes = LOAD_M * LOAD_C * LOAD_K * LOAD_K;
	uint32_t psum_bytes = 4u * LOAD_M * LOAD_OUT * LOAD_OUT;
	uint32_t slots;
	int err = accel_device_info(dev, &info);

	if (err)
		return err;
	if (in_bytes + w_bytes + psum_bytes > info.glb_bytes ||
	    info.rf_ifmap_words < LOAD_K || info.rf_filter_words < LOAD_K ||
	    info.rf_psum_words < 1 || info.pe_rows < 1 || info.pe_cols < 1) {
		fprintf(stderr, "synthetic load: the device is too small (GLB %u bytes, RF %u/%u/%u words)\n",
			info.glb_bytes, info.rf_ifmap_words, info.rf_filter_words,
			info.rf_psum_words);
		return -EINVAL;
	}
	c.dataflow = ACCEL_DATAFLOW_RS;
	c.in_addr = 0;
	c.w_addr = in_bytes;
	c.psum_addr = (in_bytes + w_bytes + 3u) & ~3u;
	c.n = 1;
	c.c = LOAD_C;
	c.m = LOAD_M;
	c.groups = 1;
	c.in_h = c.in_w = LOAD_IN;
	c.out_h = c.out_w = LOAD_OUT;
	c.r = c.s = LOAD_K;
	c.stride_h = c.stride_w = c.dil_h = c.dil_w = 1;
	/* Row stationary: filter rows down the array, output rows across. */
	c.map.spatial_r = min_u32(LOAD_K, info.pe_rows);
	c.map.spatial_e = min_u32(LOAD_OUT, info.pe_cols);
	/* Replicate the row sets over output channels, on the mesh's grid of
	 * set-sized rectangles (docs/hardware.md 7.2). */
	slots = (info.pe_rows / c.map.spatial_r) * (info.pe_cols / c.map.spatial_e);
	c.map.sets_m = fitting_divisor(LOAD_M, slots);
	c.map.sets_c = 1;
	c.map.rf_m = 1;
	c.map.rf_c = 1;
	c.map.rf_n = 1;
	for (unsigned int i = 0; i < PASSES_PER_JOB; i++) {
		err = accel_cmdbuf_conv(cb, &c);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Fails the load with the library's message. */
static void load_failed(struct telem_load *l)
{
	snprintf(l->error, sizeof(l->error), "%s", accel_last_error());
	atomic_store(&l->failed, true);
}

/*
 * Keeps LOAD_DEPTH jobs queued, so the device goes from one job straight
 * to the next: the host's turnaround between jobs would otherwise count
 * as idle device time and water the load down.
 */
static void *load_thread(void *arg)
{
	struct telem_load *l = arg;
	struct accel_job *ring[LOAD_DEPTH] = { 0 };
	unsigned int head = 0;

	for (unsigned int i = 0; i < LOAD_DEPTH; i++)
		if (accel_job_submit(l->dev, l->cb, NULL, &ring[i])) {
			load_failed(l);
			goto drain;
		}
	while (!atomic_load(&l->stop)) {
		struct accel_job_result res = { .sz = sizeof(res) };

		if (accel_job_wait(ring[head], LOAD_WAIT_MS, &res)) {
			load_failed(l);
			break;
		}
		accel_job_free(ring[head]);
		ring[head] = NULL;
		atomic_fetch_add(&l->jobs, 1);
		if (accel_job_submit(l->dev, l->cb, NULL, &ring[head])) {
			load_failed(l);
			break;
		}
		head = (head + 1) % LOAD_DEPTH;
	}
drain:
	for (unsigned int i = 0; i < LOAD_DEPTH; i++) {
		if (!ring[i])
			continue;
		accel_job_wait(ring[i], LOAD_WAIT_MS, NULL);
		accel_job_free(ring[i]);
	}
	return NULL;
}

int telem_load_start(struct accel_device *dev, struct telem_load **out)
{
	struct telem_load *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->dev = dev;
	l->cb = accel_cmdbuf_new();
	if (!l->cb) {
		free(l);
		return -ENOMEM;
	}
	err = telem_load_build_job(dev, l->cb);
	if (!err)
		err = -pthread_create(&l->thread, NULL, load_thread, l);
	if (err) {
		accel_cmdbuf_free(l->cb);
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

bool telem_load_failed(struct telem_load *l)
{
	return atomic_load(&l->failed);
}

const char *telem_load_error(struct telem_load *l)
{
	return l->error;
}

uint64_t telem_load_jobs(struct telem_load *l)
{
	return atomic_load(&l->jobs);
}

void telem_load_stop(struct telem_load *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	accel_cmdbuf_free(l->cb);
	free(l);
}
