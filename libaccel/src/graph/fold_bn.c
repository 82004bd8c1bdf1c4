// SPDX-License-Identifier: MIT
/* BatchNormalization folding into the preceding Conv / Gemm (fold_bn.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fold_bn.h"

static const struct gr_value *const_in(const struct gr_graph *g, const struct gr_node *n,
				       int i)
{
	if (i >= n->n_in || n->in[i] < 0)
		return NULL;
	return g->tensors[n->in[i]].constant;
}

static int is_batchnorm(const struct gr_node *n)
{
	/* inference form only: training_mode (opset 14) computes batch statistics */
	return gr_node_is(n, "BatchNormalization") && !gr_attr_int(n, "training_mode", 0);
}

/* A float constant with exactly m values (or, if scalar_ok, one). */
static int per_channel(const struct gr_value *v, int64_t m, int scalar_ok)
{
	return v && v->dtype == GR_FLOAT &&
	       (v->count == (size_t)m || (scalar_ok && v->count == 1));
}

/* A new constant tensor named after base, unique in the graph. */
static int new_constant(struct gr_graph *g, const char *base, struct gr_value *v,
			struct gr_err *err)
{
	char name[256];
	int t;

	for (int k = 0;; k++) {
		snprintf(name, sizeof(name), "%s.bnfold%d", base, k);
		if (gr_graph_tensor(g, name) < 0)
			break;
	}
	t = gr_graph_add_tensor(g, name, err);
	if (t < 0)
		return t;
	if (gr_value_set_name(v, name))
		return gr_err_set(err, -ENOMEM, "out of memory");
	g->tensors[t].constant = v;
	g->tensors[t].dtype = v->dtype;
	g->tensors[t].rank = v->rank;
	memcpy(g->tensors[t].dims, v->dims, sizeof(v->dims));
	return t;
}

/* Points input slot i of node n at tensor t (consumer counts follow). */
static int rewire(struct gr_graph *g, struct gr_node *n, int i, int t, struct gr_err *err)
{
	int rc;

	if (i < n->n_in && n->in[i] >= 0)
		g->tensors[n->in[i]].consumers--;
	if (i >= n->n_in && (rc = gr_node_set_inputs(n, i + 1, err)))
		return rc;
	n->in[i] = t;
	g->tensors[t].consumers++;
	return 0;
}

/*
 * Folds BN node bn into op (its producer). Returns 1 if folded, 0 if a
 * condition of fold_bn.h does not hold, or -errno.
 */
static int fold_one(struct gr_graph *g, struct gr_node *op, struct gr_node *bn,
		    struct gr_err *err)
{
	const struct gr_value *w = const_in(g, op, 1);
	const struct gr_value *sc = const_in(g, bn, 1), *be = const_in(g, bn, 2);
	const struct gr_value *mu = const_in(g, bn, 3), *va = const_in(g, bn, 4);
	const struct gr_value *b = NULL;
	struct gr_value *nw, *nb;
	int64_t m, per, col_stride = 1;
	int bias_in = 2, tw, tb, trans_b = (int)gr_attr_int(op, "transB", 0);
	double eps = gr_attr_float(bn, "epsilon", 1e-5f);
	double *s;

