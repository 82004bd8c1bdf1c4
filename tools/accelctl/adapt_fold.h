/* SPDX-License-Identifier: MIT */
/*
 * BatchNormalization folded into the Conv before it, in a float ONNX model:
 * W' = W gamma / sqrt(var + eps), b' = (b - mean) gamma / sqrt(var + eps)
 * + beta, computed in double, the BN removed and the conv writing its
 * output. Only where the conv's output feeds nothing but the BN, is no
 * graph output, and the weights are not shared (else the BN stays).
 * adapt folds first: it runs models with inner tensors as extra graph
 * outputs, which keeps libaccel's import from folding them.
 */
#ifndef ACCELCTL_ADAPT_FOLD_H
#define ACCELCTL_ADAPT_FOLD_H

#include "onnx_edit.h"

/* 0 (*folded: how many) or -1 (out of memory). */
int adapt_fold_bn(Onnx__GraphProto *g, int *folded);

#endif /* ACCELCTL_ADAPT_FOLD_H */
