// SPDX-License-Identifier: MIT
/* Activations: Relu, Clip. */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

static int infer_clip(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (gr_node_is(n, "Relu") && in[0]->dtype != GR_FLOAT &&
	    in[0]->dtype != GR_INT8 && in[0]->dtype != GR_INT32 &&
	    in[0]->dtype != GR_INT64)
		return NODE_ERR(err, -EOPNOTSUPP, n, "Relu of %s",
				gr_dtype_name(in[0]->dtype));
	for (int i = 1; i < n->n_in && i < 3; i++)
		if (in[i] && (in[i]->dtype != in[0]->dtype ||
			      gr_dims_count(in[i]->rank, in[i]->dims) > 1))
			return NODE_ERR(err, -EINVAL, n,
					"min and max must be scalars of the input's type");
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

int gr_clip_bounds_attrs(const struct gr_node *n, double *lo, double *hi)
{
	if (!gr_attr_find(n, "min") && !gr_attr_find(n, "max"))
		return 0;
	*lo = gr_attr_float(n, "min", -3.4e38f);
	*hi = gr_attr_float(n, "max", 3.4e38f);
	return 1;
}

static int ref_clip(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];
	double lo = -INFINITY, hi = INFINITY;

	(void)err;
	if (gr_node_is(n, "Relu")) {
		lo = 0;
	} else if (!gr_clip_bounds_attrs(n, &lo, &hi)) {
		if (n->n_in > 1 && in[1] && in[1]->count)
			lo = gr_value_get_f(in[1], 0);
		if (n->n_in > 2 && in[2] && in[2]->count)
			hi = gr_value_get_f(in[2], 0);
	}
	for (size_t i = 0; i < x->count; i++) {
		double v = gr_value_get_f(x, i);

		if (v < lo)
			v = lo;
		if (v > hi)
			v = hi;
		if (o->dtype == GR_FLOAT)
			((float *)o->data)[i] = (float)v;
		else if (o->dtype == GR_INT64)
			((int64_t *)o->data)[i] = (int64_t)v;
		else
			gr_store_i(o, i, (int64_t)v);
	}
	return 0;
}

const struct gr_op_def gr_op_Relu = {
	.name = "Relu", .domain = "", .since = 1,
	.infer = infer_clip, .ref = ref_clip, .lower = lw_not_island,
	.pointwise = 1,
};

const struct gr_op_def gr_op_Clip = {
	.name = "Clip", .domain = "", .since = 1,
	.infer = infer_clip, .ref = ref_clip, .lower = lw_not_island,
	.pointwise = 1,
};
