/* SPDX-License-Identifier: MIT */
/*
 * Numerics: every processing op of the device against the independent CPU
 * reference (ref_ops.c) on many random shapes, bit-exact. Each case runs as
 * a real job: DMA in, pass, DMA out, through the firmware and the MMU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ref_ops.h"
#include "sim_test_util.h"

#define GLB_BYTES	(512u * 1024u)

static struct th T;
static int scale = 3;	/* SIM_NUMERICS_SCALE: more cases (make check-full) */

static int setup(void **state)
{
	struct eyrie_sim_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.desc.glb_bytes = GLB_BYTES;
	rnd_seed(0x5eed1234);
	if (getenv("SIM_NUMERICS_SCALE"))
		scale = atoi(getenv("SIM_NUMERICS_SCALE")) > 0 ?
			atoi(getenv("SIM_NUMERICS_SCALE")) : scale;
	if (getenv("SIM_NUMERICS_SEED"))
		rnd_seed(strtoull(getenv("SIM_NUMERICS_SEED"), NULL, 0));
	return th_open(&T, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	th_close(&T);
	return 0;
}

/* Buffers of the current case, freed when it ends (memory stays flat). */
static uint64_t case_vas[32];
static int n_case_vas;

static void *case_alloc(size_t bytes, uint64_t *va, int ro)
{
	void *p = th_alloc(&T, bytes, va, ro);

	assert_true(n_case_vas < 32);
	case_vas[n_case_vas++] = *va;
	return p;
}

static void case_free(void)
{
	while (n_case_vas)
		assert_int_equal(eyrie_simhost_bo_free(T.h, T.ctx, case_vas[--n_case_vas]), 0);
}

/* A DRAM buffer with data, loaded into the GLB at *glb (bumped). */
static void load(struct cmdlist *cl, const void *data, size_t bytes, uint32_t glb,
		 uint64_t *va_out)
{
	uint64_t va;
	void *p = case_alloc(bytes, &va, 1);

	memcpy(p, data, bytes);
	cl_dma(cl, EYRIE_OP_DMA_LOAD, va, glb, 1, (uint32_t)bytes);
	*va_out = va;
}

static uint32_t bump(uint32_t *glb, size_t bytes)
{
	uint32_t at = *glb;

	*glb = (uint32_t)((at + bytes + 3) & ~3u);
	return at;
}

/*
 * Activation table (EYRIE_CAP_ACT_LUT): while case_use_lut is set, each
 * case's int8 output pass also goes through a random table loaded by a
 * LUT_LOAD of the same job, and the reference maps its result through it.
 */
static int case_use_lut;
static int8_t case_lut[EYRIE_LUT_ENTRIES];

static void lut_prepare(struct cmdlist *cl, uint16_t *flags)
{
	uint64_t va;
	void *p;

	if (!case_use_lut)
		return;
	rnd_fill_i8(case_lut, sizeof(case_lut));
	p = case_alloc(sizeof(case_lut), &va, 1);
	memcpy(p, case_lut, sizeof(case_lut));
	cl_add(cl, EYRIE_OP_LUT_LOAD)->lut_load.dram_addr = va;
	*flags |= EYRIE_PASS_F_LUT;
}

static void lut_apply(uint16_t flags, int8_t *ref, size_t n)
{
	if (!(flags & EYRIE_PASS_F_LUT))
		return;
	for (size_t i = 0; i < n; i++)
		ref[i] = case_lut[(uint8_t)(ref[i] + 128)];
}

static void random_quant(struct eyrie_quant *q, int relu)
{
	q->mult = (int32_t)((1u << 30) + (rnd() % (1u << 30)));
	if (rnd() % 8 == 0)
		q->mult = 0;
	q->shift = rnd_range(-2, 14);
	q->zp_out = (int16_t)rnd_range(-128, 127);
	q->clamp_min = -128;
	q->clamp_max = 127;
	if (relu) {
		q->clamp_min = (int8_t)q->zp_out;
	} else if (rnd() % 4 == 0) {
		q->clamp_min = (int8_t)rnd_range(-128, 0);
		q->clamp_max = (int8_t)rnd_range(0, 127);
	}
}

/*
 * A binary32 scale for PASS_F_FP32_RQ (docs/hardware.md 7.11): 2^-e_lo to
 * 2^-e_hi with a random mantissa, now and then an exact power of two
 * (exact halves after the multiply: the ties).
 */
static int32_t random_fp32_scale(int e_lo, int e_hi)
{
	uint32_t e = (uint32_t)(127 - rnd_range(e_lo, e_hi));

	return (int32_t)(e << 23 | (rnd() % 4 == 0 ? 0 : rnd() & 0x7fffffu));
}

/* A valid mapping for the dataflow (the result must not depend on it). */
static void random_mapping(struct eyrie_cmd_conv *c)
{
	struct eyrie_mapping *mp = &c->map;
	int cg = c->c / c->groups, mg = c->m / c->groups;
	int df = c->hdr.dataflow;

	mp->spatial_r = (uint16_t)rnd_range(1, c->r < 12 ? c->r : 12);
	mp->spatial_e = (uint16_t)rnd_range(1, c->out_h < 14 ? c->out_h : 14);
	mp->rf_m = (uint16_t)rnd_range(1, mg);
	mp->rf_c = (uint16_t)rnd_range(1, cg);
	mp->rf_n = (uint16_t)rnd_range(1, c->n);
	mp->sets_m = (uint16_t)rnd_range(1, mg / mp->rf_m);
	mp->sets_c = (uint16_t)rnd_range(1, cg / mp->rf_c);
	if (df == EYRIE_DATAFLOW_NLR || mp->rf_c * mp->rf_n * c->s > 12)
		mp->rf_c = mp->rf_n = 1;
	if (df == EYRIE_DATAFLOW_NLR || mp->rf_m * mp->rf_c * c->s > 224 ||
	    mp->rf_m * mp->rf_n > 24)
		mp->rf_m = 1;
	/* the sets must tile the 12 x 14 mesh (docs/hardware.md 7.2) */
	if ((uint64_t)mp->sets_m * mp->sets_c >
	    eyrie_pe_set_slots(12, 14, mp->spatial_r, mp->spatial_e))
		mp->sets_m = mp->sets_c = 1;
	/* groups side by side on the flexible NoC (CAP_FLEX_NOC), where they place */
	if (c->groups > 1 && rnd() % 2) {
		uint64_t room = eyrie_pe_set_slots(12, 14, mp->spatial_r, mp->spatial_e) /
				((uint64_t)mp->sets_m * mp->sets_c);

		if (room > c->groups)
			room = c->groups;
		mp->sets_g = (uint16_t)rnd_range(0, (int)room);
	}
}

/* One axis: input size, window, stride, dilation, pads -> output size. */
static int random_axis(int max_in, uint8_t *k, uint8_t *stride, uint8_t *dil,
		       uint8_t *pad, uint16_t *in, uint16_t *out, int kmax)
{
	int eff, pad_end, o;

	*k = (uint8_t)rnd_range(1, kmax);
	*stride = (uint8_t)rnd_range(1, 3);
	*dil = (uint8_t)(rnd() % 3 == 0 ? 2 : 1);
	eff = *dil * (*k - 1) + 1;
	/* Sometimes pads as wide as the window: windows of padding only. */
	*pad = (uint8_t)rnd_range(0, rnd() % 6 ? eff - 1 : eff + 1);
	pad_end = rnd_range(0, rnd() % 6 ? eff - 1 : eff + 1);
	*in = (uint16_t)rnd_range(1, max_in);
	o = (*in + *pad + pad_end - eff);
	if (o < 0)
		return -1;
	*out = (uint16_t)(o / *stride + 1);
	return 0;
}

/* Cases of test_conv_out_ring whose rows wrapped, and whose batch was > 1. */
static int out_ring_wraps, out_ring_batches;

/*
 * One random CONV / FC pass against the reference. With out_ring (CONV
 * only, docs/hardware.md 7.13) the pass always requantizes and runs twice
 * in the job: into a dense block (checked against the reference) and into
 * rings of out_h to out_h + 3 rows per plane from a random slot, prefilled
 * with random bytes: every output row must be the dense pass's row in its
 * slot, and every slot the pass does not write must keep its byte.
 */
static void run_conv_case(int kind, int verbose_id, int out_ring)
{
	struct eyrie_cmd_conv c;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	size_t in_n, w_n, out_n;
	int8_t *in, *w, *out_dev, *out_ref;
	int32_t *bias = NULL, *table = NULL, *psum = NULL, *p32_dev, *p32_ref;
	uint32_t glb = 0;
	uint64_t va, out_va, ring_va = 0;
	void *out_cpu;
	int use_stream;
	struct eyrie_cmd_conv ring;
	size_t ring_n = 0;
	int8_t *ring_fill = NULL, *ring_cpu = NULL;

	memset(&c, 0, sizeof(c));
	memset(&ring, 0, sizeof(ring));
	c.hdr.opcode = kind == 1 ? EYRIE_OP_FC : EYRIE_OP_CONV;
	c.hdr.dataflow = (uint8_t)(rnd() % EYRIE_DATAFLOW_COUNT);
	c.n = (uint16_t)rnd_range(1, kind == 1 ? 4 : out_ring ? 3 : 2);
	if (kind == 1) {
		c.groups = 1;
		c.c = (uint16_t)rnd_range(1, 300);
		c.m = (uint16_t)rnd_range(1, 40);
		c.in_h = c.in_w = c.out_h = c.out_w = 1;
		c.r = c.s = c.stride_h = c.stride_w = c.dil_h = c.dil_w = 1;
	} else {
		int g = 1;

		switch (rnd() % 4) {
		case 0: /* depthwise */
			g = rnd_range(1, 12);
			c.c = c.m = (uint16_t)g;
			break;
		case 1: /* grouped */
			g = rnd_range(2, 3);
			c.c = (uint16_t)(g * rnd_range(1, 4));
			c.m = (uint16_t)(g * rnd_range(1, 4));
			break;
		default:
			c.c = (uint16_t)rnd_range(1, 12);
			c.m = (uint16_t)rnd_range(1, 12);
			break;
		}
		c.groups = (uint16_t)g;
		while (random_axis(13, &c.r, &c.stride_h, &c.dil_h, &c.pad_t, &c.in_h,
				   &c.out_h, 5) ||
		       random_axis(13, &c.s, &c.stride_w, &c.dil_w, &c.pad_l, &c.in_w,
				   &c.out_w, 5))
			;
		if (rnd() % 6 == 0) {	/* 1 x 1 */
			c.r = c.s = 1;
			c.dil_h = c.dil_w = 1;
			c.pad_t = c.pad_l = 0;
			c.out_h = (uint16_t)((c.in_h - 1) / c.stride_h + 1);
			c.out_w = (uint16_t)((c.in_w - 1) / c.stride_w + 1);
		}
	}
	c.zp_in = (int16_t)(rnd() % 3 ? rnd_range(-128, 127) : 0);
	c.zp_w = (int16_t)(rnd() % 3 ? rnd_range(-128, 127) : 0);
	if (rnd() % 2)
		c.hdr.flags |= EYRIE_PASS_F_BIAS;
	if (rnd() % 3 == 0)
		c.hdr.flags |= EYRIE_PASS_F_ACCUMULATE;
	if (rnd() % 5 || out_ring) {
		c.hdr.flags |= EYRIE_PASS_F_REQUANT;
		if (rnd() % 2)
			c.hdr.flags |= EYRIE_PASS_F_PER_CHANNEL;
		random_quant(&c.q, rnd() % 3 == 0);
		if (rnd() % 3 == 0) {	/* the binary32 rule */
			c.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
			c.q.mult = random_fp32_scale(2, 20);
			c.q.shift = 0;
		}
		if (c.hdr.flags & EYRIE_PASS_F_PER_CHANNEL)
			c.q.mult = c.q.shift = 0;
	}
	random_mapping(&c);
	if (rnd() % 8 == 0)	/* the device's default mapping */
		memset(&c.map, 0, sizeof(c.map));

	in_n = (size_t)c.n * c.c * c.in_h * c.in_w;
	w_n = (size_t)c.m * (c.c / c.groups) * c.r * c.s;
	out_n = (size_t)c.n * c.m * c.out_h * c.out_w;
	in = malloc(in_n);
	w = malloc(w_n);
	out_ref = malloc(out_n);
	p32_ref = malloc(out_n * 4);
	rnd_fill_i8(in, in_n);
	rnd_fill_i8(w, w_n);

	use_stream = in_n <= 16384 && rnd() % 3 == 0;
	c.in_addr = use_stream ? EYRIE_ADDR_STREAM : bump(&glb, in_n);
	load(&cl, in, in_n, c.in_addr, &va);
	c.w_addr = bump(&glb, w_n);
	load(&cl, w, w_n, c.w_addr, &va);
	if (c.hdr.flags & EYRIE_PASS_F_BIAS) {
		bias = malloc(c.m * 4);
		for (int i = 0; i < c.m; i++)
			bias[i] = (int32_t)(rnd() % 200001) - 100000;
		c.bias_addr = bump(&glb, c.m * 4);
		load(&cl, bias, c.m * 4, c.bias_addr, &va);
	}
	if (c.hdr.flags & EYRIE_PASS_F_PER_CHANNEL) {
		struct eyrie_quant q;

		table = malloc(c.m * 8);
		for (int i = 0; i < c.m; i++) {
			random_quant(&q, 0);
			table[i] = q.mult;
			table[c.m + i] = q.shift;
			if (c.hdr.flags & EYRIE_PASS_F_FP32_RQ) {
				table[i] = random_fp32_scale(2, 20);
				table[c.m + i] = 0;
			}
		}
		c.q.quant_addr = bump(&glb, c.m * 8);
		load(&cl, table, c.m * 8, c.q.quant_addr, &va);
	}
	if ((c.hdr.flags & EYRIE_PASS_F_ACCUMULATE) ||
	    !(c.hdr.flags & EYRIE_PASS_F_REQUANT)) {
		c.psum_addr = bump(&glb, out_n * 4);
		if (c.hdr.flags & EYRIE_PASS_F_ACCUMULATE) {
			psum = malloc(out_n * 4);
			int near_limit = rnd() % 4 == 0;	/* exercise saturation */

			for (size_t i = 0; i < out_n; i++)
				psum[i] = near_limit ? (int32_t)(rnd() % 2 ? INT32_MAX - rnd() % 100000 :
								 INT32_MIN + rnd() % 100000) :
					  (int32_t)(rnd() % 2000001) - 1000000;
			load(&cl, psum, out_n * 4, c.psum_addr, &va);
		}
	}
	if (c.hdr.flags & EYRIE_PASS_F_REQUANT)
		c.out_addr = bump(&glb, out_n);
	if (out_ring) {
		ring = c;
		ring.hdr.flags |= EYRIE_PASS_F_OUT_RING;
		ring.out_ring_rows = (uint16_t)(c.out_h + rnd_range(0, 3));
		ring.out_row0 = (uint16_t)rnd_range(0, ring.out_ring_rows - 1);
		ring_n = (size_t)c.n * c.m * ring.out_ring_rows * c.out_w;
		ring_fill = malloc(ring_n);
		rnd_fill_i8(ring_fill, ring_n);
		ring.out_addr = bump(&glb, ring_n);
		load(&cl, ring_fill, ring_n, ring.out_addr, &va);
	}
	assert_true(glb <= GLB_BYTES);
	if (c.hdr.flags & EYRIE_PASS_F_REQUANT)
		lut_prepare(&cl, &c.hdr.flags);
	if (out_ring)
		ring.hdr.flags |= c.hdr.flags & EYRIE_PASS_F_LUT;
	cl_add(&cl, EYRIE_OP_BARRIER);
	memcpy(cl_add(&cl, c.hdr.opcode), &c, sizeof(c));
	if (out_ring)	/* the same pass again, into the ring (ACCUMULATE reads, never writes psums) */
		memcpy(cl_add(&cl, c.hdr.opcode), &ring, sizeof(ring));
	cl_add(&cl, EYRIE_OP_BARRIER);
	if (out_ring) {
		ring_cpu = case_alloc(ring_n, &ring_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, ring_va, ring.out_addr, 1, (uint32_t)ring_n);
	}
	if (c.hdr.flags & EYRIE_PASS_F_REQUANT) {
		out_cpu = case_alloc(out_n, &out_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, c.out_addr, 1, (uint32_t)out_n);
	} else {
		out_cpu = case_alloc(out_n * 4, &out_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, c.psum_addr, 4, (uint32_t)out_n);
	}
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	if (cqe.status != EYRIE_JOB_OK)
		fprintf(stderr, "case %d: status %u at cmd %u detail %u\n", verbose_id,
			cqe.status, cqe.err_cmd_index, cqe.err_detail);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);

	ref_conv(&c, in, w, bias, table, psum, out_ref, p32_ref);
	lut_apply(c.hdr.flags, out_ref, out_n);
	if (c.hdr.flags & EYRIE_PASS_F_REQUANT) {
		out_dev = out_cpu;
		for (size_t i = 0; i < out_n; i++) {
			if (out_dev[i] != out_ref[i]) {
				fprintf(stderr, "case %d (op %u df %u n%u c%u m%u g%u in %ux%u "
					"k %ux%u s %u,%u d %u,%u p %u,%u out %ux%u flags %#x): "
					"elem %zu device %d ref %d\n", verbose_id, c.hdr.opcode,
					c.hdr.dataflow, c.n, c.c, c.m, c.groups, c.in_h, c.in_w,
					c.r, c.s, c.stride_h, c.stride_w, c.dil_h, c.dil_w,
					c.pad_t, c.pad_l, c.out_h, c.out_w, c.hdr.flags, i,
					out_dev[i], out_ref[i]);
				fail();
			}
		}
	} else {
		p32_dev = out_cpu;
		assert_memory_equal(p32_dev, p32_ref, out_n * 4);
	}
	if (out_ring) {
		size_t planes = (size_t)c.n * c.m;
		uint32_t rows = ring.out_ring_rows;
		uint8_t *written = calloc(ring_n, 1);

		out_dev = out_cpu;
		for (size_t p = 0; p < planes; p++)
			for (uint32_t y = 0; y < c.out_h; y++) {
				size_t at = (size_t)eyrie_out_ring_offset(0, (uint32_t)p, y, rows,
									  ring.out_row0, c.out_w);

				/* the address rule written out, not only through the helper */
				assert_true(at == (p * rows + (ring.out_row0 + y) % rows) * c.out_w);
				memset(written + at, 1, c.out_w);
				if (memcmp(ring_cpu + at, out_dev + (p * c.out_h + y) * c.out_w,
					   c.out_w)) {
					fprintf(stderr, "case %d: ring row %u of plane %zu (slot %u of %u) "
						"is not the dense row\n", verbose_id, y, p,
						(ring.out_row0 + y) % rows, rows);
					fail();
				}
			}
		for (size_t i = 0; i < ring_n; i++)
			if (!written[i] && ring_cpu[i] != ring_fill[i]) {
				fprintf(stderr, "case %d: ring byte %zu written, no row of the pass is there\n",
					verbose_id, i);
				fail();
			}
		out_ring_wraps += ring.out_row0 + c.out_h > rows;
		out_ring_batches += c.n > 1;
		free(written);
	}
	free(ring_fill);
	free(in);
	free(w);
	free(out_ref);
	free(p32_ref);
	free(bias);
	free(table);
	free(psum);
	cl_free(&cl);
	case_free();
}

