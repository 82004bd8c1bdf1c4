// SPDX-License-Identifier: MIT
/* ONNX writer for the network generator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnxw.h"

void *mg_xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fprintf(stderr, "modelgen: out of memory (%zu bytes)\n", n);
		exit(3);
	}
	return p;
}

char *mg_strdup(const char *s)
{
	char *d = mg_xmalloc(strlen(s) + 1);

	strcpy(d, s);
	return d;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 64;
	arr = realloc(arr, *cap * elem);
	if (!arr) {
		fprintf(stderr, "modelgen: out of memory\n");
		exit(3);
	}
	return arr;
}

static Onnx__AttributeProto *attr_new(const char *name, Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = mg_xmalloc(sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = mg_strdup(name);
	a->has_type = 1;
	a->type = type;
	return a;
}

Onnx__AttributeProto *mg_attr_int(const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr_new(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
	return a;
}

Onnx__AttributeProto *mg_attr_ints(const char *name, int n, const int64_t *v)
{
	Onnx__AttributeProto *a = attr_new(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = (size_t)n;
	a->ints = mg_xmalloc((size_t)n * sizeof(int64_t));
	memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
	return a;
}

void mg_node(struct mg_graph *g, const char *op, const char *name,
	     const char *const *inputs, const char *output,
	     Onnx__AttributeProto **attrs)
{
	Onnx__NodeProto *n = mg_xmalloc(sizeof(*n));
	size_t ni = 0, na = 0;

	onnx__node_proto__init(n);
	while (inputs[ni])
		ni++;
	while (attrs && attrs[na])
		na++;
	n->op_type = mg_strdup(op);
	n->name = mg_strdup(name);
	n->domain = mg_strdup("");
	n->n_input = ni;
	n->input = mg_xmalloc(ni * sizeof(char *));
	for (size_t i = 0; i < ni; i++)
		n->input[i] = mg_strdup(inputs[i]);
	n->n_output = 1;
	n->output = mg_xmalloc(sizeof(char *));
	n->output[0] = mg_strdup(output);
	n->n_attribute = na;
	n->attribute = mg_xmalloc(na * sizeof(*n->attribute));
	for (size_t i = 0; i < na; i++)
		n->attribute[i] = attrs[i];
	g->nodes = grow(g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*g->nodes));
	g->nodes[g->n_nodes++] = n;
}

static Onnx__TensorProto *tensor(const char *name, int dtype, int rank,
				 const int64_t *dims, const void *data, size_t bytes)
{
	Onnx__TensorProto *t = mg_xmalloc(sizeof(*t));

	onnx__tensor_proto__init(t);
	t->name = mg_strdup(name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)rank;
	t->dims = mg_xmalloc((size_t)rank * sizeof(int64_t) + 1);
	if (rank)
		memcpy(t->dims, dims, (size_t)rank * sizeof(int64_t));
	t->has_raw_data = 1;
	t->raw_data.len = bytes;
	t->raw_data.data = mg_xmalloc(bytes);
	memcpy(t->raw_data.data, data, bytes);
	return t;
}

void mg_init(struct mg_graph *g, const char *name, int dtype, int rank,
	     const int64_t *dims, const void *data, size_t bytes)
{
	g->inits = grow(g->inits, &g->cap_inits, g->n_inits, sizeof(*g->inits));
	g->inits[g->n_inits++] = tensor(name, dtype, rank, dims, data, bytes);
}

void mg_init_scalar_f(struct mg_graph *g, const char *name, float v)
{
	mg_init(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &v, sizeof(v));
}

void mg_init_scalar_i8(struct mg_graph *g, const char *name, int8_t v)
{
	mg_init(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 0, NULL, &v, sizeof(v));
}

void mg_io(struct mg_graph *g, int is_output, const char *name, int dtype,
	   int rank, const int64_t *dims)
{
	Onnx__ValueInfoProto *vi = mg_value_info(name, dtype, rank, dims, NULL);

	if (is_output)
		g->output = vi;
	else
		g->input = vi;
}

static int write_buf(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "modelgen: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int pack_write(const Onnx__ModelProto *m, const char *path)
{
	size_t len = onnx__model_proto__get_packed_size(m);
	uint8_t *buf = mg_xmalloc(len);
	int rc;

	onnx__model_proto__pack(m, buf);
	rc = write_buf(path, buf, len);
	free(buf);
	return rc;
}

/* Frees the nodes and initializers (and their arrays) of g. */
static void free_body(struct mg_graph *g)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		onnx__node_proto__free_unpacked(g->nodes[i], NULL);
	for (size_t i = 0; i < g->n_inits; i++)
		onnx__tensor_proto__free_unpacked(g->inits[i], NULL);
	free(g->nodes);
	free(g->inits);
}

