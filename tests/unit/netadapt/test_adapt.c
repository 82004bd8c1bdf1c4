// SPDX-License-Identifier: MIT
/*
 * accelctl adapt's engine on float models built here (the CPU reference
 * runs them through libaccel): channel spaces (a residual tie group with a
 * depthwise follower, an FC after Flatten, BatchNormalization, fixed
 * spaces and why), pruning surgery that is exact when the channels removed
 * are dead, the ridge least-squares solver, the NetAdapt loop meeting its
 * budget with and without the reconstruction (which must help), and an
 * unreachable budget.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapt_engine.h"
#include "adapt_fold.h"
#include "fixture.h"
#include "lsq.h"
#include "onnxw.h"

static char *temp_path(void)
{
	char *p = strdup("/tmp/eyrie-adapt-XXXXXX");
	int fd = mkstemp(p);

	assert_true(fd >= 0);
	close(fd);
	return p;
}

static Onnx__ModelProto *load(const char *path)
{
	char err[256];
	Onnx__ModelProto *m = ox_load(path, err, sizeof(err));

	if (!m)
		fail_msg("%s", err);
	return m;
}

static const struct space *space_of(const Onnx__GraphProto *g, const struct spaces *sp,
				    const char *producer)
{
	int s = spaces_of_producer(sp, ox_find_node(g, producer));

	assert_true(s >= 0);
	return &sp->s[s];
}

static int count_role(const Onnx__GraphProto *g, const struct space *s, enum sp_role role,
		      const char *name)
{
	int n = 0;
	char buf[32];

	for (int k = 0; k < s->n_mem; k++)
		n += s->mem[k].role == role &&
		     (!name || !strcmp(ox_node_name(g, (size_t)s->mem[k].node, buf, sizeof(buf)), name));
	return n;
}

static void test_spaces(void **state)
{
	char *path = temp_path(), err[256];
	Onnx__ModelProto *m;
	struct spaces sp;
	const struct space *tie, *s3, *fcs;

	(void)state;
	assert_int_equal(fixture_chain(path, false), 0);
	m = load(path);
	assert_int_equal(spaces_build(m->graph, &sp, err, sizeof(err)), 0);
	tie = space_of(m->graph, &sp, "conv1");
	assert_ptr_equal(tie, space_of(m->graph, &sp, "conv2"));	/* tied by the Add */
	assert_false(tie->fixed);
	assert_int_equal(tie->size, 8);
	assert_int_equal(count_role(m->graph, tie, SP_PRODUCER, NULL), 2);
	assert_int_equal(count_role(m->graph, tie, SP_CONSUMER, "conv2"), 1);
	assert_int_equal(count_role(m->graph, tie, SP_FOLLOW_DW, "dw"), 1);
	assert_int_equal(count_role(m->graph, tie, SP_CONSUMER, "conv3"), 1);
	s3 = space_of(m->graph, &sp, "conv3");
	assert_false(s3->fixed);
	assert_int_equal(count_role(m->graph, s3, SP_CONSUMER, "gemm"), 1);
	for (int k = 0; k < s3->n_mem; k++)
		if (s3->mem[k].role == SP_CONSUMER)
			assert_int_equal(s3->mem[k].hw, 16);	/* 4 x 4 per channel */
	fcs = space_of(m->graph, &sp, "gemm");
	assert_true(fcs->fixed);
	assert_non_null(strstr(fcs->why, "graph output"));
	spaces_free(&sp);
	ox_free(m);
	unlink(path);
	free(path);
}

