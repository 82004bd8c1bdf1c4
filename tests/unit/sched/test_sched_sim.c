// SPDX-License-Identifier: MIT
/*
 * The scheduler's command streams on the device model (in-process host):
 * random layers (odd sizes, strides, padding, dilation, groups, depthwise,
 * FC, batch > 1, per-tensor and per-channel requantization, every
 * dataflow, GLBs shrunk so the tiling is ragged and inputs/weights stream)
 * must give bit-exactly the output of a straightforward reference conv, and
 * the device's measurement (an ENERGY_SNAPSHOT after the stream) must equal
 * the prediction: access counts, MACs and DRAM words/bytes exactly, cycles
 * exactly (docs/scheduler.md, "Prediction and measurement").
 *
 * SCHED_SIM_CASES (default 200) sets the number of random layers,
 * SCHED_SIM_SEED the seed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eyrie_simhost.h"
#include "sched/sched_internal.h"
#include "sched_test_util.h"

struct host {
	struct eyrie_simhost *h;
	uint32_t ctx;
	struct eyr_arch arch;		/* the device's */
};

static struct host HOST;

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t urange(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static int setup(void **state)
{
	struct eyrie_simhost_opts o = { .sz = sizeof(o) };
	char err[256] = "";
	const struct eyrie_hw_ctrl *ctrl;

	(void)state;
	o.errbuf = err;
	o.errbuf_len = sizeof(err);
	if (eyrie_simhost_open(&o, &HOST.h)) {
		fprintf(stderr, "eyrie_simhost_open: %s\n", err);
		return -1;
	}
	if (eyrie_simhost_ctx_create(HOST.h, &HOST.ctx))
		return -1;
	ctrl = eyrie_simhost_ctrl(HOST.h);
	eyr_arch_from_desc(&HOST.arch, &ctrl->desc, ctrl->caps);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	eyrie_simhost_close(HOST.h);
	return 0;
}

struct buf {
	void *cpu;
	uint64_t va;
};

static void bo(struct buf *b, uint64_t size)
{
	assert_int_equal(eyrie_simhost_bo_alloc(HOST.h, HOST.ctx, size ? size : 1, 0, &b->cpu, &b->va), 0);
}

static void bo_free(struct buf *b)
{
	eyrie_simhost_bo_free(HOST.h, HOST.ctx, b->va);
}

static int64_t rq(int64_t x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + ((int64_t)1 << (t - 1))) >> t;
}

