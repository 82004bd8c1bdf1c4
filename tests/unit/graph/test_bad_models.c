// SPDX-License-Identifier: MIT
/*
 * Bad-model table: each row builds a malformed ONNX model (in the test,
 * with the same protobuf-c bindings), imports it, and checks the error code
 * and that the message names the cause (and the node where there is one).
 * Never a crash: the ASan build of this test runs in make check too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "onnx/onnx.h"
#include "onnxw.h"

#define DT_FLOAT 1
#define DT_INT8 3
#define DT_INT32 6

enum defect {
	GOOD,
	TRUNCATED,
	GARBAGE,
	EMPTY_FILE,
	OPSET_OLD,
	OPSET_NEW,
	UNSUPPORTED_OP,
	FOREIGN_DOMAIN,
	SHAPE_MISMATCH,
	ABSURD_INPUT,
	ABSURD_INITIALIZER,
	MISSING_INPUT,
	OUTPUT_NOT_PRODUCED,
	KERNEL_TOO_BIG,
	BAD_RAW_DATA,
	DUPLICATE_OUTPUT,
	TWO_UNSUPPORTED,
	SHORT_ZERO_POINT,
	POOL_WRONG_RANK,
	POOL_2D_ON_1D,
	OMITTED_INPUT,
	POOL_3D_ABSURD,
	POOL_3D_NEG_PADS,
	POOL_3D_SHORT_PADS,
	POOL_STORAGE_ORDER,
	POOL_THREE_OUTPUTS,
	CT_3D_NEG_PADS,
};

/* A small QLinearConv model with one defect; written to path. */
static void build(enum defect d, const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 8, 8 }, wd[4] = { 4, 3, 3, 3 }, od[4] = { 1, 4, 6, 6 };
	int8_t w[4 * 3 * 9] = { 1, 2, 3 };
	const char *conv_in[] = { "x", "xs", "xz", "w", "ws", "wz", "ys", "yz", NULL };
	const char *missing_in[] = { "x", "xs", "xz", "nope", "ws", "wz", "ys", "yz", NULL };
	const char *omitted_in[] = { "x", "", "xz", "w", "ws", "wz", "ys", "yz", NULL };
	const char *op = "QLinearConv";
	Onnx__ValueInfoProto *second = NULL;	/* a second graph input */
	int opset = 13;

	if (d == ABSURD_INPUT) {
		xd[2] = 1 << 20;
		xd[3] = 1 << 20;
	}
	if (d == KERNEL_TOO_BIG) {
		xd[2] = 2;
		xd[3] = 2;
	}
	if (d == SHAPE_MISMATCH)
		wd[1] = 2;	/* weights expect 2 channels, input has 3 */
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, d == OUTPUT_NOT_PRODUCED ? "ghost" : "y", DT_INT8, 4, od);
	mg_init_scalar_f(&g, "xs", 0.5f);
	mg_init_scalar_i8(&g, "xz", 0);
	if (d == ABSURD_INITIALIZER) {
		int64_t huge[4] = { 1 << 20, 1 << 20, 1 << 20, 1 };

		mg_init(&g, "w", DT_INT8, 4, huge, w, sizeof(w));
	} else if (d == BAD_RAW_DATA) {
		mg_init(&g, "w", DT_INT8, 4, wd, w, 10);
	} else {
		mg_init(&g, "w", DT_INT8, 4, wd, w, (size_t)(wd[0] * wd[1] * 9));
	}
	mg_init_scalar_f(&g, "ws", 0.25f);
	if (d == SHORT_ZERO_POINT) {
		int64_t two = 2;
		int8_t z2[2] = { 0, 0 };

		/* 2 weight zero points for 4 output channels */
		mg_init(&g, "wz", DT_INT8, 1, &two, z2, 2);
	} else {
		mg_init_scalar_i8(&g, "wz", 0);
	}
	mg_init_scalar_f(&g, "ys", 1.0f);
	mg_init_scalar_i8(&g, "yz", 0);
	if (d == UNSUPPORTED_OP || d == TWO_UNSUPPORTED)
		op = "LSTM";
	mg_node(&g, op, "conv_a", d == MISSING_INPUT ? missing_in :
		d == OMITTED_INPUT ? omitted_in : conv_in, "y", NULL);
	if (d == TWO_UNSUPPORTED) {
		const char *gru_in[] = { "x", NULL };

		mg_node(&g, "GRU", "later_b", gru_in, "y2", NULL);
	}
	if (d == POOL_2D_ON_1D) {
		int64_t md[3] = { 1, 2, 8 };
		float m[16] = { 0 };
		const char *pool_in[] = { "m", NULL };
		int64_t k[2] = { 2, 2 };
		Onnx__AttributeProto *at[2] = { mg_attr_ints("kernel_shape", 2, k), NULL };

		/* a 2-D window on N x C x W: no H to slide over */
		mg_init(&g, "m", DT_FLOAT, 3, md, m, sizeof(m));
		mg_node(&g, "MaxPool", "pool_d", pool_in, "p", at);
	}
	if (d == POOL_WRONG_RANK) {
		int64_t md[2] = { 4, 4 };
		float m[16] = { 0 };
		const char *pool_in[] = { "m", NULL };
		int64_t k[2] = { 2, 2 };
		Onnx__AttributeProto *at[2] = { mg_attr_ints("kernel_shape", 2, k), NULL };

		/* a 2-D pool on a rank-2 tensor: it has no N x C x H x W */
		mg_init(&g, "m", DT_FLOAT, 2, md, m, sizeof(m));
		mg_node(&g, "MaxPool", "pool_c", pool_in, "p", at);
	}
	if (d == POOL_3D_ABSURD) {
		int64_t vd[5] = { 1, 1, 1 << 20, 1 << 20, 1 << 20 };
		const char *pool_in[] = { "v", NULL };
		int64_t k[3] = { 2, 2, 2 };
		Onnx__AttributeProto *at[2] = { mg_attr_ints("kernel_shape", 3, k), NULL };

		/* 2^60 elements: refused as an input before the pool sees it */
		second = mg_value_info("v", DT_FLOAT, 5, vd, NULL);
		mg_node(&g, "MaxPool", "pool_f", pool_in, "p", at);
	}
	if (d == POOL_3D_NEG_PADS || d == POOL_3D_SHORT_PADS || d == POOL_STORAGE_ORDER ||
	    d == POOL_THREE_OUTPUTS) {
		int64_t md[5] = { 1, 2, 4, 4, 4 };
		static float m[128];
		const char *pool_in[] = { "m", NULL };
		int64_t k[3] = { 2, 2, 2 }, neg[6] = { 0, -1, 0, 0, 0, 0 }, four[4] = { 0 };
		Onnx__AttributeProto *at[3] = { mg_attr_ints("kernel_shape", 3, k), NULL, NULL };

		if (d == POOL_3D_NEG_PADS)
			at[1] = mg_attr_ints("pads", 6, neg);
		if (d == POOL_3D_SHORT_PADS)
			at[1] = mg_attr_ints("pads", 4, four);
		if (d == POOL_STORAGE_ORDER)
			at[1] = mg_attr_int("storage_order", 7);
		mg_init(&g, "m", DT_FLOAT, 5, md, m, sizeof(m));
		mg_node(&g, "MaxPool", "pool_e", pool_in, "p", at);
		if (d == POOL_THREE_OUTPUTS) {
			Onnx__NodeProto *pn = g.nodes[g.n_nodes - 1];

			/* Y, Indices and one more */
			pn->output = realloc(pn->output, 3 * sizeof(char *));
			assert_non_null(pn->output);
			pn->output[1] = mg_strdup("pi");
			pn->output[2] = mg_strdup("px");
			pn->n_output = 3;
		}
	}
	if (d == CT_3D_NEG_PADS) {
		int64_t cxd[5] = { 1, 1, 3, 3, 3 }, cwd[5] = { 1, 2, 3, 3, 3 };
		static float cx[27], cw[54];
		const char *ct_in[] = { "cx", "cw", NULL };
		int64_t neg[6] = { 0, 0, -2, 0, 0, 0 };
		Onnx__AttributeProto *at[2] = { mg_attr_ints("pads", 6, neg), NULL };

		mg_init(&g, "cx", DT_FLOAT, 5, cxd, cx, sizeof(cx));
		mg_init(&g, "cw", DT_FLOAT, 5, cwd, cw, sizeof(cw));
		mg_node(&g, "ConvTranspose", "deconv_a", ct_in, "ct", at);
	}
	if (d == DUPLICATE_OUTPUT)
		mg_node(&g, "QLinearConv", "conv_b", conv_in, "y", NULL);
	if (d == FOREIGN_DOMAIN) {
		free(g.nodes[0]->domain);
		g.nodes[0]->domain = mg_strdup("com.microsoft");
	}
	if (d == OPSET_OLD)
		opset = 0;
	if (d == OPSET_NEW)
		opset = 99;
	assert_int_equal(mg_write_full(&g, "bad", path, opset, second), 0);
	if (d == TRUNCATED) {
		FILE *f = fopen(path, "r+");
		long len;

		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fclose(f);
		assert_int_equal(truncate(path, len / 2), 0);
	}
	if (d == GARBAGE || d == EMPTY_FILE) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		if (d == GARBAGE)
			fputs("\xff\xff\xff\xff this is not a protobuf \x01\x02", f);
		fclose(f);
	}
}

