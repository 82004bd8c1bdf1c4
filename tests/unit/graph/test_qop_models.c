// SPDX-License-Identifier: MIT
/*
 * Quantized models as ONNX Runtime writes them, through the public API on
 * the emulated device.
 *
 * Pointwise activations on the device's activation table (graph/lower_lut.c):
 *
 *   - ONNX Runtime's QOperator form: QLinearConv (uint8 activations, int8
 *     weights) -> com.microsoft QLinearLeakyRelu -> QLinearSigmoid. The
 *     LeakyRelu's table fuses into the conv's layer, the Sigmoid (whose
 *     input layer already has a table) runs as its own table layer.
 *   - The QDQ form: QLinearConv -> DequantizeLinear -> Clip(0, 6) ->
 *     QuantizeLinear at another scale, fused into the conv.
 *
 * The conv's requantization multiplier is exactly 1, so no value lies at a
 * rounding tie and the device must equal the CPU reference bit for bit;
 * the layer-wise check must agree. Without EYRIE_CAP_ACT_LUT the same
 * models run those nodes on the CPU and say why; inspect-style placement
 * (accel_model_node_info) names the layer they fused into.
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

static char qop_path[] = "/tmp/eyrie-lut-qop-XXXXXX";
static char qdq_path[] = "/tmp/eyrie-lut-qdq-XXXXXX";
static char msft_path[] = "/tmp/eyrie-qop-msft-XXXXXX";
static char add_path[] = "/tmp/eyrie-qop-add-XXXXXX";
static char mul_path[] = "/tmp/eyrie-qop-mul-XXXXXX";
static char qgemm_path[] = "/tmp/eyrie-qop-qgemm-XXXXXX";
static char concat_path[] = "/tmp/eyrie-qop-concat-XXXXXX";

static Onnx__AttributeProto *attr_float(const char *name, float v)
{
	Onnx__AttributeProto *a = mg_xmalloc(sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = mg_strdup(name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	a->has_f = 1;
	a->f = v;
	return a;
}

static void zp(struct mg_graph *g, const char *name, int dtype, int v)
{
	uint8_t z = (uint8_t)v;

	mg_init(g, name, dtype, 0, NULL, &z, 1);
}

static void node(struct mg_graph *g, const char *op, const char *out,
		 Onnx__AttributeProto **at, const char *domain, ...)
{
	const char *in[12];
	va_list ap;
	int n = 0;

	va_start(ap, domain);
	while ((in[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	mg_node(g, op, out, in, out, at);
	if (domain) {
		free(g->nodes[g->n_nodes - 1]->domain);
		g->nodes[g->n_nodes - 1]->domain = mg_strdup(domain);
	}
}

/*
 * x (uint8, zp 128, scale 0.5) -> 3x3 QLinearConv, 2 -> 3 channels, int8
 * weights in {-1, 0, 1} (scale 0.5), y scale 0.25 (multiplier 1), zp 100.
 */
static void conv_front(struct mg_graph *g, int in_dtype)
{
	int64_t xd[4] = { 1, 2, 6, 7 }, wd[4] = { 3, 2, 3, 3 };
	int8_t w[3 * 2 * 9];
	int64_t k3[2] = { 3, 3 }, pads[4] = { 1, 1, 1, 1 };

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)((int)(i * 7 % 3) - 1);
	mg_io(g, 0, "x", in_dtype, 4, xd);
	mg_init_scalar_f(g, "xs", 0.5f);
	zp(g, "xz", in_dtype, in_dtype == DT_UINT8 ? 128 : 0);
	mg_init(g, "w", DT_INT8, 4, wd, w, sizeof(w));
	mg_init_scalar_f(g, "ws", 0.5f);
	zp(g, "wz", DT_INT8, 0);
	mg_init_scalar_f(g, "cs", 0.25f);
	zp(g, "cz", in_dtype, in_dtype == DT_UINT8 ? 100 : -20);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
					       mg_attr_ints("pads", 4, pads), NULL };

		node(g, "QLinearConv", "conv", at, NULL, "x", "xs", "xz", "w", "ws", "wz",
		     "cs", "cz", NULL);
	}
}