static int8_t clamp8(int64_t v, int lo, int hi)
{
	return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/*
 * The reference: ONNX-style conv with the device's integer requantization,
 * or (quant.int32_out, ConvInteger/MatMulInteger) the int32 accumulators.
 */
/* A binary32 scale about the size of fixed-point mult * 2^-(31 + shift). */
static int32_t fp32_bits(int32_t mult, int32_t shift)
{
	return (int32_t)((uint32_t)(127 - 1 - shift) << 23 | ((uint32_t)mult & 0x7fffffu));
}

/* The layer's requantization of accumulator acc: fixed point or binary32. */
static int64_t requant(const struct eyr_layer *l, int64_t acc, int32_t mult, int32_t shift)
{
	if (l->quant.fp32_rq)
		return eyrie_rq_fp32((int32_t)acc, (uint32_t)mult, l->quant.zp_out);
	return l->quant.zp_out + rq(acc, mult, shift);
}

/* Taps of the last ref_conv that read a zero input (zp_in) or padding. */
static uint64_t ref_zero_taps;

static void ref_conv(const struct eyr_layer *l, const int8_t *in, const int8_t *w,
		     const int32_t *bias, const int32_t *qt, void *out)
{
	const struct eyr_layer_shape *s = &l->shape;
	uint32_t E = s->op == EYR_LAYER_FC ? 1 : eyr_layer_out_h(s);
	uint32_t F = s->op == EYR_LAYER_FC ? 1 : eyr_layer_out_w(s);
	uint32_t H = s->op == EYR_LAYER_FC ? 1 : s->h, W = s->op == EYR_LAYER_FC ? 1 : s->w;
	uint32_t G = s->groups ? s->groups : 1, Cg = s->c / G, Mg = s->m / G;
	uint32_t b, k, y, x, ci, i, j;

	ref_zero_taps = 0;
	for (b = 0; b < s->n; b++)
	for (k = 0; k < s->m; k++)
	for (y = 0; y < E; y++)
	for (x = 0; x < F; x++) {
		int64_t acc = l->quant.has_bias ? bias[k] : 0;
		uint32_t g = k / Mg;
		int32_t mult = l->quant.per_channel ? qt[k] : l->quant.mult;
		int32_t shift = l->quant.per_channel ? qt[s->m + k] : l->quant.shift;

		for (ci = 0; ci < Cg; ci++)
		for (i = 0; i < s->r; i++)
		for (j = 0; j < s->s; j++) {
			int64_t yy = (int64_t)y * s->stride_h - s->pad_t + (int64_t)i * s->dil_h;
			int64_t xx = (int64_t)x * s->stride_w - s->pad_l + (int64_t)j * s->dil_w;
			int32_t iv, wv;

			if (yy < 0 || yy >= H || xx < 0 || xx >= W) {
				ref_zero_taps++;
				continue;	/* padding reads zp_in: contributes 0 */
			}
			iv = in[(((uint64_t)b * s->c + g * Cg + ci) * H + yy) * W + xx] - l->quant.zp_in;
			ref_zero_taps += iv == 0;
			wv = w[(((uint64_t)k * Cg + ci) * s->r + i) * s->s + j] - l->quant.zp_w;
			acc += (int64_t)iv * wv;
		}
		if (acc > INT32_MAX)
			acc = INT32_MAX;
		if (acc < INT32_MIN)
			acc = INT32_MIN;
		if (l->quant.int32_out)
			((int32_t *)out)[(((uint64_t)b * s->m + k) * E + y) * F + x] = (int32_t)acc;
		else
			((int8_t *)out)[(((uint64_t)b * s->m + k) * E + y) * F + x] =
				clamp8(requant(l, acc, mult, shift), l->quant.clamp_min,
				       l->quant.clamp_max);
	}
}

static void random_layer(struct eyr_layer *l)
{
	struct eyr_layer_shape *s = &l->shape;
	uint32_t kind = rnd() % 10;

	memset(l, 0, sizeof(*l));
	l->name = "random";
	if (kind == 0) {
		*s = st_fc(urange(1, 4), urange(1, 300), urange(1, 70));
	} else {
		uint32_t g = 1, c, m, effh, effw;

		s->op = EYR_LAYER_CONV;
		s->n = urange(1, 3);
		s->r = urange(1, 5);
		s->s = rnd() % 4 ? s->r : urange(1, 5);
		s->dil_h = rnd() % 5 ? 1 : 2;
		s->dil_w = rnd() % 5 ? 1 : urange(1, 2);
		s->stride_h = urange(1, 3);
		s->stride_w = rnd() % 3 ? s->stride_h : urange(1, 3);
		effh = s->dil_h * (s->r - 1) + 1;
		effw = s->dil_w * (s->s - 1) + 1;
		s->pad_t = rnd() % effh;
		s->pad_b = rnd() % effh;
		s->pad_l = rnd() % effw;
		s->pad_r = rnd() % effw;
		s->h = urange(effh > s->pad_t + s->pad_b ? effh - s->pad_t - s->pad_b : 1, 23);
		s->w = urange(effw > s->pad_l + s->pad_r ? effw - s->pad_l - s->pad_r : 1, 23);
		if (s->h < 1)
			s->h = 1;
		c = urange(1, 24);
		m = urange(1, 24);
		if (kind == 1) {		/* depthwise */
			g = c;
			m = c;
		} else if (kind == 2) {		/* grouped */
			g = urange(2, 4);
			c = g * urange(1, 6);
			m = g * urange(1, 6);
		}
		s->c = c;
		s->m = m;
		s->groups = g;
	}
	l->quant.zp_in = (int32_t)urange(0, 40) - 20;
	l->quant.zp_w = rnd() % 3 ? 0 : (int32_t)urange(0, 10) - 5;
	l->quant.zp_out = (int32_t)urange(0, 20) - 10;
	l->quant.mult = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
	l->quant.shift = (int32_t)urange(6, 12);
	l->quant.per_channel = rnd() % 3 == 0;
	l->quant.has_bias = rnd() % 4 != 0;
	l->quant.clamp_min = rnd() % 3 ? -128 : l->quant.zp_out;	/* fused ReLU */
	l->quant.clamp_max = 127;
	l->quant.lut = rnd() % 4 == 0;		/* activation table */
	/*
	 * A quarter with the binary32 rule (CAP_FP32_REQUANT): the scale's
	 * bits from the draws above (no draw of its own, so the other fields
	 * of every case stay as they were), of the fixed-point one's size.
	 */
	l->quant.fp32_rq = (l->quant.mult & 3) == 1;
	if (l->quant.fp32_rq) {
		l->quant.mult = fp32_bits(l->quant.mult, l->quant.shift);
		l->quant.shift = 0;
	}
}

/* A random activation table in a DRAM buffer; the reference maps through it. */
static int8_t *lut_buffer(struct buf *b)
{
	bo(b, EYRIE_LUT_ENTRIES);
	for (int i = 0; i < EYRIE_LUT_ENTRIES; i++)
		((int8_t *)b->cpu)[i] = (int8_t)rnd();
	return b->cpu;
}

static void lut_map(const int8_t *lut, int8_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		v[i] = lut[(uint8_t)(v[i] + 128)];
}

struct run_result {
	struct eyr_plan plan;
	struct eyrie_energy_snapshot snap;
	int mismatches;
	int skipped;			/* spill_mode ONLY: no tiling of the layer can spill */
	uint64_t ref_zero_taps;		/* sparse runs: the reference's count */
	int choose_moved;		/* sparse_choose: another mapping than without it */
};

/*
 * Sparse runs (zero gating): a share (percent) of the input set to the zero
 * point, the plan given the exact gated MACs of that input, the passes
 * gated. 0: dense runs as before.
 */
static unsigned int sparse_pct;
/* Sparse runs: the choices between searches made on the sparse cost. */
static int sparse_choose_on;

/* Psum spills searched (EYR_SPILL_*): ONLY forces a spilling mapping. */
static int spill_mode;

/* The plans' objective: a quarter of the random cases use EYR_OBJ_DRAM. */
static enum eyr_objective objective = EYR_OBJ_ENERGY;

/* Applied to the plan between planning and emission (NULL: none). */
static void (*plan_hook)(struct eyr_plan *plan);

static void run_layer(const struct eyr_arch *plan_arch, struct eyr_layer *l,
		      enum eyrie_dataflow df, struct run_result *res)
{
	const struct eyr_layer_shape *s = &l->shape;
	uint32_t G = s->groups ? s->groups : 1;
	uint32_t E = s->op == EYR_LAYER_FC ? 1 : eyr_layer_out_h(s);
	uint32_t F = s->op == EYR_LAYER_FC ? 1 : eyr_layer_out_w(s);
	uint32_t H = s->op == EYR_LAYER_FC ? 1 : s->h, W = s->op == EYR_LAYER_FC ? 1 : s->w;
	uint64_t in_sz = (uint64_t)s->n * s->c * H * W;
	uint64_t w_sz = (uint64_t)s->m * (s->c / G) * s->r * s->s;
	/* bytes: int8 outputs, or int32 ones */
	uint64_t out_sz = (uint64_t)s->n * s->m * E * F * (l->quant.int32_out ? 4 : 1), i;
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct buf in, w, bias, qt, out, cmd, snap, lut, psum = { 0 };
	struct eyr_layer_bufs bufs = { 0 };
	struct eyr_cmdbuf cb = { 0 };
	struct eyr_rle_layout rl_in, rl_out;
	struct eyr_rle_data rd;
	struct eyrie_hw_cqe cqe;
	union eyrie_cmd *sc;
	int8_t *ref, *hin, *dout;
	uint64_t tag;
	char err[256];
	int ret;

	o.dataflow = df;
	o.no_bias = !l->quant.has_bias;
	o.per_channel = l->quant.per_channel;
	o.int32_out = l->quant.int32_out;
	o.lut = l->quant.lut;
	o.psum_spill = spill_mode;
	o.objective = objective;
	res->skipped = 0;
	res->choose_moved = 0;
	o.fp32_rq = l->quant.fp32_rq;
	hin = malloc(in_sz);
	ref = malloc(out_sz ? out_sz : 1);
	assert_non_null(hin);
	assert_non_null(ref);
	bo(&w, w_sz);
	bo(&bias, 4ull * s->m);
	bo(&qt, 8ull * s->m);
	bo(&snap, sizeof(struct eyrie_energy_snapshot));
	for (i = 0; i < in_sz; i++)
		hin[i] = (int8_t)rnd();
	if (sparse_pct) {
		int gerr;

		for (i = 0; i < in_sz; i++)
			if (rnd() % 100 < sparse_pct)
				hin[i] = (int8_t)l->quant.zp_in;
		o.zero_gate = 1;
		o.gated_known = 1;
		o.gated_macs = eyr_layer_gated_macs(s, hin, l->quant.zp_in, &gerr);
		assert_int_equal(gerr, 0);
	}
	for (i = 0; i < w_sz; i++)
		((int8_t *)w.cpu)[i] = (int8_t)rnd();
	for (i = 0; i < s->m; i++) {
		((int32_t *)bias.cpu)[i] = (int32_t)(rnd() % 20001) - 10000;
		((int32_t *)qt.cpu)[i] = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
		((int32_t *)qt.cpu)[s->m + i] = (int32_t)urange(6, 12);
		if (l->quant.fp32_rq) {	/* binary32 scales, shift words 0 */
			((int32_t *)qt.cpu)[i] = fp32_bits(((int32_t *)qt.cpu)[i],
							   ((int32_t *)qt.cpu)[s->m + i]);
			((int32_t *)qt.cpu)[s->m + i] = 0;
		}
	}
	lut_buffer(&lut);
	/* the reference first: a sparse plan is given the actual output */
	ref_conv(l, hin, w.cpu, bias.cpu, qt.cpu, ref);
	res->ref_zero_taps = ref_zero_taps;
	if (l->quant.lut)
		lut_map(lut.cpu, ref, out_sz);
	if (sparse_pct && s->op == EYR_LAYER_CONV) {
		/* coded activations: input in rows of 1..h per line, output coded */
		o.rle_in_rows = rnd() % 2 ? 1 : urange(1, H);
		o.rle_out = rnd() % 2 ? EYR_RLE_OUT_ROW : EYR_RLE_OUT_TILE;
		rd.in = hin;
		rd.out = ref;
		rd.in_zero = l->quant.zp_in;
		rd.out_zero = l->quant.zp_out;
		o.rle_data = &rd;
	}
	if (sparse_pct && sparse_choose_on) {
		struct eyr_plan *plain = malloc(sizeof(*plain));

		assert_non_null(plain);
		assert_int_equal(eyr_sched_plan(plan_arch, s, &o, plain, err, sizeof(err)), 0);
		o.sparse_choose = 1;
		ret = eyr_sched_plan(plan_arch, s, &o, &res->plan, err, sizeof(err));
		res->choose_moved = !ret && memcmp(&plain->map, &res->plan.map, sizeof(plain->map));
		free(plain);
	} else {
		ret = eyr_sched_plan(plan_arch, s, &o, &res->plan, err, sizeof(err));
	}
	if (ret == -ENOSPC && spill_mode == EYR_SPILL_ONLY) {
		/* no tiling of this layer spills (one C tile at most) */
		res->skipped = 1;
		free(ref);
		free(hin);
		bo_free(&w);
		bo_free(&bias);
		bo_free(&qt);
		bo_free(&snap);
		bo_free(&lut);
		return;
	}
	if (ret)
		fail_msg("plan: %s", err);
	if (plan_hook)
		plan_hook(&res->plan);
	if (eyr_plan_psum_bytes(&res->plan)) {
		bo(&psum, eyr_plan_psum_bytes(&res->plan));
		/* garbage: a pass must never read psums it did not write */
		memset(psum.cpu, 0xa5, eyr_plan_psum_bytes(&res->plan));
	}
	if (res->plan.rle_in_rows) {
		eyr_rle_layout(s->n, s->c, H, W, res->plan.rle_in_rows, &rl_in);
		bo(&in, rl_in.bytes);
		eyr_rle_pack(hin, s->n, s->c, H, W, &rl_in, (int8_t)l->quant.zp_in, in.cpu);
	} else {
		bo(&in, in_sz);
		memcpy(in.cpu, hin, in_sz);
	}
	if (res->plan.rle_out_rows) {
		eyr_rle_layout(s->n, s->m, E, F, res->plan.rle_out_rows, &rl_out);
		bo(&out, rl_out.bytes);
		memset(out.cpu, 0x5a, rl_out.bytes);
	} else {
		bo(&out, out_sz);
		memset(out.cpu, 0x5a, out_sz);
	}
	bufs.in = in.va;
	bufs.weights = w.va;
	bufs.bias = l->quant.has_bias ? bias.va : 0;
	bufs.quant = l->quant.per_channel ? qt.va : 0;
	bufs.out = out.va;
	bufs.lut = l->quant.lut ? lut.va : 0;
	bufs.psum = psum.va;
	assert_int_equal(eyr_sched_emit(plan_arch, &res->plan, l, &bufs, &cb), 0);
	sc = eyr_cmdbuf_push(&cb, EYRIE_OP_ENERGY_SNAPSHOT);
	assert_non_null(sc);
	sc->write.dram_addr = snap.va;
	bo(&cmd, (uint64_t)cb.count * EYRIE_CMD_SIZE);
	memcpy(cmd.cpu, cb.cmds, (size_t)cb.count * EYRIE_CMD_SIZE);
	assert_int_equal(eyrie_simhost_submit(HOST.h, HOST.ctx, 0, cmd.va, cb.count, &tag), 0);
	assert_int_equal(eyrie_simhost_wait(HOST.h, tag, 120000, &cqe), 0);
	if (cqe.status != EYRIE_JOB_OK)
		fail_msg("job failed: status %u at command %u (opcode %u) detail %u", cqe.status,
			 cqe.err_cmd_index,
			 cqe.err_cmd_index < cb.count ? cb.cmds[cqe.err_cmd_index].hdr.opcode : 0,
			 cqe.err_detail);
	memcpy(&res->snap, snap.cpu, sizeof(res->snap));
	dout = out.cpu;
	if (res->plan.rle_out_rows) {
		dout = malloc(out_sz);
		assert_non_null(dout);
		eyr_rle_unpack(out.cpu, s->n, s->m, E, F, &rl_out, (int8_t)l->quant.zp_out, dout);
	}
	res->mismatches = 0;
	for (i = 0; i < out_sz; i++)
		res->mismatches += ref[i] != dout[i];	/* bytewise */
	if (dout != out.cpu)
		free(dout);
	free(ref);
	free(hin);
	eyr_cmdbuf_release(&cb);
	bo_free(&in);
	bo_free(&w);
	bo_free(&bias);
	bo_free(&qt);
	bo_free(&out);
	bo_free(&snap);
	bo_free(&cmd);
	bo_free(&lut);
	if (psum.va)
		bo_free(&psum);
}

static void describe(const struct eyr_layer *l, enum eyrie_dataflow df, char *buf, size_t len)
{
	const struct eyr_layer_shape *s = &l->shape;

	snprintf(buf, len, "%s n%u c%u m%u h%u w%u r%u s%u st%u/%u pad%u,%u,%u,%u dil%u/%u g%u %s%s%s%s%s",
		 s->op == EYR_LAYER_FC ? "fc" : "conv", s->n, s->c, s->m, s->h, s->w, s->r, s->s,
		 s->stride_h, s->stride_w, s->pad_t, s->pad_b, s->pad_l, s->pad_r, s->dil_h,
		 s->dil_w, s->groups, eyr_dataflow_name(df),
		 l->quant.per_channel ? " per-channel" : "", l->quant.has_bias ? " bias" : "",
		 l->quant.lut ? " lut" : "", l->quant.fp32_rq ? " fp32-rq" : "");
}

static void check_prediction(const struct run_result *r, const char *what)
{
	const struct eyr_cost *c = &r->plan.cost;
	int d;

	if (r->mismatches)
		fail_msg("%s: %d output bytes differ from the reference", what, r->mismatches);
	for (d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		if (r->snap.energy_fj[d] != c->energy_fj[d])
			fail_msg("%s: energy[%d] measured %llu fJ, predicted %llu fJ", what, d,
				 (unsigned long long)r->snap.energy_fj[d],
				 (unsigned long long)c->energy_fj[d]);
	if (r->snap.dram_words != c->dram_words || r->snap.dram_bytes != c->dram_bytes ||
	    r->snap.macs != c->macs)
		fail_msg("%s: DRAM %llu words %llu bytes %llu MACs measured, predicted %llu %llu %llu",
			 what, (unsigned long long)r->snap.dram_words,
			 (unsigned long long)r->snap.dram_bytes, (unsigned long long)r->snap.macs,
			 (unsigned long long)c->dram_words, (unsigned long long)c->dram_bytes,
			 (unsigned long long)c->macs);
	/* the dense bound: coded activations may go below it */
	if (r->plan.dense.dram_words < r->plan.lb_dram_words ||
	    r->plan.dense.dram_bytes < r->plan.lb_dram_bytes)
		fail_msg("%s: predicted %llu DRAM words, below the compulsory %llu", what,
			 (unsigned long long)r->plan.dense.dram_words,
			 (unsigned long long)r->plan.lb_dram_words);
	if (r->snap.cycles != c->cycles)
		fail_msg("%s: %llu cycles measured, %llu predicted", what,
			 (unsigned long long)r->snap.cycles, (unsigned long long)c->cycles);
	if (r->snap.gated_macs != r->plan.gated_macs)
		fail_msg("%s: %llu gated MACs measured, %llu predicted", what,
			 (unsigned long long)r->snap.gated_macs,
			 (unsigned long long)r->plan.gated_macs);
}

static unsigned int env_u(const char *name, unsigned int dflt)
{
	const char *s = getenv(name);

	return s && *s ? (unsigned int)strtoul(s, NULL, 0) : dflt;
}

static void test_random_layers(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200), k, dbuf_seen = 0;
	unsigned int overlapped = 0, barriers = 0, flex = 0, rings = 0;

	(void)state;
	assert_true(HOST.arch.events);		/* the sim has CAP_EVENTS */
	assert_true(HOST.arch.in_ring);		/* and CAP_IN_RING */
	assert_true(HOST.arch.flex_noc);	/* and CAP_FLEX_NOC */
	rng_state = env_u("SCHED_SIM_SEED", 0x5eed) * 0x9e3779b97f4a7c15ull + 1;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		struct run_result r;
		struct eyr_layer l;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		char what[256];

		random_layer(&l);
		/* half the time a small GLB, so tiles are ragged and data streams */
		if (rnd() % 2) {
			a.glb_bytes = urange(1024, 6144);
			a.stream_bytes = rnd() % 2 ? urange(256, 2048) : 0;
		}
		/* a quarter of the cases plan barriers only (events = 0 in --arch) */
		a.events = rnd() % 4 != 0;
		/* a quarter without group-parallel sets (flex_noc = 0 in --arch) */
		a.flex_noc = rnd() % 4 != 0;
		/* a quarter without input rings (in_ring = 0); no draw: cases as before */
		a.in_ring = k % 4 != 3;
		/* a quarter under the DRAM objective (no draw either) */
		objective = k % 4 == 1 ? EYR_OBJ_DRAM : EYR_OBJ_ENERGY;
		describe(&l, df, what, sizeof(what));
		run_layer(&a, &l, df, &r);
		objective = EYR_OBJ_ENERGY;
		print_message("# %s: %s glb %u tiles N%u G%u M%u E%u F%u C%u in:%s w:%s events:%u dbuf:%u ok\n",
			      what, eyr_objective_name(r.plan.objective), a.glb_bytes,
			      r.plan.map.tiles[0], r.plan.map.tiles[1],
			      r.plan.map.tiles[2], r.plan.map.tiles[3], r.plan.map.tiles[4],
			      r.plan.map.tiles[5], r.plan.map.place_in ? "stream" : "glb",
			      r.plan.map.place_w ? "stream" : "glb", r.plan.map.events,
			      r.plan.map.dbuf);
		check_prediction(&r, what);
		if (!a.events)
			assert_int_equal(r.plan.map.events, 0);
		if (!a.flex_noc)
			assert_int_equal(r.plan.map.pass.sets_g, 0);
		if (!a.in_ring)
			assert_false(eyr_plan_in_ring(&r.plan));
		rings += eyr_plan_in_ring(&r.plan);
		flex += r.plan.map.pass.sets_g > 1;
		overlapped += r.plan.map.events;
		barriers += !r.plan.map.events;
		dbuf_seen |= r.plan.map.events ? 1u << r.plan.map.dbuf : 0;
	}
	/* both kinds of stream ran, and double buffers of each tensor */
	if (cases >= 100) {
		assert_true(overlapped > cases / 4 && barriers > 0);
		assert_true(flex > 0);	/* groups side by side ran, as predicted */
		assert_true(rings > 0);	/* and inputs through a ring */
		assert_true(dbuf_seen & (1u << 7 | 1u << 3 | 1u << 5 | 1u << 1));
		assert_true(dbuf_seen & (1u << 7 | 1u << 3 | 1u << 6 | 1u << 2));
		assert_true(dbuf_seen & (1u << 7 | 1u << 5 | 1u << 6 | 1u << 4));
	}
}

