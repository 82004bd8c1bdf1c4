// SPDX-License-Identifier: MIT
/* Graph IR: values, tensors and the graph container. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/budget.h"
#include "graph/graph.h"
#include "graph/pool.h"

int gr_err_set(struct gr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

size_t gr_dtype_size(int dtype)
{
	switch (dtype) {
	case GR_FLOAT: return 4;
	case GR_UINT8: return 1;
	case GR_INT8: return 1;
	case GR_UINT16: return 2;
	case GR_INT16: return 2;
	case GR_INT32: return 4;
	case GR_INT64: return 8;
	case GR_BOOL: return 1;
	case GR_FLOAT16: return 2;
	case GR_DOUBLE: return 8;
	case GR_UINT32: return 4;
	case GR_UINT64: return 8;
	case GR_BFLOAT16: return 2;
	default: return 0;
	}
}

int gr_dtype_is_float(int dtype)
{
	return dtype == GR_FLOAT || dtype == GR_DOUBLE || dtype == GR_FLOAT16 ||
	       dtype == GR_BFLOAT16;
}

int gr_dtype_is_signed(int dtype)
{
	return dtype == GR_INT8 || dtype == GR_INT16 || dtype == GR_INT32 ||
	       dtype == GR_INT64 || gr_dtype_is_float(dtype);
}

/* IEEE half and bfloat16 <-> float, rounding to nearest even. */
static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
	float f;

	if (e == 0)
		f = ldexpf((float)m, -24);
	else if (e == 31)
		f = m ? NAN : INFINITY;
	else
		f = ldexpf((float)(m | 0x400), (int)e - 25);
	return sign ? -f : f;
}

static uint16_t float_to_half(float f)
{
	uint32_t x, sign, e, m;
	uint16_t h;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	if (isnan(f))
		return (uint16_t)(sign | 0x7e00);
	e = (x >> 23) & 0xff;
	m = x & 0x7fffff;
	if (e >= 143)			/* >= 65520 rounds to infinity */
		return (uint16_t)(sign | 0x7c00);
	if (e < 113) {			/* subnormal half (or zero) */
		if (e < 102)
			return (uint16_t)sign;
		m |= 0x800000;
		{
			uint32_t shift = 126 - e, half = 1u << (shift - 1);
			uint32_t r = m >> shift, rem = m & ((1u << shift) - 1);

			if (rem > half || (rem == half && (r & 1)))
				r++;
			return (uint16_t)(sign | r);
		}
	}
	h = (uint16_t)(sign | ((e - 112) << 10) | (m >> 13));
	if ((m & 0x1fff) > 0x1000 || ((m & 0x1fff) == 0x1000 && (h & 1)))
		h++;			/* may carry into the exponent: still right */
	return h;
}

static float bf16_to_float(uint16_t b)
{
	uint32_t x = (uint32_t)b << 16;
	float f;

	memcpy(&f, &x, 4);
	return f;
}

static uint16_t float_to_bf16(float f)
{
	uint32_t x;

	if (isnan(f))
		return 0x7fc0;
	memcpy(&x, &f, 4);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

int gr_dtype_supported(int dtype)
{
	return gr_dtype_size(dtype) != 0;
}

const char *gr_dtype_name(int dtype)
{
	/* ONNX TensorProto.DataType names, for messages */
	static const char *const names[] = {
		"undefined", "float", "uint8", "int8", "uint16", "int16",
		"int32", "int64", "string", "bool", "float16", "double",
		"uint32", "uint64", "complex64", "complex128", "bfloat16",
	};

	if (dtype >= 0 && dtype < (int)(sizeof(names) / sizeof(names[0])))
		return names[dtype];
	return "unknown type";
}

int64_t gr_dims_count(int rank, const int64_t *dims)
{
	int64_t n = 1;

	if (rank < 0)
		return -1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return -1;
		if (dims[i] > GR_MAX_ELEMS)
			return -2;
		n *= dims[i];
		if (n > GR_MAX_ELEMS)
			return -2;
	}
	return n;
}

static struct gr_value *value_new(int dtype, int rank, const int64_t *dims,
				  struct gr_err *err, int zero)
{
	struct gr_value *v;
	int64_t n;

