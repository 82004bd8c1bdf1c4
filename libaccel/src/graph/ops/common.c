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
