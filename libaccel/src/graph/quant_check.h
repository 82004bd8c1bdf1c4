/* SPDX-License-Identifier: MIT */
/*
 * Quantization scales checked on their values, by every quantized op's
 * shape inference (graph/ops/), so the rule holds at import for
 * initializers and before every CPU kernel for values fed at run time:
 * each scale finite and above 0. A NaN or infinite scale would reach a
 * float-to-int conversion (undefined behaviour); 0 or a negative one has
 * no meaning. Zero points need no value check: the ops require them to
 * have their tensor's type, whose range is theirs. Shapes (scalar or one
 * per channel) are gr_check_param's (graph/ops/ops.h).
 */
#ifndef GR_QUANT_CHECK_H
#define GR_QUANT_CHECK_H

#include "graph/graph.h"

/*
 * Scale v (may be NULL, or without data when only its shape is known:
 * nothing to check) of node n, named what in the message. Returns 0 or
 * -EINVAL naming the node, the scale and the element.
 */
int gr_check_scale_values(const struct gr_node *n, const struct gr_value *v,
			  const char *what, struct gr_err *err);

#endif /* GR_QUANT_CHECK_H */
