// SPDX-License-Identifier: MIT
/*
 * Graph unit tests: fixed-point requantization against the reference (the
 * documented 1-LSB bound on ties), window arithmetic, reference kernels on
 * known answers, broadcasting, and lowering (uint8 moved to int8;
 * MatMulInteger to an int32-output FC layer).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/lower.h"
#include "graph/ref.h"
#include "graph/registry.h"
#include "graph/window.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void test_quant_mult_exact_powers(void **state)
{
	int32_t m, s;

	(void)state;
	assert_int_equal(gr_quant_mult(1.0, &m, &s), 0);
	assert_int_equal(m, 1 << 30);
	assert_int_equal(s, -1);	/* t = 30: 2^30 * 2^-30 = 1 */
	assert_int_equal(gr_quant_mult(0.5, &m, &s), 0);
	assert_int_equal(gr_device_rq(1000, m, s), 500);
	assert_int_equal(gr_quant_mult(0.0, &m, &s), -ERANGE);
	assert_int_equal(gr_quant_mult(-1.0, &m, &s), -ERANGE);
	assert_int_equal(gr_quant_mult(ldexp(1, 40), &m, &s), -ERANGE);
	assert_int_equal(gr_quant_mult(ldexp(1, -40), &m, &s), -ERANGE);
	assert_int_equal(gr_quant_mult(NAN, &m, &s), -ERANGE);
}

/*
 * The documented bound: for random scales and accumulators, the device's
 * fixed-point result differs from round-half-even(acc * real) by at most 1,
 * and only when acc * real lies within 2^-20 of a half-integer (a tie or a
 * near-tie the 31-bit multiplier cannot resolve).
 */
static void test_requant_bound(void **state)
{
	long mismatches = 0, total = 0;

	(void)state;
	for (int k = 0; k < 2000; k++) {
		double real = ldexp(1.0 + (double)(rnd() >> 11) / 9007199254740992.0,
				    -(int)(rnd() % 20));
		int32_t m, s;

		assert_int_equal(gr_quant_mult(real, &m, &s), 0);
		assert_true(m >= (1 << 30) && m <= 2147483647);
		for (int j = 0; j < 500; j++) {
			int64_t acc = (int64_t)(rnd() % 2000001) - 1000000;
			double exact = (double)acc * real;
			int64_t dev = gr_device_rq(acc, m, s);
			int64_t ref = (int64_t)nearbyint(exact);
			double frac = fabs(exact - floor(exact) - 0.5);

			total++;
			if (dev != ref) {
				mismatches++;
				assert_true(llabs(dev - ref) <= 1);
				assert_true(frac <= ldexp(1, -20) * fmax(1, fabs(exact)));
			}
		}
	}
	/* exact ties (acc * real = k + 0.5): half-up vs half-even */
	{
		int32_t m, s;

		assert_int_equal(gr_quant_mult(0.5, &m, &s), 0);
		assert_int_equal(gr_device_rq(5, m, s), 3);	/* 2.5 -> 3 */
		assert_int_equal((int64_t)nearbyint(2.5), 2);	/* ONNX: 2 */
		assert_int_equal(gr_device_rq(-5, m, s), -2);	/* -2.5 -> -2 */
	}
	print_message("# %ld of %ld random cases differ by 1 LSB (ties)\n", mismatches, total);
	assert_true(mismatches * 1000 < total);	/* rare */
}

static void test_window_autopad(void **state)
{
	struct gr_window w = { .sh = 2, .sw = 2, .dh = 1, .dw = 1, .auto_pad = GR_PAD_SAME_UPPER };
	struct gr_geom g;
	struct gr_err err;

	(void)state;
	assert_int_equal(gr_window_resolve(&w, 5, 5, 3, 3, &g, &err, "n"), 0);
	assert_int_equal(g.oh, 3);
	assert_int_equal(g.pt, 1);
	assert_int_equal(g.pb, 1);
	w.auto_pad = GR_PAD_SAME_LOWER;
	w.sh = w.sw = 1;
	assert_int_equal(gr_window_resolve(&w, 4, 4, 2, 2, &g, &err, "n"), 0);
	assert_int_equal(g.pt, 1);
	assert_int_equal(g.pb, 0);
	w.auto_pad = GR_PAD_NOTSET;
	w.ceil_mode = 1;
	w.sh = w.sw = 2;
	assert_int_equal(gr_window_resolve(&w, 4, 4, 3, 3, &g, &err, "n"), 0);
	assert_int_equal(g.oh, 2);
	assert_int_equal(gr_window_resolve(&w, 2, 2, 3, 3, &g, &err, "pool9"), -EINVAL);
	assert_non_null(strstr(err.msg, "pool9"));
}

