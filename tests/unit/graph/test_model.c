// SPDX-License-Identifier: MIT
/*
 * The model runner through the public API on the emulated device: a small
 * model mixing device layers (per-channel QLinearConv, MaxPool, QDQ Add and
 * global average pool, QLinearMatMul) with CPU layers (a float Relu between
 * DequantizeLinear and QuantizeLinear) runs twice, bit-exact with the CPU
 * reference; a uint8 model whose weights are a graph input gets new weights
 * on every run; a float model on the CPU (the fast path, its tensor memory
 * recycled and Add / Relu / Clip fused into Convs) repeats exactly and
 * agrees with the reference; API misuse fails with -EINVAL and a message.
 */
#include <errno.h>
#include <pthread.h>
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
#define DT_UINT8 2
#define DT_INT8 3
#define DT_INT32 6

static struct accel_device *dev;
static char mixed_path[] = "/tmp/eyrie-model-mixed-XXXXXX";
static char winput_path[] = "/tmp/eyrie-model-winput-XXXXXX";
static char qdq_path[] = "/tmp/eyrie-model-qdq-XXXXXX";
static char tie_path[] = "/tmp/eyrie-model-tie-XXXXXX";
static char convint_path[] = "/tmp/eyrie-model-convint-XXXXXX";
static char convint_pc_path[] = "/tmp/eyrie-model-convint-pc-XXXXXX";
static char float_path[] = "/tmp/eyrie-model-float-XXXXXX";
static char chain_path[] = "/tmp/eyrie-model-chain-XXXXXX";
static char chain_out_path[] = "/tmp/eyrie-model-chain-out-XXXXXX";

static void scale(struct mg_graph *g, const char *name, float s, int dtype, int zp)
{
	char zn[64];
	uint8_t z = (uint8_t)zp;

	snprintf(zn, sizeof(zn), "%s_z", name);
	mg_init_scalar_f(g, name, s);
	mg_init(g, zn, dtype, 0, NULL, &z, 1);
}

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

static void build_mixed(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 4, 8, 8 }, w1d[4] = { 6, 4, 3, 3 }, w2d[4] = { 6, 6, 1, 1 };
	int64_t bd[1] = { 6 }, fcd[2] = { 6, 5 }, od[2] = { 1, 5 };
	int8_t w1[6 * 4 * 9], w2[36], fc[30];
	int32_t b1[6];
	/* per-channel weight scales: odd mantissas times powers of two (exact) */
	float ws1[6] = { 3.0f / 128, 5.0f / 256, 7.0f / 512, 9.0f / 512, 11.0f / 1024, 13.0f / 1024 };
	uint8_t z6[6] = { 0 };
	int64_t ks2[2] = { 2, 2 }, k3[2] = { 3, 3 }, one[2] = { 1, 1 }, p1[4] = { 1, 1, 1, 1 };

	for (size_t i = 0; i < sizeof(w1); i++)
		w1[i] = (int8_t)((int)(i * 37 % 255) - 127);
	for (size_t i = 0; i < sizeof(w2); i++)
		w2[i] = (int8_t)((int)(i * 53 % 255) - 127);
	for (size_t i = 0; i < sizeof(fc); i++)
		fc[i] = (int8_t)((int)(i * 71 % 255) - 127);
	for (int i = 0; i < 6; i++)
		b1[i] = (i - 3) * 500;
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, "out", DT_INT8, 2, od);
	scale(&g, "xs", 1.0f / 16, DT_INT8, 0);
	mg_init(&g, "w1", DT_INT8, 4, w1d, w1, sizeof(w1));
	mg_init(&g, "w1s", DT_FLOAT, 1, bd, ws1, sizeof(ws1));
	mg_init(&g, "w1z", DT_INT8, 1, bd, z6, 6);
	mg_init(&g, "b1", DT_INT32, 1, bd, b1, sizeof(b1));
	scale(&g, "y1s", 1.0f / 4, DT_INT8, -128);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("pads", 4, p1), NULL };

		node(&g, "QLinearConv", "y1", at, "x", "xs", "xs_z", "w1", "w1s", "w1z",
		     "y1s", "y1s_z", "b1", NULL);
	}
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, ks2),
			mg_attr_ints("strides", 2, ks2), NULL };

		node(&g, "MaxPool", "p1", at, "y1", NULL);
	}
	/*
	 * a float island the device cannot fuse: DQ -> Add(constant 0) -> Q on
	 * the CPU (an Add needs DequantizeLinear on both inputs for the device,
	 * and is no pointwise function for the activation table)
	 */
	node(&g, "DequantizeLinear", "p1f", NULL, "p1", "y1s", "y1s_z", NULL);
	mg_init_scalar_f(&g, "zero", 0.0f);
	node(&g, "Add", "p1r", NULL, "p1f", "zero", NULL);
	node(&g, "QuantizeLinear", "p1q", NULL, "p1r", "y1s", "y1s_z", NULL);
	mg_init(&g, "w2", DT_INT8, 4, w2d, w2, sizeof(w2));
	scale(&g, "w2s", 3.0f / 256, DT_INT8, 0);
	scale(&g, "y2s", 1.0f / 2, DT_INT8, 0);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, one), NULL };

		node(&g, "QLinearConv", "y2", at, "p1q", "y1s", "y1s_z", "w2", "w2s", "w2s_z",
		     "y2s", "y2s_z", NULL);
	}
	node(&g, "DequantizeLinear", "a_in", NULL, "y2", "y2s", "y2s_z", NULL);
	node(&g, "DequantizeLinear", "b_in", NULL, "p1q", "y1s", "y1s_z", NULL);
	node(&g, "Add", "sum", NULL, "a_in", "b_in", NULL);
	node(&g, "QuantizeLinear", "a", NULL, "sum", "y1s", "y1s_z", NULL);
	node(&g, "DequantizeLinear", "af", NULL, "a", "y1s", "y1s_z", NULL);
	node(&g, "GlobalAveragePool", "gp", NULL, "af", NULL);
	node(&g, "QuantizeLinear", "gq", NULL, "gp", "y1s", "y1s_z", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 1), NULL };

		node(&g, "Flatten", "flat", at, "gq", NULL);
	}
	mg_init(&g, "fc", DT_INT8, 2, fcd, fc, sizeof(fc));
	scale(&g, "fcs", 5.0f / 128, DT_INT8, 0);
	scale(&g, "outs", 1.0f / 8, DT_INT8, 0);
	node(&g, "QLinearMatMul", "out", NULL, "flat", "y1s", "y1s_z", "fc", "fcs", "fcs_z",
	     "outs", "outs_z", NULL);
	assert_int_equal(mg_write(&g, "mixed", path), 0);
}

