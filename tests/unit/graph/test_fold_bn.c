// SPDX-License-Identifier: MIT
/*
 * BatchNormalization folding at import (graph/fold_bn.h): models written
 * with the ONNX writer, imported, and the folded Conv / Gemm run through
 * the reference kernel against the unfolded op followed by the BN computed
 * here in double; and the cases that must not fold.
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

#include "graph/graph.h"
#include "graph/ref.h"
#include "onnx/onnx.h"
#include "onnxw.h"

#define DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0 * 2 - 1);
}

static void fill(float *v, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		v[i] = lo + (hi - lo) * (frand() + 1) / 2;
}

/* BN parameters for m channels: scale, B, mean, var (var > 0). */
struct bn_params {
	float scale[8], b[8], mean[8], var[8];
};

static void bn_random(struct bn_params *p, int m)
{
	fill(p->scale, (size_t)m, 0.3f, 2.0f);
	fill(p->b, (size_t)m, -1, 1);
	fill(p->mean, (size_t)m, -0.5f, 0.5f);
	fill(p->var, (size_t)m, 0.1f, 3.0f);
}

static void bn_node(struct mg_graph *g, const char *name, const char *in, const char *out,
		    const struct bn_params *p, int m, const char *mean_name)
{
	char n[4][64];
	int64_t d[1] = { m };
	const float *v[4] = { p->scale, p->b, p->mean, p->var };
	const char *ins[6];

	for (int i = 0; i < 4; i++) {
		snprintf(n[i], sizeof(n[i]), "%s_p%d", name, i);
		if (i != 2 || !mean_name)
			mg_init(g, n[i], DT_FLOAT, 1, d, v[i], (size_t)m * sizeof(float));
	}
	ins[0] = in;
	ins[1] = n[0];
	ins[2] = n[1];
	ins[3] = mean_name ? mean_name : n[2];
	ins[4] = n[3];
	ins[5] = NULL;
	{
		Onnx__AttributeProto *at[] = { mg_attr_float("epsilon", 1e-3f), NULL };

		mg_node(g, "BatchNormalization", name, ins, out, at);
	}
}

static int load(struct mg_graph *g, Onnx__ValueInfoProto *second, struct gr_graph **out,
		struct gr_err *err)
{
	char path[] = "/tmp/test_fold_bn_XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mg_write_full(g, "fold", path, 13, second), 0);
	rc = ox_model_load_file(path, out, err);
	unlink(path);
	return rc;
}

static const struct gr_value *cval(const struct gr_graph *g, const struct gr_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL;
}

static struct gr_value *fval(int rank, const int64_t *dims, const float *data)
{
	struct gr_value *v = gr_value_new(GR_FLOAT, rank, dims, NULL);

	assert_non_null(v);
	memcpy(v->data, data, v->count * sizeof(float));
	return v;
}

/* y = BN(ref op(in)) over channel axis 1, in double; compared with got. */
static void expect_bn_of(const struct gr_node *op, struct gr_value **in, int n_in,
			 const struct bn_params *p, int m, const struct gr_value *got)
{
	struct gr_value *out[2] = { 0 };
	struct gr_err err;
	size_t inner;

	assert_int_equal(gr_ref_node(op, (const struct gr_value *const *)in, out, &err), 0);
	(void)n_in;
	assert_int_equal(out[0]->count, got->count);
	inner = out[0]->count / (size_t)out[0]->dims[0] / (size_t)m;
	for (size_t i = 0; i < got->count; i++) {
		int c = (int)(i / inner % (size_t)m);
		double x = ((float *)out[0]->data)[i];
		double want = (x - p->mean[c]) * p->scale[c] / sqrt((double)p->var[c] + 1e-3) + p->b[c];
		double have = ((float *)got->data)[i];

		assert_true(fabs(have - want) <= 1e-5 * (fabs(want) + 1));
	}
	gr_value_free(out[0]);
}

static const struct gr_node *find_op(const struct gr_graph *g, const char *op, int k)
{
	for (int i = 0; i < g->n_nodes; i++)
		if (gr_node_is(&g->nodes[i], op) && !k--)
			return &g->nodes[i];
	return NULL;
}

