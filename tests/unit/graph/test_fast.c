// SPDX-License-Identifier: MIT
/*
 * The fast float path (graph/fast.h, OpenBLAS) against the plain reference
 * kernels (graph/ref.h) on seeded shapes: Conv (1-D and 2-D, groups,
 * depthwise, strides, dilations, asymmetric pads, auto_pad, with and without
 * bias, the 1x1 direct case), Gemm (transposes, alpha, beta, every C
 * broadcast) and MatMul (A of rank 2 to 4). They must agree to float32
 * rounding: |fast - ref| <= 1e-5 * (sum of |terms| + 1).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/fast.h"
#include "graph/graph.h"
#include "graph/ref.h"
#include "graph/registry.h"

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static int ri(int lo, int hi)
{
	return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

/* A node of the default-domain op `op` (opset 13) with no attributes yet. */
static void node_init(struct gr_node *n, const char *op, int n_in)
{
	char why[200];

	memset(n, 0, sizeof(*n));
	n->name = strdup(op);
	assert_int_equal(gr_op_lookup("", op, 13, &n->def, why, sizeof(why)), 0);
	n->op_type = n->def->name;
	n->opset = 13;
	n->n_in = n_in;
	n->n_out = 1;
}

static struct gr_attr *attr_add(struct gr_node *n, const char *name, enum gr_attr_type type)
{
	struct gr_attr *a;

	n->attrs = realloc(n->attrs, (size_t)(n->n_attrs + 1) * sizeof(*n->attrs));
	assert_non_null(n->attrs);
	a = &n->attrs[n->n_attrs++];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	a->type = type;
	return a;
}

static void attr_int(struct gr_node *n, const char *name, int64_t v)
{
	attr_add(n, name, GR_ATTR_INT)->i = v;
}

static void attr_float(struct gr_node *n, const char *name, float v)
{
	attr_add(n, name, GR_ATTR_FLOAT)->f = v;
}

static void attr_ints(struct gr_node *n, const char *name, int count, const int64_t *v)
{
	struct gr_attr *a = attr_add(n, name, GR_ATTR_INTS);

	a->ints = malloc((size_t)count * sizeof(int64_t));
	assert_non_null(a->ints);
	memcpy(a->ints, v, (size_t)count * sizeof(int64_t));
	a->n = (size_t)count;
}

static struct gr_value *rand_val(int rank, const int64_t *dims)
{
	struct gr_value *v = gr_value_new(GR_FLOAT, rank, dims, NULL);

	assert_non_null(v);
	for (size_t i = 0; i < v->count; i++)
		((float *)v->data)[i] = (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2 - 1);
	return v;
}

/* Runs both; returns how many elements were compared. */
static size_t compare(const struct gr_node *n, struct gr_value **in, double scale)
{
	struct gr_value *a[2] = { 0 }, *b[2] = { 0 };
	struct gr_err err;
	size_t count;

	assert_int_equal(gr_ref_node(n, (const struct gr_value *const *)in, a, &err), 0);
	assert_int_equal(gr_fast_node(n, (const struct gr_value *const *)in, b, &err), 0);
	assert_int_equal(a[0]->rank, b[0]->rank);
	assert_memory_equal(a[0]->dims, b[0]->dims, (size_t)a[0]->rank * sizeof(int64_t));
	assert_int_equal(a[0]->count, b[0]->count);
	for (size_t i = 0; i < a[0]->count; i++) {
		double x = ((float *)a[0]->data)[i], y = ((float *)b[0]->data)[i];

		if (fabs(x - y) > 1e-5 * (scale + 1))
			fail_msg("%s: element %zu: reference %.9g, fast %.9g", n->op_type, i, x, y);
	}
	count = a[0]->count;
	gr_value_free(a[0]);
	gr_value_free(b[0]);
	return count;
}