static void build_qop(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t od[4] = { 1, 3, 6, 7 };

	conv_front(&g, DT_UINT8);
	mg_init_scalar_f(&g, "ls", 0.2f);
	zp(&g, "lz", DT_UINT8, 90);
	{
		Onnx__AttributeProto *at[] = { attr_float("alpha", 0.125f), NULL };

		node(&g, "QLinearLeakyRelu", "leaky", at, "com.microsoft", "conv", "cs", "cz",
		     "ls", "lz", NULL);
	}
	mg_init_scalar_f(&g, "ss", 1.0f / 256.0f);
	zp(&g, "sz", DT_UINT8, 0);
	node(&g, "QLinearSigmoid", "y", NULL, "com.microsoft", "leaky", "ls", "lz", "ss", "sz",
	     NULL);
	mg_io(&g, 1, "y", DT_UINT8, 4, od);
	assert_int_equal(mg_write(&g, "lut_qop", path), 0);
}

static void build_qdq(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t od[4] = { 1, 3, 6, 7 };

	conv_front(&g, DT_INT8);
	node(&g, "DequantizeLinear", "convf", NULL, NULL, "conv", "cs", "cz", NULL);
	mg_init_scalar_f(&g, "lo", 0.0f);
	mg_init_scalar_f(&g, "hi", 6.0f);
	node(&g, "Clip", "relu6", NULL, NULL, "convf", "lo", "hi", NULL);
	mg_init_scalar_f(&g, "ys", 6.0f / 255.0f);
	zp(&g, "yz", DT_INT8, -128);
	node(&g, "QuantizeLinear", "y", NULL, NULL, "relu6", "ys", "yz", NULL);
	mg_io(&g, 1, "y", DT_INT8, 4, od);
	assert_int_equal(mg_write(&g, "lut_qdq", path), 0);
}

/*
 * com.microsoft ops: two QLinearConvs -> QLinearAdd (device ELTWISE) ->
 * QLinearMul with the first conv (CPU: no device multiply) ->
 * QLinearGlobalAveragePool (device global AVGPOOL).
 */
static void build_msft(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t od[4] = { 1, 3, 1, 1 };

	conv_front(&g, DT_UINT8);
	mg_init_scalar_f(&g, "c2s", 0.3f);
	zp(&g, "c2z", DT_UINT8, 120);
	{
		int64_t k3[2] = { 3, 3 }, pads[4] = { 1, 1, 1, 1 };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
					       mg_attr_ints("pads", 4, pads), NULL };

		node(&g, "QLinearConv", "conv2", at, NULL, "x", "xs", "xz", "w", "ws", "wz",
		     "c2s", "c2z", NULL);
	}
	mg_init_scalar_f(&g, "as", 0.45f);
	zp(&g, "az", DT_UINT8, 110);
	node(&g, "QLinearAdd", "sum", NULL, "com.microsoft", "conv", "cs", "cz", "conv2", "c2s",
	     "c2z", "as", "az", NULL);
	mg_init_scalar_f(&g, "ms", 2.5f);
	zp(&g, "mz", DT_UINT8, 128);
	node(&g, "QLinearMul", "prod", NULL, "com.microsoft", "sum", "as", "az", "conv", "cs",
	     "cz", "ms", "mz", NULL);
	mg_init_scalar_f(&g, "gs", 0.7f);
	zp(&g, "gz", DT_UINT8, 125);
	node(&g, "QLinearGlobalAveragePool", "y", NULL, "com.microsoft", "prod", "ms", "mz",
	     "gs", "gz", NULL);
	mg_io(&g, 1, "y", DT_UINT8, 4, od);
	assert_int_equal(mg_write(&g, "qop_msft", path), 0);
}

/* QLinearAdd alone, for hand-computed values (ONNX Runtime's rounding). */
static void build_add(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t d[1] = { 4 };

	mg_io(&g, 0, "a", DT_INT8, 1, d);
	mg_io(&g, 1, "c", DT_INT8, 1, d);
	mg_init_scalar_f(&g, "as", 0.5f);
	mg_init_scalar_f(&g, "bs", 0.25f);
	mg_init_scalar_f(&g, "cs", 0.5f);
	zp(&g, "cz", DT_INT8, 1);
	{
		int8_t b[4] = { 4, 3, 2, 1 };

		mg_init(&g, "b", DT_INT8, 1, d, b, sizeof(b));
	}
	/* zero points left out: optional */
	node(&g, "QLinearAdd", "c", NULL, "com.microsoft", "a", "as", "", "b", "bs", "",
	     "cs", "cz", NULL);
	assert_int_equal(mg_write(&g, "qop_add", path), 0);
}

