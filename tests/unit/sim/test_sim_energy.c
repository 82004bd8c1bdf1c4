/* SPDX-License-Identifier: MIT */
/*
 * Energy and cycles: access counts of tiny jobs computed by hand from the
 * counting rules of docs/sim.md must match the device's counters exactly
 * (read back with ENERGY_SNAPSHOT and the CQE). Telemetry: cumulative
 * energy, idle power = static power, device time follows wall time.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sim_test_util.h"

static struct th T;
static const struct eyrie_hw_desc *D;

static int setup(void **state)
{
	(void)state;
	if (th_open(&T, NULL))
		return -1;
	D = &eyrie_simhost_ctrl(T.h)->desc;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_close(&T);
	return 0;
}

struct expect {
	uint64_t dram, dram_bytes, glb, noc, rf, mac, cycles;
	uint64_t gated;			/* MACs gated (PASS_F_ZERO_GATE) */
	uint64_t fp32;			/* outputs of the binary32 rule (PASS_F_FP32_RQ) */
};

/* Appends a snapshot, runs, and checks counters, energy and the CQE. */
static void run_and_check(struct cmdlist *cl, const struct expect *e)
{
	struct eyrie_energy_snapshot *s;
	struct eyrie_hw_cqe cqe;
	uint64_t va, total = 0, ns;

	s = th_alloc(&T, 4096, &va, 0);
	cl_add(cl, EYRIE_OP_BARRIER);
	cl_add(cl, EYRIE_OP_ENERGY_SNAPSHOT)->write.dram_addr = va;
	assert_int_equal(th_run(&T, cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	assert_int_equal(s->dram_words, e->dram);
	assert_int_equal(s->dram_bytes, e->dram_bytes);
	assert_int_equal(s->macs, e->mac);
	assert_int_equal(s->gated_macs, e->gated);
	assert_int_equal(s->cycles, e->cycles);
	assert_int_equal(cqe.cycles, e->cycles);
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_DRAM], e->dram * D->energy_fj[EYRIE_ENERGY_DRAM]);
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_GLB], e->glb * D->energy_fj[EYRIE_ENERGY_GLB]);
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_NOC], e->noc * D->energy_fj[EYRIE_ENERGY_NOC]);
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_RF], e->rf * D->energy_fj[EYRIE_ENERGY_RF]);
	/* a binary32-rule output: EYRIE_FP32_RQ_MAC_ENERGY MAC energies, not a MAC */
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_MAC],
			 (e->mac + EYRIE_FP32_RQ_MAC_ENERGY * e->fp32) * D->energy_fj[EYRIE_ENERGY_MAC]);
	/* static: static_mw over the job's modeled time (ns rounded up) */
	ns = (e->cycles * 1000000 + D->clock_khz - 1) / D->clock_khz;
	assert_int_equal(s->energy_fj[EYRIE_ENERGY_STATIC], (uint64_t)D->static_mw * ns * 1000);
	for (int d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		total += s->energy_fj[d];
	assert_int_equal(cqe.energy_fj, total);
	assert_int_equal(cqe.end_ns - cqe.start_ns, ns);
	eyrie_simhost_bo_free(T.h, T.ctx, va);
}

static void test_dma_counts(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e;
	uint64_t va;

	(void)state;
	th_alloc(&T, 4096, &va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 100);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va + 1024, 0, 4, 10);
	/* load: 100 words, 100 B: max(ceil(100/8), ceil(100/32)) = 13 cycles;
	 * store: 10 words, 40 B: max(5, 2) = 5 cycles; barrier between. */
	e = (struct expect){ .dram = 110, .dram_bytes = 140, .glb = 110, .cycles = 18 };
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/* n1 c2 m2, 4x4 input, 3x3 filter, stride 1, no padding: 2x2 output. */
static struct eyrie_cmd_conv *tiny_conv(struct cmdlist *cl, int barriers,
					uint8_t df, uint16_t spatial_r)
{
	struct eyrie_cmd_conv *c;
	uint64_t va;
	int8_t *buf = th_alloc(&T, 4096, &va, 0);

	for (int i = 0; i < 68; i++)
		buf[i] = (int8_t)(i * 7);
	cl_dma(cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 32);		/* input */
	cl_dma(cl, EYRIE_OP_DMA_LOAD, va + 32, 64, 1, 36);	/* weights */
	if (barriers)
		cl_add(cl, EYRIE_OP_BARRIER);
	c = &cl_add(cl, EYRIE_OP_CONV)->conv;
	c->hdr.dataflow = df;
	c->hdr.flags = EYRIE_PASS_F_REQUANT;
	c->in_addr = 0; c->w_addr = 64; c->out_addr = 128;
	c->n = 1; c->c = 2; c->m = 2; c->groups = 1;
	c->in_h = c->in_w = 4; c->out_h = c->out_w = 2;
	c->r = c->s = 3; c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
	c->q.mult = 1 << 30; c->q.shift = 4;
	c->q.clamp_min = -128; c->q.clamp_max = 127;
	c->map.spatial_r = spatial_r; c->map.spatial_e = 2;
	c->map.sets_m = 1; c->map.sets_c = 1;
	c->map.rf_m = 2; c->map.rf_c = 2; c->map.rf_n = 1;
	if (df == EYRIE_DATAFLOW_NLR)
		c->map.rf_m = c->map.rf_c = 1;
	if (barriers)
		cl_add(cl, EYRIE_OP_BARRIER);
	cl_dma(cl, EYRIE_OP_DMA_STORE, va + 2048, 128, 1, 8);	/* output */
	return c;
}

