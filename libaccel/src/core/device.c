// SPDX-License-Identifier: MIT
/*
 * Devices: open through the right shim, describe, reset, close; and the
 * pool of command-buffer BOs that jobs borrow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"

int accel_device_list(struct accel_device_entry *entries, size_t max,
		      size_t entry_sz)
{
	return eyr_shim_list(entries, max, entry_sz);
}

int accel_device_open(const char *name, const struct accel_device_opts *opts,
		      struct accel_device **out)
{
	const struct eyr_shim_ops *ops;
	struct accel_device *dev;
	char resolved[64];
	int err;

	if (!out)
		return eyr_error(-EINVAL, "accel_device_open: out pointer is NULL");
	*out = NULL;
	err = EYR_OPTS_CHECK(opts, accel_device_opts);
	if (err)
		return err;
	if (EYR_OPTS_GET(opts, emu_pe_rows, 0) > UINT16_MAX ||
	    EYR_OPTS_GET(opts, emu_pe_cols, 0) > UINT16_MAX)
		return eyr_error(-EINVAL, "emu array shape %ux%u: at most 65535 per side",
				 opts->emu_pe_rows, opts->emu_pe_cols);
	err = eyr_shim_resolve_name(name, resolved, sizeof(resolved));
	if (err)
		return err;
	err = eyr_shim_lookup(resolved, &ops);
	if (err)
		return err;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return eyr_error(-ENOMEM, "out of memory for a device handle");
	snprintf(dev->name, sizeof(dev->name), "%s", resolved);
	pthread_mutex_init(&dev->lock, NULL);
	err = ops->open(resolved, opts, &dev->shim);
	if (err)
		goto fail;
	err = dev->shim->ops->query(dev->shim, &dev->info);
	if (err) {
		dev->shim->ops->close(dev->shim);
		goto fail;
	}
	eyr_info("opened %s (%s shim): %ux%u PEs, %u KiB GLB, %u MHz",
		 dev->name, ops->name, dev->info.desc.pe_rows, dev->info.desc.pe_cols,
		 dev->info.desc.glb_bytes / 1024, dev->info.desc.clock_khz / 1000);
	*out = dev;
	return 0;
fail:
	pthread_mutex_destroy(&dev->lock);
	free(dev);
	return err;
}

void accel_device_close(struct accel_device *dev)
{
	if (!dev)
		return;
	/* Jobs first: nothing may still run on the buffers freed below. */
	dev->shim->ops->drain(dev->shim, EYR_CLOSE_DRAIN_MS);
	if (dev->jobs || dev->buffers)
		eyr_debug("%s: closing with jobs or buffers still alive; freeing them",
			  dev->name);
	while (dev->jobs)
		accel_job_free(dev->jobs);
	while (dev->buffers)
		accel_buffer_free(dev->buffers);
	while (dev->cmd_retired) {
		struct eyr_cmd_bo *c = dev->cmd_retired;

		dev->cmd_retired = c->next;
		dev->shim->ops->bo_free(dev->shim, c->bo);
		free(c);
	}
	for (unsigned int i = 0; i < EYR_CMD_POOL_CLASSES; i++) {
		while (dev->cmd_pool[i]) {
			struct eyr_cmd_bo *c = dev->cmd_pool[i];

			dev->cmd_pool[i] = c->next;
			dev->shim->ops->bo_free(dev->shim, c->bo);
			free(c);
		}
	}
	dev->shim->ops->close(dev->shim);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

const char *accel_device_name(const struct accel_device *dev)
{
	return dev ? dev->name : NULL;
}

const char *accel_device_shim(const struct accel_device *dev)
{
	return dev ? dev->shim->ops->name : NULL;
}

int eyr_device_hw_desc(struct accel_device *dev, struct eyrie_hw_desc *out)
{
	if (!dev || !out)
		return eyr_error(-EINVAL, "hw_desc: NULL device or output");
	*out = dev->info.desc;
	return 0;
}

