// SPDX-License-Identifier: MIT
/*
 * Shape and type inference, one function per op family. The same code runs
 * at import (shapes only, some dims maybe unknown) and before every CPU
 * reference kernel (actual values), so the two can never disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/window.h"

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

static void set_shape(struct gr_value *o, int dtype, int rank, const int64_t *dims)
{
	o->dtype = dtype;
	o->rank = rank;
	if (rank > 0)
		memcpy(o->dims, dims, (size_t)rank * sizeof(dims[0]));
	o->data = NULL;
	o->count = 0;
}

static int is_q8(int dtype)
{
	return dtype == GR_INT8 || dtype == GR_UINT8;
}

static int need(const struct gr_node *n, const struct gr_value *const *in,
		int i, struct gr_err *err)
{
	if (i >= n->n_in || !in[i])
		return NODE_ERR(err, -EINVAL, n, "required input %d is missing", i);
	if (in[i]->rank < 0)
		return NODE_ERR(err, -EINVAL, n, "input %d has an unknown rank", i);
	return 0;
}

static const char *dims_str(const struct gr_value *v, char *buf, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "[");
	for (int i = 0; i < v->rank && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "",
				      (long long)v->dims[i]);
	if (o < len)
		snprintf(buf + o, len - o, "]");
	return buf;
}

/* A scale / zero point: scalar, or 1-D of size `per` when per > 0. */
static int check_param(const struct gr_node *n, const struct gr_value *v,
		       const char *what, int64_t per, struct gr_err *err)
{
	int64_t c;

	if (!v)
		return 0;
	c = gr_dims_count(v->rank, v->dims);
	if (c == 1 || c < 0)
		return 0;
	if (per > 0 && v->rank == 1 && (v->dims[0] == per || per < 0))
		return 0;
	if (per < 0 && v->rank == 1)
		return 0;
	return NODE_ERR(err, -EINVAL, n,
			"%s must be a scalar%s (it has %lld elements)", what,
			per ? " or one value per channel" : "", (long long)c);
}

int gr_infer_window(const struct gr_node *n, const struct gr_value *x,
		    int64_t kh, int64_t kw, struct gr_geom *g, struct gr_err *err)
{
	int64_t ih, iw;

	if (x->rank == 3) {
		ih = 1;
		iw = x->dims[2];
	} else if (x->rank == 4) {
		ih = x->dims[2];
		iw = x->dims[3];
	} else {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"%d-D input: only 1-D and 2-D windows (rank 3 or 4 inputs) are supported",
				x->rank - 2);
	}
	return gr_window_resolve(&n->win, ih, iw, kh, kw, g, err, n->name);
}

static void window_out(const struct gr_value *x, int64_t m,
		       const struct gr_geom *g, int64_t *dims)
{
	dims[0] = x->dims[0];
	dims[1] = m;
	if (x->rank == 3) {
		dims[2] = g->ow;
	} else {
		dims[2] = g->oh;
		dims[3] = g->ow;
	}
}