/* uint8 QLinearConv whose weights are the graph's second input. */
static void build_winput(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 5, 5 }, wd[4] = { 2, 3, 3, 3 }, od[4] = { 1, 2, 3, 3 };
	Onnx__ValueInfoProto *x;

	mg_io(&g, 0, "w", DT_UINT8, 4, wd);
	x = g.input;
	g.input = NULL;
	mg_io(&g, 0, "x", DT_UINT8, 4, xd);
	mg_io(&g, 1, "y", DT_UINT8, 4, od);
	scale(&g, "xs", 1.0f / 8, DT_UINT8, 120);
	scale(&g, "ws", 3.0f / 64, DT_UINT8, 128);
	scale(&g, "ys", 1.0f / 2, DT_UINT8, 100);
	node(&g, "QLinearConv", "y", NULL, "x", "xs", "xs_z", "w", "ws", "ws_z", "ys", "ys_z",
	     NULL);
	/* two inputs: x first, then w */
	assert_int_equal(mg_write_inputs(&g, "winput", path, x), 0);
}

/*
 * QDQ form: DQ(x), DQ(w) (per-channel), float bias -> Conv -> Relu -> Q, then
 * DQ -> MatMul (DQ(B)) -> Q and DQ -> Gemm (transB, DQ(B), bias) -> Q.
 */
static void build_qdq(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 6, 6 }, wd[4] = { 4, 3, 3, 3 }, bd[1] = { 4 };
	int64_t md[2] = { 4 * 4 * 4, 8 }, gd[2] = { 5, 8 }, gbd[1] = { 5 }, od[2] = { 1, 5 };
	int8_t w[4 * 27], mw[64 * 8], gw[40];
	float ws[4] = { 0.02f, 0.03f, 0.015f, 0.025f }, b[4] = { 0.5f, -0.25f, 1.0f, 0.0f };
	float gb[5] = { 0.1f, 0.2f, -0.3f, 0.4f, 0.0f };
	int8_t wz[4] = { 0 };

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)((int)(i * 29 % 255) - 127);
	for (size_t i = 0; i < sizeof(mw); i++)
		mw[i] = (int8_t)((int)(i * 41 % 255) - 127);
	for (size_t i = 0; i < sizeof(gw); i++)
		gw[i] = (int8_t)((int)(i * 67 % 255) - 127);
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, "out", DT_INT8, 2, od);
	scale(&g, "xs", 0.05f, DT_INT8, 3);
	mg_init(&g, "w", DT_INT8, 4, wd, w, sizeof(w));
	mg_init(&g, "ws", DT_FLOAT, 1, bd, ws, sizeof(ws));
	mg_init(&g, "wz", DT_INT8, 1, bd, wz, sizeof(wz));
	mg_init(&g, "b", DT_FLOAT, 1, bd, b, sizeof(b));
	scale(&g, "ys", 0.07f, DT_INT8, -128);
	node(&g, "DequantizeLinear", "xf", NULL, "x", "xs", "xs_z", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 0), NULL };

		node(&g, "DequantizeLinear", "wf", at, "w", "ws", "wz", NULL);
	}
	{
		int64_t k3[2] = { 3, 3 };
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3), NULL };

		node(&g, "Conv", "conv", at, "xf", "wf", "b", NULL);
	}
	node(&g, "Relu", "relu", NULL, "conv", NULL);
	node(&g, "QuantizeLinear", "y", NULL, "relu", "ys", "ys_z", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 1), NULL };

		node(&g, "Flatten", "flat", at, "y", NULL);
	}
	node(&g, "DequantizeLinear", "flatf", NULL, "flat", "ys", "ys_z", NULL);
	mg_init(&g, "mw", DT_INT8, 2, md, mw, sizeof(mw));
	scale(&g, "mws", 0.01f, DT_INT8, 0);
	node(&g, "DequantizeLinear", "mwf", NULL, "mw", "mws", "mws_z", NULL);
	node(&g, "MatMul", "mm", NULL, "flatf", "mwf", NULL);
	scale(&g, "ms", 0.11f, DT_INT8, 0);
	node(&g, "QuantizeLinear", "m", NULL, "mm", "ms", "ms_z", NULL);
	node(&g, "DequantizeLinear", "mf", NULL, "m", "ms", "ms_z", NULL);
	mg_init(&g, "gw", DT_INT8, 2, gd, gw, sizeof(gw));
	scale(&g, "gws", 0.02f, DT_INT8, 0);
	mg_init(&g, "gb", DT_FLOAT, 1, gbd, gb, sizeof(gb));
	node(&g, "DequantizeLinear", "gwf", NULL, "gw", "gws", "gws_z", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_int("transB", 1), NULL };

		node(&g, "Gemm", "gemm", at, "mf", "gwf", "gb", NULL);
	}
	scale(&g, "os", 0.09f, DT_INT8, 0);
	node(&g, "QuantizeLinear", "out", NULL, "gemm", "os", "os_z", NULL);
	assert_int_equal(mg_write(&g, "qdq", path), 0);
}

/*
 * A 1x1 QLinearConv with multiplier 1/2 (x and w scale 1, y scale 2): every
 * odd accumulator is an exact rounding tie, which ONNX rounds to even and
 * the device up, so device and reference differ by 1 there by design.
 */
static void build_tie(const char *path)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 2, 4, 4 }, wd[4] = { 3, 2, 1, 1 }, od[4] = { 1, 3, 4, 4 };
	int8_t w[6] = { 1, -3, 2, 3, -1, 1 };
	int64_t one[2] = { 1, 1 };
	Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, one), NULL };

	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, "y", DT_INT8, 4, od);
	scale(&g, "xs", 1.0f, DT_INT8, 0);
	mg_init(&g, "w", DT_INT8, 4, wd, w, sizeof(w));
	scale(&g, "ws", 1.0f, DT_INT8, 0);
	scale(&g, "ys", 2.0f, DT_INT8, 0);
	node(&g, "QLinearConv", "y", at, "x", "xs", "xs_z", "w", "ws", "ws_z", "ys", "ys_z",
	     NULL);
	assert_int_equal(mg_write(&g, "tie", path), 0);
}

/*
 * ConvInteger with an int32 output "y": uint8 input with a zero point, int8
 * weights, padded and strided. With one weight zero point it runs on the
 * device; with per-channel weight zero points that differ (which the
 * device lacks) it stays on the CPU.
 */