/*
 * Psum spills (docs/scheduler.md, "Mapspace"): random layers planned with
 * only the mappings that spill (a loop inside C: the int32 psums go to
 * DRAM after every pass but the last over C and come back with
 * ACCUMULATE), every dataflow, small GLBs, events or barriers, int8 or
 * int32 outputs, bias and per-channel tables (loaded in the first and last
 * C slices): bit-exact, and the device measures the prediction exactly.
 */
static void test_psum_spill(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200) / 2 + 1, k, ran = 0, ev = 0;
	unsigned int c_outer = 0, per_ch = 0, dbuf_out = 0;

	(void)state;
	rng_state = 0x5b111ull * 0x9e3779b97f4a7c15ull + 3;
	spill_mode = EYR_SPILL_ONLY;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		struct run_result r;
		struct eyr_layer l;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		char what[256];

		random_layer(&l);
		if (rnd() % 4 == 0) {
			l.quant.int32_out = 1;
			l.quant.per_channel = 0;
			l.quant.lut = 0;
			l.quant.fp32_rq = 0;
		}
		/* small GLBs: C in several tiles */
		a.glb_bytes = urange(700, 4096);
		a.stream_bytes = rnd() % 2 ? urange(256, 2048) : 0;
		a.events = rnd() % 3 != 0;
		describe(&l, df, what, sizeof(what));
		run_layer(&a, &l, df, &r);
		if (r.skipped)
			continue;
		assert_true(eyr_map_spills(&r.plan.map));
		assert_true(r.plan.cost.psum_words > 0);
		print_message("# %s: glb %u order %s%s%s%s%s%s tiles N%u G%u M%u E%u F%u C%u events:%u dbuf:%u spilled %llu psum words ok\n",
			      what, a.glb_bytes, eyr_dim_name(r.plan.map.order[0]),
			      eyr_dim_name(r.plan.map.order[1]), eyr_dim_name(r.plan.map.order[2]),
			      eyr_dim_name(r.plan.map.order[3]), eyr_dim_name(r.plan.map.order[4]),
			      eyr_dim_name(r.plan.map.order[5]), r.plan.map.tiles[0],
			      r.plan.map.tiles[1], r.plan.map.tiles[2], r.plan.map.tiles[3],
			      r.plan.map.tiles[4], r.plan.map.tiles[5], r.plan.map.events,
			      r.plan.map.dbuf, (unsigned long long)r.plan.cost.psum_words);
		check_prediction(&r, what);
		ran++;
		ev += r.plan.map.events;
		/* C outside M (G M C N E F): bias and table loaded in their own C slices */
		c_outer += r.plan.map.order[2] == EYR_DIM_C;
		per_ch += l.quant.per_channel;
		dbuf_out += r.plan.map.events && (r.plan.map.dbuf & EYR_DBUF_OUT);
	}
	spill_mode = EYR_SPILL_ANY;
	print_message("# %u spilling layers ran (%u overlapped, %u with two psum regions, %u per-channel, %u with C outside M)\n",
		      ran, ev, dbuf_out, per_ch, c_outer);
	if (cases >= 20) {
		assert_true(ran > cases / 3);
		assert_true(ev > 0 && ev < ran && per_ch > 0 && c_outer > 0);
	}
}

/*
 * ConvInteger / MatMulInteger: the int32 accumulators go to DRAM as they
 * are (no REQUANT), bit-exact, and the prediction (4-byte output words,
 * int32 store DMAs, the psum region as the output) equals the measurement.
 */