/* QLinearMul alone, for hand-computed values (ONNX Runtime's rounding). */
static void build_mul(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t d[1] = { 4 };

	mg_io(&g, 0, "a", DT_INT8, 1, d);
	mg_io(&g, 1, "c", DT_INT8, 1, d);
	mg_init_scalar_f(&g, "as", 0.5f);
	mg_init_scalar_f(&g, "bs", 0.25f);
	mg_init_scalar_f(&g, "cs", 0.25f);
	zp(&g, "az", DT_INT8, 0);
	zp(&g, "bz", DT_INT8, 2);
	zp(&g, "cz", DT_INT8, 1);
	{
		int8_t b[4] = { 3, 3, 3, 1 };

		mg_init(&g, "b", DT_INT8, 1, d, b, sizeof(b));
	}
	/* every zero point given: ONNX Runtime 1.23.2 refuses this graph without A's */
	node(&g, "QLinearMul", "c", NULL, "com.microsoft", "a", "as", "az", "b", "bs", "bz",
	     "cs", "cz", NULL);
	assert_int_equal(mg_write(&g, "qop_mul", path), 0);
}

/* QGemm: A uint8 3 x 20 (zp 128), B int8 K x N or N x K, per-column scales, int32 C. */
#define QG_M 3
#define QG_K 20
#define QG_N 6
static int8_t qg_b[QG_K * QG_N];
static const float qg_bs[QG_N] = { 0.01f, 0.02f, 0.015f, 0.03f, 0.005f, 0.025f };
static const int32_t qg_c[QG_N] = { 100, -200, 0, 50, -75, 300 };

static void build_qgemm(const char *path, int trans_b)
{
	struct mg_graph g = { 0 };
	int64_t ad[2] = { QG_M, QG_K }, bd[2] = { trans_b ? QG_N : QG_K, trans_b ? QG_K : QG_N };
	int64_t nd[1] = { QG_N }, yd[2] = { QG_M, QG_N };
	int8_t bz[QG_N] = { 0 };

	for (int k = 0; k < QG_K; k++)
		for (int j = 0; j < QG_N; j++)
			qg_b[trans_b ? j * QG_K + k : k * QG_N + j] = (int8_t)((k * 7 + j * 13) % 31 - 15);
	mg_io(&g, 0, "a", DT_UINT8, 2, ad);
	mg_io(&g, 1, "y", DT_UINT8, 2, yd);
	mg_init_scalar_f(&g, "as", 0.1f);
	zp(&g, "az", DT_UINT8, 128);
	mg_init(&g, "b", DT_INT8, 2, bd, qg_b, sizeof(qg_b));
	mg_init(&g, "bs", DT_FLOAT, 1, nd, qg_bs, sizeof(qg_bs));
	mg_init(&g, "bz", DT_INT8, 1, nd, bz, sizeof(bz));
	mg_init(&g, "c", 6, 1, nd, qg_c, sizeof(qg_c));
	mg_init_scalar_f(&g, "ys", 0.07f);
	zp(&g, "yz", DT_UINT8, 120);
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("transB", trans_b),
					       attr_float("alpha", 0.75f), NULL };

		node(&g, "QGemm", "y", at, "com.microsoft", "a", "as", "az", "b", "bs", "bz", "c",
		     "ys", "yz", NULL);
	}
	assert_int_equal(mg_write(&g, "qop_qgemm", path), 0);
}

/* QLinearAveragePool 2 x 2, stride 2, over 1 x 2 x 4 x 4 (or 1 x 4 x 4 x 2, channels_last). */
static char pool_path[] = "/tmp/eyrie-qop-pool-XXXXXX";

