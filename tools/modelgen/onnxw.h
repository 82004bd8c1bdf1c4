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
	/* Graph inputs, outputs and value_info for mg_write_model. */
	Onnx__ValueInfoProto **ins, **outs, **vinfo;
	size_t n_ins, cap_ins, n_outs, cap_outs, n_vinfo, cap_vinfo;
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

/*
 * Exporter-style models (tools/modelgen/corpus*.c): nodes in any domain
 * with several outputs, string/float/tensor attributes, symbolic dims,
 * several graph inputs and outputs, value_info, and the model header an
 * exporter writes (producer, IR version, opset imports).
 */
Onnx__AttributeProto *mg_attr_float(const char *name, float v);
Onnx__AttributeProto *mg_attr_string(const char *name, const char *v);
/* A TENSOR attribute (Constant's value). */
Onnx__AttributeProto *mg_attr_tensor(const char *name, int dtype, int rank,
				     const int64_t *dims, const void *data, size_t bytes);
/* inputs and outputs NULL-terminated; "" is an omitted optional input. */
void mg_node_dom(struct mg_graph *g, const char *domain, const char *op,
		 const char *name, const char *const *inputs,
		 const char *const *outputs, Onnx__AttributeProto **attrs);
/* dims[i] < 0 with dim_params[i] set: a symbolic dimension. */
Onnx__ValueInfoProto *mg_value_info(const char *name, int dtype, int rank,
				    const int64_t *dims, const char *const *dim_params);
void mg_add_input(struct mg_graph *g, Onnx__ValueInfoProto *vi);
void mg_add_output(struct mg_graph *g, Onnx__ValueInfoProto *vi);
void mg_add_value_info(struct mg_graph *g, Onnx__ValueInfoProto *vi);

struct mg_model_info {
	const char *producer_name, *producer_version;
	int ir_version;
	int opset;		/* default domain */
	int ms_opset;		/* com.microsoft, 0: not imported */
};
/* Writes g->ins/outs/vinfo, nodes and initializers; frees the graph. */
int mg_write_model(struct mg_graph *g, const char *graph_name, const char *path,
		   const struct mg_model_info *info);

void *mg_xmalloc(size_t n);
char *mg_strdup(const char *s);

#endif /* MG_ONNXW_H */