static void test_int32_out(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200) / 4 + 1, k;

	(void)state;
	{
		/* refused with a message: a per-channel table, or a pool/add layer */
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_layer_shape fc = st_fc(1, 16, 8), pool = fc;
		struct eyr_plan p;
		char err[256] = "";

		o.int32_out = 1;
		o.per_channel = 1;
		assert_int_equal(eyr_sched_plan(&HOST.arch, &fc, &o, &p, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "per_channel"));
		o.per_channel = 0;
		pool.op = EYR_LAYER_MAXPOOL;
		pool.h = pool.w = pool.r = pool.s = pool.stride_h = pool.stride_w = 1;
		pool.m = pool.groups = pool.c;
		err[0] = 0;
		assert_int_equal(eyr_sched_plan(&HOST.arch, &pool, &o, &p, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "int32 output"));
		/* an int32 output has no int8 value to look up */
		o.lut = 1;
		err[0] = 0;
		assert_int_equal(eyr_sched_plan(&HOST.arch, &fc, &o, &p, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "activation table"));
	}
	rng_state = 0x132ull * 0x9e3779b97f4a7c15ull + 7;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		struct run_result r;
		struct eyr_layer l;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		char what[256];

		random_layer(&l);
		l.quant.int32_out = 1;
		l.quant.per_channel = 0;
		l.quant.lut = 0;
		l.quant.fp32_rq = 0;
		if (rnd() % 2) {
			a.glb_bytes = urange(1024, 6144);
			a.stream_bytes = rnd() % 2 ? urange(256, 2048) : 0;
		}
		describe(&l, df, what, sizeof(what));
		run_layer(&a, &l, df, &r);
		print_message("# %s int32-out: glb %u tiles C%u ok\n", what, a.glb_bytes,
			      r.plan.map.tiles[EYR_DIM_C]);
		check_prediction(&r, what);
	}
}

/* Representative real layers, shrunk to keep the model's run short. */
static void test_representative_layers(void **state)
{
	static const enum eyrie_dataflow dfs[] = { EYRIE_DATAFLOW_RS, EYRIE_DATAFLOW_WS,
		EYRIE_DATAFLOW_OS, EYRIE_DATAFLOW_IS, EYRIE_DATAFLOW_NLR };
	struct eyr_layer_shape shapes[] = {
		st_conv(2, 3, 16, 59, 11, 4, 0, 1),	/* AlexNet conv1 */
		st_conv(2, 16, 32, 13, 5, 1, 2, 2),	/* AlexNet conv2 (grouped) */
		st_conv(1, 32, 32, 14, 3, 1, 1, 1),	/* VGG-16 3x3 */
		st_conv(1, 24, 24, 14, 3, 2, 1, 24),	/* MobileNetV2 depthwise s2 */
		st_conv(1, 32, 64, 14, 1, 1, 0, 1),	/* ResNet-50 1x1 */
		st_fc(4, 512, 100),			/* FC, batch 4 */
	};
	unsigned int i;

	(void)state;
	rng_state = 0x1234567;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct eyr_layer l;
		struct run_result r;
		char what[256];

		random_layer(&l);
		l.shape = shapes[i];
		describe(&l, dfs[i % 5], what, sizeof(what));
		run_layer(&HOST.arch, &l, dfs[i % 5], &r);
		check_prediction(&r, what);
		print_message("# %s: %llu cycles, %llu fJ, as predicted\n", what,
			      (unsigned long long)r.snap.cycles,
			      (unsigned long long)r.plan.cost.energy_total_fj);
	}
}


/*
 * Depthwise layers on the flexible NoC (CAP_FLEX_NOC): the plan puts
 * several groups' PE sets on the array at once, the output is bit-exact
 * and the device measures what the plan predicts; without the capability
 * (flex_noc = 0, as --arch gives it) the plan is the one of before, one
 * group at a time, and slower. A layer without groups plans the same
 * either way.
 */
static void test_depthwise_flex_noc(void **state)
{
	struct eyr_layer_shape shapes[] = {
		st_conv(1, 32, 32, 28, 3, 1, 1, 32),	/* MobileNetV2 depthwise */
		st_conv(1, 48, 48, 14, 3, 2, 1, 48),	/* depthwise, stride 2 */
		st_conv(1, 32, 32, 112, 3, 1, 1, 32),	/* MobileNetV2 b1_dw: DRAM-bound */
		st_conv(1, 24, 24, 14, 3, 1, 1, 1),	/* no groups */
	};
	unsigned int i, faster = 0, one_group = 0;

	(void)state;
	rng_state = 0x77;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct eyr_arch on = HOST.arch, off = HOST.arch;
		struct run_result r_on, r_off;
		struct eyr_layer l;
		char what[256];

		on.flex_noc = 1;
		off.flex_noc = 0;
		random_layer(&l);
		l.shape = shapes[i];
		describe(&l, EYRIE_DATAFLOW_RS, what, sizeof(what));
		run_layer(&on, &l, EYRIE_DATAFLOW_RS, &r_on);
		check_prediction(&r_on, what);
		run_layer(&off, &l, EYRIE_DATAFLOW_RS, &r_off);
		check_prediction(&r_off, what);
		assert_int_equal(r_off.plan.map.pass.sets_g, 0);
		print_message("# %s: flex NoC %llu cycles %llu fJ (sets_g %u%s), one group at a time %llu cycles %llu fJ\n",
			      what, (unsigned long long)r_on.snap.cycles,
			      (unsigned long long)r_on.plan.cost.energy_total_fj,
			      r_on.plan.map.pass.sets_g,
			      r_on.plan.map.one_group ? ", kept one group at a time" : "",
			      (unsigned long long)r_off.snap.cycles,
			      (unsigned long long)r_off.plan.cost.energy_total_fj);
		if (shapes[i].groups > 1) {
			/* group-parallel sets, or the one-group stream when it was better */
			assert_true((r_on.plan.map.pass.sets_g > 1) != r_on.plan.map.one_group);
			assert_true(r_on.plan.cost.energy_total_fj <= r_off.plan.cost.energy_total_fj);
			faster += r_on.plan.map.pass.sets_g > 1 && r_on.snap.cycles < r_off.snap.cycles;
			one_group += r_on.plan.map.one_group;
		} else {
			assert_int_equal(r_on.plan.map.pass.sets_g, 0);
			assert_int_equal(r_on.plan.cost.energy_total_fj,
					 r_off.plan.cost.energy_total_fj);
			assert_int_equal(r_on.plan.cost.cycles, r_off.plan.cost.cycles);
			assert_int_equal(r_on.plan.cost.dram_words, r_off.plan.cost.dram_words);
		}
	}
	/* both outcomes ran on the device as predicted */
	assert_true(faster >= 2);
	assert_true(one_group >= 1);
}

/* The stream of a plan with its halo loaded again: full row blocks, no ring. */
static void drop_ring(struct eyr_plan *plan)
{
	plan->map.in_ring = 0;
}

/*
 * Halo reuse (CAP_IN_RING, docs/scheduler.md "Halo reuse"): random convs
 * on small GLBs (rows in several tiles), every dataflow, barriers or
 * events, with the ring searched: bit-exact, measured as predicted, and
 * most plans keep their inputs in a ring. The same plan's stream with
 * the full row blocks loaded instead (what the ring saves put back) is
 * still bit-exact but measures more DRAM words than the ring plan
 * predicts, by the halo rows: the prediction check catches a stream that
 * reloads the halo. AlexNet CONV1 (batch 1, full size) plans a ring on the
 * default device and saves its halo words against in_ring = 0.
 */
static void test_in_ring(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200) / 4 + 1, k, rings = 0, caught = 0;
	unsigned int ev = 0, dbuf_in = 0;
	struct eyr_arch on = HOST.arch, off = HOST.arch;
	struct run_result r_on, r_off;
	struct eyr_layer l;
	char what[256];

	(void)state;
	rng_state = 0xa10e;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		struct run_result r, r2;

		do
			random_layer(&l);
		while (l.shape.op != EYR_LAYER_CONV);
		/* windows taller than the stride: row tiles share rows */
		l.shape.r = urange(2, 5);
		l.shape.dil_h = 1;
		l.shape.stride_h = urange(1, l.shape.r - 1);
		l.shape.pad_t = rnd() % l.shape.r;
		l.shape.pad_b = rnd() % l.shape.r;
		l.shape.h = urange(l.shape.r + 4, 27);
		a.glb_bytes = urange(1024, 4096);
		a.stream_bytes = rnd() % 4 ? 0 : urange(256, 2048);
		a.events = rnd() % 3 != 0;
		a.in_ring = 1;
		describe(&l, df, what, sizeof(what));
		run_layer(&a, &l, df, &r);
		check_prediction(&r, what);
		if (!eyr_plan_in_ring(&r.plan))
			continue;
		rings++;
		ev += r.plan.map.events;
		dbuf_in += !!(r.plan.map.dbuf & EYR_DBUF_IN);
		print_message("# %s: glb %u ring, tiles E%u F%u C%u M%u order %u%u%u%u%u%u events %u dbuf %u\n",
			      what, a.glb_bytes, r.plan.map.tiles[EYR_DIM_E],
			      r.plan.map.tiles[EYR_DIM_F], r.plan.map.tiles[EYR_DIM_C],
			      r.plan.map.tiles[EYR_DIM_M], r.plan.map.order[0], r.plan.map.order[1],
			      r.plan.map.order[2], r.plan.map.order[3], r.plan.map.order[4],
			      r.plan.map.order[5], r.plan.map.events, r.plan.map.dbuf);
		if (rings % 3 != 1)
			continue;
		/* the same tiling and order, the halo loaded again */
		plan_hook = drop_ring;
		run_layer(&a, &l, df, &r2);
		plan_hook = NULL;
		assert_int_equal(r2.mismatches, 0);
		assert_int_equal(r2.plan.cost.dram_words, r.plan.cost.dram_words);
		if (r2.snap.dram_words > r2.plan.cost.dram_words)
			caught++;
		else
			fail_msg("%s: full row blocks measured %llu DRAM words, the ring plan predicts %llu",
				 what, (unsigned long long)r2.snap.dram_words,
				 (unsigned long long)r2.plan.cost.dram_words);
	}
	print_message("# %u of %u layers through a ring (%u with events, %u double-buffered), %u full-block streams caught\n",
		      rings, cases, ev, dbuf_in, caught);
	assert_true(rings > cases / 4);
	assert_true(caught > 0);
	if (cases >= 40)
		assert_true(ev > 0 && dbuf_in > 0);

	/* AlexNet CONV1 on the default device: the ring is chosen */
	on.in_ring = 1;
	off.in_ring = 0;
	random_layer(&l);
	while (l.shape.op != EYR_LAYER_CONV || l.quant.lut)
		random_layer(&l);
	l.shape = st_conv(1, 3, 96, 227, 11, 4, 0, 1);
	describe(&l, EYRIE_DATAFLOW_RS, what, sizeof(what));
	run_layer(&on, &l, EYRIE_DATAFLOW_RS, &r_on);
	check_prediction(&r_on, what);
	run_layer(&off, &l, EYRIE_DATAFLOW_RS, &r_off);
	check_prediction(&r_off, what);
	print_message("# %s: ring %llu input words (%u row tiles), without %llu; %llu / %llu DRAM words, %llu / %llu fJ\n",
		      what, (unsigned long long)r_on.plan.cost.in_words,
		      r_on.plan.map.tiles[EYR_DIM_E], (unsigned long long)r_off.plan.cost.in_words,
		      (unsigned long long)r_on.plan.cost.dram_words,
		      (unsigned long long)r_off.plan.cost.dram_words,
		      (unsigned long long)r_on.plan.cost.energy_total_fj,
		      (unsigned long long)r_off.plan.cost.energy_total_fj);
	assert_true(eyr_plan_in_ring(&r_on.plan));
	assert_false(eyr_plan_in_ring(&r_off.plan));
	assert_true(r_on.plan.cost.in_words < r_off.plan.cost.in_words);
	assert_true(r_on.plan.cost.dram_words < r_off.plan.cost.dram_words);
}

