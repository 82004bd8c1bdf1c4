/* SPDX-License-Identifier: MIT */
/*
 * Quantization parameters of a node, checked on their values before any
 * kernel or lowering uses them: every scale finite and above 0, every
 * zero point within the range of the type it offsets, and per-axis
 * parameters exactly as long as their axis. One rule for every quantized
 * op, whether the parameters are initializers or fed at run time.
 */
#ifndef GR_QUANT_CHECK_H
#define GR_QUANT_CHECK_H

#include "graph/graph.h"

/*
 * in[] as for gr_ref_node (NULL for omitted optionals); parameters whose
 * data is not known (NULL data) are skipped, as are ops without any.
 * Returns 0 or -EINVAL naming the node, the parameter and the fix.
 */
int gr_quant_params_check(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_err *err);

#endif /* GR_QUANT_CHECK_H */
