// SPDX-License-Identifier: MIT
/* Graph plumbing that moves no values: Flatten, Reshape; and Constant. */
#include <errno.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

static int infer_flatten(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	int64_t axis = gr_attr_int(n, "axis", 1), a = 1, b = 1, dims[2];
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (axis < 0)
		axis += in[0]->rank;
	if (axis < 0 || axis > in[0]->rank)
		return NODE_ERR(err, -EINVAL, n, "axis %lld out of range for rank %d",
				(long long)gr_attr_int(n, "axis", 1), in[0]->rank);
	for (int i = 0; i < in[0]->rank; i++) {
		int64_t d = in[0]->dims[i];

		if (i < axis)
			a = (a < 0 || d < 0) ? -1 : a * d;
		else
			b = (b < 0 || d < 0) ? -1 : b * d;
	}
	dims[0] = a;
	dims[1] = b;
	gr_set_shape(&out[0], in[0]->dtype, 2, dims);
	return 0;
}

static int infer_reshape(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *s;
	int64_t dims[GR_MAX_RANK], total, known = 1;
	int allowzero = (int)gr_attr_int(n, "allowzero", 0);
	int infer_at = -1, rc;
	char b1[64];

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	x = in[0];
	s = in[1];
	if (s->dtype != GR_INT64 || s->rank != 1)
		return NODE_ERR(err, -EINVAL, n, "shape must be a 1-D int64 tensor");
	if (s->dims[0] < 0)
		return NODE_ERR(err, -EOPNOTSUPP, n, "shape of unknown length");
	if (s->dims[0] > GR_MAX_RANK)
		return NODE_ERR(err, -EOPNOTSUPP, n, "rank above %d", GR_MAX_RANK);
	if (!s->data) {
		/* shape only known at run time */
		for (int i = 0; i < s->dims[0]; i++)
			dims[i] = -1;
		gr_set_shape(&out[0], x->dtype, (int)s->dims[0], dims);
		return 0;
	}
	total = gr_dims_count(x->rank, x->dims);
	for (int i = 0; i < s->dims[0]; i++) {
		int64_t d = ((const int64_t *)s->data)[i];

		if (d == 0 && !allowzero) {
			if (i >= x->rank)
				return NODE_ERR(err, -EINVAL, n,
						"shape[%d] = 0 copies a dimension the input %s does not have",
						i, gr_dims_str(x, b1, sizeof(b1)));
			d = x->dims[i];
		}
		if (d == -1) {
			if (infer_at >= 0)
				return NODE_ERR(err, -EINVAL, n, "more than one -1 in shape");
			infer_at = i;
			dims[i] = -1;
			continue;
		}
		if (d < -1 || d > GR_MAX_ELEMS)
			return NODE_ERR(err, -EINVAL, n, "invalid shape[%d] = %lld", i,
					(long long)d);
		dims[i] = d;
		if (d >= 0)
			known *= d;
		if (known > GR_MAX_ELEMS)
			return NODE_ERR(err, -E2BIG, n, "absurd shape");
	}
	if (total >= 0) {
		if (infer_at >= 0) {
			if (known == 0 || total % known)
				return NODE_ERR(err, -EINVAL, n,
						"shape mismatch: cannot reshape %s (%lld elements) with a -1",
						gr_dims_str(x, b1, sizeof(b1)), (long long)total);
			dims[infer_at] = total / known;
		} else if (known != total) {
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: cannot reshape %s (%lld elements) into %lld elements",
					gr_dims_str(x, b1, sizeof(b1)), (long long)total,
					(long long)known);
		}
	}
	gr_set_shape(&out[0], x->dtype, (int)s->dims[0], dims);
	return 0;
}

/* Same elements, new shape: a copy on the CPU, a view on the device. */
static int ref_copy(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	(void)n;
	(void)err;
	memcpy(out[0]->data, in[0]->data, out[0]->count * gr_dtype_size(out[0]->dtype));
	return 0;
}

/* The tensor of the 'value' attribute (converted at import). */
static int constant_value(const struct gr_node *n, const struct gr_value **v,
			  struct gr_err *err)
{
	const struct gr_attr *a = gr_attr_find(n, "value");

	if (!n->n_attrs)
		return NODE_ERR(err, -EINVAL, n, "Constant without a value");
	if (!a || n->n_attrs != 1)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"only the 'value' form of Constant is supported");
	if (a->type != GR_ATTR_TENSOR || !a->t)
		return NODE_ERR(err, -EINVAL, n, "'value' must be a tensor");
	*v = a->t;
	return 0;
}

static int infer_constant(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *v;
	int rc = constant_value(n, &v, err);

	(void)in;
	if (rc)
		return rc;
	gr_set_shape(&out[0], v->dtype, v->rank, v->dims);
	return 0;
}

static int ref_constant(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *v;
	int rc = constant_value(n, &v, err);

	(void)in;
	if (rc)
		return rc;
	memcpy(out[0]->data, v->data, v->count * gr_dtype_size(v->dtype));
	return 0;
}

const struct gr_op_def gr_op_Flatten = {
	.name = "Flatten", .domain = "", .since = 1,
	.infer = infer_flatten, .ref = ref_copy, .lower = lw_view,
};

const struct gr_op_def gr_op_Reshape = {
	.name = "Reshape", .domain = "", .since = 5,
	.infer = infer_reshape, .ref = ref_copy, .lower = lw_view,
};

const struct gr_op_def gr_op_Constant = {
	.name = "Constant", .domain = "", .since = 1,
	.infer = infer_constant, .ref = ref_constant,
	.cpu_why = "constant",
};
