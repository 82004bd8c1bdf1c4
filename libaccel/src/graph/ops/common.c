// SPDX-License-Identifier: MIT
/* Helpers shared by the op implementations (see ops.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "graph/ops/ops.h"

void gr_set_shape(struct gr_value *o, int dtype, int rank, const int64_t *dims)
{
	o->dtype = dtype;
	o->rank = rank;
	if (rank > 0)
		memcpy(o->dims, dims, (size_t)rank * sizeof(dims[0]));
	o->data = NULL;
	o->count = 0;
}

int gr_is_q8(int dtype)
{
	return dtype == GR_INT8 || dtype == GR_UINT8;
}

int gr_need(const struct gr_node *n, const struct gr_value *const *in, int i,
	    struct gr_err *err)
{
	if (i >= n->n_in || !in[i])
		return NODE_ERR(err, -EINVAL, n, "required input %d is missing", i);
	if (in[i]->rank < 0)
		return NODE_ERR(err, -EINVAL, n, "input %d has an unknown rank", i);
	return 0;
}

const struct gr_value *gr_opt(const struct gr_node *n, const struct gr_value *const *in,
			      int i)
{
	return i < n->n_in ? in[i] : NULL;
}

const char *gr_dims_str(const struct gr_value *v, char *buf, size_t len)
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

int gr_check_param(const struct gr_node *n, const struct gr_value *v,
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

void gr_bcast_strides(int rank, const int64_t *dims, int r, const int64_t *odims,
		      int64_t *st)
{
	int64_t s = 1;

	for (int i = r - 1; i >= 0; i--) {
		int k = i - (r - rank);

		if (k < 0 || dims[k] == 1 || odims[i] != dims[k]) {
			st[i] = 0;
			if (k >= 0)
				s *= dims[k];
		} else {
			st[i] = s;
			s *= dims[k];
		}
	}
}

void gr_store_i(struct gr_value *v, size_t i, int64_t x)
{
	switch (v->dtype) {
	case GR_UINT8: ((uint8_t *)v->data)[i] = (uint8_t)x; break;
	case GR_INT8: ((int8_t *)v->data)[i] = (int8_t)x; break;
	case GR_INT32: ((int32_t *)v->data)[i] = (int32_t)x; break;
	case GR_INT64: ((int64_t *)v->data)[i] = x; break;
	case GR_FLOAT: ((float *)v->data)[i] = (float)x; break;
	default: break;
	}
}

double gr_par_f(const struct gr_value *p, size_t i, double dflt)
{
	if (!p)
		return dflt;
	return gr_value_get_f(p, p->count == 1 ? 0 : i);
}

int64_t gr_par_i(const struct gr_value *p, size_t i)
{
	if (!p)
		return 0;
	return gr_value_get_i(p, p->count == 1 ? 0 : i);
}

int gr_qmin(int dtype)
{
	return dtype == GR_UINT8 ? 0 : -128;
}

int gr_qmax(int dtype)
{
	return dtype == GR_UINT8 ? 255 : 127;
}

int64_t gr_sat(int64_t v, int dtype)
{
	if (v < gr_qmin(dtype))
		return gr_qmin(dtype);
	if (v > gr_qmax(dtype))
		return gr_qmax(dtype);
	return v;
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
					gr_dims_str(a, b1, sizeof(b1)), gr_dims_str(b, b2, sizeof(b2)));
		dims[i] = da == 1 ? db : (db == 1 ? da : (da >= 0 ? da : db));
	}
	*rank = r;
	return 0;
}

int gr_axis(const struct gr_node *n, int64_t axis, int rank, int64_t *out,
	    struct gr_err *err)
{
	int64_t a = axis < 0 ? axis + rank : axis;

	if (a < 0 || a >= rank)
		return NODE_ERR(err, -EINVAL, n, "axis %lld is out of range for rank %d",
				(long long)axis, rank);
	*out = a;
	return 0;
}

int gr_int_list(const struct gr_node *n, const struct gr_value *t, const char *what,
		int64_t *v, int max, struct gr_err *err)
{
	int64_t c;

	if (t->dtype != GR_INT64 && t->dtype != GR_INT32)
		return NODE_ERR(err, -EINVAL, n, "%s must be int64 (got %s)", what,
				gr_dtype_name(t->dtype));
	if (t->rank > 1)
		return NODE_ERR(err, -EINVAL, n, "%s must be 1-D (got rank %d)", what, t->rank);
	c = gr_dims_count(t->rank, t->dims);
	if (c < 0)
		return NODE_ERR(err, -EOPNOTSUPP, n, "%s has an unknown length", what);
	if (c > max)
		return NODE_ERR(err, -EINVAL, n, "%s has %lld values (at most %d)", what,
				(long long)c, max);
	if (!t->data) {
		NODE_ERR(err, -EOPNOTSUPP, n,
			 "%s must be known when the model is compiled (a constant or computed from shapes)",
			 what);
		return -EAGAIN;
	}
	for (int64_t i = 0; i < c; i++)
		v[i] = gr_value_get_i(t, (size_t)i);
	return (int)c;
}

int gr_need_numeric(const struct gr_node *n, const struct gr_value *v, const char *what,
		    struct gr_err *err)
{
	if (v->dtype == GR_BOOL || !gr_dtype_supported(v->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "%s of type %s is not supported", what,
				gr_dtype_name(v->dtype));
	return 0;
}

int gr_need_float(const struct gr_node *n, const struct gr_value *v, const char *what,
		  struct gr_err *err)
{
	if (!gr_dtype_is_float(v->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n, "%s must be a float tensor (got %s)", what,
				gr_dtype_name(v->dtype));
	return 0;
}

void gr_bcast_init(struct gr_bcast *b, const struct gr_value *in, const struct gr_value *out)
{
	b->rank = out->rank;
	memcpy(b->odims, out->dims, sizeof(b->odims));
	gr_bcast_strides(in->rank, in->dims, out->rank, out->dims, b->st);
}

size_t gr_bcast_off(const struct gr_bcast *b, size_t i)
{
	int64_t rem = (int64_t)i, off = 0;

	for (int k = b->rank - 1; k >= 0; k--) {
		int64_t idx = rem % b->odims[k];

		rem /= b->odims[k];
		off += idx * b->st[k];
	}
	return (size_t)off;
}

void gr_strides(const struct gr_value *v, int64_t *st)
{
	int64_t s = 1;

	for (int k = v->rank - 1; k >= 0; k--) {
		st[k] = s;
		s *= v->dims[k];
	}
}

int gr_unknown_dims(struct gr_value *o, int dtype, int rank)
{
	int64_t dims[GR_MAX_RANK];

	rank = rank < 0 ? 0 : rank > GR_MAX_RANK ? GR_MAX_RANK : rank;
	for (int k = 0; k < rank; k++)
		dims[k] = -1;
	gr_set_shape(o, dtype, rank, dims);
	return 0;
}

int gr_infer_same_float(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need_float(n, in[0], "the input", err)))
		return rc;
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

double gr_gemm_c_at(const struct gr_value *c, int64_t m, int64_t n)
{
	int64_t r = c->rank >= 2 && c->dims[0] > 1 ? m : 0;
	int64_t k = c->rank >= 1 && c->dims[c->rank - 1] > 1 ? n : 0;

	return gr_value_get_f(c, (size_t)(r * (c->rank >= 1 ? c->dims[c->rank - 1] : 1) + k));
}
