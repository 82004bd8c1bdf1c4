// SPDX-License-Identifier: MIT
/*
 * What gets quantized: every node with a device form (Conv, Gemm, MatMul
 * with constant weights, pooling, Add, Concat, the activation-table ops),
 * unless excluded. A quantized node reads its activations through a
 * QuantizeLinear/DequantizeLinear pair and its output gets one; a Relu or
 * Clip that is the only reader of its output is part of it (the pair goes
 * after the activation, as the device fuses it). Everything else stays
 * float and reads the dequantized tensors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"

/* Activations the device's lookup table runs (issue 12's list). */
static const char *const table_ops[] = {
	"LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
};

static const struct gr_value *cin(const struct gr_graph *g, const struct gr_node *n, int i)
{
	return i < n->n_in && n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL;
}

/* A float activation: a run-time tensor (not a constant) of type float. */
static int float_act(const struct gr_graph *g, const struct gr_node *n, int i)
{
	const struct gr_tensor *t;

	if (i >= n->n_in || n->in[i] < 0)
		return 0;
	t = &g->tensors[n->in[i]];
	return !t->constant && t->dtype == GR_FLOAT;
}

static int is_table_op(const struct gr_node *n)
{
	for (size_t i = 0; i < sizeof(table_ops) / sizeof(table_ops[0]); i++)
		if (gr_node_is(n, table_ops[i]))
			return 1;
	return 0;
}

/*
 * Whether n is quantized and how: *w gets the weight slots of a node with
 * weights (w->node = -1 otherwise). Only the first n_act_in inputs are
 * activations.
 */
static int quantizable(const struct gr_graph *g, const struct gr_node *n, struct qz_wnode *w,
		       int *n_act_in)
{
	const struct gr_value *wt = cin(g, n, 1), *b;
	int64_t m;

	w->node = -1;
	w->bias_in = -1;
	*n_act_in = 1;
	if (n->n_out != 1 || n->out[0] < 0 || g->tensors[n->out[0]].dtype != GR_FLOAT)
		return 0;
	if (gr_node_is(n, "Conv")) {
		if (!float_act(g, n, 0) || !wt || wt->dtype != GR_FLOAT || wt->rank != 4)
			return 0;
		m = wt->dims[0];
		b = cin(g, n, 2);
		if (n->n_in > 2 && n->in[2] >= 0 && (!b || b->dtype != GR_FLOAT || b->count != (size_t)m))
			return 0;
		w->axis = 0;
		w->bias_in = b ? 2 : -1;
	} else if (gr_node_is(n, "Gemm")) {
		int trans_b = (int)gr_attr_int(n, "transB", 0);

		if (!float_act(g, n, 0) || !wt || wt->dtype != GR_FLOAT || wt->rank != 2 ||
		    gr_attr_int(n, "transA", 0) || gr_attr_float(n, "alpha", 1.0f) != 1.0f)
			return 0;
		m = trans_b ? wt->dims[0] : wt->dims[1];
		b = cin(g, n, 2);
		if (n->n_in > 2 && n->in[2] >= 0 &&
		    (!b || b->dtype != GR_FLOAT || b->count != (size_t)m ||
		     gr_attr_float(n, "beta", 1.0f) != 1.0f))
			return 0;
		w->axis = trans_b ? 0 : 1;
		w->bias_in = b ? 2 : -1;
	} else if (gr_node_is(n, "MatMul")) {
		if (!float_act(g, n, 0) || !wt || wt->dtype != GR_FLOAT || wt->rank != 2)
			return 0;
		w->axis = 1;
	} else if (gr_node_is(n, "MaxPool") || gr_node_is(n, "AveragePool") ||
		   gr_node_is(n, "GlobalAveragePool")) {
		return float_act(g, n, 0) && g->tensors[n->in[0]].rank == 4;
	} else if (gr_node_is(n, "Add")) {
		*n_act_in = 2;
		return float_act(g, n, 0) && float_act(g, n, 1);
	} else if (gr_node_is(n, "Concat")) {
		for (int i = 0; i < n->n_in; i++)
			if (!float_act(g, n, i))
				return 0;
		*n_act_in = n->n_in;
		return n->n_in > 0;
	} else {
		return is_table_op(n) && float_act(g, n, 0);
	}
	w->node = (int)(n - g->nodes);
	return 1;
}

