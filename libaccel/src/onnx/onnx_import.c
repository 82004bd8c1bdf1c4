// SPDX-License-Identifier: MIT
/* ModelProto -> graph IR, with a clear error for every malformed model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fold_bn.h"
#include "graph/graph.h"
#include "graph/ref.h"
#include "graph/registry.h"
#include "onnx/onnx_priv.h"

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

int ox_attr_type(const Onnx__AttributeProto *a)
{
	if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
		return (int)a->type;
	if (a->n_ints)
		return GR_ATTR_INTS;
	if (a->n_floats)
		return GR_ATTR_FLOATS;
	if (a->t)
		return GR_ATTR_TENSOR;
	if (a->has_s)
		return GR_ATTR_STRING;
	if (a->has_f)
		return GR_ATTR_FLOAT;
	if (a->has_i)
		return GR_ATTR_INT;
	return 0;
}

/* Copies one attribute into the node's list; kinds no op reads are dropped. */
static int copy_attr(struct gr_node *n, const Onnx__AttributeProto *a, struct gr_err *err)
{
	struct gr_attr *d = &n->attrs[n->n_attrs];
	int type = ox_attr_type(a);

	switch (type) {
	case GR_ATTR_FLOAT: case GR_ATTR_INT: case GR_ATTR_STRING:
	case GR_ATTR_TENSOR: case GR_ATTR_FLOATS: case GR_ATTR_INTS:
		break;
	default:
		return 0;	/* graphs, sparse tensors, lists of strings or tensors */
	}
	memset(d, 0, sizeof(*d));
	d->type = (enum gr_attr_type)type;
	d->name = strdup(a->name ? a->name : "");
	if (!d->name)
		return gr_err_set(err, -ENOMEM, "out of memory");
	n->n_attrs++;
	d->i = a->i;
	d->f = a->f;
	if (type == GR_ATTR_STRING) {
		d->s = calloc(1, a->s.len + 1);
		if (!d->s)
			return gr_err_set(err, -ENOMEM, "out of memory");
		if (a->s.len)
			memcpy(d->s, a->s.data, a->s.len);
	} else if (type == GR_ATTR_INTS) {
		d->n = a->n_ints;
		d->ints = malloc(a->n_ints * sizeof(int64_t) + 1);
		if (!d->ints)
			return gr_err_set(err, -ENOMEM, "out of memory");
		if (a->n_ints)
			memcpy(d->ints, a->ints, a->n_ints * sizeof(int64_t));
	} else if (type == GR_ATTR_FLOATS) {
		d->n = a->n_floats;
		d->floats = malloc(a->n_floats * sizeof(float) + 1);
		if (!d->floats)
			return gr_err_set(err, -ENOMEM, "out of memory");
		if (a->n_floats)
			memcpy(d->floats, a->floats, a->n_floats * sizeof(float));
	} else if (type == GR_ATTR_TENSOR) {
		char what[GR_ERR_LEN / 2];

		if (!a->t)
			return NODE_ERR(err, -EINVAL, n, "attribute '%s' has no tensor", d->name);
		snprintf(what, sizeof(what), "node '%s' (%s) attribute '%s'", n->name,
			 n->op_type, d->name);
		return ox_tensor_from_proto(a->t, what, &d->t, err);
	}
	return 0;
}

static int copy_attrs(struct gr_node *n, const Onnx__NodeProto *np, struct gr_err *err)
{
	int rc;

	if (!np->n_attribute)
		return 0;
	n->attrs = calloc(np->n_attribute, sizeof(*n->attrs));
	if (!n->attrs)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < np->n_attribute; i++)
		if ((rc = copy_attr(n, np->attribute[i], err)))
			return rc;
	return 0;
}

/* The model's opset of a domain ("" = ai.onnx); 1 for an unlisted com.microsoft. */
static int64_t domain_opset(const Onnx__ModelProto *mp, const char *domain)
{
	domain = gr_op_domain(domain);
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];

		if (!strcmp(gr_op_domain(o->domain ? o->domain : ""), domain))
			return o->has_version ? o->version : -1;
	}
	return !strcmp(domain, "com.microsoft") ? 1 : -1;
}

