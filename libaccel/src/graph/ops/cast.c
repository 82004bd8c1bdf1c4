// SPDX-License-Identifier: MIT
/*
 * Cast between the numeric types and bool. Float to integer truncates
 * toward zero and saturates (NaN -> 0: ONNX leaves out-of-range values
 * undefined, and C would too); integer to integer wraps as ONNX Runtime
 * does; anything to bool is x != 0.
 */
#include <errno.h>

#include "graph/ops/ops.h"

static int infer_cast(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	int64_t to = gr_attr_int(n, "to", 0);
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (!gr_attr_find(n, "to"))
		return NODE_ERR(err, -EINVAL, n, "the 'to' attribute is required");
	if (to < 0 || to > 64 || !gr_dtype_supported((int)to))
		return NODE_ERR(err, -EOPNOTSUPP, n, "cast to %s is not supported",
				gr_dtype_name((int)to));
	gr_set_shape(&out[0], (int)to, in[0]->rank, in[0]->dims);
	return 0;
}

static int ref_cast(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];

	(void)n;
	(void)err;
	for (size_t i = 0; i < x->count; i++) {
		if (gr_dtype_is_float(x->dtype))
			gr_value_set_f(o, i, gr_value_get_f(x, i));
		else if (x->dtype == GR_UINT64 && gr_dtype_is_float(o->dtype))
			gr_value_set_f(o, i, (double)((const uint64_t *)x->data)[i]);
		else
			gr_value_set_i(o, i, gr_value_get_i(x, i));
	}
	return 0;
}

const struct gr_op_def gr_op_Cast = {
	.name = "Cast", .domain = "", .since = 6,
	.infer = infer_cast, .ref = ref_cast,
};
