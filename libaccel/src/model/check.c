// SPDX-License-Identifier: MIT
/*
 * Layer-wise check of the last run: every device layer against the CPU
 * reference computed on the inputs that layer received on the device.
 *
 * Comparing only the network's output would blame the device for the
 * documented 1-LSB rounding ties (docs/models.md) once later layers amplify
 * them; comparing each layer on its own device inputs keeps every layer's
 * difference where it arose. The device's tensors stay in their buffers
 * after a run (one buffer per tensor), so they are read back here.
 *
 * A 1-LSB difference counts as a tie only where the reference's value lies
 * within a small band of a rounding boundary: the reference is run again
 * with the value nudged by +band and -band before rounding, and the device
 * must equal one of the three results. Anything else is a mismatch.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "graph/ref.h"
#include "model/model_priv.h"

struct chk {
	struct accel_model *m;
	struct accel_tensor *const *inputs;
	int n_inputs;
	const struct lw_step *s;
	/*
	 * The input the layer read on the device: its own, or for a chain's
	 * project layer the chain's (the depthwise layer's input)
	 */
	int t_in;
	struct gr_value **val;		/* per tensor, this layer only */
	char *owned;
};

/* Tensor t as the device holds it; an error if it has no device buffer. */
static int read_device(struct accel_model *m, int t, struct gr_value **out)
{
	if (!m->tbuf[t])
		return eyr_error(-EIO, "tensor '%s' has no device buffer",
				 m->g->tensors[t].name);
	return eyr_model_read_tensor(m, t, out);
}

/*
 * The value of tensor t for the layer's reference: the device's copy of the
 * layer's inputs, constants, graph inputs, or computed by its producer.
 */
static int value_of(struct chk *c, int t, int depth)
{
	struct accel_model *m = c->m;
	const struct gr_tensor *gt = &m->g->tensors[t];
	const struct gr_value *in[GR_MAX_INPUTS] = { 0 };
	struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
	const struct gr_node *n;
	struct gr_err err;
	int rc;

	if (c->val[t])
		return 0;
	if (t == c->t_in || t == c->s->t_in_b) {
		c->owned[t] = 1;
		return read_device(m, t, &c->val[t]);
	}
	if (gt->constant) {
		c->val[t] = gt->constant;
		return 0;
	}
	for (int i = 0; i < m->g->n_inputs; i++)
		if (m->g->inputs[i] == t) {
			if (i >= c->n_inputs || !c->inputs[i])
				return eyr_error(-EINVAL, "input '%s' was not given", gt->name);
			c->val[t] = (struct gr_value *)c->inputs[i];
			return 0;
		}
	/* a chain's project layer computes through both layers' nodes */
	if (gt->producer < 0 || depth > 2 * LW_MAX_FUSED + 4)
		return eyr_error(-EIO, "layer '%s': tensor '%s' is neither an input of the layer nor computed inside it",
				 m->g->nodes[c->s->node].name, gt->name);
	n = &m->g->nodes[gt->producer];
	for (int i = 0; i < n->n_in; i++) {
		if (n->in[i] < 0)
			continue;
		if ((rc = value_of(c, n->in[i], depth + 1)))
			return rc;
		in[i] = c->val[n->in[i]];
	}
	rc = gr_ref_node(n, in, out, &err);
	if (rc)
		return eyr_error(rc, "%s", err.msg);
	for (int o = 0; o < n->n_out; o++) {
		if (n->out[o] < 0 || c->val[n->out[o]]) {
			gr_value_free(out[o]);
			continue;
		}
		c->val[n->out[o]] = out[o];
		c->owned[n->out[o]] = 1;
	}
	return c->val[t] ? 0 : eyr_error(-EIO, "node '%s' did not produce '%s'", n->name, gt->name);
}

static void chk_clear(struct chk *c, int keep)
{
	for (int t = 0; t < c->m->g->n_tensors; t++) {
		if (c->owned[t] && t != keep)
			gr_value_free(c->val[t]);
		if (t != keep) {
			c->val[t] = NULL;
			c->owned[t] = 0;
		}
	}
}

