/* SPDX-License-Identifier: MIT */
/*
 * accelctl: what every subcommand shares (context, exit codes, messages,
 * JSON output). Subcommands include only this and libaccel's public
 * headers; see main.c for how to add one.
 */
#ifndef ACCELCTL_H
#define ACCELCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/libaccel.h"
#include "json.h"

/* accelctl follows the library's release. */
#define ACCELCTL_VERSION "1.0.0"

/* Exit codes (docs/accelctl.md). */
enum accelctl_exit {
	ACCELCTL_EXIT_OK = 0,
	ACCELCTL_EXIT_FAIL = 1,		/* a check or self-test failed */
	ACCELCTL_EXIT_USAGE = 2,	/* bad command line */
	ACCELCTL_EXIT_DEVICE = 3,	/* device or model error */
};

struct accelctl {
	const char *device;		/* -d/--device; NULL: auto */
	bool json;			/* --json: machine output on stdout */
	int verbose;			/* -v count */
	bool progress;			/* progress lines on stderr (TTY or -v) */
	const char *command;		/* the subcommand's name */
};

/* A subcommand: argv[0] is its name; global options are already removed. */
typedef int (*accelctl_cmd_fn)(struct accelctl *ctx, int argc, char **argv);

/*
 * Declares subcommand NAME: its --help text cmd_NAME_usage and its function
 * cmd_NAME. Put `ACCELCTL_COMMAND(NAME);` at the top of cmd_NAME.c; main.c
 * uses the same macro for its table.
 */
#define ACCELCTL_COMMAND(name) \
	extern const char cmd_##name##_usage[]; \
	int cmd_##name(struct accelctl *ctx, int argc, char **argv)

/*
 * Prints "accelctl CMD: <message>" and the hint to use --help on stderr;
 * returns ACCELCTL_EXIT_USAGE.
 */
int accelctl_usage_error(const struct accelctl *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "accelctl CMD: error: <message>" on stderr; returns code. */
/*
 * Writing an output file whole or not at all: accelctl_out_open() opens a
 * temporary file next to path (mode "w" or "wb"), renamed over it by
 * accelctl_out_close() once everything is written, so an error never leaves
 * a partial file. When path names something that is not a regular file (a
 * device such as /dev/null, a pipe), it is written in place: renaming over
 * it would replace the device node. *tmp is the temporary name (free()d by
 * accelctl_out_close) or NULL. accelctl_out_close returns 0, or -1 with
 * errno (the partial temporary file removed).
 */
FILE *accelctl_out_open(const char *path, const char *mode, char **tmp);
int accelctl_out_close(FILE *f, const char *path, char *tmp);

int accelctl_fail(const struct accelctl *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A progress line on stderr when ctx->progress (TTY or -v). */
void accelctl_progress(const struct accelctl *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Opens ctx->device; on failure prints libaccel's message and returns
 * ACCELCTL_EXIT_DEVICE (the caller returns it), else 0.
 */
int accelctl_open_device(const struct accelctl *ctx, struct accel_device **dev);
/*
 * For a command that takes no operands, after its options (optind): a
 * usage error for the first operand left, else accelctl_open_device.
 */
int accelctl_open_device_no_operands(const struct accelctl *ctx, int argc,
				     char **argv, struct accel_device **dev);
/*
 * accel_device_info into *info (its sz set by the caller); on failure
 * prints libaccel's message, closes dev and returns ACCELCTL_EXIT_DEVICE.
 */
struct accel_device_info;
int accelctl_device_info(const struct accelctl *ctx, struct accel_device *dev,
			 struct accel_device_info *info);

/*
 * getopt_long over a subcommand's argv with no global state left over from
 * an earlier parse (argv[0] is the command name, so the first call starts
 * at argv[1]); returns what getopt_long returns. Unknown options and missing
 * arguments return '?' without a message: the caller reports the usage
 * error with accelctl_bad_option.
 */
struct option;
int accelctl_getopt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts);
/* Reports the option getopt just rejected; returns ACCELCTL_EXIT_USAGE. */
int accelctl_bad_option(const struct accelctl *ctx, char **argv);

/* Parses a whole unsigned decimal number within [min, max]; 0 or -1. */
int accelctl_parse_u64(const char *text, uint64_t min, uint64_t max,
		       uint64_t *out);

/* "1.0" from major << 16 | minor */
const char *accelctl_version_text(uint32_t v, char *buf, size_t len);

#endif /* ACCELCTL_H */