	if (!w || w->dtype != GR_FLOAT || bn->n_in < 5 || bn->n_out != 1)
		return 0;
	if (gr_node_is(op, "Conv")) {
		if (w->rank < 3)
			return 0;
		m = w->dims[0];
		per = (int64_t)w->count / (m ? m : 1);
	} else {
		/* Gemm: W is [M, K] with transB, else [K, M] (column m strided) */
		if (w->rank != 2 || gr_attr_float(op, "beta", 1.0f) != 1.0f)
			return 0;
		m = trans_b ? w->dims[0] : w->dims[1];
		per = trans_b ? w->dims[1] : w->dims[0];
		col_stride = trans_b ? 1 : m;
	}
	if (op->n_in > bias_in && op->in[bias_in] >= 0) {
		b = const_in(g, op, bias_in);
		if (!per_channel(b, m, 1))
			return 0;
	}
	if (!per_channel(sc, m, 0) || !per_channel(be, m, 0) || !per_channel(mu, m, 0) ||
	    !per_channel(va, m, 0))
		return 0;
	s = malloc((size_t)(m ? m : 1) * sizeof(double));
	if (!s)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (int64_t i = 0; i < m; i++)
		s[i] = (double)((const float *)sc->data)[i] /
		       sqrt((double)((const float *)va->data)[i] + eps);
	nw = gr_value_clone(w);
	{
		int64_t bd[1] = { m };

		nb = gr_value_new(GR_FLOAT, 1, bd, err);
	}
	if (!nw || !nb) {
		free(s);
		gr_value_free(nw);
		gr_value_free(nb);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	for (int64_t i = 0; i < m; i++) {
		float *row = (float *)nw->data;
		double bi = b ? gr_value_get_f(b, b->count == 1 ? 0 : (size_t)i) : 0.0;

		for (int64_t k = 0; k < per; k++) {
			size_t at = col_stride == 1 ? (size_t)(i * per + k) :
				    (size_t)(k * col_stride + i);

			row[at] = (float)((double)row[at] * s[i]);
		}
		((float *)nb->data)[i] = (float)((bi - ((const float *)mu->data)[i]) * s[i] +
						 ((const float *)be->data)[i]);
	}
	free(s);
	tw = new_constant(g, g->tensors[op->in[1]].name, nw, err);
	if (tw < 0) {
		gr_value_free(nw);
		gr_value_free(nb);
		return tw;
	}
	tb = new_constant(g, g->tensors[op->in[1]].name, nb, err);
	if (tb < 0) {
		gr_value_free(nb);
		return tb;
	}
	/* the bias slot first: the only one that may need room */
	{
		int rc = rewire(g, op, bias_in, tb, err);

		if (rc)
			return rc;
	}
	rewire(g, op, 1, tw, err);
	/* op now writes the BN's output; its old output is left unproduced */
	g->tensors[op->out[0]].consumers--;
	g->tensors[op->out[0]].producer = -1;
	op->out[0] = bn->out[0];
	for (int i = 1; i < bn->n_in; i++)
		if (bn->in[i] >= 0)
			g->tensors[bn->in[i]].consumers--;
	return 1;
}

/* Removes the nodes marked dead, keeping order; producer indices follow. */
static void drop_nodes(struct gr_graph *g, const char *dead)
{
	int *map = malloc((size_t)(g->n_nodes ? g->n_nodes : 1) * sizeof(int)), k = 0;

	for (int i = 0; i < g->n_nodes; i++) {
		if (dead[i]) {
			gr_node_clear(&g->nodes[i]);
			map[i] = -1;
			continue;
		}
		map[i] = k;
		if (k != i)
			g->nodes[k] = g->nodes[i];
		k++;
	}
	g->n_nodes = k;
	for (int t = 0; t < g->n_tensors; t++)
		if (g->tensors[t].producer >= 0)
			g->tensors[t].producer = map[g->tensors[t].producer];
	free(map);
}

int gr_fold_batchnorm(struct gr_graph *g, struct gr_err *err)
{
	char *dead;
	int folded = 0, rc = 0;

	dead = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), 1);
	if (!dead)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < g->n_nodes; i++) {
		struct gr_node *bn = &g->nodes[i], *op;
		const struct gr_tensor *x;
		int pi;

		if (!is_batchnorm(bn) || bn->n_in < 1 || bn->in[0] < 0)
			continue;
		x = &g->tensors[bn->in[0]];
		if (x->producer < 0 || x->consumers != 1 || x->is_output)
			continue;
		pi = x->producer;
		op = &g->nodes[pi];
		if ((!gr_node_is(op, "Conv") && !gr_node_is(op, "Gemm")) || op->out[0] != bn->in[0])
			continue;
		rc = fold_one(g, op, bn, err);
		if (rc < 0)
			break;
		if (rc) {
			g->tensors[bn->out[0]].producer = pi;
			bn->n_out = 0;
			dead[i] = 1;
			folded++;
		}
		rc = 0;
	}
	if (folded)
		drop_nodes(g, dead);
	g->bn_folded += folded;
	free(dead);
	return rc < 0 ? rc : folded;
}