static int infer_conv(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	int xi = 0, wi = 1, bi = -1, dtype;
	const struct gr_value *x, *w;
	int64_t dims[4], kh, kw, cg, grp = n->win.group;
	struct gr_geom g;
	char b1[64], b2[64];
	int rc;

	switch (n->op) {
	case GR_OP_CONV:
		bi = 2;
		dtype = GR_FLOAT;
		break;
	case GR_OP_QLINEARCONV:
		wi = 3;
		bi = 8;
		dtype = (n->n_in > 7 && in[7]) ? in[7]->dtype : GR_UINT8;
		break;
	default: /* ConvInteger */
		dtype = GR_INT32;
		break;
	}
	if ((rc = need(n, in, xi, err)) || (rc = need(n, in, wi, err)))
		return rc;
	x = in[xi];
	w = in[wi];
	if (n->op == GR_OP_CONV && (x->dtype != GR_FLOAT || w->dtype != GR_FLOAT))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"Conv runs on float tensors here (got %s and %s); quantized convolutions use QLinearConv or ConvInteger",
				gr_dtype_name(x->dtype), gr_dtype_name(w->dtype));
	if (n->op != GR_OP_CONV && (!is_q8(x->dtype) || !is_q8(w->dtype)))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input and weights must be int8 or uint8 (got %s and %s)",
				gr_dtype_name(x->dtype), gr_dtype_name(w->dtype));
	if (x->rank != w->rank)
		return NODE_ERR(err, -EINVAL, n,
				"input %s and weights %s must have the same rank",
				dims_str(x, b1, sizeof(b1)), dims_str(w, b2, sizeof(b2)));
	if (x->rank == 3) {
		kh = 1;
		kw = w->dims[2];
	} else if (x->rank == 4) {
		kh = w->dims[2];
		kw = w->dims[3];
	} else {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input of rank %d: only 1-D and 2-D convolutions are supported",
				x->rank);
	}
	if (n->win.has_kernel && ((x->rank == 4 && n->win.kh != kh) || n->win.kw != kw) &&
	    kh >= 0 && kw >= 0)
		return NODE_ERR(err, -EINVAL, n,
				"kernel_shape disagrees with the weights %s",
				dims_str(w, b1, sizeof(b1)));
	if (grp < 1)
		return NODE_ERR(err, -EINVAL, n, "group must be >= 1");
	cg = w->dims[1];
	if (x->dims[1] >= 0 && cg >= 0 && x->dims[1] != cg * grp)
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: input %s has %lld channels but weights %s with group %lld expect %lld",
				dims_str(x, b1, sizeof(b1)), (long long)x->dims[1],
				dims_str(w, b2, sizeof(b2)), (long long)grp,
				(long long)(cg * grp));
	if (w->dims[0] >= 0 && w->dims[0] % grp)
		return NODE_ERR(err, -EINVAL, n,
				"%lld output channels are not divisible by group %lld",
				(long long)w->dims[0], (long long)grp);
	if (bi >= 0 && bi < n->n_in && in[bi]) {
		const struct gr_value *b = in[bi];

		if (b->rank != 1 || (b->dims[0] >= 0 && w->dims[0] >= 0 &&
				     b->dims[0] != w->dims[0]))
			return NODE_ERR(err, -EINVAL, n,
					"bias %s must be 1-D with one value per output channel (%lld)",
					dims_str(b, b1, sizeof(b1)), (long long)w->dims[0]);
		if (n->op == GR_OP_QLINEARCONV && b->dtype != GR_INT32)
			return NODE_ERR(err, -EINVAL, n, "bias must be int32 (got %s)",
					gr_dtype_name(b->dtype));
	}
	if (n->op == GR_OP_QLINEARCONV) {
		for (int i = 1; i < 8; i++)
			if (i != 3 && (rc = need(n, in, i, err)))
				return rc;
		if ((rc = check_param(n, in[1], "x_scale", 0, err)) ||
		    (rc = check_param(n, in[2], "x_zero_point", 0, err)) ||
		    (rc = check_param(n, in[4], "w_scale", w->dims[0], err)) ||
		    (rc = check_param(n, in[5], "w_zero_point", w->dims[0], err)) ||
		    (rc = check_param(n, in[6], "y_scale", 0, err)) ||
		    (rc = check_param(n, in[7], "y_zero_point", 0, err)))
			return rc;
		if (in[2]->dtype != x->dtype || in[5]->dtype != w->dtype)
			return NODE_ERR(err, -EINVAL, n,
					"zero points must have the type of their tensor");
		if (in[1]->dtype != GR_FLOAT || in[4]->dtype != GR_FLOAT ||
		    in[6]->dtype != GR_FLOAT)
			return NODE_ERR(err, -EINVAL, n, "scales must be float");
		if (!is_q8(in[7]->dtype))
			return NODE_ERR(err, -EINVAL, n, "y_zero_point must be int8 or uint8");
	}
	if (n->op == GR_OP_CONVINTEGER) {
		if ((rc = check_param(n, n->n_in > 2 ? in[2] : NULL, "x_zero_point", 0, err)) ||
		    (rc = check_param(n, n->n_in > 3 ? in[3] : NULL, "w_zero_point",
				      w->dims[0], err)))
			return rc;
	}
	if ((rc = gr_infer_window(n, x, kh, kw, &g, err)))
		return rc;
	window_out(x, w->dims[0], &g, dims);
	set_shape(&out[0], dtype, x->rank, dims);
	return 0;
}