/* Constant: its value becomes the output tensor's constant at import. */
static int fold_constant(struct gr_graph *g, struct gr_node *n, struct gr_err *err)
{
	struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
	struct gr_tensor *t;
	int rc = gr_ref_node(n, NULL, out, err);

	if (rc)
		return rc;
	if (n->out[0] < 0) {
		gr_value_free(out[0]);
		return 0;
	}
	t = &g->tensors[n->out[0]];
	t->constant = out[0];
	t->dtype = out[0]->dtype;
	t->rank = out[0]->rank;
	memcpy(t->dims, out[0]->dims, sizeof(t->dims));
	n->folded = 1;
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

static int add_node(struct gr_graph *g, const Onnx__ModelProto *mp,
		    const Onnx__NodeProto *np, int index, struct gr_err *err)
{
	struct gr_node *n = &g->nodes[g->n_nodes];
	const char *domain = np->domain ? np->domain : "";
	char gen[64], why[GR_ERR_LEN / 2];
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
	n->opset = domain_opset(mp, domain);
	if (gr_op_lookup(domain, n->op_type, n->opset, &n->def, why, sizeof(why))) {
		/* listed with every other one when inference ends */
		char line[GR_ERR_LEN / 2];

		if (n->opset >= 0)
			snprintf(line, sizeof(line), "node '%.200s' (%.100s, domain %.100s, opset %lld): %.1000s",
				 n->name, n->op_type, domain[0] ? domain : "ai.onnx",
				 (long long)n->opset, why);
		else
			snprintf(line, sizeof(line), "node '%.200s' (%.100s, domain %.100s): %.1000s",
				 n->name, n->op_type, domain, why);
		n->unsupported = strdup(line);
		if (!n->unsupported)
			return gr_err_set(err, -ENOMEM, "out of memory");
	} else {
		/* the protobuf is freed after import: keep the row's static name */
		n->op_type = n->def->name;
	}
	if (np->n_input > GR_MAX_INPUTS)
		return NODE_ERR(err, -EINVAL, n, "too many inputs (%zu, at most %d are supported)",
				np->n_input, GR_MAX_INPUTS);
	if ((rc = gr_node_set_inputs(n, (int)np->n_input, err)))
		return rc;
	if (np->n_output > GR_MAX_OUTPUTS || np->n_output < 1)
		return NODE_ERR(err, np->n_output ? -EOPNOTSUPP : -EINVAL, n,
				"%zu outputs (at most %d are supported)", np->n_output, GR_MAX_OUTPUTS);
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
	if (!n->unsupported && (rc = copy_attrs(n, np, err)))
		return rc;
	n->n_out = (int)np->n_output;
	for (int o = 0; o < n->n_out; o++) {
		const char *on = np->output[o];
		int idx;

		if (!on[0]) {
			n->out[o] = -1;
			continue;
		}
		if (gr_graph_tensor(g, on) >= 0)
			return NODE_ERR(err, -EINVAL, n,
					"output '%s' is already defined (each tensor has one producer)",
					on);
		idx = gr_graph_add_tensor(g, on, err);
		if (idx < 0)
			return idx;
		g->tensors[idx].producer = g->n_nodes - 1;
		n->out[o] = idx;
	}
	if (gr_node_is(n, "Constant"))
		return fold_constant(g, n, err);
	return 0;
}

/* A run's input shapes fill the inputs' symbolic dims. */
static int apply_shapes(struct gr_graph *g, const struct gr_value *const *shapes,
			int n_shapes, struct gr_err *err)
{
	if (n_shapes != g->n_inputs)
		return gr_err_set(err, -EINVAL, "the model has %d inputs but %d were given",
				  g->n_inputs, n_shapes);
	for (int i = 0; i < n_shapes; i++) {
		struct gr_tensor *t = &g->tensors[g->inputs[i]];
		const struct gr_value *v = shapes[i];
		int ok = t->rank < 0 || t->rank == v->rank;

		for (int d = 0; ok && t->rank >= 0 && d < t->rank; d++)
			ok = t->dims[d] < 0 || t->dims[d] == v->dims[d];
		if (!ok)
			return gr_err_set(err, -EINVAL,
					  "input '%s': shape mismatch with the model's declared shape",
					  t->name);
		t->rank = v->rank;
		memcpy(t->dims, v->dims, sizeof(t->dims));
	}
	return 0;
}

static int import_graph(struct gr_graph *g, const Onnx__ModelProto *mp,
			const struct gr_value *const *shapes, int n_shapes,
			struct gr_err *err)
{
	const Onnx__GraphProto *gp = mp->graph;
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
	if (shapes && (rc = apply_shapes(g, shapes, n_shapes, err)))
		return rc;
	g->nodes = calloc(gp->n_node ? gp->n_node : 1, sizeof(*g->nodes));
	if (!g->nodes)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < gp->n_node; i++)
		if ((rc = add_node(g, mp, gp->node[i], (int)i, err)))
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
	/* graph transforms every model gets, before shapes are inferred */
	rc = gr_fold_batchnorm(g, err);
	if (rc < 0)
		return rc;
	return gr_graph_infer(g, err);
}

int ox_model_load_mem(const void *buf, size_t len, const char *what,
		      struct gr_graph **out, struct gr_err *err)
{
	return ox_model_load_shaped(buf, len, what, NULL, 0, out, err);
}

int ox_model_load_shaped(const void *buf, size_t len, const char *what,
			 const struct gr_value *const *shapes, int n_shapes,
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
	rc = import_graph(g, mp, shapes, n_shapes, err);
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