/* conv1 -> BatchNormalization -> Relu -> conv2, conv3 -> Concat. */
static void bn_concat_model(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 8, 8 }, od[4] = { 1, 12, 8, 8 }, pd[1] = { 6 };
	float p[6] = { 1, 2, 3, 4, 5, 6 };
	const char *bn_in[] = { "c1", "s", "bb", "mean", "var", NULL };
	const char *cat_in[] = { "c2", "c3", NULL };
	Onnx__AttributeProto *cat_at[] = { mg_attr_int("axis", 1), NULL };

	mg_io(&g, 0, "x", FIXTURE_FLOAT, 4, xd);
	mg_io(&g, 1, "out", FIXTURE_FLOAT, 4, od);
	fixture_conv(&g, "conv1", "x", "c1", 3, 6, 3, 1, NULL, NULL);
	mg_init(&g, "s", FIXTURE_FLOAT, 1, pd, p, sizeof(p));
	mg_init(&g, "bb", FIXTURE_FLOAT, 1, pd, p, sizeof(p));
	mg_init(&g, "mean", FIXTURE_FLOAT, 1, pd, p, sizeof(p));
	mg_init(&g, "var", FIXTURE_FLOAT, 1, pd, p, sizeof(p));
	mg_node(&g, "BatchNormalization", "bn", bn_in, "b", NULL);
	fixture_unary(&g, "Relu", "relu", "b", "r", NULL);
	fixture_conv(&g, "conv2", "r", "c2", 6, 6, 3, 1, NULL, NULL);
	fixture_conv(&g, "conv3", "r", "c3", 6, 6, 1, 1, NULL, NULL);
	mg_node(&g, "Concat", "cat", cat_in, "out", cat_at);
	assert_int_equal(mg_write(&g, "bn", path), 0);
}

/* A model with BatchNormalization and a Concat (analysis and surgery only). */
static void test_spaces_bn_concat(void **state)
{
	char *path = temp_path(), err[256];
	Onnx__ModelProto *m;
	struct spaces sp;
	const struct space *s1;
	int keep[4] = { 0, 2, 3, 5 };
	struct ox_tensor t;

	(void)state;
	bn_concat_model(path);
	m = load(path);
	assert_int_equal(spaces_build(m->graph, &sp, err, sizeof(err)), 0);
	s1 = space_of(m->graph, &sp, "conv1");
	assert_false(s1->fixed);
	assert_int_equal(count_role(m->graph, s1, SP_FOLLOW_BN, "bn"), 1);
	assert_int_equal(count_role(m->graph, s1, SP_CONSUMER, NULL), 2);
	assert_true(space_of(m->graph, &sp, "conv2")->fixed);
	assert_non_null(strstr(space_of(m->graph, &sp, "conv2")->why, "Concat"));
	assert_int_equal(space_prune(m->graph, s1, keep, 4, err, sizeof(err)), 0);
	assert_int_equal(ox_get_float(ox_initializer(m->graph, "mean"), &t), 0);
	assert_int_equal(t.count, 4);
	assert_true(t.data[0] == 1 && t.data[1] == 3 && t.data[2] == 4 && t.data[3] == 6);
	ox_tensor_free(&t);
	assert_int_equal(ox_get_float(ox_initializer(m->graph, "conv2_w"), &t), 0);
	assert_int_equal(t.dims[0], 6);
	assert_int_equal(t.dims[1], 4);
	ox_tensor_free(&t);
	assert_int_equal(ox_get_float(ox_initializer(m->graph, "conv1_w"), &t), 0);
	assert_int_equal(t.dims[0], 4);
	ox_tensor_free(&t);
	spaces_free(&sp);
	ox_free(m);
	unlink(path);
	free(path);
}

/*
 * PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat
 * -> Reshape before the FC keeps the conv prunable; a constant [1, 96]
 * shape (its second extent would go stale) fixes it.
 */
