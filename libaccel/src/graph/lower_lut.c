// SPDX-License-Identifier: MIT
/*
 * Pointwise functions of quantized tensors on the device's activation table
 * (EYRIE_CAP_ACT_LUT, docs/hardware.md 7.7):
 *
 *   - QDQ islands DequantizeLinear -> f [-> g ...] -> QuantizeLinear whose
 *     ops are all pointwise (registry rows with .pointwise), for example
 *     LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Relu, Clip;
 *   - QOperator rows lowered with lw_lut (QLinearLeakyRelu, QLinearSigmoid).
 *
 * The table is the CPU reference itself, run once on the 256 values the
 * input type can hold, so the device's result equals the reference's bit for
 * bit. The step runs alone as a 1 x 1 max pool through the table (identity
 * before the lookup), and gr_lower_fuse_luts() then moves it into the
 * device layer that produces its input when nothing else reads that
 * layer's output: the table is applied right after the layer's
 * requantization, and the intermediate tensor never exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"
#include "graph/ref.h"



/* Every input but the first is a constant of at most one element. */
static int scalar_params(const struct gr_graph *g, const struct gr_node *n)
{
	for (int i = 1; i < n->n_in; i++) {
		const struct gr_value *c;

		if (n->in[i] < 0)
			continue;
		c = g->tensors[n->in[i]].constant;
		if (!c || c->count > 1)
			return 0;
	}
	return 1;
}

/*
 * Runs nodes[0..n) in turn on the 256 values of in_dtype (int8 or uint8),
 * each one's first input being the previous one's output, and writes the
 * int8/uint8 results in the device's int8 form: table[v + 128] for the
 * device value v (uint8 u is carried as u - 128).
 */
static int run_chain(const struct gr_graph *g, const struct gr_node *const *nodes, int n,
		     int in_dtype, int8_t *table, struct lw_step *s)
{
	int64_t dims[1] = { EYRIE_LUT_ENTRIES };
	struct gr_value *cur;
	struct gr_err err;
	int rc = 0;

	cur = gr_value_new(in_dtype, 1, dims, &err);
	if (!cur)
		return lw_why(s, "out of memory");
	for (int v = -128; v < 128; v++)
		gr_store_i(cur, (size_t)(v + 128), in_dtype == GR_UINT8 ? v + 128 : v);
	for (int k = 0; k < n && !rc; k++) {
		const struct gr_value *in[GR_MAX_INPUTS] = { 0 };
		struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };

		in[0] = cur;
		for (int i = 1; i < nodes[k]->n_in; i++)
			in[i] = nodes[k]->in[i] >= 0 ? g->tensors[nodes[k]->in[i]].constant : NULL;
		rc = gr_ref_node(nodes[k], in, out, &err);
		if (rc) {
			lw_why(s, "its table cannot be computed: %s", err.msg);
			break;
		}
		for (int o = 1; o < GR_MAX_OUTPUTS; o++)
			gr_value_free(out[o]);
		gr_value_free(cur);
		cur = out[0];
	}
	if (!rc && (!cur || !gr_is_q8(cur->dtype) || cur->count != EYRIE_LUT_ENTRIES))
		rc = lw_why(s, "the chain does not end in an int8/uint8 tensor");
	for (size_t i = 0; !rc && i < EYRIE_LUT_ENTRIES; i++)
		table[i] = (int8_t)(gr_value_get_i(cur, i) - (cur->dtype == GR_UINT8 ? 128 : 0));
	gr_value_free(cur);
	return rc;
}

/*
 * The step: a 1 x 1 max pool over tensor t_in (no rescale: mult 0), its
 * int8 result through the table, into t_out.
 */
static int lut_step(const struct gr_graph *g, int t_in, int t_out, int32_t zp_in8,
		    const struct gr_node *const *chain, int n, const struct lw_opts *o,
		    struct lw_step *s)
{
	const struct gr_tensor *x = &g->tensors[t_in];
	struct eyr_layer_shape *l = &s->layer.shape;
	int64_t count = gr_dims_count(x->rank, x->dims);

	if (!o->lut_ok)
		return lw_why(s, "the device has no activation table (EYRIE_CAP_ACT_LUT)");
	if (count <= 0)
		return lw_why(s, "the device needs the tensor's shape before running");
	memset(l, 0, sizeof(*l));
	if (x->rank == 4 && x->dims[1] <= 65535 && x->dims[2] <= 65535 && x->dims[3] <= 65535 &&
	    x->dims[0] <= 65535) {
		l->n = (uint32_t)x->dims[0];
		l->c = (uint32_t)x->dims[1];
		l->h = (uint32_t)x->dims[2];
		l->w = (uint32_t)x->dims[3];
	} else if (count <= 65535) {
		l->n = 1;
		l->c = (uint32_t)count;
		l->h = l->w = 1;
	} else {
		return lw_why(s, "a %lld-element tensor that is not NCHW exceeds the device's pool fields",
			   (long long)count);
	}
	l->op = EYR_LAYER_MAXPOOL;
	l->m = l->c;
	l->r = l->s = 1;
	l->stride_h = l->stride_w = 1;
	l->dil_h = l->dil_w = 1;
	l->groups = 1;
	s->lut = malloc(EYRIE_LUT_ENTRIES);
	if (!s->lut)
		return lw_why(s, "out of memory");
	if (run_chain(g, chain, n, x->dtype, s->lut, s))
		return -1;
	s->layer.quant.zp_in = zp_in8;
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->layer.quant.lut = 1;
	s->t_in = t_in;
	s->t_out = t_out;
	return 0;
}