struct row {
	const char *name;
	enum defect d;
	int code;
	const char *want1, *want2;
};

static const struct row table[] = {
	{ "truncated file", TRUNCATED, -EINVAL, "truncated or corrupt", NULL },
	{ "garbage bytes", GARBAGE, -EINVAL, "truncated or corrupt", NULL },
	{ "empty file", EMPTY_FILE, -EINVAL, "no graph", NULL },
	{ "opset too old", OPSET_OLD, -EOPNOTSUPP, "opset 0 is not supported", NULL },
	{ "opset too new", OPSET_NEW, -EOPNOTSUPP, "opset 99 is not supported", NULL },
	{ "unsupported op", UNSUPPORTED_OP, -EOPNOTSUPP, "unsupported op 'LSTM'", "conv_a" },
	{ "foreign domain", FOREIGN_DOMAIN, -EOPNOTSUPP, "domain 'com.microsoft'", "conv_a" },
	{ "shape mismatch", SHAPE_MISMATCH, -EINVAL, "shape mismatch", "conv_a" },
	{ "absurd input size", ABSURD_INPUT, -E2BIG, "absurdly large", "'x'" },
	{ "absurd initializer size", ABSURD_INITIALIZER, -E2BIG, "initializer 'w'", "elements" },
	{ "missing input", MISSING_INPUT, -EINVAL, "missing input 'nope'", "conv_a" },
	{ "output produced by no node", OUTPUT_NOT_PRODUCED, -EINVAL, "graph output 'ghost'", NULL },
	{ "kernel larger than input", KERNEL_TOO_BIG, -EINVAL, "does not fit", "conv_a" },
	{ "short raw data", BAD_RAW_DATA, -EINVAL, "initializer 'w'", "truncated or wrong shape" },
	{ "two producers of a tensor", DUPLICATE_OUTPUT, -EINVAL, "already defined", "conv_b" },
	/* every unsupported node at once, each with its op, domain and opset */
	{ "two unsupported ops", TWO_UNSUPPORTED, -EOPNOTSUPP, "2 nodes cannot run",
	  "node 'later_b' (GRU, domain ai.onnx, opset 13)" },
	{ "zero point shorter than its axis", SHORT_ZERO_POINT, -EINVAL,
	  "w_zero_point must be a scalar or one value per channel", "conv_a" },
	{ "2-D pool of a rank-2 tensor", POOL_WRONG_RANK, -EINVAL, "N x C x spatial", "pool_c" },
	{ "2-D window on a 1-D input", POOL_2D_ON_1D, -EINVAL, "a 2-D window on a 1-D input (rank 3)",
	  "pool_d" },
	{ "required input omitted", OMITTED_INPUT, -EINVAL, "required input 1 is missing",
	  "conv_a" },
	{ "3-D pool of an absurd input", POOL_3D_ABSURD, -E2BIG, "absurdly large", "'v'" },
	{ "3-D pool with negative pads", POOL_3D_NEG_PADS, -EINVAL, "negative pads", "pool_e" },
	{ "3-D pool with 2-D pads", POOL_3D_SHORT_PADS, -EINVAL,
	  "pads must be a list of 6 ints", "pool_e" },
	{ "MaxPool storage_order 7", POOL_STORAGE_ORDER, -EINVAL,
	  "storage_order must be 0 or 1", "pool_e" },
	{ "MaxPool with three outputs", POOL_THREE_OUTPUTS, -EINVAL, "MaxPool has Y and Indices",
	  "pool_e" },
	{ "3-D ConvTranspose with negative pads", CT_3D_NEG_PADS, -EINVAL, "out of range",
	  "deconv_a" },
};
#define ROWS (sizeof(table) / sizeof(table[0]))