static void test_conv_random(void **state)
{
	(void)state;
	for (int i = 0; i < 200 * scale; i++)
		run_conv_case(0, i, 0);
}

static void test_fc_random(void **state)
{
	(void)state;
	for (int i = 0; i < 40 * scale; i++)
		run_conv_case(1, 100000 + i, 0);
}

/*
 * Row-circular outputs (CAP_OUT_RING, docs/hardware.md 7.13): random
 * convs (depthwise, grouped, 1 x 1, strides, padding, per-channel,
 * ACCUMULATE, the binary32 rule, every dataflow) written into a ring are
 * the dense pass's output re-addressed, with and without wrap-around and
 * with batches of up to 3.
 */
static void test_conv_out_ring(void **state)
{
	(void)state;
	out_ring_wraps = out_ring_batches = 0;
	for (int i = 0; i < 60 * scale; i++)
		run_conv_case(0, 500000 + i, 1);
	assert_true(out_ring_wraps >= 10 * scale);
	assert_true(out_ring_batches >= 10 * scale);
}

static void run_pool_case(int id)
{
	struct eyrie_cmd_pool p;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	size_t in_n, out_n;
	int8_t *in, *ref;
	uint64_t va, out_va;
	int8_t *out;
	int eff_h, eff_w;

	memset(&p, 0, sizeof(p));
	p.hdr.opcode = EYRIE_OP_POOL;
	p.hdr.dataflow = (uint8_t)(rnd() % EYRIE_DATAFLOW_COUNT);
	p.n = (uint16_t)rnd_range(1, 2);
	p.c = (uint16_t)rnd_range(1, 8);
	do {
		p.r = (uint8_t)rnd_range(1, 4);
		p.s = (uint8_t)rnd_range(1, 4);
		p.stride_h = (uint8_t)rnd_range(1, 3);
		p.stride_w = (uint8_t)rnd_range(1, 3);
		p.pad_t = (uint8_t)rnd_range(0, p.r - 1);
		p.pad_b = (uint8_t)rnd_range(0, p.r - 1);
		p.pad_l = (uint8_t)rnd_range(0, p.s - 1);
		p.pad_r = (uint8_t)rnd_range(0, p.s - 1);
		p.in_h = (uint16_t)rnd_range(1, 15);
		p.in_w = (uint16_t)rnd_range(1, 15);
		eff_h = p.in_h + p.pad_t + p.pad_b - p.r;
		eff_w = p.in_w + p.pad_l + p.pad_r - p.s;
	} while (eff_h < 0 || eff_w < 0);
	p.out_h = (uint16_t)(eff_h / p.stride_h + 1);
	p.out_w = (uint16_t)(eff_w / p.stride_w + 1);
	p.zp_in = (int16_t)rnd_range(-128, 127);
	if (rnd() % 2) {
		p.hdr.flags = EYRIE_PASS_F_POOL_AVG;
		if (rnd() % 2)
			p.hdr.flags |= EYRIE_PASS_F_COUNT_PAD;
		random_quant(&p.q, 0);
		if (rnd() % 2) {	/* same scale: mult * 2^-t = 1 */
			p.q.mult = 1 << 30;
			p.q.shift = -1;
		}
		if (rnd() % 3 == 0) {	/* binary32: the scale holds 1 / count */
			p.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
			p.q.mult = random_fp32_scale(0, 5);
			p.q.shift = 0;
		}
	} else {
		p.q.clamp_min = -128;
		p.q.clamp_max = 127;
		if (rnd() % 3 == 0)
			p.q.clamp_min = (int8_t)rnd_range(-128, 0);
		if (rnd() % 3 == 0)	/* max with a rescale */
			random_quant(&p.q, 0);
	}
	in_n = (size_t)p.n * p.c * p.in_h * p.in_w;
	out_n = (size_t)p.n * p.c * p.out_h * p.out_w;
	in = malloc(in_n);
	ref = malloc(out_n);
	rnd_fill_i8(in, in_n);
	p.in_addr = 0;
	p.out_addr = (uint32_t)((in_n + 3) & ~3u);
	load(&cl, in, in_n, p.in_addr, &va);
	lut_prepare(&cl, &p.hdr.flags);
	cl_add(&cl, EYRIE_OP_BARRIER);
	memcpy(cl_add(&cl, EYRIE_OP_POOL), &p, sizeof(p));
	out = case_alloc(out_n, &out_va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, p.out_addr, 1, (uint32_t)out_n);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	ref_pool(&p, in, ref);
	lut_apply(p.hdr.flags, ref, out_n);
	if (memcmp(out, ref, out_n)) {
		fprintf(stderr, "pool case %d flags %#x k %ux%u s %u,%u pads %u,%u,%u,%u\n",
			id, p.hdr.flags, p.r, p.s, p.stride_h, p.stride_w, p.pad_t,
			p.pad_b, p.pad_l, p.pad_r);
		fail();
	}
	free(in);
	free(ref);
	cl_free(&cl);
	case_free();
}

