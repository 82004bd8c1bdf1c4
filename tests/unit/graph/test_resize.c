// SPDX-License-Identifier: MIT
/*
 * Nearest x2 Resize / Upsample on the device: the DMA-only upsample
 * (graph/lower_resize.c, docs/models.md "Nearest Resize"), through the
 * public API on the emulated device.
 *
 * - Lowering decisions: a table of one-node models (QOperator form: the
 *   node on the int8/uint8 tensor; QDQ form: DequantizeLinear -> Resize
 *   [-> Relu] -> QuantizeLinear) over opsets 7 to 13, modes, coordinate
 *   transformations, nearest modes, scales and sizes. The combinations
 *   that give source index floor(i / 2) for an exact x2 must be on the
 *   device; every other one stays on the CPU and a node's reason says why.
 * - Every model runs: the output equals the CPU reference bit for bit
 *   and, independently of it, out(n, c, y, x) = in(n, c, y / 2, x / 2)
 *   (for the nodes on the device; the CPU rows only against the
 *   reference); the layer-wise check passes with no tie.
 * - The scheduler's prediction of the upsample layer equals the device's
 *   measurement: every energy domain (static within 1 ns x static power),
 *   cycles, DRAM words and bytes, no MAC; the same on a small GLB where
 *   each batch item's rows are banded into several tiles; a byte of the
 *   upsample's output flipped through the debug hook fails the check.
 * - Two upsamples joined by a QLinearConcat of equal parameters write
 *   their slices of its output in place (batch 2: the store's batch
 *   stride is the concat's channels); a concat that requantizes them stays
 *   on the CPU (the upsample has no pass for an activation table).
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

#include "accel/model.h"
#include "onnxw.h"

#define DT_FLOAT 1
#define DT_UINT8 2
#define DT_INT8 3
#define DT_INT64 7

enum form { QOP, QDQ, FLOAT };

struct rcase {
	const char *what;
	int opset;
	const char *op;			/* "Resize" or "Upsample" */
	enum form form;
	int dtype;			/* the quantized tensor's type */
	const char *mode, *coord, *near; /* NULL: the attribute left out */
	float scales[4];		/* all 0: sizes = scale 2 on H and W */
	int relu;			/* QDQ: Relu between Resize and QuantizeLinear */
	int zp;				/* QDQ: the tensors' zero point */
	float out_scale;		/* QDQ: the QuantizeLinear's scale (0: the input's) */
	int64_t dims[4];
	int device;			/* expected on the device */
	const char *why;		/* else: in some CPU node's reason */
};

#define X2 { 1, 1, 2, 2 }
#define D { 2, 3, 5, 7 }