static void build_avgpool(const char *path, int last)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 2, 4, 4 }, yd[4] = { 1, 2, 2, 2 };
	int64_t xl[4] = { 1, 4, 4, 2 }, yl[4] = { 1, 2, 2, 2 };
	int64_t k2[2] = { 2, 2 };

	mg_io(&g, 0, "x", DT_UINT8, 4, last ? xl : xd);
	mg_io(&g, 1, "y", DT_UINT8, 4, last ? yl : yd);
	mg_init_scalar_f(&g, "xs", 0.5f);
	zp(&g, "xz", DT_UINT8, 128);
	mg_init_scalar_f(&g, "ys", 0.25f);
	zp(&g, "yz", DT_UINT8, 100);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k2),
					       mg_attr_ints("strides", 2, k2),
					       mg_attr_int("channels_last", last), NULL };

		node(&g, "QLinearAveragePool", "y", at, "com.microsoft", "x", "xs", "xz", "ys", "yz",
		     NULL);
	}
	assert_int_equal(mg_write(&g, "qop_pool", path), 0);
}

/*
 * QLinearConcat of QC_N tensors (2 + 3 QC_N = 92 inputs, more than a
 * node had room for before the input list was sized per node): every X
 * is the graph input x (int8 [1, 2, 2, 2]) with its own scale and zero
 * point, input 3 with Y's own (copied, not requantized); axis `axis`.
 * n_in_override > 0 writes that many inputs instead (a malformed node).
 */
#define QC_N 30
#define QC_YS 0.5f
#define QC_YZ 3
static float qc_scale(int k)
{
	return k == 3 ? QC_YS : 0.05f * (float)(k + 1);
}

static int qc_zp(int k)
{
	return k == 3 ? QC_YZ : (k * 7) % 11 - 5;
}

static void build_concat(const char *path, int axis, int n_in_override)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 2, 2, 2 }, yd[4] = { 1, 2, 2, 2 };
	const char *in[2 + 3 * QC_N + 1];
	char names[QC_N][2][16];
	int n = 0;

	yd[axis] *= QC_N;
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_init_scalar_f(&g, "ys", QC_YS);
	zp(&g, "yz", DT_INT8, QC_YZ);
	in[n++] = "ys";
	in[n++] = "yz";
	for (int k = 0; k < QC_N; k++) {
		snprintf(names[k][0], sizeof(names[k][0]), "s%d", k);
		snprintf(names[k][1], sizeof(names[k][1]), "z%d", k);
		mg_init_scalar_f(&g, names[k][0], qc_scale(k));
		zp(&g, names[k][1], DT_INT8, qc_zp(k));
		in[n++] = "x";
		in[n++] = names[k][0];
		in[n++] = names[k][1];
	}
	if (n_in_override > 0)
		n = n_in_override;
	in[n] = NULL;
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", axis), NULL };

		mg_node(&g, "QLinearConcat", "qconcat", in, "y", at);
		free(g.nodes[g.n_nodes - 1]->domain);
		g.nodes[g.n_nodes - 1]->domain = mg_strdup("com.microsoft");
	}
	mg_io(&g, 1, "y", DT_INT8, 4, yd);
	assert_int_equal(mg_write(&g, "qop_concat", path), 0);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	fd = mkstemp(msft_path);
	close(fd);
	build_msft(msft_path);
	fd = mkstemp(add_path);
	close(fd);
	build_add(add_path);
	fd = mkstemp(mul_path);
	close(fd);
	build_mul(mul_path);
	fd = mkstemp(qgemm_path);
	close(fd);
	fd = mkstemp(concat_path);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(pool_path);
	close(fd);
	fd = mkstemp(qop_path);
	close(fd);
	build_qop(qop_path);
	fd = mkstemp(qdq_path);
	close(fd);
	build_qdq(qdq_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(qop_path);
	unlink(qdq_path);
	unlink(msft_path);
	unlink(add_path);
	unlink(mul_path);
	unlink(qgemm_path);
	unlink(pool_path);
	unlink(concat_path);
	return 0;
}

/* Inputs whose conv accumulators stay small: x - zp in [-8, 7]. */
static struct accel_tensor *input(int dtype)
{
	int64_t xd[4] = { 1, 2, 6, 7 };
	struct accel_tensor *t = accel_tensor_new(dtype, 4, xd);
	uint8_t *p;

	assert_non_null(t);
	p = accel_tensor_data(t);
	for (size_t i = 0; i < accel_tensor_count(t); i++)
		p[i] = (uint8_t)((dtype == DT_UINT8 ? 128 : 0) + (int)(i * 5 % 16) - 8);
	return t;
}

