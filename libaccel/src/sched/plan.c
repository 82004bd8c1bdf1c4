// SPDX-License-Identifier: MIT
/*
 * eyr_sched_plan: options, batch, compulsory-traffic lower bound, and the
 * dispatch between the optimal conv/FC search and the simple tilings of
 * pooling and element-wise layers. Also names and energy bookkeeping.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

static const char *const df_names[EYRIE_DATAFLOW_COUNT] = { "rs", "ws", "os", "is", "nlr" };
static const char *const obj_names[EYR_OBJECTIVES] = { "energy", "cycles", "edp", "dram" };
static const char *const dim_names[EYR_DIMS] = { "N", "G", "M", "E", "F", "C" };

const char *eyr_dataflow_name(enum eyrie_dataflow df)
{
	return (unsigned int)df < EYRIE_DATAFLOW_COUNT ? df_names[df] : "?";
}

int eyr_dataflow_parse(const char *s, enum eyrie_dataflow *df)
{
	int i;

	for (i = 0; i < EYRIE_DATAFLOW_COUNT; i++)
		if (!strcasecmp(s, df_names[i])) {
			*df = (enum eyrie_dataflow)i;
			return 0;
		}
	return -EINVAL;
}

const char *eyr_objective_name(enum eyr_objective o)
{
	return (unsigned int)o < EYR_OBJECTIVES ? obj_names[o] : "?";
}

int eyr_objective_parse(const char *s, enum eyr_objective *o)
{
	int i;

	for (i = 0; i < EYR_OBJECTIVES; i++)
		if (!strcasecmp(s, obj_names[i])) {
			*o = (enum eyr_objective)i;
			return 0;
		}
	return -EINVAL;
}

const char *eyr_dim_name(enum eyr_dim d)
{
	return (unsigned int)d < EYR_DIMS ? dim_names[d] : "?";
}

/* Static energy: static_mw over cycles at the nominal clock, in fJ. */
static uint64_t static_fj(const struct eyr_arch *a, uint64_t cycles)
{
	/* the device's rule: ns rounded up, mW x ns = pJ */
	uint64_t ns = (cycles * 1000000u + a->clock_khz - 1) / a->clock_khz;

	return (uint64_t)a->static_mw * ns * 1000u;
}

void eyr_cost_finish(const struct eyr_arch *arch, struct eyr_cost *c)
{
	int l;

	c->energy_total_fj = 0;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++) {
		c->energy_fj[l] = c->access[l] * arch->energy_fj[l];
		c->energy_total_fj += c->energy_fj[l];
	}
	/* the binary32 rule's multiply, in MAC energies (docs/hardware.md 7.11) */
	c->energy_fj[EYRIE_ENERGY_MAC] += c->fp32_rq * EYRIE_FP32_RQ_MAC_ENERGY *
					  arch->energy_fj[EYRIE_ENERGY_MAC];
	c->energy_total_fj += c->fp32_rq * EYRIE_FP32_RQ_MAC_ENERGY *
			      arch->energy_fj[EYRIE_ENERGY_MAC];
	c->energy_fj[EYRIE_ENERGY_STATIC] = static_fj(arch, c->cycles);
	c->energy_total_fj += c->energy_fj[EYRIE_ENERGY_STATIC];
}

double eyr_objective_value(enum eyr_objective o, const struct eyr_cost *c)
{
	if (o == EYR_OBJ_CYCLES)
		return (double)c->cycles;
	if (o == EYR_OBJ_EDP)
		return (double)c->energy_total_fj * (double)c->cycles;
	if (o == EYR_OBJ_DRAM)
		return (double)c->dram_words;
	return (double)c->energy_total_fj;
}

int eyr_objective_better(enum eyr_objective o, const struct eyr_cost *a,
			 const struct eyr_cost *b)
{
	/* DRAM words tie often (every tensor once): energy decides then */
	if (o == EYR_OBJ_DRAM)
		return a->dram_words < b->dram_words ||
		       (a->dram_words == b->dram_words && a->energy_total_fj < b->energy_total_fj);
	return eyr_objective_value(o, a) < eyr_objective_value(o, b);
}

double eyr_cost_energy_norm(const struct eyr_arch *arch, const struct eyr_cost *c)
{
	double mac = arch->energy_fj[EYRIE_ENERGY_MAC] ? arch->energy_fj[EYRIE_ENERGY_MAC] : 1;

	return (double)c->energy_total_fj / mac;
}