static const struct rcase cases[] = {
	{ "opset 13 asymmetric floor int8", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric",
	  "floor", X2, 0, 0, 0, D, 1, NULL },
	{ "opset 13 asymmetric round_prefer_floor uint8 sizes", 13, "Resize", QOP, DT_UINT8,
	  "nearest", "asymmetric", "round_prefer_floor", { 0 }, 0, 0, 0, D, 1, NULL },
	{ "opset 11 defaults (half_pixel, round_prefer_floor)", 11, "Resize", QOP, DT_INT8, NULL,
	  NULL, NULL, X2, 0, 0, 0, D, 1, NULL },
	{ "opset 13 pytorch_half_pixel round_prefer_ceil", 13, "Resize", QOP, DT_UINT8, "nearest",
	  "pytorch_half_pixel", "round_prefer_ceil", X2, 0, 0, 0, { 1, 4, 1, 1 }, 1, NULL },
	{ "opset 11 half_pixel round_prefer_ceil sizes", 11, "Resize", QOP, DT_INT8, "nearest",
	  "half_pixel", "round_prefer_ceil", { 0 }, 0, 0, 0, D, 1, NULL },
	{ "opset 11 tf_half_pixel_for_nn floor", 11, "Resize", QOP, DT_INT8, "nearest",
	  "tf_half_pixel_for_nn", "floor", X2, 0, 0, 0, D, 1, NULL },
	{ "opset 10 Resize", 10, "Resize", QOP, DT_UINT8, "nearest", NULL, NULL, X2, 0, 0, 0, D,
	  1, NULL },
	{ "opset 9 Upsample", 9, "Upsample", QOP, DT_INT8, NULL, NULL, NULL, X2, 0, 0, 0, D, 1,
	  NULL },
	{ "opset 7 Upsample (scales attribute)", 7, "Upsample", QOP, DT_UINT8, "nearest", NULL,
	  NULL, X2, 0, 0, 0, D, 1, NULL },
	{ "QDQ int8 asymmetric floor", 13, "Resize", QDQ, DT_INT8, "nearest", "asymmetric",
	  "floor", X2, 0, -3, 0, D, 1, NULL },
	{ "QDQ uint8 half_pixel, a Relu that clamps nothing (zp 0)", 13, "Resize", QDQ, DT_UINT8,
	  "nearest", "half_pixel", "round_prefer_floor", X2, 1, 0, 0, D, 1, NULL },
	{ "QDQ opset 10", 10, "Resize", QDQ, DT_INT8, "nearest", NULL, NULL, X2, 0, 5, 0, D, 1,
	  NULL },
	/* the CPU: each with the reason */
	{ "align_corners", 13, "Resize", QOP, DT_INT8, "nearest", "align_corners",
	  "round_prefer_floor", X2, 0, 0, 0, D, 0, "floor(i / 2)" },
	{ "asymmetric ceil", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric", "ceil", X2, 0, 0,
	  0, D, 0, "floor(i / 2)" },
	{ "asymmetric round_prefer_ceil", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric",
	  "round_prefer_ceil", X2, 0, 0, 0, D, 0, "floor(i / 2)" },
	{ "half_pixel floor", 13, "Resize", QOP, DT_INT8, "nearest", "half_pixel", "floor", X2, 0,
	  0, 0, D, 0, "floor(i / 2)" },
	{ "tf_half_pixel_for_nn round_prefer_floor", 11, "Resize", QOP, DT_INT8, "nearest",
	  "tf_half_pixel_for_nn", "round_prefer_floor", X2, 0, 0, 0, D, 0, "floor(i / 2)" },
	{ "QDQ linear", 13, "Resize", QDQ, DT_INT8, "linear", "asymmetric", NULL, X2, 0, 0, 0, D,
	  0, "interpolates" },
	{ "x3", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric", "floor", { 1, 1, 3, 3 }, 0, 0,
	  0, D, 0, "exactly 2" },
	{ "x2 on H only", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric", "floor",
	  { 1, 1, 2, 1 }, 0, 0, 0, D, 0, "exactly 2" },
	{ "x2 on the channels too", 9, "Upsample", QOP, DT_INT8, NULL, NULL, NULL, { 1, 2, 2, 2 },
	  0, 0, 0, D, 0, "exactly 2" },
	{ "QDQ with another output scale", 13, "Resize", QDQ, DT_INT8, "nearest", "asymmetric",
	  "floor", X2, 0, 0, 0.0625f, D, 0, "does not rescale" },
	{ "QDQ with a Relu that clamps (zp 0 of int8)", 13, "Resize", QDQ, DT_INT8, "nearest",
	  "asymmetric", "floor", X2, 1, 0, 0, D, 0, "clamps" },
	{ "float Resize", 13, "Resize", FLOAT, DT_FLOAT, "nearest", "asymmetric", "floor", X2, 0,
	  0, 0, D, 0, "float Resize runs on the CPU" },
	{ "a row too long for the GLB", 13, "Resize", QOP, DT_INT8, "nearest", "asymmetric",
	  "floor", X2, 0, 0, 0, { 1, 1, 1, 30000 }, 0, "does not fit" },
};

static char path[] = "/tmp/eyrie-resize-XXXXXX";

