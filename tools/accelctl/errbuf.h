/* SPDX-License-Identifier: MIT */
/* Messages into a caller's buffer, for the parts of accelctl that return them. */
#ifndef ACCELCTL_ERRBUF_H
#define ACCELCTL_ERRBUF_H

#include <stddef.h>

/* Formats the message into err (len bytes) and returns -1. */
int errbuf_set(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* ACCELCTL_ERRBUF_H */