/*
 * The binary32 rule (docs/hardware.md 7.11) where it and the fixed-point
 * rule part: an FC pass of one input (1) and one weight (1) per output
 * channel, so channel i's accumulator is x = 1 + bias[i], each channel
 * with its own scale from the per-channel table. Exact halves after the
 * multiply round to even (x = 1, 5, -3 at 0.5), where the integer rule
 * rounds up; products the binary32 multiply rounds onto a half (3 x
 * 0x3e2aaaab = 0.5 + 2^-26 -> 0.5 -> 0; 3 x 0x3f955555 = 3.4999999 ->
 * 3.5 -> 4; 3 x 0x3f555556 = 2.5000001 -> 2.5 -> 2) and an accumulator
 * fl32 rounds (2^24 + 1 -> 2^24, x 2^-25 = 0.5 -> 0), where the integer
 * rule sees the exact value; the clamp of an infinite product. The
 * expected values are worked out by hand from the rule, for zp_out 0 and
 * 7, and so are the fixed-point rule's for the same real scales (the
 * same pass without the flag, mult/shift of the scale).
 */
static const struct {
	int32_t x;
	uint32_t s_bits;
	int32_t mult, shift;		/* the same real scale, fixed point */
	int8_t fp32[2], fixed[2];	/* zp_out 0, 7 */
} fp32_ties[] = {
	{ 1, 0x3f000000u, 1 << 30, 0, { 0, 7 }, { 1, 8 } },
	{ 3, 0x3f000000u, 1 << 30, 0, { 2, 9 }, { 2, 9 } },
	{ 5, 0x3f000000u, 1 << 30, 0, { 2, 9 }, { 3, 10 } },
	{ -1, 0x3f000000u, 1 << 30, 0, { 0, 7 }, { 0, 7 } },
	{ -3, 0x3f000000u, 1 << 30, 0, { -2, 5 }, { -1, 6 } },
	{ -5, 0x3f000000u, 1 << 30, 0, { -2, 5 }, { -2, 5 } },
	{ 16777217, 0x33000000u, 1 << 30, 24, { 0, 7 }, { 1, 8 } },
	{ 3, 0x3e2aaaabu, 1431655808, 2, { 0, 7 }, { 1, 8 } },
	{ 3, 0x3f955555u, 1252698752, -1, { 4, 11 }, { 3, 10 } },
	{ 3, 0x3f555556u, 1789569792, 0, { 2, 9 }, { 3, 10 } },
	{ 255, 0x3c000000u, 1 << 30, 6, { 2, 9 }, { 2, 9 } },
	{ 2147483647, 0x7f7fffffu, 0, 0, { 127, 127 }, { 0, 0 } },
	{ -2147483647, 0x7f7fffffu, 0, 0, { -128, -128 }, { 0, 0 } },
};

