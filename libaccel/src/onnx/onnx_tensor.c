// SPDX-License-Identifier: MIT
/* TensorProto <-> values, and reading files whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx/onnx.h"
#include "onnx/onnx_priv.h"

int ox_read_file(const char *path, void **buf, size_t *len, struct gr_err *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	void *p;

	if (!f)
		return gr_err_set(err, -errno, "cannot open '%s': %s", path,
				  strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return gr_err_set(err, -EINVAL, "'%s' is not a regular file", path);
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		fclose(f);
		return gr_err_set(err, -ENOMEM, "out of memory reading '%s'", path);
	}
	if (st.st_size && fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(p);
		fclose(f);
		return gr_err_set(err, -EIO, "cannot read '%s'", path);
	}
	fclose(f);
	*buf = p;
	*len = (size_t)st.st_size;
	return 0;
}

/* Where a TensorProto holds its elements. */
enum tp_field { TP_NONE, TP_RAW, TP_FLOAT, TP_INT64, TP_DOUBLE, TP_UINT64, TP_INT32 };

/*
 * The one accessor for a TensorProto's elements: which field holds them,
 * with the element count of the shape proven against what the field
 * holds, before anything is allocated or copied. An empty tensor needs no
 * field (and its fields may be NULL).
 */
static int tp_elements(const Onnx__TensorProto *tp, int dtype, size_t count,
		       const char *what, enum tp_field *field, struct gr_err *err)
{
	size_t bytes = count * gr_dtype_size(dtype);	/* count <= GR_MAX_ELEMS */

	*field = TP_NONE;
	if (tp->has_raw_data) {
		if (tp->raw_data.len != bytes)
			return gr_err_set(err, -EINVAL,
					  "%s: raw data has %zu bytes but the shape needs %zu (truncated or wrong shape)",
					  what, tp->raw_data.len, bytes);
		if (bytes && !tp->raw_data.data)
			return gr_err_set(err, -EINVAL, "%s: raw data missing", what);
		*field = bytes ? TP_RAW : TP_NONE;
		return 0;
	}
	if (!count)
		return 0;
	if (dtype == GR_FLOAT && tp->n_float_data == count && tp->float_data)
		*field = TP_FLOAT;
	else if (dtype == GR_INT64 && tp->n_int64_data == count && tp->int64_data)
		*field = TP_INT64;
	else if (dtype == GR_DOUBLE && tp->n_double_data == count && tp->double_data)
		*field = TP_DOUBLE;
	else if ((dtype == GR_UINT32 || dtype == GR_UINT64) &&
		 tp->n_uint64_data == count && tp->uint64_data)
		*field = TP_UINT64;
	else if ((dtype == GR_INT32 || dtype == GR_INT8 || dtype == GR_UINT8 ||
		  dtype == GR_INT16 || dtype == GR_UINT16 || dtype == GR_BOOL ||
		  dtype == GR_FLOAT16 || dtype == GR_BFLOAT16) &&
		 tp->n_int32_data == count && tp->int32_data)
		*field = TP_INT32;
	else
		return gr_err_set(err, -EINVAL,
				  "%s: tensor data missing or of the wrong length for its shape (%zu elements)",
				  what, count);
	return 0;
}

int ox_tensor_from_proto(const Onnx__TensorProto *tp, const char *what,
			 struct gr_value **out, struct gr_err *err)
{
	int64_t dims[GR_MAX_RANK], count;
	enum tp_field field;
	struct gr_value *v;
	int dtype = tp->has_data_type ? tp->data_type : 0;
	int rc;