static void torch_flatten_model(const char *path, bool constant_shape)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 4, 4 }, od[2] = { 1, 5 }, fd[2] = { 5, 96 }, one[1] = { 1 };
	int64_t zero = 0, minus1[1] = { -1 }, fixed[2] = { 1, 96 }, two[1] = { 2 };
	static float fc[5 * 96];
	const char *shape_in[] = { "r", NULL }, *gather_in[] = { "shp", "zero", NULL };
	const char *unsq_in[] = { "n", "axes", NULL }, *cat_in[] = { "nu", "minus1", NULL };
	const char *resh_in[] = { "r", constant_shape ? "fixed" : "shape2", NULL };
	const char *gemm_in[] = { "f", "fc_w", NULL };
	Onnx__AttributeProto *cat_at[] = { mg_attr_int("axis", 0), NULL };
	Onnx__AttributeProto *gemm_at[] = { mg_attr_int("transB", 1), NULL };

	mg_io(&g, 0, "x", FIXTURE_FLOAT, 4, xd);
	mg_io(&g, 1, "out", FIXTURE_FLOAT, 2, od);
	fixture_conv(&g, "conv", "x", "c", 3, 6, 3, 1, NULL, NULL);
	fixture_unary(&g, "Relu", "relu", "c", "r", NULL);
	mg_init(&g, "zero", 7, 0, NULL, &zero, sizeof(zero));
	mg_init(&g, "axes", 7, 1, one, &zero, sizeof(zero));
	mg_init(&g, "minus1", 7, 1, one, minus1, sizeof(minus1));
	mg_init(&g, "fixed", 7, 1, two, fixed, sizeof(fixed));
	mg_node(&g, "Shape", "shape", shape_in, "shp", NULL);
	mg_node(&g, "Gather", "gather", gather_in, "n", NULL);
	mg_node(&g, "Unsqueeze", "unsq", unsq_in, "nu", NULL);
	mg_node(&g, "Concat", "cat", cat_in, "shape2", cat_at);
	mg_node(&g, "Reshape", "flat", resh_in, "f", NULL);
	fixture_fill(fc, 5 * 96, 0.1f);
	mg_init(&g, "fc_w", FIXTURE_FLOAT, 2, fd, fc, sizeof(fc));
	mg_node(&g, "Gemm", "gemm", gemm_in, "out", gemm_at);
	assert_int_equal(mg_write(&g, "torch", path), 0);
}

static void test_spaces_torch_flatten(void **state)
{
	char *path = temp_path(), err[256];
	struct spaces sp;
	Onnx__ModelProto *m;
	const struct space *s;

	(void)state;
	torch_flatten_model(path, false);
	m = load(path);
	assert_int_equal(spaces_build(m->graph, &sp, err, sizeof(err)), 0);
	s = space_of(m->graph, &sp, "conv");
	assert_false(s->fixed);
	assert_int_equal(count_role(m->graph, s, SP_CONSUMER, "gemm"), 1);
	for (int k = 0; k < s->n_mem; k++)
		if (s->mem[k].role == SP_CONSUMER)
			assert_int_equal(s->mem[k].hw, 16);
	spaces_free(&sp);
	ox_free(m);
	torch_flatten_model(path, true);
	m = load(path);
	assert_int_equal(spaces_build(m->graph, &sp, err, sizeof(err)), 0);
	assert_true(space_of(m->graph, &sp, "conv")->fixed);
	spaces_free(&sp);
	ox_free(m);
	unlink(path);
	free(path);
}

/* BN folded into conv1: W gamma / sqrt(var + eps), (b - mean) gamma / sqrt(var + eps) + beta. */
static void test_fold_bn(void **state)
{
	char *path = temp_path();
	Onnx__ModelProto *m, *orig;
	struct ox_tensor w0, b0, w, b;
	int folded;

	(void)state;
	bn_concat_model(path);
	orig = load(path);
	m = load(path);
	assert_int_equal(adapt_fold_bn(m->graph, &folded), 0);
	assert_int_equal(folded, 1);
	assert_int_equal(m->graph->n_node, orig->graph->n_node - 1);
	assert_int_equal(ox_find_node(m->graph, "bn"), -1);
	assert_string_equal(m->graph->node[ox_find_node(m->graph, "conv1")]->output[0], "b");
	assert_int_equal(ox_get_float(ox_initializer(orig->graph, "conv1_w"), &w0), 0);
	assert_int_equal(ox_get_float(ox_initializer(orig->graph, "conv1_b"), &b0), 0);
	assert_int_equal(ox_get_float(ox_initializer(m->graph, "conv1_w"), &w), 0);
	assert_int_equal(ox_get_float(ox_initializer(m->graph, "conv1_b"), &b), 0);
	for (int c = 0; c < 6; c++) {
		/* gamma = beta = mean = var = c + 1 in the model */
		double s = (c + 1) / sqrt(c + 1 + 1e-5);

		assert_true(fabs(w.data[c * 27 + 5] - w0.data[c * 27 + 5] * s) < 1e-6);
		assert_true(fabs(b.data[c] - ((b0.data[c] - (c + 1)) * s + (c + 1))) < 1e-5);
	}
	ox_tensor_free(&w0);
	ox_tensor_free(&b0);
	ox_tensor_free(&w);
	ox_tensor_free(&b);
	ox_free(m);
	ox_free(orig);
	unlink(path);
	free(path);
}