void eyr_cmdbuf_release(struct eyr_cmdbuf *cb)
{
	free(cb->cmds);
	cb->cmds = NULL;
	cb->count = cb->capacity = 0;
}

int eyr_set_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Every tensor element the layer uses crosses DRAM exactly once. */
static void lower_bound_conv(const struct eyr_geom *g, int has_bias, int per_channel,
			     struct eyr_plan *p)
{
	uint64_t cin = (uint64_t)g->ext[EYR_DIM_G] * g->ext[EYR_DIM_C];
	uint64_t mall = (uint64_t)g->ext[EYR_DIM_G] * g->ext[EYR_DIM_M];
	uint64_t in, w, b, q, out;

	/* rows and columns no window reads (stride > filter) are not needed */
	in = g->ext[EYR_DIM_N] * cin * eyr_geom_touched_rows(g) * eyr_geom_touched_cols(g);
	w = mall * g->ext[EYR_DIM_C] * g->r * g->s;
	b = has_bias ? mall : 0;
	q = per_channel ? 2 * mall : 0;
	out = g->ext[EYR_DIM_N] * mall * g->ext[EYR_DIM_E] * g->ext[EYR_DIM_F];
	p->lb_dram_words = in + w + b + q + out;
	p->lb_dram_bytes = in + w + 4 * (b + q) + g->out_bytes * out;
}

/*
 * Plans are pure functions of (arch, shape, options): networks repeat
 * layer shapes (ResNet blocks, MobileNet stages), so the last plans are
 * kept and handed out again. Thread-safe; a hit costs a lookup.
 */
