// SPDX-License-Identifier: MIT
/*
 * Ops that move elements, for any dtype: Concat, Split, Slice, Transpose,
 * Pad, Gather, Tile. Every index they compute is checked against the
 * shapes their inference validated.
 */
#include <errno.h>
#include <string.h>

#include "graph/ops/ops.h"

/* outer x (axis extent) x inner decomposition of x around `axis`. */
static void around(const struct gr_value *x, int64_t axis, int64_t *outer, int64_t *inner)
{
	*outer = *inner = 1;
	for (int k = 0; k < x->rank; k++) {
		if (k < axis)
			*outer *= x->dims[k];
		else if (k > axis)
			*inner *= x->dims[k];
	}
}

/*
 * Concat's shape: the `count` tensors xs[] (NULL entries skipped) joined on
 * the node's axis; in messages input k is xs[k] as the caller numbers it
 * (idx[k], or k when idx is NULL).
 */
int gr_concat_infer(const struct gr_node *n, const struct gr_value *const *xs, const int *idx,
		    int count, struct gr_value *out, struct gr_err *err)
{
	const struct gr_attr *ax = gr_attr_find(n, "axis");
	int64_t dims[GR_MAX_RANK], axis;
	int first = -1;
	char b1[64], b2[64];

	if (!ax)
		return NODE_ERR(err, -EINVAL, n, "the axis attribute is required");
	for (int i = 0; i < count; i++) {
		int ii = idx ? idx[i] : i, fi;
		int rc;

		if (!xs[i])
			continue;
		if (xs[i]->rank < 0)
			return NODE_ERR(err, -EINVAL, n, "input %d has no known rank", ii);
		if (first < 0) {
			first = i;
			if ((rc = gr_axis(n, ax->i, xs[i]->rank, &axis, err)))
				return rc;
			memcpy(dims, xs[i]->dims, sizeof(dims));
			dims[axis] = 0;
		}
		fi = idx ? idx[first] : first;
		if (xs[i]->dtype != xs[first]->dtype || xs[i]->rank != xs[first]->rank)
			return NODE_ERR(err, -EINVAL, n,
					"inputs %d %s (%s) and %d %s (%s) differ in type or rank",
					fi, gr_dims_str(xs[first], b1, sizeof(b1)),
					gr_dtype_name(xs[first]->dtype), ii,
					gr_dims_str(xs[i], b2, sizeof(b2)),
					gr_dtype_name(xs[i]->dtype));
		for (int k = 0; k < xs[i]->rank; k++) {
			int64_t d = xs[i]->dims[k], f = xs[first]->dims[k];

			if (k != axis && d >= 0 && f >= 0 && d != f)
				return NODE_ERR(err, -EINVAL, n,
						"shape mismatch: input %d %s and input %d %s differ off axis %lld",
						fi, gr_dims_str(xs[first], b1, sizeof(b1)), ii,
						gr_dims_str(xs[i], b2, sizeof(b2)), (long long)axis);
		}
		dims[axis] = (dims[axis] < 0 || xs[i]->dims[axis] < 0) ? -1 :
			     dims[axis] + xs[i]->dims[axis];
	}
	if (first < 0)
		return NODE_ERR(err, -EINVAL, n, "needs at least one input");
	gr_set_shape(&out[0], xs[first]->dtype, xs[first]->rank, dims);
	return 0;
}

static int infer_concat(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	for (int i = 0; i < n->n_in; i++) {
		int rc;

		if (in[i] && (rc = gr_need(n, in, i, err)))
			return rc;
	}
	return gr_concat_infer(n, in, NULL, n->n_in, out, err);
}

int gr_concat_axis(const struct gr_node *n, const struct gr_value *o, int64_t *outer,
		   int64_t *inner, struct gr_err *err)
{
	int64_t axis;
	int rc;

	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), o->rank, &axis, err)))
		return rc;
	around(o, axis, outer, inner);
	return (int)axis;
}

static int ref_concat(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	struct gr_value *o = out[0];
	size_t esz = gr_dtype_size(o->dtype);
	int64_t outer, inner, off = 0;
	int axis = gr_concat_axis(n, o, &outer, &inner, err);

	if (axis < 0)
		return axis;
	for (int i = 0; i < n->n_in; i++) {
		int64_t len;

		if (!in[i])
			continue;
		len = in[i]->dims[axis];
		for (int64_t k = 0; k < outer; k++)
			memcpy((char *)o->data + (size_t)((k * o->dims[axis] + off) * inner) * esz,
			       (const char *)in[i]->data + (size_t)(k * len * inner) * esz,
			       (size_t)(len * inner) * esz);
		off += len;
	}
	return 0;
}

