// SPDX-License-Identifier: MIT
/*
 * Float models for adapt's tests (fixture.h): a residual chain with a
 * depthwise conv and an FC after Flatten, seeded weights.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

float fixture_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((rng * 0x2545f4914f6cdd1dull) >> 40) / (float)(1 << 24) * 2 - 1;
}

void fixture_fill(float *v, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++)
		v[i] = fixture_rand() * scale;
}

void fixture_conv(struct mg_graph *g, const char *name, const char *in, const char *out, int cin,
		 int cout, int k, int group, float *w_out, float *b_out)
{
	int64_t wd[4] = { cout, cin / group, k, k }, bd[1] = { cout };
	int64_t ks[2] = { k, k }, p[4] = { k / 2, k / 2, k / 2, k / 2 };
	size_t nw = (size_t)cout * (size_t)(cin / group) * (size_t)(k * k);
	float *w = malloc(nw * sizeof(float)), *b = malloc((size_t)cout * sizeof(float));
	char wn[64], bn[64];
	const char *ins[] = { in, wn, bn, NULL };
	Onnx__AttributeProto *at[] = { mg_attr_ints("kernel_shape", 2, ks), mg_attr_ints("pads", 4, p),
				       mg_attr_int("group", group), NULL };

	fixture_fill(w, nw, 1.0f / sqrtf((float)(cin / group * k * k)));
	fixture_fill(b, (size_t)cout, 0.1f);
	if (w_out)
		memcpy(w, w_out, nw * sizeof(float));
	if (b_out)
		memcpy(b, b_out, (size_t)cout * sizeof(float));
	snprintf(wn, sizeof(wn), "%s_w", name);
	snprintf(bn, sizeof(bn), "%s_b", name);
	mg_init(g, wn, FIXTURE_FLOAT, 4, wd, w, nw * sizeof(float));
	mg_init(g, bn, FIXTURE_FLOAT, 1, bd, b, (size_t)cout * sizeof(float));
	mg_node(g, "Conv", name, ins, out, at);
	free(w);
	free(b);
}

void fixture_unary(struct mg_graph *g, const char *op, const char *name, const char *in,
		  const char *out, Onnx__AttributeProto **at)
{
	const char *ins[] = { in, NULL };

	mg_node(g, op, name, ins, out, at);
}

/*
 * x[1,3,8,8] -> conv1 (8) -> relu1 -> conv2 (8) -> relu2 -> add(relu1, relu2)
 * -> dw (depthwise 8) -> relu3 -> conv3 (1x1, 6) -> relu4 -> maxpool 2x2
 * -> flatten -> gemm (96 -> 5) -> out. dead: channel 3 of the tie group and
 * channel 2 of conv3 never fire (zero filters, negative biases).
 */
int fixture_chain(const char *path, bool dead)
{
	struct mg_graph g = { 0 };
	int64_t xd[4] = { 1, 3, 8, 8 }, od[2] = { 1, 5 }, fd[2] = { 5, 96 }, k2[2] = { 2, 2 };
	float w1[8 * 27], b1[8], w2[8 * 72], b2[8], wd[8 * 9], bdw[8], w3[6 * 8], b3[6];
	static float fc[5 * 96];
	const char *add_in[] = { "r1", "r2", NULL }, *flat_in[] = { "p", NULL };
	const char *gemm_in[] = { "f", "fc_w", NULL };
	Onnx__AttributeProto *pool_at[] = { mg_attr_ints("kernel_shape", 2, k2),
					    mg_attr_ints("strides", 2, k2), NULL };
	Onnx__AttributeProto *gemm_at[] = { mg_attr_int("transB", 1), NULL };

	rng = 0x243f6a8885a308d3ull;
	fixture_fill(w1, 8 * 27, 0.4f);
	fixture_fill(b1, 8, 0.1f);
	fixture_fill(w2, 8 * 72, 0.25f);
	fixture_fill(b2, 8, 0.1f);
	fixture_fill(wd, 8 * 9, 0.4f);
	fixture_fill(bdw, 8, 0.1f);
	fixture_fill(w3, 6 * 8, 0.4f);
	fixture_fill(b3, 6, 0.1f);
	fixture_fill(fc, 5 * 96, 0.2f);
	if (dead) {
		memset(w1 + 3 * 27, 0, 27 * sizeof(float));
		memset(w2 + 3 * 72, 0, 72 * sizeof(float));
		memset(wd + 3 * 9, 0, 9 * sizeof(float));
		b1[3] = b2[3] = bdw[3] = -1;
		memset(w3 + 2 * 8, 0, 8 * sizeof(float));
		b3[2] = -1;
	}
	mg_io(&g, 0, "x", FIXTURE_FLOAT, 4, xd);
	mg_io(&g, 1, "out", FIXTURE_FLOAT, 2, od);
	fixture_conv(&g, "conv1", "x", "c1", 3, 8, 3, 1, w1, b1);
	fixture_unary(&g, "Relu", "relu1", "c1", "r1", NULL);
	fixture_conv(&g, "conv2", "r1", "c2", 8, 8, 3, 1, w2, b2);
	fixture_unary(&g, "Relu", "relu2", "c2", "r2", NULL);
	mg_node(&g, "Add", "add", add_in, "a", NULL);
	fixture_conv(&g, "dw", "a", "d", 8, 8, 3, 8, wd, bdw);
	fixture_unary(&g, "Relu", "relu3", "d", "r3", NULL);
	fixture_conv(&g, "conv3", "r3", "c3", 8, 6, 1, 1, w3, b3);
	fixture_unary(&g, "Relu", "relu4", "c3", "r4", NULL);
	fixture_unary(&g, "MaxPool", "pool", "r4", "p", pool_at);
	mg_node(&g, "Flatten", "flat", flat_in, "f", NULL);
	mg_init(&g, "fc_w", FIXTURE_FLOAT, 2, fd, fc, sizeof(fc));
	mg_node(&g, "Gemm", "gemm", gemm_in, "out", gemm_at);
	return mg_write(&g, "chain", path);
}