void gr_matmul_dims(const struct gr_value *a, const struct gr_value *b,
		    int64_t *ad, int *ar, int64_t *bd, int *br)
{
	*ar = a->rank;
	*br = b->rank;
	memcpy(ad, a->dims, (size_t)*ar * sizeof(int64_t));
	memcpy(bd, b->dims, (size_t)*br * sizeof(int64_t));
	if (*ar == 1) {
		ad[1] = ad[0];
		ad[0] = 1;
		*ar = 2;
	}
	if (*br == 1) {
		bd[1] = 1;
		*br = 2;
	}
}

int gr_matmul_shape(const struct gr_node *n, const struct gr_value *a,
		    const struct gr_value *b, int *rank, int64_t *dims,
		    struct gr_err *err)
{
	int64_t ad[GR_MAX_RANK + 1], bd[GR_MAX_RANK + 1];
	int ar = a->rank, br = b->rank, r;
	char b1[64], b2[64];

	if (ar < 1 || br < 1)
		return NODE_ERR(err, -EINVAL, n, "MatMul operands must have rank >= 1");
	gr_matmul_dims(a, b, ad, &ar, bd, &br);
	if (ad[ar - 1] >= 0 && bd[br - 2] >= 0 && ad[ar - 1] != bd[br - 2])
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: %s x %s (inner dimensions %lld and %lld differ)",
				dims_str(a, b1, sizeof(b1)), dims_str(b, b2, sizeof(b2)),
				(long long)ad[ar - 1], (long long)bd[br - 2]);
	r = ar > br ? ar : br;
	if (r > GR_MAX_RANK)
		return NODE_ERR(err, -EOPNOTSUPP, n, "rank above %d", GR_MAX_RANK);
	for (int i = 0; i < r - 2; i++) {
		int ia = i - (r - ar), ib = i - (r - br);
		int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;

		if (da != db && da != 1 && db != 1 && da >= 0 && db >= 0)
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: batch dimensions of %s and %s do not broadcast",
					dims_str(a, b1, sizeof(b1)), dims_str(b, b2, sizeof(b2)));
		dims[i] = da == 1 ? db : da;
	}
	{
		int o = r - 2;

		if (a->rank != 1)
			dims[o++] = ad[ar - 2];
		if (b->rank != 1)
			dims[o++] = bd[br - 1];
		r = o;
	}
	*rank = r;
	return 0;
}

static int infer_matmul(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	int ai = 0, bi = 1, dtype, rc, rank;
	int64_t dims[GR_MAX_RANK];

	if (n->op == GR_OP_QLINEARMATMUL)
		bi = 3;
	if ((rc = need(n, in, ai, err)) || (rc = need(n, in, bi, err)))
		return rc;
	if (n->op == GR_OP_MATMUL) {
		if (in[ai]->dtype != GR_FLOAT || in[bi]->dtype != GR_FLOAT)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"MatMul runs on float tensors here (got %s); quantized ones use QLinearMatMul or MatMulInteger",
					gr_dtype_name(in[ai]->dtype));
		dtype = GR_FLOAT;
	} else {
		if (!is_q8(in[ai]->dtype) || !is_q8(in[bi]->dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"operands must be int8 or uint8 (got %s and %s)",
					gr_dtype_name(in[ai]->dtype), gr_dtype_name(in[bi]->dtype));
		dtype = GR_INT32;
	}
	if (n->op == GR_OP_QLINEARMATMUL) {
		for (int i = 1; i < 8; i++)
			if (i != 3 && (rc = need(n, in, i, err)))
				return rc;
		if ((rc = check_param(n, in[1], "a_scale", -1, err)) ||
		    (rc = check_param(n, in[2], "a_zero_point", -1, err)) ||
		    (rc = check_param(n, in[4], "b_scale", -1, err)) ||
		    (rc = check_param(n, in[5], "b_zero_point", -1, err)) ||
		    (rc = check_param(n, in[6], "y_scale", 0, err)) ||
		    (rc = check_param(n, in[7], "y_zero_point", 0, err)))
			return rc;
		if (!is_q8(in[7]->dtype))
			return NODE_ERR(err, -EINVAL, n, "y_zero_point must be int8 or uint8");
		dtype = in[7]->dtype;
	}
	if ((rc = gr_matmul_shape(n, in[ai], in[bi], &rank, dims, err)))
		return rc;
	set_shape(&out[0], dtype, rank, dims);
	return 0;
}

