// SPDX-License-Identifier: MIT
/*
 * Sends QMP commands to a QEMU monitor socket and prints the replies (one
 * JSON line each). The HIL harness uses it to carry out host-side requests
 * a guest test makes, such as hot-unplugging the board:
 *
 *   qmp_send SOCKET '{"execute":"device_del","arguments":{"id":"eyrie0"}}'
 *
 * Exits 0 if every command got a "return", 1 on an "error" or no reply
 * within 10 s, 2 on usage or connection errors.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 10000

static char buf[65536];
static size_t buf_len;

/* Reads one '\n'-terminated line into line (NUL-terminated); 0 or -errno. */
static int read_line(int s, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(buf, '\n', buf_len);
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - buf);

			if (len >= cap)
				len = cap - 1;
			memcpy(line, buf, len);
			line[len] = '\0';
			buf_len -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, buf_len);
			return 0;
		}
		if (buf_len == sizeof(buf))
			return -E2BIG;
		if (poll(&p, 1, REPLY_TIMEOUT_MS) != 1)
			return -ETIMEDOUT;
		n = read(s, buf + buf_len, sizeof(buf) - buf_len);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		buf_len += (size_t)n;
	}
}

/* Sends cmd and waits for its reply, skipping asynchronous events. */
static int command(int s, const char *cmd, int echo)
{
	static char line[65536];
	int rc;

	if (write(s, cmd, strlen(cmd)) < 0 || write(s, "\n", 1) < 0)
		return -errno;
	for (;;) {
		rc = read_line(s, line, sizeof(line));
		if (rc)
			return rc;
		if (strstr(line, "\"event\""))
			continue;
		if (echo)
			puts(line);
		return strstr(line, "\"return\"") ? 0 : 1;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char greeting[4096];
	int s, rc = 0;

	if (argc < 3 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: qmp_send SOCKET JSON-COMMAND...\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "qmp_send: cannot connect to %s: %s (is QEMU running with -qmp unix:%s,server=on,wait=off?)\n",
			argv[1], strerror(errno), argv[1]);
		return 2;
	}
	if (read_line(s, greeting, sizeof(greeting)) ||
	    command(s, "{\"execute\":\"qmp_capabilities\"}", 0)) {
		fprintf(stderr, "qmp_send: %s is not a QMP monitor\n", argv[1]);
		close(s);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		int r = command(s, argv[i], 1);

		if (r < 0) {
			fprintf(stderr, "qmp_send: no reply to %s: %s\n", argv[i],
				strerror(-r));
			r = 1;
		}
		rc |= r;
	}
	close(s);
	return rc;
}
