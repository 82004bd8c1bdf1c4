// SPDX-License-Identifier: MIT
/*
 * Concat without copies. A channel Concat of quantized NCHW tensors, in
 * either form ONNX Runtime's quantizer writes,
 *
 *   QDQ:        DequantizeLinear(x_k) ... -> Concat(axis 1) -> QuantizeLinear
 *   QOperator:  com.microsoft QLinearConcat(y_s, y_zp, (x_k, x_s, x_zp) ...)
 *
 * moves no data when every x_k is the output of a device layer that nothing
 * else reads: each such layer writes its output straight into its slice of
 * the concat's buffer (channels [c0, c0 + m) of every batch item; the DMA
 * store's batch stride is the concat's channel count, eyr_layer_bufs.
 * out_channels). An x_k quantized differently from the output needs the
 * concat's requantization y = q_y(dq_x(x)); the layer then applies it through
 * its activation table (composed with a table it already has), which gives
 * exactly the reference's values, as the table holds the reference's
 * requantization of each of the 256 values. Without the table capability
 * only inputs quantized as the output can be written in place.
 *
 * Otherwise (an input made on the CPU, read by another node too, a graph
 * output, another axis, an element-wise add producer with batch > 1, an
 * input to requantize from the DMA-only upsample, which has no table) the
 * concat runs on the CPU and the step says why.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

struct cat_in {
	int t;			/* the int8/uint8 tensor a device layer writes */
	float s;		/* its quantization */
	int64_t z;
};

/* Constant scalar (scale or zero point) of input i of n; absent: 0 for a zp. */
static int scalar(const struct gr_graph *g, const struct gr_node *n, int i, int zp, double *v)
{
	const struct gr_value *c;

	if (i >= n->n_in || n->in[i] < 0) {
		*v = 0;
		return zp ? 0 : -1;
	}
	c = g->tensors[n->in[i]].constant;
	if (!c || c->count != 1)
		return -1;
	*v = gr_value_get_f(c, 0);
	return 0;
}

/* t is read by exactly one node, and that node is `reader`. */
static int only_reader(const struct gr_graph *g, int t, int reader)
{
	if (!lw_private_tensor(g, t))
		return 0;
	for (int k = 0; k < g->nodes[reader].n_in; k++)
		if (g->nodes[reader].in[k] == t)
			return 1;
	return 0;
}

/*
 * The concat at step i: its node, output, output quantization and inputs.
 * Returns the number of inputs, 0 when step i is no quantized concat, or
 * -1 with s->why set.
 */
static int concat_at(const struct gr_graph *g, int i, struct lw_step *s, const struct gr_node **cat,
		     int *y, double *ys, double *yz, struct cat_in *in, int max)
{
	const struct gr_node *n = &g->nodes[i];
	int count = 0;
	double v, z;

	if (n->def && !strcmp(n->def->name, "QLinearConcat") &&
	    !strcmp(n->def->domain, "com.microsoft")) {
		*cat = n;
		*y = n->out[0];
		if (scalar(g, n, 0, 0, ys) || scalar(g, n, 1, 1, yz))
			return lw_why(s, "Concat on the device needs constant scalar scales and zero points");
		count = (n->n_in - 2) / 3;
		if (count > max)
			return lw_why(s, "Concat of more inputs than the device path takes (%d)", max);
		for (int k = 0; k < count; k++) {
			if (scalar(g, n, 3 + 3 * k, 0, &v) || scalar(g, n, 4 + 3 * k, 1, &z))
				return lw_why(s, "Concat on the device needs constant scalar scales and zero points");
			in[k] = (struct cat_in){ .t = n->in[2 + 3 * k], .s = (float)v, .z = (int64_t)z };
			if (!only_reader(g, in[k].t, i))
				return lw_why(s, "input '%s' is read by another node or is a graph output: it cannot be written in place",
					      g->tensors[in[k].t].name);
		}
		return count;
	}
	if (!gr_node_is(n, "QuantizeLinear"))
		return 0;
	{
		const struct gr_node *c = lw_producer(g, n->in[0]);

		if (!c || !gr_node_is(c, "Concat") || !lw_private_tensor(g, n->in[0]))
			return 0;
		*cat = c;
		*y = n->out[0];
		if (scalar(g, n, 1, 0, ys) || scalar(g, n, 2, 1, yz))
			return lw_why(s, "Concat on the device needs constant scalar scales and zero points");
		if (c->n_in > max)
			return lw_why(s, "Concat of more inputs than the device path takes (%d)", max);
		for (int k = 0; k < c->n_in; k++) {
			const struct gr_node *dq = lw_producer(g, c->in[k]);

			if (!dq || !gr_node_is(dq, "DequantizeLinear") || !only_reader(g, c->in[k], (int)(c - g->nodes)))
				return lw_why(s, "Concat input %d is not a DequantizeLinear read only by the Concat", k);
			if (scalar(g, dq, 1, 0, &v) || scalar(g, dq, 2, 1, &z))
				return lw_why(s, "Concat on the device needs constant scalar scales and zero points");
			in[k] = (struct cat_in){ .t = dq->in[0], .s = (float)v, .z = (int64_t)z };
			if (!only_reader(g, in[k].t, (int)(dq - g->nodes)))
				return lw_why(s, "input '%s' is read by another node or is a graph output: it cannot be written in place",
					      g->tensors[in[k].t].name);
		}
		return c->n_in;
	}
}

