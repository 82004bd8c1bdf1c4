// SPDX-License-Identifier: MIT
/*
 * Telemetry pieces that need no device: the sample conversion and power
 * arithmetic of libaccel, the Prometheus rendering and the DRM fdinfo
 * scanner of accelctl.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/telemetry.h"
#include "telem_procs.h"
#include "telem_prom.h"

static struct accel_telemetry raw_block(void)
{
	struct accel_telemetry raw = { .sz = sizeof(raw) };

	raw.timestamp_ns = 2500000000ull;
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		raw.energy_fj[d] = (d + 1) * 1000000000000ull;	/* (d+1) mJ */
	raw.power_mw = 1234;
	raw.temp_mc = 47250;
	raw.util_permille = 875;
	raw.clock_khz = 100000;
	raw.flags = ACCEL_TELEM_THROTTLED;
	raw.throttle_events = 3;
	raw.cycles = 42;
	raw.busy_ns = 7;
	raw.jobs_completed = 5;
	raw.sample_period_us = 10000;
	return raw;
}

static void test_sample_derived_values(void **state)
{
	struct accel_telemetry raw = raw_block();
	struct accel_telemetry_sample s = { .sz = sizeof(s) };

	(void)state;
	assert_int_equal(accel_telemetry_sample_from_raw(&raw, &s), 0);
	assert_int_equal(s.sz, sizeof(s));
	assert_int_equal(s.timestamp_ns, 2500000000ull);
	assert_true(s.power_w > 1.2339 && s.power_w < 1.2341);
	assert_true(s.temperature_c > 47.249 && s.temperature_c < 47.251);
	assert_true(s.utilization > 0.8749 && s.utilization < 0.8751);
	assert_true(s.throttled);
	assert_false(s.busy);
	assert_int_equal(s.energy_total_fj, 21000000000000ull);
	assert_true(s.energy_total_j > 0.020999 && s.energy_total_j < 0.021001);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
		assert_int_equal(s.energy_fj[d], (d + 1) * 1000000000000ull);
		assert_true(s.energy_j[d] > (d + 1) * 1e-3 - 1e-12 &&
			    s.energy_j[d] < (d + 1) * 1e-3 + 1e-12);
	}
	assert_int_equal(s.clock_khz, 100000);
	assert_int_equal(s.throttle_events, 3);
	assert_int_equal(s.jobs_completed, 5);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.slot, 0);
}

/* An older caller's smaller struct gets only its part; nothing past it. */
static void test_sample_small_struct(void **state)
{
	struct accel_telemetry raw = raw_block();
	struct {
		struct accel_telemetry_sample s;
		unsigned char guard[64];
	} buf;
	size_t small = offsetof(struct accel_telemetry_sample, power_w);

	(void)state;
	memset(&buf, 0xa5, sizeof(buf));
	buf.s.sz = small;
	assert_int_equal(accel_telemetry_sample_from_raw(&raw, &buf.s), 0);
	assert_int_equal(buf.s.timestamp_ns, 2500000000ull);
	for (size_t i = small; i < sizeof(buf.s); i++)
		assert_int_equal(((unsigned char *)&buf.s)[i], 0xa5);
	buf.s.sz = 0;
	assert_int_equal(accel_telemetry_sample_from_raw(&raw, &buf.s), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "sz"));
	assert_int_equal(accel_telemetry_sample_from_raw(NULL, &buf.s), -EINVAL);
}

static void test_power_between(void **state)
{
	struct accel_telemetry_sample a = { .sz = sizeof(a) }, b = a;

	(void)state;
	a.timestamp_ns = 1000000000ull;
	a.energy_total_fj = 5000000000000ull;
	b.timestamp_ns = 3000000000ull;			/* +2 s */
	b.energy_total_fj = 5000000000000ull + 300000000000000ull; /* +0.3 J */
	assert_true(accel_telemetry_power_between(&a, &b) > 0.1499 &&
		    accel_telemetry_power_between(&a, &b) < 0.1501);
	assert_true(accel_telemetry_power_between(&b, &a) < 0);
	assert_true(accel_telemetry_power_between(&a, &a) < 0);
}