/* Pooling and element-wise layers: the simple tilings, bit-exact. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void ref_pool(const struct eyr_layer *l, const int8_t *in, int8_t *out)
{
	const struct eyr_layer_shape *s = &l->shape;
	uint32_t E = eyr_layer_out_h(s), F = eyr_layer_out_w(s), b, c, y, x, i, j;

	for (b = 0; b < s->n; b++)
	for (c = 0; c < s->c; c++)
	for (y = 0; y < E; y++)
	for (x = 0; x < F; x++) {
		int64_t mx = -1000, sum = 0, cnt = 0, v;

		for (i = 0; i < s->r; i++)
		for (j = 0; j < s->s; j++) {
			int64_t yy = (int64_t)y * s->stride_h - s->pad_t + i;
			int64_t xx = (int64_t)x * s->stride_w - s->pad_l + j;

			if (yy < 0 || yy >= s->h || xx < 0 || xx >= s->w)
				continue;
			v = in[(((uint64_t)b * s->c + c) * s->h + yy) * s->w + xx];
			mx = v > mx ? v : mx;
			sum += v - l->quant.zp_in;
			cnt++;
		}
		if (s->op == EYR_LAYER_MAXPOOL) {
			v = l->quant.mult ? l->quant.zp_out + rq(mx - l->quant.zp_in, l->quant.mult,
								  l->quant.shift) : mx;
		} else {
			int64_t den = (l->quant.count_include_pad ? (int64_t)s->r * s->s : cnt) *
				      ((int64_t)1 << (31 + l->quant.shift));

			if (l->quant.fp32_rq)	/* the scale carries the divisor */
				v = eyrie_rq_fp32((int32_t)sum, (uint32_t)l->quant.mult,
						  l->quant.zp_out);
			else
				v = l->quant.zp_out + floor_div(2 * sum * l->quant.mult + den, 2 * den);
		}
		out[(((uint64_t)b * s->c + c) * E + y) * F + x] =
			clamp8(v, l->quant.clamp_min, l->quant.clamp_max);
	}
}

static void check_prediction(const struct run_result *r, const char *what);

/* Runs a pool or add layer; the output must match the reference bit for bit
 * and the device's measurement the plan's prediction exactly. */
static void run_simple(const struct eyr_arch *arch, struct eyr_layer *l, const char *what)
{
	const struct eyr_layer_shape *s = &l->shape;
	int add = s->op == EYR_LAYER_ADD;
	uint64_t in_sz = (uint64_t)s->n * s->c * s->h * s->w;
	uint64_t out_sz = add ? in_sz : (uint64_t)s->n * s->c * eyr_layer_out_h(s) * eyr_layer_out_w(s);
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct buf in, inb, out, cmd, snap, lut;
	struct eyr_layer_bufs bufs = { 0 };
	struct eyr_cmdbuf cb = { 0 };
	struct eyrie_hw_cqe cqe;
	struct eyr_plan p;
	struct run_result res;
	union eyrie_cmd *sc;
	int8_t *ref;
	uint64_t i, tag;
	char err[256];
	int bad = 0;

	o.lut = l->quant.lut;
	o.fp32_rq = l->quant.fp32_rq;
	assert_int_equal(eyr_sched_plan(arch, s, &o, &p, err, sizeof(err)), 0);
	bo(&in, in_sz);
	bo(&inb, in_sz);
	bo(&out, out_sz);
	for (i = 0; i < in_sz; i++) {
		((int8_t *)in.cpu)[i] = (int8_t)rnd();
		((int8_t *)inb.cpu)[i] = (int8_t)rnd();
	}
	bufs.in = in.va;
	bufs.in_b = inb.va;
	bufs.out = out.va;
	lut_buffer(&lut);
	bufs.lut = l->quant.lut ? lut.va : 0;
	assert_int_equal(eyr_sched_emit(arch, &p, l, &bufs, &cb), 0);
	bo(&snap, sizeof(struct eyrie_energy_snapshot));
	sc = eyr_cmdbuf_push(&cb, EYRIE_OP_ENERGY_SNAPSHOT);
	assert_non_null(sc);
	sc->write.dram_addr = snap.va;
	bo(&cmd, (uint64_t)cb.count * EYRIE_CMD_SIZE);
	memcpy(cmd.cpu, cb.cmds, (size_t)cb.count * EYRIE_CMD_SIZE);
	assert_int_equal(eyrie_simhost_submit(HOST.h, HOST.ctx, 0, cmd.va, cb.count, &tag), 0);
	assert_int_equal(eyrie_simhost_wait(HOST.h, tag, 120000, &cqe), 0);
	if (cqe.status != EYRIE_JOB_OK)
		fail_msg("%s: job failed: status %u at command %u detail %u", what, cqe.status,
			 cqe.err_cmd_index, cqe.err_detail);
	ref = malloc(out_sz);
	assert_non_null(ref);
	if (add && l->quant.fp32_rq) {
		/* ONNX Runtime's QLinearAdd (docs/hardware.md 7.11) */
		for (i = 0; i < in_sz; i++)
			ref[i] = clamp8(eyrie_eltwise_fp32(((int8_t *)in.cpu)[i], ((int8_t *)inb.cpu)[i],
							   l->quant.ratio_a, l->quant.ratio_b,
							   l->quant.term, l->quant.value_offset),
					l->quant.clamp_min, l->quant.clamp_max);
	} else if (add) {
		for (i = 0; i < in_sz; i++) {
			int64_t acc = rq(((int8_t *)in.cpu)[i] - l->quant.zp_in, l->quant.a_mult, l->quant.a_shift) +
				      rq(((int8_t *)inb.cpu)[i] - l->quant.zp_b, l->quant.b_mult, l->quant.b_shift);

			if (acc > INT32_MAX)
				acc = INT32_MAX;
			if (acc < INT32_MIN)
				acc = INT32_MIN;
			ref[i] = clamp8(l->quant.zp_out + rq(acc, l->quant.mult, l->quant.shift),
					l->quant.clamp_min, l->quant.clamp_max);
		}
	} else if (s->op == EYR_LAYER_UPSAMPLE) {
		/* nearest x2: output (y, x) of each plane is input (y / 2, x / 2) */
		uint64_t plane, y, x, H = s->h, W = s->w;

		for (plane = 0; plane < (uint64_t)s->n * s->c; plane++)
			for (y = 0; y < 2 * H; y++)
				for (x = 0; x < 2 * W; x++)
					ref[(plane * 2 * H + y) * 2 * W + x] =
						((int8_t *)in.cpu)[(plane * H + y / 2) * W + x / 2];
	} else {
		ref_pool(l, in.cpu, ref);
	}
	if (l->quant.lut)
		lut_map(lut.cpu, ref, out_sz);
	for (i = 0; i < out_sz; i++)
		bad += ref[i] != ((int8_t *)out.cpu)[i];
	if (bad)
		fail_msg("%s: %d of %llu output bytes differ from the reference", what, bad,
			 (unsigned long long)out_sz);
	res.plan = p;
	memcpy(&res.snap, snap.cpu, sizeof(res.snap));
	res.mismatches = 0;
	check_prediction(&res, what);
	bo_free(&snap);
	bo_free(&lut);
	free(ref);
	eyr_cmdbuf_release(&cb);
	bo_free(&in);
	bo_free(&inb);
	bo_free(&out);
	bo_free(&cmd);
}

