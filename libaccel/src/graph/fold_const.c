// SPDX-License-Identifier: MIT
/*
 * Constant folding at import (fold_const.h): shape subgraphs such as
 * torch's flatten (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) become
 * constants when the shapes they read are static, so the Reshape's output
 * shape is known and the layers after it can be planned for the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fold_const.h"
#include "graph/ref.h"

/* Larger results are left to run time: folding is for shapes and indices. */
#define FOLD_MAX_ELEMS 65536

/* Shape of a tensor whose dims are all known (opset 15 start / end too). */
static struct gr_value *shape_value(const struct gr_node *n, const struct gr_tensor *x)
{
	int64_t start = gr_attr_int(n, "start", 0), end = gr_attr_int(n, "end", x->rank);
	struct gr_value *v;
	int64_t d[1];

	if (x->rank < 0)
		return NULL;
	for (int i = 0; i < x->rank; i++)
		if (x->dims[i] < 0)
			return NULL;
	if (start < 0)
		start += x->rank;
	if (end < 0)
		end += x->rank;
	start = start < 0 ? 0 : start > x->rank ? x->rank : start;
	end = end < start ? start : end > x->rank ? x->rank : end;
	d[0] = end - start;
	v = gr_value_new(GR_INT64, 1, d, NULL);
	if (v)
		memcpy(v->data, &x->dims[start], (size_t)d[0] * sizeof(int64_t));
	return v;
}

/* Node n, all of whose inputs are constants, evaluated; 0 if not foldable. */
static int eval_node(const struct gr_graph *g, const struct gr_node *n, struct gr_value **out,
		     struct gr_err *err)
{
	const struct gr_value *in[GR_MAX_INPUTS] = { 0 };

	for (int i = 0; i < n->n_in; i++) {
		if (n->in[i] < 0)
			continue;
		in[i] = g->tensors[n->in[i]].constant;
		if (!in[i])
			return 0;
	}
	for (int o = 0; o < n->n_out; o++) {
		const struct gr_tensor *t = n->out[o] >= 0 ? &g->tensors[n->out[o]] : NULL;
		int64_t c = t ? gr_dims_count(t->rank, t->dims) : 0;

		if (t && (c < 0 || c > FOLD_MAX_ELEMS))
			return 0;
	}
	/* an op the kernel cannot run here is left to run time, which says why */
	return gr_ref_node(n, in, out, err) ? 0 : 1;
}

int gr_fold_constants(struct gr_graph *g, struct gr_err *err)
{
	int folded = 0;

	for (int i = 0; i < g->n_nodes; i++) {
		struct gr_node *n = &g->nodes[i];
		struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
		int rc, done = 1;

		for (int o = 0; o < n->n_out; o++)
			if (n->out[o] >= 0 && !g->tensors[n->out[o]].constant)
				done = 0;
		if (done || !n->n_in)
			continue;
		if (gr_node_is(n, "Shape")) {
			if (n->n_out != 1 || n->in[0] < 0 || n->out[0] < 0)
				continue;
			out[0] = shape_value(n, &g->tensors[n->in[0]]);
			rc = out[0] ? 1 : 0;
		} else {
			rc = eval_node(g, n, out, err);
		}
		if (!rc)
			continue;
		for (int o = 0; o < n->n_out; o++) {
			struct gr_tensor *t;

			if (n->out[o] < 0 || !out[o]) {
				gr_value_free(out[o]);
				continue;
			}
			t = &g->tensors[n->out[o]];
			t->constant = out[o];
			t->dtype = out[o]->dtype;
			t->rank = out[o]->rank;
			memcpy(t->dims, out[o]->dims, sizeof(t->dims));
		}
		folded++;
	}
	/* shapes after the folded values (a Reshape's output) are known now */
	if (folded) {
		int rc = gr_graph_infer(g, err);

		if (rc)
			return rc;
	}
	return folded;
}
