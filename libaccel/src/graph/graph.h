/* SPDX-License-Identifier: MIT */
/*
 * Graph IR: what ONNX import produces and what lowering, the CPU reference
 * and the runner consume.
 *
 * Tensors are numbered; nodes refer to them by index. Shapes are known at
 * import time when the model gives them (dims of -1 stay unknown until run
 * time: such tensors are only ever handled by the CPU). Values are dense,
 * row-major host arrays tagged with their ONNX data type.
 */
#ifndef GR_GRAPH_H
#define GR_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define GR_MAX_RANK	8
/*
 * Inputs of one node at most. A node's input list is allocated to its
 * size (struct gr_node.in), so this only bounds what a hostile file can
 * ask for: Concat / Sum of DenseNet-style graphs and their com.microsoft
 * QLinearConcat (2 + 3 per input: DenseNet-201's 49-way join is 149) fit.
 */
#define GR_MAX_INPUTS	1024
#define GR_MAX_OUTPUTS	16
/* Anything larger is rejected as an absurd size (1 Gi elements). */
#define GR_MAX_ELEMS	(1ll << 30)

/* ONNX TensorProto.DataType codes of the types the runner handles. */
enum gr_dtype {
	GR_UNDEFINED = 0,
	GR_FLOAT = 1,
	GR_UINT8 = 2,
	GR_INT8 = 3,
	GR_UINT16 = 4,
	GR_INT16 = 5,
	GR_INT32 = 6,
	GR_INT64 = 7,
	GR_BOOL = 9,
	GR_FLOAT16 = 10,
	GR_DOUBLE = 11,
	GR_UINT32 = 12,
	GR_UINT64 = 13,
	GR_BFLOAT16 = 16,
};

/* A tensor value in host memory (also the public struct accel_tensor). */
struct gr_value {
	char *name;
	int dtype;
	int rank;
	int64_t dims[GR_MAX_RANK];
	size_t count;		/* elements */
	void *data;		/* count * gr_dtype_size(dtype) bytes */
};

enum gr_autopad { GR_PAD_NOTSET, GR_PAD_SAME_UPPER, GR_PAD_SAME_LOWER, GR_PAD_VALID };

/* Conv / pool window over 1 or 2 spatial axes (1-D runs as H = 1). */
struct gr_window {
	int has_kernel;
	int64_t kh, kw;
	int64_t sh, sw;
	int64_t dh, dw;
	int64_t pt, pl, pb, pr;
	enum gr_autopad auto_pad;
	int64_t group;
	int ceil_mode;
	int count_include_pad;
	int spatial;		/* spatial axes the attributes give (0: none) */
};

/* ONNX AttributeProto.AttributeType codes of the kinds kept on a node. */
enum gr_attr_type {
	GR_ATTR_FLOAT = 1,
	GR_ATTR_INT = 2,
	GR_ATTR_STRING = 3,
	GR_ATTR_TENSOR = 4,
	GR_ATTR_FLOATS = 6,
	GR_ATTR_INTS = 7,
};

/*
 * One attribute of a node, copied from the model at import. Ops read them
 * by name (graph/attr.c) when they infer shapes or run, so a new op needs
 * no field in struct gr_node.
 */
struct gr_attr {
	char *name;
	enum gr_attr_type type;
	int64_t i;
	float f;
	char *s;		/* STRING, NUL-terminated */
	int64_t *ints;		/* INTS */
	float *floats;		/* FLOATS */
	size_t n;		/* element count of ints / floats */
	struct gr_value *t;	/* TENSOR */
};

struct gr_op_def;

struct gr_node {
	char *name;		/* never NULL: generated when the model has none */
	const char *op_type;	/* ONNX op type (the registry row's name) */
	const struct gr_op_def *def;	/* its registry row (graph/registry.h) */
	int64_t opset;		/* the model's opset for the op's domain */
	int n_in;
	int *in;		/* n_in tensor indices (owned), -1 for an omitted optional */
	int n_out;
	int out[GR_MAX_OUTPUTS];
	struct gr_attr *attrs;	/* owned */
	int n_attrs;
	/* its outputs were computed at import (Constant, folding): never runs */
	int folded;
	/* import: why no registry row serves it (the whole line, owned) */
	char *unsupported;
};

struct gr_tensor {
	char *name;
	int dtype;
	int rank;		/* -1 unknown */
	int64_t dims[GR_MAX_RANK]; /* -1 unknown */
	struct gr_value *constant; /* initializer or Constant output */
	int producer;		/* node index, -1 for inputs and constants */
	int is_input;		/* graph input fed at run time */
	int is_output;
	int consumers;		/* how many node inputs read it */
};