static void run_ties(int fp32, int zi, int8_t *got, uint32_t m)
{
	struct eyrie_cmd_conv c;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	int8_t in = 1, w[64];
	int32_t bias[64], table[128];
	uint64_t va, out_va;
	uint32_t glb = 0;
	int8_t *out;

	memset(&c, 0, sizeof(c));
	c.hdr.opcode = EYRIE_OP_FC;
	c.hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_BIAS | EYRIE_PASS_F_PER_CHANNEL |
		      (fp32 ? EYRIE_PASS_F_FP32_RQ : 0);
	c.n = 1; c.c = 1; c.m = (uint16_t)m; c.groups = 1;
	c.in_h = c.in_w = c.out_h = c.out_w = 1;
	c.r = c.s = c.stride_h = c.stride_w = c.dil_h = c.dil_w = 1;
	c.q.zp_out = (int16_t)(zi ? 7 : 0);
	c.q.clamp_min = -128;
	c.q.clamp_max = 127;
	for (uint32_t i = 0; i < m; i++) {
		w[i] = 1;
		bias[i] = fp32_ties[i].x - 1;
		table[i] = fp32 ? (int32_t)fp32_ties[i].s_bits : fp32_ties[i].mult;
		table[m + i] = fp32 ? 0 : fp32_ties[i].shift;
	}
	c.in_addr = bump(&glb, 1);
	load(&cl, &in, 1, c.in_addr, &va);
	c.w_addr = bump(&glb, m);
	load(&cl, w, m, c.w_addr, &va);
	c.bias_addr = bump(&glb, 4 * m);
	load(&cl, bias, 4 * m, c.bias_addr, &va);
	c.q.quant_addr = bump(&glb, 8 * m);
	load(&cl, table, 8 * m, c.q.quant_addr, &va);
	c.out_addr = bump(&glb, m);
	cl_add(&cl, EYRIE_OP_BARRIER);
	memcpy(cl_add(&cl, EYRIE_OP_FC), &c, sizeof(c));
	cl_add(&cl, EYRIE_OP_BARRIER);
	out = case_alloc(m, &out_va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, c.out_addr, 1, m);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	memcpy(got, out, m);
	cl_free(&cl);
	case_free();
}

