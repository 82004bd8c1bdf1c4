// SPDX-License-Identifier: MIT
/*
 * One conv/FC layer on the device, measured (accel/measure.h): the same
 * path a model's device layer takes (plan, emit, a job with an energy
 * snapshot after the layer), on synthetic data, so NetAdapt's look-up
 * tables hold what the device counts for a layer of that geometry.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/measure.h"
#include "core/internal.h"
#include "graph/window.h"
#include "model/model_priv.h"
#include "sched/plan_api.h"

/* A layer alone in a job; generous: the emulated board runs it in software. */
#define MEASURE_TIMEOUT_MS 600000

/* The buffers of one synthetic layer. */
enum { BUF_IN, BUF_W, BUF_BIAS, BUF_QUANT, BUF_OUT, BUF_SNAP, BUF_PSUM, N_BUFS };

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

/* Dense pseudo-random bytes, never zero (no zero-skipping saves anything). */
static void fill_nonzero(uint8_t *p, size_t n, uint64_t *x)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t v = (uint8_t)(xorshift(x) >> 56);

		p[i] = v ? v : 1;
	}
}

static int check_spec(const struct eyr_layer_shape *l)
{
	if (l->op != EYR_LAYER_CONV && l->op != EYR_LAYER_FC)
		return eyr_error(-EINVAL, "accel_layer_measure: only conv and fc layers are measured (op %d)",
				 (int)l->op);
	if (!l->n || !l->c || !l->m || !l->h || !l->w || !l->r || !l->s ||
	    !l->stride_h || !l->stride_w || !l->dil_h || !l->dil_w)
		return eyr_error(-EINVAL, "accel_layer_measure: n, c, m, h, w, r, s, strides and dilations must be at least 1");
	if (l->c % l->groups || l->m % l->groups)
		return eyr_error(-EINVAL, "accel_layer_measure: groups = %u does not divide c = %u and m = %u",
				 l->groups, l->c, l->m);
	if (l->h + l->pad_t + l->pad_b < l->dil_h * (l->r - 1) + 1 ||
	    l->w + l->pad_l + l->pad_r < l->dil_w * (l->s - 1) + 1)
		return eyr_error(-EINVAL, "accel_layer_measure: the %ux%u kernel is larger than the padded %ux%u input",
				 l->r, l->s, l->h, l->w);
	return 0;
}

static int arch_of(struct accel_device *dev, struct eyr_arch *arch)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct eyrie_hw_desc desc;
	int rc;

	if ((rc = accel_device_info(dev, &info)) || (rc = eyr_device_hw_desc(dev, &desc)))
		return rc;
	eyr_arch_from_desc(arch, &desc, info.caps);
	return 0;
}

static int alloc_filled(struct accel_device *dev, size_t bytes, bool ro, uint64_t *seed,
			struct accel_buffer **out)
{
	struct accel_buffer_opts o = { .sz = sizeof(o), .flags = ro ? ACCEL_BUFFER_DEVICE_RO : 0 };
	void *p;
	int rc;

	if ((rc = accel_buffer_create(dev, bytes ? bytes : 1, &o, out)) ||
	    (rc = accel_buffer_map(*out, &p)))
		return rc;
	if (seed)
		fill_nonzero(p, bytes, seed);
	return accel_buffer_sync(*out, ACCEL_SYNC_TO_DEVICE, 0, bytes);
}

/* Synthetic requantization: any valid table; the values do not change the cost. */
/* The requantization of a measured layer: a real multiplier of 2^-9. */
#define MEASURE_MULT		(1 << 30)
#define MEASURE_SHIFT		8
#define MEASURE_FP32_SCALE	0x3b000000	/* 2^-9 as binary32 bits */

static void fill_quant(struct accel_buffer *qbuf, uint32_t m, int fp32)
{
	int32_t *q;

	if (accel_buffer_map(qbuf, (void **)&q))
		return;
	for (uint32_t i = 0; i < m; i++) {
		q[i] = fp32 ? MEASURE_FP32_SCALE : MEASURE_MULT;
		q[m + i] = fp32 ? 0 : MEASURE_SHIFT;
	}
	accel_buffer_sync(qbuf, ACCEL_SYNC_TO_DEVICE, 0, 2 * (size_t)m * sizeof(int32_t));
}