/* Split sizes: 'split' input (13+) or attribute, num_outputs (18+), or equal. */
static int split_sizes(const struct gr_node *n, const struct gr_value *const *in,
		       const struct gr_value *x, int64_t axis, int64_t *sz, struct gr_err *err)
{
	int64_t d = x->dims[axis], total = 0;
	int ns;

	if (n->opset >= 13 && gr_opt(n, in, 1)) {
		if ((ns = gr_int_list(n, in[1], "split", sz, GR_MAX_OUTPUTS, err)) < 0)
			return ns;
	} else {
		const int64_t *v;

		ns = gr_attr_ints(n, "split", &v);
		if (ns > GR_MAX_OUTPUTS)
			return NODE_ERR(err, -EINVAL, n, "too many split sizes");
		if (ns > 0)
			memcpy(sz, v, (size_t)ns * sizeof(int64_t));
	}
	if (ns > 0) {
		if (ns != n->n_out)
			return NODE_ERR(err, -EINVAL, n, "%d split sizes for %d outputs",
					ns, n->n_out);
		for (int i = 0; i < ns; i++) {
			if (sz[i] < 0)
				return NODE_ERR(err, -EINVAL, n, "negative split size");
			total += sz[i];
		}
		if (d >= 0 && total != d)
			return NODE_ERR(err, -EINVAL, n,
					"split sizes add up to %lld but axis %lld has %lld",
					(long long)total, (long long)axis, (long long)d);
		return 0;
	}
	if (d < 0)
		return NODE_ERR(err, -EOPNOTSUPP, n, "split of an axis of unknown size");
	if (gr_attr_find(n, "num_outputs")) {
		int64_t k = gr_attr_int(n, "num_outputs", 1), part;

		if (k != n->n_out || k < 1)
			return NODE_ERR(err, -EINVAL, n, "num_outputs %lld but %d outputs",
					(long long)k, n->n_out);
		part = (d + k - 1) / k;
		for (int i = 0; i < n->n_out; i++) {
			sz[i] = d - total < part ? d - total : part;
			total += sz[i];
		}
		return 0;
	}
	if (d % n->n_out)
		return NODE_ERR(err, -EINVAL, n, "axis of size %lld does not split into %d equal parts",
				(long long)d, n->n_out);
	for (int i = 0; i < n->n_out; i++)
		sz[i] = d / n->n_out;
	return 0;
}

static int infer_split(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	int64_t axis, sz[GR_MAX_OUTPUTS], dims[GR_MAX_RANK];
	int rc;

	if ((rc = gr_need(n, in, 0, err)) ||
	    (rc = gr_axis(n, gr_attr_int(n, "axis", 0), in[0]->rank, &axis, err)))
		return rc;
	if (in[0]->dims[axis] < 0) {
		memcpy(dims, in[0]->dims, sizeof(dims));
		for (int i = 0; i < n->n_out; i++)
			gr_set_shape(&out[i], in[0]->dtype, in[0]->rank, dims);
		return 0;
	}
	rc = split_sizes(n, in, in[0], axis, sz, err);
	for (int i = 0; rc == -EAGAIN && i < n->n_out; i++) {
		memcpy(dims, in[0]->dims, sizeof(dims));
		dims[axis] = -1;
		gr_set_shape(&out[i], in[0]->dtype, in[0]->rank, dims);
	}
	if (rc)
		return rc == -EAGAIN ? 0 : rc;
	for (int i = 0; i < n->n_out; i++) {
		memcpy(dims, in[0]->dims, sizeof(dims));
		dims[axis] = sz[i];
		gr_set_shape(&out[i], in[0]->dtype, in[0]->rank, dims);
	}
	return 0;
}

static int ref_split(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	size_t esz = gr_dtype_size(x->dtype);
	int64_t axis, outer, inner, off = 0;
	int rc;

	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), x->rank, &axis, err)))
		return rc;
	around(x, axis, &outer, &inner);
	for (int i = 0; i < n->n_out; i++) {
		int64_t len = out[i]->dims[axis];

		for (int64_t k = 0; k < outer; k++)
			memcpy((char *)out[i]->data + (size_t)(k * len * inner) * esz,
			       (const char *)x->data + (size_t)((k * x->dims[axis] + off) * inner) * esz,
			       (size_t)(len * inner) * esz);
		off += len;
	}
	return 0;
}