int accel_device_info(struct accel_device *dev, struct accel_device_info *info)
{
	const struct eyrie_hw_desc *d;
	struct accel_device_info full;
	int err;

	if (!dev)
		return eyr_error(-EINVAL, "accel_device_info: device is NULL");
	err = eyr_out_check(info, info ? info->sz : 0, "accel_device_info");
	if (err)
		return err;
	d = &dev->info.desc;
	memset(&full, 0, sizeof(full));
	snprintf(full.name, sizeof(full.name), "%s", dev->name);
	snprintf(full.shim, sizeof(full.shim), "%s", dev->shim->ops->name);
	memcpy(full.board_serial, dev->info.board_serial, sizeof(dev->info.board_serial));
	full.hw_version = dev->info.hw_version;
	full.fw_version = dev->info.fw_version;
	full.fw_abi = dev->info.fw_abi;
	memcpy(full.fw_build_id, dev->info.fw_build_id, sizeof(full.fw_build_id));
	full.caps = dev->info.caps;
	full.num_queues = dev->info.num_queues;
	full.pe_rows = d->pe_rows;
	full.pe_cols = d->pe_cols;
	full.rf_ifmap_words = d->rf_ifmap_words;
	full.rf_filter_words = d->rf_filter_words;
	full.rf_psum_words = d->rf_psum_words;
	full.word_bits_act = d->word_bits_act;
	full.word_bits_psum = d->word_bits_psum;
	full.glb_bytes = d->glb_bytes;
	full.stream_bytes = d->stream_bytes;
	full.clock_khz = d->clock_khz;
	full.dram_bytes_per_cycle = d->dram_bytes_per_cycle;
	full.glb_bytes_per_cycle = d->glb_bytes_per_cycle;
	full.noc_words_per_cycle = d->noc_words_per_cycle;
	memcpy(full.energy_fj, d->energy_fj, sizeof(full.energy_fj));
	full.static_mw = d->static_mw;
	full.queue_max_entries = d->queue_max_entries;
	full.max_cmds_per_job = d->max_cmds_per_job;
	full.thermal_r_mc_per_w = d->thermal_r_mc_per_w;
	full.thermal_tau_ms = d->thermal_tau_ms;
	full.ambient_mc = d->ambient_mc;
	full.throttle_mc = d->throttle_mc;
	full.crit_mc = d->crit_mc;
	full.throttle_clock_khz = d->throttle_clock_khz;
	full.va_start = dev->info.va_start;
	full.va_size = dev->info.va_size;
	eyr_out_copy(info, info->sz, &full, sizeof(full));
	return 0;
}

int accel_device_reset(struct accel_device *dev)
{
	if (!dev)
		return eyr_error(-EINVAL, "accel_device_reset: device is NULL");
	eyr_info("%s: resetting the device", dev->name);
	return dev->shim->ops->reset(dev->shim);
}

int accel_telemetry_read(struct accel_device *dev, struct accel_telemetry *t)
{
	struct accel_telemetry full;
	int err;

	if (!dev)
		return eyr_error(-EINVAL, "accel_telemetry_read: device is NULL");
	err = eyr_out_check(t, t ? t->sz : 0, "accel_telemetry");
	if (err)
		return err;
	memset(&full, 0, sizeof(full));
	full.sz = sizeof(full);
	err = dev->shim->ops->telemetry_read(dev->shim, &full);
	if (err)
		return err;
	eyr_out_copy(t, t->sz, &full, sizeof(full));
	return 0;
}

/* ---- command-buffer BO pool ---- */

int eyr_cmd_bo_get(struct accel_device *dev, size_t bytes,
		   struct eyr_cmd_bo **out)
{
	size_t pages = (bytes + EYRIE_PAGE_SIZE - 1) / EYRIE_PAGE_SIZE;
	unsigned int cls = 0;
	struct eyr_cmd_bo *c = NULL;
	int err;

	while (((size_t)1 << cls) < pages)
		cls++;
	if (cls < EYR_CMD_POOL_CLASSES) {
		pthread_mutex_lock(&dev->lock);
		c = dev->cmd_pool[cls];
		if (c)
			dev->cmd_pool[cls] = c->next;
		pthread_mutex_unlock(&dev->lock);
		if (c) {
			*out = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return eyr_error(-ENOMEM, "out of memory for a command buffer");
	c->size_class = cls;
	err = dev->shim->ops->bo_alloc(dev->shim,
				       (uint64_t)EYRIE_PAGE_SIZE << cls,
				       EYR_BO_DEVICE_RO, &c->bo);
	if (err) {
		free(c);
		return eyr_error_wrap(err, "cannot allocate a %zu-byte command buffer",
				      bytes);
	}
	*out = c;
	return 0;
}

void eyr_cmd_bo_put(struct accel_device *dev, struct eyr_cmd_bo *c)
{
	if (!c)
		return;
	if (c->size_class >= EYR_CMD_POOL_CLASSES) {
		dev->shim->ops->bo_free(dev->shim, c->bo);
		free(c);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	c->next = dev->cmd_pool[c->size_class];
	dev->cmd_pool[c->size_class] = c;
	pthread_mutex_unlock(&dev->lock);
}