static void test_conv(void **state)
{
	(void)state;
	for (int iter = 0; iter < 60; iter++) {
		int two_d = iter % 5 != 4, grp = iter % 7 == 3 ? 4 : iter % 3 == 0 ? 2 : 1;
		int depthwise = iter % 11 == 5;
		int64_t c = depthwise ? 6 : grp * ri(1, 3), m = depthwise ? 6 : grp * ri(1, 4);
		int64_t k = iter % 6 == 0 ? 1 : ri(1, 3), kw = two_d ? ri(1, 3) : k;
		struct gr_node n;
		struct gr_value *in[3] = { 0 };
		int64_t xd[4], wd[4], bd[1], st[2], dl[2], pd[4];
		int same = 0;

		if (depthwise)
			grp = 6;
		st[0] = ri(1, 2);
		st[1] = ri(1, 2);
		dl[0] = ri(1, 2);
		dl[1] = ri(1, 2);
		pd[0] = ri(0, 2);
		pd[1] = ri(0, 1);
		pd[2] = ri(0, 1);
		pd[3] = ri(0, 2);
		if (iter % 6 == 0) {	/* the direct 1x1 case */
			kw = 1;
			st[0] = st[1] = dl[0] = dl[1] = 1;
			pd[0] = pd[1] = pd[2] = pd[3] = 0;
		} else if (iter % 4 == 1) {
			same = 1;
			dl[0] = dl[1] = 1;
		}
		if (!two_d) {
			st[0] = dl[0] = 1;
			pd[0] = pd[2] = 0;
		}
		xd[0] = ri(1, 2);
		xd[1] = c;
		xd[2] = two_d ? ri(5, 9) : ri(5, 12);
		xd[3] = ri(5, 9);
		wd[0] = m;
		wd[1] = c / grp;
		wd[2] = two_d ? k : kw;
		wd[3] = kw;
		node_init(&n, "Conv", 2);
		attr_int(&n, "group", grp);
		if (two_d) {
			int64_t p4[4] = { pd[0], pd[1], pd[2], pd[3] };

			attr_ints(&n, "strides", 2, st);
			attr_ints(&n, "dilations", 2, dl);
			if (!same)
				attr_ints(&n, "pads", 4, p4);
		} else {
			int64_t p2[2] = { pd[1], pd[3] };

			attr_ints(&n, "strides", 1, &st[1]);
			attr_ints(&n, "dilations", 1, &dl[1]);
			if (!same)
				attr_ints(&n, "pads", 2, p2);
		}
		if (same) {
			struct gr_attr *a = attr_add(&n, "auto_pad", GR_ATTR_STRING);

			a->s = strdup("SAME_UPPER");
		}
		in[0] = rand_val(two_d ? 4 : 3, xd);
		in[1] = rand_val(two_d ? 4 : 3, wd);
		if (iter % 2) {
			bd[0] = m;
			in[2] = rand_val(1, bd);
			n.n_in = 3;
		}
		assert_true(compare(&n, in, (double)(c / grp) * k * kw) > 0);
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
}

static void test_gemm(void **state)
{
	(void)state;
	for (int iter = 0; iter < 40; iter++) {
		int64_t M = ri(1, 9), N = ri(1, 9), K = ri(1, 17);
		struct gr_node n;
		struct gr_value *in[3] = { 0 };
		int64_t ad[2], bd[2], cd[2];
		int crank = iter % 6, ta = iter & 1, tb = (iter >> 1) & 1;

		node_init(&n, "Gemm", 2);
		attr_int(&n, "transA", ta);
		attr_int(&n, "transB", tb);
		attr_float(&n, "alpha", iter % 3 ? 1.0f : 0.75f);
		attr_float(&n, "beta", iter % 5 ? 1.0f : -0.5f);
		ad[0] = ta ? K : M;
		ad[1] = ta ? M : K;
		bd[0] = tb ? N : K;
		bd[1] = tb ? K : N;
		in[0] = rand_val(2, ad);
		in[1] = rand_val(2, bd);
		/* C: none, scalar, [N], [1], [M, N], [1, N] */
		if (crank) {
			int rank = crank == 1 ? 0 : crank <= 3 ? 1 : 2;

			cd[0] = crank == 2 ? N : crank == 3 ? 1 : crank == 4 ? M : 1;
			cd[1] = N;
			in[2] = rand_val(rank, cd);
			n.n_in = 3;
		}
		assert_true(compare(&n, in, (double)K) > 0);
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
}

static void test_matmul(void **state)
{
	(void)state;
	for (int rank = 2; rank <= 4; rank++) {
		int64_t ad[4] = { 2, 3, 4, 5 }, bd[2], K = ad[rank - 1];
		struct gr_node n;
		struct gr_value *in[2];

		node_init(&n, "MatMul", 2);
		bd[0] = K;
		bd[1] = 7;
		in[0] = rand_val(rank, ad);
		in[1] = rand_val(2, bd);
		assert_true(compare(&n, in, (double)K) > 0);
		gr_value_free(in[0]);
		gr_value_free(in[1]);
		gr_node_clear(&n);
	}
}

/* What the fast path does not cover is left to the reference. */
static void test_not_covered(void **state)
{
	int64_t ad[3] = { 2, 3, 4 }, bd[3] = { 2, 4, 5 };
	struct gr_node n;
	struct gr_value *in[2] = { rand_val(3, ad), rand_val(3, bd) }, *out[2] = { 0 };
	struct gr_err err;

	(void)state;
	node_init(&n, "MatMul", 2);
	/* a batched B */
	assert_int_equal(gr_fast_node(&n, (const struct gr_value *const *)in, out, &err), -ENOSYS);
	assert_null(out[0]);
	gr_node_clear(&n);
	/* not one of its ops */
	node_init(&n, "Add", 2);
	assert_int_equal(gr_fast_node(&n, (const struct gr_value *const *)in, out, &err), -ENOSYS);
	gr_node_clear(&n);
	gr_value_free(in[0]);
	gr_value_free(in[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_matmul),
		cmocka_unit_test(test_not_covered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