static void cl_event(struct cmdlist *cl, uint8_t op, uint32_t event, uint32_t engine)
{
	union eyrie_cmd *u = cl_add(cl, op);

	u->event.event = event;
	u->event.engine = engine;
}

/*
 * Events (CAP_EVENTS): the DMA unit runs ahead of the array. The tiny RS
 * pass below (24 cycles) waits for its loads (4 + 5 cycles) only; a load
 * of 100 B (13 cycles) for a later pass runs during it; the store waits
 * for the pass:
 *   DMA:   in, w -> 9; SIGNAL 0 (9); load -> 22; WAIT 1 -> 33; store -> 34
 *   array: WAIT 0 -> 9; pass -> 33; SIGNAL 1 (33)
 * Job: 34 cycles, against 9 + 24 + 13 + 1 = 47 with barriers. A WAIT for
 * an event never signalled in the job does not wait.
 */
static void test_events_overlap(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e = { .dram = 176, .dram_bytes = 176, .glb = 32 + 36 + 76 + 8 + 100,
			    .noc = 144, .rf = 696, .mac = 144, .cycles = 34 };
	union eyrie_cmd conv, st;
	uint64_t va;

	(void)state;
	cl_event(&cl, EYRIE_OP_EVENT_WAIT, 5, EYRIE_ENGINE_DMA);
	tiny_conv(&cl, 0, EYRIE_DATAFLOW_RS, 3);
	th_alloc(&T, 4096, &va, 0);
	/* tiny_conv appended in, w, conv, store: put the events around them */
	conv = cl.cmds[cl.n - 2];
	st = cl.cmds[cl.n - 1];
	cl.n -= 2;
	{
		cl_event(&cl, EYRIE_OP_EVENT_SIGNAL, 0, EYRIE_ENGINE_DMA);
		cl_event(&cl, EYRIE_OP_EVENT_WAIT, 0, EYRIE_ENGINE_ARRAY);
		*cl_add(&cl, EYRIE_OP_CONV) = conv;
		cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 1024, 1, 100);
		cl_event(&cl, EYRIE_OP_EVENT_SIGNAL, 1, EYRIE_ENGINE_ARRAY);
		cl_event(&cl, EYRIE_OP_EVENT_WAIT, 1, EYRIE_ENGINE_DMA);
		*cl_add(&cl, EYRIE_OP_DMA_STORE) = st;
	}
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/*
 * RS, one fold (spatial_r 3 = R, spatial_e 2 = E, rf_m 2, rf_c 2):
 *   MACs = N M C R E S F = 1*2*2*3*2*3*2 = 144
 *   filter GLB reads  Wu = M C R S = 36;  NoC = Wu * E = 72
 *   ifmap GLB reads   Iu = C * rows{0..3} * Wv = 2*4*4 = 32
 *                     NoC = C R E Wp = 2*3*2*4 = 48  (Wp = (F-1)+(S-1)+1 = 4)
 *   psum NoC          Pu * R * ceil(C/rf_c) = 8*3*1 = 24
 *   output GLB write  Pu = 8 (last fold, REQUANT), no psum read (first fold)
 *   RF = 4 MACs + 72 + 48 = 696;  NoC = 72 + 48 + 24 = 144;  GLB = 36+32+8 = 76
 *   array cycles = rf_n rf_m rf_c S F = 1*2*2*3*2 = 24
 * DMA: in 32 B (4 cycles), w 36 B (5), out 8 B (1); DRAM 76 words.
 */
