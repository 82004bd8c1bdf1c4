// SPDX-License-Identifier: MIT
/*
 * The board behind a handle (accel/board.h): what the shim knows about its
 * node, driver, bus and link, and the firmware's log. Shim-independent
 * parts live here; each shim fills its own fields through the optional
 * board_info and fw_log operations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/board.h"
#include "accel/share.h"
#include "core/device.h"
#include "core/internal.h"

int accel_device_board_info(struct accel_device *dev,
			    struct accel_board_info *info)
{
	struct accel_board_info full;
	int err;

	if (!dev)
		return eyr_error(-EINVAL, "accel_device_board_info: device is NULL");
	err = eyr_out_check(info, info ? info->sz : 0, "accel_board_info");
	if (err)
		return err;
	memset(&full, 0, sizeof(full));
	full.sz = sizeof(full);
	snprintf(full.shim, sizeof(full.shim), "%s", dev->shim->ops->name);
	if (dev->shim->ops->board_info) {
		err = dev->shim->ops->board_info(dev->shim, &full);
		if (err)
			return err;
	}
	eyr_out_copy(info, info->sz, &full, sizeof(full));
	return 0;
}

int accel_device_fw_log(struct accel_device *dev, char *buf, size_t len)
{
	if (!dev || (!buf && len))
		return eyr_error(-EINVAL, "accel_device_fw_log: NULL device or buffer");
	if (!dev->shim->ops->fw_log)
		return eyr_error(-EOPNOTSUPP,
				 "%s: the %s shim cannot read the firmware log",
				 dev->name, dev->shim->ops->name);
	return dev->shim->ops->fw_log(dev->shim, buf, len);
}

/*
 * The ring is written by the firmware while we read: copy, then re-read the
 * head and drop what was overwritten meanwhile (the oldest bytes copied).
 */
size_t eyr_fw_log_from_ring(const struct eyrie_hw_ctrl *ctrl, char *buf,
			    size_t len)
{
	const volatile struct eyrie_hw_log *log = (const volatile void *)
		((const char *)ctrl + EYRIE_CTRL_OFF_LOG);
	const volatile char *text = (const volatile char *)(log + 1);
	uint64_t head, after, start, n;
	size_t out = 0;

	if (len == 0)
		return 0;
	head = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	n = head < EYRIE_LOG_RING_BYTES ? head : EYRIE_LOG_RING_BYTES;
	if (n > len - 1)
		n = len - 1;
	start = head - n;
	for (uint64_t pos = start; pos < head; pos++)
		buf[out++] = text[pos % EYRIE_LOG_RING_BYTES];
	after = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	if (after - start > EYRIE_LOG_RING_BYTES) {
		size_t lost = (size_t)(after - start - EYRIE_LOG_RING_BYTES);

		if (lost > out)
			lost = out;
		memmove(buf, buf + lost, out - lost);
		out -= lost;
	}
	/* Text only: NULs (an unwritten ring) would end the string early. */
	for (size_t i = 0; i < out; i++)
		if (buf[i] == '\0')
			buf[i] = '.';
	buf[out] = '\0';
	return out;
}

/* ---- sharing (accel/share.h) ---- */

int accel_buffer_export_fd(struct accel_buffer *buf, int *fd)
{
	struct accel_device *dev;

	if (!buf || !fd)
		return eyr_error(-EINVAL, "accel_buffer_export_fd: NULL buffer or fd pointer");
	dev = buf->dev;
	if (!dev->shim->ops->bo_export)
		return eyr_error(-EOPNOTSUPP,
				 "%s: the %s shim cannot share buffers (the emulated board lives inside one handle); sharing needs a board behind the eyrie driver",
				 dev->name, dev->shim->ops->name);
	return dev->shim->ops->bo_export(dev->shim, buf->bo, fd);
}

int accel_buffer_import_fd(struct accel_device *dev, int fd,
			   struct accel_buffer **out)
{
	struct accel_buffer *buf;
	int err;

	if (!dev || !out)
		return eyr_error(-EINVAL, "accel_buffer_import_fd: NULL device or out pointer");
	*out = NULL;
	if (fd < 0)
		return eyr_error(-EBADF, "accel_buffer_import_fd: fd %d is not a descriptor", fd);
	if (!dev->shim->ops->bo_import)
		return eyr_error(-EOPNOTSUPP,
				 "%s: the %s shim cannot import buffers (the emulated board lives inside one handle); sharing needs a board behind the eyrie driver",
				 dev->name, dev->shim->ops->name);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return eyr_error(-ENOMEM, "out of memory for a buffer handle");
	buf->dev = dev;
	err = dev->shim->ops->bo_import(dev->shim, fd, &buf->bo);
	if (err) {
		free(buf);
		return err;
	}
	/* As accel_buffer_create lists it: accel_buffer_free and close find it. */
	pthread_mutex_lock(&dev->lock);
	buf->next = dev->buffers;
	if (dev->buffers)
		dev->buffers->prev = buf;
	dev->buffers = buf;
	dev->buffer_count++;
	pthread_mutex_unlock(&dev->lock);
	eyr_debug("%s: imported buffer %llu bytes at va 0x%llx", dev->name,
		  (unsigned long long)buf->bo->size, (unsigned long long)buf->bo->device_addr);
	*out = buf;
	return 0;
}
