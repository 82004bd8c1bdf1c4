// SPDX-License-Identifier: MIT
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned int tap_count;
static unsigned int tap_failed;

static void tap_line(bool cond, const char *directive, const char *fmt,
		     va_list ap)
{
	printf("%sok %u - ", cond ? "" : "not ", ++tap_count);
	vprintf(fmt, ap);
	if (directive)
		printf(" %s", directive);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond, NULL, fmt, ap);
	va_end(ap);
	return cond;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	char directive[256];
	va_list ap;

	snprintf(directive, sizeof(directive), "# SKIP %s", reason);
	va_start(ap, fmt);
	tap_line(true, directive, fmt, ap);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

bool tap_errno_check(int rc, int want_errno, const char *fmt, ...)
{
	bool good = rc == -want_errno;
	va_list ap;

	va_start(ap, fmt);
	tap_line(good, NULL, fmt, ap);
	va_end(ap);
	if (!good)
		tap_diag("  expected errno %d (%s), got %d (%s)", want_errno,
			 strerror(want_errno), rc, rc ? strerror(-rc) : "success");
	return good;
}

int tap_done(void)
{
	printf("1..%u\n", tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
