// SPDX-License-Identifier: MIT
/* Graph IR: values, tensors and the graph container. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/budget.h"
#include "graph/graph.h"

int gr_err_set(struct gr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

size_t gr_dtype_size(int dtype)
{
	switch (dtype) {
	case GR_FLOAT: return 4;
	case GR_UINT8: return 1;
	case GR_INT8: return 1;
	case GR_INT32: return 4;
	case GR_INT64: return 8;
	default: return 0;
	}
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

struct gr_value *gr_value_new(int dtype, int rank, const int64_t *dims,
			      struct gr_err *err)
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
	v->data = calloc(n ? (size_t)n : 1, gr_dtype_size(dtype));
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

struct gr_value *gr_value_clone(const struct gr_value *v)
{
	struct gr_value *c = gr_value_new(v->dtype, v->rank, v->dims, NULL);

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
	free(v->data);
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
	case GR_INT32: return ((const int32_t *)v->data)[i];
	case GR_INT64: return (double)((const int64_t *)v->data)[i];
	default: return 0;
	}
}

/* Truncation with the out-of-range cases defined: NaN is 0, beyond saturates. */
static int64_t float_to_i64(float f)
{
	if (f != f)
		return 0;
	if (f >= 9.2233720e18f)
		return INT64_MAX;
	if (f <= -9.2233720e18f)
		return INT64_MIN;
	return (int64_t)f;
}

int64_t gr_value_get_i(const struct gr_value *v, size_t i)
{
	switch (v->dtype) {
	case GR_FLOAT: return float_to_i64(((const float *)v->data)[i]);
	case GR_UINT8: return ((const uint8_t *)v->data)[i];
	case GR_INT8: return ((const int8_t *)v->data)[i];
	case GR_INT32: return ((const int32_t *)v->data)[i];
	case GR_INT64: return ((const int64_t *)v->data)[i];
	default: return 0;
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

int gr_graph_tensor(struct gr_graph *g, const char *name)
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