/*
 * What the output ring is for (docs/hardware.md 7.13): a fused 1x1 expand
 * -> 3x3 depthwise (pad 1) in row bands of B output rows, with the
 * expanded tensor only ever in a ring of B + 2 rows per plane. Per band
 * the expand writes the expanded rows that are new (PASS_F_OUT_RING from
 * the slot of their row) and the depthwise pass reads its rows with the
 * halo from the same ring (PASS_F_IN_RING): no row is computed twice. The
 * block input is read as a ring of H rows (its dense planes) from the
 * band's first new row, and the depthwise output is written as a ring of
 * H rows (the dense output's planes) from the band's first row. The
 * result must equal the two layers run whole on the CPU reference.
 */
static void run_fused_band_case(int id)
{
	struct eyrie_cmd_conv ex, dw;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint16_t n = (uint16_t)rnd_range(1, 2), cin = (uint16_t)rnd_range(1, 6);
	uint16_t cexp = (uint16_t)rnd_range(1, 8), h = (uint16_t)rnd_range(2, 12);
	uint16_t w = (uint16_t)rnd_range(1, 9), band = (uint16_t)rnd_range(1, 4);
	uint16_t rows = (uint16_t)(band + 2);
	size_t x_n = (size_t)n * cin * h * w, e_n = (size_t)n * cexp * h * w;
	int8_t *x = malloc(x_n), *wex = malloc(cexp * cin), *wdw = malloc(cexp * 9);
	int8_t *e_ref = malloc(e_n), *out_ref = malloc(e_n), *out_dev;
	int32_t *p32 = malloc(e_n * 4);
	uint32_t glb = 0, x_at, wex_at, wdw_at, ring_at, out_at, e_hi = 0;
	uint64_t va, out_va;

	memset(&ex, 0, sizeof(ex));
	ex.hdr.opcode = EYRIE_OP_CONV;
	ex.hdr.flags = EYRIE_PASS_F_REQUANT;
	ex.n = n; ex.c = cin; ex.m = cexp; ex.groups = 1;
	ex.in_h = ex.out_h = h; ex.in_w = ex.out_w = w;
	ex.r = ex.s = ex.stride_h = ex.stride_w = ex.dil_h = ex.dil_w = 1;
	ex.zp_in = (int16_t)rnd_range(-128, 127);
	ex.zp_w = (int16_t)rnd_range(-128, 127);
	random_quant(&ex.q, rnd() % 2);
	dw = ex;
	dw.c = dw.m = dw.groups = cexp;
	dw.r = dw.s = 3;
	dw.pad_t = dw.pad_l = 1;
	dw.zp_in = ex.q.zp_out;		/* the expanded tensor's zero point pads */
	dw.zp_w = (int16_t)rnd_range(-128, 127);
	random_quant(&dw.q, rnd() % 2);
	rnd_fill_i8(x, x_n);
	rnd_fill_i8(wex, cexp * cin);
	rnd_fill_i8(wdw, cexp * 9);
	ref_conv(&ex, x, wex, NULL, NULL, NULL, e_ref, p32);
	ref_conv(&dw, e_ref, wdw, NULL, NULL, NULL, out_ref, p32);

	x_at = bump(&glb, x_n);
	load(&cl, x, x_n, x_at, &va);
	wex_at = bump(&glb, (size_t)cexp * cin);
	load(&cl, wex, (size_t)cexp * cin, wex_at, &va);
	wdw_at = bump(&glb, (size_t)cexp * 9);
	load(&cl, wdw, (size_t)cexp * 9, wdw_at, &va);
	ring_at = bump(&glb, (size_t)n * cexp * rows * w);
	out_at = bump(&glb, e_n);
	cl_add(&cl, EYRIE_OP_BARRIER);
	for (uint32_t y0 = 0; y0 < h; y0 += band) {
		uint32_t b = h - y0 < band ? h - y0 : band;
		uint32_t hi = y0 + b + 1 < h ? y0 + b + 1 : h;	/* expanded rows needed */
		uint32_t r0 = y0 ? y0 - 1 : 0;
		struct eyrie_cmd_conv *c;

		if (hi > e_hi) {	/* the new expanded rows [e_hi, hi) */
			c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
			*c = ex;
			c->hdr.flags |= EYRIE_PASS_F_IN_RING | EYRIE_PASS_F_OUT_RING;
			c->in_addr = x_at; c->w_addr = wex_at; c->out_addr = ring_at;
			c->in_h = c->out_h = (uint16_t)(hi - e_hi);
			c->in_ring_rows = h; c->in_row0 = (uint16_t)e_hi;
			c->out_ring_rows = rows; c->out_row0 = (uint16_t)(e_hi % rows);
			e_hi = hi;
		}
		c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
		*c = dw;
		c->hdr.flags |= EYRIE_PASS_F_IN_RING | EYRIE_PASS_F_OUT_RING;
		c->in_addr = ring_at; c->w_addr = wdw_at; c->out_addr = out_at;
		c->in_h = (uint16_t)(hi - r0);
		c->in_ring_rows = rows; c->in_row0 = (uint16_t)(r0 % rows);
		c->pad_t = (uint8_t)(y0 ? 0 : 1);
		c->out_h = (uint16_t)b;
		c->out_ring_rows = h; c->out_row0 = (uint16_t)y0;
	}
	cl_add(&cl, EYRIE_OP_BARRIER);
	out_dev = case_alloc(e_n, &out_va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, out_at, 1, (uint32_t)e_n);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	if (cqe.status != EYRIE_JOB_OK)
		fprintf(stderr, "case %d: status %u at cmd %u detail %u\n", id, cqe.status,
			cqe.err_cmd_index, cqe.err_detail);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	if (memcmp(out_dev, out_ref, e_n)) {
		fprintf(stderr, "case %d: n%u c%u -> %u, %ux%u, bands of %u rows: the fused "
			"output differs from the layers run whole\n", id, n, cin, cexp, h, w, band);
		fail();
	}
	free(x);
	free(wex);
	free(wdw);
	free(e_ref);
	free(out_ref);
	free(p32);
	cl_free(&cl);
	case_free();
}

