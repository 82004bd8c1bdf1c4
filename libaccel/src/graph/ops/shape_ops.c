// SPDX-License-Identifier: MIT
/*
 * Graph plumbing that keeps the values and changes the shape, for any
 * dtype: Identity, Dropout (inference), Flatten, Reshape, Squeeze,
 * Unsqueeze, Expand; and the shape sources Shape, Constant, ConstantOfShape.
 */
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

static int infer_identity(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value *out, struct gr_err *err)
{
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

/*
 * Dropout at inference is the identity; the optional mask is all true
 * (bool from opset 10, the input's type before). Training mode with a
 * nonzero ratio would be random: refused.
 */
static int infer_dropout(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *tm = n->opset >= 12 ? gr_opt(n, in, 2) : NULL;
	const struct gr_value *ratio = n->opset >= 12 ? gr_opt(n, in, 1) : NULL;
	int rc;

	if ((rc = infer_identity(n, in, out, err)))
		return rc;
	if (tm && (tm->dtype != GR_BOOL || gr_dims_count(tm->rank, tm->dims) != 1))
		return NODE_ERR(err, -EINVAL, n, "training_mode must be a bool scalar");
	if (tm && !tm->data)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"training_mode must be a constant (inference only)");
	if (ratio && ratio->data && gr_dims_count(ratio->rank, ratio->dims) != 1)
		return NODE_ERR(err, -EINVAL, n, "ratio must be a scalar");
	if (tm && gr_value_get_i(tm, 0) && (!ratio || !ratio->data ||
					    gr_value_get_f(ratio, 0) != 0))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"Dropout in training mode is random; only inference (training_mode false) is supported");
	if (n->n_out > 1)
		gr_set_shape(&out[1], n->opset >= 10 ? GR_BOOL : in[0]->dtype, in[0]->rank,
			     in[0]->dims);
	return 0;
}

static int ref_dropout(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	ref_copy(n, in, out, err);
	if (n->n_out > 1)
		for (size_t i = 0; i < out[1]->count; i++)
			gr_value_set_i(out[1], i, 1);
	return 0;
}

/* Shape (start / end from opset 15, clamped like Python slices). */
static int shape_span(const struct gr_node *n, const struct gr_value *x, int64_t *start,
		      int64_t *end)
{
	int64_t r = x->rank, s = gr_attr_int(n, "start", 0), e = gr_attr_int(n, "end", r);

	if (s < 0)
		s += r;
	if (e < 0)
		e += r;
	s = s < 0 ? 0 : s > r ? r : s;
	e = e < 0 ? 0 : e > r ? r : e;
	*start = s;
	*end = e > s ? e : s;
	return 0;
}

static int infer_shape(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	int64_t s, e, d;
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	shape_span(n, in[0], &s, &e);
	d = e - s;
	gr_set_shape(&out[0], GR_INT64, 1, &d);
	return 0;
}

/* Reads only the input's dims: it may be folded before any data exists. */
static int ref_shape(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	int64_t s, e;

	(void)err;
	shape_span(n, in[0], &s, &e);
	for (int64_t k = s; k < e; k++)
		((int64_t *)out[0]->data)[k - s] = in[0]->dims[k];
	return 0;
}

/* Squeeze / Unsqueeze axes: an attribute before opset 13, an input from 13. */
static int axes_of(const struct gr_node *n, const struct gr_value *const *in, int64_t *axes,
		   struct gr_err *err)
{
	const int64_t *v;
	int na;

	if (n->opset >= 13) {
		const struct gr_value *a = gr_opt(n, in, 1);

		return a ? gr_int_list(n, a, "axes", axes, GR_MAX_RANK, err) : 0;
	}
	na = gr_attr_ints(n, "axes", &v);
	if (na > GR_MAX_RANK)
		return NODE_ERR(err, -EINVAL, n, "too many axes");
	if (na > 0)
		memcpy(axes, v, (size_t)na * sizeof(int64_t));
	return na < 0 ? 0 : na;
}

static int infer_squeeze(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x;
	int64_t axes[GR_MAX_RANK], dims[GR_MAX_RANK];
	char drop[GR_MAX_RANK] = { 0 };
	int na, rc, r = 0;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	x = in[0];
	if ((na = axes_of(n, in, axes, err)) == -EAGAIN)
		return gr_unknown_dims(&out[0], x->dtype, x->rank - (int)in[1]->dims[0]);
	if (na < 0)
		return na;
	for (int i = 0; i < na; i++) {
		int64_t a;

		if ((rc = gr_axis(n, axes[i], x->rank, &a, err)))
			return rc;
		if (x->dims[a] != 1 && x->dims[a] >= 0)
			return NODE_ERR(err, -EINVAL, n,
					"cannot squeeze axis %lld of size %lld (only size-1 axes)",
					(long long)axes[i], (long long)x->dims[a]);
		drop[a] = 1;
	}
	for (int k = 0; k < x->rank; k++) {
		if (!na && x->dims[k] < 0)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"Squeeze without axes needs known dims");
		if (na ? drop[k] : x->dims[k] == 1)
			continue;
		dims[r++] = x->dims[k];
	}
	gr_set_shape(&out[0], x->dtype, r, dims);
	return 0;
}