static Onnx__AttributeProto *attr_floats(const char *name, int n, const float *v)
{
	Onnx__AttributeProto *a = mg_xmalloc(sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = mg_strdup(name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	a->n_floats = (size_t)n;
	a->floats = mg_xmalloc((size_t)n * sizeof(float));
	memcpy(a->floats, v, (size_t)n * sizeof(float));
	return a;
}

static void zp_init(struct mg_graph *g, const char *name, int dtype, int v)
{
	uint8_t z = (uint8_t)v;

	mg_init(g, name, dtype, 0, NULL, &z, 1);
}

static int by_sizes(const struct rcase *c)
{
	return !c->scales[0] && !c->scales[1] && !c->scales[2] && !c->scales[3];
}

/* The Resize / Upsample node from `in` to `out`, with the case's inputs and attributes. */
static void resize_node(struct mg_graph *g, const struct rcase *c, const char *in,
			const char *out)
{
	Onnx__AttributeProto *at[5] = { 0 };
	const char *ins[5] = { in, NULL };
	int a = 0, n = 1;
	int64_t four = 4;
	char scales[64], sizes[64];

	/* the node's own initializers: a graph may hold several of these nodes */
	snprintf(scales, sizeof(scales), "%s_scales", out);
	snprintf(sizes, sizeof(sizes), "%s_sizes", out);

	if (c->mode)
		at[a++] = mg_attr_string("mode", c->mode);
	if (c->coord)
		at[a++] = mg_attr_string("coordinate_transformation_mode", c->coord);
	if (c->near)
		at[a++] = mg_attr_string("nearest_mode", c->near);
	if (!strcmp(c->op, "Upsample") && c->opset < 9) {
		at[a++] = attr_floats("scales", 4, c->scales);
	} else if (c->opset < 11) {
		mg_init(g, scales, DT_FLOAT, 1, &four, c->scales, sizeof(c->scales));
		ins[n++] = scales;
	} else if (by_sizes(c)) {
		int64_t sz[4] = { c->dims[0], c->dims[1], 2 * c->dims[2], 2 * c->dims[3] };

		mg_init(g, sizes, DT_INT64, 1, &four, sz, sizeof(sz));
		ins[n++] = "";
		ins[n++] = "";
		ins[n++] = sizes;
	} else {
		mg_init(g, scales, DT_FLOAT, 1, &four, c->scales, sizeof(c->scales));
		ins[n++] = "";
		ins[n++] = scales;
	}
	ins[n] = NULL;
	{
		const char *outs[2] = { out, NULL };

		mg_node_dom(g, "", c->op, out, ins, outs, at);
	}
}

static void out_dims(const struct rcase *c, int64_t od[4])
{
	for (int k = 0; k < 4; k++)
		od[k] = c->dims[k] * (by_sizes(c) ? (k >= 2 ? 2 : 1) : (int64_t)c->scales[k]);
}

static void build(const struct rcase *c)
{
	struct mg_graph g = { 0 };
	int64_t od[4];

	out_dims(c, od);
	mg_io(&g, 0, "x", c->dtype, 4, c->dims);
	if (c->form != QDQ) {
		resize_node(&g, c, "x", "y");
		mg_io(&g, 1, "y", c->dtype, 4, od);
	} else {
		const char *dq[] = { "x", "s", "z", NULL }, *dqo[] = { "xf", NULL };
		const char *q[] = { c->relu ? "rf" : "yf", "ys", "z", NULL }, *qo[] = { "y", NULL };

		mg_init_scalar_f(&g, "s", 0.125f);
		mg_init_scalar_f(&g, "ys", c->out_scale ? c->out_scale : 0.125f);
		zp_init(&g, "z", c->dtype, c->zp);
		mg_node_dom(&g, "", "DequantizeLinear", "dq", dq, dqo, NULL);
		resize_node(&g, c, "xf", "yf");
		if (c->relu) {
			const char *r[] = { "yf", NULL }, *ro[] = { "rf", NULL };

			mg_node_dom(&g, "", "Relu", "relu", r, ro, NULL);
		}
		mg_node_dom(&g, "", "QuantizeLinear", "q", q, qo, NULL);
		mg_io(&g, 1, "y", c->dtype, 4, od);
	}
	assert_int_equal(mg_write_opset(&g, "resize", path, c->opset), 0);
}

static struct accel_tensor *seeded(int dtype, const int64_t dims[4], uint32_t seed)
{
	struct accel_tensor *t = accel_tensor_new(dtype, 4, dims);
	size_t n;

	assert_non_null(t);
	n = accel_tensor_count(t);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		if (dtype == DT_FLOAT)
			((float *)accel_tensor_data(t))[i] = (float)((int)(seed >> 24) - 128) / 16;
		else
			((uint8_t *)accel_tensor_data(t))[i] = (uint8_t)(seed >> 24);
	}
	return t;
}

/* out(n, c, y, x) = in(n, c, y / 2, x / 2), byte for byte. */
static void assert_doubled(struct accel_tensor *in, struct accel_tensor *out,
			   const int64_t d[4])
{
	const uint8_t *a = accel_tensor_data(in), *b = accel_tensor_data(out);
	int64_t H = d[2], W = d[3], bad = 0;

	assert_int_equal(accel_tensor_count(out), 4 * accel_tensor_count(in));
	for (int64_t p = 0; p < d[0] * d[1]; p++)
		for (int64_t y = 0; y < 2 * H; y++)
			for (int64_t x = 0; x < 2 * W; x++)
				bad += b[(p * 2 * H + y) * 2 * W + x] != a[(p * H + y / 2) * W + x / 2];
	assert_int_equal(bad, 0);
}

/* The prediction of every device layer equals its measurement. */
static int assert_predicted(struct accel_device *dev, struct accel_model *m)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	int n = 0;

	assert_int_equal(accel_device_info(dev, &info), 0);
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };
		const struct accel_layer_stats *me = &li.measured, *pr = &li.predicted;
		long long dstatic;

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		if (li.on != ACCEL_ON_DEVICE)
			continue;
		assert_true(li.has_prediction);
		dstatic = (long long)me->energy_fj[ACCEL_ENERGY_STATIC] -
			  (long long)pr->energy_fj[ACCEL_ENERGY_STATIC];
		print_message("# %-10s %-36s %u commands, cycles %llu / %llu, dram words %llu / %llu, glb %llu / %llu fJ (measured / predicted)\n",
			      li.name, li.op, li.commands, (unsigned long long)me->cycles,
			      (unsigned long long)pr->cycles, (unsigned long long)me->dram_words,
			      (unsigned long long)pr->dram_words,
			      (unsigned long long)me->energy_fj[ACCEL_ENERGY_GLB],
			      (unsigned long long)pr->energy_fj[ACCEL_ENERGY_GLB]);
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			if (d != ACCEL_ENERGY_STATIC && me->energy_fj[d] != pr->energy_fj[d])
				fail_msg("%s: energy[%d] measured %llu fJ, predicted %llu fJ", li.name, d,
					 (unsigned long long)me->energy_fj[d],
					 (unsigned long long)pr->energy_fj[d]);
		assert_true(me->cycles == pr->cycles);
		assert_true(me->dram_words == pr->dram_words);
		assert_true(me->dram_bytes == pr->dram_bytes);
		assert_true(me->macs == 0 && pr->macs == 0);
		assert_true(me->energy_fj[ACCEL_ENERGY_DRAM] > 0 && me->cycles > 0);
		assert_true(llabs(dstatic) <= (long long)info.static_mw * 1000);
		n++;
	}
	return n;
}

