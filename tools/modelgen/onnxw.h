/* SPDX-License-Identifier: MIT */
/* A small ONNX writer over the protoc-c bindings (build/gen/onnx). */
#ifndef MG_ONNXW_H
#define MG_ONNXW_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"

struct mg_graph {
	Onnx__NodeProto **nodes;
	size_t n_nodes, cap_nodes;
	Onnx__TensorProto **inits;
	size_t n_inits, cap_inits;
	Onnx__ValueInfoProto *input, *output;
};

/* Attributes for mg_node: NULL-terminated list built with these. */
Onnx__AttributeProto *mg_attr_int(const char *name, int64_t v);
Onnx__AttributeProto *mg_attr_ints(const char *name, int n, const int64_t *v);

void mg_node(struct mg_graph *g, const char *op, const char *name,
	     const char *const *inputs, const char *output,
	     Onnx__AttributeProto **attrs);
void mg_init(struct mg_graph *g, const char *name, int dtype, int rank,
	     const int64_t *dims, const void *data, size_t bytes);
void mg_init_scalar_f(struct mg_graph *g, const char *name, float v);
void mg_init_scalar_i8(struct mg_graph *g, const char *name, int8_t v);
void mg_io(struct mg_graph *g, int is_output, const char *name, int dtype,
	   int rank, const int64_t *dims);
/* Writes the model (opset 13) and frees the graph. Returns 0 or -1. */
int mg_write(struct mg_graph *g, const char *graph_name, const char *path);
/* The same with a chosen default-domain opset (tests write bad ones). */
int mg_write_opset(struct mg_graph *g, const char *graph_name, const char *path,
		   int opset);
/* With a second graph input (after g->input), for weights fed at run time. */
int mg_write_inputs(struct mg_graph *g, const char *graph_name, const char *path,
		    Onnx__ValueInfoProto *second);
int mg_write_full(struct mg_graph *g, const char *graph_name, const char *path,
		  int opset, Onnx__ValueInfoProto *second);
/* Writes one tensor as a TensorProto file. */
int mg_write_tensor(const char *path, const char *name, int dtype, int rank,
		    const int64_t *dims, const void *data, size_t bytes);

void *mg_xmalloc(size_t n);
char *mg_strdup(const char *s);

#endif /* MG_ONNXW_H */
