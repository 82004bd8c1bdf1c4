// SPDX-License-Identifier: MIT
/*
 * Shape and type inference through the registry. The same row function
 * runs at import (shapes only, some dims maybe unknown) and before every
 * CPU reference kernel (actual values), so the two can never disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/ref.h"
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
	if (n->folded)
		return 1;
	for (int o = 0; o < n->n_out; o++)
		if (n->out[o] >= 0 && !g->tensors[n->out[o]].constant)
			return 0;
	return n->n_out > 0;
}

/* Largest output folding computes at import (elements). */
#define FOLD_MAX_ELEMS (1 << 20)

/* n can be computed now: constant inputs, or the Shape of known dims. */
static int foldable(const struct gr_graph *g, const struct gr_node *n,
		    const struct gr_value *const *in, const struct gr_value *vout)
{
	if (n->def->no_fold)
		return 0;
	for (int o = 0; o < n->n_out; o++) {
		int64_t c = gr_dims_count(vout[o].rank, vout[o].dims);

		if (n->out[o] >= 0 && (c < 0 || c > FOLD_MAX_ELEMS))
			return 0;
	}
	if (gr_node_is(n, "Shape"))
		return n->n_in >= 1 && in[0] && gr_dims_count(in[0]->rank, in[0]->dims) >= 0;
	/*
	 * A graph input is never folded through, even while a run's value
	 * stands in it (a model specialized on its quantization inputs): the
	 * next run brings other values.
	 */
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && (!g->tensors[n->in[i]].constant ||
				      g->tensors[n->in[i]].is_input))
			return 0;
	return 1;
}

static int fold(struct gr_graph *g, struct gr_node *n, const struct gr_value *const *in,
		struct gr_err *err)
{
	struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
	int rc = gr_ref_node(n, in, out, err);

	if (rc)
		return rc;
	for (int o = 0; o < n->n_out; o++) {
		struct gr_tensor *t;

		if (n->out[o] < 0) {
			gr_value_free(out[o]);
			continue;
		}
		t = &g->tensors[n->out[o]];
		gr_value_free(t->constant);
		t->constant = out[o];
	}
	/* its inputs lose a reader: fusion sees the tensors it still has */
	for (int i = 0; i < n->n_in; i++)
		if (n->in[i] >= 0 && g->tensors[n->in[i]].consumers > 0)
			g->tensors[n->in[i]].consumers--;
	n->folded = 1;
	return 0;
}

/* One line per unsupported node, collected until the end of inference. */
struct problems {
	char text[GR_ERR_LEN];
	size_t used;
	int count, dropped;
};

static void add_problem(struct problems *p, const char *line)
{
	int w;

	p->count++;
	w = snprintf(p->text + p->used, sizeof(p->text) - p->used, "\n  %s", line);
	if (w < 0 || p->used + (size_t)w >= sizeof(p->text) - 64) {
		p->text[p->used] = 0;
		p->dropped++;
		return;
	}
	p->used += (size_t)w;
}

/* "node 'x' (Op, domain D, opset N): why" from an inference error. */
static void node_problem(struct problems *p, const struct gr_node *n, const char *msg)
{
	char prefix[GR_ERR_LEN / 4], line[GR_ERR_LEN];
	size_t pl = (size_t)snprintf(prefix, sizeof(prefix), "node '%s' (%s): ", n->name,
				     n->op_type);

	if (!strncmp(msg, prefix, pl))
		msg += pl;
	snprintf(line, sizeof(line), "node '%.200s' (%s, domain %s, opset %lld): %.1500s", n->name,
		 n->op_type, n->def->domain[0] ? n->def->domain : "ai.onnx",
		 (long long)n->opset, msg);
	add_problem(p, line);
}

static void poison_outputs(const struct gr_node *n, char *poisoned)
{
	for (int o = 0; o < n->n_out; o++)
		if (n->out[o] >= 0)
			poisoned[n->out[o]] = 1;
}

static int infer_nodes(struct gr_graph *g, char *poisoned, struct problems *bad,
		       struct gr_value *vin, struct gr_value *vout, const struct gr_value **in,
		       struct gr_err *err);

static int infer_graph(struct gr_graph *g, char *poisoned, struct problems *bad,
		       struct gr_err *err)
{
	/* the shapes of a node's inputs: room for the widest node (GR_MAX_INPUTS) */
	struct gr_value *vin = NULL, vout[GR_MAX_OUTPUTS];
	const struct gr_value **in = NULL;
	int rc, width = 1;

	for (int ni = 0; ni < g->n_nodes; ni++)
		if (g->nodes[ni].n_in > width)
			width = g->nodes[ni].n_in;
	vin = calloc((size_t)width, sizeof(*vin));
	in = calloc((size_t)width, sizeof(*in));
	if (!vin || !in)
		rc = gr_err_set(err, -ENOMEM, "out of memory");
	else
		rc = infer_nodes(g, poisoned, bad, vin, vout, in, err);
	free(vin);
	free(in);
	return rc;
}

static int infer_nodes(struct gr_graph *g, char *poisoned, struct problems *bad,
		       struct gr_value *vin, struct gr_value *vout, const struct gr_value **in,
		       struct gr_err *err)
{
	struct gr_err e;
	int rc;

	for (int ni = 0; ni < g->n_nodes; ni++) {
		struct gr_node *n = &g->nodes[ni];
		int skip = 0;

		if (node_folded(g, n))
			continue;
		for (int i = 0; i < n->n_in; i++)
			skip |= n->in[i] >= 0 && poisoned[n->in[i]];
		if (n->unsupported)
			add_problem(bad, n->unsupported);
		if (skip || n->unsupported) {
			/* what follows an unsupported node cannot be inferred */
			poison_outputs(n, poisoned);
			continue;
		}
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
		memset(vout, 0, GR_MAX_OUTPUTS * sizeof(*vout));
		rc = gr_infer_node(n, in, vout, &e);
		if (rc == -EOPNOTSUPP) {
			node_problem(bad, n, e.msg);
			poison_outputs(n, poisoned);
			continue;
		}
		if (rc)
			return gr_err_set(err, rc, "%s", e.msg);
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
		if (!bad->count && foldable(g, n, in, vout) && (rc = fold(g, n, in, &e)))
			return gr_err_set(err, rc, "%s", e.msg);
	}
	return 0;
}

int gr_graph_infer(struct gr_graph *g, struct gr_err *err)
{
	char *poisoned = calloc((size_t)g->n_tensors + 1, 1);
	struct problems *bad = calloc(1, sizeof(*bad));
	int rc;

	if (!poisoned || !bad) {
		free(poisoned);
		free(bad);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	rc = infer_graph(g, poisoned, bad, err);
	if (!rc && bad->count)
		rc = gr_err_set(err, -EOPNOTSUPP,
				"%d node%s cannot run (nothing was compiled; each needs a supported op and form):%s%s",
				bad->count, bad->count > 1 ? "s" : "", bad->text,
				bad->dropped ? "\n  ... and more" : "");
	free(poisoned);
	free(bad);
	return rc;
}
