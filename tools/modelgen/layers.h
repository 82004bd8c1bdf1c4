/* SPDX-License-Identifier: MIT */
/*
 * Quantized layers of the generated networks: each call adds the ONNX nodes
 * and initializers of one layer and computes its int8 output on the seeded
 * calibration input, so the next layer's scales are chosen from real data.
 *
 * Scales (docs/models.md, "Generated networks"): activations use powers of
 * two, weights a 12-bit odd mantissa times a power of two, so every
 * requantization multiplier is exact in the device's fixed-point form and
 * rounding ties cannot occur: the device is bit-exact with the reference.
 * With float_scales they are arbitrary floats instead.
 */
#ifndef MG_LAYERS_H
#define MG_LAYERS_H

#include <stdint.h>
#include <stdio.h>

#include "onnxw.h"

struct mg_act {
	char name[96];
	char scale[112], zp[112];	/* initializer names */
	int n, c, h, w;
	int e;				/* scale = 2^-e (times a factor, below) */
	float sv;			/* the scale as written to the model */
	int zp_val;			/* -128 after ReLU, else 0 */
	int8_t *q;			/* n*c*h*w values */
	/* --float networks (floatnet.c): q is NULL, f holds nb*c*h*w values */
	float *f;
	int nb;				/* samples computed (>= n, for BN stats) */
	int flat;			/* rank 2 [n, c] (after a Gemm) */
};

struct mg_net {
	struct mg_graph g;
	const char *net;		/* network name (layers.csv) */
	FILE *layers_csv;		/* shape record, layers.csv format */
	uint64_t rng;
	int verbose;
	/*
	 * --float-scales[=BITS], 0 if not given: every scale is a seeded
	 * random float (activations 2^-e times a factor in [1, 2), weights
	 * likewise near their target) whose mantissa has BITS bits (24: any
	 * float), as in a model quantized by a real tool. Requantization then
	 * meets rounding ties, the more often the shorter the mantissas, which
	 * the device resolves differently from ONNX (docs/models.md).
	 */
	int float_scales;
	/*
	 * --float: float32 layers as PyTorch exports them (Conv without bias
	 * -> BatchNormalization -> Relu, a Shape-Gather-Unsqueeze-Concat-
	 * Reshape flatten, Gemm classifiers), see floatnet.c.
	 */
	int float_model;
};

void mg_input(struct mg_net *net, struct mg_act *x, int n, int c, int h, int w);
void mg_conv(struct mg_net *net, struct mg_act *x, const char *name, int m, int k,
	     int stride, int pad, int groups, int relu, const char *csv_type);
void mg_maxpool(struct mg_net *net, struct mg_act *x, const char *name, int k,
		int stride, int pad);
/* x = relu?(x + b); b is freed. */
void mg_add(struct mg_net *net, struct mg_act *x, struct mg_act *b, const char *name,
	    int relu);
void mg_gap(struct mg_net *net, struct mg_act *x, const char *name);
void mg_fc(struct mg_net *net, struct mg_act *x, const char *name, int m, int relu);
/* A copy of x (same data, new buffer) for a residual shortcut. */
/*
 * The output columns [*lo, *hi) whose kernel column j reads inside the
 * input row (0 <= ox * stride - pad + j < w): both conv loops skip the
 * padding this way instead of testing every element.
 */
static inline void mg_conv_cols(int ow, int stride, int pad, int j, int w,
				int *lo, int *hi)
{
	*lo = 0;
	*hi = ow;
	while (*lo < ow && *lo * stride - pad + j < 0)
		(*lo)++;
	while (*hi > *lo && (*hi - 1) * stride - pad + j >= w)
		(*hi)--;
}

void mg_act_dup(const struct mg_act *x, struct mg_act *out);
void mg_act_free(struct mg_act *x);
/* Spread of int8 values: distinct values, saturated and zero-point shares. */
void mg_spread(const int8_t *q, size_t n, int zp, int *distinct, double *sat,
	       double *at_zp);

/* The float forms of the layers above (floatnet.c). */
void mgf_input(struct mg_net *net, struct mg_act *x, int n, int c, int h, int w);
void mgf_conv(struct mg_net *net, struct mg_act *x, const char *name, int m, int k,
	      int stride, int pad, int groups, int relu, const char *csv_type);
void mgf_maxpool(struct mg_net *net, struct mg_act *x, const char *name, int k,
		 int stride, int pad);
void mgf_add(struct mg_net *net, struct mg_act *x, struct mg_act *b, const char *name,
	     int relu);
void mgf_gap(struct mg_net *net, struct mg_act *x, const char *name);
void mgf_fc(struct mg_net *net, struct mg_act *x, const char *name, int m, int relu);
/* One more seeded sample of the network's input distribution (n x c x h x w). */
void mgf_sample(struct mg_net *net, float *dst, int n, int c, int h, int w);
/* Shared with floatnet.c: the seeded generator and the layers.csv record. */
uint64_t mg_rnd(struct mg_net *net);
void mg_csv_row(struct mg_net *net, const char *layer, const char *type, int n,
		int c, int m, int h, int w, int r, int s, int stride, int pad, int groups);

#endif /* MG_LAYERS_H */