/* Conv (bias, 2 groups) -> BN: folded, numerically the same. */
static void test_fold_conv(void **state)
{
	struct mg_graph mg = { 0 };
	struct bn_params p;
	int64_t xd[4] = { 2, 4, 5, 5 }, wd[4] = { 6, 2, 3, 3 }, bd[1] = { 6 }, yd[4] = { 2, 6, 5, 5 };
	float w[108], b[6], x[200];
	struct gr_graph *g;
	struct gr_err err;
	const struct gr_node *c;
	struct gr_value *in[3], *out[2] = { 0 };

	(void)state;
	fill(w, 108, -1, 1);
	fill(b, 6, -1, 1);
	fill(x, 200, -2, 2);
	bn_random(&p, 6);
	mg_init(&mg, "W", DT_FLOAT, 4, wd, w, sizeof(w));
	mg_init(&mg, "B", DT_FLOAT, 1, bd, b, sizeof(b));
	{
		const char *ins[] = { "x", "W", "B", NULL };
		int64_t ks[2] = { 3, 3 }, pd[4] = { 1, 1, 1, 1 };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, ks),
			mg_attr_ints("pads", 4, pd), mg_attr_int("group", 2), NULL };

		mg_node(&mg, "Conv", "conv", ins, "conv_out", at);
	}
	bn_node(&mg, "bn", "conv_out", "y", &p, 6, NULL);
	mg_io(&mg, 0, "x", DT_FLOAT, 4, xd);
	mg_io(&mg, 1, "y", DT_FLOAT, 4, yd);
	assert_int_equal(load(&mg, NULL, &g, &err), 0);
	assert_int_equal(g->n_nodes, 1);
	c = &g->nodes[0];
	assert_true(gr_node_is(c, "Conv"));
	assert_string_equal(g->tensors[c->out[0]].name, "y");
	assert_int_equal(g->tensors[c->out[0]].producer, 0);
	assert_non_null(strstr(g->tensors[c->in[1]].name, ".bnfold"));
	/* the folded conv on x against conv then BN */
	in[0] = fval(4, xd, x);
	in[1] = (struct gr_value *)cval(g, c, 1);
	in[2] = (struct gr_value *)cval(g, c, 2);
	assert_int_equal(gr_ref_node(c, (const struct gr_value *const *)in, out, &err), 0);
	{
		struct gr_node orig = *c;
		struct gr_value *oin[3] = { in[0], fval(4, wd, w), fval(1, bd, b) };

		expect_bn_of(&orig, oin, 3, &p, 6, out[0]);
		gr_value_free(oin[1]);
		gr_value_free(oin[2]);
	}
	gr_value_free(out[0]);
	gr_value_free(in[0]);
	gr_graph_free(g);
}

/* Two convs sharing one initializer, each with its BN: both fold, W is kept. */
static void test_fold_shared_weights(void **state)
{
	struct mg_graph mg = { 0 };
	struct bn_params p1, p2;
	int64_t xd[4] = { 1, 2, 3, 3 }, wd[4] = { 3, 2, 1, 1 }, yd[4] = { 1, 3, 3, 3 };
	float w[6];
	struct gr_graph *g;
	struct gr_err err;
	const struct gr_node *c0, *c1;
	int tw;

	(void)state;
	fill(w, 6, -1, 1);
	bn_random(&p1, 3);
	bn_random(&p2, 3);
	mg_init(&mg, "W", DT_FLOAT, 4, wd, w, sizeof(w));
	{
		const char *ins[] = { "x", "W", NULL };

		mg_node(&mg, "Conv", "c0", ins, "c0_out", NULL);
		mg_node(&mg, "Conv", "c1", ins, "c1_out", NULL);
	}
	bn_node(&mg, "bn0", "c0_out", "y0", &p1, 3, NULL);
	bn_node(&mg, "bn1", "c1_out", "y1", &p2, 3, NULL);
	{
		const char *ins[] = { "y0", "y1", NULL };

		mg_node(&mg, "Add", "add", ins, "y", NULL);
	}
	mg_io(&mg, 0, "x", DT_FLOAT, 4, xd);
	mg_io(&mg, 1, "y", DT_FLOAT, 4, yd);
	assert_int_equal(load(&mg, NULL, &g, &err), 0);
	assert_int_equal(g->n_nodes, 3);
	c0 = find_op(g, "Conv", 0);
	c1 = find_op(g, "Conv", 1);
	assert_non_null(c0);
	assert_non_null(c1);
	assert_int_not_equal(c0->in[1], c1->in[1]);
	tw = gr_graph_tensor(g, "W");
	assert_true(tw >= 0);
	assert_memory_equal(g->tensors[tw].constant->data, w, sizeof(w));
	assert_int_equal(g->tensors[tw].consumers, 0);
	/* the Add reads what the convs now write */
	assert_int_equal(g->tensors[find_op(g, "Add", 0)->in[0]].producer,
			 (int)(c0 - g->nodes));
	gr_graph_free(g);
}

