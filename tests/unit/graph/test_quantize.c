// SPDX-License-Identifier: MIT
/*
 * accel_quantize() through the public API (plain and ASan/UBSan): a small
 * float model as PyTorch writes one (Conv -> BatchNormalization -> Relu,
 * MaxPool, a residual Add, GlobalAveragePool, Flatten, Gemm) calibrated on
 * seeded samples with each method, in QDQ and QOperator format; the report (folded BN, every tensor with
 * a range holding 0, SQNR); the quantized model runs on the emulated device
 * with the layer-wise check passing and every conv/FC on the device; the
 * options-size rule; bad input leaves no output file; models of opsets 9
 * and 10 rewritten at 13 (and one that cannot be).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/model.h"
#include "accel/quantize.h"
#include "onnxw.h"

#define DT_FLOAT 1

static char dir[] = "/tmp/eyrie-quantize-XXXXXX";
static char model[512], calib[512], out[512];
static uint64_t rng = 0x6a09e667f3bcc909ull;

static float frand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0 * 2 - 1);
}

static void finit(struct mg_graph *g, const char *name, int rank, const int64_t *dims,
		  float scale, float offset)
{
	size_t n = 1;
	float *v;

	for (int i = 0; i < rank; i++)
		n *= (size_t)dims[i];
	v = malloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		v[i] = offset + scale * frand();
	mg_init(g, name, DT_FLOAT, rank, dims, v, n * sizeof(float));
	free(v);
}

/* conv (8 ch, 3x3) + BN + relu, maxpool, conv + BN, add, relu, GAP, flatten, gemm */
static void write_model(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 8, 8 }, w1[4] = { 8, 3, 3, 3 }, w2[4] = { 8, 8, 3, 3 };
	int64_t c8[1] = { 8 }, fw[2] = { 10, 8 }, fb[1] = { 10 }, od[2] = { 1, 10 };
	int64_t k3[2] = { 3, 3 }, p1[4] = { 1, 1, 1, 1 }, k2[2] = { 2, 2 }, s2[2] = { 2, 2 };

	finit(&g, "w1", 4, w1, 0.4f, 0);
	finit(&g, "w2", 4, w2, 0.2f, 0);
	for (int b = 1; b <= 2; b++) {
		char n[4][32];

		snprintf(n[0], 32, "bn%d.scale", b);
		snprintf(n[1], 32, "bn%d.bias", b);
		snprintf(n[2], 32, "bn%d.mean", b);
		snprintf(n[3], 32, "bn%d.var", b);
		finit(&g, n[0], 1, c8, 0.3f, 1.0f);
		finit(&g, n[1], 1, c8, 0.2f, 0.1f);
		finit(&g, n[2], 1, c8, 0.2f, 0);
		finit(&g, n[3], 1, c8, 0.3f, 1.0f);
	}
	finit(&g, "fc.w", 2, fw, 0.5f, 0);
	finit(&g, "fc.b", 1, fb, 0.1f, 0);
	{
		const char *in[] = { "x", "w1", NULL };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
					       mg_attr_ints("pads", 4, p1), NULL };

		mg_node(&g, "Conv", "conv1", in, "c1", at);
	}
	{
		const char *in[] = { "c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var", NULL };

		mg_node(&g, "BatchNormalization", "bn1", in, "b1", NULL);
	}
	{
		const char *in[] = { "b1", NULL };

		mg_node(&g, "Relu", "relu1", in, "r1", NULL);
	}
	{
		const char *in[] = { "r1", NULL };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k2),
					       mg_attr_ints("strides", 2, s2), NULL };

		mg_node(&g, "MaxPool", "pool1", in, "p1", at);
	}
	{
		const char *in[] = { "p1", "w2", NULL };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
					       mg_attr_ints("pads", 4, p1), NULL };

		mg_node(&g, "Conv", "conv2", in, "c2", at);
	}
	{
		const char *in[] = { "c2", "bn2.scale", "bn2.bias", "bn2.mean", "bn2.var", NULL };

		mg_node(&g, "BatchNormalization", "bn2", in, "b2", NULL);
	}
	{
		const char *in[] = { "b2", "p1", NULL };

		mg_node(&g, "Add", "add", in, "s", NULL);
	}
	{
		const char *in[] = { "s", NULL };

		mg_node(&g, "Relu", "relu2", in, "r2", NULL);
		mg_node(&g, "GlobalAveragePool", "gap", (const char *[]){ "r2", NULL }, "gp", NULL);
		mg_node(&g, "Flatten", "flat", (const char *[]){ "gp", NULL }, "f", NULL);
	}
	{
		const char *in[] = { "f", "fc.w", "fc.b", NULL };
		Onnx__AttributeProto *at[] = { mg_attr_int("transB", 1), NULL };

		mg_node(&g, "Gemm", "fc", in, "y", at);
	}
	mg_io(&g, 0, "x", DT_FLOAT, 4, xd);
	mg_io(&g, 1, "y", DT_FLOAT, 2, od);
	assert_int_equal(mg_write(&g, "small", path), 0);
}