static void check_runs(struct accel_model *m, struct accel_tensor *x, int on_device,
		       const int64_t dims[4])
{
	struct accel_tensor *out[1] = { 0 }, *ref[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	double diff = -1;

	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	assert_true(diff == 0);
	if (on_device)
		assert_doubled(x, out[0], dims);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.mismatches, 0);
	assert_int_equal(cr.ties, 0);
	assert_int_equal(cr.layers_checked, on_device);
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
}

static void test_lowering_table(void **state)
{
	struct accel_device *dev;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct rcase *c = &cases[k];
		struct accel_model *m;
		struct accel_tensor *x;
		int dev_nodes = 0, cpu_nodes = 0, why_found = 0;

		build(c);
		if (accel_model_load(dev, path, NULL, &m))
			fail_msg("%s: load: %s", c->what, accel_last_error());
		for (int i = 0; i < accel_model_node_count(m); i++) {
			struct accel_node_info ni = { .sz = sizeof(ni) };

			assert_int_equal(accel_model_node_info(m, i, &ni), 0);
			print_message("# %-55s %-16s %-6s %s\n", c->what, ni.op,
				      ni.on == ACCEL_ON_DEVICE ? "device" :
				      ni.on == ACCEL_ON_CPU ? "cpu" : "none", ni.reason);
			dev_nodes += ni.on == ACCEL_ON_DEVICE;
			cpu_nodes += ni.on == ACCEL_ON_CPU;
			if (ni.on == ACCEL_ON_CPU && c->why && strstr(ni.reason, c->why))
				why_found = 1;
		}
		if (c->device) {
			/* every node on the device (the island's nodes fused into one layer) */
			if (cpu_nodes || !dev_nodes)
				fail_msg("%s: %d nodes on the CPU, %d on the device; expected all on the device",
					 c->what, cpu_nodes, dev_nodes);
			assert_int_equal(accel_model_layer_count(m), 1);
		} else {
			if (!why_found)
				fail_msg("%s: no CPU node says '%s'", c->what, c->why);
			if (c->form == QOP)
				assert_int_equal(dev_nodes, 0);
		}
		x = seeded(c->dtype, c->dims, (uint32_t)k + 1);
		check_runs(m, x, c->device, c->dims);
		if (c->device)
			assert_int_equal(assert_predicted(dev, m), 1);
		accel_tensor_free(x);
		accel_model_free(m);
	}
	accel_device_close(dev);
}

