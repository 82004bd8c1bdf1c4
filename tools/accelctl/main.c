// SPDX-License-Identifier: MIT
/*
 * accelctl [-d DEVICE] [--json] [-v] COMMAND [ARGS...]
 *
 * Adding a command: write tools/accelctl/cmd_NAME.c starting with
 *     ACCELCTL_COMMAND(NAME);        (declares the two below)
 * and defining
 *     const char cmd_NAME_usage[];   (the --help text: synopsis + options)
 *     int cmd_NAME(struct accelctl *ctx, int argc, char **argv);
 * append it to ACCELCTL_SRCS in your own tools/accelctl/NAME.mk, and add one
 * line to ACCELCTL_COMMANDS below. That is all: --help, --json and -v
 * anywhere on the line, and the exit codes are handled here and in
 * accelctl.h. Messages: accelctl_usage_error (exit 2), accelctl_fail with
 * ACCELCTL_EXIT_DEVICE (3) or ACCELCTL_EXIT_FAIL (1).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accelctl.h"

/* name, one-line summary */
#define ACCELCTL_COMMANDS(X) \
	X(list, "list the devices: /dev/accel nodes and the emulated board") \
	X(info, "describe a device: array, memories, clock, bandwidths, energy, firmware") \
	X(validate, "run known-answer self-tests on a device") \
	X(run, "run an ONNX model on the device, checked, with its energy breakdown") \
	X(inspect, "where each node of a model will run and why, its MACs, the device share") \
	X(quantize, "quantize a float ONNX model to int8 for the device, calibrated on samples") \
	X(plan, "best mapping of a layer per dataflow: energy per level, cycles, DRAM traffic") \
	X(profile, "NetAdapt look-up table: a model's conv/FC layers measured per channel count") \
	X(adapt, "NetAdapt: shrink a float model's channels to a measured budget (energy, latency, DRAM)") \
	X(power, "board power, energy per domain, temperature; --watch streams") \
	X(top, "live view of devices and the processes using them") \
	X(exporter, "serve telemetry as Prometheus metrics over HTTP") \
	X(reset, "reset the device (root on /dev/accel nodes): jobs abort, firmware restarts") \
	X(fw, "firmware version, build id and log")

#define DECLARE(name, summary) ACCELCTL_COMMAND(name);
ACCELCTL_COMMANDS(DECLARE)

struct command {
	const char *name;
	const char *summary;
	const char *usage;
	accelctl_cmd_fn fn;
};

#define ENTRY(name, summary) { #name, summary, cmd_##name##_usage, cmd_##name },
static const struct command commands[] = { ACCELCTL_COMMANDS(ENTRY) };
#define NUM_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: accelctl [-d DEVICE] [--json] [-v] COMMAND [ARGS...]\n"
		"       accelctl COMMAND --help | --help | --version\n"
		"\n"
		"Global options (--json and -v may also follow the command):\n"
		"  -d, --device DEVICE  emu, /dev/accel/accelN or auto (default: the first\n"
		"                       Eyrie node, else emu)\n"
		"      --json           machine-readable output (docs/accelctl.md)\n"
		"  -v, --verbose        progress and library messages on stderr; -vv debug,\n"
		"                       -vvv also dumps every command stream\n"
		"  -h, --help           this help\n"
		"  -V, --version        accelctl and libaccel versions\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Exit status: 0 ok, 1 check or self-test failed, 2 usage error,\n"
		"3 device or model error.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NUM_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static bool is_verbose_flag(const char *a)
{
	if (!strcmp(a, "--verbose"))
		return true;
	if (a[0] != '-' || a[1] != 'v')
		return false;
	for (const char *p = a + 1; *p; p++)
		if (*p != 'v')
			return false;
	return true;
}

static int verbose_count(const char *a)
{
	return !strcmp(a, "--verbose") ? 1 : (int)strlen(a) - 1;
}

/* Global options before the command; returns the command's index or -exit. */
static int parse_globals(struct accelctl *ctx, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !strcmp(a, "-"))
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--json")) {
			ctx->json = true;
		} else if (is_verbose_flag(a)) {
			ctx->verbose += verbose_count(a);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -ACCELCTL_EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("accelctl %s (libaccel %s)\n", ACCELCTL_VERSION,
			       accel_version_string());
			return -ACCELCTL_EXIT_OK;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--device")) {
			if (i + 1 >= argc)
				return -accelctl_usage_error(ctx, "option '%s' needs a device (emu, /dev/accel/accelN or auto)", a);
			ctx->device = argv[++i];
		} else if (!strncmp(a, "--device=", 9)) {
			ctx->device = a + 9;
		} else if (!strncmp(a, "-d", 2)) {
			ctx->device = a + 2;
		} else {
			return -accelctl_usage_error(ctx, "unknown option '%s'", a);
		}
	}
	if (ctx->device && !*ctx->device)
		return -accelctl_usage_error(ctx, "empty device name; use emu, /dev/accel/accelN or auto");
	return i;
}

int main(int argc, char **argv)
{
	struct accelctl ctx = { 0 };
	const struct command *cmd;
	char **sub;
	int first, n = 0;
	bool after_dashdash = false;

	first = parse_globals(&ctx, argc, argv);
	if (first <= 0)
		return -first;
	if (first >= argc) {
		usage(stderr);
		return ACCELCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[first], "help")) {
		if (first + 1 >= argc) {
			usage(stdout);
			return ACCELCTL_EXIT_OK;
		}
		cmd = find(argv[first + 1]);
		if (!cmd)
			return accelctl_usage_error(&ctx, "unknown command '%s'", argv[first + 1]);
		fputs(cmd->usage, stdout);
		return ACCELCTL_EXIT_OK;
	}
	cmd = find(argv[first]);
	if (!cmd)
		return accelctl_usage_error(&ctx, "unknown command '%s'", argv[first]);
	ctx.command = cmd->name;

	/* The command's argv, without the global flags allowed after it. */
	sub = calloc((size_t)(argc - first) + 1, sizeof(*sub));
	if (!sub)
		return accelctl_fail(&ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];

		if (i > first && !after_dashdash) {
			if (!strcmp(a, "--")) {
				after_dashdash = true;
			} else if (!strcmp(a, "--json")) {
				ctx.json = true;
				continue;
			} else if (is_verbose_flag(a)) {
				ctx.verbose += verbose_count(a);
				continue;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				fputs(cmd->usage, stdout);
				free(sub);
				return ACCELCTL_EXIT_OK;
			}
		}
		sub[n++] = argv[i];
	}
	sub[n] = NULL;

	if (ctx.verbose) {
		enum accel_log_level lvl = ctx.verbose >= 3 ? ACCEL_LOG_TRACE :
					   ctx.verbose == 2 ? ACCEL_LOG_DEBUG : ACCEL_LOG_INFO;
		accel_set_log_level(lvl);
	}
	ctx.progress = ctx.verbose > 0 || isatty(STDERR_FILENO);

	{
		int rc = cmd->fn(&ctx, n, sub);

		free(sub);
		fflush(stdout);
		if (ferror(stdout))
			return accelctl_fail(&ctx, ACCELCTL_EXIT_DEVICE, "writing the output failed");
		return rc;
	}
}
