// SPDX-License-Identifier: MIT
/*
 * Placement per ONNX node (accel_model_node_info): where the compiled model
 * runs each node and why, and the node's MACs, from the lowering plan and
 * the imported shapes. Nothing runs; `accelctl inspect` prints it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "graph/registry.h"
#include "model/model_priv.h"

int accel_model_node_count(const struct accel_model *m)
{
	m = eyr_model_active(m);
	return m->g->n_nodes;
}

/* Elements of tensor t, or 0 when its shape is not known before running. */
static uint64_t elems(const struct gr_graph *g, int t)
{
	int64_t n;

	if (t < 0 || t >= g->n_tensors || g->tensors[t].rank < 0)
		return 0;
	n = gr_dims_count(g->tensors[t].rank, g->tensors[t].dims);
	return n > 0 ? (uint64_t)n : 0;
}

/* Product of dims [from, rank) of tensor t (0 if unknown). */
static uint64_t inner(const struct gr_graph *g, int t, int from)
{
	const struct gr_tensor *x;
	uint64_t p = 1;

	if (t < 0 || t >= g->n_tensors)
		return 0;
	x = &g->tensors[t];
	if (from < 0 || x->rank < from)
		return 0;
	for (int d = from; d < x->rank; d++) {
		if (x->dims[d] < 0)
			return 0;
		p *= (uint64_t)x->dims[d];
	}
	return p;
}

/* Rank of tensor t; 0 when absent or unknown (so rank - 1 selects nothing). */
static int rank(const struct gr_graph *g, int t)
{
	if (t < 0 || t >= g->n_tensors || g->tensors[t].rank < 1)
		return 0;
	return g->tensors[t].rank;
}

/* Input i of node n as a tensor index (-1 if absent). */
static int input(const struct gr_node *n, int i)
{
	return i < n->n_in ? n->in[i] : -1;
}

/*
 * The reduction ops: every output (conv) or every input (transposed conv)
 * element takes one MAC per weight of its filter slice, and a matrix
 * product one per element of the reduced axis. The weight / B operand's
 * position is the op's own (QLinear* and QGemm carry scales in between).
 */
static const struct macs_rule {
	const char *op;
	const char *domain;
	int operand;		/* weights / B input */
	enum { CONV, CONV_T, MATMUL, GEMM } kind;
} macs_rules[] = {
	{ "Conv", "", 1, CONV },
	{ "ConvInteger", "", 1, CONV },
	{ "QLinearConv", "", 3, CONV },
	{ "ConvTranspose", "", 1, CONV_T },
	{ "MatMul", "", 1, MATMUL },
	{ "MatMulInteger", "", 1, MATMUL },
	{ "QLinearMatMul", "", 3, MATMUL },
	{ "Gemm", "", 1, GEMM },
	{ "QGemm", "com.microsoft", 3, GEMM },
};

static const char *node_domain(const struct gr_node *n)
{
	return n->def ? gr_op_domain(n->def->domain) : "";
}

static uint64_t node_macs(const struct gr_graph *g, const struct gr_node *n)
{
	for (size_t r = 0; r < sizeof(macs_rules) / sizeof(macs_rules[0]); r++) {
		const struct macs_rule *mr = &macs_rules[r];
		int w = input(n, mr->operand), out = n->n_out ? n->out[0] : -1;
		uint64_t k, last;

		if (strcmp(mr->op, n->op_type) || strcmp(mr->domain, node_domain(n)))
			continue;
		switch (mr->kind) {
		case CONV:
			return elems(g, out) * inner(g, w, 1);
		case CONV_T:
			return elems(g, input(n, 0)) * inner(g, w, 1);
		case MATMUL:
			/* K: A's last axis */
			return elems(g, out) * inner(g, input(n, 0), rank(g, input(n, 0)) - 1);
		case GEMM:
			/* B is K x N or N x K (transB): K = |B| / N */
			last = inner(g, out, rank(g, out) - 1);
			k = last ? elems(g, w) / last : 0;
			return elems(g, out) * k;
		}
	}
	return 0;
}

/* The step whose device layer covers node i, or -1. */
static int owner_step(const struct lw_plan *p, int i)
{
	for (int s = 0; s < p->n_steps; s++) {
		if (p->steps[s].kind != LW_DEVICE)
			continue;
		for (int f = 0; f < p->steps[s].n_fused; f++)
			if (p->steps[s].fused[f] == i)
				return s;
	}
	return -1;
}