static void test_conv_rs_one_fold(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e = { .dram = 76, .dram_bytes = 76, .glb = 32 + 36 + 76 + 8,
			    .noc = 144, .rf = 696, .mac = 144, .cycles = 9 + 24 + 1 };

	(void)state;
	tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
	run_and_check(&cl, &e);
	cl_free(&cl);
	/* Without barriers DMA overlaps the array: max(4+5+1, 24). */
	tiny_conv(&cl, 0, EYRIE_DATAFLOW_RS, 3);
	e.cycles = 24;
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/*
 * RS, spatial_r 1: three folds over R, each
 *   MACs 48; Wu 12 (NoC 24); rows 2, Iu 2*2*4 = 16 (NoC 2*1*2*4 = 16);
 *   psum NoC 8; RF 4*48 + 24 + 16 = 232; cycles 24
 *   GLB: fold 1: 12 + 16 + 8 (write) = 36; folds 2, 3 also read psums: 44
 */
static void test_conv_rs_three_folds(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e = { .dram = 76, .dram_bytes = 76,
			    .glb = 32 + 36 + (36 + 44 + 44) + 8,
			    .noc = 3 * 48, .rf = 3 * 232, .mac = 144,
			    .cycles = 9 + 72 + 1 };

	(void)state;
	tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 1);
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/*
 * Zero gating: tiny_conv's input is i * 7 (int8), so with zp_in = 35 the
 * one zero input is (c 0, y 1, x 1), read by all four outputs (taps (1,1),
 * (1,0), (0,1), (0,0)) of both filters: 8 MACs gated. They leave the MAC
 * count and, in RS and WS (the weight in the RF), one RF read each; NoC,
 * GLB, DRAM and cycles stay.
 */
static void test_conv_zero_gate(void **state)
{
	static const struct {
		uint8_t df;
		uint64_t noc, rf, mac_glb, cycles;
	} cases[] = {
		{ EYRIE_DATAFLOW_RS, 144, 696 - 8, 76, 9 + 24 + 1 },
		{ EYRIE_DATAFLOW_WS, 36 + 288, 180 - 8, 76, 34 },
	};
	struct cmdlist cl = { 0 };
	struct eyrie_cmd_conv *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct expect e = { .dram = 76, .dram_bytes = 76,
				    .glb = 32 + 36 + cases[i].mac_glb + 8,
				    .noc = cases[i].noc, .rf = cases[i].rf, .mac = 144 - 8,
				    .cycles = cases[i].cycles, .gated = 8 };

		c = tiny_conv(&cl, 1, cases[i].df, 3);
		c->zp_in = 35;
		c->hdr.flags |= EYRIE_PASS_F_ZERO_GATE;
		run_and_check(&cl, &e);
		cl_free(&cl);
	}
	/* the same pass without the flag: every MAC performed */
	c = tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
	c->zp_in = 35;
	run_and_check(&cl, &(struct expect){ .dram = 76, .dram_bytes = 76,
					     .glb = 32 + 36 + 76 + 8, .noc = 144, .rf = 696,
					     .mac = 144, .cycles = 34 });
	cl_free(&cl);
}

/*
 * Row-circular input (CAP_IN_RING, docs/hardware.md 7.12): tiny_conv's two
 * 4 x 4 input planes loaded by one ring DMA into 6-row rings at GLB 256
 * from slot 4 (rows 0, 1 in slots 4, 5; rows 2, 3 wrap to slots 0, 1) and
 * read by a ring pass from slot 4: the same output bytes as the dense
 * pass, and the same counts and cycles (test_conv_rs_one_fold): the ring
 * is addressing only. A ring pass from another slot reads other rows.
 */
static void test_conv_in_ring(void **state)
{
	struct expect e = { .dram = 76, .dram_bytes = 76, .glb = 32 + 36 + 76 + 8,
			    .noc = 144, .rf = 696, .mac = 144, .cycles = 9 + 24 + 1 };
	int8_t dense[8], ring[8];
	int8_t *out;
	uint64_t out_va;

	(void)state;
	out = th_alloc(&T, 4096, &out_va, 0);
	for (int k = 0; k < 3; k++) {
		struct cmdlist cl = { 0 };
		struct eyrie_cmd_conv *c = tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
		union eyrie_cmd *in = &cl.cmds[0];

		cl.cmds[cl.n - 1].dma.dram_addr = out_va;
		if (k) {
			in->hdr.flags = EYRIE_DMA_F_RING;
			in->dma.glb_addr = 256;
			in->dma.count[0] = 4; in->dma.count[1] = 4; in->dma.count[2] = 2;
			in->dma.dram_stride[1] = 4; in->dma.dram_stride[2] = 16;
			in->dma.glb_stride[1] = 4; in->dma.glb_stride[2] = 24;
			in->dma.ring_rows = 6;
			in->dma.ring_row0 = 4;
			c->hdr.flags |= EYRIE_PASS_F_IN_RING;
			c->in_addr = 256;
			c->in_ring_rows = 6;
			c->in_row0 = k == 1 ? 4 : 5;
		}
		run_and_check(&cl, &e);
		memcpy(k ? ring : dense, out, 8);
		if (k == 1)
			assert_memory_equal(dense, ring, 8);
		else if (k == 2)
			assert_memory_not_equal(dense, ring, 8);
		cl_free(&cl);
	}
}

/*
 * Row-circular output (CAP_OUT_RING, docs/hardware.md 7.13): tiny_conv's
 * two 2 x 2 output planes written into 3-row rings at GLB 128 from slot 2
 * (row 0 in slot 2, row 1 wraps to slot 0; plane 1's rows in slots 5, 3),
 * then into 2-row rings from slot 1 (as full as they can be, rows swapped).
 * Each job stores the 12 bytes at 128 (the dense run too, so the jobs are
 * the same apart from the pass's flag and ring words): the same counts and
 * cycles as the dense pass (test_conv_rs_one_fold with a 12-byte store),
 * and every output byte of the dense pass in its ring slot: the ring is
 * addressing only.
 */