static void test_good_model_imports(void **state)
{
	char path[] = "/tmp/eyrie-good-XXXXXX";
	struct gr_graph *g = NULL;
	struct gr_err err;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	build(GOOD, path);
	assert_int_equal(ox_model_load_file(path, &g, &err), 0);
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(g->tensors[g->outputs[0]].dims[3], 6);
	gr_graph_free(g);
	unlink(path);
}

/* One row of the table (the row is the test's state). */
static void test_bad_model(void **state)
{
	const struct row *r = *state;
	char path[] = "/tmp/eyrie-bad-XXXXXX";
	struct gr_graph *g = NULL;
	struct gr_err err = { "" };
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	close(fd);
	build(r->d, path);
	rc = ox_model_load_file(path, &g, &err);
	unlink(path);
	print_message("# %s: rc %d: %s\n", r->name, rc, err.msg);
	assert_null(g);
	assert_int_equal(rc, r->code);
	assert_non_null(strstr(err.msg, r->want1));
	if (r->want2)
		assert_non_null(strstr(err.msg, r->want2));
}

/* Every prefix of a valid model: an error or a graph, never a crash. */
static void test_every_truncation(void **state)
{
	char path[] = "/tmp/eyrie-cut-XXXXXX";
	void *buf;
	size_t len;
	struct gr_err err;
	int fd = mkstemp(path), refused = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	build(GOOD, path);
	assert_int_equal(ox_read_file(path, &buf, &len, &err), 0);
	unlink(path);
	for (size_t cut = 0; cut < len; cut++) {
		struct gr_graph *g = NULL;
		int rc = ox_model_load_mem(buf, cut, "cut", &g, &err);

		if (rc) {
			assert_null(g);
			assert_true(err.msg[0] != 0);
			refused++;
		}
		gr_graph_free(g);
	}
	print_message("# %d of %zu prefixes refused\n", refused, len);
	assert_true(refused > (int)len / 2);
	free(buf);
}

static void test_missing_file(void **state)
{
	struct gr_graph *g = NULL;
	struct gr_err err;

	(void)state;
	assert_int_equal(ox_model_load_file("/nonexistent/model.onnx", &g, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/model.onnx"));
}

int main(void)
{
	struct CMUnitTest tests[ROWS + 3] = {
		cmocka_unit_test(test_good_model_imports),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_every_truncation),
	};
	char names[ROWS][64];

	for (size_t i = 0; i < ROWS; i++) {
		snprintf(names[i], sizeof(names[i]), "bad model: %s", table[i].name);
		tests[3 + i] = (struct CMUnitTest){
			.name = names[i], .test_func = test_bad_model,
			.initial_state = (void *)&table[i],
		};
	}
	return _cmocka_run_group_tests("bad_models", tests, ROWS + 3, NULL, NULL);
}