	if (!gr_dtype_supported(dtype)) {
		gr_err_set(err, -EOPNOTSUPP, "tensor type %s is not supported",
			   gr_dtype_name(dtype));
		return NULL;
	}
	if (rank < 0 || rank > GR_MAX_RANK) {
		gr_err_set(err, -EOPNOTSUPP, "rank %d is not supported (at most %d)",
			   rank, GR_MAX_RANK);
		return NULL;
	}
	n = gr_dims_count(rank, dims);
	if (n == -2) {
		gr_err_set(err, -E2BIG, "tensor of more than %lld elements",
			   (long long)GR_MAX_ELEMS);
		return NULL;
	}
	if (n < 0) {
		gr_err_set(err, -EINVAL, "tensor shape is not known");
		return NULL;
	}
	if (gr_budget_charge((uint64_t)n, gr_dtype_size(dtype), err))
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		goto nomem;
	v->dtype = dtype;
	v->rank = rank;
	if (rank)
		memcpy(v->dims, dims, (size_t)rank * sizeof(dims[0]));
	v->count = (size_t)n;
	/* n <= GR_MAX_ELEMS: no overflow */
	v->data = gr_mem_get((size_t)n * gr_dtype_size(dtype), zero);
	if (!v->data) {
		free(v);
		goto nomem;
	}
	return v;
nomem:
	gr_err_set(err, -ENOMEM, "out of memory for a tensor of %lld elements",
		   (long long)n);
	return NULL;
}

struct gr_value *gr_value_new(int dtype, int rank, const int64_t *dims,
			      struct gr_err *err)
{
	return value_new(dtype, rank, dims, err, 1);
}

struct gr_value *gr_value_new_raw(int dtype, int rank, const int64_t *dims,
				  struct gr_err *err)
{
	return value_new(dtype, rank, dims, err, 0);
}

struct gr_value *gr_value_clone(const struct gr_value *v)
{
	struct gr_value *c = gr_value_new_raw(v->dtype, v->rank, v->dims, NULL);

	if (!c)
		return NULL;
	memcpy(c->data, v->data, v->count * gr_dtype_size(v->dtype));
	if (v->name && gr_value_set_name(c, v->name)) {
		gr_value_free(c);
		return NULL;
	}
	return c;
}

void gr_value_free(struct gr_value *v)
{
	if (!v)
		return;
	free(v->name);
	gr_mem_put(v->data);
	free(v);
}

int gr_value_set_name(struct gr_value *v, const char *name)
{
	char *n = strdup(name ? name : "");

	if (!n)
		return -ENOMEM;
	free(v->name);
	v->name = n;
	return 0;
}

double gr_value_get_f(const struct gr_value *v, size_t i)
{
	switch (v->dtype) {
	case GR_FLOAT: return ((const float *)v->data)[i];
	case GR_UINT8: return ((const uint8_t *)v->data)[i];
	case GR_INT8: return ((const int8_t *)v->data)[i];
	case GR_UINT16: return ((const uint16_t *)v->data)[i];
	case GR_INT16: return ((const int16_t *)v->data)[i];
	case GR_INT32: return ((const int32_t *)v->data)[i];
	case GR_INT64: return (double)((const int64_t *)v->data)[i];
	case GR_BOOL: return ((const uint8_t *)v->data)[i] != 0;
	case GR_FLOAT16: return half_to_float(((const uint16_t *)v->data)[i]);
	case GR_DOUBLE: return ((const double *)v->data)[i];
	case GR_UINT32: return ((const uint32_t *)v->data)[i];
	case GR_UINT64: return (double)((const uint64_t *)v->data)[i];
	case GR_BFLOAT16: return bf16_to_float(((const uint16_t *)v->data)[i]);
	default: return 0;
	}
}

/* double -> int64 without undefined behaviour: truncate, saturate, NaN -> 0. */
static int64_t f_to_i64(double x)
{
	if (isnan(x))
		return 0;
	if (x >= 9223372036854775807.0)
		return INT64_MAX;
	if (x <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)x;
}

