/* SPDX-License-Identifier: MIT */
/*
 * libaccel internals shared by every part of the library (core, shim,
 * graph, sched, model). Nothing here is exported: the version script only
 * exports accel_* symbols, so internal functions use the eyr_ prefix.
 *
 * Errors: a public entry point that fails returns eyr_error(-ECODE, fmt,
 * ...), which records the readable message for accel_last_error() (and
 * logs it at debug level) and returns the code unchanged.
 */
#ifndef EYR_CORE_INTERNAL_H
#define EYR_CORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel/libaccel.h"
#include "eyrie_hw.h"

#define EYR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Records the calling thread's error message; returns err (negative). */
int eyr_error(int err, const char *fmt, ...) EYR_PRINTF(2, 3);
/* Like eyr_error, but appends ": " and the previous message (context). */
int eyr_error_wrap(int err, const char *fmt, ...) EYR_PRINTF(2, 3);

/* Logging at a level (one line, no newline needed). */
void eyr_log(enum accel_log_level level, const char *fmt, ...) EYR_PRINTF(2, 3);
bool eyr_log_enabled(enum accel_log_level level);
#define eyr_warn(...)	eyr_log(ACCEL_LOG_WARN, __VA_ARGS__)
#define eyr_info(...)	eyr_log(ACCEL_LOG_INFO, __VA_ARGS__)
#define eyr_debug(...)	eyr_log(ACCEL_LOG_DEBUG, __VA_ARGS__)

/*
 * Options structs (libbpf's rule): opts may be NULL (defaults); otherwise
 * opts->sz must cover at least the sz field itself, and bytes past the
 * library's own size (a newer caller's fields) must be zero. Returns 0 or
 * eyr_error(-EINVAL). `what` names the struct in the message.
 */
int eyr_opts_check(const void *opts, size_t user_sz, size_t lib_sz,
		   const char *what);
#define EYR_OPTS_CHECK(opts, type) \
	((opts) ? eyr_opts_check((opts), (opts)->sz, sizeof(struct type), #type) : 0)
/* Field of opts if the caller's struct is large enough to have it, else dflt. */
#define EYR_OPTS_GET(opts, field, dflt) \
	(((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + \
	  sizeof((opts)->field)) ? (opts)->field : (dflt))

/*
 * Output structs with a leading sz: zero the library's part and fill it
 * through a local full-size copy, then copy min(sz, lib size) bytes out.
 */
int eyr_out_check(const void *out, size_t user_sz, const char *what);
void eyr_out_copy(void *out, size_t user_sz, const void *full, size_t lib_sz);

/* ---- device access for the other parts of the library ---- */

/* The device's description, verbatim from its control page. */
int eyr_device_hw_desc(struct accel_device *dev, struct eyrie_hw_desc *out);

/* ---- command streams ---- */

/* Name of an opcode ("DMA_LOAD"), or NULL if unknown. */
const char *eyr_opcode_name(unsigned int opcode);
/*
 * One decoded line for one command, like snprintf (returns the length
 * needed). Used by the command-stream dump at ACCEL_LOG_TRACE.
 */
int eyr_cmd_describe(const union eyrie_cmd *cmd, char *buf, size_t len);
/* Logs each command of a stream at ACCEL_LOG_TRACE, prefixed by what. */
void eyr_cmds_trace(const char *what, const union eyrie_cmd *cmds,
		    uint32_t count);

/* The encoded commands of a command buffer (count = accel_cmdbuf_count). */
const union eyrie_cmd *eyr_cmdbuf_cmds(const struct accel_cmdbuf *cb);

#endif /* EYR_CORE_INTERNAL_H */
