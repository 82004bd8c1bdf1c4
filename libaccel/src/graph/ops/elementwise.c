// SPDX-License-Identifier: MIT
/* Element-wise binary ops with numpy broadcasting: Add. */
#include <errno.h>

#include "graph/ops/ops.h"

static int infer_add(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *out, struct gr_err *err)
{
	int64_t dims[GR_MAX_RANK];
	int rc, rank;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	if (in[0]->dtype != in[1]->dtype)
		return NODE_ERR(err, -EINVAL, n, "operand types %s and %s differ",
				gr_dtype_name(in[0]->dtype), gr_dtype_name(in[1]->dtype));
	if ((rc = gr_broadcast_shape(n, in[0], in[1], &rank, dims, err)))
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, rank, dims);
	return 0;
}

static int ref_add(const struct gr_node *n, const struct gr_value *const *in,
		   struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *a = in[0], *b = in[1];
	struct gr_value *o = out[0];
	int64_t ast[GR_MAX_RANK], bst[GR_MAX_RANK];
	int r = o->rank;

	(void)n;
	(void)err;
	gr_bcast_strides(a->rank, a->dims, r, o->dims, ast);
	gr_bcast_strides(b->rank, b->dims, r, o->dims, bst);
	for (size_t i = 0; i < o->count; i++) {
		int64_t rem = (int64_t)i, ai = 0, bi = 0;

		for (int k = r - 1; k >= 0; k--) {
			int64_t idx = rem % o->dims[k];

			rem /= o->dims[k];
			ai += idx * ast[k];
			bi += idx * bst[k];
		}
		if (o->dtype == GR_FLOAT)
			((float *)o->data)[i] = ((const float *)a->data)[ai] +
						((const float *)b->data)[bi];
		else
			/* integer add wraps, as numpy's does */
			gr_store_i(o, i, gr_value_get_i(a, (size_t)ai) +
					 gr_value_get_i(b, (size_t)bi));
	}
	return 0;
}

const struct gr_op_def gr_op_Add = {
	.name = "Add", .domain = "", .since = 1,
	.infer = infer_add, .ref = ref_add,
};
