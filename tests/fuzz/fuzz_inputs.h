/* SPDX-License-Identifier: MIT */
/* Small input tensors for a fuzzed model, filled from the fuzz bytes. */
#ifndef FUZZ_INPUTS_H
#define FUZZ_INPUTS_H

#include <string.h>

#include "fuzz_common.h"

/*
 * Tensors for every input of m (unknown dims taken as 1), their bytes
 * taken from data in turn (floats as small values). Returns the count
 * made, or -1 when an input is too large for a quick run or cannot be made.
 */
static inline int fuzz_make_inputs(struct accel_model *m, const uint8_t *data,
				   size_t size, struct accel_tensor **in, int max)
{
	int n = accel_model_input_count(m);
	size_t k = 0;

	if (n < 0 || n > max)
		return -1;
	for (int i = 0; i < n; i++)
		in[i] = NULL;
	for (int i = 0; i < n; i++) {
		int64_t dims[ACCEL_TENSOR_MAX_RANK];
		int dtype, rank;
		size_t count = 1;
		uint8_t *p;

		if (accel_model_input_type(m, i, &dtype, &rank, dims) || rank < 0 ||
		    rank > ACCEL_TENSOR_MAX_RANK)
			goto fail;
		for (int d = 0; d < rank; d++) {
			if (dims[d] < 0)
				dims[d] = 1;
			if (dims[d] > FUZZ_MAX_INPUT_ELEMENTS)
				goto fail;
			count *= (size_t)dims[d];
			if (count > FUZZ_MAX_INPUT_ELEMENTS)
				goto fail;
		}
		in[i] = accel_tensor_new(dtype, rank, dims);
		if (!in[i])
			goto fail;
		p = accel_tensor_data(in[i]);
		for (size_t e = 0; e < count; e++) {
			uint8_t b = size ? data[k++ % size] : (uint8_t)e;

			switch (dtype) {
			case ACCEL_DTYPE_FLOAT:
				((float *)p)[e] = ((float)b - 128.0f) / 16.0f;
				break;
			case ACCEL_DTYPE_INT32:
				((int32_t *)p)[e] = (int8_t)b;
				break;
			case ACCEL_DTYPE_INT64:
				((int64_t *)p)[e] = (int8_t)b;
				break;
			default:
				p[e] = b;
				break;
			}
		}
	}
	return n;
fail:
	for (int i = 0; i < n; i++)
		accel_tensor_free(in[i]);
	return -1;
}

static inline void fuzz_free_tensors(struct accel_tensor **t, int n)
{
	for (int i = 0; i < n; i++)
		accel_tensor_free(t[i]);
}

#endif /* FUZZ_INPUTS_H */
