// SPDX-License-Identifier: MIT
/*
 * Shape and type inference through the registry. The same row function
 * runs at import (shapes only, some dims maybe unknown) and before every
 * CPU reference kernel (actual values), so the two can never disagree.
 */
#include <errno.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/registry.h"

int gr_infer_node(const struct gr_node *n, const struct gr_value *const *in,
		  struct gr_value *out, struct gr_err *err)
{
	int rc;

	if (!n->def || !n->def->infer)
		return gr_err_set(err, -EOPNOTSUPP, "node '%s' (%s): unsupported op",
				  n->name, n->op_type);
	rc = n->def->infer(n, in, out, err);
	if (rc)
		return rc;
	/* an output the op does not define has no type */
	for (int k = 0; k < n->n_out; k++)
		if (!out[k].dtype)
			return gr_err_set(err, -EOPNOTSUPP,
					  "node '%s' (%s): %d outputs, but the op produces %d here",
					  n->name, n->op_type, n->n_out, k);
	return 0;
}

/* Every output of n already holds a value (a Constant, or folded). */
static int node_folded(const struct gr_graph *g, const struct gr_node *n)
{
	for (int o = 0; o < n->n_out; o++)
		if (n->out[o] >= 0 && !g->tensors[n->out[o]].constant)
			return 0;
	return 1;
}

int gr_graph_infer(struct gr_graph *g, struct gr_err *err)
{
	struct gr_value vin[GR_MAX_INPUTS], vout[GR_MAX_OUTPUTS];
	const struct gr_value *in[GR_MAX_INPUTS];
	int rc;

	for (int ni = 0; ni < g->n_nodes; ni++) {
		const struct gr_node *n = &g->nodes[ni];

		if (node_folded(g, n))
			continue;
		for (int i = 0; i < n->n_in; i++) {
			const struct gr_tensor *t;

			in[i] = NULL;
			if (n->in[i] < 0)
				continue;
			t = &g->tensors[n->in[i]];
			if (t->constant) {
				in[i] = t->constant;
				continue;
			}
			if (t->rank < 0)
				return gr_err_set(err, -EINVAL,
						  "node '%s' (%s): input '%s' has no known type or shape (declare it as a graph input or initializer)",
						  n->name, n->op_type, t->name);
			memset(&vin[i], 0, sizeof(vin[i]));
			vin[i].dtype = t->dtype;
			vin[i].rank = t->rank;
			memcpy(vin[i].dims, t->dims, sizeof(t->dims));
			in[i] = &vin[i];
		}
		memset(vout, 0, sizeof(vout));
		rc = gr_infer_node(n, in, vout, err);
		if (rc)
			return rc;
		for (int o = 0; o < n->n_out; o++) {
			struct gr_tensor *t;

			if (n->out[o] < 0)
				continue;
			t = &g->tensors[n->out[o]];
			t->dtype = vout[o].dtype;
			t->rank = vout[o].rank;
			memcpy(t->dims, vout[o].dims, sizeof(t->dims));
			if (gr_dims_count(t->rank, t->dims) == -2)
				return gr_err_set(err, -E2BIG,
						  "node '%s' (%s): output '%s' would be absurdly large (over %lld elements)",
						  n->name, n->op_type, t->name,
						  (long long)GR_MAX_ELEMS);
		}
	}
	return 0;
}
