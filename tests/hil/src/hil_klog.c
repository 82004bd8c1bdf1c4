// SPDX-License-Identifier: MIT
#include "hil_klog.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

/* syslog(2) actions: read the whole ring buffer, and its size. */
#define KLOG_READ_ALL 3
#define KLOG_SIZE_BUFFER 10

void hil_klog_mark(const char *marker)
{
	int f = open("/dev/kmsg", O_WRONLY);

	if (f >= 0) {
		if (write(f, marker, strlen(marker)) < 0)
			perror("writing /dev/kmsg");
		close(f);
	}
}

/* The whole kernel log, NUL-terminated (free it), and where the marker is in it. */
static char *klog_read(const char *marker, char **from)
{
	int len = klogctl(KLOG_SIZE_BUFFER, NULL, 0), n;
	char *buf;

	*from = NULL;
	if (len <= 0 || !(buf = calloc(1, (size_t)len + 1)))
		return NULL;
	n = klogctl(KLOG_READ_ALL, buf, len);
	buf[n > 0 ? n : 0] = 0;
	/* The marker as written, without its newline. */
	*from = memmem(buf, (size_t)(n > 0 ? n : 0), marker, strlen(marker) - 1);
	return buf;
}

int hil_klog_find_since(const char *marker, const char *needle, char *line, size_t len)
{
	char *from, *buf = klog_read(marker, &from), *l;
	int found = 0;

	if (!buf)
		return -1;
	for (l = from ? strtok(from, "\n") : NULL; l && !found; l = strtok(NULL, "\n"))
		if (strstr(l, needle)) {
			snprintf(line, len, "%s", l);
			found = 1;
		}
	free(buf);
	return from ? found : -1;
}

int hil_klog_problems_since(const char *marker)
{
	char *from, *buf = klog_read(marker, &from), *line;
	int problems = 0;

	if (!buf)
		return -1;
	for (line = from ? strtok(from, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (strstr(line, "WARNING:") || strstr(line, "BUG:") || strstr(line, "Oops") ||
		    strstr(line, "Call Trace") || strstr(line, "not clean")) {
			printf("# kernel: %s\n", line);
			problems++;
		}
	free(buf);
	return from ? problems : -1;
}
