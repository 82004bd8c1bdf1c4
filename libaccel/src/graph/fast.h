/* SPDX-License-Identifier: MIT */
/*
 * The fast CPU path for float Conv, Gemm and MatMul (OpenBLAS sgemm; Conv
 * through im2col), for the runner's CPU layers and calibration, which runs
 * the float model many times. The reference kernels (ref.h) stay the
 * independent check: accel_model_reference() and --check use only them,
 * and tests/unit/graph/test_fast.c compares the two.
 *
 * Results differ from the reference by float32 rounding only: sgemm sums
 * in float32 (in its own order), the reference in double.
 */
#ifndef GR_FAST_H
#define GR_FAST_H

#include "graph/graph.h"

/*
 * Runs node n like gr_ref_node() if the fast path covers it (float32
 * Conv 1-D/2-D, Gemm, MatMul with a 2-D B), else returns -ENOSYS and
 * leaves out[] alone.
 */
int gr_fast_node(const struct gr_node *n, const struct gr_value *const *in,
		 struct gr_value **out, struct gr_err *err);

#endif /* GR_FAST_H */
