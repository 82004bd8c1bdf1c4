// SPDX-License-Identifier: MIT
/* Output files written whole or not at all (accelctl.h, accelctl_out_open). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accelctl.h"

FILE *accelctl_out_open(const char *path, const char *mode, char **tmp)
{
	size_t n = strlen(path) + 16;
	struct stat st;
	FILE *f;
	int fd;

	*tmp = NULL;
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return NULL;
		}
		return fopen(path, mode);
	}
	*tmp = malloc(n);
	if (!*tmp)
		return NULL;
	snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(*tmp);
	f = fd >= 0 ? fdopen(fd, mode) : NULL;
	if (!f) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
		errno = e;
	}
	return f;
}

int accelctl_out_close(FILE *f, const char *path, char *tmp)
{
	int bad = ferror(f), e;

	bad |= fclose(f) != 0;
	if (!bad && (!tmp || !rename(tmp, path))) {
		free(tmp);
		return 0;
	}
	e = errno;
	if (tmp)
		unlink(tmp);
	free(tmp);
	errno = e ? e : EIO;
	return -1;
}
