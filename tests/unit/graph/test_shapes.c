// SPDX-License-Identifier: MIT
/*
 * Shapes through the public API on the emulated device: a PyTorch-style
 * flatten (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) between two
 * quantized layers is folded when the model is compiled, so both layers
 * and the Reshape (a view) stay on the device; the output is bit-exact
 * with the CPU reference. The same model with a symbolic batch 'N' runs
 * at two batch sizes, each compiled once (the third run hits the cache).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/model.h"
#include "onnxw.h"

#define DT_FLOAT 1
#define DT_INT8 3
#define DT_INT64 7

static struct accel_device *dev;

static void node(struct mg_graph *g, const char *op, const char *out,
		 Onnx__AttributeProto **at, ...)
{
	const char *in[12];
	va_list ap;
	int n = 0;

	va_start(ap, at);
	while ((in[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	mg_node(g, op, out, in, out, at);
}

static void scale(struct mg_graph *g, const char *name, float s)
{
	char zn[64];

	snprintf(zn, sizeof(zn), "%s_z", name);
	mg_init_scalar_f(g, name, s);
	mg_init_scalar_i8(g, zn, 0);
}

/*
 * x [batch, 4, 6, 6] -> 1x1 QLinearConv -> flatten as PyTorch exports it
 * -> QLinearMatMul [144 x 10]. batch < 0 makes the batch a symbolic dim.
 */
static void build_flatten(const char *path, int64_t batch)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { batch, 4, 6, 6 }, wd[4] = { 4, 4, 1, 1 }, fcd[2] = { 144, 10 };
	int64_t od[2] = { batch, 10 }, zero = 0, minus1 = -1, one = 1;
	int8_t w[16], fc[1440];
	Onnx__AttributeProto *k1[] = { NULL, NULL }, *ax0[] = { NULL, NULL };
	int64_t k[2] = { 1, 1 };

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)((int)(i * 37 % 255) - 127);
	for (size_t i = 0; i < sizeof(fc); i++)
		fc[i] = (int8_t)((int)(i * 71 % 255) - 127);
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, "out", DT_INT8, 2, od);
	if (batch < 0) {
		/* a dim_param, as exporters write a dynamic batch */
		for (int i = 0; i < 2; i++) {
			Onnx__TensorShapeProto__Dimension *d =
				(i ? g.output : g.input)->type->tensor_type->shape->dim[0];

			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = mg_strdup("N");
		}
	}
	/*
	 * requantization factors 1/243 and 1/729: odd denominators, so no
	 * product lands on a rounding tie and the device is bit-exact
	 */
	scale(&g, "xs", 1.0f / 16);
	mg_init(&g, "w", DT_INT8, 4, wd, w, sizeof(w));
	scale(&g, "ws", 2.0f / 243);
	scale(&g, "ys", 1.0f / 8);
	k1[0] = mg_attr_ints("kernel_shape", 2, k);
	node(&g, "QLinearConv", "y", k1, "x", "xs", "xs_z", "w", "ws", "ws_z", "ys", "ys_z",
	     NULL);
	node(&g, "Shape", "shape", NULL, "y", NULL);
	mg_init(&g, "idx0", DT_INT64, 0, NULL, &zero, sizeof(zero));
	ax0[0] = mg_attr_int("axis", 0);
	node(&g, "Gather", "n", ax0, "shape", "idx0", NULL);
	mg_init(&g, "axes0", DT_INT64, 1, &one, &zero, sizeof(zero));
	node(&g, "Unsqueeze", "n1", NULL, "n", "axes0", NULL);
	mg_init(&g, "rest", DT_INT64, 1, &one, &minus1, sizeof(minus1));
	ax0[0] = mg_attr_int("axis", 0);
	node(&g, "Concat", "target", ax0, "n1", "rest", NULL);
	node(&g, "Reshape", "flat", NULL, "y", "target", NULL);
	mg_init(&g, "fc", DT_INT8, 2, fcd, fc, sizeof(fc));
	scale(&g, "fcs", 2.0f / 729);
	scale(&g, "outs", 1.0f / 4);
	node(&g, "QLinearMatMul", "out", NULL, "flat", "ys", "ys_z", "fc", "fcs", "fcs_z",
	     "outs", "outs_z", NULL);
	assert_int_equal(mg_write(&g, "flatten", path), 0);
}