/* Gemm transB=1 with bias, and transB=0 without: both fold. */
static void test_fold_gemm(void **state)
{
	for (int trans = 0; trans <= 1; trans++) {
		struct mg_graph mg = { 0 };
		struct bn_params p;
		int64_t xd[2] = { 3, 5 }, wd[2] = { trans ? 4 : 5, trans ? 5 : 4 }, bd[1] = { 4 };
		int64_t yd[2] = { 3, 4 };
		float w[20], b[4], x[15];
		struct gr_graph *g;
		struct gr_err err;
		const struct gr_node *n;
		struct gr_value *in[3], *out[2] = { 0 };

		(void)state;
		fill(w, 20, -1, 1);
		fill(b, 4, -1, 1);
		fill(x, 15, -2, 2);
		bn_random(&p, 4);
		mg_init(&mg, "W", DT_FLOAT, 2, wd, w, sizeof(w));
		if (trans)
			mg_init(&mg, "C", DT_FLOAT, 1, bd, b, sizeof(b));
		{
			const char *ins[] = { "x", "W", trans ? "C" : NULL, NULL };
			Onnx__AttributeProto *at[] = { mg_attr_int("transB", trans),
						       mg_attr_float("alpha", 0.5f), NULL };

			mg_node(&mg, "Gemm", "fc", ins, "fc_out", at);
		}
		bn_node(&mg, "bn", "fc_out", "y", &p, 4, NULL);
		mg_io(&mg, 0, "x", DT_FLOAT, 2, xd);
		mg_io(&mg, 1, "y", DT_FLOAT, 2, yd);
		assert_int_equal(load(&mg, NULL, &g, &err), 0);
		assert_int_equal(g->n_nodes, 1);
		n = &g->nodes[0];
		assert_true(gr_node_is(n, "Gemm"));
		assert_int_equal(n->n_in, 3);
		in[0] = fval(2, xd, x);
		in[1] = (struct gr_value *)cval(g, n, 1);
		in[2] = (struct gr_value *)cval(g, n, 2);
		assert_non_null(in[2]);
		assert_int_equal(gr_ref_node(n, (const struct gr_value *const *)in, out, &err), 0);
		{
			struct gr_node orig = *n;
			float zero[4] = { 0 };
			struct gr_value *oin[3] = { in[0], fval(2, wd, w), fval(1, bd, trans ? b : zero) };

			expect_bn_of(&orig, oin, 3, &p, 4, out[0]);
			gr_value_free(oin[1]);
			gr_value_free(oin[2]);
		}
		gr_value_free(out[0]);
		gr_value_free(in[0]);
		gr_graph_free(g);
	}
}

/*
 * What must not fold: the op's output read twice, Gemm with beta != 1, a
 * BN mean fed at run time. The BN then stays in the graph (a CPU op), or
 * import says it cannot run it, naming BatchNormalization.
 */
static void expect_not_folded(struct mg_graph *mg, Onnx__ValueInfoProto *second)
{
	struct gr_graph *g = NULL;
	struct gr_err err;
	int rc = load(mg, second, &g, &err);

	if (rc) {
		assert_int_equal(rc, -EOPNOTSUPP);
		assert_non_null(strstr(err.msg, "BatchNormalization"));
		return;
	}
	assert_non_null(find_op(g, "BatchNormalization", 0));
	gr_graph_free(g);
}

static void test_not_folded(void **state)
{
	struct bn_params p;
	int64_t xd[2] = { 2, 3 }, wd[2] = { 3, 3 }, bd[1] = { 3 };
	float w[9], b[3];

	(void)state;
	fill(w, 9, -1, 1);
	fill(b, 3, -1, 1);
	bn_random(&p, 3);
	for (int c = 0; c < 3; c++) {
		struct mg_graph mg = { 0 };
		Onnx__ValueInfoProto *second = NULL;

		mg_init(&mg, "W", DT_FLOAT, 2, wd, w, sizeof(w));
		mg_init(&mg, "C", DT_FLOAT, 1, bd, b, sizeof(b));
		{
			const char *ins[] = { "x", "W", "C", NULL };
			Onnx__AttributeProto *at[] = { mg_attr_float("beta", c == 1 ? 0.5f : 1.0f),
						       NULL };

			mg_node(&mg, "Gemm", "fc", ins, "fc_out", at);
		}
		if (c == 2) {
			/* the mean as a graph input */
			struct mg_graph tmp = { 0 };

			mg_io(&tmp, 0, "mean", DT_FLOAT, 1, bd);
			second = tmp.input;
		}
		bn_node(&mg, "bn", "fc_out", c == 0 ? "bn_out" : "y", &p, 3, c == 2 ? "mean" : NULL);
		if (c == 0) {
			const char *ins[] = { "bn_out", "fc_out", NULL };

			mg_node(&mg, "Add", "add", ins, "y", NULL);
		}
		mg_io(&mg, 0, "x", DT_FLOAT, 2, xd);
		mg_io(&mg, 1, "y", DT_FLOAT, 2, xd);
		expect_not_folded(&mg, second);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_conv),
		cmocka_unit_test(test_fold_shared_weights),
		cmocka_unit_test(test_fold_gemm),
		cmocka_unit_test(test_not_folded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