/*
 * A GLB of 2 KiB: 4 x 30 output bytes per input row, 17 rows per tile, so
 * each batch item's 3 x 20 rows take 3 full tiles and a ragged one.
 */
static void test_banded(void **state)
{
	static const struct rcase c = { "banded", 13, "Resize", QOP, DT_INT8, "nearest",
					"asymmetric", "floor", X2, 0, 0, 0, { 2, 3, 20, 30 }, 1,
					NULL };
	struct accel_device_opts o = { .sz = sizeof(o), .emu_glb_bytes = 2048 };
	struct accel_layer_info li = { .sz = sizeof(li) };
	struct accel_device *dev;
	struct accel_model *m;
	struct accel_tensor *x;

	(void)state;
	assert_int_equal(accel_device_open("emu", &o, &dev), 0);
	build(&c);
	if (accel_model_load(dev, path, NULL, &m))
		fail_msg("load: %s", accel_last_error());
	x = seeded(DT_INT8, c.dims, 99);
	check_runs(m, x, 1, c.dims);
	assert_int_equal(assert_predicted(dev, m), 1);
	assert_int_equal(accel_model_layer_info(m, 0, &li), 0);
	/* load, barrier, store, barrier per tile: 2 items x 4 tiles */
	assert_int_equal(li.commands, 2 * 4 * 4);
	/* each element crosses DRAM 4 times read (broadcast) and 4 times written */
	assert_int_equal(li.measured.dram_words, 8ull * 2 * 3 * 20 * 30);
	accel_model_free(m);
	/* one byte of the upsample's output flipped (debug hook): the check names it */
	setenv("EYRIE_DEBUG_CORRUPT_LAYER", "y", 1);
	if (accel_model_load(dev, path, NULL, &m))
		fail_msg("load: %s", accel_last_error());
	unsetenv("EYRIE_DEBUG_CORRUPT_LAYER");
	{
		struct accel_tensor *out[1] = { 0 };
		struct accel_check_result cr = { .sz = sizeof(cr) };

		assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
		assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
		assert_false(cr.ok);
		assert_int_equal(cr.mismatches, 1);
		assert_int_equal(cr.first_failed_layer, 0);
		accel_tensor_free(out[0]);
	}
	accel_tensor_free(x);
	accel_model_free(m);
	accel_device_close(dev);
}

/*
 * x (uint8, batch 2, 3 channels) -> two upsamples -> QLinearConcat on
 * channels. With the concat's parameters equal to x's, both upsamples write
 * their slices of its output in place; with another output scale the concat
 * requantizes them and runs on the CPU, saying why.
 */
