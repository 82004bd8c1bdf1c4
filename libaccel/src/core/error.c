// SPDX-License-Identifier: MIT
/*
 * Per-thread last error message (accel_last_error) and the options-struct
 * size rule shared by every entry point.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

/* Room for a model's list of unsupported nodes. */
#define EYR_ERROR_MAX 8192

static _Thread_local char last_error[EYR_ERROR_MAX];

const char *accel_last_error(void)
{
	return last_error;
}

void accel_clear_error(void)
{
	last_error[0] = '\0';
}

static void set_message(const char *cause, const char *fmt, va_list ap)
{
	char msg[EYR_ERROR_MAX];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	memcpy(last_error, msg, n + 1);
	/* The cause follows what failed: "opening X: reason". */
	if (cause && cause[0] && n + 2 < sizeof(last_error)) {
		memcpy(last_error + n, ": ", 3);
		strncat(last_error, cause, sizeof(last_error) - n - 3);
	}
	eyr_debug("error: %s", last_error);
}

int eyr_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(NULL, fmt, ap);
	va_end(ap);
	return err;
}

int eyr_error_wrap(int err, const char *fmt, ...)
{
	char previous[EYR_ERROR_MAX];
	va_list ap;

	snprintf(previous, sizeof(previous), "%s", last_error);
	va_start(ap, fmt);
	set_message(previous, fmt, ap);
	va_end(ap);
	return err;
}

int eyr_opts_check(const void *opts, size_t user_sz, size_t lib_sz,
		   const char *what)
{
	const unsigned char *bytes = opts;

	if (!opts)
		return 0;
	if (user_sz < sizeof(size_t))
		return eyr_error(-EINVAL,
				 "struct %s: sz is %zu; set it to sizeof(struct %s)",
				 what, user_sz, what);
	/* A newer caller may pass a bigger struct: its extra part must be 0. */
	for (size_t i = lib_sz; i < user_sz; i++)
		if (bytes[i])
			return eyr_error(-EINVAL,
					 "struct %s: byte %zu is set but this libaccel (%s) knows only %zu bytes; upgrade libaccel or leave the newer fields zero",
					 what, i, accel_version_string(), lib_sz);
	return 0;
}

int eyr_out_check(const void *out, size_t user_sz, const char *what)
{
	if (!out)
		return eyr_error(-EINVAL, "struct %s pointer is NULL", what);
	if (user_sz < sizeof(size_t))
		return eyr_error(-EINVAL,
				 "struct %s: sz is %zu; set it to sizeof(struct %s)",
				 what, user_sz, what);
	return 0;
}

void eyr_out_copy(void *out, size_t user_sz, const void *full, size_t lib_sz)
{
	size_t n = user_sz < lib_sz ? user_sz : lib_sz;

	/* Keep the caller's sz; fill the rest it knows; zero what we don't. */
	memcpy((char *)out + sizeof(size_t), (const char *)full + sizeof(size_t),
	       n - sizeof(size_t));
	if (user_sz > lib_sz)
		memset((char *)out + lib_sz, 0, user_sz - lib_sz);
}
