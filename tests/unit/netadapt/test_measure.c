// SPDX-License-Identifier: MIT
/*
 * NetAdapt's measurements: accel_layer_measure() on the emulated device
 * (conv, FC, depthwise; what the device counts equals the scheduler's
 * prediction, as docs/scheduler.md states for conv/FC layers), the layer
 * specs of a model (accel_model_layer_spec), bad specs and options; and
 * accelctl's LUT file: round trip, lookups between measured points, and
 * every kind of bad file refused with a message naming the cause.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/measure.h"
#include "lut.h"
#include "onnxw.h"

#define DT_FLOAT 1

static struct accel_device *dev;

static uint64_t total(const struct accel_layer_stats *st)
{
	uint64_t t = 0;

	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		t += st->energy_fj[d];
	return t;
}

static void expect_measured_as_predicted(const char *text)
{
	struct accel_layer_spec sp;
	struct accel_layer_measurement r = { .sz = sizeof(r) };
	struct accel_device_info info = { .sz = sizeof(info) };

	assert_int_equal(accel_layer_spec_parse(text, &sp), 0);
	sp.per_channel = 1;
	assert_int_equal(accel_layer_measure(dev, &sp, NULL, &r), 0);
	assert_int_equal(accel_device_info(dev, &info), 0);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
		int64_t diff = (int64_t)r.measured.energy_fj[d] - (int64_t)r.predicted.energy_fj[d];

		if (d == ACCEL_ENERGY_STATIC)	/* within 1 ns x static power */
			assert_true(llabs(diff) <= (long long)info.static_mw * 1000);
		else
			assert_int_equal(diff, 0);
	}
	assert_true(total(&r.measured) > 0);
	assert_int_equal(r.measured.cycles, r.predicted.cycles);
	assert_int_equal(r.measured.dram_words, r.predicted.dram_words);
	assert_int_equal(r.measured.macs, accel_layer_spec_macs(&sp));
	assert_true(r.commands > 0);
	assert_true(r.job_cycles >= r.measured.cycles);
	assert_true(r.job_energy_fj >= total(&r.measured));
}

static void test_measure_layers(void **state)
{
	(void)state;
	expect_measured_as_predicted("conv:c=16,m=24,h=14,w=14,r=3,s=3,stride=1,pad=1");
	expect_measured_as_predicted("conv:c=3,m=8,h=21,w=17,r=5,s=3,stride=2,pad=1");
	expect_measured_as_predicted("dwconv:c=32,h=12,r=3,pad=1");
	expect_measured_as_predicted("conv:c=8,m=12,h=10,r=3,groups=4");
	expect_measured_as_predicted("fc:n=2,c=96,m=40");
}

/* Fewer channels cost less: what NetAdapt's look-ups rely on. */
static void test_measure_monotonic(void **state)
{
	struct accel_layer_spec sp;
	uint64_t last = UINT64_MAX;

	(void)state;
	assert_int_equal(accel_layer_spec_parse("conv:c=32,m=32,h=8,r=3,pad=1", &sp), 0);
	for (uint32_t m = 32; m >= 8; m -= 8) {
		struct accel_layer_measurement r = { .sz = sizeof(r) };

		sp.m = m;
		assert_int_equal(accel_layer_measure(dev, &sp, NULL, &r), 0);
		assert_true(total(&r.measured) < last);
		last = total(&r.measured);
	}
}

static void test_measure_errors(void **state)
{
	struct accel_layer_spec sp;
	struct accel_layer_measurement r = { .sz = sizeof(r) };
	struct {
		struct accel_measure_opts o;
		char tail[8];
	} big = { .o = { .sz = sizeof(big) }, .tail = { 1 } };

	(void)state;
	assert_int_equal(accel_layer_spec_parse("conv:c=8,m=8,h=8,r=3", &sp), 0);
	assert_int_equal(accel_layer_measure(NULL, &sp, NULL, &r), -EINVAL);
	assert_int_equal(accel_layer_measure(dev, NULL, NULL, &r), -EINVAL);
	assert_int_equal(accel_layer_measure(dev, &sp, NULL, NULL), -EINVAL);
	/* a newer caller's option set: refused */
	assert_int_equal(accel_layer_measure(dev, &sp, &big.o, &r), -EINVAL);
	sp.op = ACCEL_LAYER_MAXPOOL;
	assert_int_equal(accel_layer_measure(dev, &sp, NULL, &r), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "only conv and fc"));
	sp.op = ACCEL_LAYER_CONV;
	sp.groups = 3;
	assert_int_equal(accel_layer_measure(dev, &sp, NULL, &r), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "does not divide"));
	sp.groups = 1;
	sp.r = sp.s = 11;
	assert_int_equal(accel_layer_measure(dev, &sp, NULL, &r), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "larger than"));
}