static void test_conv_out_ring(void **state)
{
	/* the store: 12 words, max(ceil(12 / 8), ceil(12 / 32)) = 2 cycles */
	struct expect e = { .dram = 80, .dram_bytes = 80, .glb = 32 + 36 + 76 + 12,
			    .noc = 144, .rf = 696, .mac = 144, .cycles = 9 + 24 + 2 };
	static const uint16_t rows[] = { 0, 3, 2 }, row0[] = { 0, 2, 1 };
	int8_t dense[12], ring[12];
	int8_t *out;
	uint64_t out_va;

	(void)state;
	out = th_alloc(&T, 4096, &out_va, 0);
	for (int k = 0; k < 3; k++) {
		struct cmdlist cl = { 0 };
		struct eyrie_cmd_conv *c = tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
		union eyrie_cmd *st = &cl.cmds[cl.n - 1];

		st->dma.dram_addr = out_va;
		st->dma.count[0] = 12;
		if (k) {
			c->hdr.flags |= EYRIE_PASS_F_OUT_RING;
			c->out_ring_rows = rows[k];
			c->out_row0 = row0[k];
		}
		run_and_check(&cl, &e);
		memcpy(k ? ring : dense, out, 12);
		for (uint32_t p = 0; k && p < 2; p++)
			for (uint32_t y = 0; y < 2; y++)
				for (uint32_t x = 0; x < 2; x++)
					assert_int_equal(ring[(p * rows[k] + (row0[k] + y) % rows[k]) * 2 + x],
							 dense[(p * 2 + y) * 2 + x]);
		cl_free(&cl);
	}
	/* the rows did move: slot 0 of the 2-row ring holds row 1 */
	assert_memory_not_equal(ring, dense, 8);
}

/*
 * The binary32 rule (docs/hardware.md 7.11): tiny_conv's 8 outputs, and an
 * average pool's 4, each add 3 MAC energies (0.6 pJ = 3 x 0.2 pJ) to the
 * MAC domain; MAC count, accesses and cycles are those of the same passes
 * with the integer rule (test_conv_rs_one_fold, test_pool_eltwise_counts).
 */
static void test_fp32_rq_counts(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_cmd_conv *c;
	struct eyrie_cmd_pool *p;
	uint64_t va;

	(void)state;
	assert_int_equal(EYRIE_FP32_RQ_MAC_ENERGY, 3);
	c = tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
	c->hdr.flags |= EYRIE_PASS_F_FP32_RQ;
	c->q.mult = 0x3f000000;		/* 0.5 */
	c->q.shift = 0;
	run_and_check(&cl, &(struct expect){ .dram = 76, .dram_bytes = 76,
					     .glb = 32 + 36 + 76 + 8, .noc = 144, .rf = 696,
					     .mac = 144, .cycles = 9 + 24 + 1, .fp32 = 8 });
	cl_free(&cl);
	th_alloc(&T, 4096, &va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 16);
	cl_add(&cl, EYRIE_OP_BARRIER);
	p = &cl_add(&cl, EYRIE_OP_POOL)->pool;
	p->hdr.flags = EYRIE_PASS_F_POOL_AVG | EYRIE_PASS_F_FP32_RQ;
	p->in_addr = 0; p->out_addr = 64;
	p->n = 1; p->c = 1; p->in_h = p->in_w = 4; p->out_h = p->out_w = 2;
	p->r = p->s = 2; p->stride_h = p->stride_w = 2;
	p->q.mult = 0x3e800000;		/* 1/4: the window's count */
	p->q.clamp_min = -128; p->q.clamp_max = 127;
	/* DMA 16 B: 2 cycles, 16 GLB writes; pool: reads 16, writes 4; max(ceil(16 /
	 * 168), ceil(20 / 168)) = 1 cycle */
	run_and_check(&cl, &(struct expect){ .dram = 16, .dram_bytes = 16, .glb = 16 + 16 + 4,
					     .noc = 16 + 4, .rf = 32, .mac = 16,
					     .cycles = 2 + 1, .fp32 = 4 });
	cl_free(&cl);
}

/* An RLE DMA of lines of n int8 elements, `lines` of them, slot bytes apart. */
static void cl_rle(struct cmdlist *cl, uint8_t op, uint64_t va, uint32_t glb, uint32_t n,
		   uint32_t lines, uint32_t slot, int8_t zero, uint32_t skip)
{
	union eyrie_cmd *c = cl_add(cl, op);

	c->hdr.flags = EYRIE_DMA_F_RLE;
	c->dma.dram_addr = va;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = 1;
	c->dma.count[0] = n;
	c->dma.count[1] = lines;
	c->dma.count[2] = c->dma.count[3] = 1;
	c->dma.dram_stride[0] = 1;
	c->dma.dram_stride[1] = slot;
	c->dma.glb_stride[0] = 1;
	c->dma.glb_stride[1] = n;
	c->dma.rle_zero = zero;
	c->dma.rle_skip = skip;
}

/*
 * Run-length coded DMA (docs/hardware.md 7.10), counted by hand:
 *  - the format: [5, 0, 0, 0, 7, 0] with zero 0 is the pairs (0, 5),
 *    (3, 7), (0, 0): one word 0x73050; 8 DRAM words (bytes), 6 GLB words;
 *  - worst case, no zero: five elements per word, 100 -> 20 words = 160
 *    bytes, more than the 100 dense bytes and exactly the bound
 *    EYRIE_RLE_LINE_MAX_BYTES(100);
 *  - all zeros: 16 per pair (run 15 + a zero level), 100 = 6 * 16 + 4 ->
 *    7 pairs, 2 words;
 * then both lines loaded back (a window of 90 after skipping 10 on the
 * worst-case line: 100 decoded, all 20 words read; the zero line in full)
 * bit-exact. Cycles: max(ceil(coded bytes / 8), ceil(elements / 32)).
 */