/* The Relu / Clip (constant bounds) that alone reads n's output, or NULL. */
static const struct gr_node *fused_act(const struct gr_graph *g, const struct gr_node *n,
				       const char *excluded)
{
	const struct gr_tensor *t = &g->tensors[n->out[0]];

	if (t->consumers != 1 || t->is_output)
		return NULL;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct gr_node *a = &g->nodes[i];

		if (a->n_in < 1 || a->in[0] != n->out[0])
			continue;
		if (excluded[i] || (!gr_node_is(a, "Relu") && !gr_node_is(a, "Clip")) || a->n_out != 1)
			return NULL;
		for (int k = 1; k < a->n_in; k++)
			if (a->in[k] >= 0 && !g->tensors[a->in[k]].constant)
				return NULL;
		return a;
	}
	return NULL;
}

static int act_for(const struct gr_graph *g, struct qz_plan *p, int t, int node,
		   const char *op, struct gr_err *err)
{
	struct qz_act *a;
	void *q;

	if (p->act_of[t] >= 0)
		return p->act_of[t];
	q = realloc(p->act, (size_t)(p->n_act + 1) * sizeof(*p->act));
	if (!q)
		return gr_err_set(err, -ENOMEM, "out of memory");
	p->act = q;
	a = &p->act[p->n_act];
	memset(a, 0, sizeof(*a));
	a->t = t;
	a->node = node >= 0 ? node : g->tensors[t].producer;
	a->same_as = -1;
	snprintf(a->op, sizeof(a->op), "%s",
		 op ? op : a->node >= 0 ? g->nodes[a->node].op_type : "input");
	p->act_of[t] = p->n_act;
	return p->n_act++;
}

int qz_plan_build(const struct gr_graph *g, const char *const *exclude,
		  struct qz_plan *p, struct gr_err *err)
{
	char *excluded = calloc((size_t)g->n_nodes + 1, 1);
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->act_of = malloc(((size_t)g->n_tensors + 1) * sizeof(int));
	p->quantized = calloc((size_t)g->n_nodes + 1, 1);
	p->wn = calloc((size_t)g->n_nodes + 1, sizeof(*p->wn));
	p->fused = malloc(((size_t)g->n_nodes + 1) * sizeof(int));
	if (!excluded || !p->act_of || !p->quantized || !p->wn || !p->fused) {
		free(excluded);
		qz_plan_free(p);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	for (int t = 0; t < g->n_tensors; t++)
		p->act_of[t] = -1;
	for (int i = 0; i < g->n_nodes; i++)
		p->fused[i] = -1;
	for (int e = 0; exclude && exclude[e] && !rc; e++) {
		int found = 0;

		for (int i = 0; i < g->n_nodes; i++)
			if (!strcmp(g->nodes[i].name, exclude[e])) {
				excluded[i] = 1;
				found = 1;
			}
		if (!found)
			rc = gr_err_set(err, -ESRCH,
					"--exclude '%s': the model has no node of that name (BatchNormalization nodes are folded into their Conv, exclude the Conv)",
					exclude[e]);
	}
	for (int i = 0; i < g->n_nodes && !rc; i++) {
		const struct gr_node *n = &g->nodes[i], *act;
		struct qz_wnode w;
		int n_act_in, ai, out_t;
		char op[64];

		if (excluded[i] || !quantizable(g, n, &w, &n_act_in))
			continue;
		act = fused_act(g, n, excluded);
		snprintf(op, sizeof(op), "%s%s%s", n->op_type, act ? "+" : "",
			 act ? act->op_type : "");
		for (int k = 0; k < n_act_in && !rc; k++) {
			ai = act_for(g, p, n->in[k], -1, NULL, err);
			if (ai < 0)
				rc = ai;
			else if (!k)
				w.in_act = ai;
		}
		if (rc)
			break;
		out_t = act ? act->out[0] : n->out[0];
		ai = act_for(g, p, out_t, i, op, err);
		if (ai < 0) {
			rc = ai;
			break;
		}
		/* the device's max pool moves values: output quantized as its input */
		if (gr_node_is(n, "MaxPool") && !act)
			p->act[ai].same_as = p->act_of[n->in[0]];
		p->quantized[i] = 1;
		p->fused[i] = act ? (int)(act - g->nodes) : -1;
		p->n_quantized++;
		if (w.node >= 0)
			p->wn[p->n_wn++] = w;
	}
	free(excluded);
	if (rc)
		qz_plan_free(p);
	return rc;
}

void qz_plan_free(struct qz_plan *p)
{
	for (int i = 0; i < p->n_act; i++)
		free(p->act[i].hist);
	free(p->act);
	free(p->wn);
	free(p->act_of);
	free(p->quantized);
	free(p->fused);
	memset(p, 0, sizeof(*p));
}
