// SPDX-License-Identifier: MIT
/* ModelProto -> graph IR, with a clear error for every malformed model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "onnx/onnx_priv.h"

struct op_entry {
	const char *name;
	enum gr_op op;
};

static const struct op_entry op_table[] = {
	{ "Conv", GR_OP_CONV },
	{ "QLinearConv", GR_OP_QLINEARCONV },
	{ "ConvInteger", GR_OP_CONVINTEGER },
	{ "MatMul", GR_OP_MATMUL },
	{ "QLinearMatMul", GR_OP_QLINEARMATMUL },
	{ "MatMulInteger", GR_OP_MATMULINTEGER },
	{ "Gemm", GR_OP_GEMM },
	{ "QuantizeLinear", GR_OP_QUANTIZE },
	{ "DequantizeLinear", GR_OP_DEQUANTIZE },
	{ "Relu", GR_OP_RELU },
	{ "Clip", GR_OP_CLIP },
	{ "MaxPool", GR_OP_MAXPOOL },
	{ "AveragePool", GR_OP_AVGPOOL },
	{ "GlobalAveragePool", GR_OP_GLOBALAVGPOOL },
	{ "Add", GR_OP_ADD },
	{ "Flatten", GR_OP_FLATTEN },
	{ "Reshape", GR_OP_RESHAPE },
	{ "Constant", GR_OP_CONSTANT },
};

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

static int lookup_op(const char *name, enum gr_op *op)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (!strcmp(op_table[i].name, name)) {
			*op = op_table[i].op;
			return 0;
		}
	return -1;
}

static int ints_attr(const struct gr_node *n, const Onnx__AttributeProto *a,
		     int64_t *v2, int64_t dflt, int pairs, struct gr_err *err)
{
	size_t want = (size_t)(pairs ? 4 : 2);

	/* 2-D: [h, w] (pads: [t, l, b, r]); 1-D: [w] (pads: [l, r]) */
	if (a->n_ints == want) {
		memcpy(v2, a->ints, want * sizeof(int64_t));
		return 0;
	}
	if (a->n_ints == want / 2) {
		if (pairs) {
			v2[0] = dflt;
			v2[1] = a->ints[0];
			v2[2] = dflt;
			v2[3] = a->ints[1];
		} else {
			v2[0] = dflt;
			v2[1] = a->ints[0];
		}
		return 0;
	}
	return NODE_ERR(err, -EOPNOTSUPP, n,
			"attribute %s has %zu values: only 1-D and 2-D windows are supported",
			a->name, a->n_ints);
}

static int parse_attrs(struct gr_node *n, const Onnx__NodeProto *np,
		       struct gr_value **constant, struct gr_err *err)
{
	struct gr_window *w = &n->win;
	int64_t v[4];
	int rc;