static void test_pool_and_add(void **state)
{
	unsigned int k;

	(void)state;
	rng_state = 0xabcdef12345ull;
	for (k = 0; k < 24; k++) {
		struct eyr_arch a = HOST.arch;
		struct eyr_layer l;
		struct eyr_layer_shape *s = &l.shape;
		char what[160];

		memset(&l, 0, sizeof(l));
		l.name = "simple";
		if (rnd() % 2)
			a.glb_bytes = urange(512, 4096);	/* force several tiles */
		s->n = urange(1, 2);
		s->c = urange(1, 40);
		s->h = urange(1, 30);
		s->w = urange(1, 30);
		l.quant.zp_in = (int32_t)urange(0, 20) - 10;
		l.quant.zp_out = (int32_t)urange(0, 20) - 10;
		l.quant.clamp_min = -128;
		l.quant.clamp_max = 127;
		if (k % 3 == 2) {
			s->op = EYR_LAYER_ADD;
			s->m = s->c;
			l.quant.zp_b = (int32_t)urange(0, 20) - 10;
			l.quant.a_mult = l.quant.b_mult = 1 << 30;
			l.quant.a_shift = -20;		/* x 2^19: to a finer common scale */
			l.quant.b_shift = -21;
			l.quant.mult = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
			l.quant.shift = 19;
			snprintf(what, sizeof(what), "add n%u c%u %ux%u glb %u", s->n, s->c, s->h,
				 s->w, a.glb_bytes);
		} else {
			s->op = k % 3 ? EYR_LAYER_AVGPOOL : EYR_LAYER_MAXPOOL;
			s->m = s->c;
			s->r = urange(1, s->h < 4 ? s->h : 4);
			s->s = urange(1, s->w < 4 ? s->w : 4);
			s->stride_h = urange(1, 3);
			s->stride_w = urange(1, 3);
			s->pad_t = rnd() % s->r;
			s->pad_b = rnd() % s->r;
			s->pad_l = rnd() % s->s;
			s->pad_r = rnd() % s->s;
			s->dil_h = s->dil_w = 1;
			s->groups = s->c;
			if (s->op == EYR_LAYER_AVGPOOL) {
				l.quant.mult = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
				l.quant.shift = 0;
				l.quant.count_include_pad = rnd() % 2;
			} else if (rnd() % 2) {
				l.quant.mult = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
				l.quant.shift = 0;
			}
			snprintf(what, sizeof(what), "%s n%u c%u %ux%u k%ux%u st%u/%u pad%u,%u,%u,%u glb %u",
				 s->op == EYR_LAYER_MAXPOOL ? "maxpool" : "avgpool", s->n, s->c, s->h,
				 s->w, s->r, s->s, s->stride_h, s->stride_w, s->pad_t, s->pad_b,
				 s->pad_l, s->pad_r, a.glb_bytes);
		}
		/* every op kind with and without the activation table */
		l.quant.lut = k % 4 == 3;
		if (l.quant.lut)
			strncat(what, " lut", sizeof(what) - strlen(what) - 1);
		/* average pools with the binary32 rule too (its scale: 1 / r s) */
		l.quant.fp32_rq = s->op == EYR_LAYER_AVGPOOL && k % 5 == 1;
		if (l.quant.fp32_rq) {
			l.quant.mult = fp32_bits(l.quant.mult, 1);
			strncat(what, " fp32-rq", sizeof(what) - strlen(what) - 1);
		}
		/*
		 * every other add with ONNX Runtime's QLinearAdd rule (ratios
		 * 0.5 and 0.375: ties; the term 3.25; uint8 tensors on one)
		 */
		if (s->op == EYR_LAYER_ADD && (k / 3) % 2 == 1) {
			l.quant.fp32_rq = 1;
			l.quant.ratio_a = 0x3f000000u;
			l.quant.ratio_b = 0x3ec00000u;
			l.quant.term = 0x40500000u;
			l.quant.value_offset = k % 4 == 1 ? EYRIE_ELTWISE_FP32_U8_OFFSET : 0;
			l.quant.a_mult = l.quant.a_shift = l.quant.b_mult = l.quant.b_shift = 0;
			l.quant.mult = l.quant.shift = 0;
			strncat(what, " fp32-rq", sizeof(what) - strlen(what) - 1);
		}
		run_simple(&a, &l, what);
		print_message("# %s ok\n", what);
	}
}

/*
 * The DMA-only nearest x2 upsample: random shapes, on the default GLB and
 * on GLBs small enough to band each batch item's rows into several tiles
 * (down to one row per tile), bit-exact, the prediction (broadcast loads
 * counted per element moved, as the device counts them) equal to the
 * measurement; a row too long for the GLB has no plan.
 */
static void test_upsample(void **state)
{
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_plan p;
	unsigned int k;
	char err[256];

	(void)state;
	rng_state = 0x5eed0f09511ull;
	for (k = 0; k < 24; k++) {
		struct eyr_arch a = HOST.arch;
		struct eyr_layer l;
		struct eyr_layer_shape *s = &l.shape;
		char what[160];

		memset(&l, 0, sizeof(l));
		l.name = "upsample";
		s->op = EYR_LAYER_UPSAMPLE;
		s->n = urange(1, 3);
		s->c = urange(1, 24);
		s->h = urange(1, 30);
		s->w = urange(1, 40);
		s->m = s->c;
		s->r = s->s = 1;
		s->stride_h = s->stride_w = s->dil_h = s->dil_w = s->groups = 1;
		l.quant.clamp_min = -128;
		l.quant.clamp_max = 127;
		/* the arch's smallest GLB is 64 bytes (eyr_arch_check) */
		if (k % 3 == 1) {
			a.glb_bytes = urange(4 * s->w < 64 ? 64 : 4 * s->w, 3000); /* several tiles per item */
		} else if (k % 3 == 2) {
			s->w = urange(16, 40);
			a.glb_bytes = 4 * s->w;			/* one input row per tile */
		}
		snprintf(what, sizeof(what), "upsample n%u c%u %ux%u glb %u", s->n, s->c, s->h,
			 s->w, a.glb_bytes);
		run_simple(&a, &l, what);
		print_message("# %s ok\n", what);
	}
	{
		struct eyr_arch a = HOST.arch;
		struct eyr_layer_shape s = { .op = EYR_LAYER_UPSAMPLE, .n = 1, .c = 1, .m = 1,
					     .h = 2, .w = 100, .r = 1, .s = 1, .stride_h = 1,
					     .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1 };

		a.glb_bytes = 399;
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -ENOSPC);
		assert_non_null(strstr(err, "does not fit"));
		o.lut = 1;
		assert_int_equal(eyr_sched_plan(&HOST.arch, &s, &o, &p, err, sizeof(err)), -EINVAL);
	}
}

/*
 * Zero gating (EYRIE_CAP_ZERO_GATE): random layers with a share of zero
 * inputs, passes gated. The gated MACs the device counts equal the
 * reference's count of taps on a zero or on padding and the plan's (given
 * the input's exact count), so every energy term, the cycles (unchanged
 * from dense) and MACs performed + gated = the layer's MACs agree exactly;
 * the outputs stay bit-exact. An arch without zero_gate (--arch) plans the
 * dense stream: no gated MAC, the dense figures.
 */
static void test_zero_gating(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200) / 4 + 1, k, gated_seen = 0;
	unsigned int rle_in_seen = 0, rle_out_seen = 0, moved = 0;

	(void)state;
	assert_true(HOST.arch.zero_gate);	/* the sim has CAP_ZERO_GATE */
	rng_state = env_u("SCHED_SIM_SEED", 0x5eed) * 0x2545f4914f6cdd1dull + 7;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		struct run_result r;
		struct eyr_layer l;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		char what[256];
		unsigned int pct;

		random_layer(&l);
		if (rnd() % 2) {
			a.glb_bytes = urange(1024, 6144);
			a.stream_bytes = rnd() % 2 ? urange(256, 2048) : 0;
		}
		a.events = rnd() % 2;
		/* one case in eight on an arch without gating / coding: the dense stream */
		a.zero_gate = rnd() % 8 != 0;
		a.rle_dma = rnd() % 8 != 0;
		pct = urange(1, 95);
		sparse_pct = pct;
		/* half the cases chosen on the sparse cost: another mapping, as exact */
		sparse_choose_on = rnd() % 2;
		/* a quarter under the DRAM objective: the coded words chosen (no draw) */
		objective = k % 4 == 1 ? EYR_OBJ_DRAM : EYR_OBJ_ENERGY;
		describe(&l, df, what, sizeof(what));
		run_layer(&a, &l, df, &r);
		objective = EYR_OBJ_ENERGY;
		sparse_pct = 0;
		print_message("# %s: %s, %u%% zeros, gate %u: %llu of %llu MACs gated, rle in %u out %u%s: DRAM %llu words (dense %llu) ok\n",
			      what, eyr_objective_name(r.plan.objective), pct, a.zero_gate, (unsigned long long)r.snap.gated_macs,
			      (unsigned long long)r.plan.dense.macs, r.plan.rle_in_rows,
			      r.plan.rle_out_rows,
			      sparse_choose_on ? r.choose_moved ? ", chosen sparse (moved)" :
			      ", chosen sparse" : "", (unsigned long long)r.snap.dram_words,
			      (unsigned long long)r.plan.dense.dram_words);
		moved += r.choose_moved;
		check_prediction(&r, what);
		if (!a.rle_dma)
			assert_true(!r.plan.rle_in_rows && !r.plan.rle_out_rows);
		rle_in_seen += r.plan.rle_in_rows != 0;
		rle_out_seen += r.plan.rle_out_rows != 0;
		if (a.zero_gate) {
			assert_int_equal(r.plan.zero_gate, 1);
			assert_int_equal(r.snap.gated_macs, r.ref_zero_taps);
			assert_int_equal(r.snap.macs + r.snap.gated_macs, r.plan.dense.macs);
			/* gating saves MAC energy (and RF for RS/WS), never time */
			if (!r.plan.rle_in_rows && !r.plan.rle_out_rows)
				assert_int_equal(r.plan.cost.cycles, r.plan.dense.cycles);
			if (r.snap.gated_macs && !r.plan.rle_in_rows && !r.plan.rle_out_rows)
				assert_true(r.plan.cost.energy_total_fj < r.plan.dense.energy_total_fj);
			gated_seen += r.snap.gated_macs > 0;
		} else {
			assert_int_equal(r.plan.zero_gate, 0);
			assert_int_equal(r.snap.gated_macs, 0);
			if (!r.plan.rle_in_rows && !r.plan.rle_out_rows)
				assert_memory_equal(&r.plan.cost, &r.plan.dense, sizeof(r.plan.cost));
		}
	}
	assert_true(gated_seen > cases / 2);
	/* coded inputs and outputs both ran (bit-exact, prediction exact) */
	assert_true(rle_in_seen > cases / 8 && rle_out_seen > cases / 8);
	/* and mappings chosen on the sparse cost that the dense plan would not be */
	print_message("# %u sparse plans on another mapping than the dense choice\n", moved);
	assert_true(moved > 0 || cases < 40);
}

