/* SPDX-License-Identifier: MIT */
/*
 * The exporter-style corpus (corpusgen): a small float network description,
 * run in float on a seeded calibration batch (so every tensor has the
 * min/max a MinMax calibrator would see), then written in one of three
 * forms as real tools write them:
 *  - CG_FLOAT: a PyTorch export (torch.onnx.export, opset 13-17): Conv
 *    without bias before BatchNormalization, "/module/Op" node names,
 *    "module.weight" initializers, a dynamic batch dim_param, value_info;
 *  - CG_QOP: ONNX Runtime's quantizer, QuantFormat.QOperator (u8
 *    activations, s8 per-channel weights, com.microsoft QLinear* ops);
 *  - CG_QDQ: the same quantizer, QuantFormat.QDQ (QuantizeLinear /
 *    DequantizeLinear pairs, per-channel weights with axis 0).
 */
#ifndef MG_CORPUS_H
#define MG_CORPUS_H

#include <stdint.h>

#include "onnxw.h"

enum cg_op {
	CG_INPUT, CG_CONV, CG_BN, CG_RELU, CG_CLIP6, CG_LEAKY, CG_SIGMOID,
	CG_ADD, CG_MUL, CG_CONCAT, CG_AVGPOOL, CG_MAXPOOL, CG_GAP, CG_RESIZE2X,
	CG_FLATTEN, CG_GEMM, CG_SOFTMAX, CG_MATMUL,
};

enum cg_form { CG_FLOAT, CG_QOP, CG_QDQ };

#define CG_MAX_NODES 96

struct cg_node {
	enum cg_op op;
	char mod[64];		/* PyTorch module path, "layer1.0.conv1" */
	int in[2], nin;		/* producers (CONCAT: in[0..nin-1]) */
	int c, h, w;		/* output per sample; 2-D tensors: h = w = 1 */
	int rank;		/* 4 (NCHW) or 2 (N x C) */
	int m, k, stride, pad, groups;	/* CONV (k x k), GEMM/MATMUL (m), pools */
	float *wt, *bias;	/* CONV: m x c/groups x k x k; GEMM, MATMUL: m x c */
	float *gamma, *beta, *mean, *var;	/* BN */
	float alpha;		/* LEAKY */
	float *v;		/* values on the calibration batch */
	float lo, hi;		/* their min and max */
	int flatten_shape_subgraph;	/* FLATTEN: Shape->Gather->...->Reshape */
};

struct cg_net {
	struct cg_node nd[CG_MAX_NODES];
	int n;
	int batch;		/* calibration batch */
	uint64_t rng;
};

/* Builders: each adds a node, computes it on the calibration batch and
 * returns its index. */
int cg_input(struct cg_net *net, int c, int h, int w);
int cg_conv(struct cg_net *net, int x, const char *mod, int m, int k, int stride,
	    int groups, int bias);
int cg_bn(struct cg_net *net, int x, const char *mod);
int cg_act(struct cg_net *net, int x, enum cg_op op, const char *mod, float alpha);
int cg_binary(struct cg_net *net, enum cg_op op, int a, int b, const char *mod);
int cg_concat(struct cg_net *net, int a, int b, const char *mod);
int cg_pool(struct cg_net *net, int x, enum cg_op op, const char *mod, int k, int stride,
	    int pad);
int cg_unary(struct cg_net *net, int x, enum cg_op op, const char *mod);
int cg_flatten(struct cg_net *net, int x, const char *mod, int shape_subgraph);
int cg_gemm(struct cg_net *net, int x, const char *mod, int m);
/* nn.Linear without bias as PyTorch exports it for some inputs: MatMul by a
 * c x m initializer (float form only). */
int cg_matmul(struct cg_net *net, int x, const char *mod, int m);

float cg_uniform(struct cg_net *net, float lo, float hi);
/* A seeded input batch: n x c x h x w values, roughly normal (an image
 * normalized with ImageNet statistics). */
void cg_fill_input(uint64_t *rng, float *v, size_t count);
size_t cg_count(const struct cg_node *t, int batch);
void cg_net_free(struct cg_net *net);

/* Writes the model; *out_scale gets the final DequantizeLinear's scale
 * (quantized forms) or 0. Returns 0 or -1. */
struct cg_model {
	const char *name;
	enum cg_form form;
	int opset;
	int dynamic_batch;	/* input/output batch is the dim_param "batch_size" */
	int fixed_batch;	/* otherwise */
	/* CG_FLOAT with BatchNormalization folded into the convs by the
	 * exporter's constant folding: weights and biases are "onnx::Conv_N" */
	int folded_names;
};
int cg_write(struct cg_net *net, const struct cg_model *m, const char *path,
	     float *out_scale);

#endif /* MG_CORPUS_H */
