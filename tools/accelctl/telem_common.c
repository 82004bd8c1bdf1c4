// SPDX-License-Identifier: MIT
/*
 * Shared by accelctl power, top and exporter: device opening for sampling,
 * sample printing (JSON, CSV, text), stop signals, option parsing.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "telem_common.h"

volatile sig_atomic_t telem_stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	telem_stop_requested = 1;
}

void telem_catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking wait returns EINTR and sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int telem_open_device(const struct accelctl *ctx, uint32_t interval_us,
		      struct accel_device **dev)
{
	struct accel_device_opts opts = { .sz = sizeof(opts) };
	int err;

	/*
	 * Only the emu board takes a sample period at open (a kmd board's
	 * period is the driver's); other names ignore emu_* options.
	 */
	if (interval_us)
		opts.emu_telemetry_period_us =
			gcd_u32(interval_us, TELEM_DEVICE_PERIOD_US);
	err = accel_device_open(ctx->device, &opts, dev);
	if (err)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE,
				     "cannot open device '%s': %s",
				     ctx->device ? ctx->device : "auto",
				     accel_last_error());
	return 0;
}

int telem_wait_first_period(struct accel_device *dev)
{
	struct accel_telemetry_sample s = { .sz = sizeof(s) };
	struct timespec nap = { 0, 1000000 };	/* 1 ms */
	int err;

	if (strcmp(accel_device_shim(dev), "emu") != 0)
		return 0;
	/* Bounded: the device publishes every period while idle. */
	for (int tries = 0; tries < 2000; tries++) {
		err = accel_telemetry_sample_read(dev, &s);
		if (err)
			return err;
		if (s.sample_period_us &&
		    s.timestamp_ns >= (uint64_t)s.sample_period_us * 1000u &&
		    s.energy_total_fj > 0)
			return 0;
		nanosleep(&nap, NULL);
	}
	return 0;
}

static void energy_members(struct json *j, const struct accel_telemetry_sample *s)
{
	json_object_begin(j, "energy_j");
	json_double(j, "total", s->energy_total_j);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		json_double(j, accel_energy_domain_name(d), s->energy_j[d]);
	json_object_end(j);
}

void telem_sample_json(FILE *f, const char *device,
		       const struct accel_telemetry_sample *s, bool with_seq,
		       bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_object_begin(&j, NULL);
	json_string(&j, "device", device);
	if (with_seq) {
		json_u64(&j, "seq", s->seq);
		json_u64(&j, "slot", s->slot);
	}
	json_u64(&j, "timestamp_ns", s->timestamp_ns);
	json_double(&j, "power_w", s->power_w);
	energy_members(&j, s);
	json_double(&j, "temperature_c", s->temperature_c);
	json_double(&j, "utilization", s->utilization);
	json_bool(&j, "throttled", s->throttled);
	json_u64(&j, "clock_khz", s->clock_khz);
	json_u64(&j, "cycles", s->cycles);
	json_u64(&j, "jobs_completed", s->jobs_completed);
	json_object_end(&j);
	json_finish(&j);
}

void telem_event_json(FILE *f, const char *device,
		      const struct accel_telemetry_event *e)
{
	struct json j;

	json_init(&j, f, false);
	json_object_begin(&j, NULL);
	json_string(&j, "device", device);
	json_string(&j, "event", accel_telemetry_event_name(e->kind));
	json_u64(&j, "timestamp_ns", e->timestamp_ns);
	json_u64(&j, "ctx_id", e->ctx_id);
	switch (e->kind) {
	case ACCEL_TELEM_EVENT_JOB_HANG:
		json_u64(&j, "job_seqno", e->arg);
		break;
	case ACCEL_TELEM_EVENT_RESET:
		json_i64(&j, "result", (int64_t)e->arg);
		break;
	case ACCEL_TELEM_EVENT_THROTTLE:
		json_bool(&j, "throttled", e->arg != 0);
		break;
	case ACCEL_TELEM_EVENT_MMU_FAULT:
		json_u64(&j, "address", e->arg);
		break;
	default:
		json_u64(&j, "arg", e->arg);
		break;
	}
	json_object_end(&j);
	json_finish(&j);
}