#define PLAN_CACHE 128
struct plan_cache_entry {
	int used;
	struct eyr_arch arch;
	struct eyr_layer_shape shape;
	struct eyr_sched_opts opts;
	struct eyr_plan plan;
};
static struct plan_cache_entry plan_cache[PLAN_CACHE];
static unsigned int plan_cache_next;
static pthread_mutex_t plan_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int cache_get(const struct eyr_arch *a, const struct eyr_layer_shape *l,
		     const struct eyr_sched_opts *o, struct eyr_plan *p)
{
	int i, hit = 0;

	pthread_mutex_lock(&plan_cache_lock);
	for (i = 0; i < PLAN_CACHE && !hit; i++) {
		const struct plan_cache_entry *e = &plan_cache[i];

		if (e->used && !memcmp(&e->arch, a, sizeof(*a)) &&
		    !memcmp(&e->shape, l, sizeof(*l)) && !memcmp(&e->opts, o, sizeof(*o))) {
			*p = e->plan;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&plan_cache_lock);
	return hit;
}

static void cache_put(const struct eyr_arch *a, const struct eyr_layer_shape *l,
		      const struct eyr_sched_opts *o, const struct eyr_plan *p)
{
	struct plan_cache_entry *e;

	pthread_mutex_lock(&plan_cache_lock);
	e = &plan_cache[plan_cache_next++ % PLAN_CACHE];
	e->used = 1;
	e->arch = *a;
	e->shape = *l;
	e->opts = *o;
	e->plan = *p;
	pthread_mutex_unlock(&plan_cache_lock);
}

void eyr_sched_cache_clear(void)
{
	pthread_mutex_lock(&plan_cache_lock);
	memset(plan_cache, 0, sizeof(plan_cache));
	plan_cache_next = 0;
	pthread_mutex_unlock(&plan_cache_lock);
	eyr_pass_memo_clear();
}

static int sched_plan(const struct eyr_arch *arch, const struct eyr_layer_shape *shape,
		      const struct eyr_sched_opts *opts, struct eyr_plan *plan,
		      char *err, size_t errlen);

/* int8 outputs of a layer: what its activation table is read for. */
static uint64_t plan_outputs(const struct eyr_layer_shape *s)
{
	if (s->op == EYR_LAYER_FC)
		return (uint64_t)s->n * s->m;
	if (s->op == EYR_LAYER_ADD)
		return (uint64_t)s->n * s->c * s->h * s->w;
	/* conv (m outputs per position) and pooling (m == c) */
	return (uint64_t)s->n * (s->op == EYR_LAYER_CONV ? s->m : s->c) *
	       eyr_layer_out_h(s) * eyr_layer_out_w(s);
}

/*
 * Gating and coded layouts on a dense plan (sp: the caller's options):
 * plan->dense keeps the dense figures, plan->cost becomes what the sparse
 * stream measures.
 */
static int make_sparse(const struct eyr_arch *arch, const struct eyr_sched_opts *sp,
		       struct eyr_plan *plan, char *err, size_t errlen)
{
	int ret;

	plan->dense = plan->cost;
	plan->zero_gate = 0;
	plan->gated_macs = 0;
	if (sp->zero_gate && arch->zero_gate &&
	    (plan->shape.op == EYR_LAYER_CONV || plan->shape.op == EYR_LAYER_FC)) {
		plan->zero_gate = 1;
		plan->gated_macs = sp->gated_known ? sp->gated_macs :
				   eyr_gated_estimate(&plan->shape, plan->cost.macs,
						      sp->zero_fraction);
		eyr_cost_gate(arch, plan->map.dataflow, plan->gated_macs, &plan->cost);
	}
	plan->rle_in_rows = plan->rle_out_rows = 0;
	if (sp->rle_in_rows || sp->rle_out)
		eyr_sched_rle_choose(arch, sp->rle_in_rows, sp->rle_out, plan);
	/*
	 * a ring keeps the inputs dense (a coded line is not loaded in part):
	 * its halo reuse stays, the coding of its inputs is not done
	 */
	if (plan->rle_in_rows) {
		uint32_t rows = plan->rle_in_rows;

		plan->rle_in_rows = 0;
		if (!eyr_plan_in_ring(plan))
			plan->rle_in_rows = rows;
	}
	if (plan->rle_in_rows || plan->rle_out_rows) {
		/* coded DMAs: DRAM words and DMA time from a walk of the stream */
		uint64_t cycles, dense, coded;
		uint32_t cmds;
		double zo = sp->out_zero_fraction < 0 ? sp->zero_fraction : sp->out_zero_fraction;
		ret = eyr_sched_rle_walk(arch, plan, sp->rle_data, sp->zero_fraction, zo,
					 &cycles, &cmds, &dense, &coded);

		if (ret)
			return eyr_set_err(err, errlen, ret, "coded activations: %s", strerror(-ret));
		if (plan->lut) {
			cycles += eyr_dma_cycles(arch, EYRIE_LUT_ENTRIES, 1);
			cmds++;
		}
		plan->cost.access[EYRIE_ENERGY_DRAM] += coded - dense;
		plan->cost.dram_words += coded - dense;
		plan->cost.dram_bytes += coded - dense;
		plan->cost.cycles = cycles;
		plan->cost.cmds = cmds;
		eyr_cost_finish(arch, &plan->cost);
	}
	return 0;
}

/* The coded layouts a sparse plan carries of those asked for. */
static int coded_carried(const struct eyr_sched_opts *sp, const struct eyr_plan *p)
{
	return (sp->rle_in_rows && p->rle_in_rows) + (sp->rle_out && p->rle_out_rows);
}

/*
 * sparse_choose (struct eyr_sched_opts): the dense plan's choices between
 * searches (one group at a time, rings, spills; below) were made on the
 * dense cost, and a coded layout needs whole-row tiles, which the dense
 * optimum may not have (MobileNetV2's 112-wide layers tile F). Gating
 * takes the same off every mapping of a dataflow, coding does not: a
 * group-parallel depthwise plan that lost to one group at a time because
 * its DMA hid the array time can win once the DMA moves coded rows. So
 * every single search of those choices is made (each exact, fast ==
 * exhaustive) and made sparse, and the best is kept: most coded layouts
 * carried, then the sparse objective; the dense plan on ties.
 */
static void sparse_choose(const struct eyr_arch *arch, const struct eyr_layer_shape *shape,
			  const struct eyr_sched_opts *sp, struct eyr_plan *plan)
{
	struct eyr_geom g;
	struct eyr_plan *p1;
	unsigned int v;
	int halo;

	if (plan->search.budget_exhausted || plan->shape.op != EYR_LAYER_CONV ||
	    eyr_geom_init(&g, &plan->shape, NULL, 0))
		return;
	halo = eyr_geom_has_halo(&g);
	p1 = malloc(sizeof(*p1));
	if (!p1)
		return;		/* the plan made sparse stands */
	/* bit 0: one group at a time, 1: no rings, 2: no spills, 3: whole rows */
	for (v = 0; v < 16; v++) {
		struct eyr_arch a1 = *arch;
		struct eyr_sched_opts o1 = *sp;
		int k;

		if (((v & 1) && (!arch->flex_noc || plan->shape.groups < 2)) ||
		    ((v & 2) && (!arch->in_ring || !halo)) ||
		    ((v & 4) && sp->psum_spill != EYR_SPILL_ANY) ||
		    ((v & 8) && sp->whole_rows))
			continue;
		a1.flex_noc = arch->flex_noc && !(v & 1);
		a1.in_ring = arch->in_ring && !(v & 2);
		if (v & 4)
			o1.psum_spill = EYR_SPILL_NEVER;
		o1.whole_rows = sp->whole_rows || (v & 8);
		o1.single_search = 1;
		o1.sparse_choose = 0;
		if (eyr_sched_plan(&a1, shape, &o1, p1, NULL, 0) || p1->search.budget_exhausted)
			continue;
		plan->search.evaluated += p1->search.evaluated;
		plan->search.pruned += p1->search.pruned;
		plan->search.tilings += p1->search.tilings;
		if (arch->flex_noc && !a1.flex_noc && plan->shape.groups > 1)
			p1->map.one_group = 1;
		k = coded_carried(sp, p1) - coded_carried(sp, plan);
		if (k > 0 || (k == 0 && eyr_objective_better(sp->objective, &p1->cost, &plan->cost))) {
			p1->search.evaluated = plan->search.evaluated;
			p1->search.pruned = plan->search.pruned;
			p1->search.tilings = plan->search.tilings;
			*plan = *p1;
		}
	}
	free(p1);
}

int eyr_sched_plan(const struct eyr_arch *arch, const struct eyr_layer_shape *shape,
		   const struct eyr_sched_opts *opts, struct eyr_plan *plan,
		   char *err, size_t errlen)
{
	struct eyr_sched_opts o = opts ? *opts : (struct eyr_sched_opts)EYR_SCHED_OPTS_INIT;
	struct eyr_sched_opts sp = o;
	struct eyr_layer_shape key;
	uint64_t t0 = eyr_now_us();
	int ret;

	/* sparsity is applied to the dense plan: not part of the search's key */
	o.zero_gate = o.gated_known = 0;
	o.gated_macs = 0;
	o.zero_fraction = 0;
	o.rle_in_rows = 0;
	o.rle_out = 0;
	o.out_zero_fraction = 0;
	o.rle_data = NULL;
	o.sparse_choose = 0;
	/* compare keys bytewise: padding and unused fields zeroed */
	memset(&key, 0, sizeof(key));
	key = *shape;
	o.exhaustive = !!o.exhaustive;
	o.whole_rows = !!o.whole_rows;
	o.single_search = !!o.single_search;
	if (!o.exhaustive && !o.no_cache && cache_get(arch, &key, &o, plan)) {
		plan->search.time_us = eyr_now_us() - t0;
		plan->search.cached = 1;
	} else {
		ret = sched_plan(arch, shape, &o, plan, err, errlen);
		if (ret)
			return ret;
		/* only proven plans: a later call with more budget may do better */
		if (!o.exhaustive && !o.no_cache && !plan->search.budget_exhausted)
			cache_put(arch, &key, &o, plan);
	}
	ret = make_sparse(arch, &sp, plan, err, errlen);
	if (ret)
		return ret;
	if (sp.sparse_choose && !sp.single_search &&
	    ((sp.zero_gate && arch->zero_gate) || ((sp.rle_in_rows || sp.rle_out) && arch->rle_dma))) {
		sparse_choose(arch, shape, &sp, plan);
		plan->search.time_us = eyr_now_us() - t0;
	}
	return 0;
}

/*
 * The tiling search ranks mappings by their barrier-stream cost; with
 * events the stream is then overlapped, and a group-parallel mapping
 * (flexible NoC), chosen for the array time and static energy it saves
 * under barriers, can lose once the DMA hides the array time: its NoC
 * hops remain. So a layer of several groups is also planned one group at
 * a time (flex_noc = 0, a subset of the mapspace) and that plan is kept
 * when its overlapped objective is strictly better. Both searches are
 * exact, so fast and exhaustive searches choose alike.
 */
static void one_group_choose(const struct eyr_arch *arch, const struct eyr_sched_opts *o,
			     const struct eyr_plan *pre, struct eyr_plan *plan)
{
	struct eyr_arch a1 = *arch;
	struct eyr_plan *p1;

	if (!arch->flex_noc || !arch->events || plan->shape.groups < 2 ||
	    plan->search.budget_exhausted)
		return;
	p1 = malloc(sizeof(*p1));
	if (!p1)
		return;		/* the group-parallel plan stands */
	*p1 = *pre;
	a1.flex_noc = 0;
	if (!eyr_sched_plan_conv(&a1, o, p1, NULL, 0) && !p1->search.budget_exhausted &&
	    eyr_objective_better(o->objective, &p1->cost, &plan->cost)) {
		p1->map.one_group = 1;
		p1->search.evaluated += plan->search.evaluated;
		p1->search.pruned += plan->search.pruned;
		p1->search.tilings += plan->search.tilings;
		*plan = *p1;
	} else {
		plan->search.evaluated += p1->search.evaluated;
		plan->search.pruned += p1->search.pruned;
		plan->search.tilings += p1->search.tilings;
	}
	free(p1);
}

/*
 * The search ranks tilings by their barrier-stream cost and overlaps the
 * winner afterwards (events). A tiling that spills psums can win under
 * barriers and then overlap worse than the best tiling that does not
 * (AlexNet FC6, WS: 90.7 against 81.6 x MAC per MAC once overlapped), so
 * when the plan spills it is planned again without spills (a subset of the
 * mapspace, searched exactly like it) and that plan is kept when its
 * objective is strictly better. Fast and exhaustive searches choose alike.
 */
static void no_spill_choose(const struct eyr_arch *arch, const struct eyr_sched_opts *o,
			    const struct eyr_plan *pre, struct eyr_plan *plan)
{
	struct eyr_sched_opts o1 = *o;
	struct eyr_plan *p1;

	if (!arch->events || o->psum_spill != EYR_SPILL_ANY || !eyr_map_spills(&plan->map) ||
	    plan->search.budget_exhausted)
		return;
	p1 = malloc(sizeof(*p1));
	if (!p1)
		return;		/* the spilling plan stands */
	*p1 = *pre;
	o1.psum_spill = EYR_SPILL_NEVER;
	if (!eyr_sched_plan_conv(arch, &o1, p1, NULL, 0)) {
		one_group_choose(arch, &o1, pre, p1);
		if (!p1->search.budget_exhausted &&
		    eyr_objective_better(o->objective, &p1->cost, &plan->cost)) {
			p1->search.evaluated += plan->search.evaluated;
			p1->search.pruned += plan->search.pruned;
			p1->search.tilings += plan->search.tilings;
			*plan = *p1;
			free(p1);
			return;
		}
	}
	plan->search.evaluated += p1->search.evaluated;
	plan->search.pruned += p1->search.pruned;
	plan->search.tilings += p1->search.tilings;
	free(p1);
}

/*
 * The same for input rings (halo reuse): under barriers a ring never costs
 * more, but the tiling it wins with can overlap worse than the best one
 * planned without rings (AlexNet CONV2 at batch 4: 10.606 against 10.550
 * x MAC per MAC once overlapped). So with events a plan is also made
 * without rings (in_ring = 0: the mapspace of before, a subset) and kept
 * when its objective is strictly better. Both are exact searches, so fast
 * and exhaustive searches choose alike.
 */
static void no_ring_choose(const struct eyr_arch *arch, const struct eyr_sched_opts *o,
			   const struct eyr_geom *g, const struct eyr_plan *pre,
			   struct eyr_plan *plan)
{
	struct eyr_arch a0 = *arch;
	struct eyr_plan *p0;

	/* without a halo the search had no ring to offer: nothing to compare */
	if (!arch->in_ring || !arch->events || !eyr_geom_has_halo(g) ||
	    plan->search.budget_exhausted)
		return;
	p0 = malloc(sizeof(*p0));
	if (!p0)
		return;		/* the plan with rings stands */
	*p0 = *pre;
	a0.in_ring = 0;
	if (!eyr_sched_plan_conv(&a0, o, p0, NULL, 0)) {
		one_group_choose(&a0, o, pre, p0);
		no_spill_choose(&a0, o, pre, p0);
		if (!p0->search.budget_exhausted &&
		    eyr_objective_better(o->objective, &p0->cost, &plan->cost)) {
			p0->search.evaluated += plan->search.evaluated;
			p0->search.pruned += plan->search.pruned;
			p0->search.tilings += plan->search.tilings;
			*plan = *p0;
			free(p0);
			return;
		}
	}
	plan->search.evaluated += p0->search.evaluated;
	plan->search.pruned += p0->search.pruned;
	plan->search.tilings += p0->search.tilings;
	free(p0);
}

static int sched_plan(const struct eyr_arch *arch, const struct eyr_layer_shape *shape,
		      const struct eyr_sched_opts *opts, struct eyr_plan *plan,
		      char *err, size_t errlen)
{
	struct eyr_sched_opts o = opts ? *opts : (struct eyr_sched_opts)EYR_SCHED_OPTS_INIT;
	struct eyr_geom g;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = eyr_arch_check(arch, err, errlen);
	if (ret)
		return ret;
	if ((unsigned int)o.dataflow >= EYRIE_DATAFLOW_COUNT)
		return eyr_set_err(err, errlen, -EINVAL, "unknown dataflow %d (use rs, ws, os, is or nlr)", (int)o.dataflow);
	if ((unsigned int)o.objective >= EYR_OBJECTIVES)
		return eyr_set_err(err, errlen, -EINVAL, "unknown objective %d (use energy, cycles, edp or dram)", (int)o.objective);
	plan->shape = *shape;
	if (!plan->shape.groups)
		plan->shape.groups = 1;
	if (o.batch)
		plan->shape.n = o.batch;
	plan->objective = o.objective;
	plan->has_bias = !o.no_bias;
	plan->per_channel = o.per_channel;
	plan->int32_out = !!o.int32_out;
	plan->lut = !!o.lut;
	plan->fp32_rq = !!o.fp32_rq;
	if (plan->fp32_rq && !arch->fp32_rq)
		return eyr_set_err(err, errlen, -EINVAL, "arch '%s' has no binary32 requantization (fp32_rq = 0): drop fp32_rq",
			       arch->name);
	if (plan->fp32_rq && (plan->int32_out || shape->op == EYR_LAYER_MAXPOOL ||
			      shape->op == EYR_LAYER_UPSAMPLE))
		return eyr_set_err(err, errlen, -EINVAL, "binary32 requantization is for conv, fc, average pool and add layers with an int8 output");
	if (plan->lut && plan->int32_out)
		return eyr_set_err(err, errlen, -EINVAL, "an int32 output has no int8 value for the activation table: drop one of lut and int32_out");
	if (plan->int32_out && shape->op != EYR_LAYER_CONV && shape->op != EYR_LAYER_FC)
		return eyr_set_err(err, errlen, -EINVAL, "int32 output is for conv and fc layers only (pool, add and upsample produce int8)");
	if (plan->int32_out && plan->per_channel)
		return eyr_set_err(err, errlen, -EINVAL, "an int32 output is not requantized: drop the per-channel table (per_channel = 0)");
	plan->map.dataflow = o.dataflow;
	switch (shape->op) {
	case EYR_LAYER_CONV:
	case EYR_LAYER_FC:
		ret = eyr_geom_init(&g, &plan->shape, err, errlen);
		if (ret)
			return ret;
		g.out_bytes = plan->int32_out ? 4 : 1;
		lower_bound_conv(&g, plan->has_bias, plan->per_channel, plan);
		{
			struct eyr_plan pre = *plan;

			ret = eyr_sched_plan_conv(arch, &o, plan, err, errlen);
			if (!ret && !o.single_search) {
				one_group_choose(arch, &o, &pre, plan);
				no_spill_choose(arch, &o, &pre, plan);
				no_ring_choose(arch, &o, &g, &pre, plan);
			}
		}
		break;
	case EYR_LAYER_MAXPOOL:
	case EYR_LAYER_AVGPOOL:
	case EYR_LAYER_ADD:
	case EYR_LAYER_UPSAMPLE:
		ret = eyr_sched_plan_simple(arch, plan, err, errlen);
		break;
	default:
		return eyr_set_err(err, errlen, -EINVAL, "unknown layer op %d", (int)shape->op);
	}
	if (!ret && plan->lut) {
		/*
		 * The same for every mapping, so added after the search: the
		 * energy and cycles optima do not move (EDP ranks without it).
		 */
		eyr_cost_add_lut(arch, plan_outputs(&plan->shape), &plan->cost);
		plan->lb_dram_words += EYRIE_LUT_ENTRIES;
		plan->lb_dram_bytes += EYRIE_LUT_ENTRIES;
	}
	if (!ret && plan->fp32_rq) {
		/*
		 * every output requantized once, whatever the mapping (as the
		 * LUT); an add multiplies twice (docs/hardware.md 7.11)
		 */
		plan->cost.fp32_rq = plan_outputs(&plan->shape) *
				     (shape->op == EYR_LAYER_ADD ? EYRIE_ELTWISE_FP32_MULS : 1);
		eyr_cost_finish(arch, &plan->cost);
	}
	return ret;
}