void eyr_stats_of_cost(const struct eyr_cost *c, struct accel_layer_stats *st)
{
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		st->energy_fj[d] = c->energy_fj[d];
	st->cycles = c->cycles;
	st->dram_words = c->dram_words;
	st->dram_bytes = c->dram_bytes;
	st->macs = c->macs;
}

static void stats_of_snapshot(const struct accel_energy_snapshot *s, struct accel_layer_stats *st)
{
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		st->energy_fj[d] = s->energy_fj[d];
	st->cycles = s->cycles;
	st->dram_words = s->dram_words;
	st->dram_bytes = s->dram_bytes;
	st->macs = s->macs;
}

static int run_layer(struct accel_device *dev, const struct eyr_arch *arch,
		     const struct eyr_plan *plan, const struct eyr_layer *layer,
		     uint64_t seed, struct accel_layer_measurement *r)
{
	const struct eyr_layer_shape *l = &plan->shape;
	size_t in_bytes = (size_t)l->n * l->c * l->h * l->w;
	size_t w_bytes = (size_t)l->m * (l->c / l->groups) * l->r * l->s;
	size_t out_bytes = (size_t)l->n * l->m * eyr_layer_out_h(l) * eyr_layer_out_w(l);
	struct accel_buffer *b[N_BUFS] = { 0 };
	struct accel_job_result jr = { .sz = sizeof(jr) };
	struct eyr_cmdbuf ecb = { 0 };
	struct accel_cmdbuf *cb = NULL;
	const struct accel_energy_snapshot *snap;
	struct eyr_layer_bufs bufs;
	int rc;

	if ((rc = alloc_filled(dev, in_bytes, false, &seed, &b[BUF_IN])) ||
	    (rc = alloc_filled(dev, w_bytes, true, &seed, &b[BUF_W])) ||
	    (rc = alloc_filled(dev, (size_t)l->m * sizeof(int32_t), true, &seed, &b[BUF_BIAS])) ||
	    (rc = alloc_filled(dev, 2 * (size_t)l->m * sizeof(int32_t), true, NULL, &b[BUF_QUANT])) ||
	    (rc = alloc_filled(dev, out_bytes, false, NULL, &b[BUF_OUT])) ||
	    (rc = alloc_filled(dev, sizeof(struct accel_energy_snapshot), false, NULL, &b[BUF_SNAP])))
		goto out;
	/* psums a plan spills to DRAM (eyr_plan_psum_bytes) */
	if (eyr_plan_psum_bytes(plan) &&
	    (rc = alloc_filled(dev, eyr_plan_psum_bytes(plan), false, NULL, &b[BUF_PSUM])))
		goto out;
	fill_quant(b[BUF_QUANT], l->m, layer->quant.fp32_rq);
	bufs = (struct eyr_layer_bufs){
		.in = accel_buffer_device_addr(b[BUF_IN]),
		.weights = accel_buffer_device_addr(b[BUF_W]),
		.bias = layer->quant.has_bias ? accel_buffer_device_addr(b[BUF_BIAS]) : 0,
		.quant = layer->quant.per_channel ? accel_buffer_device_addr(b[BUF_QUANT]) : 0,
		.out = accel_buffer_device_addr(b[BUF_OUT]),
		.psum = b[BUF_PSUM] ? accel_buffer_device_addr(b[BUF_PSUM]) : 0,
	};
	rc = eyr_sched_emit(arch, plan, layer, &bufs, &ecb);
	if (rc) {
		rc = eyr_error(rc, "accel_layer_measure: the scheduler could not emit the layer's commands");
		goto out;
	}
	cb = accel_cmdbuf_new();
	if (!cb) {
		rc = eyr_error(-ENOMEM, "out of memory");
		goto out;
	}
	rc = accel_cmdbuf_append_raw(cb, ecb.cmds, ecb.count);
	if (rc >= 0)
		rc = accel_cmdbuf_energy_snapshot(cb, b[BUF_SNAP], 0);
	if (rc < 0)
		goto out;
	rc = accel_job_run(dev, cb, NULL, MEASURE_TIMEOUT_MS, &jr);
	if (rc) {
		rc = eyr_error_wrap(rc, "accel_layer_measure: the layer's job failed");
		goto out;
	}
	if ((rc = accel_buffer_sync(b[BUF_SNAP], ACCEL_SYNC_FROM_DEVICE, 0, 0)) ||
	    (rc = accel_buffer_map(b[BUF_SNAP], (void **)&snap)))
		goto out;
	/* the snapshot is job-relative and the layer is the whole job */
	stats_of_snapshot(snap, &r->measured);
	eyr_stats_of_cost(&plan->cost, &r->predicted);
	r->commands = ecb.count;
	r->job_cycles = jr.cycles;
	r->job_energy_fj = jr.energy_fj;
out:
	accel_cmdbuf_free(cb);
	eyr_cmdbuf_release(&ecb);
	for (int i = 0; i < N_BUFS; i++)
		accel_buffer_free(b[i]);
	return rc;
}

