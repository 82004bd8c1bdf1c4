// SPDX-License-Identifier: MIT
/*
 * The fast float path (graph/fast.h, OpenBLAS) against the plain reference
 * kernels (graph/ref.h) on seeded shapes: Conv (1-D and 2-D, groups,
 * depthwise, strides, dilations, asymmetric pads, auto_pad, with and without
 * bias, the 1x1 direct case, the direct depthwise loop, one output
 * position by sgemv), Conv with the fused epilogue (Add, Relu, Clip)
 * against the reference Conv -> Add -> Relu / Clip, ConvTranspose (groups,
 * strides, dilations, pads, output_padding, auto_pad, output_shape), Gemm
 * (transposes, alpha, beta, every C broadcast, one row by sgemv), MatMul
 * (A of rank 2 to 4, one row), Relu, Clip, Add, MaxPool and
 * GlobalAveragePool. They must agree to float32 rounding: |fast - ref| <=
 * 1e-5 * (sum of |terms| + 1).
 *
 * The CPU plan's oneDNN primitives (graph/onednn.h) against the same
 * reference: every Conv case, with and without the fused epilogue, and
 * the Gemm cases of its inner product (A as it is, alpha and beta 1, C of
 * N values), and the convs with one output position it runs as an inner
 * product. oneDNN must take every one of them (a case it refused would
 * go unchecked), refuse the Gemms it cannot run, and refuse an input of
 * another shape.
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
#include "graph/onednn.h"
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

/* The reference's output of n (which must run). */
static struct gr_value *ref_run(const struct gr_node *n, struct gr_value **in)
{
	struct gr_value *a[2] = { 0 };
	struct gr_err err;

	if (gr_ref_node(n, (const struct gr_value *const *)in, a, &err))
		fail_msg("reference %s: %s", n->op_type, err.msg);
	return a[0];
}

/* fast against ref (consumed); returns how many elements were compared. */
static size_t expect_close(const char *op, struct gr_value *ref, struct gr_value *fast,
			   double scale)
{
	size_t count = ref->count;

	assert_int_equal(ref->rank, fast->rank);
	assert_memory_equal(ref->dims, fast->dims, (size_t)ref->rank * sizeof(int64_t));
	assert_int_equal(ref->count, fast->count);
	for (size_t i = 0; i < ref->count; i++) {
		double x = ((float *)ref->data)[i], y = ((float *)fast->data)[i];

		if (!(fabs(x - y) <= 1e-5 * (scale + 1)))
			fail_msg("%s: element %zu: reference %.9g, fast %.9g", op, i, x, y);
	}
	gr_value_free(ref);
	gr_value_free(fast);
	return count;
}

/* Runs both; returns how many elements were compared. */
static size_t compare(const struct gr_node *n, struct gr_value **in, double scale)
{
	struct gr_value *b[2] = { 0 }, *a = ref_run(n, in);
	struct gr_err err;

	assert_int_equal(gr_fast_node(n, (const struct gr_value *const *)in, b, &err), 0);
	return expect_close(n->op_type, a, b[0], scale);
}

/* One engine for the oneDNN tests (made by main's group setup). */
static struct gr_dnn *dnn;

/* Conv or Gemm node n's oneDNN primitive for in[0]'s shape (rc: its return). */
static struct gr_dnn_prim *dnn_prim(const struct gr_node *n, struct gr_value **in,
				    const struct gr_dnn_epi *e, int *rc)
{
	struct gr_dnn_prim *c = NULL;

	if (gr_node_is(n, "Conv"))
		*rc = gr_dnn_conv_new(dnn, n, in[0]->rank, in[0]->dims, in[1],
				      n->n_in > 2 ? in[2] : NULL, e, &c);
	else if (gr_node_is(n, "MaxPool"))
		*rc = gr_dnn_maxpool_new(dnn, n, in[0]->rank, in[0]->dims, &c);
	else
		*rc = gr_dnn_gemm_new(dnn, n, in[0]->rank, in[0]->dims, in[1],
				      n->n_in > 2 ? in[2] : NULL, &c);
	assert_true(*rc ? c == NULL : c != NULL);
	return c;
}

/*
 * Conv, Gemm or MaxPool node n through a oneDNN primitive made for in[0]'s shape,
 * with epilogue e (NULL: none) and the Add operand add, against ref
 * (consumed). oneDNN must take it.
 */
static size_t compare_dnn(const struct gr_node *n, struct gr_value **in,
			  const struct gr_dnn_epi *e, const struct gr_value *add,
			  struct gr_value *ref, double scale)
{
	struct gr_value *y = NULL;
	struct gr_dnn_prim *c;
	struct gr_err err;
	size_t count;
	int rc;