/*
 * The layer's output from the reference, with the given rounding bias. A
 * layer writing its slice of a concat that requantizes it holds the
 * concat's values: the reference goes through the same map (the concat's
 * requantization of each byte, exact by construction).
 */
static int reference_out(struct chk *c, double bias, struct gr_value **out)
{
	int t = c->s->t_out, rc;

	chk_clear(c, -1);
	gr_ref_set_round_bias(bias);
	rc = value_of(c, t, 0);
	gr_ref_set_round_bias(0);
	if (rc)
		return rc;
	*out = c->val[t];
	c->val[t] = NULL;
	c->owned[t] = 0;
	if (c->s->cat_map && gr_dtype_size((*out)->dtype) == 1)
		for (size_t i = 0; i < (*out)->count; i++)
			((uint8_t *)(*out)->data)[i] = c->s->cat_map[((uint8_t *)(*out)->data)[i]];
	return 0;
}

/* A layer's real multiplier: fixed point, or binary32 bits (quant.fp32_rq). */
static double real_mult(const struct eyr_layer_quant *q, int32_t mult, int32_t shift)
{
	if (q->fp32_rq) {
		union { int32_t i; float f; } b = { mult };

		return b.f;
	}
	return ldexp((double)mult, -(31 + shift));
}

/*
 * Width, in output LSBs, of the band around a rounding boundary inside which
 * the device and the reference may round differently (docs/models.md,
 * "Layer-wise check"): the device's 31-bit multiplier; for layers fused from
 * a float (QDQ) island, the reference's float32 arithmetic, a float bias
 * rounded to the accumulator's unit (conv/FC) and the inputs brought to the
 * common scale (Add).
 */
static double tie_band(const struct accel_model *m, const struct lw_step *s)
{
	const struct eyr_layer_quant *q = &s->layer.quant;
	double band = ldexp(1, -20), mo = real_mult(q, q->mult, q->shift);

	if (s->qtable)
		for (uint32_t k = 0; k < s->layer.shape.m; k++)
			mo = fmax(mo, real_mult(q, s->qtable[k], s->qtable[s->layer.shape.m + k]));
	if (s->n_fused > 1 || gr_node_is(&m->g->nodes[s->node], "QuantizeLinear"))
		band += ldexp(1, -10);
	/*
	 * A conv/FC layer with the fixed-point rule against the reference of
	 * QLinearConv / QLinearMatMul / QGemm, which requantizes in float32
	 * as ONNX Runtime (scale and product each rounded: under 2^-14 LSB for
	 * an output in range).
	 */
	else if ((s->layer.shape.op == EYR_LAYER_CONV || s->layer.shape.op == EYR_LAYER_FC) &&
		 !q->fp32_rq)
		band += ldexp(1, -12);
	if (s->layer.shape.op == EYR_LAYER_ADD)
		band += 2 * mo;
	else if ((s->layer.shape.op == EYR_LAYER_CONV || s->layer.shape.op == EYR_LAYER_FC) &&
		 s->n_fused > 1 && q->has_bias)
		band += 0.5 * mo;
	return band;
}

