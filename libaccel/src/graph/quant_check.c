// SPDX-License-Identifier: MIT
/* Quantization scale values (quant_check.h). */
#include <errno.h>
#include <math.h>

#include "graph/quant_check.h"

int gr_check_scale_values(const struct gr_node *n, const struct gr_value *v,
			  const char *what, struct gr_err *err)
{
	/* a scale of another type is refused by the op's type checks */
	if (!v || !v->data || v->dtype != GR_FLOAT)
		return 0;
	for (size_t i = 0; i < v->count; i++) {
		float s = ((const float *)v->data)[i];

		if (!isfinite(s) || !(s > 0))
			return gr_err_set(err, -EINVAL,
					  "node '%s' (%s): %s[%zu] = %g: a scale must be finite and above 0 (the model's quantization is broken: quantize it again)",
					  n->name, n->op_type, what, i, (double)s);
	}
	return 0;
}
