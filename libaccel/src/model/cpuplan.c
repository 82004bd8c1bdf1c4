// SPDX-License-Identifier: MIT
/*
 * The float CPU plan (model_priv.h): made once per compiled model, used by
 * the runs of a model with no device layer (float models on the CPU).
 *
 * - Memory: the last node that reads each tensor, so a run gives a host
 *   value back (to the model's pool, graph/pool.h) as soon as nothing
 *   needs it; the next tensor reuses the block, still warm in the cache.
 * - Fusion: a float Conv whose only reader is an Add (the residual), a
 *   Relu or a Clip, and an Add whose only reader is a Relu or a Clip, run
 *   as one Conv with an epilogue (graph/fast.h); the fused nodes' kernels
 *   do not run and the Conv writes the last fused node's output.
 * - oneDNN: each float Conv whose input shape, weights, bias and fused
 *   Clip bounds are known now gets its primitive (graph/onednn.h) with the
 *   fused nodes as post-ops, each float Gemm with constant weights and
 *   bias an inner product, each MaxPool a pooling: weights are reordered
 *   once, here, not on every run. What oneDNN does not take runs on the fast path (graph/fast.h)
 *   as before.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/internal.h"
#include "graph/fast.h"
#include "model/model_priv.h"

/* The node that reads tensor t when exactly one node does (once), else -1. */
static int only_reader(const struct gr_graph *g, const int *reader, int t)
{
	const struct gr_tensor *gt = &g->tensors[t];

	if (gt->is_output || gt->consumers != 1 || gt->dtype != GR_FLOAT)
		return -1;
	return reader[t];
}

static int cpu_step(const struct accel_model *m, int i)
{
	return m->plan.steps[i].kind == LW_CPU && !m->g->nodes[i].folded;
}

static int is_act(const struct gr_node *n)
{
	return gr_node_is(n, "Relu") || gr_node_is(n, "Clip");
}

/* A constant float value of the graph, or NULL. */
static const struct gr_value *constant(const struct gr_graph *g, int t)
{
	const struct gr_value *v = t >= 0 ? g->tensors[t].constant : NULL;

	return v && v->dtype == GR_FLOAT ? v : NULL;
}

/*
 * Conv node i's primitive, with the epilogue the plan fused into it: none
 * (left NULL) when its input shape, weights, bias or Clip bounds are not
 * known before a run, or oneDNN does not take it.
 */
static int dnn_conv(struct accel_model *m, int i)
{
	const struct gr_graph *g = m->g;
	const struct gr_node *n = &g->nodes[i];
	const struct gr_tensor *x;
	const struct gr_value *w, *b = NULL;
	struct gr_dnn_epi e = { 0 };
	int rc;

	if (n->n_in < 2 || n->in[0] < 0)
		return 0;
	x = &g->tensors[n->in[0]];
	if (x->dtype != GR_FLOAT || x->constant || !(w = constant(g, n->in[1])) ||
	    (n->n_in > 2 && n->in[2] >= 0 && !(b = constant(g, n->in[2]))))
		return 0;
	e.add = m->cpu.epi_add[i] >= 0;
	if (m->cpu.epi_act[i] >= 0) {
		const struct gr_node *r = &g->nodes[m->cpu.epi_act[i]];
		const struct gr_value *in[GR_MAX_INPUTS] = { 0 };

		for (int k = 1; k < r->n_in; k++)
			if (r->in[k] >= 0 && !(in[k] = constant(g, r->in[k])))
				return 0;
		if (gr_fast_clip_bounds(r, in, &e.lo, &e.hi))
			return 0;
		e.clamp = 1;
	}
	rc = gr_dnn_conv_new(m->cpu.dnn, n, x->rank, x->dims, w, b, &e, &m->cpu.prim[i]);
	return rc == -ENOSYS ? 0 : rc;
}

/* Gemm node i's inner product (left NULL when oneDNN does not take it). */
static int dnn_gemm(struct accel_model *m, int i)
{
	const struct gr_graph *g = m->g;
	const struct gr_node *n = &g->nodes[i];
	const struct gr_tensor *a;
	const struct gr_value *w, *c = NULL;
	int rc;

	if (n->n_in < 2 || n->in[0] < 0)
		return 0;
	a = &g->tensors[n->in[0]];
	if (a->dtype != GR_FLOAT || a->constant || !(w = constant(g, n->in[1])) ||
	    (n->n_in > 2 && n->in[2] >= 0 && !(c = constant(g, n->in[2]))))
		return 0;
	rc = gr_dnn_gemm_new(m->cpu.dnn, n, a->rank, a->dims, w, c, &m->cpu.prim[i]);
	return rc == -ENOSYS ? 0 : rc;
}