static void test_rle_dma(void **state)
{
	struct cmdlist cl = { 0 };
	uint64_t va_in, va_rle, va_out;
	int8_t *in = th_alloc(&T, 4096, &va_in, 0);
	uint64_t *rle = th_alloc(&T, 4096, &va_rle, 0);
	int8_t *out = th_alloc(&T, 4096, &va_out, 0);
	static const int8_t fmt[6] = { 5, 0, 0, 0, 7, 0 };
	struct expect e;

	(void)state;
	/* the format */
	memcpy(in, fmt, sizeof(fmt));
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va_in, 0, 1, 6);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_rle(&cl, EYRIE_OP_DMA_STORE, va_rle, 0, 6, 1, 8, 0, 0);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_rle(&cl, EYRIE_OP_DMA_LOAD, va_rle, 64, 6, 1, 8, 0, 0);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va_out, 64, 1, 6);
	/* load 6 + store 8 coded + load 8 coded + store 6; 1 cycle each */
	e = (struct expect){ .dram = 6 + 8 + 8 + 6, .dram_bytes = 28, .glb = 24, .cycles = 4 };
	run_and_check(&cl, &e);
	cl_free(&cl);
	assert_int_equal(le64toh(rle[0]), 0x73050);
	assert_memory_equal(out, fmt, sizeof(fmt));

	/* worst case and all zeros, zero value -128 */
	for (int i = 0; i < 100; i++) {
		in[i] = (int8_t)(i % 255 - 127);	/* never -128 */
		in[100 + i] = -128;
	}
	memset(rle, 0xee, 4096);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va_in, 0, 1, 200);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_rle(&cl, EYRIE_OP_DMA_STORE, va_rle, 0, 100, 2,
	       (uint32_t)EYRIE_RLE_LINE_MAX_BYTES(100), -128, 0);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_rle(&cl, EYRIE_OP_DMA_LOAD, va_rle, 1024, 90, 1, 0, -128, 10);
	cl_rle(&cl, EYRIE_OP_DMA_LOAD, va_rle + EYRIE_RLE_LINE_MAX_BYTES(100), 1200, 100, 1,
	       0, -128, 0);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va_out, 1024, 1, 90);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va_out + 90, 1200, 1, 100);
	/*
	 * DRAM: 200 + (160 + 16) stored + (160 + 16) loaded + 190;
	 * GLB: 200 + 200 + 190 + 190; cycles: 25 | 22 | 20 + 4 | 12 + 13
	 */
	e = (struct expect){ .dram = 200 + 176 + 176 + 190, .dram_bytes = 742,
			     .glb = 200 + 200 + 190 + 190, .cycles = 25 + 22 + 24 + 25 };
	run_and_check(&cl, &e);
	cl_free(&cl);
	assert_memory_equal(out, in + 10, 90);
	assert_memory_equal(out + 90, in + 100, 100);
	/* the zero line took 2 words: the rest of its slot is untouched */
	assert_int_equal(rle[20 + 2], 0xeeeeeeeeeeeeeeeeull);
}

/* WS: weights stay in the RF (written once, read per MAC); inputs and
 * psums move on the NoC per MAC. NoC = 36 + 2*144; RF = 144 + 36. */
/*
 * Depthwise on the flexible NoC (CAP_FLEX_NOC): c = m = groups = 4, 4x4
 * input, 3x3 filter, 2x2 output, RS with 3 x 2 sets (28 slots). Per group
 * one fold: 36 MACs, NoC 18 + 24 + 4*3 = 54, RF 4*36 + 18 + 24 = 186, GLB
 * 16 inputs + 9 weights + 4 outputs = 29, 6 cycles (the busiest PE: 3 x 2
 * MACs; 54 NoC words < 168 per cycle). One group at a time: 4 x that.
 * sets_g = 4: the four groups in one fold (max(6, ceil(4*54 / 168)) = 6
 * cycles), each NoC word counted twice (the router hop); sets_g = 3: a
 * fold of 3 groups and one of 1 (12 cycles).
 */
static void test_conv_depthwise_sets_g(void **state)
{
	static const struct {
		uint16_t sets_g;
		uint64_t noc, cycles;
	} runs[] = { { 0, 216, 24 }, { 1, 216, 24 }, { 4, 432, 6 }, { 3, 432, 12 } };

	(void)state;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct cmdlist cl = { 0 };
		struct eyrie_cmd_conv *c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
		struct expect e = { .glb = 116, .noc = runs[i].noc, .rf = 744, .mac = 144,
				    .cycles = runs[i].cycles };

		c->hdr.dataflow = EYRIE_DATAFLOW_RS;
		c->hdr.flags = EYRIE_PASS_F_REQUANT;
		c->in_addr = 0; c->w_addr = 256; c->out_addr = 512;
		c->n = 1; c->c = 4; c->m = 4; c->groups = 4;
		c->in_h = c->in_w = 4; c->out_h = c->out_w = 2;
		c->r = c->s = 3; c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
		c->q.mult = 1 << 30; c->q.shift = 4;
		c->q.clamp_min = -128; c->q.clamp_max = 127;
		c->map.spatial_r = 3; c->map.spatial_e = 2;
		c->map.sets_m = 1; c->map.sets_c = 1;
		c->map.rf_m = 1; c->map.rf_c = 1; c->map.rf_n = 1;
		c->map.sets_g = runs[i].sets_g;
		run_and_check(&cl, &e);
		cl_free(&cl);
	}
}

