// SPDX-License-Identifier: MIT
/*
 * accelctl top: a live view of the devices (power, temperature,
 * utilization, clock, throttling, energy) and of the processes using them
 * (jobs, energy, utilization), refreshed every interval.
 *
 * Processes: on kmd devices from every process's DRM fdinfo; on emu the
 * board lives in this process, so the one process is accelctl itself and
 * the device's whole energy is its own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telem_common.h"
#include "telem_load.h"
#include "telem_procs.h"

#define TOP_DEFAULT_INTERVAL_MS	1000u
#define TOP_MAX_INTERVAL_MS	3600000u
#define TOP_MAX_DEVICES		16

ACCELCTL_COMMAND(top);

const char cmd_top_usage[] =
	"Usage: accelctl [-d DEVICE] top [--interval MS] [--once | -n N] [--load]\n"
	"                            [--json]\n"
	"\n"
	"A live view of the devices and of the processes that use them, like\n"
	"nvtop: per device power, temperature, utilization, clock, throttling\n"
	"and energy; per process jobs, energy and utilization. Ctrl-C quits.\n"
	"\n"
	"  -i, --interval MS  time between refreshes (default 1000, 1..3600000)\n"
	"  -n, --iterations N print N frames and exit (batch mode, no screen\n"
	"                     control codes; also used when stdout is not a TTY)\n"
	"      --once         the same as -n 1\n"
	"      --load         run a synthetic workload on the device (emu test\n"
	"                     hook: power, temperature and utilization rise)\n"
	"      --json         one JSON object per frame, one per line\n"
	"\n"
	"Without -d, top shows every Eyrie /dev/accel node, or the emu board\n"
	"when there is none. On emu the board lives inside this accelctl\n"
	"process, so the only process shown is accelctl itself (idle: the\n"
	"static power only, unless --load); other processes' use of a board is\n"
	"visible on kmd devices, from their DRM fdinfo.\n"
	"Exit: 0 ok, 2 usage, 3 device.\n";

struct top_device {
	struct accel_device *dev;
	struct accel_telemetry_sample s;
};

struct top_proc {
	struct telem_client c;
	double utilization;		/* over the last interval, -1 unknown */
};

struct top_state {
	struct top_device devs[TOP_MAX_DEVICES];
	size_t ndev;
	bool emu;
	/* kmd clients of the previous frame, for utilization deltas */
	struct telem_client *prev;
	int nprev;
	struct timespec prev_time;
};

static int open_devices(const struct accelctl *ctx, struct top_state *st)
{
	struct accel_device_entry entries[TOP_MAX_DEVICES];
	int n, rc;

	if (ctx->device && strcmp(ctx->device, "auto") != 0) {
		rc = telem_open_device(ctx, 0, &st->devs[0].dev);
		if (rc)
			return rc;
		st->ndev = 1;
		return 0;
	}
	n = accel_device_list(entries, TOP_MAX_DEVICES, sizeof(entries[0]));
	if (n < 0)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot list devices: %s",
				     accel_last_error());
	if (n > TOP_MAX_DEVICES)
		n = TOP_MAX_DEVICES;
	for (int i = 0; i < n; i++) {
		if (!entries[i].is_eyrie || !entries[i].usable ||
		    strcmp(entries[i].shim, "kmd") != 0)
			continue;
		if (accel_device_open(entries[i].name, NULL, &st->devs[st->ndev].dev)) {
			fprintf(stderr, "accelctl top: skipping %s: %s\n",
				entries[i].name, accel_last_error());
			continue;
		}
		st->ndev++;
	}
	if (st->ndev == 0) {
		struct accelctl emu_ctx = *ctx;

		emu_ctx.device = "emu";
		rc = telem_open_device(&emu_ctx, 0, &st->devs[0].dev);
		if (rc)
			return rc;
		st->ndev = 1;
	}
	return 0;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static const struct telem_client *find_prev(const struct top_state *st,
					    const struct telem_client *c)
{
	for (int i = 0; i < st->nprev; i++)
		if (st->prev[i].pid == c->pid && st->prev[i].client_id == c->client_id &&
		    !strcmp(st->prev[i].pdev, c->pdev))
			return &st->prev[i];
	return NULL;
}

/* This frame's processes; *out is malloc'ed. */
static int collect_procs(const struct accelctl *ctx, struct top_state *st,
			 struct top_proc **out)
{
	struct telem_client *now = NULL;
	struct top_proc *procs;
	struct timespec t;
	int n;