int lw_lut(const struct lw_ctx *c, int node, struct lw_step *s)
{
	const struct gr_graph *g = c->g;
	const struct gr_node *n = &g->nodes[node];
	const struct gr_node *chain[1] = { n };
	const struct gr_tensor *x = &g->tensors[n->in[0]];

	if (!gr_is_q8(x->dtype))
		return lw_why(s, "%s of %s: the device's table maps int8/uint8 values", n->op_type,
			   gr_dtype_name(x->dtype));
	if (!scalar_params(g, n))
		return lw_why(s, "scales and zero points must be constant scalars for the device's table");
	/* the pool before the lookup is the identity: zp_in is not used */
	return lut_step(g, n->in[0], n->out[0], 0, chain, 1, c->o, s);
}

int gr_lower_lut_island(const struct gr_graph *g, int qi, struct lw_step *s,
			const struct lw_opts *o)
{
	const struct gr_node *q = &g->nodes[qi], *cur, *dq;
	const struct gr_node *chain[LW_MAX_FUSED + 1];
	int n = 0, t;

	if (!scalar_params(g, q))
		return lw_why(s, "QuantizeLinear with non-constant or per-axis parameters");
	/* walk back from the QuantizeLinear over private pointwise ops */
	t = q->in[0];
	cur = lw_producer(g, t);
	while (cur && cur->def && cur->def->pointwise && lw_private_tensor(g, t) &&
	       n < LW_MAX_FUSED - 1) {
		if (!scalar_params(g, cur))
			return lw_why(s, "%s '%s': its parameters must be constant scalars for the device's table",
				   cur->op_type, cur->name);
		chain[n++] = cur;
		t = cur->in[0];
		cur = lw_producer(g, t);
	}
	if (!n)
		return -1;	/* not a pointwise island: the caller's reason stands */
	dq = cur;
	if (!dq || !gr_node_is(dq, "DequantizeLinear") || !scalar_params(g, dq) ||
	    !gr_is_q8(g->tensors[dq->in[0]].dtype))
		return lw_why(s, "%s '%s' is not fed by a DequantizeLinear of an int8/uint8 tensor with constant scalar parameters",
			   chain[n - 1]->op_type, chain[n - 1]->name);
	/* reverse into evaluation order: DequantizeLinear, the ops, QuantizeLinear */
	{
		const struct gr_node *order[LW_MAX_FUSED + 2];
		int k = 0, rc;

		order[k++] = dq;
		for (int i = n - 1; i >= 0; i--)
			order[k++] = chain[i];
		order[k++] = q;
		rc = lut_step(g, dq->in[0], q->out[0], 0, order, k, o, s);
		if (rc)
			return rc;
	}
	/* fused[0] stays the step's own node; then the covered ones in order */
	s->node = (int)(chain[n - 1] - g->nodes);
	for (int i = n - 1; i >= 0; i--)
		s->fused[s->n_fused++] = (int)(chain[i] - g->nodes);
	s->fused[s->n_fused++] = qi;
	return 0;
}

/* A step that is only the table: the 1 x 1 identity pool of lut_step. */
static int lut_only(const struct lw_step *s)
{
	const struct eyr_layer_shape *l = &s->layer.shape;

	return s->kind == LW_DEVICE && s->lut && l->op == EYR_LAYER_MAXPOOL &&
	       l->r == 1 && l->s == 1 && !s->layer.quant.mult;
}

/* The nodes reading tensor t, when there is exactly one. */
static int only_consumer(const struct gr_graph *g, int t)
{
	int who = -1;

	if (!lw_private_tensor(g, t))
		return -1;
	for (int j = 0; j < g->n_nodes; j++)
		for (int k = 0; k < g->nodes[j].n_in; k++)
			if (g->nodes[j].in[k] == t)
				who = j;
	return who;
}

void gr_lower_fuse_luts(const struct gr_graph *g, struct lw_step *steps, int n_steps)
{
	for (int a = 0; a < n_steps; a++) {
		struct lw_step *A = &steps[a], *P = NULL;
		int reader, a0;

		if (!lut_only(A))
			continue;
		for (int p = 0; p < n_steps && !P; p++)
			if (steps[p].kind == LW_DEVICE && p != a && steps[p].t_out == A->t_in)
				P = &steps[p];
		/* covered nodes: fused[1..] of a multi-node step, else fused[0] */
		a0 = A->n_fused > 1;
		/* the DMA-only upsample has no pass to look the table up in */
		if (!P || P->lut || P->layer.quant.int32_out ||
		    P->layer.shape.op == EYR_LAYER_UPSAMPLE ||
		    P->n_fused + (P->n_fused == 1) + A->n_fused - a0 > LW_MAX_FUSED)
			continue;
		/*
		 * Nothing but this step may read P's output: its only reader is
		 * the island's DequantizeLinear (itself read only by the island)
		 * or the QOperator node.
		 */
		reader = only_consumer(g, A->t_in);
		if (reader < 0)
			continue;
		if (gr_node_is(&g->nodes[reader], "DequantizeLinear")) {
			if (only_consumer(g, g->nodes[reader].out[0]) != A->fused[A->n_fused > 1])
				continue;
		} else if (reader != A->fused[0]) {
			continue;
		}
		P->lut = A->lut;
		A->lut = NULL;
		P->layer.quant.lut = 1;
		P->t_out = A->t_out;
		if (P->n_fused == 1)
			P->fused[P->n_fused++] = P->fused[0];
		for (int f = a0; f < A->n_fused; f++)
			P->fused[P->n_fused++] = A->fused[f];
		A->kind = LW_FUSED;
	}
}