static void test_conv_ws(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e = { .dram = 76, .dram_bytes = 76, .glb = 32 + 36 + 76 + 8,
			    .noc = 36 + 288, .rf = 180, .mac = 144, .cycles = 34 };

	(void)state;
	tiny_conv(&cl, 1, EYRIE_DATAFLOW_WS, 3);
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/* NLR (rf 1): every operand from the GLB per MAC, psums read+written in the
 * GLB per MAC; 4 folds over (m, c) of 36 MACs, each 1*1*1*3*2 = 6 cycles. */
static void test_conv_nlr(void **state)
{
	struct cmdlist cl = { 0 };
	struct expect e = { .dram = 76, .dram_bytes = 76,
			    .glb = 32 + 36 + 4 * 144 + 8,
			    .noc = 3 * 144, .rf = 0, .mac = 144, .cycles = 9 + 24 + 1 };

	(void)state;
	tiny_conv(&cl, 1, EYRIE_DATAFLOW_NLR, 3);
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/* Max pool 2x2/2 on 4x4: 4 outputs, 16 taps: GLB 16 + 4, NoC 16 + 4,
 * RF 2*16, MAC 16, 1 cycle; eltwise of 10 (b streamed): GLB 10 + 10,
 * NoC 30, MAC 30, 1 cycle. */
static void test_pool_eltwise_counts(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_cmd_pool *p;
	struct eyrie_cmd_eltwise *el;
	struct expect e = { .dram = 26, .dram_bytes = 26, .glb = 16 + 20 + 20,
			    .noc = 20 + 30, .rf = 32, .mac = 16 + 30,
			    .cycles = 4 + 2 + 1 };
	uint64_t va;

	(void)state;
	th_alloc(&T, 4096, &va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 16);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, EYRIE_ADDR_STREAM, 1, 10);
	cl_add(&cl, EYRIE_OP_BARRIER);
	p = &cl_add(&cl, EYRIE_OP_POOL)->pool;
	p->in_addr = 0; p->out_addr = 64;
	p->n = 1; p->c = 1; p->in_h = p->in_w = 4; p->out_h = p->out_w = 2;
	p->r = p->s = 2; p->stride_h = p->stride_w = 2;
	p->q.clamp_min = -128; p->q.clamp_max = 127;
	el = &cl_add(&cl, EYRIE_OP_ELTWISE)->eltwise;
	el->a_addr = 0; el->b_addr = EYRIE_ADDR_STREAM; el->out_addr = 128;
	el->count = 10;
	el->a_mult = el->b_mult = el->q.mult = 1 << 30;
	el->q.clamp_min = -128; el->q.clamp_max = 127;
	/* DMA: 16 B -> max(2, 1) = 2, 10 B -> 2: 4 cycles; passes: 1 + 1 */
	e.cycles = 4 + 2;
	run_and_check(&cl, &e);
	cl_free(&cl);
}

/*
 * The activation table: LUT_LOAD reads 256 DRAM words and writes the 256
 * RF entries at DMA speed (its own DMA segment here); each output of a pass
 * with the flag is one more RF read. The same pool and eltwise as above.
 */
static void test_lut_counts(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_cmd_pool *p;
	struct eyrie_cmd_eltwise *el;
	uint64_t lut_cycles = (256 + D->dram_bytes_per_cycle - 1) / D->dram_bytes_per_cycle;
	uint64_t glb_cycles = (256 + D->glb_bytes_per_cycle - 1) / D->glb_bytes_per_cycle;
	struct expect e = { .dram = 26 + 256, .dram_bytes = 26 + 256, .glb = 16 + 20 + 20,
			    .noc = 20 + 30, .rf = 32 + 256 + 4 + 10, .mac = 16 + 30 };
	uint64_t va, lut_va;

	(void)state;
	th_alloc(&T, 4096, &va, 0);
	th_alloc(&T, 4096, &lut_va, 1);
	cl_add(&cl, EYRIE_OP_LUT_LOAD)->lut_load.dram_addr = lut_va;
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 16);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, EYRIE_ADDR_STREAM, 1, 10);
	cl_add(&cl, EYRIE_OP_BARRIER);
	p = &cl_add(&cl, EYRIE_OP_POOL)->pool;
	p->hdr.flags = EYRIE_PASS_F_LUT;
	p->in_addr = 0; p->out_addr = 64;
	p->n = 1; p->c = 1; p->in_h = p->in_w = 4; p->out_h = p->out_w = 2;
	p->r = p->s = 2; p->stride_h = p->stride_w = 2;
	p->q.clamp_min = -128; p->q.clamp_max = 127;
	el = &cl_add(&cl, EYRIE_OP_ELTWISE)->eltwise;
	el->hdr.flags = EYRIE_PASS_F_LUT;
	el->a_addr = 0; el->b_addr = EYRIE_ADDR_STREAM; el->out_addr = 128;
	el->count = 10;
	el->a_mult = el->b_mult = el->q.mult = 1 << 30;
	el->q.clamp_min = -128; el->q.clamp_max = 127;
	/* LUT_LOAD: max of its DRAM and GLB-port times; then as above */
	e.cycles = (lut_cycles > glb_cycles ? lut_cycles : glb_cycles) + 4 + 2;
	run_and_check(&cl, &e);
	cl_free(&cl);
}