/* Slice: per axis a start and a step (the output's dims come with them). */
static int slice_params(const struct gr_node *n, const struct gr_value *const *in,
			const struct gr_value *x, int64_t *start, int64_t *step,
			int64_t *dims, struct gr_err *err)
{
	int64_t st[GR_MAX_RANK], en[GR_MAX_RANK], ax[GR_MAX_RANK], sp[GR_MAX_RANK];
	char seen[GR_MAX_RANK] = { 0 };
	int ns, ne, na, nsp;

	if (n->opset >= 10) {
		int rc;

		if ((rc = gr_need(n, in, 1, err)) || (rc = gr_need(n, in, 2, err)))
			return rc;
		if ((ns = gr_int_list(n, in[1], "starts", st, GR_MAX_RANK, err)) < 0)
			return ns;
		if ((ne = gr_int_list(n, in[2], "ends", en, GR_MAX_RANK, err)) < 0)
			return ne;
		na = gr_opt(n, in, 3) ? gr_int_list(n, in[3], "axes", ax, GR_MAX_RANK, err) : -1;
		if (na < -1)
			return na;
		nsp = gr_opt(n, in, 4) ? gr_int_list(n, in[4], "steps", sp, GR_MAX_RANK, err) : -1;
		if (nsp < -1)
			return nsp;
	} else {
		const int64_t *v;

		ns = gr_attr_ints(n, "starts", &v);
		if (ns < 0 || ns > GR_MAX_RANK)
			return NODE_ERR(err, -EINVAL, n, "starts attribute missing or too long");
		memcpy(st, v, (size_t)ns * sizeof(int64_t));
		ne = gr_attr_ints(n, "ends", &v);
		if (ne < 0 || ne > GR_MAX_RANK)
			return NODE_ERR(err, -EINVAL, n, "ends attribute missing or too long");
		memcpy(en, v, (size_t)ne * sizeof(int64_t));
		na = gr_attr_ints(n, "axes", &v);
		if (na > GR_MAX_RANK)
			return NODE_ERR(err, -EINVAL, n, "too many axes");
		if (na > 0)
			memcpy(ax, v, (size_t)na * sizeof(int64_t));
		nsp = -1;
	}
	if (ne != ns || (na >= 0 && na != ns) || (nsp >= 0 && nsp != ns))
		return NODE_ERR(err, -EINVAL, n, "starts, ends, axes and steps differ in length");
	for (int k = 0; k < x->rank; k++) {
		start[k] = 0;
		step[k] = 1;
		dims[k] = x->dims[k];
	}
	for (int i = 0; i < ns; i++) {
		int64_t a, d, s, e, p = nsp >= 0 ? sp[i] : 1;
		int rc = gr_axis(n, na >= 0 ? ax[i] : i, x->rank, &a, err);

		if (rc)
			return rc;
		if (seen[a])
			return NODE_ERR(err, -EINVAL, n, "axis %lld sliced twice", (long long)a);
		seen[a] = 1;
		if (!p)
			return NODE_ERR(err, -EINVAL, n, "step 0");
		d = x->dims[a];
		if (d < 0) {
			dims[a] = -1;
			continue;
		}
		s = st[i] < 0 ? st[i] + d : st[i];
		e = en[i] < 0 ? en[i] + d : en[i];
		if (p > 0) {
			s = s < 0 ? 0 : s > d ? d : s;
			e = e < 0 ? 0 : e > d ? d : e;
			dims[a] = e > s ? (e - s + p - 1) / p : 0;
		} else {
			s = s < 0 ? -1 : s > d - 1 ? d - 1 : s;
			e = e < -1 ? -1 : e > d - 1 ? d - 1 : e;
			dims[a] = s > e ? (s - e + (-p) - 1) / (-p) : 0;
		}
		start[a] = s;
		step[a] = p;
	}
	return 0;
}

static int infer_slice(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	int64_t start[GR_MAX_RANK], step[GR_MAX_RANK], dims[GR_MAX_RANK];
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	rc = slice_params(n, in, in[0], start, step, dims, err);
	if (rc == -EAGAIN)
		return gr_unknown_dims(&out[0], in[0]->dtype, in[0]->rank);
	if (rc)
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, dims);
	return 0;
}

