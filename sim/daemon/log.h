/* SPDX-License-Identifier: MIT */
/*
 * eyrie-sim logging: one line per event, with a UTC timestamp and a level,
 * to stderr and optionally to a file (opened in append mode, so a harness
 * can keep one log across daemon restarts).
 */
#ifndef EYRIE_DAEMON_LOG_H
#define EYRIE_DAEMON_LOG_H

enum daemon_log_level {
	DAEMON_LOG_ERROR = 0,
	DAEMON_LOG_WARN = 1,
	DAEMON_LOG_INFO = 2,
	DAEMON_LOG_DEBUG = 3,
};

/* Returns 0, or -errno if path cannot be opened for appending. */
int daemon_log_open(const char *path, enum daemon_log_level max_level);
void daemon_log_close(void);

__attribute__((format(printf, 2, 3)))
void daemon_log(enum daemon_log_level level, const char *fmt, ...);

#define log_error(...) daemon_log(DAEMON_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) daemon_log(DAEMON_LOG_WARN, __VA_ARGS__)
#define log_info(...) daemon_log(DAEMON_LOG_INFO, __VA_ARGS__)
#define log_debug(...) daemon_log(DAEMON_LOG_DEBUG, __VA_ARGS__)

#endif /* EYRIE_DAEMON_LOG_H */