int mg_write(struct mg_graph *g, const char *graph_name, const char *path)
{
	return mg_write_opset(g, graph_name, path, 13);
}

int mg_write_opset(struct mg_graph *g, const char *graph_name, const char *path,
		   int opset)
{
	return mg_write_full(g, graph_name, path, opset, NULL);
}

int mg_write_inputs(struct mg_graph *g, const char *graph_name, const char *path,
		    Onnx__ValueInfoProto *second)
{
	return mg_write_full(g, graph_name, path, 13, second);
}

int mg_write_full(struct mg_graph *g, const char *graph_name, const char *path,
		  int opset, Onnx__ValueInfoProto *second)
{
	Onnx__ValueInfoProto *inputs[2] = { g->input, second };
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto gp = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto op = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *ops[1] = { &op };
	int rc;

	op.domain = (char *)"";
	op.has_version = 1;
	op.version = opset;
	gp.name = (char *)graph_name;
	gp.n_node = g->n_nodes;
	gp.node = g->nodes;
	gp.n_initializer = g->n_inits;
	gp.initializer = g->inits;
	gp.n_input = second ? 2 : 1;
	gp.input = inputs;
	gp.n_output = 1;
	gp.output = &g->output;
	m.has_ir_version = 1;
	m.ir_version = 7;
	m.producer_name = (char *)"eyrie-modelgen";
	m.n_opset_import = 1;
	m.opset_import = ops;
	m.graph = &gp;
	rc = pack_write(&m, path);
	free_body(g);
	onnx__value_info_proto__free_unpacked(g->input, NULL);
	if (second)
		onnx__value_info_proto__free_unpacked(second, NULL);
	onnx__value_info_proto__free_unpacked(g->output, NULL);
	return rc;
}

int mg_write_tensor(const char *path, const char *name, int dtype, int rank,
		    const int64_t *dims, const void *data, size_t bytes)
{
	Onnx__TensorProto *t = tensor(name, dtype, rank, dims, data, bytes);
	size_t len = onnx__tensor_proto__get_packed_size(t);
	uint8_t *buf = mg_xmalloc(len);
	int rc;

	onnx__tensor_proto__pack(t, buf);
	rc = write_buf(path, buf, len);
	free(buf);
	onnx__tensor_proto__free_unpacked(t, NULL);
	return rc;
}

Onnx__AttributeProto *mg_attr_float(const char *name, float v)
{
	Onnx__AttributeProto *a = attr_new(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
	return a;
}

Onnx__AttributeProto *mg_attr_string(const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr_new(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)mg_strdup(v);
	return a;
}

Onnx__AttributeProto *mg_attr_tensor(const char *name, int dtype, int rank,
				     const int64_t *dims, const void *data, size_t bytes)
{
	Onnx__AttributeProto *a = attr_new(name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);

	a->t = tensor("", dtype, rank, dims, data, bytes);
	return a;
}

static char **strv(const char *const *v, size_t *n)
{
	char **out;

	*n = 0;
	while (v && v[*n])
		(*n)++;
	out = mg_xmalloc(*n * sizeof(char *));
	for (size_t i = 0; i < *n; i++)
		out[i] = mg_strdup(v[i]);
	return out;
}

void mg_node_dom(struct mg_graph *g, const char *domain, const char *op,
		 const char *name, const char *const *inputs,
		 const char *const *outputs, Onnx__AttributeProto **attrs)
{
	Onnx__NodeProto *n = mg_xmalloc(sizeof(*n));
	size_t na = 0;

	onnx__node_proto__init(n);
	while (attrs && attrs[na])
		na++;
	n->op_type = mg_strdup(op);
	n->name = mg_strdup(name);
	n->domain = mg_strdup(domain);
	n->input = strv(inputs, &n->n_input);
	n->output = strv(outputs, &n->n_output);
	n->n_attribute = na;
	n->attribute = mg_xmalloc(na * sizeof(*n->attribute));
	for (size_t i = 0; i < na; i++)
		n->attribute[i] = attrs[i];
	g->nodes = grow(g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*g->nodes));
	g->nodes[g->n_nodes++] = n;
}

