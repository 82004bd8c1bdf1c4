// SPDX-License-Identifier: MIT
/*
 * accelctl power: what the board draws. One sample by default; --watch
 * streams one per interval of device time through a telemetry
 * subscription (emu: the in-process board; kmd: the driver's netlink
 * stream), with the device's events between the samples, or by polling
 * one-shot reads where there is no stream (no events then).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "telem_common.h"
#include "telem_load.h"

#define POWER_DEFAULT_INTERVAL_MS	1000u
#define POWER_MAX_INTERVAL_MS		3600000u

enum power_format { FMT_TEXT, FMT_JSON, FMT_CSV };

struct power_run {
	const char *device;
	const char *shim;
	enum power_format fmt;
	bool first;
};

ACCELCTL_COMMAND(power);

const char cmd_power_usage[] =
	"Usage: accelctl [-d DEVICE] power [--watch] [--interval MS] [--count N]\n"
	"                              [--json | --csv] [--load]\n"
	"\n"
	"Board power, energy per domain (dram, glb, noc, rf, mac, static),\n"
	"temperature, utilization and throttling, from the device's telemetry.\n"
	"\n"
	"  -w, --watch         a sample every interval until Ctrl-C (or --count)\n"
	"  -i, --interval MS   device time between samples (default 1000, 1..3600000)\n"
	"  -c, --count N       stop after N samples (implies --watch; N >= 1)\n"
	"      --json          one JSON object (per line with --watch); with\n"
	"                      --watch, device events (job_hang, reset,\n"
	"                      throttle, mmu_fault) are lines with an \"event\" key\n"
	"      --csv           CSV with a header row (--watch: events on stderr)\n"
	"      --load          with --watch: run a synthetic workload on the device\n"
	"                      (emu test hook: power and temperature rise, a hot\n"
	"                      board throttles and its throttle events show)\n"
	"\n"
	"On the emu device the board lives inside this accelctl process: it\n"
	"shows that process's own device, which is idle, so its power is the\n"
	"board's static power. To watch a board used by another process, use\n"
	"a kmd device (/dev/accel/accelN). Exit: 0 ok, 2 usage, 3 device.\n";

static void print_sample(struct power_run *run,
			 const struct accel_telemetry_sample *s, bool watch)
{
	switch (run->fmt) {
	case FMT_JSON:
		telem_sample_json(stdout, run->device, s, watch, !watch);
		break;
	case FMT_CSV:
		if (run->first)
			telem_csv_header(stdout);
		telem_sample_csv(stdout, run->device, s);
		break;
	case FMT_TEXT:
		if (watch) {
			if (run->first)
				printf("%-8s %-14s %9s %8s %6s %9s %4s %14s\n",
				       "SEQ", "TIME(s)", "POWER(W)", "TEMP(C)",
				       "UTIL%", "CLK(MHz)", "THR", "ENERGY(J)");
			printf("%-8llu %-14.6f %9.4f %8.2f %6.1f %9.1f %4s %14.9g\n",
			       (unsigned long long)s->seq, s->timestamp_ns / 1e9,
			       s->power_w, s->temperature_c,
			       s->utilization * 100.0, s->clock_khz / 1000.0,
			       s->throttled ? "yes" : "no", s->energy_total_j);
			fflush(stdout);
		} else {
			telem_sample_text(stdout, run->device, run->shim, s);
		}
		break;
	}
	run->first = false;
}

/*
 * Events go between the samples around them: --json, a line with an
 * "event" key; text, a line of its own; --csv keeps stdout to rows of the
 * header's shape, so events go to stderr as text.
 */
static int on_event(const struct accel_telemetry_event *e, void *ctx)
{
	struct power_run *run = ctx;

	switch (run->fmt) {
	case FMT_JSON:
		telem_event_json(stdout, run->device, e);
		break;
	case FMT_CSV:
		telem_event_text(stderr, run->device, e);
		break;
	case FMT_TEXT:
		telem_event_text(stdout, run->device, e);
		break;
	}
	return telem_stop_requested ? ACCEL_TELEMETRY_STOP : 0;
}

static int on_sample(const struct accel_telemetry_sample *s, void *ctx)
{
	struct power_run *run = ctx;

	print_sample(run, s, true);
	return telem_stop_requested ? ACCEL_TELEMETRY_STOP : 0;
}

/*
 * A telemetry subscription delivers the samples (emu: from the in-process
 * board; kmd: the driver's netlink stream). Returns -1 if this device has
 * no stream (the caller polls instead).
 */
/* --load: the synthetic workload, started once the watch is in place. */
static int start_load(const struct accelctl *ctx, struct accel_device *dev,
		      bool want, struct telem_load **load)
{
	if (!want || telem_load_start(dev, load) == 0)
		return ACCELCTL_EXIT_OK;
	return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
			     "cannot start the synthetic load: %s", accel_last_error());
}