	c = dnn_prim(n, in, e, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(gr_dnn_prim_has_add(c), e && e->add);
	assert_int_equal(gr_dnn_prim_run(c, in[0], add, 0, &y, &err), 0);
	count = expect_close(gr_node_is(n, "Conv") ? "oneDNN Conv" :
			     gr_node_is(n, "Gemm") ? "oneDNN Gemm" : "oneDNN MaxPool", ref, y, scale);
	/* twice: the second run of a primitive gives the same */
	if (!add) {
		struct gr_value *again = NULL, *first = NULL;

		assert_int_equal(gr_dnn_prim_run(c, in[0], NULL, 0, &first, &err), 0);
		assert_int_equal(gr_dnn_prim_run(c, in[0], NULL, 0, &again, &err), 0);
		assert_memory_equal(first->data, again->data, first->count * sizeof(float));
		gr_value_free(first);
		gr_value_free(again);
	}
	/* an input of another shape: not this primitive's */
	{
		int64_t od[4];
		struct gr_value *other;

		memcpy(od, in[0]->dims, sizeof(od));
		od[0]++;
		other = rand_val(in[0]->rank, od);
		y = NULL;
		assert_int_equal(gr_dnn_prim_run(c, other, add, 0, &y, &err), -ENOSYS);
		assert_null(y);
		gr_value_free(other);
	}
	gr_dnn_prim_free(c);
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
		assert_true(compare_dnn(&n, in, NULL, NULL, ref_run(&n, in),
					(double)(c / grp) * k * kw) > 0);
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
}

static void test_gemm(void **state)
{
	int taken = 0;

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
		/*
		 * oneDNN's inner product: A as it is, alpha and beta 1, C of N
		 * values (none, [N], [1, N]); the rest is refused
		 */
		if (!ta && iter % 3 && iter % 5 && (crank == 0 || crank == 2 || crank == 5)) {
			assert_true(compare_dnn(&n, in, NULL, NULL, ref_run(&n, in), (double)K) > 0);
			taken++;
		} else if (ta || !(iter % 3) || !(iter % 5) || crank == 1) {
			int rc;

			assert_null(dnn_prim(&n, in, NULL, &rc));
			assert_int_equal(rc, -ENOSYS);
		}
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
	assert_true(taken > 0);
}

static void test_matmul(void **state)
{
	(void)state;
	for (int rank = 1; rank <= 4; rank++) {
		/* rank "1": a 1 x K A, one row (sgemv) */
		int64_t ad[4] = { rank == 1 ? 1 : 2, 3, 4, 5 }, bd[2], K = ad[rank == 1 ? 1 : rank - 1];
		struct gr_node n;
		struct gr_value *in[2];

		node_init(&n, "MatMul", 2);
		bd[0] = K;
		bd[1] = 7;
		in[0] = rand_val(rank == 1 ? 2 : rank, ad);
		in[1] = rand_val(2, bd);
		assert_true(compare(&n, in, (double)K) > 0);
		gr_value_free(in[0]);
		gr_value_free(in[1]);
		gr_node_clear(&n);
	}
}

/* A Conv node of window k x k (1-D when !two_d) with the given attributes. */
static void conv_node(struct gr_node *n, int two_d, int64_t grp, int64_t st, int64_t dl,
		      int64_t pad)
{
	int64_t s2[2] = { st, st }, d2[2] = { dl, dl }, p4[4] = { pad, pad, pad, pad };

	node_init(n, "Conv", 2);
	attr_int(n, "group", grp);
	attr_ints(n, "strides", two_d ? 2 : 1, s2);
	attr_ints(n, "dilations", two_d ? 2 : 1, d2);
	attr_ints(n, "pads", two_d ? 4 : 2, p4);
}

/* One output position per plane: the sgemv forms (1x1 direct, im2col, groups). */
static void test_conv_one_position(void **state)
{
	static const struct {
		int64_t c, m, hw, k, pad, grp;
	} cases[] = {
		{ 16, 8, 1, 1, 0, 1 },	/* 1x1 on 1x1: direct */
		{ 8, 12, 1, 3, 1, 1 },	/* 3x3 padded on 1x1 */
		{ 6, 4, 3, 3, 0, 2 },	/* 3x3 valid on 3x3, 2 groups */
		{ 5, 7, 2, 2, 0, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t xd[4] = { 2, cases[i].c, cases[i].hw, cases[i].hw };
		int64_t wd[4] = { cases[i].m, cases[i].c / cases[i].grp, cases[i].k, cases[i].k };
		int64_t bd[1] = { cases[i].m };
		struct gr_value *in[3] = { rand_val(4, xd), rand_val(4, wd), rand_val(1, bd) };
		struct gr_node n;

		conv_node(&n, 1, cases[i].grp, 1, 1, cases[i].pad);
		n.n_in = 2 + (int)(i % 2);
		/* N x M x 1 x 1 */
		assert_int_equal(compare(&n, in, (double)wd[1] * wd[2] * wd[3]),
				 (size_t)(2 * cases[i].m));
		assert_int_equal(compare_dnn(&n, in, NULL, NULL, ref_run(&n, in),
					     (double)wd[1] * wd[2] * wd[3]),
				 (size_t)(2 * cases[i].m));
		for (int k = 0; k < 3; k++)
			gr_value_free(in[k]);
		gr_node_clear(&n);
	}
}

/* A Clip with min / max as inputs (opset 13), or a Relu. */
static void act_node(struct gr_node *n, int relu)
{
	node_init(n, relu ? "Relu" : "Clip", relu ? 1 : 3);
}

/*
 * Conv with the fused epilogue against the reference Conv, then Add,
 * then Relu / Clip: every conv form (im2col, 1x1 direct, depthwise,
 * sgemv) with an Add, a Relu, a Clip or both.
 */
static void test_conv_epilogue(void **state)
{
	size_t compared = 0;

	(void)state;
	for (int iter = 0; iter < 36; iter++) {
		int form = iter % 4, with_add = iter % 3 != 2, act = iter % 3 == 0 ? 0 : 1 + iter % 2;
		int64_t c = form == 2 ? 6 : ri(1, 5), m = form == 2 ? 6 : ri(1, 6);
		int64_t k = form == 1 ? 1 : 3, hw = form == 3 ? 1 : ri(3, 8);
		int64_t grp = form == 2 ? 6 : 1, pad = form == 1 ? 0 : 1;
		int64_t xd[4] = { ri(1, 2), c, hw, hw }, wd[4] = { m, c / grp, k, k }, bd[1] = { m };
		struct gr_value *in[3] = { rand_val(4, xd), rand_val(4, wd), NULL };
		struct gr_value *ref, *add = NULL, *b[2] = { 0 }, *lim[3] = { 0 };
		struct gr_fast_epi e = { 0 };
		struct gr_dnn_epi de = { 0 };
		struct gr_node n, an, cn;
		struct gr_err err;
		int64_t one[1] = { 1 };

		conv_node(&n, 1, grp, 1, 1, pad);
		if (iter % 2) {
			in[2] = rand_val(1, bd);
			n.n_in = 3;
		}
		ref = ref_run(&n, in);
		if (with_add) {
			struct gr_value *ain[2];

			add = rand_val(ref->rank, ref->dims);
			ain[0] = ref;
			ain[1] = add;
			node_init(&an, "Add", 2);
			e.add = add;
			ref = ref_run(&an, ain);
			gr_value_free(ain[0]);
			gr_node_clear(&an);
		}
		if (act) {
			struct gr_value *cin[3] = { ref, NULL, NULL };

			act_node(&cn, act == 1);
			if (act == 2) {
				/* min only, or min and max */
				cin[1] = lim[1] = rand_val(0, one);
				((float *)lim[1]->data)[0] = -0.25f;
				if (iter % 2) {
					cin[2] = lim[2] = rand_val(0, one);
					((float *)lim[2]->data)[0] = 0.5f;
				}
			}
			assert_int_equal(gr_fast_clip_bounds(&cn, (const struct gr_value *const *)cin,
							     &e.lo, &e.hi), 0);
			e.clamp = 1;
			ref = ref_run(&cn, cin);
			gr_value_free(cin[0]);
			gr_node_clear(&cn);
		}
		assert_int_equal(gr_fast_node_epi(&n, (const struct gr_value *const *)in, b, &e,
						  &err), 0);
		/* the same epilogue as oneDNN post-ops */
		de.add = with_add;
		de.clamp = e.clamp;
		de.lo = e.lo;
		de.hi = e.hi;
		compared += compare_dnn(&n, in, &de, add, gr_value_clone(ref),
					(double)wd[1] * k * k + (with_add ? 1 : 0));
		compared += expect_close("Conv+epilogue", ref, b[0],
					 (double)wd[1] * k * k + (with_add ? 1 : 0));
		/* an Add operand of another shape: not fused */
		if (add) {
			int64_t od[4] = { add->dims[0], add->dims[1] + 1, add->dims[2], add->dims[3] };
			struct gr_value *other = rand_val(4, od);

			e.add = other;
			b[0] = NULL;
			assert_int_equal(gr_fast_node_epi(&n, (const struct gr_value *const *)in, b,
							  &e, &err), -ENOSYS);
			assert_null(b[0]);
			gr_value_free(other);
		}
		gr_value_free(add);
		gr_value_free(lim[1]);
		gr_value_free(lim[2]);
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
	assert_true(compared > 0);
}

/*
 * Two convs whose tensors stay in oneDNN's layout between them, as the
 * CPU plan keeps them: a = relu(conv1(x)) left in conv1's layout, then
 * relu(conv2(a) + a) reading a in that layout both as input and as the
 * Add's operand, against the reference; a back in NCHW equals conv1's
 * NCHW output exactly.
 */
static void test_dnn_chain(void **state)
{
	int64_t xd[4] = { 1, 8, 7, 6 }, w1d[4] = { 16, 8, 3, 3 }, w2d[4] = { 16, 16, 3, 3 };
	int64_t bd[1] = { 16 };
	struct gr_value *in1[3] = { rand_val(4, xd), rand_val(4, w1d), rand_val(1, bd) };
	struct gr_value *in2[3] = { NULL, rand_val(4, w2d), rand_val(1, bd) };
	struct gr_value *a_plain = NULL, *a_native = NULL, *a_back = NULL, *y = NULL;
	struct gr_value *ref, *ref_a, *tmp, *rin[2];
	struct gr_dnn_epi relu = { .clamp = 1, .lo = 0.0f, .hi = INFINITY };
	struct gr_dnn_epi add_relu = { .add = 1, .clamp = 1, .lo = 0.0f, .hi = INFINITY };
	struct gr_dnn_prim *c1, *c2;
	struct gr_node n1, n2, rn, an;
	struct gr_err err;
	int rc;

	(void)state;
	conv_node(&n1, 1, 1, 1, 1, 1);
	conv_node(&n2, 1, 1, 1, 1, 1);
	n1.n_in = n2.n_in = 3;
	node_init(&rn, "Relu", 1);
	node_init(&an, "Add", 2);
	/* the reference: a = relu(conv1(x)), y = relu(conv2(a) + a) */
	tmp = ref_run(&n1, in1);
	rin[0] = tmp;
	ref_a = ref_run(&rn, rin);
	gr_value_free(tmp);
	in2[0] = ref_a;
	tmp = ref_run(&n2, in2);
	rin[0] = tmp;
	rin[1] = ref_a;
	ref = ref_run(&an, rin);
	gr_value_free(tmp);
	rin[0] = ref;
	tmp = ref_run(&rn, rin);
	gr_value_free(ref);
	ref = tmp;

	c1 = dnn_prim(&n1, in1, &relu, &rc);
	assert_int_equal(rc, 0);
	in2[0] = ref_a;		/* conv2 is made for conv1's output shape */
	c2 = dnn_prim(&n2, in2, &add_relu, &rc);
	assert_int_equal(rc, 0);
	assert_true(gr_dnn_prim_chains(c1, c2, 0));
	assert_true(gr_dnn_prim_chains(c1, c2, 1));
	assert_int_equal(gr_dnn_prim_run(c1, in1[0], NULL, 0, &a_plain, &err), 0);
	assert_int_equal(gr_dnn_prim_run(c1, in1[0], NULL, GR_DNN_Y_NATIVE, &a_native, &err), 0);
	assert_int_equal(gr_dnn_prim_to_plain(c1, a_native, &a_back, &err), 0);
	assert_memory_equal(a_plain->data, a_back->data, a_plain->count * sizeof(float));
	assert_int_equal(gr_dnn_prim_run(c2, a_native, a_native,
					 GR_DNN_X_NATIVE | GR_DNN_ADD_NATIVE, &y, &err), 0);
	/* a MaxPool reading a in that layout too */
	{
		int64_t k2[2] = { 2, 2 };
		struct gr_value *pin[1] = { ref_a }, *p_ref, *p_dnn = NULL;
		struct gr_dnn_prim *cp;
		struct gr_node pn;

		node_init(&pn, "MaxPool", 1);
		attr_ints(&pn, "kernel_shape", 2, k2);
		attr_ints(&pn, "strides", 2, k2);
		p_ref = ref_run(&pn, pin);
		cp = dnn_prim(&pn, pin, NULL, &rc);
		assert_int_equal(rc, 0);
		assert_true(gr_dnn_prim_chains(c1, cp, 0));
		assert_int_equal(gr_dnn_prim_run(cp, a_native, NULL, GR_DNN_X_NATIVE, &p_dnn, &err), 0);
		expect_close("oneDNN chain (MaxPool)", p_ref, p_dnn, 8.0 * 9);
		gr_dnn_prim_free(cp);
		gr_node_clear(&pn);
	}
	expect_close("oneDNN chain", ref, y, 16.0 * 9 * (1 + 8 * 9) + 1);
	expect_close("oneDNN chain (conv1)", ref_a, a_plain, 8.0 * 9);
	gr_value_free(a_native);
	gr_value_free(a_back);
	gr_dnn_prim_free(c1);
	gr_dnn_prim_free(c2);
	for (int i = 0; i < 3; i++)
		gr_value_free(in1[i]);
	gr_value_free(in2[1]);
	gr_value_free(in2[2]);
	gr_node_clear(&n1);
	gr_node_clear(&n2);
	gr_node_clear(&rn);
	gr_node_clear(&an);
}

/* A 2-D Conv node (1-D when !two_d) with strides st and pads {top, left, bottom, right}. */
static void conv_node_pads(struct gr_node *n, int two_d, int64_t grp, int64_t dl,
			   const int64_t *st, const int64_t *pads)
{
	int64_t d2[2] = { dl, dl }, p2[2] = { pads[1], pads[3] };

	node_init(n, "Conv", 2);
	attr_int(n, "group", grp);
	attr_ints(n, "strides", two_d ? 2 : 1, two_d ? st : &st[1]);
	attr_ints(n, "dilations", two_d ? 2 : 1, d2);
	attr_ints(n, "pads", two_d ? 4 : 2, two_d ? pads : p2);
}

/* The reference of act(conv(in) + add) (add, act: none when NULL / 0); in[0..2] kept. */
static struct gr_value *ref_conv_epi(const struct gr_node *n, struct gr_value **in,
				     const struct gr_value *add, int relu)
{
	struct gr_value *y = ref_run(n, in), *t, *a[2];
	struct gr_node on;

	if (add) {
		a[0] = y;
		a[1] = (struct gr_value *)add;
		node_init(&on, "Add", 2);
		t = ref_run(&on, a);
		gr_node_clear(&on);
		gr_value_free(y);
		y = t;
	}
	if (relu) {
		a[0] = y;
		node_init(&on, "Relu", 1);
		t = ref_run(&on, a);
		gr_node_clear(&on);
		gr_value_free(y);
		y = t;
	}
	return y;
}

/*
 * Convs with one output position per image, which oneDNN runs as an
 * inner product over the pixels under that position's window (the convs
 * of resnet50's last stage: 1x1 on 1x1, 3x3 pad 1 on 1x1, 3x3 stride 2
 * pad 1 on 2x2, 1x1 stride 2 on 2x2; and asymmetric windows that read a
 * corner of the image through a corner of the kernel), batches of 1 and
 * 2, with a bias, the Add, the Relu, against the reference. A wrong slice
 * of the weights or a wrong gather of the pixels shows in the output.
 * Convs of another form (groups, dilations, more than one position) stay
 * convolutions.
 */
static void test_dnn_one_position(void **state)
{
	static const struct {
		int two_d;
		int64_t c, m, ih, iw, kh, kw, st[2], pads[4];
	} cases[] = {
		{ 1, 32, 48, 1, 1, 1, 1, { 1, 1 }, { 0, 0, 0, 0 } },	/* 1x1 on 1x1 */
		{ 1, 48, 32, 1, 1, 3, 3, { 1, 1 }, { 1, 1, 1, 1 } },	/* 3x3 pad 1 on 1x1 */
		{ 1, 32, 40, 2, 2, 3, 3, { 2, 2 }, { 1, 1, 1, 1 } },	/* 3x3 s2 pad 1 on 2x2 */
		{ 1, 40, 64, 2, 2, 1, 1, { 2, 2 }, { 0, 0, 0, 0 } },	/* 1x1 s2 on 2x2: pixel (0, 0) */
		{ 1, 5, 7, 2, 3, 3, 2, { 3, 3 }, { 2, 0, 0, 0 } },	/* row 0, cols 0-1; taps (2, 0-1) */
		{ 1, 6, 9, 3, 3, 2, 3, { 3, 3 }, { 0, 1, 0, 0 } },	/* rows 0-1, cols 0-1; taps (0-1, 1-2) */
		{ 0, 7, 5, 1, 5, 1, 3, { 1, 5 }, { 0, 1, 0, 0 } },	/* 1-D: cols 0-1, taps 1-2 */
		{ 1, 3, 4, 2, 2, 2, 2, { 1, 1 }, { 0, 0, 0, 0 } },	/* 2x2 valid on 2x2 */
	};
	size_t compared = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int v = 0; v < 8; v++) {
			int64_t batch = 1 + v % 2, bd[1] = { cases[i].m };
			int with_bias = v & 2, with_add = v & 4, relu = v % 3 != 0;
			int64_t xd[4] = { batch, cases[i].c, cases[i].ih, cases[i].iw };
			int64_t wd[4] = { cases[i].m, cases[i].c, cases[i].kh, cases[i].kw };
			struct gr_value *in[3] = { NULL }, *add = NULL, *ref;
			struct gr_dnn_epi e = { .add = with_add != 0, .clamp = relu,
						.lo = 0.0f, .hi = INFINITY };
			struct gr_dnn_prim *c;
			struct gr_node n;
			int rc;

			if (!cases[i].two_d) {
				xd[2] = xd[3];
				wd[2] = wd[3];
			}
			in[0] = rand_val(cases[i].two_d ? 4 : 3, xd);
			in[1] = rand_val(cases[i].two_d ? 4 : 3, wd);
			conv_node_pads(&n, cases[i].two_d, 1, 1, cases[i].st, cases[i].pads);
			if (with_bias) {
				in[2] = rand_val(1, bd);
				n.n_in = 3;
			}
			ref = ref_run(&n, in);
			for (int d = 2; d < ref->rank; d++)
				assert_int_equal(ref->dims[d], 1);
			if (with_add)
				add = rand_val(ref->rank, ref->dims);
			gr_value_free(ref);
			ref = ref_conv_epi(&n, in, add, relu);
			c = dnn_prim(&n, in, &e, &rc);
			assert_int_equal(rc, 0);
			assert_true(gr_dnn_prim_is_product(c));
			gr_dnn_prim_free(c);
			compared += compare_dnn(&n, in, &e, add, ref,
						(double)cases[i].c * cases[i].kh * cases[i].kw + 2);
			gr_value_free(add);
			for (int k = 0; k < 3; k++)
				gr_value_free(in[k]);
			gr_node_clear(&n);
		}
	}
	assert_true(compared > 0);
	/* two groups; a dilation; two output positions: convolutions */
	for (int k = 0; k < 3; k++) {
		/* 2x2 on 2x2; 2x2 dilated 2 on 3x3: one position; 2x2 on 2x3: two */
		int64_t xd[4] = { 1, 8, 2 + (k == 1), 2 + (k != 0) }, wd[4] = { 8, k ? 8 : 4, 2, 2 };
		int64_t st[2] = { 1, 1 }, pads[4] = { 0, 0, 0, 0 };
		struct gr_value *in[3] = { rand_val(4, xd), rand_val(4, wd), NULL };
		struct gr_dnn_prim *c;
		struct gr_node n;
		int rc;

		conv_node_pads(&n, 1, k == 0 ? 2 : 1, k == 1 ? 2 : 1, st, pads);
		c = dnn_prim(&n, in, NULL, &rc);
		assert_int_equal(rc, 0);
		assert_false(gr_dnn_prim_is_product(c));
		gr_dnn_prim_free(c);
		assert_true(compare_dnn(&n, in, NULL, NULL, ref_run(&n, in), 8.0 * 4) > 0);
		for (int j = 0; j < 3; j++)
			gr_value_free(in[j]);
		gr_node_clear(&n);
	}
}

/*
 * resnet50's first block of its last stage at one output position: x
 * left NHWC by a MaxPool of 1x1 windows, read in that layout in place by
 * a = relu(3x3 s2 pad 1 conv) and through a gather of pixel (0, 0) by
 * p = 1x1 s2 conv, then relu(1x1 conv(a) + p), batches of 1 and 2,
 * against the reference. a and p, of one position, are the same memory in
 * NCHW as in NHWC (oneDNN's descriptors of the two are equal): no reorder
 * writes or reads them, so there is no layout to chain.
 */
static void test_dnn_one_position_chain(void **state)
{
	(void)state;
	for (int64_t batch = 1; batch <= 2; batch++) {
		int64_t xd[4] = { batch, 24, 2, 2 }, wad[4] = { 16, 24, 3, 3 };
		int64_t wpd[4] = { 32, 24, 1, 1 }, wcd[4] = { 32, 16, 1, 1 }, b16[1] = { 16 };
		int64_t b32[1] = { 32 }, s1[2] = { 1, 1 }, s2[2] = { 2, 2 }, k1[2] = { 1, 1 };
		int64_t p0[4] = { 0, 0, 0, 0 }, p1[4] = { 1, 1, 1, 1 };
		struct gr_value *x = rand_val(4, xd), *xin[1] = { x };
		struct gr_value *ia[3] = { x, rand_val(4, wad), rand_val(1, b16) };
		struct gr_value *ip[3] = { x, rand_val(4, wpd), rand_val(1, b32) };
		struct gr_value *ic[3] = { NULL, rand_val(4, wcd), rand_val(1, b32) };
		struct gr_value *ref_a, *ref_p, *ref, *xn = NULL, *an = NULL, *pn = NULL, *y = NULL;
		struct gr_dnn_epi relu = { .clamp = 1, .lo = 0.0f, .hi = INFINITY };
		struct gr_dnn_epi add_relu = { .add = 1, .clamp = 1, .lo = 0.0f, .hi = INFINITY };
		struct gr_dnn_prim *cx, *ca, *cp, *cc;
		struct gr_node nx, na, np, nc;
		struct gr_err err;
		int rc;

		node_init(&nx, "MaxPool", 1);
		attr_ints(&nx, "kernel_shape", 2, k1);
		conv_node_pads(&na, 1, 1, 1, s2, p1);
		conv_node_pads(&np, 1, 1, 1, s2, p0);
		conv_node_pads(&nc, 1, 1, 1, s1, p0);
		na.n_in = np.n_in = nc.n_in = 3;
		ref_a = ref_conv_epi(&na, ia, NULL, 1);
		ref_p = ref_run(&np, ip);
		ic[0] = ref_a;
		ref = ref_conv_epi(&nc, ic, ref_p, 1);

		cx = dnn_prim(&nx, xin, NULL, &rc);
		assert_int_equal(rc, 0);
		ca = dnn_prim(&na, ia, &relu, &rc);
		assert_int_equal(rc, 0);
		cp = dnn_prim(&np, ip, NULL, &rc);
		assert_int_equal(rc, 0);
		cc = dnn_prim(&nc, ic, &add_relu, &rc);
		assert_int_equal(rc, 0);
		assert_true(gr_dnn_prim_is_product(ca) && gr_dnn_prim_is_product(cp) &&
			    gr_dnn_prim_is_product(cc));
		assert_true(gr_dnn_prim_chains(cx, ca, 0));
		assert_true(gr_dnn_prim_chains(cx, cp, 0));
		assert_false(gr_dnn_prim_chains(ca, cc, 0));
		assert_false(gr_dnn_prim_chains(cp, cc, 1));
		assert_int_equal(gr_dnn_prim_run(cx, x, NULL, GR_DNN_Y_NATIVE, &xn, &err), 0);
		assert_int_equal(gr_dnn_prim_run(ca, xn, NULL, GR_DNN_X_NATIVE, &an, &err), 0);
		assert_int_equal(gr_dnn_prim_run(cp, xn, NULL, GR_DNN_X_NATIVE, &pn, &err), 0);
		assert_int_equal(gr_dnn_prim_run(ca, xn, NULL, GR_DNN_X_NATIVE | GR_DNN_Y_NATIVE,
						 &y, &err), -ENOSYS);
		assert_int_equal(gr_dnn_prim_run(cc, an, pn, 0, &y, &err), 0);
		expect_close("one position chain (a)", gr_value_clone(ref_a), an, 24.0 * 9);
		expect_close("one position chain (p)", ref_p, pn, 24.0);
		expect_close("one position chain", ref, y, 16.0 * (1 + 24 * 9) + 24 + 2);
		gr_value_free(xn);
		gr_value_free(ref_a);
		gr_dnn_prim_free(cx);
		gr_dnn_prim_free(ca);
		gr_dnn_prim_free(cp);
		gr_dnn_prim_free(cc);
		gr_value_free(x);
		for (int k = 1; k < 3; k++) {
			gr_value_free(ia[k]);
			gr_value_free(ip[k]);
			gr_value_free(ic[k]);
		}
		gr_node_clear(&nx);
		gr_node_clear(&na);
		gr_node_clear(&np);
		gr_node_clear(&nc);
	}
}

static void test_convtranspose(void **state)
{
	(void)state;
	for (int iter = 0; iter < 48; iter++) {
		int two_d = iter % 4 != 3, grp = iter % 3 == 0 ? 2 : 1;
		int64_t c = grp * ri(1, 3), mg = ri(1, 3), k = ri(1, 3), kw = two_d ? ri(1, 3) : k;
		int64_t s = ri(1, 3), d = ri(1, 2), p0 = ri(0, ((k - 1) * d) / 2);
		int64_t p1 = ri(0, ((kw - 1) * d) / 2), op = iter % 5 == 1 ? ri(0, s - 1) : 0;
		int64_t xd[4] = { ri(1, 2), c, ri(2, 6), ri(2, 6) }, wd[4] = { c, mg, k, kw };
		int64_t bd[1] = { mg * grp };
		int64_t s2[2] = { s, s }, d2[2] = { d, d }, op2[2] = { op, op };
		int64_t p4[4] = { p0, p1, p0, p1 }, p2[2] = { p1, p1 };
		struct gr_value *in[3] = { 0 };
		struct gr_node n;

		if (!two_d) {
			xd[2] = xd[3];
			wd[2] = kw;
		}
		node_init(&n, "ConvTranspose", 2);
		attr_int(&n, "group", grp);
		attr_ints(&n, "strides", two_d ? 2 : 1, s2);
		attr_ints(&n, "dilations", two_d ? 2 : 1, d2);
		if (op)
			attr_ints(&n, "output_padding", two_d ? 2 : 1, op2);
		if (iter % 7 == 2) {
			struct gr_attr *a = attr_add(&n, "auto_pad", GR_ATTR_STRING);

			a->s = strdup("SAME_UPPER");
		} else if (iter % 7 == 4) {
			/* past the full output: zeros + bias at the end */
			int64_t os[2] = { s * (xd[2] - 1) + (k - 1) * d + 2,
					  s * (xd[3] - 1) + (kw - 1) * d + 2 };

			attr_ints(&n, "output_shape", two_d ? 2 : 1, two_d ? os : &os[1]);
		} else {
			attr_ints(&n, "pads", two_d ? 4 : 2, two_d ? p4 : p2);
		}
		in[0] = rand_val(two_d ? 4 : 3, xd);
		in[1] = rand_val(two_d ? 4 : 3, wd);
		if (iter % 2) {
			in[2] = rand_val(1, bd);
			n.n_in = 3;
		}
		assert_true(compare(&n, in, (double)c * k * kw) > 0);
		for (int i = 0; i < 3; i++)
			gr_value_free(in[i]);
		gr_node_clear(&n);
	}
}

static void test_elementwise(void **state)
{
	int64_t xd[4] = { 2, 3, 5, 4 }, one[1] = { 1 };
	struct gr_value *x = rand_val(4, xd), *y = rand_val(4, xd);
	struct gr_value *lo = rand_val(0, one), *hi = rand_val(0, one);
	struct gr_value *in[3];
	struct gr_node n;

	(void)state;
	((float *)lo->data)[0] = -0.3f;
	((float *)hi->data)[0] = 0.4f;
	node_init(&n, "Relu", 1);
	in[0] = x;
	assert_int_equal(compare(&n, in, 1), x->count);
	gr_node_clear(&n);
	/* Clip: no bounds, min only, both */
	for (int b = 0; b < 3; b++) {
		node_init(&n, "Clip", 1 + b);
		in[0] = x;
		in[1] = lo;
		in[2] = hi;
		assert_int_equal(compare(&n, in, 1), x->count);
		gr_node_clear(&n);
	}
	node_init(&n, "Add", 2);
	in[0] = x;
	in[1] = y;
	assert_int_equal(compare(&n, in, 2), x->count);
	gr_node_clear(&n);
	node_init(&n, "GlobalAveragePool", 1);
	in[0] = x;
	assert_int_equal(compare(&n, in, 1), (size_t)(xd[0] * xd[1]));
	gr_node_clear(&n);
	gr_value_free(x);
	gr_value_free(y);
	gr_value_free(lo);
	gr_value_free(hi);
}

static void test_maxpool(void **state)
{
	(void)state;
	for (int iter = 0; iter < 40; iter++) {
		int two_d = iter % 4 != 3;
		int64_t k = ri(1, 3), kw = ri(1, 3), s2[2] = { ri(1, 2), ri(1, 2) };
		int64_t d2[2] = { ri(1, 2), ri(1, 2) }, xd[4] = { ri(1, 2), ri(1, 3), ri(5, 9), ri(5, 9) };
		int64_t p4[4] = { ri(0, k - 1), ri(0, kw - 1), ri(0, k - 1), ri(0, kw - 1) };
		int64_t p2[2] = { p4[1], p4[3] }, ks[2] = { k, kw };
		struct gr_value *in[1];
		struct gr_node n;

		node_init(&n, "MaxPool", 1);
		attr_ints(&n, "kernel_shape", two_d ? 2 : 1, two_d ? ks : &ks[1]);
		attr_ints(&n, "strides", two_d ? 2 : 1, two_d ? s2 : &s2[1]);
		attr_ints(&n, "dilations", two_d ? 2 : 1, two_d ? d2 : &d2[1]);
		attr_ints(&n, "pads", two_d ? 4 : 2, two_d ? p4 : p2);
		attr_int(&n, "ceil_mode", iter % 3 == 1);
		if (!two_d)
			xd[2] = xd[3];
		in[0] = rand_val(two_d ? 4 : 3, xd);
		assert_true(compare(&n, in, 1) > 0);
		/* oneDNN's pooling: every 2-D case (pads, strides, dilations, ceil_mode) */
		if (two_d) {
			assert_true(compare_dnn(&n, in, NULL, NULL, ref_run(&n, in), 1) > 0);
		} else {
			int rc;

			assert_null(dnn_prim(&n, in, NULL, &rc));
			assert_int_equal(rc, -ENOSYS);
		}
		gr_value_free(in[0]);
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
	node_init(&n, "Sub", 2);
	assert_int_equal(gr_fast_node(&n, (const struct gr_value *const *)in, out, &err), -ENOSYS);
	gr_node_clear(&n);
	/* an Add that broadcasts */
	node_init(&n, "Add", 2);
	assert_int_equal(gr_fast_node(&n, (const struct gr_value *const *)in, out, &err), -ENOSYS);
	assert_null(out[0]);
	gr_node_clear(&n);
	gr_value_free(in[0]);
	gr_value_free(in[1]);
}

static int dnn_setup(void **state)
{
	(void)state;
	return gr_dnn_new(&dnn);
}

static int dnn_teardown(void **state)
{
	(void)state;
	gr_dnn_free(dnn);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv),
		cmocka_unit_test(test_conv_one_position),
		cmocka_unit_test(test_conv_epilogue),
		cmocka_unit_test(test_convtranspose),
		cmocka_unit_test(test_dnn_chain),
		cmocka_unit_test(test_dnn_one_position),
		cmocka_unit_test(test_dnn_one_position_chain),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_matmul),
		cmocka_unit_test(test_elementwise),
		cmocka_unit_test(test_maxpool),
		cmocka_unit_test(test_not_covered),
	};

	return cmocka_run_group_tests(tests, dnn_setup, dnn_teardown);
}