struct gr_graph {
	char *name;
	int64_t opset;
	struct gr_tensor *tensors;
	int n_tensors, cap_tensors;
	struct gr_node *nodes;
	int n_nodes;
	int *inputs;		/* graph inputs fed at run time, in order */
	int n_inputs;
	int *outputs;
	int n_outputs;
	int bn_folded;		/* BatchNormalization nodes folded at import */
};

/* Error text: every failing call fills one (node name and reason). */
/* Room for the list of every unsupported node of a model. */
#define GR_ERR_LEN 4096
struct gr_err {
	char msg[GR_ERR_LEN];
	int code;		/* the last gr_err_set's code */
};

int gr_err_set(struct gr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Data types */
size_t gr_dtype_size(int dtype);
const char *gr_dtype_name(int dtype);
int gr_dtype_supported(int dtype);

/* Values */
struct gr_value *gr_value_new(int dtype, int rank, const int64_t *dims,
			      struct gr_err *err);
/* Like gr_value_new, its elements left undefined (the caller writes all). */
struct gr_value *gr_value_new_raw(int dtype, int rank, const int64_t *dims,
				  struct gr_err *err);
struct gr_value *gr_value_clone(const struct gr_value *v);
void gr_value_free(struct gr_value *v);
int gr_value_set_name(struct gr_value *v, const char *name);
/* Element i as double / int64 (any supported dtype). */
double gr_value_get_f(const struct gr_value *v, size_t i);
int64_t gr_value_get_i(const struct gr_value *v, size_t i);
/*
 * Stores x as element i: floating types round to nearest even, integer
 * types truncate toward zero and saturate (NaN -> 0), bool is x != 0.
 */
void gr_value_set_f(struct gr_value *v, size_t i, double x);
/* Stores x as element i: integer types wrap (two's complement), bool != 0. */
void gr_value_set_i(struct gr_value *v, size_t i, int64_t x);
int gr_dtype_is_float(int dtype);
int gr_dtype_is_signed(int dtype);
/* Element count of dims, -1 if unknown, -2 if absurd. */
int64_t gr_dims_count(int rank, const int64_t *dims);

/* Attributes of a node (graph/attr.c): absent or of another type -> dflt. */
const struct gr_attr *gr_attr_find(const struct gr_node *n, const char *name);
int64_t gr_attr_int(const struct gr_node *n, const char *name, int64_t dflt);
float gr_attr_float(const struct gr_node *n, const char *name, float dflt);
const char *gr_attr_str(const struct gr_node *n, const char *name, const char *dflt);
/* INTS attribute: its values and count, or -1 when absent. */
int gr_attr_ints(const struct gr_node *n, const char *name, const int64_t **v);
void gr_node_clear(struct gr_node *n);
/*
 * Gives n room for n_in inputs (new slots -1, the first ones kept) and sets
 * n->n_in. -ENOMEM or -E2BIG (more than GR_MAX_INPUTS) with the node named.
 */
int gr_node_set_inputs(struct gr_node *n, int n_in, struct gr_err *err);
/*
 * The conv / pool window of n (kernel_shape, strides, dilations, pads,
 * auto_pad, group, ceil_mode, count_include_pad). -EOPNOTSUPP / -EINVAL
 * with the node named for a malformed or 3-D window.
 */
int gr_node_window(const struct gr_node *n, struct gr_window *w, struct gr_err *err);
/* n runs the default-domain op `op_type`. */
int gr_node_is(const struct gr_node *n, const char *op_type);

/* Graph */
void gr_graph_free(struct gr_graph *g);
int gr_graph_tensor(const struct gr_graph *g, const char *name); /* -1 if none */
int gr_graph_add_tensor(struct gr_graph *g, const char *name, struct gr_err *err);

/*
 * Shape and type inference of one node. in[i] describes input i (NULL if
 * omitted); its data is NULL when only the shape is known, and dims may be
 * -1 (unknown, checks skipped). Fills out[] shapes and dtypes (data NULL).
 * Returns 0 or -EINVAL / -EOPNOTSUPP / -E2BIG with the node and the reason.
 */
int gr_infer_node(const struct gr_node *node, const struct gr_value *const *in,
		  struct gr_value *out, struct gr_err *err);

/*
 * Infers every tensor of the graph (import calls it) and folds what can be
 * computed once: nodes whose inputs are all constants, and Shape of a
 * tensor whose dims are known (so Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape subgraphs become constants and the rest of the graph sees static
 * shapes). Unsupported nodes (no registry row, or an unsupported form) are
 * all listed in one -EOPNOTSUPP error, one line per node.
 */
int gr_graph_infer(struct gr_graph *g, struct gr_err *err);

#endif /* GR_GRAPH_H */