/* A float Conv(+bias) -> Relu -> MaxPool -> Flatten -> Gemm model. */
static void build_float(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 8, 8 }, wd[4] = { 6, 3, 3, 3 }, bd[1] = { 6 };
	int64_t fd[2] = { 5, 96 }, od[2] = { 1, 5 };
	static float w[6 * 27], b[6], fc[5 * 96];
	int64_t k3[2] = { 3, 3 }, p1[4] = { 1, 1, 1, 1 }, k2[2] = { 2, 2 };
	Onnx__AttributeProto *conv_at[] = { mg_attr_ints("kernel_shape", 2, k3),
					    mg_attr_ints("pads", 4, p1), NULL };
	Onnx__AttributeProto *pool_at[] = { mg_attr_ints("kernel_shape", 2, k2),
					    mg_attr_ints("strides", 2, k2), NULL };
	Onnx__AttributeProto *gemm_at[] = { mg_attr_int("transB", 1), NULL };
	const char *conv_in[] = { "x", "w", "b", NULL }, *relu_in[] = { "y", NULL };
	const char *pool_in[] = { "yr", NULL }, *flat_in[] = { "p", NULL };
	const char *gemm_in[] = { "f", "fc", NULL };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = (float)((int)(i * 37 % 19) - 9) / 16.0f;
	for (size_t i = 0; i < sizeof(fc) / sizeof(fc[0]); i++)
		fc[i] = (float)((int)(i * 53 % 23) - 11) / 32.0f;
	mg_io(&g, 0, "x", DT_FLOAT, 4, xd);
	mg_io(&g, 1, "out", DT_FLOAT, 2, od);
	mg_init(&g, "w", DT_FLOAT, 4, wd, w, sizeof(w));
	mg_init(&g, "b", DT_FLOAT, 1, bd, b, sizeof(b));
	mg_init(&g, "fc", DT_FLOAT, 2, fd, fc, sizeof(fc));
	mg_node(&g, "Conv", "conv", conv_in, "y", conv_at);
	mg_node(&g, "Relu", "relu", relu_in, "yr", NULL);
	mg_node(&g, "MaxPool", "pool", pool_in, "p", pool_at);
	mg_node(&g, "Flatten", "flat", flat_in, "f", NULL);
	mg_node(&g, "Gemm", "gemm", gemm_in, "out", gemm_at);
	assert_int_equal(mg_write(&g, "float", path), 0);
}

static void test_model_layer_spec(void **state)
{
	char path[] = "/tmp/eyrie-netadapt-float-XXXXXX";
	struct accel_model_opts mo = { .sz = sizeof(mo), .cpu_only = true };
	struct accel_model *m;
	struct accel_layer_spec sp;
	int fd = mkstemp(path), conv = -1, gemm = -1, relu = -1;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	build_float(path);
	assert_int_equal(accel_model_load(NULL, path, &mo, &m), 0);
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		if (!strcmp(li.name, "conv"))
			conv = i;
		else if (!strcmp(li.name, "gemm"))
			gemm = i;
		else if (!strcmp(li.name, "relu"))
			relu = i;
	}
	assert_true(conv >= 0 && gemm >= 0 && relu >= 0);
	assert_int_equal(accel_model_layer_spec(m, conv, &sp), 0);
	assert_int_equal(sp.op, ACCEL_LAYER_CONV);
	assert_int_equal(sp.c, 3);
	assert_int_equal(sp.m, 6);
	assert_int_equal(sp.h, 8);
	assert_int_equal(sp.r, 3);
	assert_int_equal(sp.pad_t, 1);
	assert_int_equal(sp.dil_h, 1);
	assert_int_equal(sp.no_bias, 0);
	assert_int_equal(sp.per_channel, 1);
	assert_int_equal(accel_model_layer_spec(m, gemm, &sp), 0);
	assert_int_equal(sp.op, ACCEL_LAYER_FC);
	assert_int_equal(sp.c, 96);
	assert_int_equal(sp.m, 5);
	assert_int_equal(sp.no_bias, 1);
	assert_int_equal(accel_model_layer_spec(m, relu, &sp), -ENOENT);
	assert_int_equal(accel_model_layer_spec(m, 999, &sp), -EINVAL);
	accel_model_free(m);
	unlink(path);
}

