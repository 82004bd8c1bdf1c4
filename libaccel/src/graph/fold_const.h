/* SPDX-License-Identifier: MIT */
/*
 * Constant folding, a graph transform import applies to every model after
 * shape inference: a node whose inputs are all constants (a Shape: whose
 * input's shape is fully known) is evaluated once with its CPU kernel and
 * its outputs become constants (up to 65536 elements: this is for shapes
 * and indices, not for precomputing layers). Inference then runs again, so
 * that a Reshape fed a folded shape has a known output shape. The nodes
 * stay in the graph (their outputs hold values, so nothing recomputes
 * them); a node the kernel cannot evaluate is simply left to run time.
 * Returns the number of nodes folded, or -errno.
 */
#ifndef GR_FOLD_CONST_H
#define GR_FOLD_CONST_H

#include "graph/graph.h"

int gr_fold_constants(struct gr_graph *g, struct gr_err *err);

#endif /* GR_FOLD_CONST_H */
