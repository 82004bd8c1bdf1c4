// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE *log_file;
static enum daemon_log_level log_max = DAEMON_LOG_INFO;
/* The device thread logs too (interrupt errors): keep lines whole. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int daemon_log_open(const char *path, enum daemon_log_level max_level)
{
	log_max = max_level;
	if (!path)
		return 0;
	log_file = fopen(path, "ae");
	if (!log_file)
		return -errno;
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

void daemon_log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

static void log_line(FILE *f, const char *stamp, enum daemon_log_level level,
		     const char *fmt, va_list ap)
{
	fprintf(f, "%s eyrie-sim %s: ", stamp, level_names[level]);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void daemon_log(enum daemon_log_level level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[40];
	va_list ap;

	if (level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%02d:%02d:%02d.%03ld", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);

	pthread_mutex_lock(&log_lock);
	va_start(ap, fmt);
	log_line(stderr, stamp, level, fmt, ap);
	va_end(ap);
	if (log_file) {
		va_start(ap, fmt);
		log_line(log_file, stamp, level, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&log_lock);
}