/* MaxPool node i's pooling (left NULL when oneDNN does not take it). */
static int dnn_maxpool(struct accel_model *m, int i)
{
	const struct gr_node *n = &m->g->nodes[i];
	const struct gr_tensor *x;
	int rc;

	if (n->n_in < 1 || n->in[0] < 0)
		return 0;
	x = &m->g->tensors[n->in[0]];
	if (x->dtype != GR_FLOAT || x->constant)
		return 0;
	rc = gr_dnn_maxpool_new(m->cpu.dnn, n, x->rank, x->dims, &m->cpu.prim[i]);
	return rc == -ENOSYS ? 0 : rc;
}

static int dnn_node(const struct accel_model *m, int i)
{
	const struct gr_node *n = &m->g->nodes[i];

	return (gr_node_is(n, "Conv") || gr_node_is(n, "Gemm") || gr_node_is(n, "MaxPool")) &&
	       cpu_step(m, i);
}

/* The tensor a node with a primitive writes: its last fused node's output. */
static int prim_out(const struct accel_model *m, int i)
{
	const struct gr_graph *g = m->g;

	if (m->cpu.epi_act[i] >= 0)
		return g->nodes[m->cpu.epi_act[i]].out[0];
	if (m->cpu.epi_add[i] >= 0)
		return g->nodes[m->cpu.epi_add[i]].out[0];
	return g->nodes[i].out[0];
}

/*
 * The tensors that stay in the layout of the primitive that writes them:
 * every node that reads one is a primitive that reads that layout (as its
 * input, or as its fused Add's operand), so the reorders back to NCHW and
 * again into the same layout drop out. Graph outputs stay NCHW.
 */
static int dnn_layouts(struct accel_model *m)
{
	const struct gr_graph *g = m->g;
	int nt = g->n_tensors, *from = malloc(((size_t)nt + 1) * sizeof(int));
	char *readers = calloc((size_t)nt + 1, 1);

	if (!from || !readers) {
		free(from);
		free(readers);
		return eyr_error(-ENOMEM, "out of memory");
	}
	for (int t = 0; t < nt; t++)
		from[t] = -1;
	for (int i = 0; i < g->n_nodes; i++) {
		int t;

		if (!m->cpu.prim[i] || (t = prim_out(m, i)) < 0 || g->tensors[t].is_output)
			continue;
		from[t] = i;
	}
	for (int j = 0; j < g->n_nodes; j++) {
		const struct gr_node *n = &g->nodes[j];
		int ic = m->cpu.fused_into[j];

		if (n->folded)
			continue;
		for (int k = 0; k < n->n_in; k++) {
			int t = n->in[k], ok;

			if (t < 0 || from[t] < 0)
				continue;
			if (ic >= 0)	/* the fused Add's other operand */
				ok = m->cpu.epi_add[ic] == j && m->cpu.prim[ic] &&
				     gr_dnn_prim_chains(m->cpu.prim[from[t]], m->cpu.prim[ic], 1);
			else
				ok = k == 0 && m->cpu.prim[j] &&
				     gr_dnn_prim_chains(m->cpu.prim[from[t]], m->cpu.prim[j], 0);
			if (!ok)
				from[t] = -1;
			else
				readers[t] = 1;
		}
	}
	for (int t = 0; t < nt; t++)
		if (!readers[t])
			from[t] = -1;
	free(readers);
	m->cpu.native_from = from;
	return 0;
}

/* The oneDNN primitives of a model with no device layer. */
static int dnn_build(struct accel_model *m)
{
	int nn = m->g->n_nodes, rc;

	for (int i = 0; i < m->plan.n_steps; i++)
		if (m->plan.steps[i].kind == LW_DEVICE)
			return 0;
	for (int i = 0; i < nn; i++)
		if (dnn_node(m, i))
			break;
		else if (i == nn - 1)
			return 0;	/* nothing for oneDNN: no engine either */
	m->cpu.prim = calloc((size_t)nn + 1, sizeof(*m->cpu.prim));
	if (!m->cpu.prim)
		return eyr_error(-ENOMEM, "out of memory");
	rc = gr_dnn_new(&m->cpu.dnn);
	if (rc == -ENOSYS)
		return 0;
	if (rc)
		return eyr_error(rc, "out of memory");
	for (int i = 0; i < nn; i++)
		if (dnn_node(m, i) &&
		    (rc = gr_node_is(&m->g->nodes[i], "Conv") ? dnn_conv(m, i) :
			  gr_node_is(&m->g->nodes[i], "Gemm") ? dnn_gemm(m, i) : dnn_maxpool(m, i)))
			return eyr_error(rc, "node '%s': oneDNN primitive: out of memory",
					 m->g->nodes[i].name);
	return dnn_layouts(m);
}