static int infer_gemm(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *a, *b;
	int64_t m, k, k2, nn, dims[2];
	int rc;

	if ((rc = need(n, in, 0, err)) || (rc = need(n, in, 1, err)))
		return rc;
	a = in[0];
	b = in[1];
	if (a->rank != 2 || b->rank != 2)
		return NODE_ERR(err, -EINVAL, n, "A and B must be 2-D");
	if (a->dtype != GR_FLOAT || b->dtype != GR_FLOAT)
		return NODE_ERR(err, -EOPNOTSUPP, n, "Gemm runs on float tensors here");
	m = n->trans_a ? a->dims[1] : a->dims[0];
	k = n->trans_a ? a->dims[0] : a->dims[1];
	k2 = n->trans_b ? b->dims[1] : b->dims[0];
	nn = n->trans_b ? b->dims[0] : b->dims[1];
	if (k >= 0 && k2 >= 0 && k != k2)
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: inner dimensions %lld and %lld differ",
				(long long)k, (long long)k2);
	if (n->n_in > 2 && in[2]) {
		const struct gr_value *c = in[2];

		if (c->rank > 2 ||
		    (c->rank == 2 && ((c->dims[0] != 1 && c->dims[0] != m) ||
				      (c->dims[1] != 1 && c->dims[1] != nn))) ||
		    (c->rank == 1 && c->dims[0] != 1 && c->dims[0] != nn))
			return NODE_ERR(err, -EINVAL, n,
					"C does not broadcast to [%lld, %lld]",
					(long long)m, (long long)nn);
	}
	dims[0] = m;
	dims[1] = nn;
	set_shape(&out[0], GR_FLOAT, 2, dims);
	return 0;
}

/* Multidirectional (numpy) broadcast of two shapes. */
int gr_broadcast_shape(const struct gr_node *n, const struct gr_value *a,
		       const struct gr_value *b, int *rank, int64_t *dims,
		       struct gr_err *err)
{
	int r = a->rank > b->rank ? a->rank : b->rank;
	char b1[64], b2[64];

	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1;
		int64_t db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1 && da >= 0 && db >= 0)
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: %s and %s do not broadcast",
					dims_str(a, b1, sizeof(b1)), dims_str(b, b2, sizeof(b2)));
		dims[i] = da == 1 ? db : (db == 1 ? da : (da >= 0 ? da : db));
	}
	*rank = r;
	return 0;
}

static int infer_quant(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *s, *zp = n->n_in > 2 ? in[2] : NULL;
	int64_t axis = n->axis, ch = -1;
	int rc, dtype;

	if ((rc = need(n, in, 0, err)) || (rc = need(n, in, 1, err)))
		return rc;
	x = in[0];
	s = in[1];
	if (s->dtype != GR_FLOAT)
		return NODE_ERR(err, -EINVAL, n, "scale must be float");
	if (axis < 0)
		axis += x->rank;
	if (gr_dims_count(s->rank, s->dims) != 1) {
		if (s->rank != 1 || axis < 0 || axis >= x->rank)
			return NODE_ERR(err, -EINVAL, n,
					"per-axis scale needs a 1-D scale and a valid axis");
		ch = x->dims[axis];
		if (ch >= 0 && s->dims[0] >= 0 && s->dims[0] != ch)
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: %lld scales for %lld elements on axis %lld",
					(long long)s->dims[0], (long long)ch, (long long)axis);
	}
	if (zp && gr_dims_count(zp->rank, zp->dims) != gr_dims_count(s->rank, s->dims))
		return NODE_ERR(err, -EINVAL, n,
				"zero point and scale must have the same shape");
	if (n->op == GR_OP_QUANTIZE) {
		if (x->dtype != GR_FLOAT && x->dtype != GR_INT32)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be float or int32 (got %s)",
					gr_dtype_name(x->dtype));
		dtype = zp ? zp->dtype : GR_UINT8;
		if (!is_q8(dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"output type %s: only int8 and uint8 are supported",
					gr_dtype_name(dtype));
	} else {
		if (!is_q8(x->dtype) && x->dtype != GR_INT32)
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be int8, uint8 or int32 (got %s)",
					gr_dtype_name(x->dtype));
		if (zp && zp->dtype != x->dtype)
			return NODE_ERR(err, -EINVAL, n,
					"zero point type %s differs from the input's %s",
					gr_dtype_name(zp->dtype), gr_dtype_name(x->dtype));
		dtype = GR_FLOAT;
	}
	set_shape(&out[0], dtype, x->rank, x->dims);
	return 0;
}