static void read_telem(struct eyrie_hw_telemetry *t)
{
	assert_int_equal(eyrie_simhost_telemetry(T.h, t), 0);
	assert_int_equal(t->seq & 1, 0);
}

static void test_telemetry(void **state)
{
	struct eyrie_hw_telemetry t0, t1, t2;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	struct timespec ts = { 0, 60 * 1000000L };
	uint64_t sum0 = 0, sum1 = 0;

	(void)state;
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_SET_TELEMETRY, 2000, 0, 5000),
			 EYRIE_MBOX_OK);
	/* Let an idle sample cover every earlier job. */
	nanosleep(&ts, NULL);
	read_telem(&t0);
	tiny_conv(&cl, 1, EYRIE_DATAFLOW_RS, 3);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	nanosleep(&ts, NULL);
	read_telem(&t1);
	for (int d = 0; d < EYRIE_ENERGY_DOMAINS; d++) {
		assert_true(t1.energy_fj[d] >= t0.energy_fj[d]);
		sum0 += t0.energy_fj[d];
		sum1 += t1.energy_fj[d];
	}
	/* The job's dynamic energy is in the counters, static kept accruing. */
	assert_true(sum1 - sum0 >= cqe.energy_fj);
	assert_true(t1.energy_fj[EYRIE_ENERGY_MAC] - t0.energy_fj[EYRIE_ENERGY_MAC] ==
		    144 * D->energy_fj[EYRIE_ENERGY_MAC]);
	assert_true(t1.jobs_completed > t0.jobs_completed);
	assert_int_equal(t1.sample_period_us, 2000);
	/* Idle: device time follows wall time, power is static power. */
	nanosleep(&ts, NULL);
	read_telem(&t2);
	assert_true(t2.timestamp_ns - t1.timestamp_ns >= 50 * 1000000ull);
	assert_true(t2.timestamp_ns - t1.timestamp_ns < 1000 * 1000000ull);
	assert_int_equal(t2.power_mw, D->static_mw);
	assert_int_equal(t2.util_permille, 0);
	assert_int_equal(t2.clock_khz, D->clock_khz);
	assert_true(t2.temp_mc >= D->ambient_mc);
	assert_int_equal(t2.flags & EYRIE_TELEM_F_THROTTLED, 0);
	cl_free(&cl);
}

/*
 * A board with a tiny heat sink: one busy job heats it past the throttle
 * point; the clock drops (telemetry and the next job's time show it), and
 * it recovers when idle.
 */
static void test_thermal_throttle(void **state)
{
	struct eyrie_sim_config cfg;
	struct th hot;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe c1, c2;
	struct eyrie_hw_telemetry t;
	struct timespec ts = { 0, 500 * 1000000L };
	const struct eyrie_hw_desc *d;
	uint64_t va;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	/*
	 * 500 degC/W, tau 100 ms, 1 mW static (idle settles at 40.5 degC).
	 * A job of 40 MB of DMA (25 ms at ~65 mW) heats the die by
	 * 33 * (1 - e^-0.25) = 7.3 degC, past 45 degC; cooling back below the
	 * release point (43 degC) takes ~100 ms, so a scheduling gap between
	 * the two jobs on a loaded host does not release the throttle.
	 */
	cfg.desc.static_mw = 1;
	cfg.desc.thermal_r_mc_per_w = 500000;
	cfg.desc.thermal_tau_ms = 100;
	cfg.desc.throttle_mc = 45000;
	assert_int_equal(th_open(&hot, &cfg), 0);
	d = &eyrie_simhost_ctrl(hot.h)->desc;
	th_alloc(&hot, 1 << 20, &va, 0);
	/* Two such jobs queued back to back: the first heats the die past the
	 * throttle point, the second runs throttled. */
	for (int i = 0; i < 400; i++)
		cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 100000);
	{
		uint64_t v1, v2, t1 = th_submit(&hot, &cl, 0, &v1);
		uint64_t t2 = th_submit(&hot, &cl, 0, &v2);

		assert_int_equal(eyrie_simhost_wait(hot.h, t1, 30000, &c1), 0);
		assert_int_equal(eyrie_simhost_wait(hot.h, t2, 30000, &c2), 0);
	}
	assert_int_equal(c1.status, EYRIE_JOB_OK);
	assert_int_equal(c2.status, EYRIE_JOB_OK);
	assert_int_equal(eyrie_simhost_telemetry(hot.h, &t), 0);
	assert_true(t.throttle_events >= 1);
	/* Same work at half the clock: twice the time, same cycles. */
	assert_int_equal(c2.cycles, c1.cycles);
	assert_int_equal(c2.end_ns - c2.start_ns, 2 * (c1.end_ns - c1.start_ns));
	/* Idle for 5 tau: back below the release point, the clock returns. */
	nanosleep(&ts, NULL);
	assert_int_equal(eyrie_simhost_telemetry(hot.h, &t), 0);
	assert_int_equal(t.flags & EYRIE_TELEM_F_THROTTLED, 0);
	assert_int_equal(t.clock_khz, d->clock_khz);
	assert_true(t.temp_mc > d->ambient_mc && t.temp_mc < d->throttle_mc - 2000);
	cl_free(&cl);
	th_close(&hot);
}