int accel_layer_measure(struct accel_device *dev, const struct accel_layer_spec *spec,
			const struct accel_measure_opts *opts,
			struct accel_layer_measurement *res)
{
	struct accel_layer_measurement full = { .sz = sizeof(full) };
	struct eyr_sched_opts so = EYR_SCHED_OPTS_INIT;
	struct eyr_layer layer = { .name = "measured layer" };
	struct eyr_arch arch;
	struct eyr_plan plan;
	enum accel_requant rq;
	char err[256] = "";
	uint64_t seed;
	int rc;

	if (!dev || !spec)
		return eyr_error(-EINVAL, "accel_layer_measure: NULL argument");
	if ((rc = EYR_OPTS_CHECK(opts, accel_measure_opts)) ||
	    (rc = eyr_out_check(res, res ? res->sz : 0, "accel_layer_measurement")))
		return rc;
	eyr_spec_to_shape(spec, &layer.shape);
	if ((rc = check_spec(&layer.shape)) || (rc = arch_of(dev, &arch)))
		return rc;
	so.dataflow = (enum eyrie_dataflow)EYR_OPTS_GET(opts, dataflow, ACCEL_DATAFLOW_RS);
	so.no_bias = !!spec->no_bias;
	so.per_channel = !!spec->per_channel;
	/* a caller built against a spec without the field gets the device's rule */
	rq = spec->sz >= offsetof(struct accel_layer_spec, requant) + sizeof(spec->requant) ?
	     spec->requant : ACCEL_REQUANT_DEVICE;
	if ((unsigned int)rq > ACCEL_REQUANT_FP32)
		return eyr_error(-EINVAL, "accel_layer_measure: unknown requant %d", (int)rq);
	if (rq == ACCEL_REQUANT_FP32 && !arch.fp32_rq)
		return eyr_error(-EOPNOTSUPP,
				 "accel_layer_measure: ACCEL_REQUANT_FP32, but the device lacks binary32 requantization");
	so.fp32_rq = rq == ACCEL_REQUANT_FP32 || (rq == ACCEL_REQUANT_DEVICE && arch.fp32_rq);
	rc = eyr_sched_plan(&arch, &layer.shape, &so, &plan, err, sizeof(err));
	if (rc)
		return eyr_error(rc, "accel_layer_measure: %s", err[0] ? err : "planning failed");
	layer.quant = (struct eyr_layer_quant){
		.mult = so.fp32_rq ? MEASURE_FP32_SCALE : MEASURE_MULT,
		.shift = so.fp32_rq ? 0 : MEASURE_SHIFT, .clamp_min = -128, .clamp_max = 127,
		.has_bias = !spec->no_bias, .per_channel = !!spec->per_channel,
		.fp32_rq = (int)so.fp32_rq,
	};
	seed = EYR_OPTS_GET(opts, seed, 0);
	rc = run_layer(dev, &arch, &plan, &layer, seed ? seed : 0x9e3779b97f4a7c15ull, &full);
	if (rc)
		return rc;
	eyr_out_copy(res, res->sz, &full, sizeof(full));
	return 0;
}

