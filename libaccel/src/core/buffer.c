// SPDX-License-Identifier: MIT
/* Buffers: host memory mapped into the device context's MMU. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/device.h"

int accel_buffer_create(struct accel_device *dev, size_t size,
			const struct accel_buffer_opts *opts,
			struct accel_buffer **out)
{
	uint32_t flags = EYR_OPTS_GET(opts, flags, 0);
	struct accel_buffer *buf;
	int err;

	if (!dev || !out)
		return eyr_error(-EINVAL, "accel_buffer_create: NULL device or out pointer");
	*out = NULL;
	err = EYR_OPTS_CHECK(opts, accel_buffer_opts);
	if (err)
		return err;
	if (flags & ~ACCEL_BUFFER_DEVICE_RO)
		return eyr_error(-EINVAL, "accel_buffer_create: unknown flags 0x%x",
				 flags & ~ACCEL_BUFFER_DEVICE_RO);
	if (size == 0)
		return eyr_error(-EINVAL, "accel_buffer_create: size is 0");
	if (size > dev->info.va_size)
		return eyr_error(-E2BIG,
				 "accel_buffer_create: %zu bytes exceed the device address space (%llu bytes)",
				 size, (unsigned long long)dev->info.va_size);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return eyr_error(-ENOMEM, "out of memory for a buffer handle");
	buf->dev = dev;
	err = dev->shim->ops->bo_alloc(dev->shim, size,
				       (flags & ACCEL_BUFFER_DEVICE_RO) ? EYR_BO_DEVICE_RO : 0,
				       &buf->bo);
	if (err) {
		free(buf);
		return err;
	}
	pthread_mutex_lock(&dev->lock);
	buf->next = dev->buffers;
	if (dev->buffers)
		dev->buffers->prev = buf;
	dev->buffers = buf;
	dev->buffer_count++;
	pthread_mutex_unlock(&dev->lock);
	eyr_debug("%s: buffer %zu bytes at va 0x%llx%s", dev->name,
		  (size_t)buf->bo->size, (unsigned long long)buf->bo->device_addr,
		  (flags & ACCEL_BUFFER_DEVICE_RO) ? " (device read-only)" : "");
	*out = buf;
	return 0;
}

void accel_buffer_free(struct accel_buffer *buf)
{
	struct accel_device *dev;

	if (!buf)
		return;
	dev = buf->dev;
	pthread_mutex_lock(&dev->lock);
	if (buf->prev)
		buf->prev->next = buf->next;
	else
		dev->buffers = buf->next;
	if (buf->next)
		buf->next->prev = buf->prev;
	dev->buffer_count--;
	pthread_mutex_unlock(&dev->lock);
	dev->shim->ops->bo_free(dev->shim, buf->bo);
	free(buf);
}

int accel_buffer_map(struct accel_buffer *buf, void **ptr)
{
	if (!buf || !ptr)
		return eyr_error(-EINVAL, "accel_buffer_map: NULL buffer or pointer");
	*ptr = buf->bo->cpu;
	return 0;
}

uint64_t accel_buffer_device_addr(const struct accel_buffer *buf)
{
	return buf ? buf->bo->device_addr : 0;
}

size_t accel_buffer_size(const struct accel_buffer *buf)
{
	return buf ? (size_t)buf->bo->size : 0;
}

int accel_buffer_sync(struct accel_buffer *buf, enum accel_sync_dir dir,
		      size_t offset, size_t len)
{
	if (!buf)
		return eyr_error(-EINVAL, "accel_buffer_sync: buffer is NULL");
	if (dir != ACCEL_SYNC_TO_DEVICE && dir != ACCEL_SYNC_FROM_DEVICE)
		return eyr_error(-EINVAL, "accel_buffer_sync: direction %d is neither TO_DEVICE nor FROM_DEVICE",
				 (int)dir);
	if (offset > buf->bo->size || len > buf->bo->size - offset)
		return eyr_error(-EINVAL,
				 "accel_buffer_sync: range [%zu, +%zu) is outside the %llu-byte buffer",
				 offset, len, (unsigned long long)buf->bo->size);
	/*
	 * Both shims map buffers cacheable and coherent with the device (emu:
	 * same process; kmd: shmem pages on a cache-coherent PCIe host), so
	 * ordering is all that is needed: CPU stores before the doorbell,
	 * device stores before the CPU's loads after the completion.
	 */
	atomic_thread_fence(dir == ACCEL_SYNC_TO_DEVICE ? memory_order_release
							: memory_order_acquire);
	return 0;
}
