// SPDX-License-Identifier: MIT
/*
 * Logging: a process-wide level (EYRIE_LOG_LEVEL until the program sets
 * one) and an optional sink function.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/internal.h"

static const char *const level_names[] = {
	"quiet", "error", "warn", "info", "debug", "trace",
};

/* -1 until first use: then EYRIE_LOG_LEVEL or WARN. */
static atomic_int log_level = -1;
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static accel_log_fn sink_fn;
static void *sink_ctx;

int accel_log_level_parse(const char *text)
{
	char *end;
	long v;

	if (!text || !*text)
		return -EINVAL;
	v = strtol(text, &end, 10);
	if (*end == '\0')
		return (v >= ACCEL_LOG_QUIET && v <= ACCEL_LOG_TRACE) ? (int)v : -EINVAL;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(text, level_names[i]))
			return (int)i;
	return -EINVAL;
}

enum accel_log_level accel_get_log_level(void)
{
	int level = atomic_load(&log_level);

	if (level < 0) {
		const char *env = getenv("EYRIE_LOG_LEVEL");
		int parsed = env ? accel_log_level_parse(env) : ACCEL_LOG_WARN;

		if (parsed < 0) {
			fprintf(stderr,
				"libaccel: EYRIE_LOG_LEVEL='%s' is not a level (0-5 or quiet, error, warn, info, debug, trace); using warn\n",
				env);
			parsed = ACCEL_LOG_WARN;
		}
		int expected = -1;
		atomic_compare_exchange_strong(&log_level, &expected, parsed);
		level = atomic_load(&log_level);
	}
	return (enum accel_log_level)level;
}

enum accel_log_level accel_set_log_level(enum accel_log_level level)
{
	enum accel_log_level old = accel_get_log_level();

	if ((int)level < ACCEL_LOG_QUIET)
		level = ACCEL_LOG_QUIET;
	if (level > ACCEL_LOG_TRACE)
		level = ACCEL_LOG_TRACE;
	atomic_store(&log_level, (int)level);
	return old;
}

void accel_set_log_fn(accel_log_fn fn, void *ctx)
{
	pthread_mutex_lock(&sink_lock);
	sink_fn = fn;
	sink_ctx = ctx;
	pthread_mutex_unlock(&sink_lock);
}

bool eyr_log_enabled(enum accel_log_level level)
{
	return level != ACCEL_LOG_QUIET && level <= accel_get_log_level();
}

void eyr_log(enum accel_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!eyr_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One lock so lines from several threads never interleave. */
	pthread_mutex_lock(&sink_lock);
	if (sink_fn)
		sink_fn(level, msg, sink_ctx);
	else
		fprintf(stderr, "libaccel: %s: %s\n", level_names[level], msg);
	pthread_mutex_unlock(&sink_lock);
}
