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

int hil_klog_problems_since(const char *marker)
{
	int len = klogctl(KLOG_SIZE_BUFFER, NULL, 0), n, problems = 0;
	char *buf, *from, *line;

	if (len <= 0 || !(buf = calloc(1, (size_t)len + 1)))
		return -1;
	n = klogctl(KLOG_READ_ALL, buf, len);
	buf[n > 0 ? n : 0] = 0;
	/* The marker as written, without its newline. */
	from = memmem(buf, (size_t)(n > 0 ? n : 0), marker, strlen(marker) - 1);
	for (line = from ? strtok(from, "\n") : NULL; line; line = strtok(NULL, "\n"))
		if (strstr(line, "WARNING:") || strstr(line, "BUG:") || strstr(line, "Oops") ||
		    strstr(line, "Call Trace") || strstr(line, "not clean")) {
			printf("# kernel: %s\n", line);
			problems++;
		}
	free(buf);
	return from ? problems : -1;
}