static char *render(const struct prom_device *d, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(prom_render(f, d, n), 0);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_prom_families(void **state)
{
	struct accel_telemetry raw = raw_block();
	struct prom_device d = { .name = "emu" };
	char *text;

	(void)state;
	d.sample.sz = sizeof(d.sample);
	assert_int_equal(accel_telemetry_sample_from_raw(&raw, &d.sample), 0);
	text = render(&d, 1);
	assert_non_null(strstr(text, "# TYPE eyrie_energy_joules_total counter\n"));
	assert_non_null(strstr(text, "# HELP eyrie_energy_joules_total "));
	assert_non_null(strstr(text, "# TYPE eyrie_power_watts gauge\n"));
	assert_non_null(strstr(text, "# TYPE eyrie_temperature_celsius gauge\n"));
	assert_non_null(strstr(text, "# TYPE eyrie_utilization_ratio gauge\n"));
	assert_non_null(strstr(text, "eyrie_energy_joules_total{device=\"emu\",domain=\"dram\"} 0.001\n"));
	assert_non_null(strstr(text, "eyrie_energy_joules_total{device=\"emu\",domain=\"static\"} 0.006\n"));
	assert_non_null(strstr(text, "eyrie_power_watts{device=\"emu\"} 1.234\n"));
	assert_non_null(strstr(text, "eyrie_temperature_celsius{device=\"emu\"} 47.25\n"));
	assert_non_null(strstr(text, "eyrie_utilization_ratio{device=\"emu\"} 0.875\n"));
	assert_non_null(strstr(text, "eyrie_throttled{device=\"emu\"} 1\n"));
	free(text);
}

static void test_prom_label_escaping(void **state)
{
	struct prom_device d = { .name = "a\"b\\c\nd" };
	char *text;

	(void)state;
	d.sample.sz = sizeof(d.sample);
	text = render(&d, 1);
	assert_non_null(strstr(text, "eyrie_power_watts{device=\"a\\\"b\\\\c\\nd\"} 0\n"));
	free(text);
}

static const char fdinfo_eyrie[] =
	"pos:\t0\nflags:\t02100002\nmnt_id:\t29\nino:\t512\n"
	"drm-driver:\teyrie\ndrm-client-id:\t7\ndrm-pdev:\t0000:00:04.0\n"
	"drm-engine-normal:\t1500000 ns\ndrm-engine-high:\t500000 ns\n"
	"drm-engine-capacity-normal:\t1\n"
	"eyrie-cycles:\t12345\neyrie-context:\t3\neyrie-energy:\t987654321 fJ\n"
	"eyrie-device-busy:\t2000000 ns\neyrie-jobs-submitted:\t9\n"
	"eyrie-jobs-completed:\t8\neyrie-jobs-failed:\t1\n";

static void test_fdinfo_parse(void **state)
{
	struct telem_client c = { 0 };
	static const char other[] = "drm-driver:\ti915\ndrm-client-id:\t1\n";
	FILE *f;

	(void)state;
	f = fmemopen((void *)fdinfo_eyrie, strlen(fdinfo_eyrie), "r");
	assert_int_equal(telem_fdinfo_parse(f, &c), 1);
	fclose(f);
	assert_int_equal(c.client_id, 7);
	assert_string_equal(c.pdev, "0000:00:04.0");
	assert_int_equal(c.engine_ns, 2000000);
	assert_int_equal(c.energy_fj, 987654321ull);
	assert_int_equal(c.jobs_completed, 8);
	f = fmemopen((void *)other, strlen(other), "r");
	assert_int_equal(telem_fdinfo_parse(f, &c), 0);
	fclose(f);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A /proc look-alike: pid 100 has the device open twice (dup), 200 not. */
static void test_clients_scan(void **state)
{
	char root[] = "/tmp/eyrie-proc-XXXXXX", path[256];
	struct telem_client *list;
	int n;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/100", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/100/fdinfo", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/100/comm", root);
	write_file(path, "runner\n");
	snprintf(path, sizeof(path), "%s/100/fdinfo/3", root);
	write_file(path, fdinfo_eyrie);
	snprintf(path, sizeof(path), "%s/100/fdinfo/4", root);
	write_file(path, fdinfo_eyrie);
	snprintf(path, sizeof(path), "%s/200", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/200/fdinfo", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/200/fdinfo/0", root);
	write_file(path, "pos:\t0\nflags:\t0\n");
	snprintf(path, sizeof(path), "%s/self", root);
	mkdir(path, 0700);

	n = telem_clients_scan(root, &list);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].pid, 100);
	assert_string_equal(list[0].comm, "runner");
	assert_int_equal(list[0].energy_fj, 987654321ull);
	free(list);
	assert_true(telem_clients_scan("/nonexistent-proc", &list) < 0);

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_derived_values),
		cmocka_unit_test(test_sample_small_struct),
		cmocka_unit_test(test_power_between),
		cmocka_unit_test(test_prom_families),
		cmocka_unit_test(test_prom_label_escaping),
		cmocka_unit_test(test_fdinfo_parse),
		cmocka_unit_test(test_clients_scan),
	};

	return cmocka_run_group_tests_name("telemetry_unit", tests, NULL, NULL);
}