static int setup(void **state)
{
	int64_t xd[4] = { 1, 3, 8, 8 };
	float v[192];
	char p[600];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(model, sizeof(model), "%s/model.onnx", dir);
	snprintf(calib, sizeof(calib), "%s/calib", dir);
	snprintf(out, sizeof(out), "%s/model.int8.onnx", dir);
	write_model(model);
	mkdir(calib, 0700);
	for (int s = 0; s < 6; s++) {
		for (int i = 0; i < 192; i++)
			v[i] = 1.5f * frand();
		snprintf(p, sizeof(p), "%s/s%d.pb", calib, s);
		if (mg_write_tensor(p, s % 2 ? "" : "x", DT_FLOAT, 4, xd, v, sizeof(v)))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void test_methods(void **state)
{
	static const enum accel_calib_method methods[] = {
		ACCEL_CALIB_MINMAX, ACCEL_CALIB_PERCENTILE, ACCEL_CALIB_ENTROPY,
	};
	struct accel_device *dev;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	/* each method in both formats */
	for (size_t k = 0; k < 6; k++) {
		struct accel_quantize_opts o = { .sz = sizeof(o), .method = methods[k % 3],
						 .format = k < 3 ? ACCEL_QUANT_QDQ : ACCEL_QUANT_QOPERATOR };
		struct accel_quant_summary s = { .sz = sizeof(s) };
		struct accel_model_opts mo = { .sz = sizeof(mo) };
		struct accel_check_result cr = { .sz = sizeof(cr) };
		struct accel_quant_report *r = NULL;
		struct accel_tensor *in, *y = NULL;
		struct accel_model *m;
		int n_dev = 0, n_conv = 0, n_qop = 0;

		unlink(out);
		assert_int_equal(accel_quantize(model, out, calib, &o, &r), 0);
		assert_int_equal(accel_quant_report_summary(r, &s), 0);
		assert_int_equal(s.calib_samples, 6);
		assert_int_equal(s.batchnorm_folded, 2);
		assert_true(s.per_channel);
		assert_true(s.classifier);
		assert_true(s.output_sqnr_db > 20);
		assert_true(accel_quant_report_tensor_count(r) >= 6);
		for (int i = 0; i < accel_quant_report_tensor_count(r); i++) {
			struct accel_quant_tensor_info t = { .sz = sizeof(t) };

			assert_int_equal(accel_quant_report_tensor(r, i, &t), 0);
			assert_true(t.range_lo <= 0 && t.range_hi >= 0 && t.scale > 0);
			assert_true(t.sqnr_db > 20);
		}
		accel_quant_report_free(r);
		/* on the device, checked layer by layer */
		assert_int_equal(accel_model_load(dev, out, &mo, &m), 0);
		in = accel_tensor_new(ACCEL_DTYPE_FLOAT, 4, (int64_t[]){ 1, 3, 8, 8 });
		for (size_t i = 0; i < accel_tensor_count(in); i++)
			((float *)accel_tensor_data(in))[i] = frand();
		assert_int_equal(accel_model_run(m, &in, 1, &y, 1), 0);
		assert_int_equal(accel_model_check(m, &in, 1, &cr), 0);
		assert_true(cr.ok);
		for (int i = 0; i < accel_model_layer_count(m); i++) {
			struct accel_layer_info li = { .sz = sizeof(li) };

			assert_int_equal(accel_model_layer_info(m, i, &li), 0);
			if (li.has_shape) {
				n_conv++;
				n_dev += li.on == ACCEL_ON_DEVICE;
			}
			n_qop += !strncmp(li.op, "QLinearConv", 11) || !strcmp(li.op, "QGemm");
		}
		assert_int_equal(n_conv, 3);
		assert_int_equal(n_dev, 3);
		/* QOperator: the convs and the FC are QLinearConv and QGemm nodes */
		assert_int_equal(n_qop, o.format == ACCEL_QUANT_QOPERATOR ? 3 : 0);
		accel_tensor_free(y);
		accel_tensor_free(in);
		accel_model_free(m);
	}
	accel_device_close(dev);
}

static void test_errors(void **state)
{
	struct accel_quantize_opts o = { .sz = sizeof(o) };
	char empty[600], bad[600];
	struct {
		struct accel_quantize_opts o;
		uint64_t extra;
	} big = { .o = { .sz = sizeof(big) }, .extra = 1 };
	const char *exclude[] = { "nope", NULL };
	struct stat st;

	(void)state;
	unlink(out);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	mkdir(empty, 0700);
	assert_int_equal(accel_quantize(model, out, empty, &o, NULL), -ENODATA);
	assert_non_null(strstr(accel_last_error(), "holds no samples"));
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	mkdir(bad, 0700);
	{
		int64_t d[4] = { 1, 3, 4, 4 };
		float v[48] = { 0 };
		char p[700];

		snprintf(p, sizeof(p), "%s/a.pb", bad);
		assert_int_equal(mg_write_tensor(p, "x", DT_FLOAT, 4, d, v, sizeof(v)), 0);
	}
	assert_int_equal(accel_quantize(model, out, bad, &o, NULL), -EILSEQ);
	assert_non_null(strstr(accel_last_error(), "float [1,3,4,4]"));
	o.exclude = exclude;
	assert_int_equal(accel_quantize(model, out, calib, &o, NULL), -ESRCH);
	o.exclude = NULL;
	/* a newer caller's non-zero field the library does not know */
	assert_int_equal(accel_quantize(model, out, calib, &big.o, NULL), -EINVAL);
	assert_int_equal(accel_quantize(NULL, out, calib, NULL, NULL), -EINVAL);
	assert_int_not_equal(stat(out, &st), 0);
	/* NULL opts: the defaults */
	assert_int_equal(accel_quantize(model, out, calib, NULL, NULL), 0);
	assert_int_equal(stat(out, &st), 0);
	/* a folder is refused; a device is written in place, not renamed over */
	assert_int_equal(accel_quantize(model, empty, calib, NULL, NULL), -EISDIR);
	{
		char node[700];

		snprintf(node, sizeof(node), "%s/null", dir);
		if (mknod(node, S_IFCHR | 0666, makedev(1, 3)))
			skip();	/* not root: no device node to write to */
		assert_int_equal(accel_quantize(model, node, calib, NULL, NULL), 0);
		assert_int_equal(stat(node, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		unlink(node);
	}
}

/*
 * Older opsets, as paddle2onnx (default 9) and PyTorch 1.x (9 to 12) write
 * them: quantize rewrites the model at opset 13 (every op whose form
 * changed: Clip and Pad bounds, Slice, Split, Squeeze, Unsqueeze and
 * ReduceSum axes, Softmax over the flattened trailing axes, Upsample and
 * Resize-10, Dropout) and checks the rewritten float model against the
 * original on a sample before it quantizes: a wrong rewrite fails the
 * quantize call.
 */
#define A(...) ((Onnx__AttributeProto *[]){ __VA_ARGS__, NULL })
#define I(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define L(...) ((const int64_t[]){ __VA_ARGS__ })

static void old_model_a(const char *path)
{
	struct mg_graph g = { 0 };
	/* x1.5: asymmetric floor differs from Resize-13's default half_pixel */
	static const float up[4] = { 1, 1, 1.5f, 1.5f };

	/* large enough weights that Clip's max of 6 clips */
	finit(&g, "w1", 4, L(8, 4, 3, 3), 2.5f, 0);
	finit(&g, "w2", 4, L(6, 8, 1, 1), 0.5f, 0);
	mg_init(&g, "up_scales", DT_FLOAT, 1, L(4), up, sizeof(up));
	mg_node(&g, "Conv", "conv1", I("x", "w1"), "c",
		A(mg_attr_ints("kernel_shape", 2, L(3, 3)), mg_attr_ints("pads", 4, L(1, 1, 1, 1))));
	mg_node(&g, "Clip", "relu6", I("c"), "r",
		A(mg_attr_float("min", 0), mg_attr_float("max", 6)));
	mg_node(&g, "Pad", "pad", I("r"), "pd",
		A(mg_attr_ints("pads", 8, L(0, 0, 1, 1, 0, 0, 1, 1)), mg_attr_float("value", 0.5f)));
	/* keeps the top and left padding rows: the pad value reaches the output */
	mg_node(&g, "Slice", "slice", I("pd"), "sl",
		A(mg_attr_ints("starts", 2, L(0, 0)), mg_attr_ints("ends", 2, L(8, 8)),
		  mg_attr_ints("axes", 2, L(2, 3))));
	mg_node(&g, "Upsample", "up", I("sl", "up_scales"), "u",
		A(mg_attr_string("mode", "nearest")));
	mg_node(&g, "MaxPool", "pool", I("u"), "mp",
		A(mg_attr_ints("kernel_shape", 2, L(2, 2)), mg_attr_ints("strides", 2, L(2, 2))));
	/* an unequal split joined the other way round: not the default halves */
	mg_node_dom(&g, "", "Split", "split", I("mp"), I("s0", "s1"),
		    A(mg_attr_int("axis", 1), mg_attr_ints("split", 2, L(3, 5))));
	mg_node(&g, "Concat", "join", I("s1", "s0"), "ad", A(mg_attr_int("axis", 1)));
	mg_node(&g, "Dropout", "drop", I("ad"), "dr", A(mg_attr_float("ratio", 0.3f)));
	mg_node(&g, "Unsqueeze", "unsq", I("dr"), "us", A(mg_attr_ints("axes", 1, L(0))));
	mg_node(&g, "Squeeze", "sq", I("us"), "sq", A(mg_attr_ints("axes", 1, L(0))));
	mg_node(&g, "Conv", "conv2", I("sq", "w2"), "c2", NULL);
	mg_node(&g, "ReduceSum", "sum", I("c2"), "rs",
		A(mg_attr_ints("axes", 1, L(3)), mg_attr_int("keepdims", 1)));
	/* opset 9: over the 6 x 6 x 1 values of each image, not over axis 1 */
	mg_node(&g, "Softmax", "softmax", I("rs"), "y", A(mg_attr_int("axis", 1)));
	mg_io(&g, 0, "x", DT_FLOAT, 4, L(1, 4, 8, 8));
	mg_io(&g, 1, "y", DT_FLOAT, 4, L(1, 6, 6, 1));
	assert_int_equal(mg_write_opset(&g, "opset9", path, 9), 0);
}

/* Resize-10 (nearest, downsampling: the index rounded up) and LogSoftmax. */
static void old_model_b(const char *path)
{
	struct mg_graph g = { 0 };
	/* x0.75: ceil differs from floor and from half_pixel */
	static const float down[4] = { 1, 1, 0.75f, 0.75f };

	finit(&g, "w1", 4, L(8, 4, 3, 3), 0.4f, 0);
	finit(&g, "w2", 4, L(6, 8, 1, 1), 0.5f, 0);
	mg_init(&g, "down", DT_FLOAT, 1, L(4), down, sizeof(down));
	mg_node(&g, "Conv", "conv1", I("x", "w1"), "c",
		A(mg_attr_ints("kernel_shape", 2, L(3, 3)), mg_attr_ints("pads", 4, L(1, 1, 1, 1))));
	mg_node(&g, "Relu", "relu", I("c"), "r", NULL);
	mg_node(&g, "Resize", "down", I("r", "down"), "d", A(mg_attr_string("mode", "nearest")));
	mg_node(&g, "Conv", "conv2", I("d", "w2"), "c2", NULL);
	mg_node(&g, "LogSoftmax", "logsoftmax", I("c2"), "y", A(mg_attr_int("axis", -1)));
	mg_io(&g, 0, "x", DT_FLOAT, 4, L(1, 4, 8, 8));
	mg_io(&g, 1, "y", DT_FLOAT, 4, L(1, 6, 6, 6));
	assert_int_equal(mg_write_opset(&g, "opset10", path, 10), 0);
}

/* Nearest Upsample up on one axis and down on another: no opset-13 form. */
static void old_model_c(const char *path)
{
	struct mg_graph g = { 0 };
	static const float mixed[4] = { 1, 1, 2, 0.5f };

	finit(&g, "w1", 4, L(8, 4, 3, 3), 0.4f, 0);
	mg_init(&g, "mixed", DT_FLOAT, 1, L(4), mixed, sizeof(mixed));
	mg_node(&g, "Conv", "conv1", I("x", "w1"), "c",
		A(mg_attr_ints("kernel_shape", 2, L(3, 3)), mg_attr_ints("pads", 4, L(1, 1, 1, 1))));
	mg_node(&g, "Upsample", "mixed_up", I("c", "mixed"), "y", NULL);
	mg_io(&g, 0, "x", DT_FLOAT, 4, L(1, 4, 8, 8));
	mg_io(&g, 1, "y", DT_FLOAT, 4, L(1, 8, 16, 4));
	assert_int_equal(mg_write_opset(&g, "opset9_mixed", path, 9), 0);
}

static void test_old_opsets(void **state)
{
	struct {
		void (*write)(const char *path);
		int opset, convs;
	} models[] = { { old_model_a, 9, 2 }, { old_model_b, 10, 2 } };
	char m_path[600], c_dir[600], p[700];
	struct accel_device *dev;
	struct stat st;

	(void)state;
	snprintf(c_dir, sizeof(c_dir), "%s/calib4", dir);
	mkdir(c_dir, 0700);
	for (int s = 0; s < 4; s++) {
		float v[256];

		for (int i = 0; i < 256; i++)
			v[i] = 1.5f * frand();
		snprintf(p, sizeof(p), "%s/s%d.pb", c_dir, s);
		assert_int_equal(mg_write_tensor(p, "x", DT_FLOAT, 4, L(1, 4, 8, 8), v, sizeof(v)), 0);
	}
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	for (size_t k = 0; k < 2 * sizeof(models) / sizeof(models[0]); k++) {
		struct accel_quantize_opts o = { .sz = sizeof(o),
			.format = k % 2 ? ACCEL_QUANT_QOPERATOR : ACCEL_QUANT_QDQ };
		struct accel_quant_summary s = { .sz = sizeof(s) };
		struct accel_model_opts mo = { .sz = sizeof(mo) };
		struct accel_check_result cr = { .sz = sizeof(cr) };
		struct accel_quant_report *r = NULL;
		struct accel_tensor *in, *y = NULL;
		struct accel_model *m;
		int n_dev = 0;

		snprintf(m_path, sizeof(m_path), "%s/old%zu.onnx", dir, k / 2);
		models[k / 2].write(m_path);
		unlink(out);
		assert_int_equal(accel_quantize(m_path, out, c_dir, &o, &r), 0);
		assert_int_equal(accel_quant_report_summary(r, &s), 0);
		assert_int_equal(s.opset_in, models[k / 2].opset);
		assert_int_equal(s.opset_out, 13);
		assert_true(s.per_channel);
		assert_true(s.output_sqnr_db > 15);
		accel_quant_report_free(r);
		assert_int_equal(accel_model_load(dev, out, &mo, &m), 0);
		in = accel_tensor_new(ACCEL_DTYPE_FLOAT, 4, L(1, 4, 8, 8));
		for (size_t i = 0; i < accel_tensor_count(in); i++)
			((float *)accel_tensor_data(in))[i] = frand();
		assert_int_equal(accel_model_run(m, &in, 1, &y, 1), 0);
		assert_int_equal(accel_model_check(m, &in, 1, &cr), 0);
		assert_true(cr.ok);
		for (int i = 0; i < accel_model_layer_count(m); i++) {
			struct accel_layer_info li = { .sz = sizeof(li) };

			assert_int_equal(accel_model_layer_info(m, i, &li), 0);
			n_dev += li.has_shape && li.on == ACCEL_ON_DEVICE;
		}
		assert_int_equal(n_dev, models[k / 2].convs);
		accel_tensor_free(y);
		accel_tensor_free(in);
		accel_model_free(m);
	}
	accel_device_close(dev);
	/* refused with the node and the way out named, and no output file */
	unlink(out);
	snprintf(m_path, sizeof(m_path), "%s/old_mixed.onnx", dir);
	old_model_c(m_path);
	assert_int_equal(accel_quantize(m_path, out, c_dir, NULL, NULL), -EOPNOTSUPP);
	assert_non_null(strstr(accel_last_error(), "'mixed_up'"));
	assert_non_null(strstr(accel_last_error(), "upsamples one axis and downsamples another"));
	assert_non_null(strstr(accel_last_error(), "onnx.version_converter"));
	assert_int_not_equal(stat(out, &st), 0);
}

/*
 * Trained models have dead channels: BatchNormalization with gamma about 0
 * folds into denormal weights. Channel 1's weights are denormal (scale
 * max|w| / 127 would be below FLT_MIN), channel 2's give a normal weight
 * scale but a requantization scale s_in * s_w / s_out below FLT_MIN: both
 * must quantize (to zero weights) without taking the conv off the device.
 * Channel 3's weights are weak (1e-7) under a bias of 0.5, which int32
 * cannot hold at s_in * s_w: the output must keep the bias (SQNR).
 */
static void dead_model(const char *path)
{
	struct mg_graph g = { 0 };
	float w[8 * 4 * 9], b[8];

	for (int i = 0; i < 8 * 4 * 9; i++)
		w[i] = 0.4f * frand();
	for (int i = 0; i < 36; i++) {
		w[36 + i] = 1e-40f * (i % 2 ? 1 : -1);
		w[72 + i] = i == 5 ? 1.6e-36f : 1e-37f;
		w[108 + i] = 1.27e-7f * (i % 3 ? 1 : -1);
		w[144 + i] = 1e-12f;
	}
	for (int c = 0; c < 8; c++)
		b[c] = 0.1f * frand();
	/* channel 3: weak weights under a bias int32 cannot hold at s_in * s_w */
	b[3] = 0.5f;
	/* channel 4: a requantization scale above FLT_MIN but below 2^-32,
	 * the fixed-point requantization's range (emu:no_fp32_requant) */
	b[4] = 0;
	mg_init(&g, "w", DT_FLOAT, 4, L(8, 4, 3, 3), w, sizeof(w));
	mg_init(&g, "b", DT_FLOAT, 1, L(8), b, sizeof(b));
	mg_node(&g, "Conv", "conv", I("x", "w", "b"), "c",
		A(mg_attr_ints("kernel_shape", 2, L(3, 3)), mg_attr_ints("pads", 4, L(1, 1, 1, 1))));
	mg_node(&g, "Relu", "relu", I("c"), "y", NULL);
	mg_io(&g, 0, "x", DT_FLOAT, 4, L(1, 4, 8, 8));
	mg_io(&g, 1, "y", DT_FLOAT, 4, L(1, 8, 8, 8));
	assert_int_equal(mg_write_opset(&g, "dead", path, 13), 0);
}

static void test_dead_channels(void **state)
{
	struct accel_model_opts mo = { .sz = sizeof(mo) };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_tensor *in, *y = NULL;
	struct accel_layer_info li = { .sz = sizeof(li) };
	struct accel_device *dev;
	struct accel_model *m;
	char m_path[600], c_dir[600];
	int n_dev = 0;

	(void)state;
	snprintf(m_path, sizeof(m_path), "%s/dead.onnx", dir);
	snprintf(c_dir, sizeof(c_dir), "%s/calib4", dir);
	dead_model(m_path);
	unlink(out);
	for (int k = 0; k < 4; k++) {
		struct accel_quantize_opts o = { .sz = sizeof(o),
			.format = k % 2 ? ACCEL_QUANT_QOPERATOR : ACCEL_QUANT_QDQ };

		struct accel_quant_summary sum = { .sz = sizeof(sum) };
		struct accel_quant_report *r = NULL;

		assert_int_equal(accel_quantize(m_path, out, c_dir, &o, &r), 0);
		assert_int_equal(accel_quant_report_summary(r, &sum), 0);
		fprintf(stderr, "dead channels: output SQNR %.2f dB\n", sum.output_sqnr_db);
		assert_true(sum.output_sqnr_db > 25);
		accel_quant_report_free(r);
		assert_int_equal(accel_device_open(k < 2 ? "emu" : "emu:no_fp32_requant", NULL, &dev), 0);
		assert_int_equal(accel_model_load(dev, out, &mo, &m), 0);
		in = accel_tensor_new(ACCEL_DTYPE_FLOAT, 4, L(1, 4, 8, 8));
		for (size_t i = 0; i < accel_tensor_count(in); i++)
			((float *)accel_tensor_data(in))[i] = frand();
		assert_int_equal(accel_model_run(m, &in, 1, &y, 1), 0);
		assert_int_equal(accel_model_check(m, &in, 1, &cr), 0);
		assert_true(cr.ok);
		n_dev = 0;
		for (int i = 0; i < accel_model_layer_count(m); i++) {
			assert_int_equal(accel_model_layer_info(m, i, &li), 0);
			n_dev += li.has_shape && li.on == ACCEL_ON_DEVICE;
		}
		assert_int_equal(n_dev, 1);
		accel_tensor_free(y);
		y = NULL;
		accel_tensor_free(in);
		accel_model_free(m);
		accel_device_close(dev);
	}
}

/*
 * A hostile model: a float run that would allocate 64 MiB and more (Tile
 * of a small input) under a budget of 16 MiB. The budget refuses it,
 * naming the option; no output.
 */
static void test_budget(void **state)
{
	struct mg_graph g = { 0 };
	struct accel_quantize_opts o = { .sz = sizeof(o), .max_memory = 16ull << 20 };
	static const int64_t big[4] = { 16, 1, 64, 64 };
	char m_path[600], c_dir[600];
	struct stat st;
	int rc;

	(void)state;
	finit(&g, "w1", 4, L(8, 4, 3, 3), 0.4f, 0);
	mg_init(&g, "big", 7 /* INT64 */, 1, L(4), big, sizeof(big));
	mg_node(&g, "Tile", "grow", I("x", "big"), "e", NULL);
	mg_node(&g, "Conv", "conv1", I("e", "w1"), "y",
		A(mg_attr_ints("kernel_shape", 2, L(3, 3)), mg_attr_ints("pads", 4, L(1, 1, 1, 1))));
	mg_io(&g, 0, "x", DT_FLOAT, 4, L(1, 4, 8, 8));
	mg_io(&g, 1, "y", DT_FLOAT, 4, L(16, 8, 512, 512));
	snprintf(m_path, sizeof(m_path), "%s/big.onnx", dir);
	assert_int_equal(mg_write_opset(&g, "big", m_path, 13), 0);
	snprintf(c_dir, sizeof(c_dir), "%s/calib4", dir);
	unlink(out);
	rc = accel_quantize(m_path, out, c_dir, &o, NULL);
	if (rc != -E2BIG)
		fprintf(stderr, "budget: %d %s\n", rc, accel_last_error());
	assert_int_equal(rc, -E2BIG);
	assert_non_null(strstr(accel_last_error(), "accel_quantize_opts.max_memory"));
	assert_non_null(strstr(accel_last_error(), "accelctl quantize --max-memory"));
	assert_int_not_equal(stat(out, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_old_opsets),
		cmocka_unit_test(test_dead_channels),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
