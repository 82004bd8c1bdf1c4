// SPDX-License-Identifier: MIT
/* Public host tensors: struct accel_tensor is the graph IR's value. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "accel/model.h"
#include "core/internal.h"
#include "graph/graph.h"
#include "onnx/onnx.h"

#define TV(t) ((struct gr_value *)(t))
#define CTV(t) ((const struct gr_value *)(t))

const char *accel_dtype_name(int dtype)
{
	return gr_dtype_name(dtype);
}

struct accel_tensor *accel_tensor_new(int dtype, int rank, const int64_t *dims)
{
	struct gr_err err;
	struct gr_value *v = gr_value_new(dtype, rank, dims, &err);

	if (!v)
		eyr_error(-EINVAL, "accel_tensor_new: %s", err.msg);
	return (struct accel_tensor *)v;
}

int accel_tensor_load(const char *path, struct accel_tensor **out)
{
	struct gr_value *v;
	struct gr_err err;
	int rc = ox_tensor_load_file(path, &v, &err);

	if (rc)
		return eyr_error(rc, "%s", err.msg);
	*out = (struct accel_tensor *)v;
	return 0;
}

int accel_tensor_load_mem(const void *buf, size_t len, struct accel_tensor **out)
{
	struct gr_value *v;
	struct gr_err err;
	int rc;

	if ((!buf && len) || !out)
		return eyr_error(-EINVAL, "accel_tensor_load_mem: NULL argument");
	rc = ox_tensor_load_mem(buf, len, "tensor", &v, &err);
	if (rc)
		return eyr_error(rc, "%s", err.msg);
	*out = (struct accel_tensor *)v;
	return 0;
}

int accel_tensor_save(const struct accel_tensor *t, const char *path)
{
	struct gr_err err;
	int rc = ox_tensor_save_file(path, CTV(t), &err);

	if (rc)
		return eyr_error(rc, "%s", err.msg);
	return 0;
}

void accel_tensor_free(struct accel_tensor *t)
{
	gr_value_free(TV(t));
}

int accel_tensor_dtype(const struct accel_tensor *t)
{
	return CTV(t)->dtype;
}

int accel_tensor_rank(const struct accel_tensor *t)
{
	return CTV(t)->rank;
}

const int64_t *accel_tensor_dims(const struct accel_tensor *t)
{
	return CTV(t)->dims;
}

size_t accel_tensor_count(const struct accel_tensor *t)
{
	return CTV(t)->count;
}

void *accel_tensor_data(struct accel_tensor *t)
{
	return TV(t)->data;
}

const char *accel_tensor_name(const struct accel_tensor *t)
{
	return CTV(t)->name ? CTV(t)->name : "";
}

int accel_tensor_set_name(struct accel_tensor *t, const char *name)
{
	if (gr_value_set_name(TV(t), name))
		return eyr_error(-ENOMEM, "out of memory");
	return 0;
}

int accel_tensor_compare(const struct accel_tensor *a, const struct accel_tensor *b,
			 double *max_abs_diff)
{
	const struct gr_value *x = CTV(a), *y = CTV(b);
	double worst = 0;

	if (x->dtype != y->dtype)
		return eyr_error(-EINVAL, "types differ: %s vs %s",
				 gr_dtype_name(x->dtype), gr_dtype_name(y->dtype));
	if (x->count != y->count || x->rank != y->rank ||
	    memcmp(x->dims, y->dims, (size_t)x->rank * sizeof(int64_t)))
		return eyr_error(-EINVAL, "shapes differ (%zu vs %zu elements, rank %d vs %d)",
				 x->count, y->count, x->rank, y->rank);
	for (size_t i = 0; i < x->count; i++) {
		double d, p = gr_value_get_f(x, i), q = gr_value_get_f(y, i);

		if (isnan(p) || isnan(q)) {
			if (isnan(p) != isnan(q)) {
				worst = INFINITY;
				break;
			}
			continue;
		}
		if (x->dtype == GR_INT64)
			d = fabs((double)(gr_value_get_i(x, i) - gr_value_get_i(y, i)));
		else
			d = fabs(p - q);
		if (d > worst)
			worst = d;
	}
	*max_abs_diff = worst;
	return 0;
}
