/* SPDX-License-Identifier: MIT */
/*
 * CPU reference: every supported op with ONNX semantics (float scales,
 * rounding half to even, saturation). Used by --check and as the CPU
 * fallback for what the device cannot run.
 */
#ifndef GR_REF_H
#define GR_REF_H

#include "graph/graph.h"

/*
 * Runs node n on the values in[] (NULL for omitted optionals) and allocates
 * its outputs in out[]. Returns 0 or a negative errno with the reason.
 */
int gr_ref_node(const struct gr_node *n, const struct gr_value *const *in,
		struct gr_value **out, struct gr_err *err);

/*
 * QLinearConv / QLinearMatMul's requantization as ONNX Runtime computes
 * it: fl32(acc) * scale in float, rounded half to even, + zp, saturated.
 */
int32_t gr_ref_requant_f32(int64_t acc, float scale, int32_t zp, int dtype);

/*
 * Adds bias (in units of the output's last place) to the value before every
 * rounding to an integer type, in this thread, until set back to 0. The
 * layer-wise check (model/check.c) runs a layer's reference with +bias and
 * -bias to find the elements that lie within bias of a rounding tie.
 */
void gr_ref_set_round_bias(double bias);

#endif /* GR_REF_H */