struct expect {
	int device_layers, cpu_layers;
	const char *fused_op;		/* the conv layer's op list */
};

static void run_model(const char *path, int dtype, bool lut, const struct expect *e)
{
	struct accel_device_opts dopts = { .sz = sizeof(dopts) };
	struct accel_tensor *x = input(dtype), *out[1] = { 0 }, *ref[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_device *dev;
	struct accel_model *m;
	int n_dev = 0, n_cpu = 0, found = 0;
	double diff = -1;

	if (!lut)
		dopts.emu_caps_clear = ACCEL_CAP_ACT_LUT;
	assert_int_equal(accel_device_open("emu", &dopts, &dev), 0);
	if (accel_model_load(dev, path, NULL, &m))
		fail_msg("load: %s", accel_last_error());
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		print_message("# %-6s %-40s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" :
			      li.on == ACCEL_ON_CPU ? "cpu" : "none", li.op, li.name, li.reason);
		n_dev += li.on == ACCEL_ON_DEVICE;
		n_cpu += li.on == ACCEL_ON_CPU;
		if (li.on == ACCEL_ON_CPU && !lut && strstr(li.reason, "activation table"))
			found = 1;
		if (lut && e->fused_op && !strcmp(li.op, e->fused_op))
			found = 1;
	}
	assert_int_equal(n_dev, e->device_layers);
	assert_int_equal(n_cpu, e->cpu_layers);
	assert_true(found);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	print_message("# max |device - reference| = %g\n", diff);
	assert_true(diff == 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.mismatches, 0);
	assert_int_equal(cr.ties, 0);
	/* the output is not constant: the tables did map values */
	{
		const uint8_t *p = accel_tensor_data(out[0]);
		int distinct = 0;

		for (size_t i = 1; i < accel_tensor_count(out[0]); i++)
			distinct += p[i] != p[0];
		assert_true(distinct > 0);
	}
	if (lut) {
		/* every node has a device placement, fused ones name their layer */
		for (int i = 0; i < accel_model_node_count(m); i++) {
			struct accel_node_info ni = { .sz = sizeof(ni) };

			assert_int_equal(accel_model_node_info(m, i, &ni), 0);
			assert_true(ni.on != ACCEL_ON_CPU);
			if (ni.fused && ni.layer >= 0)
				assert_non_null(strstr(ni.reason, "fused into"));
		}
	}
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
	accel_tensor_free(x);
	accel_model_free(m);
	accel_device_close(dev);
}

static void test_qoperator(void **state)
{
	const struct expect e = { 2, 0, "QLinearConv+QLinearLeakyRelu" };

	(void)state;
	run_model(qop_path, DT_UINT8, true, &e);
}

static void test_qoperator_without_table(void **state)
{
	const struct expect e = { 1, 2, NULL };

	(void)state;
	run_model(qop_path, DT_UINT8, false, &e);
}

static void test_qdq(void **state)
{
	const struct expect e = { 1, 0, "QLinearConv+Clip+QuantizeLinear" };

	(void)state;
	run_model(qdq_path, DT_INT8, true, &e);
}

static void test_qdq_without_table(void **state)
{
	const struct expect e = { 1, 3, NULL };

	(void)state;
	run_model(qdq_path, DT_INT8, false, &e);
}

/*
 * Add and global average pool on the device, Mul on the CPU with its
 * reason; every device layer equal to the reference on its own inputs but
 * for rounding ties (fixed point against ONNX Runtime's float32).
 */
static void test_msft_ops(void **state)
{
	struct accel_device *dev;
	struct accel_model *m;
	struct accel_tensor *x = input(DT_UINT8), *out[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	int n_dev = 0, mul_cpu = 0;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	if (accel_model_load(dev, msft_path, NULL, &m))
		fail_msg("load: %s", accel_last_error());
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		print_message("# %-6s %-28s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" :
			      li.on == ACCEL_ON_CPU ? "cpu" : "none", li.op, li.name, li.reason);
		n_dev += li.on == ACCEL_ON_DEVICE;
		if (!strcmp(li.op, "QLinearMul")) {
			assert_int_equal(li.on, ACCEL_ON_CPU);
			assert_non_null(strstr(li.reason, "multiply"));
			mul_cpu = 1;
		} else {
			assert_int_equal(li.on, ACCEL_ON_DEVICE);
		}
	}
	assert_true(mul_cpu);
	assert_int_equal(n_dev, 4);	/* conv, conv2, add, pool */
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	print_message("# layer-wise: %u layers, %llu elements, %llu ties\n", cr.layers_checked,
		      (unsigned long long)cr.elements, (unsigned long long)cr.ties);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 4);
	assert_int_equal(cr.mismatches, 0);
	accel_tensor_free(out[0]);
	accel_tensor_free(x);
	accel_model_free(m);
	accel_device_close(dev);
}

