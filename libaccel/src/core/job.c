// SPDX-License-Identifier: MIT
/*
 * Jobs: a command buffer copied into a device-read-only BO, submitted
 * through the shim, waited for with a timeout; the result keeps the
 * device's status, error command index, cycles and energy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"

/* The buffers to hand to the shim (kmd pins them); caller frees. */
static int job_bos(struct accel_device *dev, const struct accel_submit_opts *opts,
		   struct eyr_shim_bo ***out, size_t *count)
{
	struct accel_buffer *const *bufs = EYR_OPTS_GET(opts, buffers, NULL);
	size_t n = EYR_OPTS_GET(opts, buffer_count, 0);
	struct eyr_shim_bo **bos;

	if (bufs) {
		bos = calloc(n ? n : 1, sizeof(*bos));
		if (!bos)
			return eyr_error(-ENOMEM, "out of memory for a job's buffer list");
		for (size_t i = 0; i < n; i++) {
			if (!bufs[i] || bufs[i]->dev != dev) {
				free(bos);
				return eyr_error(-EINVAL,
						 "submit: buffers[%zu] is %s", i,
						 bufs[i] ? "a buffer of another device" : "NULL");
			}
			bos[i] = bufs[i]->bo;
		}
		*out = bos;
		*count = n;
		return 0;
	}
	if (n)
		return eyr_error(-EINVAL, "submit: buffer_count is %zu but buffers is NULL", n);
	pthread_mutex_lock(&dev->lock);
	bos = calloc(dev->buffer_count ? dev->buffer_count : 1, sizeof(*bos));
	n = 0;
	if (bos)
		for (struct accel_buffer *b = dev->buffers; b; b = b->next)
			bos[n++] = b->bo;
	pthread_mutex_unlock(&dev->lock);
	if (!bos)
		return eyr_error(-ENOMEM, "out of memory for a job's buffer list");
	*out = bos;
	*count = n;
	return 0;
}

int accel_job_submit(struct accel_device *dev, struct accel_cmdbuf *cb,
		     const struct accel_submit_opts *opts, struct accel_job **out)
{
	struct eyr_shim_submit args = { 0 };
	struct eyr_shim_bo **bos = NULL;
	struct accel_job *job;
	size_t bytes;
	int err;

	if (!dev || !cb || !out)
		return eyr_error(-EINVAL, "accel_job_submit: NULL device, command buffer or out pointer");
	*out = NULL;
	err = EYR_OPTS_CHECK(opts, accel_submit_opts);
	if (err)
		return err;
	args.queue = EYR_OPTS_GET(opts, queue, ACCEL_QUEUE_NORMAL);
	if (args.queue >= dev->info.num_queues)
		return eyr_error(-EINVAL, "submit: queue %u does not exist; the device has %u (0 normal, 1 high)",
				 args.queue, dev->info.num_queues);
	if (cb->count == 0)
		return eyr_error(-EINVAL, "submit: the command buffer is empty");

	job = calloc(1, sizeof(*job));
	if (!job)
		return eyr_error(-ENOMEM, "out of memory for a job");
	job->dev = dev;
	job->cmd_count = cb->count;
	pthread_mutex_init(&job->lock, NULL);
	bytes = (size_t)cb->count * sizeof(union eyrie_cmd);
	err = eyr_cmd_bo_get(dev, bytes, &job->cmd_bo);
	if (err)
		goto fail;
	memcpy(job->cmd_bo->bo->cpu, cb->cmds, bytes);
	err = job_bos(dev, opts, &bos, &args.bo_count);
	if (err)
		goto fail;
	args.bos = bos;
	args.cmdbuf_addr = job->cmd_bo->bo->device_addr;
	args.cmd_count = cb->count;
	job->serial = atomic_fetch_add(&dev->jobs_submitted, 1) + 1;
	if (eyr_log_enabled(ACCEL_LOG_TRACE)) {
		char what[96];

		snprintf(what, sizeof(what), "%s: job %" PRIu64 " (queue %u, va 0x%" PRIx64 ")",
			 dev->name, job->serial, args.queue, args.cmdbuf_addr);
		eyr_cmds_trace(what, cb->cmds, cb->count);
	}
	err = dev->shim->ops->submit(dev->shim, &args, &job->fence);
	free(bos);
	if (err)
		goto fail;
	pthread_mutex_lock(&dev->lock);
	job->next = dev->jobs;
	if (dev->jobs)
		dev->jobs->prev = job;
	dev->jobs = job;
	pthread_mutex_unlock(&dev->lock);
	*out = job;
	return 0;
fail:
	eyr_cmd_bo_put(dev, job->cmd_bo);
	pthread_mutex_destroy(&job->lock);
	free(job);
	return err;
}