void telem_event_text(FILE *f, const char *device,
		      const struct accel_telemetry_event *e)
{
	fprintf(f, "event %s on %s at %.6f s", accel_telemetry_event_name(e->kind),
		device, e->timestamp_ns / 1e9);
	switch (e->kind) {
	case ACCEL_TELEM_EVENT_JOB_HANG:
		fprintf(f, ": job %llu of context %u",
			(unsigned long long)e->arg, e->ctx_id);
		break;
	case ACCEL_TELEM_EVENT_RESET:
		if ((int64_t)e->arg == 0)
			fputs(": recovered", f);
		else
			fprintf(f, ": failed (%s)", strerror((int)-(int64_t)e->arg));
		break;
	case ACCEL_TELEM_EVENT_THROTTLE:
		fputs(e->arg ? ": throttling began" : ": throttling ended", f);
		break;
	case ACCEL_TELEM_EVENT_MMU_FAULT:
		fprintf(f, ": context %u at device VA 0x%llx", e->ctx_id,
			(unsigned long long)e->arg);
		break;
	default:
		break;
	}
	fputc('\n', f);
	fflush(f);
}

void telem_csv_header(FILE *f)
{
	fputs("device,seq,timestamp_ns,power_w,energy_total_j", f);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		fprintf(f, ",energy_%s_j", accel_energy_domain_name(d));
	fputs(",temperature_c,utilization,throttled,clock_khz\n", f);
	fflush(f);
}

/* CSV field: quoted (with doubled quotes) when it needs to be. */
static void csv_field(FILE *f, const char *text)
{
	if (!strpbrk(text, ",\"\n")) {
		fputs(text, f);
		return;
	}
	fputc('"', f);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

void telem_sample_csv(FILE *f, const char *device,
		      const struct accel_telemetry_sample *s)
{
	csv_field(f, device);
	fprintf(f, ",%llu,%llu,%.6f,%.10g", (unsigned long long)s->seq,
		(unsigned long long)s->timestamp_ns, s->power_w,
		s->energy_total_j);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		fprintf(f, ",%.10g", s->energy_j[d]);
	fprintf(f, ",%.3f,%.3f,%d,%u\n", s->temperature_c, s->utilization,
		s->throttled ? 1 : 0, s->clock_khz);
	fflush(f);
}

void telem_sample_text(FILE *f, const char *device, const char *shim,
		       const struct accel_telemetry_sample *s)
{
	fprintf(f, "device       %s (%s)\n", device, shim);
	fprintf(f, "time         %.6f s (device)\n", s->timestamp_ns / 1e9);
	fprintf(f, "power        %.3f W\n", s->power_w);
	fprintf(f, "temperature  %.2f C%s\n", s->temperature_c,
		s->throttled ? "  THROTTLED" : "");
	fprintf(f, "utilization  %.1f %%\n", s->utilization * 100.0);
	fprintf(f, "clock        %.1f MHz\n", s->clock_khz / 1000.0);
	fprintf(f, "energy       %.9g J total\n", s->energy_total_j);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		fprintf(f, "  %-10s %.9g J\n", accel_energy_domain_name(d),
			s->energy_j[d]);
	fprintf(f, "jobs         %llu completed, %llu cycles, %u throttle events\n",
		(unsigned long long)s->jobs_completed,
		(unsigned long long)s->cycles, s->throttle_events);
	fflush(f);
}

int telem_parse_opt_u64(const struct accelctl *ctx, const char *option,
			const char *text, uint64_t min, uint64_t max,
			uint64_t *out)
{
	if (accelctl_parse_u64(text, min, max, out) == 0)
		return 0;
	return accelctl_usage_error(ctx,
				    "%s takes a whole number from %llu to %llu, not '%s'",
				    option, (unsigned long long)min,
				    (unsigned long long)max, text);
}