/* C = round_half_even(a/2 * 2/2 ... ): (A_s/C_s) a + (B_s/C_s) b, then + 1. */
static void test_qlinear_add_values(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true };
	int64_t d[1] = { 4 };
	struct accel_tensor *a = accel_tensor_new(DT_INT8, 1, d), *c[1] = { 0 };
	const int8_t av[4] = { 1, 2, 3, 4 }, want[4] = { 4, 4, 5, 6 };
	struct accel_model *m;

	(void)state;
	memcpy(accel_tensor_data(a), av, sizeof(av));
	if (accel_model_load(NULL, add_path, &o, &m))
		fail_msg("load: %s", accel_last_error());
	assert_int_equal(accel_model_run(m, &a, 1, c, 1), 0);
	/*
	 * MLAS adds the zero point before it rounds (the term, docs/hardware.md
	 * 7.11): 1 + 2 + 1 = 4; 2 + 1.5 + 1 = 4.5 -> 4 (to even); 3 + 1 + 1 =
	 * 5; 4 + 0.5 + 1 = 5.5 -> 6 (to even). ONNX Runtime 1.23.2 gives
	 * these four; rounding before adding the zero point gave 4 5 5 5.
	 */
	assert_memory_equal(accel_tensor_data(c[0]), want, sizeof(want));
	accel_tensor_free(c[0]);
	accel_tensor_free(a);
	accel_model_free(m);
}

/*
 * C = round_half_even(0.5 * a * (b - 2) + 1): ratio 0.5 * 0.25 / 0.25 =
 * 0.5, every product on a half, the odd zero point added before rounding.
 */
static void test_qlinear_mul_values(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true };
	int64_t d[1] = { 4 };
	struct accel_tensor *a = accel_tensor_new(DT_INT8, 1, d), *c[1] = { 0 };
	const int8_t av[4] = { 1, 3, 5, 3 }, want[4] = { 2, 2, 4, 0 };
	struct accel_model *m;

	(void)state;
	memcpy(accel_tensor_data(a), av, sizeof(av));
	if (accel_model_load(NULL, mul_path, &o, &m))
		fail_msg("load: %s", accel_last_error());
	assert_int_equal(accel_model_run(m, &a, 1, c, 1), 0);
	/*
	 * MLAS adds the zero point in float32, then rounds (ref_mul()): 0.5 +
	 * 1 = 1.5 -> 2; 1.5 + 1 = 2.5 -> 2; 2.5 + 1 = 3.5 -> 4; -1.5 + 1 =
	 * -0.5 -> 0 (to even each). ONNX Runtime 1.23.2 gives these four;
	 * rounding before adding the zero point gave 1 3 3 -1.
	 */
	assert_memory_equal(accel_tensor_data(c[0]), want, sizeof(want));
	accel_tensor_free(c[0]);
	accel_tensor_free(a);
	accel_model_free(m);
}

/*
 * QGemm on the device as FC (B transposed or not), and the CPU kernel
 * against the definition computed here: round_half_even((acc + C) * s) +
 * y_zp with s = alpha a_s b_s[n] / y_s in float32.
 */