static int failure_message(struct accel_job *job)
{
	const struct eyr_job_result *r = &job->result;
	char cmd[384] = "";

	if (job->has_err_cmd) {
		int n = snprintf(cmd, sizeof(cmd), " at command %u (", r->err_cmd_index);

		eyr_cmd_describe(&job->err_cmd, cmd + n, sizeof(cmd) - (size_t)n - 1);
		strncat(cmd, ")", sizeof(cmd) - strlen(cmd) - 1);
	} else if (r->err_cmd_index != EYRIE_CMD_INDEX_NONE) {
		snprintf(cmd, sizeof(cmd), " at command %u", r->err_cmd_index);
	}
	return eyr_error(-EIO, "%s: job %" PRIu64 " failed: %s (status %u)%s, detail 0x%x",
			 job->dev->name, job->serial, accel_job_status_str((int)r->status),
			 r->status, cmd, r->err_detail);
}

int accel_job_wait(struct accel_job *job, int timeout_ms,
		   struct accel_job_result *res)
{
	struct accel_device *dev;
	struct eyr_job_result r;
	struct eyr_cmd_bo *done_bo = NULL;
	int err;

	if (!job)
		return eyr_error(-EINVAL, "accel_job_wait: job is NULL");
	if (res) {
		err = eyr_out_check(res, res->sz, "accel_job_result");
		if (err)
			return err;
	}
	dev = job->dev;
	err = dev->shim->ops->wait(dev->shim, job->fence,
				   timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000, &r);
	if (err == -ETIMEDOUT)
		return eyr_error(-ETIMEDOUT, "%s: job %" PRIu64 " still running after %d ms",
				 dev->name, job->serial, timeout_ms);
	if (err)
		return err;
	pthread_mutex_lock(&job->lock);
	if (!job->ended) {
		job->ended = true;
		job->result = r;
		if (r.status != EYRIE_JOB_OK && r.err_cmd_index < job->cmd_count) {
			memcpy(&job->err_cmd,
			       (const union eyrie_cmd *)job->cmd_bo->bo->cpu + r.err_cmd_index,
			       sizeof(job->err_cmd));
			job->has_err_cmd = true;
		}
		/* The device is done reading the commands: recycle their BO. */
		done_bo = job->cmd_bo;
		job->cmd_bo = NULL;
	}
	pthread_mutex_unlock(&job->lock);
	eyr_cmd_bo_put(dev, done_bo);
	if (res) {
		struct accel_job_result full = {
			.sz = sizeof(full),
			.status = (int)job->result.status,
			.err_cmd_index = job->result.err_cmd_index,
			.err_detail = job->result.err_detail,
			.cycles = job->result.cycles,
			.energy_fj = job->result.energy_fj,
			.start_ns = job->result.start_ns,
			.end_ns = job->result.end_ns,
		};

		eyr_out_copy(res, res->sz, &full, sizeof(full));
	}
	if (job->result.status != EYRIE_JOB_OK)
		return failure_message(job);
	return 0;
}

void accel_job_free(struct accel_job *job)
{
	struct accel_device *dev;

	if (!job)
		return;
	dev = job->dev;
	pthread_mutex_lock(&dev->lock);
	if (job->prev)
		job->prev->next = job->next;
	else
		dev->jobs = job->next;
	if (job->next)
		job->next->prev = job->prev;
	if (job->cmd_bo) {
		/* Maybe still running: the device may read it; keep it to close. */
		job->cmd_bo->next = dev->cmd_retired;
		dev->cmd_retired = job->cmd_bo;
	}
	pthread_mutex_unlock(&dev->lock);
	dev->shim->ops->fence_free(dev->shim, job->fence);
	pthread_mutex_destroy(&job->lock);
	free(job);
}

int accel_job_run(struct accel_device *dev, struct accel_cmdbuf *cb,
		  const struct accel_submit_opts *opts, int timeout_ms,
		  struct accel_job_result *res)
{
	struct accel_job *job;
	int err;

	err = accel_job_submit(dev, cb, opts, &job);
	if (err)
		return err;
	err = accel_job_wait(job, timeout_ms, res);
	accel_job_free(job);
	return err;
}