/* ---- the LUT file ---- */

static void make_lut(struct lut *t)
{
	struct accel_layer_spec conv, dw;

	memset(t, 0, sizeof(*t));
	assert_int_equal(accel_layer_spec_parse("conv:c=16,m=8,h=8,r=3,pad=1", &conv), 0);
	assert_int_equal(accel_layer_spec_parse("dwconv:c=8,h=8,r=3,pad=1", &dw), 0);
	conv.per_channel = dw.per_channel = 1;
	t->version = LUT_VERSION;
	snprintf(t->model, sizeof(t->model), "net, \"quoted\".onnx");
	snprintf(t->device, sizeof(t->device), "emu");
	snprintf(t->dataflow, sizeof(t->dataflow), "rs");
	t->clock_khz = 200000;
	{
		struct accel_layer_spec both[2] = { conv, dw };

		t->fingerprint = lut_fingerprint(both, 2);
	}
	{
		struct lut_layer *l = lut_add_layer(t, 0, "conv,1", &conv);

		/* energy = 1000 * c * m fJ: bilinear look-ups are exact */
		for (uint32_t c = 16; c >= 8; c -= 8)
			for (uint32_t m = 8; m >= 4; m -= 4) {
				struct accel_layer_stats st = { .cycles = c + m, .dram_words = c * m };

				st.energy_fj[ACCEL_ENERGY_MAC] = 1000ull * c * m;
				assert_int_equal(lut_add_entry(l, c, m, 1, &st), 0);
			}
	}
	{
		struct lut_layer *l = lut_add_layer(t, 1, "dw", &dw);

		for (uint32_t c = 8; c >= 4; c -= 4) {
			struct accel_layer_stats st = { .cycles = 10 * c };

			st.energy_fj[ACCEL_ENERGY_RF] = 500ull * c;
			assert_int_equal(lut_add_entry(l, c, c, c, &st), 0);
		}
	}
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, (1 << 16) - 1, f) > 0);
	fclose(f);
	return buf;
}