/*
 * Random quantization of a chain layer: int8 out, no table; with fp32 a
 * quarter of the layers take the binary32 rule (the device's QLinearConv
 * layers, which the model compiler chains), the scale's bits from the
 * draws (no draw of its own: the other fields stay as they were).
 */
static void random_chain_quant(struct eyr_layer *l, int fp32)
{
	l->quant.zp_in = (int32_t)urange(0, 40) - 20;
	l->quant.zp_w = rnd() % 3 ? 0 : (int32_t)urange(0, 10) - 5;
	l->quant.zp_out = (int32_t)urange(0, 20) - 10;
	l->quant.mult = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
	l->quant.shift = (int32_t)urange(4, 10);
	l->quant.per_channel = rnd() % 3 == 0;
	l->quant.has_bias = rnd() % 4 != 0;
	l->quant.clamp_min = rnd() % 3 ? -128 : l->quant.zp_out;	/* fused ReLU */
	/* ReLU6-like */
	l->quant.clamp_max = rnd() % 3 ? 127 : (int32_t)urange(l->quant.clamp_min < 0 ? 0 :
								(uint32_t)l->quant.clamp_min, 120);
	l->quant.fp32_rq = fp32 && (l->quant.mult & 3) == 1;
	if (l->quant.fp32_rq) {
		l->quant.mult = fp32_bits(l->quant.mult, l->quant.shift);
		l->quant.shift = 0;
	}
}

/* Random weights, bias and per-channel table of a layer into its buffers. */
static void fill_params(const struct eyr_layer *l, struct buf *w, struct buf *bias, struct buf *qt)
{
	const struct eyr_layer_shape *s = &l->shape;
	uint64_t wsz = (uint64_t)s->m * (s->c / s->groups) * s->r * s->s, i;

	bo(w, wsz);
	bo(bias, 4ull * s->m);
	bo(qt, 8ull * s->m);
	for (i = 0; i < wsz; i++)
		((int8_t *)w->cpu)[i] = (int8_t)rnd();
	for (i = 0; i < s->m; i++) {
		((int32_t *)bias->cpu)[i] = (int32_t)(rnd() % 20001) - 10000;
		((int32_t *)qt->cpu)[i] = (int32_t)((1u << 30) + (rnd() & 0x3fffffff));
		((int32_t *)qt->cpu)[s->m + i] = (int32_t)urange(4, 10);
		if (l->quant.fp32_rq) {	/* binary32 scales, shift words 0 */
			((int32_t *)qt->cpu)[i] = fp32_bits(((int32_t *)qt->cpu)[i],
							    ((int32_t *)qt->cpu)[s->m + i]);
			((int32_t *)qt->cpu)[s->m + i] = 0;
		}
	}
}

/*
 * Runs a chain plan on the device: the output must be bit for bit the two
 * layers run one after the other (the reference conv twice, as every
 * single-layer stream is checked against it), and the measurement the
 * plan's prediction, every counter and the cycles.
 */
static void run_chain(const struct eyr_arch *arch, const struct eyr_chain_plan *p,
		      const struct eyr_layer *dw, const struct eyr_layer *pw, const char *what)
{
	const struct eyr_layer_shape *sd = &dw->shape, *sp = &pw->shape;
	uint64_t in_sz = (uint64_t)sd->n * sd->c * sd->h * sd->w;
	uint64_t mid_sz = (uint64_t)sp->n * sp->c * sp->h * sp->w;
	uint64_t out_sz = (uint64_t)sp->n * sp->m * sp->h * sp->w, i;
	struct buf in, dww, dwb, dwq, pww, pwb, pwq, out, cmd, snap;
	struct eyr_layer_bufs bd = { 0 }, bp = { 0 };
	struct eyr_cmdbuf cb = { 0 };
	struct run_result r;
	struct eyrie_hw_cqe cqe;
	union eyrie_cmd *sc;
	int8_t *mid = malloc(mid_sz), *ref = malloc(out_sz);
	uint64_t tag;

	assert_non_null(mid);
	assert_non_null(ref);
	bo(&in, in_sz);
	for (i = 0; i < in_sz; i++)
		((int8_t *)in.cpu)[i] = (int8_t)rnd();
	fill_params(dw, &dww, &dwb, &dwq);
	fill_params(pw, &pww, &pwb, &pwq);
	bo(&out, out_sz);
	memset(out.cpu, 0x5a, out_sz);
	bo(&snap, sizeof(struct eyrie_energy_snapshot));
	ref_conv(dw, in.cpu, dww.cpu, dwb.cpu, dwq.cpu, mid);
	ref_conv(pw, mid, pww.cpu, pwb.cpu, pwq.cpu, ref);
	bd.in = in.va;
	bd.weights = dww.va;
	bd.bias = dw->quant.has_bias ? dwb.va : 0;
	bd.quant = dw->quant.per_channel ? dwq.va : 0;
	bp.weights = pww.va;
	bp.bias = pw->quant.has_bias ? pwb.va : 0;
	bp.quant = pw->quant.per_channel ? pwq.va : 0;
	bp.out = out.va;
	assert_int_equal(eyr_chain_emit(arch, p, dw, pw, &bd, &bp, &cb), 0);
	assert_int_equal(cb.count, p->cost.cmds);
	sc = eyr_cmdbuf_push(&cb, EYRIE_OP_ENERGY_SNAPSHOT);
	assert_non_null(sc);
	sc->write.dram_addr = snap.va;
	bo(&cmd, (uint64_t)cb.count * EYRIE_CMD_SIZE);
	memcpy(cmd.cpu, cb.cmds, (size_t)cb.count * EYRIE_CMD_SIZE);
	assert_int_equal(eyrie_simhost_submit(HOST.h, HOST.ctx, 0, cmd.va, cb.count, &tag), 0);
	assert_int_equal(eyrie_simhost_wait(HOST.h, tag, 120000, &cqe), 0);
	if (cqe.status != EYRIE_JOB_OK)
		fail_msg("%s: job failed: status %u at command %u (opcode %u) detail %u", what,
			 cqe.status, cqe.err_cmd_index,
			 cqe.err_cmd_index < cb.count ? cb.cmds[cqe.err_cmd_index].hdr.opcode : 0,
			 cqe.err_detail);
	memset(&r, 0, sizeof(r));
	memcpy(&r.snap, snap.cpu, sizeof(r.snap));
	for (i = 0; i < out_sz; i++)
		r.mismatches += ref[i] != ((int8_t *)out.cpu)[i];
	/* check_prediction reads a layer plan: the chain's figures in one */
	r.plan.cost = p->cost;
	r.plan.dense = p->cost;
	r.plan.lb_dram_words = p->lb_dram_words;
	r.plan.lb_dram_bytes = p->lb_dram_bytes;
	check_prediction(&r, what);
	/* and the time no stream of the chain goes under */
	assert_true(p->cost.cycles * arch->dram_bytes_per_cycle >= p->lb_dram_bytes);
	assert_true(p->cost.cycles * arch->pe_rows * arch->pe_cols >= p->cost.macs);
	eyr_cmdbuf_release(&cb);
	free(mid);
	free(ref);
	bo_free(&in);
	bo_free(&dww);
	bo_free(&dwb);
	bo_free(&dwq);
	bo_free(&pww);
	bo_free(&pwb);
	bo_free(&pwq);
	bo_free(&out);
	bo_free(&snap);
	bo_free(&cmd);
}

/*
 * Depthwise -> project chains (DW->P, one stream, the depthwise output in
 * the GLB): random shapes (stride 1 and 2, odd sizes, padding on some
 * sides, batch 1-2), quantization (per-channel tables, clamps, the binary32
 * rule) and small GLBs so the bands and channel tiles are ragged, with and
 * without events and the flexible NoC. For each, the chosen chain plan and a random
 * mapping of the mapspace (per-step weights, per-band project, double
 * buffers) run bit-exact against the two layers run separately, with the
 * prediction exact.
 */
