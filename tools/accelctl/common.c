// SPDX-License-Identifier: MIT
/* Helpers every accelctl subcommand uses: messages, device, options. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "accelctl.h"

static void vmessage(const struct accelctl *ctx, const char *kind,
		     const char *fmt, va_list ap)
{
	fprintf(stderr, "accelctl%s%s: %s", ctx->command ? " " : "",
		ctx->command ? ctx->command : "", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int accelctl_usage_error(const struct accelctl *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(ctx, "", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'accelctl%s%s --help'.\n", ctx->command ? " " : "",
		ctx->command ? ctx->command : "");
	return ACCELCTL_EXIT_USAGE;
}

int accelctl_fail(const struct accelctl *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(ctx, "error: ", fmt, ap);
	va_end(ap);
	return code;
}

void accelctl_progress(const struct accelctl *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->progress)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int accelctl_open_device(const struct accelctl *ctx, struct accel_device **dev)
{
	int err = accel_device_open(ctx->device, NULL, dev);

	if (err)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot open device %s: %s",
				     ctx->device ? ctx->device : "(auto)",
				     accel_last_error());
	accelctl_progress(ctx, "using device %s (%s)", accel_device_name(*dev),
			  accel_device_shim(*dev));
	return 0;
}

int accelctl_open_device_no_operands(const struct accelctl *ctx, int argc,
				     char **argv, struct accel_device **dev)
{
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	return accelctl_open_device(ctx, dev);
}

int accelctl_device_info(const struct accelctl *ctx, struct accel_device *dev,
			 struct accel_device_info *info)
{
	int rc;

	if (!accel_device_info(dev, info))
		return 0;
	rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	accel_device_close(dev);
	return rc;
}

int accelctl_getopt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts)
{
	/* Our own messages (accelctl_bad_option), not getopt's. */
	opterr = 0;
	return getopt_long(argc, argv, shortopts, longopts, NULL);
}

int accelctl_bad_option(const struct accelctl *ctx, char **argv)
{
	const char *arg = argv[optind - 1];

	if (optopt && optopt != '?' && !(arg && arg[0] == '-' && arg[1] == '-'))
		return accelctl_usage_error(ctx, "unknown option '-%c' or missing argument",
					    optopt);
	return accelctl_usage_error(ctx, "unknown option or missing argument: '%s'",
				    arg ? arg : "?");
}

int accelctl_parse_u64(const char *text, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!text || !*text || *text == '-' || *text == '+')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

const char *accelctl_version_text(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", v >> 16, v & 0xffff);
	return buf;
}