static void test_fused_bands_through_rings(void **state)
{
	(void)state;
	for (int i = 0; i < 20 * scale; i++)
		run_fused_band_case(600000 + i);
}

static void test_fp32_ties(void **state)
{
	const uint32_t m = sizeof(fp32_ties) / sizeof(fp32_ties[0]);
	int8_t got[64];
	int differ = 0;

	(void)state;
	assert_true(m <= 64);
	for (int zi = 0; zi < 2; zi++) {
		run_ties(1, zi, got, m);
		for (uint32_t i = 0; i < m; i++) {
			if (got[i] != fp32_ties[i].fp32[zi])
				fail_msg("binary32 rule, zp_out %d: x %d scale %#x gave %d, want %d",
					 zi ? 7 : 0, fp32_ties[i].x, fp32_ties[i].s_bits, got[i],
					 fp32_ties[i].fp32[zi]);
			/* the independent reference agrees on every one */
			assert_int_equal(ref_rq_fp32(fp32_ties[i].x, fp32_ties[i].s_bits,
						     zi ? 7 : 0), got[i]);
		}
		/* the fixed-point rule on the finite cases (mult 0 rows: skipped) */
		run_ties(0, zi, got, m);
		for (uint32_t i = 0; i < m; i++) {
			if (!fp32_ties[i].mult)
				continue;
			if (got[i] != fp32_ties[i].fixed[zi])
				fail_msg("fixed-point rule, zp_out %d: x %d gave %d, want %d",
					 zi ? 7 : 0, fp32_ties[i].x, got[i], fp32_ties[i].fixed[zi]);
			differ += fp32_ties[i].fixed[zi] != fp32_ties[i].fp32[zi];
		}
	}
	/* the table is about where the two rules part */
	assert_true(differ >= 12);
}

/*
 * A table entry the binary32 rule refuses fails the pass when it runs
 * (the firmware cannot see the table): ERR_QUANT, detail = the channel.
 */
static void test_fp32_bad_table(void **state)
{
	static const uint32_t bad[] = { 0, 0x80000000u, 0x00400000u, 0xbf800000u,
					0x7f800000u, 0x7fc00000u };
	struct eyrie_cmd_conv c;
	struct eyrie_hw_cqe cqe;

	(void)state;
	for (size_t k = 0; k <= sizeof(bad) / sizeof(bad[0]); k++) {
		struct cmdlist cl = { 0 };
		int8_t in = 1, w[3] = { 1, 1, 1 };
		int32_t table[6] = { 0x3f000000, 0x3f000000, 0x3f000000, 0, 0, 0 };
		uint64_t va;

		if (k < sizeof(bad) / sizeof(bad[0]))
			table[2] = (int32_t)bad[k];
		else
			table[4] = 1;	/* a shift word that is not 0 */
		memset(&c, 0, sizeof(c));
		c.hdr.opcode = EYRIE_OP_FC;
		c.hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_PER_CHANNEL |
			      EYRIE_PASS_F_FP32_RQ;
		c.n = 1; c.c = 1; c.m = 3; c.groups = 1;
		c.in_h = c.in_w = c.out_h = c.out_w = 1;
		c.r = c.s = c.stride_h = c.stride_w = c.dil_h = c.dil_w = 1;
		c.q.clamp_min = -128;
		c.q.clamp_max = 127;
		c.in_addr = 0;
		c.w_addr = 4;
		c.q.quant_addr = 8;
		c.out_addr = 32;
		load(&cl, &in, 1, c.in_addr, &va);
		load(&cl, w, 3, c.w_addr, &va);
		load(&cl, table, sizeof(table), c.q.quant_addr, &va);
		cl_add(&cl, EYRIE_OP_BARRIER);
		memcpy(cl_add(&cl, EYRIE_OP_FC), &c, sizeof(c));
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_ERR_QUANT);
		assert_int_equal(cqe.err_detail, k < sizeof(bad) / sizeof(bad[0]) ? 2 : 1);
		cl_free(&cl);
		case_free();
	}
}

static void test_pool_random(void **state)
{
	(void)state;
	for (int i = 0; i < 80 * scale; i++)
		run_pool_case(i);
}

static void eltwise_cases(int count);

/*
 * ELTWISE's binary32 rule against values ONNX Runtime 1.23.2
 * (onnxruntime-node, x86-64 with AVX-512) gave for QLinearAdd, parameters
 * as the host computes them (docs/hardware.md 7.11): int8 and uint8 ties
 * that it rounds to even (the integer rule rounds .5 up), saturation, and
 * one value where a term computed without the fused multiply-add would
 * give 98. Each row is a one-element pass.
 */