static void test_qgemm(void **state)
{
	int64_t ad[2] = { QG_M, QG_K };
	struct accel_model_opts cpu = { .sz = sizeof(cpu), .cpu_only = true };

	(void)state;
	for (int trans_b = 0; trans_b < 2; trans_b++) {
		struct accel_tensor *a = accel_tensor_new(DT_UINT8, 2, ad), *y[1] = { 0 };
		struct accel_check_result cr = { .sz = sizeof(cr) };
		struct accel_layer_info li = { .sz = sizeof(li) };
		struct accel_device *dev;
		struct accel_model *m;
		uint8_t *av = accel_tensor_data(a);
		const uint8_t *yv;

		build_qgemm(qgemm_path, trans_b);
		for (int i = 0; i < QG_M * QG_K; i++)
			av[i] = (uint8_t)(128 + (i * 11) % 41 - 20);
		if (accel_model_load(NULL, qgemm_path, &cpu, &m))
			fail_msg("load: %s", accel_last_error());
		assert_int_equal(accel_model_run(m, &a, 1, y, 1), 0);
		yv = accel_tensor_data(y[0]);
		for (int i = 0; i < QG_M; i++)
			for (int j = 0; j < QG_N; j++) {
				int64_t acc = qg_c[j];
				float s = 0.75f * 0.1f * qg_bs[j], v;
				long q;

				for (int k = 0; k < QG_K; k++)
					acc += (int64_t)(av[i * QG_K + k] - 128) *
					       qg_b[trans_b ? j * QG_K + k : k * QG_N + j];
				v = (float)acc * (s / 0.07f);
				q = lrintf(v) + 120;
				q = q < 0 ? 0 : q > 255 ? 255 : q;
				assert_int_equal(yv[i * QG_N + j], q);
			}
		accel_tensor_free(y[0]);
		accel_model_free(m);

		assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
		if (accel_model_load(dev, qgemm_path, NULL, &m))
			fail_msg("load: %s", accel_last_error());
		assert_int_equal(accel_model_layer_count(m), 1);
		assert_int_equal(accel_model_layer_info(m, 0, &li), 0);
		print_message("# transB %d: %s %s %s\n", trans_b,
			      li.on == ACCEL_ON_DEVICE ? "device" : "cpu", li.op, li.reason);
		assert_int_equal(li.on, ACCEL_ON_DEVICE);
		assert_int_equal(accel_model_run(m, &a, 1, y, 1), 0);
		assert_int_equal(accel_model_check(m, &a, 1, &cr), 0);
		assert_true(cr.ok);
		assert_int_equal(cr.mismatches, 0);
		accel_tensor_free(y[0]);
		accel_tensor_free(a);
		accel_model_free(m);
		accel_device_close(dev);
	}
}

/*
 * QLinearAveragePool: round_half_even(2 * mean(x - 128)) + 100 (the sum of
 * four values over 2: every odd sum is a tie, rounded to even), on the CPU
 * for both layouts; NCHW also on the device (ties may differ by 1 there:
 * the device rounds them up), channels_last on the CPU with the reason.
 */
static void test_qlinear_avgpool(void **state)
{
	struct accel_model_opts cpu = { .sz = sizeof(cpu), .cpu_only = true };

	(void)state;
	for (int last = 0; last < 2; last++) {
		int64_t xd[4] = { 1, last ? 4 : 2, 4, last ? 2 : 4 };
		struct accel_tensor *x = accel_tensor_new(DT_UINT8, 4, xd), *y[1] = { 0 };
		struct accel_check_result cr = { .sz = sizeof(cr) };
		struct accel_layer_info li = { .sz = sizeof(li) };
		uint8_t *xv = accel_tensor_data(x);
		struct accel_device *dev;
		struct accel_model *m;
		const uint8_t *yv;

		build_avgpool(pool_path, last);
		for (int i = 0; i < 32; i++)
			xv[i] = (uint8_t)(128 + (i * 13) % 23 - 11);
		if (accel_model_load(NULL, pool_path, &cpu, &m))
			fail_msg("load: %s", accel_last_error());
		assert_int_equal(accel_model_run(m, &x, 1, y, 1), 0);
		yv = accel_tensor_data(y[0]);
		for (int c = 0; c < 2; c++)
			for (int oy = 0; oy < 2; oy++)
				for (int ox = 0; ox < 2; ox++) {
					int sum = 0, o = last ? (oy * 2 + ox) * 2 + c : (c * 2 + oy) * 2 + ox;

					for (int i = 0; i < 2; i++)
						for (int j = 0; j < 2; j++) {
							int yy = oy * 2 + i, xx = ox * 2 + j;

							sum += xv[last ? (yy * 4 + xx) * 2 + c :
								  (c * 4 + yy) * 4 + xx] - 128;
						}
					assert_int_equal(yv[o], (int)lrint(sum / 2.0) + 100);
				}
		accel_tensor_free(y[0]);
		accel_model_free(m);

		assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
		if (accel_model_load(dev, pool_path, NULL, &m))
			fail_msg("load: %s", accel_last_error());
		assert_int_equal(accel_model_layer_info(m, 0, &li), 0);
		print_message("# channels_last %d: %s %s\n", last,
			      li.on == ACCEL_ON_DEVICE ? "device" : "cpu", li.reason);
		assert_int_equal(li.on, last ? ACCEL_ON_CPU : ACCEL_ON_DEVICE);
		if (last)
			assert_non_null(strstr(li.reason, "channels_last"));
		assert_int_equal(accel_model_run(m, &x, 1, y, 1), 0);
		assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
		assert_true(cr.ok);
		assert_int_equal(cr.mismatches, 0);
		accel_tensor_free(y[0]);
		accel_tensor_free(x);
		accel_model_free(m);
		accel_device_close(dev);
	}
}