/* Optional bias input of a conv / FC node, by ONNX op type. */
static bool node_has_bias(const struct gr_graph *g, const struct gr_node *n)
{
	int at = !strcmp(n->op_type, "QLinearConv") ? 8 :
		 (!strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "Gemm")) ? 2 : -1;

	(void)g;
	return at >= 0 && n->n_in > at && n->in[at] >= 0;
}

int accel_model_layer_spec(const struct accel_model *m, int i, struct accel_layer_spec *spec)
{
	struct accel_layer_info li = { .sz = sizeof(li) };
	const struct lw_step *s;
	const struct gr_node *n;
	int rc;

	if (!m || !spec)
		return eyr_error(-EINVAL, "accel_model_layer_spec: NULL argument");
	if ((rc = accel_model_layer_info(m, i, &li)))
		return rc;
	s = &m->plan.steps[m->layers[i]];
	n = &m->g->nodes[s->node];
	memset(spec, 0, sizeof(*spec));
	spec->sz = sizeof(*spec);
	if (s->kind == LW_DEVICE &&
	    (s->layer.shape.op == EYR_LAYER_CONV || s->layer.shape.op == EYR_LAYER_FC)) {
		const struct eyr_layer_shape *l = &s->layer.shape;

		spec->op = (enum accel_layer_op)l->op;
		spec->n = l->n;
		spec->c = l->c;
		spec->m = l->m;
		spec->h = l->h;
		spec->w = l->w;
		spec->r = l->r;
		spec->s = l->s;
		spec->stride_h = l->stride_h;
		spec->stride_w = l->stride_w;
		spec->pad_t = l->pad_t;
		spec->pad_b = l->pad_b;
		spec->pad_l = l->pad_l;
		spec->pad_r = l->pad_r;
		spec->dil_h = l->dil_h;
		spec->dil_w = l->dil_w;
		spec->groups = l->groups;
		spec->no_bias = !s->layer.quant.has_bias;
		spec->per_channel = !!s->layer.quant.per_channel;
		spec->requant = s->layer.quant.fp32_rq ? ACCEL_REQUANT_FP32 : ACCEL_REQUANT_FIXED;
		return 0;
	}
	if (!li.has_shape)
		return eyr_error(-ENOENT, "layer '%s' (%s) is not a conv or FC layer", li.name, li.op);
	/* a float (or CPU) layer: what quantizing it per channel would give */
	spec->op = strstr(li.op, "Conv") ? ACCEL_LAYER_CONV : ACCEL_LAYER_FC;
	spec->n = li.n;
	spec->c = li.c;
	spec->m = li.m;
	spec->h = li.h;
	spec->w = li.w;
	spec->r = li.r;
	spec->s = li.s;
	spec->stride_h = li.stride_h ? li.stride_h : 1;
	spec->stride_w = li.stride_w ? li.stride_w : 1;
	spec->pad_t = li.pad_t;
	spec->pad_b = li.pad_b;
	spec->pad_l = li.pad_l;
	spec->pad_r = li.pad_r;
	spec->dil_h = spec->dil_w = 1;
	if (spec->op == ACCEL_LAYER_CONV) {
		struct gr_window win;
		struct gr_err err;

		if (!gr_node_window(n, &win, &err)) {
			spec->dil_h = win.dh > 0 ? (uint32_t)win.dh : 1;
			spec->dil_w = win.dw > 0 ? (uint32_t)win.dw : 1;
		}
	}
	spec->groups = li.groups ? li.groups : 1;
	spec->no_bias = !node_has_bias(m->g, n);
	spec->per_channel = 1;
	/* quantized, it would be imported with the device's requantization */
	spec->requant = ACCEL_REQUANT_DEVICE;
	return 0;
}