/* o[i] = x[base + sum idx_k * stride[k]]: a strided view of x copied out. */
static void strided_copy(const struct gr_value *x, struct gr_value *o, int64_t base,
			 const int64_t *stride)
{
	size_t esz = gr_dtype_size(x->dtype);

	for (size_t i = 0; i < o->count; i++) {
		int64_t rem = (int64_t)i, off = base;

		for (int k = o->rank - 1; k >= 0; k--) {
			off += rem % o->dims[k] * stride[k];
			rem /= o->dims[k];
		}
		memcpy((char *)o->data + i * esz, (const char *)x->data + (size_t)off * esz, esz);
	}
}

static int ref_slice(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int64_t start[GR_MAX_RANK], step[GR_MAX_RANK], dims[GR_MAX_RANK], xst[GR_MAX_RANK];
	int64_t base = 0;
	int rc;

	if ((rc = slice_params(n, in, x, start, step, dims, err)))
		return rc;
	gr_strides(x, xst);
	for (int k = 0; k < x->rank; k++) {
		base += start[k] * xst[k];
		step[k] *= xst[k];
	}
	strided_copy(x, out[0], base, step);
	return 0;
}

static int transpose_perm(const struct gr_node *n, const struct gr_value *x, int64_t *perm,
			  struct gr_err *err)
{
	const int64_t *v;
	char seen[GR_MAX_RANK] = { 0 };
	int np = gr_attr_ints(n, "perm", &v);

	if (np < 0) {
		for (int k = 0; k < x->rank; k++)
			perm[k] = x->rank - 1 - k;
		return 0;
	}
	if (np != x->rank)
		return NODE_ERR(err, -EINVAL, n, "perm has %d values for rank %d", np, x->rank);
	for (int k = 0; k < np; k++) {
		if (v[k] < 0 || v[k] >= x->rank || seen[v[k]])
			return NODE_ERR(err, -EINVAL, n, "perm is not a permutation of 0..%d",
					x->rank - 1);
		seen[v[k]] = 1;
		perm[k] = v[k];
	}
	return 0;
}

static int infer_transpose(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value *out, struct gr_err *err)
{
	int64_t perm[GR_MAX_RANK], dims[GR_MAX_RANK];
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = transpose_perm(n, in[0], perm, err)))
		return rc;
	for (int k = 0; k < in[0]->rank; k++)
		dims[k] = in[0]->dims[perm[k]];
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, dims);
	return 0;
}

static int ref_transpose(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	int64_t perm[GR_MAX_RANK], xst[GR_MAX_RANK], stride[GR_MAX_RANK];
	int rc;

	if ((rc = transpose_perm(n, x, perm, err)))
		return rc;
	gr_strides(x, xst);
	for (int k = 0; k < x->rank; k++)
		stride[k] = xst[perm[k]];
	strided_copy(x, out[0], 0, stride);
	return 0;
}

/* Pad: pads an attribute before opset 11, then inputs (axes from 18). */
enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

static int pad_params(const struct gr_node *n, const struct gr_value *const *in,
		      const struct gr_value *x, int64_t *pb, int64_t *pe, enum pad_mode *mode,
		      struct gr_err *err)
{
	const char *m = gr_attr_str(n, "mode", "constant");
	int64_t pads[2 * GR_MAX_RANK], axes[GR_MAX_RANK];
	int np, na = -1;

	if (!strcmp(m, "constant"))
		*mode = PAD_CONSTANT;
	else if (!strcmp(m, "reflect"))
		*mode = PAD_REFLECT;
	else if (!strcmp(m, "edge"))
		*mode = PAD_EDGE;
	else if (!strcmp(m, "wrap"))
		*mode = PAD_WRAP;
	else
		return NODE_ERR(err, -EINVAL, n, "unknown mode '%s'", m);
	if (n->opset >= 11) {
		int rc = gr_need(n, in, 1, err);

		if (rc)
			return rc;
		if ((np = gr_int_list(n, in[1], "pads", pads, 2 * GR_MAX_RANK, err)) < 0)
			return np;
		if (gr_opt(n, in, 3) &&
		    (na = gr_int_list(n, in[3], "axes", axes, GR_MAX_RANK, err)) < 0)
			return na;
	} else {
		const int64_t *v;

		np = gr_attr_ints(n, "pads", &v);
		if (np < 0 || np > 2 * GR_MAX_RANK)
			return NODE_ERR(err, -EINVAL, n, "pads attribute missing or too long");
		memcpy(pads, v, (size_t)np * sizeof(int64_t));
	}
	if (na < 0) {
		na = x->rank;
		for (int k = 0; k < na; k++)
			axes[k] = k;
	}
	if (np != 2 * na)
		return NODE_ERR(err, -EINVAL, n, "%d pads for %d axes (need 2 per axis)", np, na);
	for (int k = 0; k < x->rank; k++)
		pb[k] = pe[k] = 0;
	for (int i = 0; i < na; i++) {
		int64_t a;
		int rc = gr_axis(n, axes[i], x->rank, &a, err);

		if (rc)
			return rc;
		pb[a] = pads[i];
		pe[a] = pads[na + i];
		if (x->dims[a] >= 0 && x->dims[a] + pb[a] + pe[a] < 0)
			return NODE_ERR(err, -EINVAL, n, "pads crop axis %lld below size 0",
					(long long)a);
		if (*mode != PAD_CONSTANT && x->dims[a] == 0 && (pb[a] > 0 || pe[a] > 0))
			return NODE_ERR(err, -EINVAL, n, "%s padding of an empty axis", m);
	}
	return 0;
}