static void build_concat(float ys)
{
	static const struct rcase c = { "concat", 13, "Resize", QOP, DT_UINT8, "nearest",
					"asymmetric", "floor", X2, 0, 0, 0, { 2, 3, 4, 5 }, 1,
					NULL };
	struct mg_graph g = { 0 };
	int64_t od[4] = { 2, 6, 8, 10 };

	mg_io(&g, 0, "x", DT_UINT8, 4, c.dims);
	resize_node(&g, &c, "x", "up1");
	resize_node(&g, &c, "x", "up2");
	mg_init_scalar_f(&g, "s", 0.5f);
	mg_init_scalar_f(&g, "ys", ys);
	zp_init(&g, "z", DT_UINT8, 128);
	{
		const char *ins[] = { "ys", "z", "up1", "s", "z", "up2", "s", "z", NULL };
		const char *outs[] = { "y", NULL };
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 1), NULL };

		mg_node_dom(&g, "com.microsoft", "QLinearConcat", "cat", ins, outs, at);
	}
	mg_io(&g, 1, "y", DT_UINT8, 4, od);
	assert_int_equal(mg_write_opset(&g, "resize_concat", path, 13), 0);
}

static void test_concat(void **state)
{
	int64_t xd[4] = { 2, 3, 4, 5 };
	struct accel_device *dev;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	for (int requant = 0; requant < 2; requant++) {
		struct accel_tensor *x = seeded(DT_UINT8, xd, 7), *out[1] = { 0 }, *ref[1] = { 0 };
		struct accel_check_result cr = { .sz = sizeof(cr) };
		struct accel_run_stats st = { .sz = sizeof(st) };
		struct accel_model *m;
		int cat_cpu = 0;
		double diff = -1;

		build_concat(requant ? 0.25f : 0.5f);
		if (accel_model_load(dev, path, NULL, &m))
			fail_msg("load: %s", accel_last_error());
		for (int i = 0; i < accel_model_node_count(m); i++) {
			struct accel_node_info ni = { .sz = sizeof(ni) };

			assert_int_equal(accel_model_node_info(m, i, &ni), 0);
			print_message("# %-8s %-14s %-6s %s\n", requant ? "requant" : "in place",
				      ni.op, ni.on == ACCEL_ON_DEVICE ? "device" :
				      ni.on == ACCEL_ON_CPU ? "cpu" : "none", ni.reason);
			if (!strcmp(ni.op, "Resize"))
				assert_int_equal(ni.on, ACCEL_ON_DEVICE);
			if (!strcmp(ni.op, "QLinearConcat") && ni.on == ACCEL_ON_CPU) {
				assert_non_null(strstr(ni.reason, "DMA-only upsample"));
				cat_cpu = 1;
			}
		}
		assert_int_equal(cat_cpu, requant);
		assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
		assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
		assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
		assert_true(diff == 0);
		assert_int_equal(accel_model_run_stats(m, &st), 0);
		assert_int_equal(st.concats_in_place, !requant);
		if (!requant) {
			/* channels [0, 3) and [3, 6) of each item: x doubled */
			const uint8_t *a = accel_tensor_data(x), *b = accel_tensor_data(out[0]);
			int bad = 0;

			for (int n = 0; n < 2; n++)
				for (int c = 0; c < 6; c++)
					for (int y = 0; y < 8; y++)
						for (int xx = 0; xx < 10; xx++)
							bad += b[((n * 6 + c) * 8 + y) * 10 + xx] !=
							       a[((n * 3 + c % 3) * 4 + y / 2) * 5 + xx / 2];
			assert_int_equal(bad, 0);
		}
		assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
		assert_true(cr.ok);
		assert_int_equal(cr.layers_checked, 2);
		assert_int_equal(cr.mismatches + cr.ties, 0);
		assert_int_equal(assert_predicted(dev, m), 2);
		accel_tensor_free(out[0]);
		accel_tensor_free(ref[0]);
		accel_tensor_free(x);
		accel_model_free(m);
	}
	accel_device_close(dev);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lowering_table),
		cmocka_unit_test(test_banded),
		cmocka_unit_test(test_concat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