int eyr_cpu_plan_build(struct accel_model *m)
{
	const struct gr_graph *g = m->g;
	struct eyr_cpu_plan *p = &m->cpu;
	int nt = g->n_tensors, nn = g->n_nodes, *reader;

	p->last = malloc(((size_t)nt + 1) * sizeof(int));
	p->epi_add = malloc(((size_t)nn + 1) * sizeof(int));
	p->epi_act = malloc(((size_t)nn + 1) * sizeof(int));
	p->fused_into = malloc(((size_t)nn + 1) * sizeof(int));
	reader = malloc(((size_t)nt + 1) * sizeof(int));
	if (!p->last || !p->epi_add || !p->epi_act || !p->fused_into || !reader) {
		free(reader);
		eyr_cpu_plan_free(p, nn);
		return eyr_error(-ENOMEM, "out of memory");
	}
	for (int t = 0; t < nt; t++) {
		reader[t] = -1;
		p->last[t] = -1;
	}
	for (int i = 0; i < nn; i++) {
		const struct gr_node *n = &g->nodes[i];

		p->epi_add[i] = p->epi_act[i] = p->fused_into[i] = -1;
		for (int k = 0; k < n->n_in; k++)
			if (n->in[k] >= 0) {
				reader[n->in[k]] = i;
				p->last[n->in[k]] = i;
			}
		/* an output nothing reads goes right after its node */
		for (int k = 0; k < n->n_out; k++)
			if (n->out[k] >= 0 && p->last[n->out[k]] < 0 && !g->tensors[n->out[k]].consumers)
				p->last[n->out[k]] = i;
	}
	for (int t = 0; t < nt; t++)
		if (g->tensors[t].is_output || g->tensors[t].is_input || g->tensors[t].constant)
			p->last[t] = -1;
	for (int i = 0; i < nn; i++) {
		const struct gr_node *n = &g->nodes[i];
		int j, k = -1, u = -1;

		if (!gr_node_is(n, "Conv") || n->n_out != 1 || n->out[0] < 0 || !cpu_step(m, i) ||
		    (j = only_reader(g, reader, n->out[0])) < 0 || !cpu_step(m, j))
			continue;
		if (gr_node_is(&g->nodes[j], "Add") && g->nodes[j].n_in == 2 &&
		    g->nodes[j].n_out == 1 && g->nodes[j].out[0] >= 0) {
			const struct gr_node *a = &g->nodes[j];
			int prod;

			/* the other operand must be ready when the Conv runs */
			u = a->in[0] == n->out[0] ? a->in[1] : a->in[0];
			if (u < 0 || u == n->out[0])
				continue;
			prod = g->tensors[u].producer;
			if (prod >= i)
				continue;
			if ((k = only_reader(g, reader, a->out[0])) >= 0 &&
			    (!cpu_step(m, k) || !is_act(&g->nodes[k]) || g->nodes[k].in[0] != a->out[0]))
				k = -1;
			p->epi_add[i] = j;
			p->fused_into[j] = i;
		} else if (is_act(&g->nodes[j]) && g->nodes[j].in[0] == n->out[0]) {
			k = j;
		} else {
			continue;
		}
		if (k >= 0 && g->nodes[k].n_out == 1 && g->nodes[k].out[0] >= 0) {
			p->epi_act[i] = k;
			p->fused_into[k] = i;
		}
	}
	free(reader);
	return dnn_build(m);
}

void eyr_cpu_plan_free(struct eyr_cpu_plan *p, int n_nodes)
{
	free(p->last);
	free(p->epi_add);
	free(p->epi_act);
	free(p->fused_into);
	p->last = p->epi_add = p->epi_act = p->fused_into = NULL;
	if (p->prim)
		for (int i = 0; i < n_nodes; i++)
			gr_dnn_prim_free(p->prim[i]);
	free(p->prim);
	p->prim = NULL;
	free(p->native_from);
	p->native_from = NULL;
	gr_dnn_free(p->dnn);
	p->dnn = NULL;
}