/* The concat step covering node i (LW_CONCAT), or -1. */
static int concat_step(const struct lw_plan *p, int i)
{
	for (int s = 0; s < p->n_steps; s++) {
		if (p->steps[s].kind != LW_CONCAT)
			continue;
		for (int f = 0; f < p->steps[s].n_fused; f++)
			if (p->steps[s].fused[f] == i)
				return s;
	}
	return -1;
}

void eyr_model_concat_reason(const struct accel_model *m, int step, char *buf, size_t len)
{
	const struct lw_plan *p = &m->plan;
	const struct gr_tensor *y = &m->g->tensors[p->steps[step].t_out];
	int n = 0, rq = 0;

	for (int s = 0; s < p->n_steps; s++) {
		if (p->steps[s].kind != LW_DEVICE || p->steps[s].cat_step != step)
			continue;
		n++;
		rq += p->steps[s].cat_map != NULL;
	}
	snprintf(buf, len, "in place: %d device layers write their slices of '%.80s' (%lld bytes, no copy%s)",
		 n, y->name, (long long)gr_dims_count(y->rank, y->dims),
		 rq ? "; requantized through their activation tables" : "");
}

static int layer_of_step(const struct accel_model *m, int step)
{
	for (int l = 0; l < m->n_layers; l++)
		if (m->layers[l] == step)
			return l;
	return -1;
}

int accel_model_node_info(const struct accel_model *m, int i,
			  struct accel_node_info *info)
{
	struct accel_node_info full = { 0 };
	const struct lw_step *s;
	const struct gr_node *n;
	int rc, owner;

	if ((rc = eyr_out_check(info, info ? info->sz : 0, "accel_node_info")))
		return rc;
	m = eyr_model_active(m);
	if (i < 0 || i >= m->g->n_nodes)
		return eyr_error(-EINVAL, "no node %d (the model has %d)", i, m->g->n_nodes);
	n = &m->g->nodes[i];
	s = &m->plan.steps[i];
	full.sz = sizeof(full);
	snprintf(full.name, sizeof(full.name), "%s", n->name);
	snprintf(full.op, sizeof(full.op), "%s", n->op_type);
	snprintf(full.domain, sizeof(full.domain), "%s", node_domain(n));
	full.macs = node_macs(m->g, n);
	full.layer = -1;
	if (n->folded) {
		/* its outputs were computed when the model was compiled */
		full.on = ACCEL_ON_NONE;
		snprintf(full.reason, sizeof(full.reason), "%s", s->why);
		eyr_out_copy(info, info->sz, &full, sizeof(full));
		return 0;
	}
	switch (s->kind) {
	case LW_DEVICE:
		full.on = m->dev ? ACCEL_ON_DEVICE : ACCEL_ON_CPU;
		full.layer = layer_of_step(m, i);
		if (s->n_fused > 1)
			snprintf(full.reason, sizeof(full.reason),
				 "device layer of %d fused nodes", s->n_fused);
		else
			snprintf(full.reason, sizeof(full.reason), "device layer");
		if (s->cat_step >= 0) {
			size_t o = strlen(full.reason);

			snprintf(full.reason + o, sizeof(full.reason) - o,
				 ", writing channels %u.. of '%.60s' in place",
				 s->cat_c0, m->g->tensors[m->plan.steps[s->cat_step].t_out].name);
		}
		break;
	case LW_CONCAT:
		full.on = ACCEL_ON_NONE;
		full.layer = layer_of_step(m, i);
		eyr_model_concat_reason(m, i, full.reason, sizeof(full.reason));
		break;
	case LW_FUSED:
		owner = concat_step(&m->plan, i);
		if (owner >= 0) {
			full.on = ACCEL_ON_NONE;
			full.fused = true;
			eyr_model_concat_reason(m, owner, full.reason, sizeof(full.reason));
			break;
		}
		owner = owner_step(&m->plan, i);
		full.on = ACCEL_ON_DEVICE;
		full.fused = true;
		full.layer = owner >= 0 ? layer_of_step(m, owner) : -1;
		if (owner >= 0)
			snprintf(full.reason, sizeof(full.reason), "fused into the device layer of %s",
				 m->g->nodes[m->plan.steps[owner].node].name);
		else
			snprintf(full.reason, sizeof(full.reason),
				 "folded: its only consumers run on the device");
		break;
	case LW_VIEW:
		full.on = ACCEL_ON_NONE;
		full.layer = layer_of_step(m, i);
		snprintf(full.reason, sizeof(full.reason),
			 "a view of a device tensor: no data moves");
		break;
	default:
		full.on = ACCEL_ON_CPU;
		full.layer = layer_of_step(m, i);
		snprintf(full.reason, sizeof(full.reason), "%s", s->why);
		break;
	}
	eyr_out_copy(info, info->sz, &full, sizeof(full));
	return 0;
}
