/* SPDX-License-Identifier: MIT */
/*
 * The ivshmem server side of QEMU's ivshmem-doorbell client-server protocol
 * (QEMU docs/specs/ivshmem-spec.rst): a UNIX stream socket on which the
 * server only ever sends; every message is one little-endian int64, with at
 * most one file descriptor attached through SCM_RIGHTS.
 *
 * Setup order sent to a new client:
 *   1. protocol version (IVSHMEM_PROTOCOL_VERSION), no fd
 *   2. the client's peer id, no fd
 *   3. -1 with the shared memory fd (BAR2)
 *   4. for each other peer: its id, once per vector, with the eventfd that
 *      interrupts that peer on that vector (the doorbell targets)
 *   5. the client's own id, once per vector, with the eventfds the client
 *      listens on (its MSI-X vectors)
 */
#ifndef EYRIE_DAEMON_IVSHMEM_PROTO_H
#define EYRIE_DAEMON_IVSHMEM_PROTO_H

#include <stdint.h>

#define IVSHMEM_PROTOCOL_VERSION	0
#define IVSHMEM_MAX_PEER_ID		65535
#define IVSHMEM_SHM_MSG			(-1)

/* Sends one message; fd < 0 sends none. Returns 0 or -errno. */
int ivshmem_send(int sock, int64_t value, int fd);

/*
 * Receives one message (the client side, used by tests). *fd is the
 * attached fd or -1. Returns 0, -EPIPE at end of stream, or -errno.
 */
int ivshmem_recv(int sock, int64_t *value, int *fd);

/*
 * Binds and listens on path. A socket file left by a dead daemon is
 * replaced; one a live server answers on is not (-EADDRINUSE). Returns the
 * listening fd or -errno; on error *why names the cause.
 */
int ivshmem_listen(const char *path, const char **why);

#endif /* EYRIE_DAEMON_IVSHMEM_PROTO_H */