static int infer_pad(const struct gr_node *n, const struct gr_value *const *in,
		     struct gr_value *out, struct gr_err *err)
{
	int64_t pb[GR_MAX_RANK], pe[GR_MAX_RANK], dims[GR_MAX_RANK];
	enum pad_mode mode;
	const struct gr_value *cv;
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	rc = pad_params(n, in, in[0], pb, pe, &mode, err);
	if (rc == -EAGAIN)
		return gr_unknown_dims(&out[0], in[0]->dtype, in[0]->rank);
	if (rc)
		return rc;
	cv = n->opset >= 11 ? gr_opt(n, in, 2) : NULL;
	if (cv && (cv->dtype != in[0]->dtype || gr_dims_count(cv->rank, cv->dims) > 1))
		return NODE_ERR(err, -EINVAL, n, "constant_value must be a scalar of the input's type");
	for (int k = 0; k < in[0]->rank; k++)
		dims[k] = in[0]->dims[k] < 0 ? -1 : in[0]->dims[k] + pb[k] + pe[k];
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, dims);
	return 0;
}

/* Source index along one axis of size d for output index i, or -1 (constant). */
static int64_t pad_src(int64_t i, int64_t d, enum pad_mode mode)
{
	if (i >= 0 && i < d)
		return i;
	switch (mode) {
	case PAD_EDGE:
		return i < 0 ? 0 : d - 1;
	case PAD_WRAP:
		return ((i % d) + d) % d;
	case PAD_REFLECT:
		if (d == 1)
			return 0;
		{
			int64_t period = 2 * (d - 1), r = ((i % period) + period) % period;

			return r < d ? r : period - r;
		}
	default:
		return -1;
	}
}

static int ref_pad(const struct gr_node *n, const struct gr_value *const *in,
		   struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0], *cv = n->opset >= 11 ? gr_opt(n, in, 2) : NULL;
	struct gr_value *o = out[0];
	int64_t pb[GR_MAX_RANK], pe[GR_MAX_RANK], xst[GR_MAX_RANK];
	double value = n->opset >= 11 ? 0 : gr_attr_float(n, "value", 0.0f);
	size_t esz = gr_dtype_size(x->dtype);
	enum pad_mode mode;
	int rc;

	if ((rc = pad_params(n, in, x, pb, pe, &mode, err)))
		return rc;
	gr_strides(x, xst);
	for (size_t i = 0; i < o->count; i++) {
		int64_t rem = (int64_t)i, off = 0;
		int outside = 0;

		for (int k = o->rank - 1; k >= 0; k--) {
			int64_t idx = rem % o->dims[k], s;

			rem /= o->dims[k];
			s = pad_src(idx - pb[k], x->dims[k], mode);
			if (s < 0)
				outside = 1;
			else
				off += s * xst[k];
		}
		if (!outside)
			memcpy((char *)o->data + i * esz, (const char *)x->data + (size_t)off * esz,
			       esz);
		else if (cv && cv->count)
			memcpy((char *)o->data + i * esz, cv->data, esz);
		else
			gr_value_set_f(o, i, value);
	}
	return 0;
}