	if (tp->has_data_location &&
	    tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return gr_err_set(err, -EOPNOTSUPP,
				  "%s: external tensor data is not supported (save the model with the data inside)",
				  what);
	if (!gr_dtype_supported(dtype))
		return gr_err_set(err, -EOPNOTSUPP,
				  "%s: tensor type %s is not supported (numeric types and bool are; string and complex are not)",
				  what, gr_dtype_name(dtype));
	if (tp->n_dims > GR_MAX_RANK)
		return gr_err_set(err, -EOPNOTSUPP, "%s: rank %zu is above %d", what,
				  tp->n_dims, GR_MAX_RANK);
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return gr_err_set(err, -EINVAL, "%s: negative dimension %lld",
					  what, (long long)tp->dims[i]);
		dims[i] = tp->dims[i];
	}
	count = gr_dims_count((int)tp->n_dims, dims);
	if (count < 0)
		return gr_err_set(err, -E2BIG, "%s: tensor of more than %lld elements",
				  what, (long long)GR_MAX_ELEMS);
	/* the data must be there before its tensor is allocated */
	rc = tp_elements(tp, dtype, (size_t)count, what, &field, err);
	if (rc)
		return rc;
	v = gr_value_new(dtype, (int)tp->n_dims, dims, err);
	if (!v) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return gr_err_set(err, -E2BIG, "%s: %s", what, why);
	}
	switch (field) {
	case TP_NONE:
		break;
	case TP_RAW:
		memcpy(v->data, tp->raw_data.data, v->count * gr_dtype_size(dtype));
		break;
	case TP_FLOAT:
		memcpy(v->data, tp->float_data, v->count * sizeof(float));
		break;
	case TP_INT64:
		memcpy(v->data, tp->int64_data, v->count * sizeof(int64_t));
		break;
	case TP_DOUBLE:
		memcpy(v->data, tp->double_data, v->count * sizeof(double));
		break;
	case TP_UINT64:
		for (size_t i = 0; i < v->count; i++)
			gr_value_set_i(v, i, (int64_t)tp->uint64_data[i]);
		break;
	case TP_INT32:
		/* int32_data holds the values, or the bits of 16-bit floats */
		for (size_t i = 0; i < v->count; i++) {
			int32_t x = tp->int32_data[i];

			if (gr_dtype_size(dtype) == 2)
				((uint16_t *)v->data)[i] = (uint16_t)x;
			else
				gr_value_set_i(v, i, x);
		}
		break;
	}
	if (tp->name && gr_value_set_name(v, tp->name)) {
		gr_value_free(v);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	*out = v;
	return 0;
}

int ox_tensor_load_mem(const void *buf, size_t len, const char *what,
		       struct gr_value **out, struct gr_err *err)
{
	Onnx__TensorProto *tp;
	int rc;

	tp = onnx__tensor_proto__unpack(NULL, len, buf);
	if (!tp)
		return gr_err_set(err, -EINVAL,
				  "%s: not a valid ONNX TensorProto (truncated or corrupt)",
				  what);
	rc = ox_tensor_from_proto(tp, what, out, err);
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return rc;
}

int ox_tensor_load_file(const char *path, struct gr_value **out, struct gr_err *err)
{
	void *buf;
	size_t len;
	int rc = ox_read_file(path, &buf, &len, err);

	if (rc)
		return rc;
	rc = ox_tensor_load_mem(buf, len, path, out, err);
	free(buf);
	return rc;
}

int ox_tensor_save_file(const char *path, const struct gr_value *v, struct gr_err *err)
{
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	int64_t dims[GR_MAX_RANK];
	size_t len;
	uint8_t *buf;
	FILE *f;
	int rc = 0;

	for (int i = 0; i < v->rank; i++)
		dims[i] = v->dims[i];
	tp.n_dims = (size_t)v->rank;
	tp.dims = dims;
	tp.has_data_type = 1;
	tp.data_type = v->dtype;
	tp.name = v->name;
	tp.has_raw_data = 1;
	tp.raw_data.len = v->count * gr_dtype_size(v->dtype);
	tp.raw_data.data = v->data;
	len = onnx__tensor_proto__get_packed_size(&tp);
	buf = malloc(len ? len : 1);
	if (!buf)
		return gr_err_set(err, -ENOMEM, "out of memory");
	onnx__tensor_proto__pack(&tp, buf);
	f = fopen(path, "wb");
	if (!f) {
		rc = gr_err_set(err, -errno, "cannot create '%s': %s", path,
				strerror(errno));
	} else {
		if (fwrite(buf, 1, len, f) != len)
			rc = gr_err_set(err, -EIO, "cannot write '%s'", path);
		if (fclose(f) && !rc)
			rc = gr_err_set(err, -EIO, "cannot write '%s'", path);
	}
	free(buf);
	return rc;
}