	*out = NULL;
	if (st->emu) {
		/* The one process: us, with the emu board's whole account. */
		const struct accel_telemetry_sample *s = &st->devs[0].s;

		procs = calloc(1, sizeof(*procs));
		if (!procs)
			return -ENOMEM;
		procs->c.pid = (int)getpid();
		snprintf(procs->c.comm, sizeof(procs->c.comm), "accelctl");
		snprintf(procs->c.pdev, sizeof(procs->c.pdev), "%s",
			 accel_device_name(st->devs[0].dev));
		procs->c.energy_fj = s->energy_total_fj;
		procs->c.jobs_completed = s->jobs_completed;
		procs->c.engine_ns = s->busy_ns;
		procs->utilization = s->utilization;
		*out = procs;
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	n = telem_clients_scan("/proc", &now);
	if (n < 0) {
		accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot scan /proc: %s",
			      strerror(-n));
		return n;
	}
	procs = calloc((size_t)n + 1, sizeof(*procs));
	if (!procs) {
		free(now);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const struct telem_client *p = find_prev(st, &now[i]);
		double dt = seconds_between(&st->prev_time, &t);

		procs[i].c = now[i];
		procs[i].utilization = -1.0;
		if (p && dt > 0 && now[i].engine_ns >= p->engine_ns)
			procs[i].utilization =
				(double)(now[i].engine_ns - p->engine_ns) / (dt * 1e9);
	}
	free(st->prev);
	st->prev = now;
	st->nprev = n;
	st->prev_time = t;
	*out = procs;
	return n;
}