/*
 * QLinearConcat with 92 inputs on axes 1 and 3 against ONNX Runtime's
 * definition computed here (float32: X_s (x - X_zp), divided by Y_s,
 * rounded half to even, + Y_zp, saturated); input 3 shares Y's
 * parameters and is copied. A node whose input count is not 2 + 3n is
 * refused at load, naming the node.
 */
static void test_qlinear_concat(void **state)
{
	struct accel_model_opts cpu = { .sz = sizeof(cpu), .cpu_only = true };
	int64_t xd[4] = { 1, 2, 2, 2 };
	struct accel_tensor *x = accel_tensor_new(DT_INT8, 4, xd);
	int8_t *xv = accel_tensor_data(x);
	const int8_t xval[8] = { -128, -77, -1, 0, 1, 9, 100, 127 };

	(void)state;
	memcpy(xv, xval, sizeof(xval));
	for (int axis = 1; axis <= 3; axis += 2) {
		struct accel_tensor *y[1] = { 0 };
		struct accel_model *m;
		const int8_t *yv;
		int copies = 0;

		build_concat(concat_path, axis, 0);
		if (accel_model_load(NULL, concat_path, &cpu, &m))
			fail_msg("load: %s", accel_last_error());
		assert_int_equal(accel_model_run(m, &x, 1, y, 1), 0);
		yv = accel_tensor_data(y[0]);
		assert_int_equal(accel_tensor_count(y[0]), 8 * QC_N);
		for (int k = 0; k < QC_N; k++)
			for (int i = 0; i < 8; i++) {
				/* element i of x lands at (c, h, w) of the k-th slice */
				int c = i / 4, h = (i / 2) % 2, w = i % 2, at;
				float deq = qc_scale(k) * (float)(xval[i] - qc_zp(k));
				long q = lrintf(deq / QC_YS) + QC_YZ;

				q = q < -128 ? -128 : q > 127 ? 127 : q;
				at = axis == 1 ? ((k * 2 + c) * 2 + h) * 2 + w :
						 (c * 2 + h) * 2 * QC_N + k * 2 + w;
				if (yv[at] != q)
					fail_msg("axis %d, input %d, x %d: %d, want %ld", axis, k,
						 xval[i], yv[at], q);
				copies += k == 3 && yv[at] == xval[i];
			}
		assert_int_equal(copies, 8);
		accel_tensor_free(y[0]);
		accel_model_free(m);
	}
	/* 91 inputs: the last triple lacks its zero point slot */
	build_concat(concat_path, 1, 2 + 3 * QC_N - 1);
	{
		struct accel_model *m = NULL;
		int rc = accel_model_load(NULL, concat_path, &cpu, &m);

		print_message("# malformed: %s\n", accel_last_error());
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(accel_last_error(), "qconcat"));
		assert_non_null(strstr(accel_last_error(), "triple"));
	}
	accel_tensor_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qoperator),
		cmocka_unit_test(test_qoperator_without_table),
		cmocka_unit_test(test_qdq),
		cmocka_unit_test(test_qdq_without_table),
		cmocka_unit_test(test_msft_ops),
		cmocka_unit_test(test_qlinear_add_values),
		cmocka_unit_test(test_qlinear_mul_values),
		cmocka_unit_test(test_qgemm),
		cmocka_unit_test(test_qlinear_avgpool),
		cmocka_unit_test(test_qlinear_concat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