static uint64_t telem_total(const struct eyrie_hw_telemetry *t)
{
	uint64_t e = 0;

	for (int d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		e += t->energy_fj[d];
	return e;
}

/* Samples keep coming while a long job runs (BUSY, energy so far). */
static void test_telemetry_during_job(void **state)
{
	struct eyrie_sim_config cfg;
	struct th dev;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_telemetry before, mid, after;
	struct eyrie_hw_cqe cqe;
	struct timespec ts = { 0, 100 * 1000000L };
	uint64_t va, cva, tag;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.caps_set = EYRIE_CAP_DEBUG_STALL;
	cfg.telemetry_period_us = 1000;
	assert_int_equal(th_open(&dev, &cfg), 0);
	th_alloc(&dev, 1 << 20, &va, 0);
	/* 10 MB of DMA: 1.25 M cycles, 6.25 ms of device time, then a stall
	 * that keeps the job running while we look. */
	for (int i = 0; i < 100; i++) {
		cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 100000);
		cl_add(&cl, EYRIE_OP_BARRIER);
	}
	cl_add(&cl, EYRIE_OP_STALL)->stall.usec = 400000;
	nanosleep(&ts, NULL);
	assert_int_equal(eyrie_simhost_telemetry(dev.h, &before), 0);
	tag = th_submit(&dev, &cl, 0, &cva);
	/* Poll (1 ms steps, up to 5 s) for a sample taken inside the job. */
	for (int i = 0; i < 5000; i++) {
		struct timespec ms = { 0, 1000000L };

		assert_int_equal(eyrie_simhost_telemetry(dev.h, &mid), 0);
		if (mid.flags & EYRIE_TELEM_F_BUSY)
			break;
		nanosleep(&ms, NULL);
	}
	assert_true(mid.flags & EYRIE_TELEM_F_BUSY);
	assert_int_equal(mid.jobs_completed, before.jobs_completed);
	assert_true(mid.energy_fj[EYRIE_ENERGY_DRAM] > before.energy_fj[EYRIE_ENERGY_DRAM]);
	assert_true(mid.timestamp_ns > before.timestamp_ns);
	assert_true(mid.power_mw > 0);
	assert_int_equal(eyrie_simhost_wait(dev.h, tag, 10000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	assert_int_equal(eyrie_simhost_telemetry(dev.h, &after), 0);
	assert_int_equal(after.flags & EYRIE_TELEM_F_BUSY, 0);
	assert_int_equal(after.jobs_completed, before.jobs_completed + 1);
	assert_true(telem_total(&after) >= telem_total(&mid));
	assert_int_equal(after.energy_fj[EYRIE_ENERGY_DRAM] - before.energy_fj[EYRIE_ENERGY_DRAM],
			 10000000ull * eyrie_simhost_ctrl(dev.h)->desc.energy_fj[EYRIE_ENERGY_DRAM]);
	cl_free(&cl);
	th_close(&dev);
}

/* Real-time pacing: a job takes at least its modeled time in wall time. */
static void test_realtime_pacing(void **state)
{
	struct eyrie_sim_config cfg;
	struct th dev;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	struct timespec t0, t1;
	uint64_t va, wall_ns;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.realtime = 1;
	assert_int_equal(th_open(&dev, &cfg), 0);
	assert_true(eyrie_simhost_ctrl(dev.h)->caps & EYRIE_CAP_REALTIME_PACING);
	th_alloc(&dev, 1 << 20, &va, 0);
	/* 4 MB of DMA: 500000 cycles = 2.5 ms at 200 MHz. */
	for (int i = 0; i < 40; i++)
		cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(th_run(&dev, &cl, &cqe), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull +
		  (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	assert_int_equal(cqe.end_ns - cqe.start_ns, 2500000);
	assert_true(wall_ns >= cqe.end_ns - cqe.start_ns);
	cl_free(&cl);
	th_close(&dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_counts),
		cmocka_unit_test(test_conv_rs_one_fold),
		cmocka_unit_test(test_events_overlap),
		cmocka_unit_test(test_conv_rs_three_folds),
		cmocka_unit_test(test_conv_ws),
		cmocka_unit_test(test_conv_zero_gate),
		cmocka_unit_test(test_conv_in_ring),
		cmocka_unit_test(test_conv_out_ring),
		cmocka_unit_test(test_fp32_rq_counts),
		cmocka_unit_test(test_rle_dma),
		cmocka_unit_test(test_conv_depthwise_sets_g),
		cmocka_unit_test(test_conv_nlr),
		cmocka_unit_test(test_pool_eltwise_counts),
		cmocka_unit_test(test_lut_counts),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_thermal_throttle),
		cmocka_unit_test(test_telemetry_during_job),
		cmocka_unit_test(test_realtime_pacing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
