/* SPDX-License-Identifier: MIT */
/*
 * ONNX import: protobuf (generated at build time by protoc-c from Debian's
 * onnx.proto) to the graph IR, and TensorProto files to and from values.
 */
#ifndef OX_ONNX_H
#define OX_ONNX_H

#include <stddef.h>

#include "graph/graph.h"

/* Supported range of the default (ai.onnx) opset. */
#define OX_OPSET_MIN	1
#define OX_OPSET_MAX	21

int ox_model_load_file(const char *path, struct gr_graph **out, struct gr_err *err);
int ox_model_load_mem(const void *buf, size_t len, const char *what,
		      struct gr_graph **out, struct gr_err *err);
/*
 * The same with the graph inputs' unknown dims taken from shapes[i] (the
 * i-th graph input's value for a run); known dims must agree.
 */
int ox_model_load_shaped(const void *buf, size_t len, const char *what,
			 const struct gr_value *const *shapes, int n_shapes,
			 struct gr_graph **out, struct gr_err *err);

int ox_tensor_load_file(const char *path, struct gr_value **out, struct gr_err *err);
int ox_tensor_load_mem(const void *buf, size_t len, const char *what,
		       struct gr_value **out, struct gr_err *err);
int ox_tensor_save_file(const char *path, const struct gr_value *v, struct gr_err *err);

/* Whole file into memory (for models and tensors). */
int ox_read_file(const char *path, void **buf, size_t *len, struct gr_err *err);

#endif /* OX_ONNX_H */
