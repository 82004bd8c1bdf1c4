/* SPDX-License-Identifier: MIT */
/* Float ONNX models and data for accelctl adapt's tests. */
#ifndef NETADAPT_FIXTURE_H
#define NETADAPT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "onnxw.h"

#define FIXTURE_FLOAT 1

/* Seeded uniform values in [-1, 1) (the seed is reset by fixture_chain). */
float fixture_rand(void);
void fixture_fill(float *v, size_t n, float scale);
/* A Conv node NAME (k x k, same padding, bias); w, b override the seeded values. */
void fixture_conv(struct mg_graph *g, const char *name, const char *in, const char *out,
		  int cin, int cout, int k, int group, float *w, float *b);
void fixture_unary(struct mg_graph *g, const char *op, const char *name, const char *in,
		   const char *out, Onnx__AttributeProto **at);
/*
 * x[1,3,8,8] -> conv1 (8) -> relu1 -> conv2 (8) -> relu2 -> add(relu1, relu2)
 * -> dw (depthwise 8) -> relu3 -> conv3 (1x1, 6) -> relu4 -> maxpool 2x2
 * -> flatten -> gemm (96 -> 5) -> out. dead: channel 3 of the tie group and
 * channel 2 of conv3 never fire (zero filters, negative biases).
 * Returns 0 or -1.
 */
int fixture_chain(const char *path, bool dead);

#endif /* NETADAPT_FIXTURE_H */