static void make_calib(struct calib *c, int n)
{
	int64_t d[4] = { 1, 3, 8, 8 };

	c->n = n;
	c->n_inputs = 1;
	c->in = calloc((size_t)n, sizeof(*c->in));
	assert_non_null(c->in);
	for (int s = 0; s < n; s++) {
		c->in[s][0] = accel_tensor_new(ACCEL_DTYPE_FLOAT, 4, d);
		assert_non_null(c->in[s][0]);
		fixture_fill(accel_tensor_data(c->in[s][0]), 3 * 64, 1.0f);
	}
}

static double max_diff(const struct collected *a, const struct collected *b)
{
	double worst = 0;

	for (int s = 0; s < a->samples; s++) {
		double d;

		assert_int_equal(accel_tensor_compare(collected_get(a, 0, s), collected_get(b, 0, s), &d), 0);
		if (d > worst)
			worst = d;
	}
	return worst;
}

/* Removing dead channels (of the tie group and of conv3) changes nothing. */
static void test_prune_dead_exact(void **state)
{
	char *path = temp_path(), err[256];
	Onnx__ModelProto *m, *p;
	struct spaces sp;
	struct calib cal;
	struct collected ref, out;
	double imp[8];
	int keep[8];
	struct ox_tensor t;

	(void)state;
	assert_int_equal(fixture_chain(path, true), 0);
	m = load(path);
	p = ox_clone(m);
	make_calib(&cal, 4);
	assert_int_equal(spaces_build(p->graph, &sp, err, sizeof(err)), 0);
	/* L2 magnitude picks the dead channels */
	assert_int_equal(space_importance(p->graph, space_of(p->graph, &sp, "conv1"), imp), 0);
	space_choose(imp, 8, 7, keep);
	for (int k = 0; k < 7; k++)
		assert_int_not_equal(keep[k], 3);
	assert_int_equal(space_prune(p->graph, space_of(p->graph, &sp, "conv1"), keep, 7, err, sizeof(err)), 0);
	assert_int_equal(space_importance(p->graph, space_of(p->graph, &sp, "conv3"), imp), 0);
	space_choose(imp, 6, 5, keep);
	assert_int_equal(space_prune(p->graph, space_of(p->graph, &sp, "conv3"), keep, 5, err, sizeof(err)), 0);
	spaces_free(&sp);
	assert_int_equal(ox_get_float(ox_initializer(p->graph, "dw_w"), &t), 0);
	assert_int_equal(t.dims[0], 7);
	ox_tensor_free(&t);
	assert_int_equal(ox_attr_int(p->graph->node[ox_find_node(p->graph, "dw")], "group", 0), 7);
	assert_int_equal(ox_get_float(ox_initializer(p->graph, "fc_w"), &t), 0);
	assert_int_equal(t.dims[1], 80);	/* 5 channels x 4 x 4 */
	ox_tensor_free(&t);
	if (collect_run(m, &cal, NULL, 0, &ref, err, sizeof(err)) ||
	    collect_run(p, &cal, NULL, 0, &out, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(max_diff(&ref, &out) < 1e-5);
	collected_free(&ref);
	collected_free(&out);
	calib_free(&cal);
	ox_free(p);
	ox_free(m);
	unlink(path);
	free(path);
}

static void test_lsq(void **state)
{
	enum { ROWS = 300, K = 12, M = 3 };
	float a[K], y[M];
	double w[K * M], sol[K * M], w0[K * M];
	struct lsq p;

	(void)state;
	for (int i = 0; i < K * M; i++)
		w[i] = fixture_rand();
	assert_int_equal(lsq_init(&p, K, M), 0);
	for (int r = 0; r < ROWS; r++) {
		for (int i = 0; i < K; i++)
			a[i] = fixture_rand();
		for (int j = 0; j < M; j++) {
			double s = 0;

			for (int i = 0; i < K; i++)
				s += a[i] * w[i * M + j];
			y[j] = (float)s;
		}
		lsq_add_row(&p, a, y);
	}
	assert_int_equal(lsq_solve(&p, 1e-9, NULL, sol), 0);
	for (int i = 0; i < K * M; i++)
		assert_true(fabs(sol[i] - w[i]) < 1e-4);
	lsq_free(&p);
	/* no data: the ridge keeps w0 */
	assert_int_equal(lsq_init(&p, K, M), 0);
	for (int i = 0; i < K * M; i++)
		w0[i] = i;
	assert_int_equal(lsq_solve(&p, 1, w0, sol), 0);
	for (int i = 0; i < K * M; i++)
		assert_true(fabs(sol[i] - w0[i]) < 1e-9);
	lsq_free(&p);
}

/* A LUT whose energy is 1 pJ per (c x m) pair: every channel count measured. */
static void exact_lut(const Onnx__GraphProto *g, struct lut *t)
{
	static const char *const layers[] = { "conv1", "conv2", "dw", "conv3", "gemm" };
	static const uint32_t full[][3] = { { 3, 8, 1 }, { 8, 8, 1 }, { 8, 8, 8 }, { 8, 6, 1 }, { 96, 5, 1 } };

	memset(t, 0, sizeof(*t));
	t->version = LUT_VERSION;
	t->clock_khz = 200000;
	for (int i = 0; i < 5; i++) {
		struct accel_layer_spec sp = { .sz = sizeof(sp), .op = i == 4 ? ACCEL_LAYER_FC : ACCEL_LAYER_CONV,
					       .n = 1, .c = full[i][0], .m = full[i][1], .h = 8, .w = 8,
					       .r = 3, .s = 3, .groups = full[i][2] };
		struct lut_layer *l = lut_add_layer(t, i, layers[i], &sp);

		assert_int_not_equal(ox_find_node(g, layers[i]), -1);
		for (uint32_t c = 1; c <= full[i][0]; c++)
			for (uint32_t m = 1; m <= full[i][1]; m++) {
				struct accel_layer_stats st = { .cycles = c * m, .dram_words = c + m };

				if (full[i][2] > 1 && c != m)
					continue;
				st.energy_fj[ACCEL_ENERGY_MAC] = 1000ull * c * m;
				assert_int_equal(lut_add_entry(l, c, m, full[i][2] > 1 ? c : 1, &st), 0);
			}
	}
}

static struct adapt_result run_adapt(const Onnx__ModelProto *m, const struct lut *t,
				     const struct calib *cal, double budget, bool reconstruct)
{
	struct adapt_opts o = ADAPT_OPTS_DEFAULTS;
	struct adapt_result res;
	char err[512];

	o.metric = LUT_ENERGY;
	o.budget = budget;
	o.step = 0.1;
	o.reconstruct = reconstruct;
	if (adapt_run(m, t, cal, &o, &res, err, sizeof(err)))
		fail_msg("adapt_run: %s", err);
	return res;
}

static void test_adapt_loop(void **state)
{
	char *path = temp_path(), *out = temp_path(), err[256];
	Onnx__ModelProto *m;
	struct calib cal;
	struct lut t;
	struct adapt_result plain, ls;
	double original;
	struct adapt_opts o = ADAPT_OPTS_DEFAULTS;

	(void)state;
	assert_int_equal(fixture_chain(path, false), 0);
	m = load(path);
	make_calib(&cal, 24);
	exact_lut(m->graph, &t);
	assert_int_equal(adapt_figure(m->graph, &t, LUT_ENERGY, &original, err, sizeof(err)), 0);
	/* 3*8 + 8*8 + 8*8 + 8*6 + 96*5 pJ */
	assert_true(fabs(original - 1000.0 * (24 + 64 + 64 + 48 + 480)) < 1e-6);
	ls = run_adapt(m, &t, &cal, 0.7 * original, true);
	plain = run_adapt(m, &t, &cal, 0.7 * original, false);
	assert_true(ls.final <= 0.7 * original);
	assert_true(plain.final <= 0.7 * original);
	assert_true(ls.iterations >= 3);
	assert_true(ls.original == original);
	/* the refit brings the output closer to the original's */
	print_message("adapt to 70 %%: least squares %.1f dB, top-1 %.2f; pruned only %.1f dB, top-1 %.2f\n",
		      ls.agr.sqnr_db, ls.agr.top1, plain.agr.sqnr_db, plain.agr.top1);
	assert_true(ls.agr.sqnr_db > plain.agr.sqnr_db);
	/* the adapted model is a valid model of that figure */
	assert_int_equal(ox_save(ls.model, out), 0);
	{
		Onnx__ModelProto *back = load(out);
		double f;

		assert_int_equal(adapt_figure(back->graph, &t, LUT_ENERGY, &f, err, sizeof(err)), 0);
		assert_true(fabs(f - ls.final) < 1e-6);
		ox_free(back);
	}
	ox_free(ls.model);
	ox_free(plain.model);
	/* unreachable: below every prunable space at one channel */
	o.metric = LUT_ENERGY;
	o.budget = 1000.0 * (3 + 1 + 1 + 1 + 16 * 5) - 1;
	assert_int_equal(adapt_run(m, &t, &cal, &o, &ls, err, sizeof(err)), ADAPT_UNREACHABLE);
	assert_true(ls.minimum == 1000.0 * (3 * 1 + 1 * 1 + 1 * 1 + 1 * 1 + 16 * 5));
	assert_null(ls.model);
	lut_free(&t);
	calib_free(&cal);
	ox_free(m);
	unlink(path);
	unlink(out);
	free(path);
	free(out);
}

/* A device that measures 20 % above the LUT (energy c x m pJ per layer). */
struct fake_device {
	int calls, iterations_measured;
};

static int measure_above(void *ctx, const struct adapt_layer *layers, int n,
			 struct accel_layer_stats *sum)
{
	struct fake_device *d = ctx;

	d->calls++;
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < n; i++)
		sum->energy_fj[ACCEL_ENERGY_MAC] += 1200ull * layers[i].c * layers[i].m;
	return 0;
}

static void count_measured(void *ctx, const struct adapt_iter *it)
{
	struct fake_device *d = ctx;

	d->iterations_measured += it->has_measured;
	assert_true(!it->has_measured ||
		    fabs((double)it->measured.energy_fj[ACCEL_ENERGY_MAC] - 1.2 * it->figure) < 1e-3);
}

/*
 * The loop ends when the device's measurement meets the budget: where the
 * LUT is under the device, it goes on with the budget lowered by the gap.
 */
static void test_adapt_measured(void **state)
{
	char *path = temp_path(), err[256];
	struct adapt_opts o = ADAPT_OPTS_DEFAULTS;
	struct fake_device dev = { 0 };
	struct adapt_result lut_only, measured;
	Onnx__ModelProto *m;
	struct calib cal;
	struct lut t;
	double original, budget;

	(void)state;
	assert_int_equal(fixture_chain(path, false), 0);
	m = load(path);
	make_calib(&cal, 8);
	exact_lut(m->graph, &t);
	assert_int_equal(adapt_figure(m->graph, &t, LUT_ENERGY, &original, err, sizeof(err)), 0);
	budget = 0.7 * original;
	lut_only = run_adapt(m, &t, &cal, budget, false);
	print_message("LUT only: %.0f of %.0f (budget %.0f)\n", lut_only.final, original, budget);
	/* by the LUT alone, the device would measure it above the budget */
	assert_true(lut_only.final <= budget && 1.2 * lut_only.final > budget);
	o.metric = LUT_ENERGY;
	o.budget = budget;
	o.step = 0.1;
	o.reconstruct = false;
	o.measure = measure_above;
	o.measure_each = true;
	o.iteration = count_measured;
	o.ctx = &dev;
	assert_int_equal(adapt_run(m, &t, &cal, &o, &measured, err, sizeof(err)), 0);
	assert_true(1.2 * measured.final <= budget * (1 + 1e-9));
	assert_true(measured.corrections >= 1);
	assert_true(measured.gap > 0 && measured.gap <= 0.2 * lut_only.final + 1e-6);
	assert_true(measured.iterations > lut_only.iterations);
	assert_int_equal(dev.iterations_measured, measured.iterations);
	assert_int_equal(dev.calls, measured.iterations);
	ox_free(lut_only.model);
	ox_free(measured.model);
	lut_free(&t);
	calib_free(&cal);
	ox_free(m);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_spaces_bn_concat),
		cmocka_unit_test(test_spaces_torch_flatten),
		cmocka_unit_test(test_fold_bn),
		cmocka_unit_test(test_prune_dead_exact),
		cmocka_unit_test(test_lsq),
		cmocka_unit_test(test_adapt_loop),
		cmocka_unit_test(test_adapt_measured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
