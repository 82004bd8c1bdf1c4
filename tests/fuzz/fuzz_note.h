/* SPDX-License-Identifier: MIT */
/*
 * What a target did with an input, on stderr when FUZZ_VERBOSE is set (the
 * regression runner checks each regression's expected error this way;
 * while fuzzing nothing is printed).
 */
#ifndef FUZZ_NOTE_H
#define FUZZ_NOTE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((format(printf, 1, 2)))
static inline void fuzz_note(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#endif /* FUZZ_NOTE_H */
