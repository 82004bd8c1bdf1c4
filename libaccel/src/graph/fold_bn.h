/* SPDX-License-Identifier: MIT */
/*
 * BatchNormalization folding: a graph transform that import applies to every
 * model (before shape inference).
 *
 * In inference, BatchNormalization is the per-channel affine map
 *   y = (x - mean) * s + beta,   s = scale / sqrt(var + epsilon),
 * so when x is the output of a Conv or Gemm whose weights are constants, it
 * folds into them: W'[m] = W[m] * s[m], b'[m] = (b[m] - mean[m]) * s[m] +
 * beta[m], computed in double and rounded once to float. The BN node goes
 * away and the Conv/Gemm writes the BN's output tensor, so every later node
 * and graph output keeps its names.
 *
 * A BN is folded only when all of these hold (otherwise it stays, and runs
 * as a CPU op):
 * - its input is output 0 of a Conv or a Gemm, read by nothing else and not
 *   a graph output;
 * - the Conv/Gemm's weights, its bias if any, and the BN's scale, B, mean
 *   and var are float constants with one value per output channel;
 * - the BN has one output (inference form, no training statistics);
 * - Gemm: beta is 1, C (if any) has one value per output column or is a
 *   scalar (a full [N, M] C is not per channel).
 * MatMul has no bias input, so a BN after it is left alone.
 * The folded weights and bias are new constant tensors
 * ("<weights>.bnfold<k>"): an initializer shared with another node is
 * never changed.
 */
#ifndef GR_FOLD_BN_H
#define GR_FOLD_BN_H

#include "graph/graph.h"

/* Returns the number of BatchNormalization nodes folded, or -errno. */
int gr_fold_batchnorm(struct gr_graph *g, struct gr_err *err);

#endif /* GR_FOLD_BN_H */
