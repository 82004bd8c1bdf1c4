/* SPDX-License-Identifier: MIT */
/*
 * libaccel: sharing buffers between device handles and processes. Each
 * handle is its own device context (its own device address space), so a
 * buffer of one is unreachable from another by handle, address or mmap
 * offset; exporting it as a dma-buf file descriptor (PRIME) is the only
 * way to share. The importer gets its own device address for the same
 * pages. Boards behind the kernel driver only: the emulated board lives
 * inside one handle.
 */
#ifndef ACCEL_SHARE_H
#define ACCEL_SHARE_H

#include "accel/libaccel.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A dma-buf file descriptor for buf (O_CLOEXEC, read/write), in *fd; the
 * caller closes it. Pass it to another process over a UNIX socket
 * (SCM_RIGHTS) or to another handle of this process.
 */
int accel_buffer_export_fd(struct accel_buffer *buf, int *fd);

/*
 * A buffer of dev for the dma-buf fd (from accel_buffer_export_fd on another
 * handle or process): mapped into dev's device context at its own device
 * address and for the CPU. The fd may be closed afterwards. Freed with
 * accel_buffer_free; the pages live until every importer and the exporter
 * have let go. Importing into the handle that exported it is refused
 * (-EEXIST: use the buffer itself).
 */
int accel_buffer_import_fd(struct accel_device *dev, int fd,
			   struct accel_buffer **out);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_SHARE_H */