static int check_step(struct chk *c, struct accel_layer_check *lc)
{
	struct gr_value *dev = NULL, *ref = NULL, *lo = NULL, *hi = NULL;
	uint64_t ones = 0;
	int rc;

	memset(lc, 0, sizeof(*lc));
	lc->first_mismatch = -1;
	if ((rc = read_device(c->m, c->s->t_out, &dev)) || (rc = reference_out(c, 0, &ref)))
		goto out;
	if (ref->count != dev->count || ref->dtype != dev->dtype) {
		rc = eyr_error(-EIO, "layer '%s': reference output differs in type or size",
			       c->m->g->nodes[c->s->node].name);
		goto out;
	}
	lc->checked = true;
	lc->elements = dev->count;
	for (size_t i = 0; i < dev->count; i++) {
		int64_t d = llabs(gr_value_get_i(dev, i) - gr_value_get_i(ref, i));

		ones += d == 1;
		if ((double)d > lc->max_abs_diff)
			lc->max_abs_diff = (double)d;
	}
	/*
	 * int32 accumulators (ConvInteger, MatMulInteger) involve no rounding:
	 * they must be bit-exact, so no difference is a tie.
	 */
	/*
	 * Through an activation table a 1-LSB tie before the lookup can be
	 * any difference after it: the nudged references decide.
	 */
	if ((ones || (c->s->lut && lc->max_abs_diff > 0)) && !c->s->layer.quant.int32_out) {
		double band = tie_band(c->m, c->s);

		if ((rc = reference_out(c, band, &hi)) || (rc = reference_out(c, -band, &lo)))
			goto out;
	}
	for (size_t i = 0; i < dev->count; i++) {
		int64_t dv = gr_value_get_i(dev, i), rv = gr_value_get_i(ref, i);

		if (dv == rv)
			continue;
		if (hi && lo && (llabs(dv - rv) == 1 || c->s->lut) &&
		    (dv == gr_value_get_i(hi, i) || dv == gr_value_get_i(lo, i))) {
			lc->ties++;
			continue;
		}
		if (!lc->mismatches++) {
			lc->first_mismatch = (int64_t)i;
			lc->device_value = (int32_t)dv;
			lc->reference_value = (int32_t)rv;
		}
	}
out:
	gr_value_free(dev);
	gr_value_free(ref);
	gr_value_free(lo);
	gr_value_free(hi);
	chk_clear(c, -1);
	return rc;
}

int accel_model_check(struct accel_model *m, struct accel_tensor *const *inputs,
		      int n_inputs, struct accel_check_result *res)
{
	struct accel_check_result r = { .sz = sizeof(r), .ok = true, .first_failed_layer = -1 };
	struct chk c = { .m = m, .inputs = inputs, .n_inputs = n_inputs };
	int rc = 0;

	if ((rc = eyr_out_check(res, res ? res->sz : 0, "accel_check_result")))
		return rc;
	m = eyr_model_active(m);
	c.m = m;
	if (!m->ran)
		return eyr_error(-EINVAL, "accel_model_check: run the model first (accel_model_run with the same inputs)");
	if (n_inputs != m->g->n_inputs)
		return eyr_error(-EINVAL, "the model has %d inputs but %d were given",
				 m->g->n_inputs, n_inputs);
	c.val = calloc((size_t)m->g->n_tensors + 1, sizeof(*c.val));
	c.owned = calloc((size_t)m->g->n_tensors + 1, 1);
	if (!c.val || !c.owned) {
		rc = eyr_error(-ENOMEM, "out of memory");
		goto out;
	}
	for (int li = 0; li < m->n_layers && !rc; li++) {
		int i = m->layers[li];
		struct accel_layer_check *lc = &m->rt[i].chk;

		c.s = &m->plan.steps[i];
		if (c.s->kind != LW_DEVICE || m->rt[i].chain_next >= 0) {
			/* a chain's depthwise output is in no buffer: its project's check covers it */
			memset(lc, 0, sizeof(*lc));
			lc->first_mismatch = -1;
			r.layers_on_chip += c.s->kind == LW_DEVICE;
			continue;
		}
		c.t_in = m->rt[i].chain_prev >= 0 ? m->plan.steps[m->rt[i].chain_prev].t_in :
						   c.s->t_in;
		rc = check_step(&c, lc);
		if (rc)
			break;
		r.layers_checked++;
		r.elements += lc->elements;
		r.ties += lc->ties;
		r.mismatches += lc->mismatches;
		if (lc->max_abs_diff > r.max_abs_diff)
			r.max_abs_diff = lc->max_abs_diff;
		if (lc->ties)
			r.layers_with_ties++;
		if (lc->mismatches) {
			r.ok = false;
			r.layers_failed++;
			if (r.first_failed_layer < 0)
				r.first_failed_layer = li;
		}
	}
out:
	free(c.val);
	free(c.owned);
	if (!rc)
		eyr_out_copy(res, res->sz, &r, sizeof(r));
	return rc;
}
