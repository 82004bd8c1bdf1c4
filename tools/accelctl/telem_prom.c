// SPDX-License-Identifier: MIT
/*
 * Prometheus text exposition of telemetry. Names follow the Prometheus
 * naming guide: base units (joules, watts, celsius, hertz, ratio), counters
 * end in _total. Values are printed in the shortest form that reads back
 * as the same double, so a counter converted from the device's exact
 * femtojoule integers never appears to go backwards between scrapes.
 */
#include <stdlib.h>

#include "telem_prom.h"

static void number(FILE *f, double v)
{
	char buf[40];

	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

void prom_label_value(FILE *f, const char *value)
{
	fputc('"', f);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*p, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void device_label(FILE *f, const char *name, const char *device)
{
	fprintf(f, "%s{device=", name);
	prom_label_value(f, device);
}

static void value_lines(FILE *f, const char *name, const struct prom_device *devs,
			size_t count, double (*get)(const struct accel_telemetry_sample *))
{
	for (size_t i = 0; i < count; i++) {
		device_label(f, name, devs[i].name);
		fputs("} ", f);
		number(f, get(&devs[i].sample));
		fputc('\n', f);
	}
}

static double get_power(const struct accel_telemetry_sample *s) { return s->power_w; }
static double get_temp(const struct accel_telemetry_sample *s) { return s->temperature_c; }
static double get_util(const struct accel_telemetry_sample *s) { return s->utilization; }
static double get_throttled(const struct accel_telemetry_sample *s) { return s->throttled; }
static double get_clock(const struct accel_telemetry_sample *s) { return s->clock_khz * 1000.0; }
static double get_throttle_events(const struct accel_telemetry_sample *s) { return s->throttle_events; }
static double get_jobs(const struct accel_telemetry_sample *s) { return (double)s->jobs_completed; }
static double get_busy(const struct accel_telemetry_sample *s) { return s->busy_ns / 1e9; }

int prom_render(FILE *f, const struct prom_device *devs, size_t count)
{
	family(f, "eyrie_energy_joules_total", "counter",
	       "Energy used by the device since it started, per domain (dram, glb, noc, rf, mac, static).");
	for (size_t i = 0; i < count; i++)
		for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
			device_label(f, "eyrie_energy_joules_total", devs[i].name);
			fprintf(f, ",domain=\"%s\"} ",
				accel_energy_domain_name(d));
			number(f, devs[i].sample.energy_j[d]);
			fputc('\n', f);
		}
	family(f, "eyrie_power_watts", "gauge",
	       "Board power averaged over the device's last sample period.");
	value_lines(f, "eyrie_power_watts", devs, count, get_power);
	family(f, "eyrie_temperature_celsius", "gauge",
	       "Die temperature from the device's RC thermal model.");
	value_lines(f, "eyrie_temperature_celsius", devs, count, get_temp);
	family(f, "eyrie_utilization_ratio", "gauge",
	       "PE array utilization over the device's last sample period (0 to 1).");
	value_lines(f, "eyrie_utilization_ratio", devs, count, get_util);
	family(f, "eyrie_throttled", "gauge",
	       "1 while the thermal limit holds the clock down, else 0.");
	value_lines(f, "eyrie_throttled", devs, count, get_throttled);
	family(f, "eyrie_clock_hertz", "gauge", "Current core clock.");
	value_lines(f, "eyrie_clock_hertz", devs, count, get_clock);
	family(f, "eyrie_throttle_events_total", "counter",
	       "Times the device entered thermal throttling.");
	value_lines(f, "eyrie_throttle_events_total", devs, count, get_throttle_events);
	family(f, "eyrie_jobs_completed_total", "counter", "Jobs the device completed.");
	value_lines(f, "eyrie_jobs_completed_total", devs, count, get_jobs);
	family(f, "eyrie_busy_seconds_total", "counter",
	       "Device time spent running jobs.");
	value_lines(f, "eyrie_busy_seconds_total", devs, count, get_busy);
	return ferror(f) ? -1 : 0;
}