	w->sh = w->sw = w->dh = w->dw = 1;
	w->group = 1;
	n->alpha = n->beta = 1.0f;
	n->axis = n->op == GR_OP_FLATTEN ? 1 : 1;
	n->clip_min = -3.4e38f;
	n->clip_max = 3.4e38f;
	for (size_t i = 0; i < np->n_attribute; i++) {
		const Onnx__AttributeProto *a = np->attribute[i];
		const char *an = a->name ? a->name : "";

		if (!strcmp(an, "kernel_shape")) {
			if ((rc = ints_attr(n, a, v, 1, 0, err)))
				return rc;
			w->has_kernel = 1;
			w->kh = v[0];
			w->kw = v[1];
		} else if (!strcmp(an, "strides")) {
			if ((rc = ints_attr(n, a, v, 1, 0, err)))
				return rc;
			w->sh = v[0];
			w->sw = v[1];
		} else if (!strcmp(an, "dilations")) {
			if ((rc = ints_attr(n, a, v, 1, 0, err)))
				return rc;
			w->dh = v[0];
			w->dw = v[1];
		} else if (!strcmp(an, "pads")) {
			if ((rc = ints_attr(n, a, v, 0, 1, err)))
				return rc;
			w->pt = v[0];
			w->pl = v[1];
			w->pb = v[2];
			w->pr = v[3];
		} else if (!strcmp(an, "auto_pad")) {
			char s[32] = "";

			if (a->has_s && a->s.len < sizeof(s))
				memcpy(s, a->s.data, a->s.len);
			if (!strcmp(s, "SAME_UPPER"))
				w->auto_pad = GR_PAD_SAME_UPPER;
			else if (!strcmp(s, "SAME_LOWER"))
				w->auto_pad = GR_PAD_SAME_LOWER;
			else if (!strcmp(s, "VALID"))
				w->auto_pad = GR_PAD_VALID;
			else if (!strcmp(s, "NOTSET") || !s[0])
				w->auto_pad = GR_PAD_NOTSET;
			else
				return NODE_ERR(err, -EINVAL, n, "unknown auto_pad '%s'", s);
		} else if (!strcmp(an, "group")) {
			w->group = a->i;
		} else if (!strcmp(an, "ceil_mode")) {
			w->ceil_mode = (int)a->i;
		} else if (!strcmp(an, "count_include_pad")) {
			w->count_include_pad = (int)a->i;
		} else if (!strcmp(an, "storage_order")) {
			if (a->i)
				return NODE_ERR(err, -EOPNOTSUPP, n,
						"storage_order=1 is not supported");
		} else if (!strcmp(an, "axis")) {
			n->axis = a->i;
		} else if (!strcmp(an, "alpha")) {
			n->alpha = a->f;
		} else if (!strcmp(an, "beta")) {
			n->beta = a->f;
		} else if (!strcmp(an, "transA")) {
			n->trans_a = (int)a->i;
		} else if (!strcmp(an, "transB")) {
			n->trans_b = (int)a->i;
		} else if (!strcmp(an, "allowzero")) {
			n->allowzero = (int)a->i;
		} else if (!strcmp(an, "min") && n->op == GR_OP_CLIP) {
			n->has_clip_attrs = 1;
			n->clip_min = a->f;
		} else if (!strcmp(an, "max") && n->op == GR_OP_CLIP) {
			n->has_clip_attrs = 1;
			n->clip_max = a->f;
		} else if (!strcmp(an, "value") && n->op == GR_OP_CONSTANT && a->t) {
			char what[GR_ERR_LEN / 2];

			snprintf(what, sizeof(what), "node '%s' (Constant)", n->name);
			if ((rc = ox_tensor_from_proto(a->t, what, constant, err)))
				return rc;
		} else if (n->op == GR_OP_CONSTANT) {
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"only the 'value' form of Constant is supported");
		}
		/* other attributes (e.g. QuantizeLinear saturate) keep defaults */
	}
	if (n->op == GR_OP_CONSTANT && !*constant)
		return NODE_ERR(err, -EINVAL, n, "Constant without a value");
	return 0;
}

static int add_input(struct gr_graph *g, const Onnx__ValueInfoProto *vi,
		     struct gr_err *err)
{
	const Onnx__TypeProto *tp = vi->type;
	const Onnx__TypeProto__Tensor *tt;
	struct gr_tensor *t;
	int idx;

	if (!vi->name || !vi->name[0])
		return gr_err_set(err, -EINVAL, "a graph input has no name");
	idx = gr_graph_tensor(g, vi->name);
	if (idx >= 0 && g->tensors[idx].constant)
		return 0;	/* an initializer listed as input: a constant */
	if (idx >= 0)
		return gr_err_set(err, -EINVAL, "graph input '%s' is declared twice",
				  vi->name);
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !tp->tensor_type || !tp->tensor_type->has_elem_type)
		return gr_err_set(err, -EOPNOTSUPP,
				  "graph input '%s' is not a tensor of known type", vi->name);
	tt = tp->tensor_type;
	idx = gr_graph_add_tensor(g, vi->name, err);
	if (idx < 0)
		return idx;
	t = &g->tensors[idx];
	t->dtype = tt->elem_type;
	t->is_input = 1;
	if (!gr_dtype_supported(t->dtype))
		return gr_err_set(err, -EOPNOTSUPP,
				  "graph input '%s' has type %s, which is not supported",
				  vi->name, gr_dtype_name(t->dtype));
	if (tt->shape) {
		if (tt->shape->n_dim > GR_MAX_RANK)
			return gr_err_set(err, -EOPNOTSUPP,
					  "graph input '%s' has rank %zu (at most %d)",
					  vi->name, tt->shape->n_dim, GR_MAX_RANK);
		t->rank = (int)tt->shape->n_dim;
		for (int i = 0; i < t->rank; i++) {
			const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];

			t->dims[i] = d->value_case ==
				ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ?
				d->dim_value : -1;
			if (t->dims[i] > GR_MAX_ELEMS)
				return gr_err_set(err, -E2BIG,
						  "graph input '%s': absurd dimension %lld",
						  vi->name, (long long)t->dims[i]);
		}
		if (gr_dims_count(t->rank, t->dims) == -2)
			return gr_err_set(err, -E2BIG,
					  "graph input '%s' is absurdly large (over %lld elements)",
					  vi->name, (long long)GR_MAX_ELEMS);
	}
	{
		void *p = realloc(g->inputs, (size_t)(g->n_inputs + 1) * sizeof(int));

		if (!p)
			return gr_err_set(err, -ENOMEM, "out of memory");
		g->inputs = p;
		g->inputs[g->n_inputs++] = idx;
	}
	return 0;
}