/* Gather along axis: data.shape[:axis] + indices.shape + data.shape[axis+1:]. */
static int infer_gather(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *idx;
	int64_t axis, dims[GR_MAX_RANK];
	int rc, r = 0;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	x = in[0];
	idx = in[1];
	if (idx->dtype != GR_INT64 && idx->dtype != GR_INT32)
		return NODE_ERR(err, -EINVAL, n, "indices must be int32 or int64 (got %s)",
				gr_dtype_name(idx->dtype));
	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), x->rank, &axis, err)))
		return rc;
	if (x->rank - 1 + idx->rank > GR_MAX_RANK)
		return NODE_ERR(err, -EOPNOTSUPP, n, "output rank above %d", GR_MAX_RANK);
	for (int k = 0; k < axis; k++)
		dims[r++] = x->dims[k];
	for (int k = 0; k < idx->rank; k++)
		dims[r++] = idx->dims[k];
	for (int k = (int)axis + 1; k < x->rank; k++)
		dims[r++] = x->dims[k];
	if (idx->data && x->dims[axis] >= 0)
		for (size_t i = 0; i < idx->count; i++) {
			int64_t v = gr_value_get_i(idx, i);

			if (v < -x->dims[axis] || v >= x->dims[axis])
				return NODE_ERR(err, -EINVAL, n,
						"index %lld is out of range for axis %lld of size %lld",
						(long long)v, (long long)axis,
						(long long)x->dims[axis]);
		}
	gr_set_shape(&out[0], x->dtype, r, dims);
	return 0;
}

static int ref_gather(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0], *idx = in[1];
	size_t esz = gr_dtype_size(x->dtype);
	int64_t axis, outer, inner, d;
	int rc;

	if ((rc = gr_axis(n, gr_attr_int(n, "axis", 0), x->rank, &axis, err)))
		return rc;
	around(x, axis, &outer, &inner);
	d = x->dims[axis];
	for (int64_t o = 0; o < outer; o++)
		for (size_t j = 0; j < idx->count; j++) {
			int64_t v = gr_value_get_i(idx, j);

			v = v < 0 ? v + d : v;	/* range checked by infer_gather */
			memcpy((char *)out[0]->data + ((size_t)o * idx->count + j) * (size_t)inner * esz,
			       (const char *)x->data + (size_t)((o * d + v) * inner) * esz,
			       (size_t)inner * esz);
		}
	return 0;
}

static int infer_tile(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	int64_t rep[GR_MAX_RANK], dims[GR_MAX_RANK];
	int rc, nr;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	if ((nr = gr_int_list(n, in[1], "repeats", rep, GR_MAX_RANK, err)) == -EAGAIN)
		return gr_unknown_dims(&out[0], in[0]->dtype, in[0]->rank);
	if (nr < 0)
		return nr;
	if (nr != in[0]->rank)
		return NODE_ERR(err, -EINVAL, n, "%d repeats for rank %d", nr, in[0]->rank);
	for (int k = 0; k < nr; k++) {
		if (rep[k] < 0)
			return NODE_ERR(err, -EINVAL, n, "negative repeat");
		dims[k] = in[0]->dims[k] < 0 ? -1 : in[0]->dims[k] * rep[k];
	}
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, dims);
	return 0;
}

static int ref_tile(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];
	int64_t xst[GR_MAX_RANK];
	size_t esz = gr_dtype_size(x->dtype);

	(void)n;
	(void)err;
	gr_strides(x, xst);
	for (size_t i = 0; i < o->count; i++) {
		int64_t rem = (int64_t)i, off = 0;

		for (int k = o->rank - 1; k >= 0; k--) {
			int64_t idx = rem % o->dims[k];

			rem /= o->dims[k];
			off += (idx % x->dims[k]) * xst[k];
		}
		memcpy((char *)o->data + i * esz, (const char *)x->data + (size_t)off * esz, esz);
	}
	return 0;
}

const struct gr_op_def gr_op_Concat = {
	.name = "Concat", .domain = "", .since = 4,
	.infer = infer_concat, .ref = ref_concat,
};

const struct gr_op_def gr_op_Split = {
	.name = "Split", .domain = "", .since = 2,
	.infer = infer_split, .ref = ref_split,
};

const struct gr_op_def gr_op_Slice = {
	.name = "Slice", .domain = "", .since = 1,
	.infer = infer_slice, .ref = ref_slice,
};

const struct gr_op_def gr_op_Transpose = {
	.name = "Transpose", .domain = "", .since = 1,
	.infer = infer_transpose, .ref = ref_transpose,
};

const struct gr_op_def gr_op_Pad = {
	.name = "Pad", .domain = "", .since = 2,
	.infer = infer_pad, .ref = ref_pad,
};

const struct gr_op_def gr_op_Gather = {
	.name = "Gather", .domain = "", .since = 1,
	.infer = infer_gather, .ref = ref_gather,
};

const struct gr_op_def gr_op_Tile = {
	.name = "Tile", .domain = "", .since = 6,
	.infer = infer_tile, .ref = ref_tile,
};