int64_t gr_value_get_i(const struct gr_value *v, size_t i)
{
	switch (v->dtype) {
	case GR_UINT8: return ((const uint8_t *)v->data)[i];
	case GR_INT8: return ((const int8_t *)v->data)[i];
	case GR_UINT16: return ((const uint16_t *)v->data)[i];
	case GR_INT16: return ((const int16_t *)v->data)[i];
	case GR_INT32: return ((const int32_t *)v->data)[i];
	case GR_INT64: return ((const int64_t *)v->data)[i];
	case GR_BOOL: return ((const uint8_t *)v->data)[i] != 0;
	case GR_UINT32: return ((const uint32_t *)v->data)[i];
	case GR_UINT64: return (int64_t)((const uint64_t *)v->data)[i];
	default: return f_to_i64(gr_value_get_f(v, i));
	}
}

static double clampd(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

void gr_value_set_f(struct gr_value *v, size_t i, double x)
{
	switch (v->dtype) {
	case GR_FLOAT: ((float *)v->data)[i] = (float)x; return;
	case GR_DOUBLE: ((double *)v->data)[i] = x; return;
	case GR_FLOAT16: ((uint16_t *)v->data)[i] = float_to_half((float)x); return;
	case GR_BFLOAT16: ((uint16_t *)v->data)[i] = float_to_bf16((float)x); return;
	case GR_BOOL: ((uint8_t *)v->data)[i] = x != 0; return;
	default: break;
	}
	if (isnan(x)) {
		gr_value_set_i(v, i, 0);
		return;
	}
	switch (v->dtype) {
	case GR_UINT8: x = clampd(x, 0, 255); break;
	case GR_INT8: x = clampd(x, -128, 127); break;
	case GR_UINT16: x = clampd(x, 0, 65535); break;
	case GR_INT16: x = clampd(x, -32768, 32767); break;
	case GR_INT32: x = clampd(x, -2147483648.0, 2147483647.0); break;
	case GR_UINT32: x = clampd(x, 0, 4294967295.0); break;
	case GR_UINT64:
		if (x >= 18446744073709551615.0)
			((uint64_t *)v->data)[i] = UINT64_MAX;
		else
			((uint64_t *)v->data)[i] = x > 0 ? (uint64_t)x : 0;
		return;
	default: break;
	}
	gr_value_set_i(v, i, f_to_i64(x));
}

void gr_value_set_i(struct gr_value *v, size_t i, int64_t x)
{
	switch (v->dtype) {
	case GR_UINT8: ((uint8_t *)v->data)[i] = (uint8_t)x; break;
	case GR_INT8: ((int8_t *)v->data)[i] = (int8_t)x; break;
	case GR_UINT16: ((uint16_t *)v->data)[i] = (uint16_t)x; break;
	case GR_INT16: ((int16_t *)v->data)[i] = (int16_t)x; break;
	case GR_INT32: ((int32_t *)v->data)[i] = (int32_t)x; break;
	case GR_INT64: ((int64_t *)v->data)[i] = x; break;
	case GR_BOOL: ((uint8_t *)v->data)[i] = x != 0; break;
	case GR_UINT32: ((uint32_t *)v->data)[i] = (uint32_t)x; break;
	case GR_UINT64: ((uint64_t *)v->data)[i] = (uint64_t)x; break;
	default: gr_value_set_f(v, i, (double)x); break;
	}
}

void gr_graph_free(struct gr_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_tensors; i++) {
		free(g->tensors[i].name);
		gr_value_free(g->tensors[i].constant);
	}
	for (int i = 0; i < g->n_nodes; i++)
		gr_node_clear(&g->nodes[i]);
	free(g->tensors);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g->name);
	free(g);
}

int gr_graph_tensor(const struct gr_graph *g, const char *name)
{
	for (int i = 0; i < g->n_tensors; i++)
		if (!strcmp(g->tensors[i].name, name))
			return i;
	return -1;
}

int gr_graph_add_tensor(struct gr_graph *g, const char *name, struct gr_err *err)
{
	struct gr_tensor *t;

	if (g->n_tensors == g->cap_tensors) {
		int cap = g->cap_tensors ? 2 * g->cap_tensors : 64;
		void *p = realloc(g->tensors, (size_t)cap * sizeof(*t));

		if (!p)
			return gr_err_set(err, -ENOMEM, "out of memory");
		g->tensors = p;
		g->cap_tensors = cap;
	}
	t = &g->tensors[g->n_tensors];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name)
		return gr_err_set(err, -ENOMEM, "out of memory");
	t->rank = -1;
	t->producer = -1;
	return g->n_tensors++;
}