static int add_node(struct gr_graph *g, const Onnx__NodeProto *np, int index,
		    struct gr_err *err)
{
	struct gr_node *n = &g->nodes[g->n_nodes];
	struct gr_value *constant = NULL;
	char gen[64];
	int rc;

	memset(n, 0, sizeof(*n));
	if (np->name && np->name[0]) {
		n->name = strdup(np->name);
	} else {
		snprintf(gen, sizeof(gen), "#%d", index);
		if (np->n_output && np->output[0][0])
			n->name = strdup(np->output[0]);
		else
			n->name = strdup(gen);
	}
	if (!n->name)
		return gr_err_set(err, -ENOMEM, "out of memory");
	g->n_nodes++;
	n->op_type = np->op_type ? np->op_type : "";	/* until looked up */
	if (np->domain && np->domain[0] && strcmp(np->domain, "ai.onnx"))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"operator domain '%s' is not supported (only the default ONNX domain is)",
				np->domain);
	if (lookup_op(n->op_type, &n->op))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"unsupported op '%s' (supported: Conv, QLinearConv, ConvInteger, MatMul, QLinearMatMul, MatMulInteger, Gemm, QuantizeLinear, DequantizeLinear, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Reshape, Constant)",
				n->op_type);
	/* the protobuf is freed after import: keep a static name */
	n->op_type = gr_op_name(n->op);
	if (np->n_input > GR_MAX_INPUTS)
		return NODE_ERR(err, -EINVAL, n, "too many inputs (%zu)", np->n_input);
	if (np->n_output > GR_MAX_OUTPUTS || np->n_output < 1)
		return NODE_ERR(err, np->n_output ? -EOPNOTSUPP : -EINVAL, n,
				"%zu outputs: expected 1", np->n_output);
	n->n_in = (int)np->n_input;
	for (int i = 0; i < n->n_in; i++) {
		const char *in = np->input[i];

		if (!in[0]) {
			n->in[i] = -1;
			continue;
		}
		n->in[i] = gr_graph_tensor(g, in);
		if (n->in[i] < 0)
			return NODE_ERR(err, -EINVAL, n,
					"missing input '%s': it is not a graph input, an initializer or the output of an earlier node",
					in);
		g->tensors[n->in[i]].consumers++;
	}
	if ((rc = parse_attrs(n, np, &constant, err))) {
		gr_value_free(constant);
		return rc;
	}
	n->n_out = (int)np->n_output;
	for (int o = 0; o < n->n_out; o++) {
		const char *on = np->output[o];
		int idx;

		if (!on[0]) {
			n->out[o] = -1;
			continue;
		}
		if (gr_graph_tensor(g, on) >= 0) {
			gr_value_free(constant);
			return NODE_ERR(err, -EINVAL, n,
					"output '%s' is already defined (each tensor has one producer)",
					on);
		}
		idx = gr_graph_add_tensor(g, on, err);
		if (idx < 0) {
			gr_value_free(constant);
			return idx;
		}
		g->tensors[idx].producer = g->n_nodes - 1;
		n->out[o] = idx;
	}
	if (constant) {
		struct gr_tensor *t = &g->tensors[n->out[0]];

		t->constant = constant;
		t->dtype = constant->dtype;
		t->rank = constant->rank;
		memcpy(t->dims, constant->dims, sizeof(t->dims));
	}
	return 0;
}