static void build_convint(const char *path, int per_channel_wz)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 9, 9 }, wd[4] = { 5, 3, 3, 3 }, od[4] = { 1, 5, 5, 5 };
	int64_t zd[1] = { 5 }, k3[2] = { 3, 3 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 };
	int8_t w[5 * 3 * 9], wz = -3, wz5[5] = { 1, -2, 0, 3, 4 };
	uint8_t xz = 131;

	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (int8_t)((int)(i * 89 % 255) - 127);
	mg_io(&g, 0, "x", DT_UINT8, 4, xd);
	mg_io(&g, 1, "y", DT_INT32, 4, od);
	mg_init(&g, "w", DT_INT8, 4, wd, w, sizeof(w));
	mg_init(&g, "xz", DT_UINT8, 0, NULL, &xz, 1);
	if (per_channel_wz)
		mg_init(&g, "wz", DT_INT8, 1, zd, wz5, sizeof(wz5));
	else
		mg_init(&g, "wz", DT_INT8, 0, NULL, &wz, 1);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("strides", 2, s2), mg_attr_ints("pads", 4, p1), NULL };

		node(&g, "ConvInteger", "y", at, "x", "w", "xz", "wz", NULL);
	}
	assert_int_equal(mg_write(&g, "convint", path), 0);
}

static void fill_f(float *v, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = (float)((int)(seed >> 16 & 0xff) - 128) / 256.0f;
	}
}

/*
 * A float network for the CPU plan: Conv+Relu (fused), a 1x1 Conv and a
 * 3x3 Conv summed by an Add and a Relu (fused into the second Conv, whose
 * Add operand was computed before it; the first Conv's is not), a strided
 * depthwise Conv with a Clip of input bounds (fused), MaxPool, a tensor
 * read by two nodes, and GlobalAveragePool.
 */
static void build_float(const char *path)
{
	static float w1[8 * 4 * 9], b1[8], w2[8 * 8], w3[8 * 8 * 9], dw[8 * 9];
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 4, 9, 9 }, od[4] = { 1, 8, 1, 1 };
	int64_t w1d[4] = { 8, 4, 3, 3 }, b1d[1] = { 8 }, w2d[4] = { 8, 8, 1, 1 };
	int64_t w3d[4] = { 8, 8, 3, 3 }, dwd[4] = { 8, 1, 3, 3 };
	int64_t k3[2] = { 3, 3 }, k1[2] = { 1, 1 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 };

	fill_f(w1, 8 * 4 * 9, 1);
	fill_f(b1, 8, 2);
	fill_f(w2, 8 * 8, 3);
	fill_f(w3, 8 * 8 * 9, 4);
	fill_f(dw, 8 * 9, 5);
	mg_io(&g, 0, "x", DT_FLOAT, 4, xd);
	mg_io(&g, 1, "out", DT_FLOAT, 4, od);
	mg_init(&g, "w1", DT_FLOAT, 4, w1d, w1, sizeof(w1));
	mg_init(&g, "b1", DT_FLOAT, 1, b1d, b1, sizeof(b1));
	mg_init(&g, "w2", DT_FLOAT, 4, w2d, w2, sizeof(w2));
	mg_init(&g, "w3", DT_FLOAT, 4, w3d, w3, sizeof(w3));
	mg_init(&g, "dw", DT_FLOAT, 4, dwd, dw, sizeof(dw));
	mg_init_scalar_f(&g, "lo", -0.05f);
	mg_init_scalar_f(&g, "hi", 0.1f);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("pads", 4, p1), NULL };

		node(&g, "Conv", "c1", at, "x", "w1", "b1", NULL);
	}
	node(&g, "Relu", "r1", NULL, "c1", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k1), NULL };

		node(&g, "Conv", "c2", at, "r1", "w2", NULL);
	}
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("pads", 4, p1), NULL };

		node(&g, "Conv", "c3", at, "r1", "w3", NULL);
	}
	node(&g, "Add", "s", NULL, "c2", "c3", NULL);
	node(&g, "Relu", "r2", NULL, "s", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("pads", 4, p1), mg_attr_ints("strides", 2, s2),
			mg_attr_int("group", 8), NULL };

		node(&g, "Conv", "c4", at, "r2", "dw", NULL);
	}
	node(&g, "Clip", "cl", NULL, "c4", "lo", "hi", NULL);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, s2),
			mg_attr_ints("strides", 2, s2), NULL };

		node(&g, "MaxPool", "mp", at, "cl", NULL);
	}
	node(&g, "GlobalAveragePool", "out", NULL, "mp", NULL);
	assert_int_equal(mg_write(&g, "float", path), 0);
}

/*
 * A depthwise -> project pair as MobileNetV2 has it: a 3x3 depthwise
 * QLinearConv (16 channels, 16 x 16, ReLU6-like clamp through its output
 * scale) and a 1x1 QLinearConv to 24 channels reading only its output.
 * With shared the 1x1 conv has 16 channels and a QDQ Add sums its output
 * and the depthwise output (a residual from the depthwise layer): the
 * depthwise output has another reader, so it stays in DRAM and the pair
 * runs apart.
 */
static void build_chain(const char *path, int shared)
{
	struct mg_graph g = { 0 };
	int64_t M = shared ? 16 : 24;
	int64_t xd[4] = { 1, 16, 16, 16 }, dwd[4] = { 16, 1, 3, 3 }, pwd[4] = { M, 16, 1, 1 };
	int64_t od[4] = { 1, M, 16, 16 }, b16[1] = { 16 };
	int64_t k3[2] = { 3, 3 }, one[2] = { 1, 1 }, p1[4] = { 1, 1, 1, 1 };
	int8_t dw[16 * 9], pw[24 * 16];
	int32_t bd[16];

	for (size_t i = 0; i < sizeof(dw); i++)
		dw[i] = (int8_t)((int)(i * 37 % 255) - 127);
	for (size_t i = 0; i < sizeof(pw); i++)
		pw[i] = (int8_t)((int)(i * 53 % 255) - 127);
	for (int i = 0; i < 16; i++)
		bd[i] = (i - 8) * 300;
	mg_io(&g, 0, "x", DT_INT8, 4, xd);
	mg_io(&g, 1, shared ? "out" : "y2", DT_INT8, 4, od);
	scale(&g, "xs", 1.0f / 16, DT_INT8, 0);
	mg_init(&g, "dw", DT_INT8, 4, dwd, dw, sizeof(dw));
	scale(&g, "dws", 3.0f / 256, DT_INT8, 0);
	mg_init(&g, "bd", DT_INT32, 1, b16, bd, sizeof(bd));
	scale(&g, "y1s", 1.0f / 8, DT_INT8, -128);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, k3),
			mg_attr_ints("pads", 4, p1), mg_attr_int("group", 16), NULL };

		node(&g, "QLinearConv", "y1", at, "x", "xs", "xs_z", "dw", "dws", "dws_z",
		     "y1s", "y1s_z", "bd", NULL);
	}
	mg_init(&g, "pw", DT_INT8, 4, pwd, pw, (size_t)M * 16);
	scale(&g, "pws", 5.0f / 512, DT_INT8, 0);
	scale(&g, "y2s", 1.0f / 4, DT_INT8, 3);
	{
		Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, one), NULL };

		node(&g, "QLinearConv", "y2", at, "y1", "y1s", "y1s_z", "pw", "pws", "pws_z",
		     "y2s", "y2s_z", NULL);
	}
	if (shared) {
		node(&g, "DequantizeLinear", "a_in", NULL, "y2", "y2s", "y2s_z", NULL);
		node(&g, "DequantizeLinear", "b_in", NULL, "y1", "y1s", "y1s_z", NULL);
		node(&g, "Add", "sum", NULL, "a_in", "b_in", NULL);
		node(&g, "QuantizeLinear", "out", NULL, "sum", "y2s", "y2s_z", NULL);
	}
	assert_int_equal(mg_write(&g, "chain", path), 0);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	if (accel_device_open("emu", NULL, &dev))
		return -1;
	fd = mkstemp(mixed_path);
	close(fd);
	build_mixed(mixed_path);
	fd = mkstemp(winput_path);
	close(fd);
	build_winput(winput_path);
	fd = mkstemp(qdq_path);
	close(fd);
	build_qdq(qdq_path);
	fd = mkstemp(tie_path);
	close(fd);
	build_tie(tie_path);
	fd = mkstemp(convint_path);
	close(fd);
	build_convint(convint_path, 0);
	fd = mkstemp(convint_pc_path);
	close(fd);
	build_convint(convint_pc_path, 1);
	fd = mkstemp(float_path);
	close(fd);
	build_float(float_path);
	fd = mkstemp(chain_path);
	close(fd);
	build_chain(chain_path, 0);
	fd = mkstemp(chain_out_path);
	close(fd);
	build_chain(chain_out_path, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	accel_device_close(dev);
	unlink(mixed_path);
	unlink(winput_path);
	unlink(qdq_path);
	unlink(tie_path);
	unlink(convint_path);
	unlink(convint_pc_path);
	unlink(float_path);
	unlink(chain_path);
	unlink(chain_out_path);
	return 0;
}