Onnx__ValueInfoProto *mg_value_info(const char *name, int dtype, int rank,
				    const int64_t *dims, const char *const *dim_params)
{
	Onnx__ValueInfoProto *vi = mg_xmalloc(sizeof(*vi));
	Onnx__TypeProto *tp = mg_xmalloc(sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = mg_xmalloc(sizeof(*tt));
	Onnx__TensorShapeProto *sh = mg_xmalloc(sizeof(*sh));

	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	sh->n_dim = (size_t)rank;
	sh->dim = mg_xmalloc((size_t)rank * sizeof(*sh->dim));
	for (int i = 0; i < rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = mg_xmalloc(sizeof(*d));

		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] < 0 && dim_params && dim_params[i]) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = mg_strdup(dim_params[i]);
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		}
		sh->dim[i] = d;
	}
	tt->has_elem_type = 1;
	tt->elem_type = dtype;
	tt->shape = sh;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->name = mg_strdup(name);
	vi->type = tp;
	return vi;
}

static void push_vi(Onnx__ValueInfoProto ***arr, size_t *n, size_t *cap,
		    Onnx__ValueInfoProto *vi)
{
	*arr = grow(*arr, cap, *n, sizeof(**arr));
	(*arr)[(*n)++] = vi;
}

void mg_add_input(struct mg_graph *g, Onnx__ValueInfoProto *vi)
{
	push_vi(&g->ins, &g->n_ins, &g->cap_ins, vi);
}

void mg_add_output(struct mg_graph *g, Onnx__ValueInfoProto *vi)
{
	push_vi(&g->outs, &g->n_outs, &g->cap_outs, vi);
}

void mg_add_value_info(struct mg_graph *g, Onnx__ValueInfoProto *vi)
{
	push_vi(&g->vinfo, &g->n_vinfo, &g->cap_vinfo, vi);
}

int mg_write_model(struct mg_graph *g, const char *graph_name, const char *path,
		   const struct mg_model_info *info)
{
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto gp = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto op = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto ms = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *ops[2] = { &op, &ms };
	int rc;

	op.domain = (char *)"";
	op.has_version = 1;
	op.version = info->opset;
	ms.domain = (char *)"com.microsoft";
	ms.has_version = 1;
	ms.version = info->ms_opset;
	gp.name = (char *)graph_name;
	gp.n_node = g->n_nodes;
	gp.node = g->nodes;
	gp.n_initializer = g->n_inits;
	gp.initializer = g->inits;
	gp.n_input = g->n_ins;
	gp.input = g->ins;
	gp.n_output = g->n_outs;
	gp.output = g->outs;
	gp.n_value_info = g->n_vinfo;
	gp.value_info = g->vinfo;
	m.has_ir_version = 1;
	m.ir_version = info->ir_version;
	m.producer_name = (char *)info->producer_name;
	m.producer_version = (char *)info->producer_version;
	m.n_opset_import = info->ms_opset ? 2 : 1;
	m.opset_import = ops;
	m.graph = &gp;
	rc = pack_write(&m, path);
	free_body(g);
	for (size_t i = 0; i < g->n_ins; i++)
		onnx__value_info_proto__free_unpacked(g->ins[i], NULL);
	for (size_t i = 0; i < g->n_outs; i++)
		onnx__value_info_proto__free_unpacked(g->outs[i], NULL);
	for (size_t i = 0; i < g->n_vinfo; i++)
		onnx__value_info_proto__free_unpacked(g->vinfo[i], NULL);
	free(g->ins);
	free(g->outs);
	free(g->vinfo);
	memset(g, 0, sizeof(*g));
	return rc;
}