static int infer_unsqueeze(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x;
	int64_t axes[GR_MAX_RANK], dims[GR_MAX_RANK];
	char add[GR_MAX_RANK] = { 0 };
	int na, rc, r, k = 0;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	x = in[0];
	if ((na = axes_of(n, in, axes, err)) == -EAGAIN)
		return gr_unknown_dims(&out[0], x->dtype, x->rank + (int)in[1]->dims[0]);
	if (na < 0)
		return na;
	if (!na)
		return NODE_ERR(err, -EINVAL, n, "axes are required");
	r = x->rank + na;
	if (r > GR_MAX_RANK)
		return NODE_ERR(err, -EOPNOTSUPP, n, "rank above %d", GR_MAX_RANK);
	for (int i = 0; i < na; i++) {
		int64_t a;

		if ((rc = gr_axis(n, axes[i], r, &a, err)))
			return rc;
		if (add[a])
			return NODE_ERR(err, -EINVAL, n, "axis %lld is listed twice",
					(long long)axes[i]);
		add[a] = 1;
	}
	for (int j = 0; j < r; j++)
		dims[j] = add[j] ? 1 : x->dims[k++];
	gr_set_shape(&out[0], x->dtype, r, dims);
	return 0;
}

/* Expand: bidirectional broadcast of the input with the `shape` input. */
static int infer_expand(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	struct gr_value sh = { 0 };
	int64_t dims[GR_MAX_RANK];
	int rc, rank, ns;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	if ((ns = gr_int_list(n, in[1], "shape", sh.dims, GR_MAX_RANK, err)) == -EAGAIN)
		return gr_unknown_dims(&out[0], in[0]->dtype,
				       in[0]->rank > in[1]->dims[0] ? in[0]->rank : (int)in[1]->dims[0]);
	if (ns < 0)
		return ns;
	sh.rank = ns;
	for (int k = 0; k < ns; k++)
		if (sh.dims[k] < 0)
			return NODE_ERR(err, -EINVAL, n, "negative dimension in shape");
	if ((rc = gr_broadcast_shape(n, in[0], &sh, &rank, dims, err)))
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, rank, dims);
	return 0;
}

static int ref_expand(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	size_t esz = gr_dtype_size(in[0]->dtype);
	struct gr_bcast b;

	(void)n;
	(void)err;
	gr_bcast_init(&b, in[0], out[0]);
	for (size_t i = 0; i < out[0]->count; i++)
		memcpy((char *)out[0]->data + i * esz,
		       (const char *)in[0]->data + gr_bcast_off(&b, i) * esz, esz);
	return 0;
}

/* ConstantOfShape: `value` (one element, default float 0) in every place. */
static int infer_constantofshape(const struct gr_node *n, const struct gr_value *const *in,
				 struct gr_value *out, struct gr_err *err)
{
	const struct gr_attr *a = gr_attr_find(n, "value");
	int64_t dims[GR_MAX_RANK];
	int rc, ns;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (a && (a->type != GR_ATTR_TENSOR || !a->t || a->t->count != 1))
		return NODE_ERR(err, -EINVAL, n, "value must be a one-element tensor");
	if ((ns = gr_int_list(n, in[0], "shape", dims, GR_MAX_RANK, err)) == -EAGAIN)
		return gr_unknown_dims(&out[0], a ? a->t->dtype : GR_FLOAT, (int)in[0]->dims[0]);
	if (ns < 0)
		return ns;
	for (int k = 0; k < ns; k++)
		if (dims[k] < 0)
			return NODE_ERR(err, -EINVAL, n, "negative dimension in shape");
	gr_set_shape(&out[0], a ? a->t->dtype : GR_FLOAT, ns, dims);
	return 0;
}

static int ref_constantofshape(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value **out, struct gr_err *err)
{
	const struct gr_attr *a = gr_attr_find(n, "value");
	size_t esz = gr_dtype_size(out[0]->dtype);

	(void)in;
	(void)err;
	if (a)
		for (size_t i = 0; i < out[0]->count; i++)
			memcpy((char *)out[0]->data + i * esz, a->t->data, esz);
	return 0;
}

const struct gr_op_def gr_op_Identity = {
	.name = "Identity", .domain = "", .since = 1,
	.infer = infer_identity, .ref = ref_copy,
};

const struct gr_op_def gr_op_Dropout = {
	.name = "Dropout", .domain = "", .since = 7,
	.infer = infer_dropout, .ref = ref_dropout,
};

const struct gr_op_def gr_op_Shape = {
	.name = "Shape", .domain = "", .since = 1,
	.infer = infer_shape, .ref = ref_shape,
};

const struct gr_op_def gr_op_Squeeze = {
	.name = "Squeeze", .domain = "", .since = 1,
	.infer = infer_squeeze, .ref = ref_copy,
};

const struct gr_op_def gr_op_Unsqueeze = {
	.name = "Unsqueeze", .domain = "", .since = 1,
	.infer = infer_unsqueeze, .ref = ref_copy,
};

const struct gr_op_def gr_op_Expand = {
	.name = "Expand", .domain = "", .since = 8,
	.infer = infer_expand, .ref = ref_expand,
};

const struct gr_op_def gr_op_ConstantOfShape = {
	.name = "ConstantOfShape", .domain = "", .since = 9,
	.infer = infer_constantofshape, .ref = ref_constantofshape,
};

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