static int infer_pool(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x;
	int64_t dims[4];
	struct gr_geom g;
	int rc;

	if ((rc = need(n, in, 0, err)))
		return rc;
	x = in[0];
	if (n->n_out > 1)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"the Indices output of MaxPool is not supported");
	if (n->op == GR_OP_MAXPOOL) {
		if (x->dtype != GR_FLOAT && !is_q8(x->dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be float, int8 or uint8 (got %s)",
					gr_dtype_name(x->dtype));
	} else if (x->dtype != GR_FLOAT) {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input must be float (got %s); quantized graphs put it between DequantizeLinear and QuantizeLinear",
				gr_dtype_name(x->dtype));
	}
	if (x->rank < 3)
		return NODE_ERR(err, -EINVAL, n, "input must be N x C x spatial");
	if (n->op == GR_OP_GLOBALAVGPOOL) {
		for (int i = 0; i < x->rank; i++)
			dims[i] = i < 2 ? x->dims[i] : 1;
		set_shape(&out[0], x->dtype, x->rank, dims);
		return 0;
	}
	if (!n->win.has_kernel)
		return NODE_ERR(err, -EINVAL, n, "kernel_shape attribute is required");
	if ((rc = gr_infer_window(n, x, n->win.kh, n->win.kw, &g, err)))
		return rc;
	window_out(x, x->dims[1], &g, dims);
	set_shape(&out[0], x->dtype, x->rank, dims);
	return 0;
}

static int infer_reshape(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *s;
	int64_t dims[GR_MAX_RANK], total, known = 1;
	int infer_at = -1, rc;
	char b1[64];

	if ((rc = need(n, in, 0, err)) || (rc = need(n, in, 1, err)))
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
		set_shape(&out[0], x->dtype, (int)s->dims[0], dims);
		return 0;
	}
	total = gr_dims_count(x->rank, x->dims);
	for (int i = 0; i < s->dims[0]; i++) {
		int64_t d = ((const int64_t *)s->data)[i];

		if (d == 0 && !n->allowzero) {
			if (i >= x->rank)
				return NODE_ERR(err, -EINVAL, n,
						"shape[%d] = 0 copies a dimension the input %s does not have",
						i, dims_str(x, b1, sizeof(b1)));
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
						dims_str(x, b1, sizeof(b1)), (long long)total);
			dims[infer_at] = total / known;
		} else if (known != total) {
			return NODE_ERR(err, -EINVAL, n,
					"shape mismatch: cannot reshape %s (%lld elements) into %lld elements",
					dims_str(x, b1, sizeof(b1)), (long long)total,
					(long long)known);
		}
	}
	set_shape(&out[0], x->dtype, (int)s->dims[0], dims);
	return 0;
}

int gr_infer_node(const struct gr_node *n, const struct gr_value *const *in,
		  struct gr_value *out, struct gr_err *err)
{
	int rc, rank;
	int64_t dims[GR_MAX_RANK];