/* The step of the device layer writing t, or -1. */
static int producer_step(const struct lw_step *steps, int n_steps, int t)
{
	for (int p = 0; p < n_steps; p++)
		if (steps[p].kind == LW_DEVICE && steps[p].t_out == t)
			return p;
	return -1;
}

/* The table of step p composed with the requantization map (device int8 domain). */
static void compose(const struct lw_step *p, const uint8_t map[256], int dtype, int8_t *lut)
{
	uint8_t f = dtype == GR_UINT8 ? 0x80 : 0;

	for (int i = 0; i < EYRIE_LUT_ENTRIES; i++) {
		int8_t base = p->lut ? p->lut[i] : (int8_t)(i - 128);

		lut[i] = (int8_t)(map[(uint8_t)base ^ f] ^ f);
	}
}

#define CAT_MAX 64

static int lower_one(const struct gr_graph *g, struct lw_step *steps, int n_steps, int i,
		     const struct lw_opts *o)
{
	struct lw_step *s = &steps[i];
	struct cat_in in[CAT_MAX];
	int prod[CAT_MAX];
	const struct gr_node *cat = NULL;
	const struct gr_tensor *yt;
	double ys = 0, yz = 0;
	int64_t axis, c0 = 0;
	int y = -1, count;

	count = concat_at(g, i, s, &cat, &y, &ys, &yz, in, CAT_MAX);
	if (count <= 0)
		return count;
	yt = &g->tensors[y];
	axis = gr_attr_int(cat, "axis", 1);
	if (axis < 0)
		axis += yt->rank;
	if (yt->rank != 4 || axis != 1 || gr_dims_count(yt->rank, yt->dims) <= 0)
		return lw_why(s, "the device writes channel slices of N x C x H x W tensors of known shape (axis 1)");
	if (!gr_is_q8(yt->dtype) || yt->dims[1] > 65535)
		return lw_why(s, "Concat output of a type or size the device does not write");
	for (int k = 0; k < count; k++) {
		const struct gr_tensor *xt = &g->tensors[in[k].t];
		const struct lw_step *p;
		uint32_t op;

		for (int j = 0; j < k; j++)
			if (in[j].t == in[k].t)
				return lw_why(s, "input '%s' is joined twice: one layer cannot write two slices",
					      xt->name);
		prod[k] = producer_step(steps, n_steps, in[k].t);
		if (prod[k] < 0)
			return lw_why(s, "input '%s' is not the output of a device layer", xt->name);
		p = &steps[prod[k]];
		op = p->layer.shape.op;
		if (xt->dtype != yt->dtype || p->layer.quant.int32_out)
			return lw_why(s, "input '%s' has another type than the output", xt->name);
		if (op == EYR_LAYER_FC || (op == EYR_LAYER_ADD && yt->dims[0] != 1))
			return lw_why(s, "input '%s' comes from a layer that cannot write a strided slice (%s)",
				      xt->name, op == EYR_LAYER_FC ? "fully connected" : "element-wise add, batch > 1");
		if ((in[k].s != (float)ys || in[k].z != (int64_t)yz) && op == EYR_LAYER_UPSAMPLE)
			return lw_why(s, "input '%s' needs requantizing, and it comes from the DMA-only upsample, which has no pass for an activation table",
				      xt->name);
		if ((in[k].s != (float)ys || in[k].z != (int64_t)yz) && !o->lut_ok)
			return lw_why(s, "input '%s' needs requantizing, which the device does in place only with its activation table (EYRIE_CAP_ACT_LUT)",
				      xt->name);
	}
	/* every input qualifies: the tables first (all or none), then the slices */
	{
		uint8_t *map[CAT_MAX] = { 0 };
		int8_t *lut[CAT_MAX] = { 0 };
		int oom = 0;

		for (int k = 0; k < count; k++) {
			if (in[k].s == (float)ys && in[k].z == (int64_t)yz)
				continue;
			map[k] = malloc(256);
			lut[k] = malloc(EYRIE_LUT_ENTRIES);
			oom |= !map[k] || !lut[k];
		}
		for (int k = 0; k < count; k++) {
			struct lw_step *p = &steps[prod[k]];

			if (oom) {
				free(map[k]);
				free(lut[k]);
				continue;
			}
			if (map[k]) {
				gr_concat_map(map[k], yt->dtype, in[k].s, in[k].z, (float)ys, (int64_t)yz);
				compose(p, map[k], yt->dtype, lut[k]);
				free(p->lut);
				p->lut = lut[k];
				p->layer.quant.lut = 1;
				p->cat_map = map[k];
			}
			p->cat_step = i;
			p->cat_c0 = (uint32_t)c0;
			c0 += g->tensors[in[k].t].dims[1];
		}
		if (oom)
			return lw_why(s, "out of memory");
	}
	s->kind = LW_CONCAT;
	s->t_out = y;
	s->node = (int)(cat - g->nodes);
	s->n_fused = 0;
	s->fused[s->n_fused++] = i;
	if (s->node != i) {
		s->fused[s->n_fused++] = s->node;
		steps[s->node].kind = LW_FUSED;
	}
	return 1;
}

void gr_lower_concats(const struct gr_graph *g, struct lw_step *steps, int n_steps,
		      const struct lw_opts *o)
{
	for (int i = 0; i < n_steps; i++) {
		if (steps[i].kind != LW_CPU || g->nodes[i].folded || o->cpu_only ||
		    (o->deny && o->deny[i]))
			continue;
		/* a quantized concat it cannot take keeps its CPU step, with the reason */
		lower_one(g, steps, n_steps, i, o);
	}
}