static void test_lut_round_trip(void **state)
{
	char path[] = "/tmp/eyrie-netadapt-lut-XXXXXX", err[512];
	struct lut t, back;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	make_lut(&t);
	assert_int_equal(lut_write_csv(&t, f), 0);
	fclose(f);
	assert_int_equal(lut_read(path, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_l, 2);
	assert_string_equal(back.l[0].name, "conv,1");
	assert_int_equal(back.fingerprint, t.fingerprint);
	assert_int_equal(back.l[0].n_e, 4);
	assert_int_equal(back.l[1].full.groups, 8);
	/* measured points exactly; between them bilinear (exact on c * m) */
	assert_true(lut_lookup(&back.l[0], 16, 8, LUT_ENERGY) == 1000.0 * 16 * 8);
	assert_true(fabs(lut_lookup(&back.l[0], 12, 6, LUT_ENERGY) - 1000.0 * 12 * 6) < 1e-6);
	assert_true(lut_lookup(&back.l[0], 12, 8, LUT_CYCLES) == 20);
	assert_true(lut_lookup(&back.l[0], 8, 4, LUT_DRAM) == 32);
	/* below the smallest measured count: linear toward 0 */
	assert_true(fabs(lut_lookup(&back.l[0], 4, 4, LUT_ENERGY) - 1000.0 * 4 * 4) < 1e-6);
	/* depthwise: one axis */
	assert_true(lut_lookup(&back.l[1], 6, 6, LUT_ENERGY) == 3000);
	lut_free(&back);
	lut_free(&t);
	unlink(path);
}

/* A LUT text edited by fn must be refused with a message holding want. */
static void expect_bad(const char *good, void (*edit)(char *), const char *want)
{
	char path[] = "/tmp/eyrie-netadapt-bad-XXXXXX", err[512] = "";
	char *text = calloc(1, strlen(good) + 64);
	struct lut t;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_non_null(text);
	strcpy(text, good);
	edit(text);
	write_text(path, text);
	assert_int_equal(lut_read(path, &t, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("expected '%s' in: %s", want, err);
	assert_non_null(strstr(err, "profile"));	/* names the fix */
	free(text);
	unlink(path);
}

static void edit_version(char *s)
{
	char *v = strstr(s, "version=1");

	v[8] = '7';
}

static void edit_truncate(char *s)
{
	char *end = s + strlen(s) - 1;

	*end = 0;
	*strrchr(s, '\n') = 0;	/* drop the last row */
	strcat(s, "\n");
}

static void edit_cut_row(char *s)
{
	s[strlen(s) - 20] = 0;	/* a row cut in the middle */
}

/* Replaces the first what in s by with (s has room: expect_bad allocates it). */
static void replace(char *s, const char *what, const char *with)
{
	char *p = strstr(s, what);

	assert_non_null(p);
	memmove(p + strlen(with), p + strlen(what), strlen(p + strlen(what)) + 1);
	memcpy(p, with, strlen(with));
}

static void edit_nan(char *s)
{
	/* the first row's cycles (c + m = 24) and DRAM words (c * m = 128) */
	replace(s, ",24,128,", ",nan,128,");
}

static void edit_magic(char *s)
{
	s[3] = 'X';
}

static void edit_no_full(char *s)
{
	/* the conv's full-size row (bias, per-channel, c=16, m=8, groups 1) says c=15 */
	replace(s, ",1,1,16,8,1,", ",1,1,15,8,1,");
}

static void test_lut_bad_files(void **state)
{
	char path[] = "/tmp/eyrie-netadapt-good-XXXXXX";
	struct lut t;
	FILE *f;
	char *good;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	make_lut(&t);
	assert_int_equal(lut_write_csv(&t, f), 0);
	fclose(f);
	lut_free(&t);
	good = read_text(path);
	unlink(path);
	expect_bad(good, edit_version, "version 7");
	expect_bad(good, edit_truncate, "truncated");
	expect_bad(good, edit_cut_row, "fields");
	expect_bad(good, edit_nan, "NaN");
	expect_bad(good, edit_magic, "not a NetAdapt LUT");
	expect_bad(good, edit_no_full, "no point at its full size");
	free(good);
}

static void test_lut_wrong_model(void **state)
{
	struct lut t;
	struct accel_layer_spec other[2];
	char names[2][128] = { "a", "b" }, err[512];

	(void)state;
	make_lut(&t);
	other[0] = t.l[0].full;
	other[1] = t.l[1].full;
	assert_int_equal(lut_match_model(&t, "net.onnx", other, names, 2, err, sizeof(err)), 0);
	other[0].m = 9;
	assert_int_equal(lut_match_model(&t, "other.onnx", other, names, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "profiled for"));
	assert_non_null(strstr(err, "accelctl profile other.onnx"));
	/* a LUT of some layers only (--layers) */
	other[0].m = 8;
	t.l[1].index = 5;
	assert_int_equal(lut_match_model(&t, "net.onnx", other, names, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no entries for layer 'b'"));
	lut_free(&t);
}

static int setup(void **state)
{
	(void)state;
	return accel_device_open("emu", NULL, &dev) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	accel_device_close(dev);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measure_layers),
		cmocka_unit_test(test_measure_monotonic),
		cmocka_unit_test(test_measure_errors),
		cmocka_unit_test(test_model_layer_spec),
		cmocka_unit_test(test_lut_round_trip),
		cmocka_unit_test(test_lut_bad_files),
		cmocka_unit_test(test_lut_wrong_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