static const struct {
	int u8;
	uint32_t ratio_a, ratio_b, term;
	int8_t a, b;			/* as the device holds them (uint8: u - 128) */
	int8_t ort;			/* ONNX Runtime's output, held the same way */
} ort_adds[] = {
	{ 0, 0x3e800000u, 0x3e800000u, 0x423a0000u, 62, -54, 48 },	/* t 48.5 */
	{ 0, 0x3e800000u, 0x3e800000u, 0x423a0000u, 91, 85, 90 },	/* t 90.5 */
	{ 0, 0x3e800000u, 0x3e800000u, 0x423a0000u, -40, -64, 20 },	/* t 20.5 */
	{ 0, 0x3e800000u, 0x3e800000u, 0x423a0000u, 28, 120, 84 },	/* t 83.5 */
	{ 0, 0x3e800000u, 0x3f000000u, 0xc2640000u, 10, -68, -88 },	/* t -88.5 */
	{ 0, 0x3e800000u, 0x3f000000u, 0xc2640000u, 48, -39, -64 },	/* t -64.5 */
	{ 1, 0x3f800000u, 0x3e000000u, 0xc2998000u, -28, 90, -78 },	/* t 50.5 */
	{ 1, 0x3f800000u, 0x3e000000u, 0xc2998000u, -23, -30, -88 },	/* t 40.5 */
	{ 1, 0x3f800000u, 0x3e000000u, 0xc2998000u, -63, -14, -126 },	/* t 2.5 */
	{ 0, 0x3f800000u, 0x40000000u, 0xc3450000u, -42, -67, -128 },	/* t -373 */
	{ 0, 0x3f800000u, 0x40000000u, 0xc3450000u, -42, -103, -128 },	/* t -445 */
	{ 0, 0x401ab28cu, 0x403ccdbfu, 0xc3ac3f5fu, 84, 81, 97 },	/* t 97.4999847 */
};

static void test_eltwise_fp32_ort(void **state)
{
	const size_t rows = sizeof(ort_adds) / sizeof(ort_adds[0]);
	int8_t got[2];

	(void)state;
	for (size_t i = 0; i < rows; i++) {
		struct eyrie_cmd_eltwise e;
		struct cmdlist cl = { 0 };
		struct eyrie_hw_cqe cqe;
		uint64_t va, out_va;
		int8_t *out;

		memset(&e, 0, sizeof(e));
		e.hdr.opcode = EYRIE_OP_ELTWISE;
		e.hdr.flags = EYRIE_PASS_F_FP32_RQ;
		e.count = 1;
		e.ratio_a = ort_adds[i].ratio_a;
		e.ratio_b = ort_adds[i].ratio_b;
		e.term = ort_adds[i].term;
		e.value_offset = (int16_t)(ort_adds[i].u8 ? EYRIE_ELTWISE_FP32_U8_OFFSET : 0);
		e.q.clamp_min = -128;
		e.q.clamp_max = 127;
		e.a_addr = 0;
		e.b_addr = 64;
		e.out_addr = 128;
		load(&cl, &ort_adds[i].a, 1, e.a_addr, &va);
		load(&cl, &ort_adds[i].b, 1, e.b_addr, &va);
		memcpy(cl_add(&cl, EYRIE_OP_ELTWISE), &e, sizeof(e));
		out = case_alloc(1, &out_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, e.out_addr, 1, 1);
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		got[0] = out[0];
		cl_free(&cl);
		case_free();
		if (got[0] != ort_adds[i].ort)
			fail_msg("row %zu: a %d b %d gave %d, ONNX Runtime %d", i, ort_adds[i].a,
				 ort_adds[i].b, got[0], ort_adds[i].ort);
		/* the independent reference and the contract's function agree */
		got[1] = (int8_t)ref_eltwise_fp32(ort_adds[i].a, ort_adds[i].b, e.ratio_a,
						  e.ratio_b, e.term, e.value_offset);
		assert_int_equal(got[1], ort_adds[i].ort);
		assert_int_equal(eyrie_eltwise_fp32(ort_adds[i].a, ort_adds[i].b, e.ratio_a,
						    e.ratio_b, e.term, e.value_offset),
				 ort_adds[i].ort);
	}
}

static void test_eltwise_random(void **state)
{
	(void)state;
	eltwise_cases(40 * scale);
}

/* Every pass kind through a random activation table, bit-exact. */
static void test_lut_random(void **state)
{
	(void)state;
	case_use_lut = 1;
	for (int i = 0; i < 40 * scale; i++)	/* a quarter also into an output ring */
		run_conv_case(0, 200000 + i, i % 4 == 3);
	for (int i = 0; i < 10 * scale; i++)
		run_conv_case(1, 300000 + i, 0);
	for (int i = 0; i < 20 * scale; i++)
		run_pool_case(400000 + i);
	eltwise_cases(10 * scale);
	case_use_lut = 0;
}

static void eltwise_cases(int count)
{
	for (int i = 0; i < count; i++) {
		struct eyrie_cmd_eltwise e;
		struct cmdlist cl = { 0 };
		struct eyrie_hw_cqe cqe;
		int8_t *a, *b, *ref, *out;
		uint64_t va, out_va;

		memset(&e, 0, sizeof(e));
		e.hdr.opcode = EYRIE_OP_ELTWISE;
		e.count = (uint32_t)rnd_range(1, 5000);
		e.zp_a = (int16_t)rnd_range(-128, 127);
		e.zp_b = (int16_t)rnd_range(-128, 127);
		e.a_mult = (int32_t)((1u << 30) + rnd() % (1u << 30));
		e.b_mult = (int32_t)((1u << 30) + rnd() % (1u << 30));
		e.a_shift = rnd_range(-30, 4);
		e.b_shift = rnd_range(-30, 4);
		random_quant(&e.q, rnd() % 2);
		e.q.shift = rnd_range(-8, 12);
		if (rnd() % 2) {
			/*
			 * the binary32 rule (ONNX Runtime's QLinearAdd): ratios
			 * 2^-8..2^4, power-of-two ones now and then (ties); a
			 * term of either sign with a random mantissa
			 */
			union { float f; uint32_t u; } t = {
				(float)rnd_range(-300, 300) + (float)(rnd() % 1024) / 1024.0f
			};

			e.hdr.flags = EYRIE_PASS_F_FP32_RQ;
			e.zp_a = e.zp_b = 0;
			e.a_mult = e.a_shift = e.b_mult = e.b_shift = 0;
			e.q.mult = e.q.shift = e.q.zp_out = 0;
			e.ratio_a = (uint32_t)random_fp32_scale(-4, 8);
			e.ratio_b = (uint32_t)random_fp32_scale(-4, 8);
			e.term = rnd() % 8 ? t.u : 0;
			e.value_offset = (int16_t)(rnd() % 2 ? EYRIE_ELTWISE_FP32_U8_OFFSET : 0);
		}
		a = malloc(e.count);
		b = malloc(e.count);
		ref = malloc(e.count);
		rnd_fill_i8(a, e.count);
		rnd_fill_i8(b, e.count);
		e.a_addr = rnd() % 2 ? EYRIE_ADDR_STREAM : 0;
		e.b_addr = 8192;
		e.out_addr = 16384;
		load(&cl, a, e.count, e.a_addr, &va);
		load(&cl, b, e.count, e.b_addr, &va);
		lut_prepare(&cl, &e.hdr.flags);
		memcpy(cl_add(&cl, EYRIE_OP_ELTWISE), &e, sizeof(e));
		out = case_alloc(e.count, &out_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, e.out_addr, 1, e.count);
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		ref_eltwise(&e, a, b, ref);
		lut_apply(e.hdr.flags, ref, e.count);
		assert_memory_equal(out, ref, e.count);
		free(a);
		free(b);
		free(ref);
		cl_free(&cl);
		case_free();
	}
}

