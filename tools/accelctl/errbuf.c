// SPDX-License-Identifier: MIT
/* Messages into a caller's buffer (errbuf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

int errbuf_set(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}