static struct accel_tensor *input(int64_t batch)
{
	int64_t xd[4] = { batch, 4, 6, 6 };
	struct accel_tensor *x = accel_tensor_new(ACCEL_DTYPE_INT8, 4, xd);
	int8_t *p;

	assert_non_null(x);
	p = accel_tensor_data(x);
	for (size_t i = 0; i < accel_tensor_count(x); i++)
		p[i] = (int8_t)((int)((i + (size_t)batch) * 29 % 255) - 127);
	return x;
}

/* Runs once and checks the output against the CPU reference, bit for bit. */
static void run_exact(struct accel_model *m, int64_t batch)
{
	struct accel_tensor *x = input(batch), *out[1] = { 0 }, *ref[1] = { 0 };
	double diff = -1;

	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	assert_true(diff == 0);
	{
		/* not degenerate (saturated or constant) */
		const int8_t *o = accel_tensor_data(out[0]);
		int distinct = 0;

		for (int i = 1; i < 10; i++)
			distinct += o[i] != o[i - 1] && o[i] != 127 && o[i] != -128;
		assert_true(distinct > 5);
	}
	accel_tensor_free(x);
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
}

/* Every layer on the device (the Reshape a view): the shape subgraph folded. */
static void assert_all_on_device(struct accel_model *m)
{
	int n = accel_model_layer_count(m), n_dev = 0;

	for (int i = 0; i < n; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		print_message("# %-6s %-16s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" :
			      li.on == ACCEL_ON_CPU ? "cpu" : "view", li.op, li.name, li.reason);
		assert_true(li.on != ACCEL_ON_CPU);
		n_dev += li.on == ACCEL_ON_DEVICE;
	}
	/* QLinearConv, Reshape (view), QLinearMatMul: Shape..Concat are gone */
	assert_int_equal(n, 3);
	assert_int_equal(n_dev, 2);
}

static void test_flatten_folds(void **state)
{
	char path[] = "/tmp/eyrie-flatten-XXXXXX";
	struct accel_model_opts o = { .sz = sizeof(o) };
	struct accel_model *m = NULL;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	build_flatten(path, 2);
	assert_int_equal(accel_model_load(dev, path, &o, &m), 0);
	unlink(path);
	assert_all_on_device(m);
	run_exact(m, 2);
	accel_model_free(m);
}

static void test_dynamic_batch(void **state)
{
	char path[] = "/tmp/eyrie-flatten-dyn-XXXXXX";
	struct accel_model_opts o = { .sz = sizeof(o) };
	struct accel_run_stats st = { .sz = sizeof(st) };
	struct accel_model *m = NULL;
	int64_t batches[3] = { 1, 3, 1 }, dims[4];
	int fd = mkstemp(path), dtype, rank;

	(void)state;
	close(fd);
	build_flatten(path, -1);
	assert_int_equal(accel_model_load(dev, path, &o, &m), 0);
	unlink(path);
	/* the input keeps its symbolic dim */
	assert_int_equal(accel_model_input_type(m, 0, &dtype, &rank, dims), 0);
	assert_int_equal(rank, 4);
	assert_int_equal(dims[0], -1);
	for (int i = 0; i < 3; i++) {
		run_exact(m, batches[i]);
		assert_all_on_device(m);
		assert_int_equal(accel_model_run_stats(m, &st), 0);
		print_message("# batch %lld: %u shapes compiled, cache %s\n",
			      (long long)batches[i], st.shape_variants,
			      st.shape_cache_hit ? "hit" : "miss");
		assert_int_equal(st.device_layers, 2);
		assert_int_equal(st.cpu_layers, 0);
	}
	/* batch 1, batch 3, then batch 1 again from the cache */
	assert_int_equal(st.shape_variants, 2);
	assert_true(st.shape_cache_hit);
	accel_model_free(m);
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
		cmocka_unit_test(test_flatten_folds),
		cmocka_unit_test(test_dynamic_batch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