static int import_graph(struct gr_graph *g, const Onnx__GraphProto *gp,
			struct gr_err *err)
{
	int rc;

	g->name = strdup(gp->name ? gp->name : "");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		char what[GR_ERR_LEN / 2];
		int idx;

		snprintf(what, sizeof(what), "initializer '%s'", tp->name ? tp->name : "?");
		if (!tp->name || !tp->name[0])
			return gr_err_set(err, -EINVAL, "an initializer has no name");
		if (gr_graph_tensor(g, tp->name) >= 0)
			return gr_err_set(err, -EINVAL, "initializer '%s' is defined twice",
					  tp->name);
		idx = gr_graph_add_tensor(g, tp->name, err);
		if (idx < 0)
			return idx;
		rc = ox_tensor_from_proto(tp, what, &g->tensors[idx].constant, err);
		if (rc)
			return rc;
		g->tensors[idx].dtype = g->tensors[idx].constant->dtype;
		g->tensors[idx].rank = g->tensors[idx].constant->rank;
		memcpy(g->tensors[idx].dims, g->tensors[idx].constant->dims,
		       sizeof(g->tensors[idx].dims));
	}
	for (size_t i = 0; i < gp->n_input; i++)
		if ((rc = add_input(g, gp->input[i], err)))
			return rc;
	g->nodes = calloc(gp->n_node ? gp->n_node : 1, sizeof(*g->nodes));
	if (!g->nodes)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < gp->n_node; i++)
		if ((rc = add_node(g, gp->node[i], (int)i, err)))
			return rc;
	if (!gp->n_output)
		return gr_err_set(err, -EINVAL, "the graph has no outputs");
	g->outputs = calloc(gp->n_output, sizeof(int));
	if (!g->outputs)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *on = gp->output[i]->name ? gp->output[i]->name : "";
		int idx = gr_graph_tensor(g, on);

		if (idx < 0)
			return gr_err_set(err, -EINVAL,
					  "graph output '%s' is produced by no node", on);
		g->tensors[idx].is_output = 1;
		g->outputs[g->n_outputs++] = idx;
	}
	return gr_graph_infer(g, err);
}

int ox_model_load_mem(const void *buf, size_t len, const char *what,
		      struct gr_graph **out, struct gr_err *err)
{
	Onnx__ModelProto *mp;
	struct gr_graph *g;
	int64_t opset = -1;
	int rc;

	mp = onnx__model_proto__unpack(NULL, len, buf);
	if (!mp)
		return gr_err_set(err, -EINVAL,
				  "%s: not a valid ONNX model (the protobuf is truncated or corrupt)",
				  what);
	if (!mp->graph) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return gr_err_set(err, -EINVAL, "%s: the model has no graph", what);
	}
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];

		if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx"))
			opset = o->has_version ? o->version : -1;
	}
	if (opset < OX_OPSET_MIN || opset > OX_OPSET_MAX) {
		onnx__model_proto__free_unpacked(mp, NULL);
		if (opset < 0)
			return gr_err_set(err, -EOPNOTSUPP,
					  "%s: the model imports no default ONNX opset", what);
		return gr_err_set(err, -EOPNOTSUPP,
				  "%s: opset %lld is not supported (supported: %d to %d); convert the model with onnx.version_converter",
				  what, (long long)opset, OX_OPSET_MIN, OX_OPSET_MAX);
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	g->opset = opset;
	rc = import_graph(g, mp->graph, err);
	onnx__model_proto__free_unpacked(mp, NULL);
	if (rc) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		gr_err_set(err, rc, "%s: %s", what, why);
		gr_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

int ox_model_load_file(const char *path, struct gr_graph **out, struct gr_err *err)
{
	void *buf;
	size_t len;
	int rc = ox_read_file(path, &buf, &len, err);

	if (rc)
		return rc;
	rc = ox_model_load_mem(buf, len, path, out, err);
	free(buf);
	return rc;
}