static struct accel_tensor *seeded(int dtype, int rank, const int64_t *dims, uint32_t seed)
{
	struct accel_tensor *t = accel_tensor_new(dtype, rank, dims);
	uint8_t *p;

	assert_non_null(t);
	p = accel_tensor_data(t);
	for (size_t i = 0; i < accel_tensor_count(t); i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	return t;
}

static void test_mixed_model(void **state)
{
	int64_t xd[4] = { 1, 4, 8, 8 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 7);
	struct accel_tensor *out[1] = { 0 }, *out2[1] = { 0 }, *ref[1] = { 0 };
	struct accel_run_stats st = { .sz = sizeof(st) };
	struct accel_model *m;
	int n_dev = 0, n_cpu = 0;
	double diff = -1;

	(void)state;
	assert_int_equal(accel_model_load(dev, mixed_path, NULL, &m), 0);
	assert_int_equal(accel_model_input_count(m), 1);
	assert_string_equal(accel_model_output_name(m, 0), "out");
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		print_message("# %-6s %-28s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" :
			      li.on == ACCEL_ON_CPU ? "cpu" : "none", li.op, li.name, li.reason);
		n_dev += li.on == ACCEL_ON_DEVICE;
		n_cpu += li.on == ACCEL_ON_CPU;
	}
	/* y1, p1, y2, a, gq, out on the device; the DQ-Add-Q island on the CPU */
	assert_int_equal(n_dev, 6);
	assert_int_equal(n_cpu, 3);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_run_stats(m, &st), 0);
	assert_int_equal(st.jobs, 2);	/* the CPU island splits the device layers */
	assert_true(st.measured.cycles > 0 && st.measured.macs > 0);
	{
		/* the per-layer snapshots add up to what the jobs reported */
		uint64_t e = 0;

		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			e += st.measured.energy_fj[d];
		print_message("# layers: %llu fJ, %llu cycles; jobs: %llu fJ, %llu cycles\n",
			      (unsigned long long)e, (unsigned long long)st.measured.cycles,
			      (unsigned long long)st.job_energy_fj,
			      (unsigned long long)st.job_cycles);
		assert_true(e > 0 && e <= st.job_energy_fj);
		assert_true(e >= st.job_energy_fj - st.job_energy_fj / 100);
		assert_true(st.measured.cycles <= st.job_cycles);
	}
	assert_int_equal(accel_model_run(m, &x, 1, out2, 1), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	assert_true(diff == 0);
	assert_int_equal(accel_tensor_compare(out2[0], out[0], &diff), 0);
	assert_true(diff == 0);
	{
		/* the output is not degenerate */
		const int8_t *o = accel_tensor_data(out[0]);
		int distinct = 0;

		for (int i = 0; i < 5; i++)
			for (int j = 0; j < i; j++)
				distinct += o[i] != o[j];
		assert_true(distinct > 5);
	}
	accel_tensor_free(out[0]);
	accel_tensor_free(out2[0]);
	accel_tensor_free(ref[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

static void test_weights_as_input(void **state)
{
	int64_t xd[4] = { 1, 3, 5, 5 }, wd[4] = { 2, 3, 3, 3 };
	struct accel_model *m;

	(void)state;
	assert_int_equal(accel_model_load(dev, winput_path, NULL, &m), 0);
	assert_int_equal(accel_model_input_count(m), 2);
	for (uint32_t seed = 1; seed <= 3; seed++) {
		struct accel_tensor *in[2], *out[1] = { 0 }, *ref[1] = { 0 };
		struct accel_layer_info li = { .sz = sizeof(li) };
		double diff = -1;

		in[0] = seeded(ACCEL_DTYPE_UINT8, 4, xd, seed);
		in[1] = seeded(ACCEL_DTYPE_UINT8, 4, wd, 100 + seed);
		assert_int_equal(accel_model_run(m, in, 2, out, 1), 0);
		assert_int_equal(accel_model_layer_info(m, 0, &li), 0);
		assert_int_equal(li.on, ACCEL_ON_DEVICE);
		{
			/* the layer-wise check takes the weights from the inputs */
			struct accel_check_result cr = { .sz = sizeof(cr) };

			assert_int_equal(accel_model_check(m, in, 2, &cr), 0);
			assert_true(cr.ok && cr.layers_checked == 1 && cr.elements == 18);
		}
		assert_int_equal(accel_model_reference(m, in, 2, ref, 1), 0);
		assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
		assert_true(diff == 0);
		accel_tensor_free(in[0]);
		accel_tensor_free(in[1]);
		accel_tensor_free(out[0]);
		accel_tensor_free(ref[0]);
	}
	accel_model_free(m);
}

/* QDQ islands fuse into device layers; float reference within 1 LSB. */
static void test_qdq_fusion(void **state)
{
	int64_t xd[4] = { 1, 3, 6, 6 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 11);
	struct accel_tensor *out[1] = { 0 }, *ref[1] = { 0 };
	struct accel_model *m;
	int n_dev = 0;
	double diff = -1;

	(void)state;
	assert_int_equal(accel_model_load(dev, qdq_path, NULL, &m), 0);
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		print_message("# %-6s %-28s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" :
			      li.on == ACCEL_ON_CPU ? "cpu" : "none", li.op, li.name, li.reason);
		n_dev += li.on == ACCEL_ON_DEVICE;
		assert_true(li.on != ACCEL_ON_CPU);
	}
	assert_int_equal(n_dev, 3);	/* Conv+Relu, MatMul, Gemm */
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	print_message("# max |device - float reference| = %g\n", diff);
	assert_true(diff <= 1);
	{
		/* fused float islands: equal but for ties within their band */
		struct accel_check_result cr = { .sz = sizeof(cr) };

		assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
		print_message("# layer-wise: %u layers, %llu elements, %llu ties\n",
			      cr.layers_checked, (unsigned long long)cr.elements,
			      (unsigned long long)cr.ties);
		assert_true(cr.ok);
		assert_int_equal(cr.layers_checked, 3);
		assert_int_equal(cr.mismatches, 0);
	}
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}


/* Layer-wise check of a correct run: every device layer compared, no difference. */
static void test_check_layers(void **state)
{
	int64_t xd[4] = { 1, 4, 8, 8 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 7);
	struct accel_tensor *out[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_model *m;
	uint64_t elements = 0;

	(void)state;
	assert_int_equal(accel_model_load(dev, mixed_path, NULL, &m), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), -EINVAL);	/* not run yet */
	assert_non_null(strstr(accel_last_error(), "run the model first"));
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 6);
	assert_int_equal(cr.mismatches, 0);
	assert_int_equal(cr.ties, 0);
	assert_int_equal(cr.first_failed_layer, -1);
	assert_true(cr.max_abs_diff == 0);
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		assert_int_equal(li.check.checked, li.on == ACCEL_ON_DEVICE);
		elements += li.check.elements;
	}
	assert_true(elements == cr.elements && elements > 0);
	accel_tensor_free(out[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

/*
 * The debug hook flips a byte of one layer's output after its job: the check
 * names that layer, and only it (later layers are checked on the inputs they
 * read, the corrupted ones).
 */
static void test_check_corrupted(void **state)
{
	int64_t xd[4] = { 1, 4, 8, 8 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 7);
	struct accel_tensor *out[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_layer_info li = { .sz = sizeof(li) };
	struct accel_model *m;

	(void)state;
	setenv("EYRIE_DEBUG_CORRUPT_LAYER", "y2", 1);
	assert_int_equal(accel_model_load(dev, mixed_path, NULL, &m), 0);
	unsetenv("EYRIE_DEBUG_CORRUPT_LAYER");
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_false(cr.ok);
	assert_int_equal(cr.layers_failed, 1);
	assert_int_equal(cr.mismatches, 1);
	assert_true(cr.first_failed_layer >= 0);
	assert_int_equal(accel_model_layer_info(m, cr.first_failed_layer, &li), 0);
	assert_string_equal(li.name, "y2");
	assert_int_equal(li.check.first_mismatch, 0);
	assert_int_equal(li.check.device_value ^ li.check.reference_value, (int8_t)0x5a);
	accel_tensor_free(out[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

/*
 * Exact ties on a device with the fixed-point rule only (the sim without
 * CAP_FP32_REQUANT): 1 LSB off, counted as ties, not mismatches; nothing
 * else differs. With the cap (the sim's default) the QLinearConv layer
 * requantizes as ONNX Runtime, and so as the reference: no tie, bit-exact.
 */
static void test_check_ties(void **state)
{
	int64_t xd[4] = { 1, 2, 4, 4 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 5);
	struct accel_tensor *out[1] = { 0 }, *ref[1] = { 0 };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_device_opts dopts = { .sz = sizeof(dopts),
					   .emu_caps_clear = ACCEL_CAP_FP32_REQUANT };
	struct accel_device *fixed;
	struct accel_model *m;
	const int8_t *xv = accel_tensor_data(x);
	static const int8_t w[6] = { 1, -3, 2, 3, -1, 1 };
	uint64_t want = 0;
	double diff = -1;

	(void)state;
	assert_int_equal(accel_device_open("emu", &dopts, &fixed), 0);
	/* ties ONNX and the device round apart: acc / 2 = k + 1/2 with k even */
	for (int k = 0; k < 3; k++)
		for (int p = 0; p < 16; p++) {
			int acc = w[k * 2] * xv[p] + w[k * 2 + 1] * xv[16 + p];

			want += (acc & 3) == 1 && acc / 2 >= -128 && acc / 2 < 127;
		}
	assert_true(want > 0);
	assert_int_equal(accel_model_load(fixed, tie_path, NULL, &m), 0);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	print_message("# %llu ties of %llu elements (expected %llu)\n",
		      (unsigned long long)cr.ties, (unsigned long long)cr.elements,
		      (unsigned long long)want);
	assert_true(cr.ok);
	assert_int_equal(cr.ties, want);
	assert_int_equal(cr.mismatches, 0);
	assert_int_equal(cr.layers_with_ties, 1);
	assert_true(cr.max_abs_diff == 1);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	assert_true(diff == 1);
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
	accel_model_free(m);
	accel_device_close(fixed);
	/* the binary32 rule: the reference's, bit for bit */
	assert_int_equal(accel_model_load(dev, tie_path, NULL, &m), 0);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_true(cr.layers_checked > 0);
	assert_int_equal(cr.ties, 0);
	assert_int_equal(cr.mismatches, 0);
	assert_true(cr.max_abs_diff == 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_compare(out[0], ref[0], &diff), 0);
	assert_true(diff == 0);
	accel_tensor_free(out[0]);
	accel_tensor_free(ref[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

/*
 * The scheduler's prediction next to the measurement. docs/scheduler.md:
 * conv and FC layers agree exactly, except static energy, which may differ
 * by the rounding of time to whole nanoseconds (1 ns x static power) when
 * several layers share a job. Pool and Add layers get a simple tiling whose
 * tolerance the scheduler does not document: their figures are printed.
 */
static void test_prediction(void **state)
{
	int64_t xd[4] = { 1, 4, 8, 8 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 7);
	struct accel_tensor *out[1] = { 0 };
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_model *m;
	int exact = 0;

	(void)state;
	assert_int_equal(accel_device_info(dev, &info), 0);
	assert_int_equal(accel_model_load(dev, mixed_path, NULL, &m), 0);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), 0);
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };
		const struct accel_layer_stats *me = &li.measured, *pr = &li.predicted;
		int64_t dstatic;

		assert_int_equal(accel_model_layer_info(m, i, &li), 0);
		assert_int_equal(li.has_prediction, li.on == ACCEL_ON_DEVICE);
		if (!li.has_prediction)
			continue;
		dstatic = (int64_t)me->energy_fj[ACCEL_ENERGY_STATIC] -
			  (int64_t)pr->energy_fj[ACCEL_ENERGY_STATIC];
		print_message("# %-4s %-34s cycles %llu / %llu, dram words %llu / %llu, energy %llu / %llu fJ (measured / predicted)\n",
			      li.name, li.op, (unsigned long long)me->cycles,
			      (unsigned long long)pr->cycles, (unsigned long long)me->dram_words,
			      (unsigned long long)pr->dram_words,
			      (unsigned long long)(me->energy_fj[0] + me->energy_fj[1] + me->energy_fj[2] +
						   me->energy_fj[3] + me->energy_fj[4] + me->energy_fj[5]),
			      (unsigned long long)(pr->energy_fj[0] + pr->energy_fj[1] + pr->energy_fj[2] +
						   pr->energy_fj[3] + pr->energy_fj[4] + pr->energy_fj[5]));
		if (!li.has_shape)
			continue;	/* pool / add: figures only */
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			if (d != ACCEL_ENERGY_STATIC)
				assert_true(me->energy_fj[d] == pr->energy_fj[d]);
		assert_true(me->cycles == pr->cycles);
		assert_true(me->dram_words == pr->dram_words);
		assert_true(me->dram_bytes == pr->dram_bytes);
		assert_true(me->macs == pr->macs);
		assert_true(llabs(dstatic) <= (long long)info.static_mw * 1000);
		exact++;
	}
	assert_int_equal(exact, 3);	/* y1, y2, out */
	accel_tensor_free(out[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

/* Two threads, each with its own model on the shared device. */
struct worker {
	uint32_t seed;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int64_t xd[4] = { 1, 4, 8, 8 };
	struct accel_model *m;

	if (accel_model_load(dev, mixed_path, NULL, &m)) {
		w->failures++;
		return NULL;
	}
	for (int it = 0; it < 4; it++) {
		struct accel_tensor *x = accel_tensor_new(ACCEL_DTYPE_INT8, 4, xd);
		struct accel_tensor *out[1] = { 0 }, *ref[1] = { 0 };
		uint8_t *p = accel_tensor_data(x);
		double diff = -1;

		for (size_t i = 0; i < accel_tensor_count(x); i++)
			p[i] = (uint8_t)((w->seed + (uint32_t)it) * 2654435761u >> (i % 24));
		if (accel_model_run(m, &x, 1, out, 1) ||
		    accel_model_reference(m, &x, 1, ref, 1) ||
		    accel_tensor_compare(out[0], ref[0], &diff) || diff != 0)
			w->failures++;
		accel_tensor_free(out[0]);
		accel_tensor_free(ref[0]);
		accel_tensor_free(x);
	}
	accel_model_free(m);
	return NULL;
}

static void test_threads(void **state)
{
	struct worker w[2] = { { .seed = 3 }, { .seed = 5 } };
	pthread_t t[2];

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

/*
 * The float model on the CPU, three runs: each repeats the first exactly
 * (recycled memory holds no stale values), all agree with the reference
 * kernels within float32 rounding, every node counts as a CPU layer.
 */
static void test_float_cpu(void **state)
{
	int64_t xd[4] = { 1, 4, 9, 9 };
	struct accel_model_opts cpu = { .sz = sizeof(cpu), .cpu_only = true };
	struct accel_tensor *x = accel_tensor_new(ACCEL_DTYPE_FLOAT, 4, xd);
	struct accel_tensor *out[1] = { 0 }, *first[1] = { 0 }, *ref[1] = { 0 };
	struct accel_run_stats st = { .sz = sizeof(st) };
	struct accel_model *m;
	double diff = -1;
	const float *o;

	(void)state;
	assert_non_null(x);
	fill_f(accel_tensor_data(x), accel_tensor_count(x), 9);
	assert_int_equal(accel_model_load(NULL, float_path, &cpu, &m), 0);
	assert_int_equal(accel_model_reference(m, &x, 1, ref, 1), 0);
	for (int run = 0; run < 3; run++) {
		assert_int_equal(accel_model_run(m, &x, 1, run ? out : first, 1), 0);
		assert_int_equal(accel_model_run_stats(m, &st), 0);
		assert_int_equal(st.cpu_layers, 10);
		assert_int_equal(accel_tensor_compare(run ? out[0] : first[0], ref[0], &diff), 0);
		assert_true(diff <= 1e-5);
		if (run) {
			assert_int_equal(accel_tensor_compare(out[0], first[0], &diff), 0);
			assert_true(diff == 0);
			accel_tensor_free(out[0]);
		}
	}
	/* not all clipped or zero: the values went through every layer */
	o = accel_tensor_data(first[0]);
	diff = 0;
	for (int c = 0; c < 8; c++)
		diff += o[c] != o[0];
	assert_true(diff > 0);
	accel_tensor_free(first[0]);
	accel_tensor_free(ref[0]);
	accel_tensor_free(x);
	accel_model_free(m);
}

/*
 * An int8 MaxPool (2x2, stride 2) with and without its Indices output: the
 * device has no form of Indices, so with it the node stays on the CPU with
 * that reason and both outputs are the first maximum of each window and its
 * flat position in X (row-major, storage_order 0); without it the same pool
 * runs on the device.
 */
static void run_maxpool_q(int with_indices)
{
	int64_t xd[4] = { 1, 2, 4, 6 }, yd[4] = { 1, 2, 2, 3 }, k[2] = { 2, 2 };
	const char *in[] = { "x", NULL }, *outs[] = { "y", with_indices ? "idx" : NULL, NULL };
	Onnx__AttributeProto *at[3] = { mg_attr_ints("kernel_shape", 2, k),
					 mg_attr_ints("strides", 2, k), NULL };
	struct mg_model_info info = { .producer_name = "test", .ir_version = 7, .opset = 13 };
	char path[] = "/tmp/eyrie-model-maxpool-XXXXXX";
	struct accel_tensor *x, *out[2] = { 0 };
	struct accel_node_info ni = { .sz = sizeof(ni) };
	struct mg_graph g = { 0 };
	struct accel_model *m;
	const int8_t *X, *Y;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	mg_add_input(&g, mg_value_info("x", DT_INT8, 4, xd, NULL));
	mg_add_output(&g, mg_value_info("y", DT_INT8, 4, yd, NULL));
	if (with_indices)
		mg_add_output(&g, mg_value_info("idx", 7 /* INT64 */, 4, yd, NULL));
	mg_node_dom(&g, "", "MaxPool", "pool", in, outs, at);
	assert_int_equal(mg_write_model(&g, "maxpool", path, &info), 0);
	if (accel_model_load(dev, path, NULL, &m))
		fail_msg("load: %s", accel_last_error());
	unlink(path);
	assert_int_equal(accel_model_node_info(m, 0, &ni), 0);
	print_message("# MaxPool %s Indices: %s: %s\n", with_indices ? "with" : "without",
		      ni.on == ACCEL_ON_DEVICE ? "device" : "cpu", ni.reason);
	if (with_indices) {
		assert_int_equal(ni.on, ACCEL_ON_CPU);
		assert_non_null(strstr(ni.reason, "Indices"));
	} else {
		assert_int_equal(ni.on, ACCEL_ON_DEVICE);
	}
	x = seeded(ACCEL_DTYPE_INT8, 4, xd, 77);
	assert_int_equal(accel_model_run(m, &x, 1, out, with_indices ? 2 : 1), 0);
	X = accel_tensor_data(x);
	Y = accel_tensor_data(out[0]);
	for (int c = 0; c < 2; c++)
		for (int oy = 0; oy < 2; oy++)
			for (int ox = 0; ox < 3; ox++) {
				int64_t best_at = -1, o = (c * 2 + oy) * 3 + ox;

				for (int i = 0; i < 2; i++)
					for (int j = 0; j < 2; j++) {
						int64_t at_ = (c * 4 + oy * 2 + i) * 6 + ox * 2 + j;

						if (best_at < 0 || X[at_] > X[best_at])
							best_at = at_;
					}
				assert_int_equal(Y[o], X[best_at]);
				if (with_indices)
					assert_int_equal(((const int64_t *)accel_tensor_data(out[1]))[o],
							 best_at);
			}
	accel_tensor_free(out[0]);
	accel_tensor_free(out[1]);
	accel_tensor_free(x);
	accel_model_free(m);
}

static void test_maxpool_indices(void **state)
{
	(void)state;
	run_maxpool_q(1);
	run_maxpool_q(0);
}

static void test_misuse(void **state)
{
	int64_t xd[4] = { 1, 4, 8, 8 }, bad[4] = { 1, 4, 8, 9 };
	struct accel_model_opts cpu = { .sz = sizeof(cpu), .cpu_only = true };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_UINT8, 4, xd, 1);
	struct accel_tensor *y = seeded(ACCEL_DTYPE_INT8, 4, bad, 1);
	struct accel_tensor *out[1] = { 0 };
	struct accel_model *m = NULL;

	(void)state;
	assert_int_equal(accel_model_load(NULL, mixed_path, NULL, &m), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "cpu_only"));
	assert_int_equal(accel_model_load(dev, "/nonexistent.onnx", NULL, &m), -ENOENT);
	assert_int_equal(accel_model_load(NULL, mixed_path, &cpu, &m), 0);
	assert_int_equal(accel_model_run(m, &x, 1, out, 1), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "must be int8"));
	assert_int_equal(accel_model_run(m, &y, 1, out, 1), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "shape mismatch"));
	assert_int_equal(accel_model_run(m, &x, 0, out, 1), -EINVAL);
	accel_tensor_free(x);
	accel_tensor_free(y);
	accel_model_free(m);
}

/* The ConvInteger model's single layer: where it ran, and the output. */
static void run_convint(const char *path, int on_device, struct accel_tensor *x,
			struct accel_tensor **out, struct accel_tensor **ref,
			struct accel_model **mp)
{
	struct accel_layer_info li = { .sz = sizeof(li) };
	double diff = -1;
	int rc;

	assert_int_equal(accel_model_load(dev, path, NULL, mp), 0);
	assert_int_equal(accel_model_layer_count(*mp), 1);
	assert_int_equal(accel_model_layer_info(*mp, 0, &li), 0);
	print_message("# %-6s %s %s\n", li.on == ACCEL_ON_DEVICE ? "device" : "cpu",
		      li.op, li.reason);
	if (on_device) {
		assert_int_equal(li.on, ACCEL_ON_DEVICE);
	} else {
		/* the reason names the per-channel weight zero point */
		assert_int_equal(li.on, ACCEL_ON_CPU);
		assert_non_null(strstr(li.reason, "weight zero points differ"));
	}
	rc = accel_model_run(*mp, &x, 1, out, 1);
	if (rc)
		print_message("# %s\n", accel_last_error());
	assert_int_equal(rc, 0);
	assert_int_equal(accel_model_reference(*mp, &x, 1, ref, 1), 0);
	assert_int_equal(accel_tensor_dtype(*out), ACCEL_DTYPE_INT32);
	assert_int_equal(accel_tensor_compare(*out, *ref, &diff), 0);
	assert_true(diff == 0);
}

/*
 * ConvInteger on the device: int32 accumulators read back from the device
 * equal the CPU reference exactly, and the layer-wise check allows no tie.
 * Per-channel weight zero points keep it on the CPU, with the reason.
 */
static void test_convinteger_device(void **state)
{
	int64_t xd[4] = { 1, 3, 9, 9 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_UINT8, 4, xd, 11);
	struct accel_tensor *out = NULL, *ref = NULL;
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_model *m;
	int wide = 0;

	(void)state;
	run_convint(convint_path, 1, x, &out, &ref, &m);
	{
		/* bit-exact, element by element, and beyond the int8 range */
		const int32_t *d = accel_tensor_data(out), *r = accel_tensor_data(ref);

		assert_int_equal(accel_tensor_count(out), 125);
		assert_memory_equal(d, r, 125 * sizeof(int32_t));
		for (int i = 0; i < 125; i++)
			wide += d[i] > 127 || d[i] < -128;
		print_message("# %d of 125 outputs outside the int8 range\n", wide);
		assert_true(wide > 60);
	}
	assert_int_equal(accel_model_check(m, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 1);
	assert_int_equal(cr.elements, 125);
	assert_int_equal(cr.ties, 0);
	assert_true(cr.max_abs_diff == 0);
	accel_tensor_free(out);
	accel_tensor_free(ref);
	accel_model_free(m);

	run_convint(convint_pc_path, 0, x, &out, &ref, &m);
	accel_tensor_free(out);
	accel_tensor_free(ref);
	accel_model_free(m);
	accel_tensor_free(x);
}

/* Loads and runs a chain model; its stats, output (caller frees) and model. */
static void run_chain_model(const char *path, const struct accel_model_opts *o,
			    struct accel_tensor *x, struct accel_tensor **out,
			    struct accel_run_stats *st, struct accel_model **m)
{
	int rc;

	st->sz = sizeof(*st);
	rc = accel_model_load(dev, path, o, m);
	if (rc)
		fail_msg("%s: %s", path, accel_last_error());
	assert_int_equal(accel_model_run(*m, &x, 1, out, 1), 0);
	assert_int_equal(accel_model_run_stats(*m, st), 0);
}

/*
 * Depthwise -> project chains (docs/models.md): the pair runs as one stream,
 * the same bytes as the two layers apart (accel_model_opts.no_chains and
 * EYRIE_NO_CHAINS), in fewer cycles and DRAM words; the chain's figures on
 * the project layer, measured as predicted; the check compares the project
 * output and counts the depthwise one apart. A depthwise output with another
 * reader, or that the corruption hook names, keeps the pair apart.
 */
static void test_chains(void **state)
{
	int64_t xd[4] = { 1, 16, 16, 16 };
	struct accel_tensor *x = seeded(ACCEL_DTYPE_INT8, 4, xd, 11);
	struct accel_tensor *oc = NULL, *os = NULL, *oe = NULL;
	struct accel_model_opts apart = { .sz = sizeof(apart), .no_chains = true };
	struct accel_check_result cr = { .sz = sizeof(cr) };
	struct accel_layer_info dw = { .sz = sizeof(dw) }, pw = { .sz = sizeof(pw) };
	struct accel_run_stats sc, ss, se;
	struct accel_model *mc, *ms, *me;
	double diff = -1;

	(void)state;
	{
		/* an objective out of accel_objective's range is refused */
		struct accel_model_opts bad = { .sz = sizeof(bad), .objective = 9 };
		struct accel_model *mb = NULL;

		assert_int_equal(accel_model_load(dev, chain_path, &bad, &mb), -EINVAL);
		assert_non_null(strstr(accel_last_error(), "objective"));
	}
	run_chain_model(chain_path, NULL, x, &oc, &sc, &mc);
	run_chain_model(chain_path, &apart, x, &os, &ss, &ms);
	setenv("EYRIE_NO_CHAINS", "1", 1);
	run_chain_model(chain_path, NULL, x, &oe, &se, &me);
	unsetenv("EYRIE_NO_CHAINS");
	print_message("# chain: %llu cycles, %llu DRAM words; apart: %llu cycles, %llu DRAM words\n",
		      (unsigned long long)sc.measured.cycles,
		      (unsigned long long)sc.measured.dram_words,
		      (unsigned long long)ss.measured.cycles,
		      (unsigned long long)ss.measured.dram_words);
	assert_int_equal(sc.chains, 1);
	assert_true(sc.chain_bytes_on_chip == 16 * 16 * 16);
	assert_int_equal(ss.chains, 0);
	assert_int_equal(se.chains, 0);
	assert_int_equal(sc.device_layers, 2);
	assert_int_equal(accel_tensor_compare(oc, os, &diff), 0);
	assert_true(diff == 0);
	assert_int_equal(accel_tensor_compare(oc, oe, &diff), 0);
	assert_true(diff == 0);
	assert_true(sc.measured.cycles < ss.measured.cycles);
	assert_true(sc.measured.dram_words < ss.measured.dram_words);
	assert_true(se.measured.cycles == ss.measured.cycles);

	assert_int_equal(accel_model_layer_info(mc, 0, &dw), 0);
	assert_int_equal(accel_model_layer_info(mc, 1, &pw), 0);
	assert_string_equal(dw.name, "y1");
	assert_string_equal(dw.chain_with, "y2");
	assert_string_equal(pw.chain_with, "y1");
	assert_int_equal(dw.commands, 0);
	assert_true(dw.has_prediction && dw.measured.cycles == 0 && dw.predicted.cycles == 0);
	assert_true(pw.commands > 0 && pw.has_prediction);
	assert_true(pw.measured.cycles == sc.measured.cycles);
	assert_true(pw.measured.cycles == pw.predicted.cycles);
	assert_true(pw.measured.dram_words == pw.predicted.dram_words);
	assert_true(pw.measured.dram_bytes == pw.predicted.dram_bytes);
	assert_true(pw.measured.macs == pw.predicted.macs);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		if (d != ACCEL_ENERGY_STATIC)
			assert_true(pw.measured.energy_fj[d] == pw.predicted.energy_fj[d]);

	assert_int_equal(accel_model_check(mc, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 1);
	assert_int_equal(cr.layers_on_chip, 1);
	assert_true(cr.elements == 24 * 16 * 16);
	assert_int_equal(accel_model_layer_info(mc, 0, &dw), 0);
	assert_false(dw.check.checked);
	assert_int_equal(accel_model_check(ms, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 2);
	assert_int_equal(cr.layers_on_chip, 0);
	accel_tensor_free(oe);
	accel_model_free(me);

	/* the project layer's output corrupted: the check names it */
	setenv("EYRIE_DEBUG_CORRUPT_LAYER", "y2", 1);
	run_chain_model(chain_path, NULL, x, &oe, &se, &me);
	unsetenv("EYRIE_DEBUG_CORRUPT_LAYER");
	assert_int_equal(se.chains, 1);
	assert_int_equal(accel_model_check(me, &x, 1, &cr), 0);
	assert_false(cr.ok);
	assert_int_equal(cr.mismatches, 1);
	assert_int_equal(cr.first_failed_layer, 1);
	accel_tensor_free(oe);
	accel_model_free(me);
	/* the depthwise layer's: it needs its output in DRAM, so no chain */
	setenv("EYRIE_DEBUG_CORRUPT_LAYER", "y1", 1);
	run_chain_model(chain_path, NULL, x, &oe, &se, &me);
	unsetenv("EYRIE_DEBUG_CORRUPT_LAYER");
	assert_int_equal(se.chains, 0);
	assert_int_equal(accel_model_check(me, &x, 1, &cr), 0);
	assert_false(cr.ok);
	assert_int_equal(cr.first_failed_layer, 0);
	accel_tensor_free(oe);
	accel_model_free(me);

	/* the depthwise output read by an Add too: not private, no chain */
	run_chain_model(chain_out_path, NULL, x, &oe, &se, &me);
	assert_int_equal(se.chains, 0);
	assert_int_equal(se.device_layers, 3);
	assert_int_equal(accel_model_check(me, &x, 1, &cr), 0);
	assert_true(cr.ok);
	assert_int_equal(cr.layers_checked, 3);
	accel_tensor_free(oe);
	accel_model_free(me);

	accel_tensor_free(oc);
	accel_tensor_free(os);
	accel_tensor_free(x);
	accel_model_free(mc);
	accel_model_free(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_model),
		cmocka_unit_test(test_weights_as_input),
		cmocka_unit_test(test_qdq_fusion),
		cmocka_unit_test(test_check_layers),
		cmocka_unit_test(test_check_corrupted),
		cmocka_unit_test(test_check_ties),
		cmocka_unit_test(test_prediction),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_float_cpu),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_maxpool_indices),
		cmocka_unit_test(test_convinteger_device),
		cmocka_unit_test(test_chains),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