/* The registry row of a default-domain op at opset 13. */
static const struct gr_op_def *row(const char *name)
{
	const struct gr_op_def *d = NULL;
	char why[200];

	assert_int_equal(gr_op_lookup("", name, 13, &d, why, sizeof(why)), 0);
	return d;
}

/* Lookup by domain and opset; unknown ops and domains say why. */
static void test_registry_lookup(void **state)
{
	const struct gr_op_def *d = NULL;
	char why[256];

	(void)state;
	assert_int_equal(gr_op_lookup("", "Conv", 7, &d, why, sizeof(why)), 0);
	assert_string_equal(d->name, "Conv");
	assert_non_null(d->infer);
	assert_non_null(d->ref);
	/* "ai.onnx" is the default domain */
	assert_int_equal(gr_op_lookup("ai.onnx", "QLinearConv", 21, &d, why, sizeof(why)), 0);
	assert_string_equal(d->name, "QLinearConv");
	assert_non_null(d->lower);
	/* QLinearConv is defined from opset 10 */
	assert_int_equal(gr_op_lookup("", "QLinearConv", 9, &d, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "from opset 10"));
	assert_non_null(strstr(why, "opset 9"));
	/* one op, two rows: Softmax's axis semantics change at opset 13 */
	{
		const struct gr_op_def *s11 = NULL, *s13 = NULL;

		assert_int_equal(gr_op_lookup("", "Softmax", 11, &s11, why, sizeof(why)), 0);
		assert_int_equal(gr_op_lookup("", "Softmax", 13, &s13, why, sizeof(why)), 0);
		assert_true(s11 != s13);
		assert_int_equal(s11->until, 12);
		assert_int_equal(s13->since, 13);
	}
	/* a row that ends: Upsample is deprecated from opset 10 */
	assert_int_equal(gr_op_lookup("", "Upsample", 10, &d, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "opsets 7 to 9"));
	assert_int_equal(gr_op_lookup("", "LSTM", 13, &d, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "unsupported op 'LSTM'"));
	assert_int_equal(gr_op_lookup("com.example", "Conv", 1, &d, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(why, "com.example"));
	/* every row is complete and no two rows of one op overlap in opsets */
	for (int i = 0; i < gr_op_count(); i++) {
		const struct gr_op_def *a = gr_op_at(i);

		assert_non_null(a->name);
		assert_non_null(a->domain);
		assert_non_null(a->infer);
		assert_non_null(a->ref);
		assert_true(a->since >= 1);
		for (int j = i + 1; j < gr_op_count(); j++) {
			const struct gr_op_def *b = gr_op_at(j);

			if (strcmp(a->name, b->name) || strcmp(a->domain, b->domain))
				continue;
			assert_true((a->until && a->until < b->since) ||
				    (b->until && b->until < a->since));
		}
	}
	assert_null(gr_op_at(gr_op_count()));
}

static struct gr_value *val(int dtype, int rank, const int64_t *dims, const void *data)
{
	struct gr_value *v = gr_value_new(dtype, rank, dims, NULL);

	assert_non_null(v);
	memcpy(v->data, data, v->count * gr_dtype_size(dtype));
	return v;
}

/* QLinearConv 1x1x3x3 input, 1x1x2x2 weights, uint8, scales 0.5/0.5/1. */
static void test_ref_qlinearconv(void **state)
{
	int64_t xd[4] = { 1, 1, 3, 3 }, wd[4] = { 1, 1, 2, 2 }, sd[1] = { 1 };
	uint8_t x[9] = { 10, 11, 12, 13, 14, 15, 16, 17, 18 }, w[4] = { 1, 2, 3, 4 };
	float half = 0.5f, one = 1.0f;
	uint8_t z10 = 10, z0 = 0, zy = 5;
	struct gr_value *in[9];
	struct gr_value *out[2] = { 0 };
	struct gr_node n = { .name = (char *)"qc", .op_type = "QLinearConv",
			     .def = row("QLinearConv"), .n_in = 8, .n_out = 1 };
	struct gr_err err;

	(void)state;
	in[0] = val(GR_UINT8, 4, xd, x);
	in[1] = val(GR_FLOAT, 0, sd, &half);
	in[2] = val(GR_UINT8, 0, sd, &z10);
	in[3] = val(GR_UINT8, 4, wd, w);
	in[4] = val(GR_FLOAT, 0, sd, &half);
	in[5] = val(GR_UINT8, 0, sd, &z0);
	in[6] = val(GR_FLOAT, 0, sd, &one);
	in[7] = val(GR_UINT8, 0, sd, &zy);
	assert_int_equal(gr_ref_node(&n, (const struct gr_value *const *)in, out, &err), 0);
	/* acc(0,0) = 0*1 + 1*2 + 3*3 + 4*4 = 27; 27 * 0.25 = 6.75 -> 7; + 5 = 12 */
	assert_int_equal(out[0]->dims[2], 2);
	assert_int_equal(((uint8_t *)out[0]->data)[0], 12);
	/* acc(1,1) = 4*1 + 5*2 + 7*3 + 8*4 = 67 -> 16.75 -> 17 + 5 = 22 */
	assert_int_equal(((uint8_t *)out[0]->data)[3], 22);
	gr_value_free(out[0]);
	for (int i = 0; i < 8; i++)
		gr_value_free(in[i]);
}

static void test_ref_quantize_half_even(void **state)
{
	int64_t d[1] = { 4 }, sd[1] = { 1 };
	float x[4] = { 0.5f, 1.5f, 2.5f, -2.5f }, one = 1.0f;
	int8_t z = 0;
	struct gr_value *in[3], *out[2] = { 0 };
	struct gr_node n = { .name = (char *)"q", .op_type = "QuantizeLinear",
			     .def = row("QuantizeLinear"), .n_in = 3, .n_out = 1 };
	struct gr_err err;

	(void)state;
	in[0] = val(GR_FLOAT, 1, d, x);
	in[1] = val(GR_FLOAT, 0, sd, &one);
	in[2] = val(GR_INT8, 0, sd, &z);
	assert_int_equal(gr_ref_node(&n, (const struct gr_value *const *)in, out, &err), 0);
	assert_int_equal(((int8_t *)out[0]->data)[0], 0);
	assert_int_equal(((int8_t *)out[0]->data)[1], 2);
	assert_int_equal(((int8_t *)out[0]->data)[2], 2);
	assert_int_equal(((int8_t *)out[0]->data)[3], -2);
	gr_value_free(out[0]);
	for (int i = 0; i < 3; i++)
		gr_value_free(in[i]);
}

static void test_ref_reshape_and_broadcast(void **state)
{
	int64_t xd[3] = { 2, 3, 4 }, sd[1] = { 2 }, shape[2] = { -1, 6 };
	int64_t bd[1] = { 4 };
	float x[24], b[4] = { 1, 2, 3, 4 };
	struct gr_value *in[2], *out[2] = { 0 };
	struct gr_node r = { .name = (char *)"r", .op_type = "Reshape", .def = row("Reshape"),
			     .n_in = 2, .n_out = 1 };
	struct gr_node a = { .name = (char *)"a", .op_type = "Add", .def = row("Add"),
			     .n_in = 2, .n_out = 1 };
	struct gr_err err;

	(void)state;
	for (int i = 0; i < 24; i++)
		x[i] = (float)i;
	in[0] = val(GR_FLOAT, 3, xd, x);
	in[1] = val(GR_INT64, 1, sd, shape);
	assert_int_equal(gr_ref_node(&r, (const struct gr_value *const *)in, out, &err), 0);
	assert_int_equal(out[0]->rank, 2);
	assert_int_equal(out[0]->dims[0], 4);
	gr_value_free(out[0]);
	gr_value_free(in[1]);
	in[1] = val(GR_FLOAT, 1, bd, b);
	assert_int_equal(gr_ref_node(&a, (const struct gr_value *const *)in, out, &err), 0);
	assert_true(((float *)out[0]->data)[23] == 23.0f + 4.0f);
	assert_true(((float *)out[0]->data)[5] == 5.0f + 2.0f);
	gr_value_free(out[0]);
	/* shape mismatch names the node */
	bd[0] = 5;
	gr_value_free(in[1]);
	in[1] = gr_value_new(GR_FLOAT, 1, bd, NULL);
	assert_int_equal(gr_ref_node(&a, (const struct gr_value *const *)in, out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "node 'a'"));
	gr_value_free(in[0]);
	gr_value_free(in[1]);
}

/* A one-node QLinearConv graph with uint8 tensors: zero points move by 128. */
static void test_lower_uint8(void **state)
{
	struct gr_graph *g = calloc(1, sizeof(*g));
	const char *names[] = { "x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "y" };
	int64_t xd[4] = { 1, 2, 4, 4 }, wd[4] = { 3, 2, 1, 1 }, sd[1] = { 1 };
	float xs = 0.5f, ws = 0.25f, ys = 1.0f;
	uint8_t xz = 100, yz = 130, wz = 128, w[6] = { 1, 2, 3, 4, 5, 6 };
	struct lw_opts o = { .per_channel_ok = 1 };
	struct lw_plan plan;
	struct gr_err err;
	struct gr_node *n;

	(void)state;
	for (int i = 0; i < 9; i++)
		assert_int_equal(gr_graph_add_tensor(g, names[i], &err), i);
	g->tensors[0].dtype = GR_UINT8;
	g->tensors[0].rank = 4;
	memcpy(g->tensors[0].dims, xd, sizeof(xd));
	g->tensors[0].is_input = 1;
	g->tensors[1].constant = val(GR_FLOAT, 0, sd, &xs);
	g->tensors[2].constant = val(GR_UINT8, 0, sd, &xz);
	g->tensors[3].constant = val(GR_UINT8, 4, wd, w);
	g->tensors[4].constant = val(GR_FLOAT, 0, sd, &ws);
	g->tensors[5].constant = val(GR_UINT8, 0, sd, &wz);
	g->tensors[6].constant = val(GR_FLOAT, 0, sd, &ys);
	g->tensors[7].constant = val(GR_UINT8, 0, sd, &yz);
	for (int i = 3; i < 8; i++) {
		g->tensors[i].dtype = g->tensors[i].constant->dtype;
		g->tensors[i].rank = g->tensors[i].constant->rank;
		memcpy(g->tensors[i].dims, g->tensors[i].constant->dims, sizeof(xd));
	}
	g->nodes = calloc(1, sizeof(*g->nodes));
	g->n_nodes = 1;
	n = &g->nodes[0];
	n->name = strdup("qc");
	n->op_type = "QLinearConv";
	n->def = row("QLinearConv");
	assert_int_equal(gr_node_set_inputs(n, 8, &err), 0);
	for (int i = 0; i < 8; i++)
		n->in[i] = i;
	n->n_out = 1;
	n->out[0] = 8;
	g->tensors[8].producer = 0;
	assert_int_equal(gr_graph_infer(g, &err), 0);
	assert_int_equal(g->tensors[8].dtype, GR_UINT8);
	assert_int_equal(gr_lower(g, &o, &plan, &err), 0);
	assert_int_equal(plan.steps[0].kind, LW_DEVICE);
	assert_int_equal(plan.steps[0].layer.quant.zp_in, 100 - 128);
	assert_int_equal(plan.steps[0].layer.quant.zp_w, 0);
	assert_int_equal(plan.steps[0].layer.quant.zp_out, 2);
	assert_int_equal(plan.steps[0].layer.shape.m, 3);
	/* real = 0.5 * 0.25 / 1 = 2^-3: mult 2^30, t = 33 */
	assert_int_equal(plan.steps[0].layer.quant.mult, 1 << 30);
	assert_int_equal(plan.steps[0].layer.quant.shift, 2);
	gr_lower_free(&plan);
	/* CPU only: nothing on the device, with the reason */
	o.cpu_only = 1;
	assert_int_equal(gr_lower(g, &o, &plan, &err), 0);
	assert_int_equal(plan.steps[0].kind, LW_CPU);
	assert_non_null(strstr(plan.steps[0].why, "CPU only"));
	gr_lower_free(&plan);
	gr_graph_free(g);
}

/*
 * A one-node MatMulInteger graph: A (uint8, rank a_rank) x B (int8, K x M,
 * constant) -> int32, with an A zero point of azn values.
 */
static struct gr_graph *matmulinteger_graph(int a_rank, const uint8_t *az, int64_t azn)
{
	struct gr_graph *g = calloc(1, sizeof(*g));
	const char *names[] = { "a", "b", "az", "bz", "y" };
	int64_t ad[3] = { 2, 3, 4 }, bd[2] = { 4, 5 }, zd[1] = { azn };
	int8_t b[20], bz = -7;
	struct gr_err err;
	struct gr_node *n;

	assert_non_null(g);
	for (int i = 0; i < 20; i++)
		b[i] = (int8_t)(i * 13 - 100);
	for (int i = 0; i < 5; i++)
		assert_int_equal(gr_graph_add_tensor(g, names[i], &err), i);
	g->tensors[0].dtype = GR_UINT8;
	g->tensors[0].rank = a_rank;
	memcpy(g->tensors[0].dims, ad + (3 - a_rank), (size_t)a_rank * sizeof(int64_t));
	g->tensors[0].is_input = 1;
	g->tensors[1].constant = val(GR_INT8, 2, bd, b);
	g->tensors[2].constant = val(GR_UINT8, azn > 1 ? 1 : 0, zd, az);
	g->tensors[3].constant = val(GR_INT8, 0, zd, &bz);
	for (int i = 1; i < 4; i++) {
		g->tensors[i].dtype = g->tensors[i].constant->dtype;
		g->tensors[i].rank = g->tensors[i].constant->rank;
		memcpy(g->tensors[i].dims, g->tensors[i].constant->dims, sizeof(bd));
	}
	g->nodes = calloc(1, sizeof(*g->nodes));
	assert_non_null(g->nodes);
	g->n_nodes = 1;
	n = &g->nodes[0];
	n->name = strdup("mmi");
	n->op_type = "MatMulInteger";
	n->def = row("MatMulInteger");
	assert_int_equal(gr_node_set_inputs(n, 4, &err), 0);
	for (int i = 0; i < 4; i++)
		n->in[i] = i;
	n->n_out = 1;
	n->out[0] = 4;
	g->tensors[4].producer = 0;
	assert_int_equal(gr_graph_infer(g, &err), 0);
	assert_int_equal(g->tensors[4].dtype, GR_INT32);
	return g;
}

/*
 * MatMulInteger lowers to an FC layer with int32 output (B transposed to
 * M x K, uint8 zero point moved by 128); batched A and per-row A zero
 * points that differ stay on the CPU with the reason.
 */
static void test_lower_matmulinteger(void **state)
{
	const uint8_t az1[1] = { 140 }, az3[3] = { 1, 2, 3 };
	struct lw_opts o = { .per_channel_ok = 1 };
	struct lw_plan plan;
	struct gr_err err;
	struct gr_graph *g;

	(void)state;
	g = matmulinteger_graph(2, az1, 1);
	assert_int_equal(gr_lower(g, &o, &plan, &err), 0);
	assert_int_equal(plan.steps[0].kind, LW_DEVICE);
	assert_int_equal(plan.steps[0].layer.shape.op, EYR_LAYER_FC);
	assert_int_equal(plan.steps[0].layer.shape.n, 3);
	assert_int_equal(plan.steps[0].layer.shape.c, 4);
	assert_int_equal(plan.steps[0].layer.shape.m, 5);
	assert_int_equal(plan.steps[0].layer.quant.int32_out, 1);
	assert_int_equal(plan.steps[0].layer.quant.per_channel, 0);
	assert_int_equal(plan.steps[0].layer.quant.has_bias, 0);
	assert_int_equal(plan.steps[0].layer.quant.zp_in, 140 - 128);
	assert_int_equal(plan.steps[0].layer.quant.zp_w, -7);
	assert_int_equal(plan.steps[0].w_transpose, 1);
	assert_int_equal(plan.steps[0].t_w, 1);
	gr_lower_free(&plan);
	gr_graph_free(g);

	g = matmulinteger_graph(3, az1, 1);
	assert_int_equal(gr_lower(g, &o, &plan, &err), 0);
	assert_int_equal(plan.steps[0].kind, LW_CPU);
	assert_non_null(strstr(plan.steps[0].why, "batched"));
	gr_lower_free(&plan);
	gr_graph_free(g);

	g = matmulinteger_graph(2, az3, 3);
	assert_int_equal(gr_lower(g, &o, &plan, &err), 0);
	assert_int_equal(plan.steps[0].kind, LW_CPU);
	assert_non_null(strstr(plan.steps[0].why, "A zero points differ"));
	gr_lower_free(&plan);
	gr_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quant_mult_exact_powers),
		cmocka_unit_test(test_requant_bound),
		cmocka_unit_test(test_window_autopad),
		cmocka_unit_test(test_registry_lookup),
		cmocka_unit_test(test_ref_qlinearconv),
		cmocka_unit_test(test_ref_quantize_half_even),
		cmocka_unit_test(test_ref_reshape_and_broadcast),
		cmocka_unit_test(test_lower_uint8),
		cmocka_unit_test(test_lower_matmulinteger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
