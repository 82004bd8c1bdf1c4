/* SPDX-License-Identifier: MIT */
/*
 * The fast CPU path for float work, for the runner's CPU layers and for
 * calibration, which runs the float model many times: Conv (im2col, or the
 * input itself for an unpadded 1x1 stride-1 conv, into OpenBLAS sgemm; a
 * direct loop for depthwise convs), ConvTranspose (sgemm then col2im),
 * Gemm, MatMul with a 2-D B, and plain float loops for Relu, Clip, Add of
 * equal shapes, MaxPool and GlobalAveragePool. A Conv may carry a fused
 * epilogue (the Add and Relu / Clip that follow it in the graph). The
 * reference kernels (ref.h) stay the independent check:
 * accel_model_reference() and --check use only them, and
 * tests/unit/graph/test_fast.c compares the two on every path here.
 *
 * Results differ from the reference by float32 rounding only: sgemm sums
 * in float32 (in its own order), the reference in double.
 */
#ifndef GR_FAST_H
#define GR_FAST_H

#include "graph/graph.h"

/*
 * What a Conv's output loop applies after its sum and bias, for the nodes
 * fused into it: y = clamp(y + add) with add (or NULL) a float value of
 * exactly the output's shape, and clamp (when set) to [lo, hi] as Relu or
 * Clip do it (NaN passes).
 */
struct gr_fast_epi {
	const struct gr_value *add;
	int clamp;
	float lo, hi;
};

/*
 * Runs node n like gr_ref_node() if the fast path covers it, else returns
 * -ENOSYS and leaves out[] alone (the reference then runs it, and reports
 * what is wrong with a malformed node).
 */
int gr_fast_node(const struct gr_node *n, const struct gr_value *const *in,
		 struct gr_value **out, struct gr_err *err);

/*
 * The same with Conv's epilogue e (NULL: none): -ENOSYS for any other
 * op, or when e->add does not have the output's shape.
 */
int gr_fast_node_epi(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, const struct gr_fast_epi *e, struct gr_err *err);

/*
 * The float bounds of a Relu (lo 0) or Clip node (attributes, or float
 * scalar inputs in[1] / in[2]; unbounded sides +-infinity): 0, or -ENOSYS
 * when n is neither or its bounds are not float scalars.
 */
int gr_fast_clip_bounds(const struct gr_node *n, const struct gr_value *const *in,
			float *lo, float *hi);

#endif /* GR_FAST_H */
