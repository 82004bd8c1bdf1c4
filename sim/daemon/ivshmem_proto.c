// SPDX-License-Identifier: MIT
#include "ivshmem_proto.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int ivshmem_send(int sock, int64_t value, int fd)
{
	uint64_t le = htole64((uint64_t)value);
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(le) ? 0 : -EIO;
}

int ivshmem_recv(int sock, int64_t *value, int *fd)
{
	uint64_t le;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if (n != (ssize_t)sizeof(le))
		return -EIO;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	*value = (int64_t)le64toh(le);
	return 0;
}

/* True if a server accepts connections on path right now. */
static int socket_is_live(const struct sockaddr_un *addr)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int live;

	if (s < 0)
		return 0;
	live = connect(s, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(s);
	return live;
}

int ivshmem_listen(const char *path, const char **why)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int s, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		*why = "socket path is longer than a UNIX socket address allows (108 bytes)";
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*why = "socket path exists and is not a socket (remove it or pick another path)";
			return -EEXIST;
		}
		if (socket_is_live(&addr)) {
			*why = "socket is in use: another eyrie-sim (or ivshmem server) is listening on it; stop it or pick another --socket";
			return -EADDRINUSE;
		}
		unlink(path);	/* left behind by a daemon that died */
	}

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		*why = "cannot create a UNIX socket";
		return -errno;
	}
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(s);
		*why = err == -ENOENT ? "socket directory does not exist" :
		       err == -EACCES ? "no permission to create the socket there" :
		       "cannot bind the socket";
		return err;
	}
	if (listen(s, 4) < 0) {
		err = -errno;
		close(s);
		unlink(path);
		*why = "cannot listen on the socket";
		return err;
	}
	return s;
}