static int watch_subscribed(const struct accelctl *ctx, struct accel_device *dev,
			    struct power_run *run, uint32_t interval_ms,
			    uint64_t count, bool want_load, struct telem_load **load)
{
	struct accel_telemetry_sub_opts opts = {
		.sz = sizeof(opts),
		.interval_us = interval_ms * 1000u,
		.fn = on_sample,
		.ctx = run,
		.max_samples = count,
		.event_fn = on_event,
	};
	struct accel_telemetry_sub *sub;
	int err = accel_telemetry_subscribe(dev, &opts, &sub);

	if (err == -EOPNOTSUPP) {
		if (ctx->verbose)
			fprintf(stderr, "accelctl power: %s; polling\n", accel_last_error());
		return -1;
	}
	if (err)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
				     accel_last_error());
	/* After subscribing: events from the load's first moment are seen. */
	err = start_load(ctx, dev, want_load, load);
	if (err) {
		accel_telemetry_unsubscribe(sub);
		return err;
	}
	do {
		err = accel_telemetry_sub_wait(sub, 100);
	} while (err == -ETIMEDOUT && !telem_stop_requested);
	accel_telemetry_unsubscribe(sub);
	if (err && err != -ETIMEDOUT)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
				     accel_last_error());
	return ACCELCTL_EXIT_OK;
}

/*
 * No stream (a driver without the netlink family): one-shot reads every
 * interval of wall time (which device time follows while idle). seq counts
 * the reads.
 */
static int watch_polled(const struct accelctl *ctx, struct accel_device *dev,
			struct power_run *run, uint32_t interval_ms,
			uint64_t count)
{
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t n = 0; !count || n < count; n++) {
		struct accel_telemetry_sample s = { .sz = sizeof(s) };

		if (accel_telemetry_sample_read(dev, &s))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
					     accel_last_error());
		s.seq = n;
		print_sample(run, &s, true);
		if (count && n + 1 >= count)
			break;
		next.tv_sec += interval_ms / 1000u;
		next.tv_nsec += (long)(interval_ms % 1000u) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			if (telem_stop_requested)
				return ACCELCTL_EXIT_OK;
		if (telem_stop_requested)
			break;
	}
	return ACCELCTL_EXIT_OK;
}

int cmd_power(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },
		{ "csv", no_argument, NULL, 'C' },
		{ "load", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct power_run run = { .fmt = ctx->json ? FMT_JSON : FMT_TEXT, .first = true };
	struct accel_device *dev;
	uint64_t interval_ms = POWER_DEFAULT_INTERVAL_MS, count = 0;
	bool watch = false, csv = false, json = ctx->json, want_load = false;
	struct telem_load *load = NULL;
	int opt, rc;

	while ((opt = accelctl_getopt(argc, argv, "wi:c:h", longopts)) != -1) {
		switch (opt) {
		case 'w':
			watch = true;
			break;
		case 'i':
			rc = telem_parse_opt_u64(ctx, "--interval", optarg, 1,
						 POWER_MAX_INTERVAL_MS, &interval_ms);
			if (rc)
				return rc;
			break;
		case 'c':
			rc = telem_parse_opt_u64(ctx, "--count", optarg, 1,
						 UINT32_MAX, &count);
			if (rc)
				return rc;
			watch = true;
			break;
		case 'J':
			json = true;
			break;
		case 'C':
			csv = true;
			break;
		case 'L':
			want_load = true;
			break;
		case 'h':
			fputs(cmd_power_usage, stdout);
			return ACCELCTL_EXIT_OK;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (json && csv)
		return accelctl_usage_error(ctx, "--json and --csv exclude each other; pick one");
	run.fmt = csv ? FMT_CSV : json ? FMT_JSON : FMT_TEXT;
	if (want_load && !watch)
		return accelctl_usage_error(ctx, "--load needs --watch (or --count): a single sample ends before any load shows");

	rc = telem_open_device(ctx, watch ? (uint32_t)interval_ms * 1000u : 0, &dev);
	if (rc)
		return rc;
	run.device = accel_device_name(dev);
	run.shim = accel_device_shim(dev);
	if (!watch) {
		struct accel_telemetry_sample s = { .sz = sizeof(s) };

		if (telem_wait_first_period(dev) || accel_telemetry_sample_read(dev, &s)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
					   accel_last_error());
		} else {
			print_sample(&run, &s, false);
			rc = ACCELCTL_EXIT_OK;
		}
		accel_device_close(dev);
		return rc;
	}
	telem_catch_stop_signals();
	if (telem_wait_first_period(dev)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		accel_device_close(dev);
		return rc;
	}
	rc = watch_subscribed(ctx, dev, &run, (uint32_t)interval_ms, count,
			      want_load, &load);
	if (rc < 0) {
		rc = start_load(ctx, dev, want_load, &load);
		if (rc == ACCELCTL_EXIT_OK)
			rc = watch_polled(ctx, dev, &run, (uint32_t)interval_ms, count);
	}
	if (rc == ACCELCTL_EXIT_OK && load && telem_load_failed(load))
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "the synthetic load failed: %s",
				   telem_load_error(load));
	telem_load_stop(load);
	accel_device_close(dev);
	return rc;
}