static void frame_json(const struct top_state *st, const struct top_proc *procs,
		       int nproc)
{
	struct json j;

	json_init(&j, stdout, false);
	json_object_begin(&j, NULL);
	json_array_begin(&j, "devices");
	for (size_t i = 0; i < st->ndev; i++) {
		const struct accel_telemetry_sample *s = &st->devs[i].s;

		json_object_begin(&j, NULL);
		json_string(&j, "device", accel_device_name(st->devs[i].dev));
		json_string(&j, "shim", accel_device_shim(st->devs[i].dev));
		json_u64(&j, "timestamp_ns", s->timestamp_ns);
		json_double(&j, "power_w", s->power_w);
		json_double(&j, "energy_j", s->energy_total_j);
		json_double(&j, "temperature_c", s->temperature_c);
		json_double(&j, "utilization", s->utilization);
		json_bool(&j, "throttled", s->throttled);
		json_u64(&j, "clock_khz", s->clock_khz);
		json_u64(&j, "jobs_completed", s->jobs_completed);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "processes");
	for (int i = 0; i < nproc; i++) {
		json_object_begin(&j, NULL);
		json_i64(&j, "pid", procs[i].c.pid);
		json_string(&j, "command", procs[i].c.comm);
		json_string(&j, "device", procs[i].c.pdev);
		json_u64(&j, "jobs_completed", procs[i].c.jobs_completed);
		json_double(&j, "energy_j", procs[i].c.energy_fj / 1e15);
		if (procs[i].utilization >= 0)
			json_double(&j, "utilization", procs[i].utilization);
		else
			json_null(&j, "utilization");
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

static void frame_text(const struct top_state *st, const struct top_proc *procs,
		       int nproc, bool tty, uint64_t interval_ms)
{
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("accelctl top - %zu device%s, every %llu ms%s\n\n", st->ndev,
	       st->ndev == 1 ? "" : "s", (unsigned long long)interval_ms,
	       st->emu ? " (emu: the board inside this process)" : "");
	printf("%-20s %-4s %9s %8s %6s %9s %4s %14s %8s\n", "DEVICE", "SHIM",
	       "POWER(W)", "TEMP(C)", "UTIL%", "CLK(MHz)", "THR", "ENERGY(J)", "JOBS");
	for (size_t i = 0; i < st->ndev; i++) {
		const struct accel_telemetry_sample *s = &st->devs[i].s;

		printf("%-20s %-4s %9.4f %8.2f %6.1f %9.1f %4s %14.9g %8llu\n",
		       accel_device_name(st->devs[i].dev),
		       accel_device_shim(st->devs[i].dev), s->power_w,
		       s->temperature_c, s->utilization * 100.0,
		       s->clock_khz / 1000.0, s->throttled ? "yes" : "no",
		       s->energy_total_j, (unsigned long long)s->jobs_completed);
	}
	printf("\n%-8s %-16s %-20s %8s %14s %6s\n", "PID", "COMMAND", "DEVICE",
	       "JOBS", "ENERGY(J)", "UTIL%");
	for (int i = 0; i < nproc; i++) {
		char util[16];

		if (procs[i].utilization >= 0)
			snprintf(util, sizeof(util), "%.1f", procs[i].utilization * 100.0);
		else
			snprintf(util, sizeof(util), "-");
		printf("%-8d %-16s %-20s %8llu %14.9g %6s\n", procs[i].c.pid,
		       procs[i].c.comm, procs[i].c.pdev[0] ? procs[i].c.pdev : "-",
		       (unsigned long long)procs[i].c.jobs_completed,
		       procs[i].c.energy_fj / 1e15, util);
	}
	if (nproc == 0)
		printf("(no process has an Eyrie device open)\n");
	if (!tty)
		putchar('\n');
	fflush(stdout);
}

static int frame(const struct accelctl *ctx, struct top_state *st, bool tty,
		 uint64_t interval_ms)
{
	struct top_proc *procs;
	int nproc;

	for (size_t i = 0; i < st->ndev; i++) {
		st->devs[i].s.sz = sizeof(st->devs[i].s);
		if (accel_telemetry_sample_read(st->devs[i].dev, &st->devs[i].s))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s: %s",
					     accel_device_name(st->devs[i].dev),
					     accel_last_error());
	}
	nproc = collect_procs(ctx, st, &procs);
	if (nproc < 0)
		return ACCELCTL_EXIT_DEVICE;
	if (ctx->json)
		frame_json(st, procs, nproc);
	else
		frame_text(st, procs, nproc, tty, interval_ms);
	free(procs);
	return 0;
}

int cmd_top(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "load", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct top_state st = { 0 };
	struct telem_load *load = NULL;
	uint64_t interval_ms = TOP_DEFAULT_INTERVAL_MS, frames = 0;
	bool want_load = false, tty;
	int opt, rc = 0;

	while ((opt = accelctl_getopt(argc, argv, "i:n:h", longopts)) != -1) {
		switch (opt) {
		case 'i':
			rc = telem_parse_opt_u64(ctx, "--interval", optarg, 1,
						 TOP_MAX_INTERVAL_MS, &interval_ms);
			if (rc)
				return rc;
			break;
		case 'n':
			rc = telem_parse_opt_u64(ctx, "-n", optarg, 1, UINT32_MAX,
						 &frames);
			if (rc)
				return rc;
			break;
		case 'o':
			frames = 1;
			break;
		case 'L':
			want_load = true;
			break;
		case 'h':
			fputs(cmd_top_usage, stdout);
			return ACCELCTL_EXIT_OK;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	tty = isatty(STDOUT_FILENO) && !ctx->json && frames == 0;

	rc = open_devices(ctx, &st);
	if (rc)
		goto out;
	st.emu = st.ndev == 1 && !strcmp(accel_device_shim(st.devs[0].dev), "emu");
	clock_gettime(CLOCK_MONOTONIC, &st.prev_time);
	if (st.emu && telem_wait_first_period(st.devs[0].dev)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		goto out;
	}
	if (want_load) {
		if (telem_load_start(st.devs[0].dev, &load)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
					   "cannot start the synthetic load: %s",
					   accel_last_error());
			goto out;
		}
	}
	telem_catch_stop_signals();
	for (uint64_t n = 0; !frames || n < frames; n++) {
		if (n > 0 || want_load) {
			struct timespec nap = {
				.tv_sec = (time_t)(interval_ms / 1000u),
				.tv_nsec = (long)(interval_ms % 1000u) * 1000000L,
			};

			/* A signal cuts the nap short; the flag ends the loop. */
			nanosleep(&nap, NULL);
		}
		if (telem_stop_requested)
			break;
		if (load && telem_load_failed(load)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
					   "the synthetic load failed: %s",
					   telem_load_error(load));
			break;
		}
		rc = frame(ctx, &st, tty, interval_ms);
		if (rc)
			break;
	}
out:
	telem_load_stop(load);
	for (size_t i = 0; i < st.ndev; i++)
		accel_device_close(st.devs[i].dev);
	free(st.prev);
	return rc;
}
