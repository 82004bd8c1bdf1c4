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
 */
#include <errno.h>
#include <stdlib.h>

#include "core/internal.h"
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
		eyr_cpu_plan_free(p);
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
	return 0;
}

void eyr_cpu_plan_free(struct eyr_cpu_plan *p)
{
	free(p->last);
	free(p->epi_add);
	free(p->epi_act);
	free(p->fused_into);
	p->last = p->epi_add = p->epi_act = p->fused_into = NULL;
}