	switch (n->op) {
	case GR_OP_CONV:
	case GR_OP_QLINEARCONV:
	case GR_OP_CONVINTEGER:
		return infer_conv(n, in, out, err);
	case GR_OP_MATMUL:
	case GR_OP_QLINEARMATMUL:
	case GR_OP_MATMULINTEGER:
		return infer_matmul(n, in, out, err);
	case GR_OP_GEMM:
		return infer_gemm(n, in, out, err);
	case GR_OP_QUANTIZE:
	case GR_OP_DEQUANTIZE:
		return infer_quant(n, in, out, err);
	case GR_OP_MAXPOOL:
	case GR_OP_AVGPOOL:
	case GR_OP_GLOBALAVGPOOL:
		return infer_pool(n, in, out, err);
	case GR_OP_RELU:
	case GR_OP_CLIP:
		if ((rc = need(n, in, 0, err)))
			return rc;
		if (n->op == GR_OP_RELU && in[0]->dtype != GR_FLOAT &&
		    in[0]->dtype != GR_INT8 && in[0]->dtype != GR_INT32 &&
		    in[0]->dtype != GR_INT64)
			return NODE_ERR(err, -EOPNOTSUPP, n, "Relu of %s",
					gr_dtype_name(in[0]->dtype));
		for (int i = 1; i < n->n_in && i < 3; i++)
			if (in[i] && (in[i]->dtype != in[0]->dtype ||
				      gr_dims_count(in[i]->rank, in[i]->dims) > 1))
				return NODE_ERR(err, -EINVAL, n,
						"min and max must be scalars of the input's type");
		set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
		return 0;
	case GR_OP_ADD:
		if ((rc = need(n, in, 0, err)) || (rc = need(n, in, 1, err)))
			return rc;
		if (in[0]->dtype != in[1]->dtype)
			return NODE_ERR(err, -EINVAL, n, "operand types %s and %s differ",
					gr_dtype_name(in[0]->dtype), gr_dtype_name(in[1]->dtype));
		if ((rc = gr_broadcast_shape(n, in[0], in[1], &rank, dims, err)))
			return rc;
		set_shape(&out[0], in[0]->dtype, rank, dims);
		return 0;
	case GR_OP_FLATTEN: {
		int64_t axis = n->axis, a = 1, b = 1;

		if ((rc = need(n, in, 0, err)))
			return rc;
		if (axis < 0)
			axis += in[0]->rank;
		if (axis < 0 || axis > in[0]->rank)
			return NODE_ERR(err, -EINVAL, n, "axis %lld out of range for rank %d",
					(long long)n->axis, in[0]->rank);
		for (int i = 0; i < in[0]->rank; i++) {
			int64_t d = in[0]->dims[i];

			if (i < axis)
				a = (a < 0 || d < 0) ? -1 : a * d;
			else
				b = (b < 0 || d < 0) ? -1 : b * d;
		}
		dims[0] = a;
		dims[1] = b;
		set_shape(&out[0], in[0]->dtype, 2, dims);
		return 0;
	}
	case GR_OP_RESHAPE:
		return infer_reshape(n, in, out, err);
	case GR_OP_CONSTANT:
		return 0;
	default:
		return NODE_ERR(err, -EOPNOTSUPP, n, "unsupported op");
	}
}

int gr_graph_infer(struct gr_graph *g, struct gr_err *err)
{
	struct gr_value vin[GR_MAX_INPUTS], vout[GR_MAX_OUTPUTS];
	const struct gr_value *in[GR_MAX_INPUTS];
	int rc;

	for (int ni = 0; ni < g->n_nodes; ni++) {
		const struct gr_node *n = &g->nodes[ni];

		if (n->op == GR_OP_CONSTANT)
			continue;
		for (int i = 0; i < n->n_in; i++) {
			const struct gr_tensor *t;

			in[i] = NULL;
			if (n->in[i] < 0)
				continue;
			t = &g->tensors[n->in[i]];
			if (t->constant) {
				in[i] = t->constant;
				continue;
			}
			if (t->rank < 0)
				return gr_err_set(err, -EINVAL,
						  "node '%s' (%s): input '%s' has no known type or shape (declare it as a graph input or initializer)",
						  n->name, n->op_type, t->name);
			memset(&vin[i], 0, sizeof(vin[i]));
			vin[i].dtype = t->dtype;
			vin[i].rank = t->rank;
			memcpy(vin[i].dims, t->dims, sizeof(t->dims));
			in[i] = &vin[i];
		}
		memset(vout, 0, sizeof(vout));
		rc = gr_infer_node(n, in, vout, err);
		if (rc)
			return rc;
		for (int o = 0; o < n->n_out; o++) {
			struct gr_tensor *t;

			if (n->out[o] < 0)
				continue;
			t = &g->tensors[n->out[o]];
			t->dtype = vout[o].dtype;
			t->rank = vout[o].rank;
			memcpy(t->dims, vout[o].dims, sizeof(t->dims));
			if (gr_dims_count(t->rank, t->dims) == -2)
				return gr_err_set(err, -E2BIG,
						  "node '%s' (%s): output '%s' would be absurdly large (over %lld elements)",
						  n->name, n->op_type, t->name,
						  (long long)GR_MAX_ELEMS);
		}
	}
	return 0;
}