static void test_dw_p_chains(void **state)
{
	unsigned int cases = env_u("SCHED_SIM_CASES", 200) / 2 + 10, k, ran = 0, fused = 0;
	unsigned int seen_whole = 0, seen_reload = 0, seen_dbuf = 0, seen_ctiles = 0, seen_bands = 0;
	unsigned int seen_ring = 0, chosen_ring = 0, seen_fp32 = 0;

	(void)state;
	rng_state = env_u("SCHED_SIM_SEED", 0x5eed) * 0x9e3779b97f4a7c15ull + 77;
	for (k = 0; k < cases; k++) {
		struct eyr_arch a = HOST.arch;
		struct eyr_layer dw, pw;
		struct eyr_sched_opts od = EYR_SCHED_OPTS_INIT, op = EYR_SCHED_OPTS_INIT;
		struct eyr_chain_plan *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
		uint32_t C = urange(1, 24), st = urange(1, 2);
		char what[256], err[256];
		int ret;

		assert_non_null(p);
		assert_non_null(q);
		memset(&dw, 0, sizeof(dw));
		memset(&pw, 0, sizeof(pw));
		dw.name = "dw";
		pw.name = "pw";
		dw.shape = st_conv(urange(1, 2), C, C, 1, 3, st, 1, C);
		dw.shape.h = urange(3, 21);
		dw.shape.w = urange(3, 21);
		dw.shape.pad_t = rnd() % 4 ? 1 : 0;
		dw.shape.pad_b = rnd() % 4 ? 1 : 0;
		dw.shape.pad_l = rnd() % 4 ? 1 : 0;
		dw.shape.pad_r = rnd() % 4 ? 1 : 0;
		pw.shape = st_conv(dw.shape.n, C, urange(1, 24), 1, 1, 1, 0, 1);
		pw.shape.h = eyr_layer_out_h(&dw.shape);
		pw.shape.w = eyr_layer_out_w(&dw.shape);
		random_chain_quant(&dw, HOST.arch.fp32_rq);
		random_chain_quant(&pw, HOST.arch.fp32_rq);
		if (rnd() % 2)
			a.glb_bytes = urange(1024, 6144);
		a.events = rnd() % 2;
		a.flex_noc = rnd() % 2;
		a.in_ring = k % 4 != 3;
		od.dataflow = rnd() % 3 ? EYRIE_DATAFLOW_RS : (enum eyrie_dataflow)(rnd() % EYRIE_DATAFLOW_COUNT);
		od.no_bias = !dw.quant.has_bias;
		od.per_channel = dw.quant.per_channel;
		od.fp32_rq = dw.quant.fp32_rq;
		op.no_bias = !pw.quant.has_bias;
		op.per_channel = pw.quant.per_channel;
		op.fp32_rq = pw.quant.fp32_rq;
		seen_fp32 += dw.quant.fp32_rq + pw.quant.fp32_rq;
		snprintf(what, sizeof(what), "chain n%u c%u m%u %ux%u s%u pad%u,%u,%u,%u %s glb %u events %u flex %u%s%s%s%s",
			 dw.shape.n, C, pw.shape.m, dw.shape.h, dw.shape.w, st, dw.shape.pad_t,
			 dw.shape.pad_b, dw.shape.pad_l, dw.shape.pad_r, eyr_dataflow_name(od.dataflow),
			 a.glb_bytes, a.events, a.flex_noc, dw.quant.per_channel ? " dw-pc" : "",
			 pw.quant.per_channel ? " pw-pc" : "", dw.quant.fp32_rq ? " dw-fp32" : "",
			 pw.quant.fp32_rq ? " pw-fp32" : "");
		ret = eyr_chain_plan(&a, &dw.shape, &pw.shape, &od, &op, p, err, sizeof(err));
		if (ret == -ENOSPC) {
			print_message("# %s: %s\n", what, err);
			free(p);
			free(q);
			continue;
		}
		if (ret)
			fail_msg("%s: %s", what, err);
		assert_true(p->cost.dram_words >= p->lb_dram_words);
		assert_true(p->cost.dram_bytes >= p->lb_dram_bytes);
		run_chain(&a, p, &dw, &pw, what);
		ran++;
		fused += p->fused;
		chosen_ring += p->map.in_ring;
		/* a random mapping of the mapspace, costed and run the same way */
		for (int tries = 0; tries < 20; tries++) {
			uint32_t E = eyr_layer_out_h(&dw.shape);

			*q = *p;
			q->map.band = urange(1, E);
			q->map.bands = (E + q->map.band - 1) / q->map.band;
			q->map.ctile = urange(1, C);
			q->map.ctiles = (C + q->map.ctile - 1) / q->map.ctile;
			/* every third case a per-band project if the chain allows one */
			q->map.proj_whole = k % 3 == 0 && tries < 10 && dw.shape.n == 1 && C > 1;
			q->map.w_resident = q->map.proj_whole || rnd() % 2;
			if (q->map.proj_whole && q->map.ctiles < 2) {
				q->map.ctile = urange(1, C - 1);
				q->map.ctiles = (C + q->map.ctile - 1) / q->map.ctile;
			}
			q->map.events = a.events && rnd() % 4;
			q->map.dbuf = q->map.events ? (uint8_t)(rnd() % 8) : 0;
			/* rings need one channel tile: every third case tries one */
			q->map.in_ring = a.in_ring && k % 3 == 1 && !q->map.proj_whole;
			if (q->map.in_ring) {
				q->map.ctile = C;
				q->map.ctiles = 1;
			}
			if (eyr_chain_cost(&a, q))
				continue;
			print_message("# %s: B%u x%u t%u x%u %s%s%s ev %u dbuf %u\n", what, q->map.band,
				      q->map.bands, q->map.ctile, q->map.ctiles,
				      q->map.proj_whole ? "per-band" : "per-tile",
				      q->map.w_resident ? "" : " reload", q->map.in_ring ? " ring" : "",
				      q->map.events, q->map.dbuf);
			run_chain(&a, q, &dw, &pw, what);
			assert_true(q->cost.dram_words >= q->lb_dram_words);
			/*
			 * the search covers the balanced sizes (ceil(E / k), ceil(C / k)):
			 * none of those is better; others may be
			 */
			if (q->map.band == (E + q->map.bands - 1) / q->map.bands &&
			    q->map.ctile == (C + q->map.ctiles - 1) / q->map.ctiles)
				assert_false(eyr_objective_better(p->objective, &q->cost, &p->cost));
			seen_whole += q->map.proj_whole;
			seen_reload += !q->map.w_resident;
			seen_dbuf += q->map.dbuf != 0;
			seen_ctiles += q->map.ctiles > 1;
			seen_bands += q->map.bands > 1;
			seen_ring += q->map.in_ring;
			break;
		}
		free(p);
		free(q);
	}
	print_message("# %u of %u chains ran, %u beat the two layers' own plans, %u chose a ring, %u binary32 layers; random mappings: %u per-band, %u reload, %u dbuf, %u tiled C, %u banded, %u ring\n",
		      ran, cases, fused, chosen_ring, seen_fp32, seen_whole, seen_reload, seen_dbuf,
		      seen_ctiles, seen_bands, seen_ring);
	assert_true(ran > cases / 2);
	assert_true(seen_fp32 > 0 || !HOST.arch.fp32_rq);
	assert_true(seen_whole > 0 && seen_reload > 0 && seen_dbuf > 0 && seen_ctiles > 0 &&
		    seen_bands > 0 && seen_ring > 0);
}

/*
 * MobileNetV2's depthwise -> project pairs at full size from layers.csv on
 * the device's arch (events, flexible NoC, rings): b2 (stride 2, 112 wide,
 * the input in a ring), b8 (14 x 14, channel tiles, weights per tile) and
 * b14 (stride 2 to 7 x 7, 576 channels), each the plan bench-mapper makes,
 * bit-exact against the two layers and measured as predicted.
 */
static void test_dw_p_chains_mobilenet(void **state)
{
	static const char *const pairs[] = { "b2_dw", "b8_dw", "b14_dw" };
	struct st_layer *ls = NULL;
	int n, i, ran = 0;

	(void)state;
	rng_state = 0x4d42;
	n = st_load_layers(&ls, 1, 1);
	assert_true(n > 100);
	for (i = 0; i + 1 < n; i++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_chain_plan *p;
		struct eyr_layer dw, pw;
		char what[128], err[256];
		unsigned int k;

		for (k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
			if (!strcmp(ls[i].net, "mobilenetv2") && !strcmp(ls[i].name, pairs[k]))
				break;
		if (k == sizeof(pairs) / sizeof(pairs[0]))
			continue;
		p = malloc(sizeof(*p));
		assert_non_null(p);
		memset(&dw, 0, sizeof(dw));
		memset(&pw, 0, sizeof(pw));
		dw.name = "dw";
		pw.name = "pw";
		dw.shape = ls[i].shape;
		pw.shape = ls[i + 1].shape;
		random_chain_quant(&dw, 0);
		random_chain_quant(&pw, 0);
		dw.quant.has_bias = pw.quant.has_bias = 1;
		dw.quant.per_channel = pw.quant.per_channel = 0;
		dw.quant.clamp_min = dw.quant.zp_out;		/* ReLU6 after the depthwise */
		dw.quant.clamp_max = dw.quant.zp_out + 96;
		assert_int_equal(eyr_chain_plan(&HOST.arch, &dw.shape, &pw.shape, &o, &o, p, err,
						sizeof(err)), 0);
		snprintf(what, sizeof(what), "mobilenetv2 %s -> %s B%u x%u t%u x%u%s", ls[i].name,
			 ls[i + 1].name, p->map.band, p->map.bands, p->map.ctile, p->map.ctiles,
			 p->map.in_ring ? " ring" : "");
		assert_true(p->fused);
		run_chain(&HOST.arch, p, &dw, &pw, what);
		print_message("# %s: %llu cycles, %llu fJ as predicted (the two layers' own plans: %llu cycles, %llu fJ)\n",
			      what, (unsigned long long)p->cost.cycles,
			      (unsigned long long)p->cost.energy_total_fj,
			      (unsigned long long)p->separate.cycles,
			      (unsigned long long)p->separate.energy_total_fj);
		ran++;
		free(p);
	}
	assert_int_equal(ran, 3);
	free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_representative_layers),
		cmocka_unit_test(test_depthwise_flex_noc),
		cmocka_unit_test(test_random_layers),
		cmocka_unit_test(test_pool_and_add),
		cmocka_unit_test(test_upsample),
		cmocka_unit_test(test_int32_out),
		cmocka_unit_test(test_psum_spill),
		cmocka_unit_test(test_zero_gating),
		cmocka_unit_test(test_in_ring),
		cmocka_unit_test(test_dw_p_chains),
		cmocka_unit_test(test_dw_p_chains_mobilenet),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