/* 4-D strided DMA in and out (negative and zero DRAM strides too). */
static void test_dma_strided(void **state)
{
	(void)state;
	for (int it = 0; it < 40 * scale; it++) {
		struct cmdlist cl = { 0 };
		struct eyrie_hw_cqe cqe;
		union eyrie_cmd *c;
		uint32_t cnt[4], eb = rnd() % 2 ? 4 : 1;
		int64_t ds[4];
		uint32_t gs[4], total = 1, ext = 0;
		uint64_t src_va, dst_va;
		uint8_t *src, *dst, *expect;
		size_t span = 1;
		int64_t base = 0;

		for (int d = 0; d < 4; d++) {
			cnt[d] = (uint32_t)rnd_range(1, d ? 4 : 9);
			total *= cnt[d];
		}
		/* GLB side: dense box, innermost first. */
		for (int d = 0; d < 4; d++) {
			gs[d] = d ? gs[d - 1] * cnt[d - 1] : eb;
			ext += (cnt[d] - 1) * gs[d];
		}
		/* DRAM side: random gaps, some dims reversed or broadcast. */
		for (int d = 0; d < 4; d++) {
			int64_t s = (int64_t)(d ? span : eb) + (int64_t)eb * rnd_range(0, 3);

			if (d == 0)
				s = eb * rnd_range(1, 2);
			ds[d] = s;
			span = (size_t)(s * cnt[d] + 64);
		}
		if (rnd() % 3 == 0) {
			int d = rnd_range(1, 3);

			base += ds[d] * (cnt[d] - 1);
			ds[d] = -ds[d];
		}
		src = case_alloc(span * 2 + 4096, &src_va, 1);
		rnd_fill_i8((int8_t *)src, span * 2 + 4096);
		c = cl_add(&cl, EYRIE_OP_DMA_LOAD);
		c->dma.dram_addr = src_va + (uint64_t)base;
		c->dma.glb_addr = 64;
		c->dma.elem_bytes = eb;
		memcpy(c->dma.count, cnt, sizeof(cnt));
		memcpy(c->dma.dram_stride, ds, sizeof(ds));
		memcpy(c->dma.glb_stride, gs, sizeof(gs));
		dst = case_alloc((size_t)total * eb, &dst_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, dst_va, 64, eb, total);
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		expect = malloc((size_t)total * eb);
		for (uint32_t i3 = 0; i3 < cnt[3]; i3++)
		for (uint32_t i2 = 0; i2 < cnt[2]; i2++)
		for (uint32_t i1 = 0; i1 < cnt[1]; i1++)
		for (uint32_t i0 = 0; i0 < cnt[0]; i0++) {
			int64_t o = base + i3 * ds[3] + i2 * ds[2] + i1 * ds[1] + i0 * ds[0];
			size_t g = i3 * gs[3] + i2 * gs[2] + i1 * gs[1] + i0 * gs[0];

			memcpy(expect + g, src + o, eb);
		}
		assert_memory_equal(dst, expect, (size_t)total * eb);
		(void)ext;
		free(expect);
		cl_free(&cl);
		case_free();
	}
}

/*
 * Reductions longer than int32 can hold exactly (40000 taps of up to
 * 255 * 255): the exact 64-bit path, then saturation to int32.
 */
static void test_wide_accumulation(void **state)
{
	for (int variant = 0; variant < 2; variant++) {
		struct eyrie_cmd_conv c;
		struct cmdlist cl = { 0 };
		struct eyrie_hw_cqe cqe;
		const uint32_t K = 40000, M = 2;
		int8_t *in = malloc(K), *w = malloc((size_t)K * M);
		int32_t ref[2], *out;
		uint64_t va, out_va;

		(void)state;
		if (variant == 0) {
			memset(in, -128, K);	/* (x - 127) = -255 */
			memset(w, -128, (size_t)K * M);
		} else {
			rnd_fill_i8(in, K);
			rnd_fill_i8(w, (size_t)K * M);
		}
		memset(&c, 0, sizeof(c));
		c.hdr.opcode = EYRIE_OP_FC;
		c.n = 1; c.c = (uint16_t)K; c.m = (uint16_t)M; c.groups = 1;
		c.in_h = c.in_w = c.out_h = c.out_w = 1;
		c.r = c.s = c.stride_h = c.stride_w = c.dil_h = c.dil_w = 1;
		c.zp_in = 127;
		c.zp_w = variant ? -3 : 127;
		c.in_addr = 0;
		c.w_addr = K;
		c.psum_addr = (uint32_t)(K + K * M + 3) & ~3u;
		load(&cl, in, K, c.in_addr, &va);
		load(&cl, w, (size_t)K * M, c.w_addr, &va);
		memcpy(cl_add(&cl, EYRIE_OP_FC), &c, sizeof(c));
		out = case_alloc(8, &out_va, 0);
		cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, c.psum_addr, 4, M);
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		ref_conv(&c, in, w, NULL, NULL, NULL, NULL, ref);
		assert_int_equal(out[0], ref[0]);
		assert_int_equal(out[1], ref[1]);
		if (variant == 0)
			assert_int_equal(out[0], INT32_MAX);	/* 40000 * 65025 */
		free(in);
		free(w);
		cl_free(&cl);
		case_free();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_random),
		cmocka_unit_test(test_fc_random),
		cmocka_unit_test(test_conv_out_ring),
		cmocka_unit_test(test_fused_bands_through_rings),
		cmocka_unit_test(test_fp32_ties),
		cmocka_unit_test(test_fp32_bad_table),
		cmocka_unit_test(test_pool_random),
		cmocka_unit_test(test_eltwise_random),
		cmocka_unit_test(test_eltwise_fp32_ort),
		cmocka_unit_test(test_lut_random),
		cmocka_unit_test(test_dma_strided),
		cmocka_unit_test(test_wide_accumulation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
