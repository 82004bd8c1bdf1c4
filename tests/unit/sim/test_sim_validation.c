/* SPDX-License-Identifier: MIT */
/*
 * Validation through the whole device: a malformed command anywhere in a
 * job fails the job before any command runs, with the documented error
 * code and the offending command's index in the CQE, and the device keeps
 * serving the next job. Also the SQE-level checks (command count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static struct th T;
static uint64_t out_va;
static uint8_t *out_cpu;

static int setup(void **state)
{
	(void)state;
	if (th_open(&T, NULL))
		return -1;
	out_cpu = th_alloc(&T, 4096, &out_va, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_close(&T);
	return 0;
}

/* A job that stores a marker: proves whether commands ran. */
static void add_marker_store(struct cmdlist *cl)
{
	cl_dma(cl, EYRIE_OP_DMA_STORE, out_va, 0, 1, 16);
}

struct bad {
	const char *name;
	void (*make)(union eyrie_cmd *);
	uint32_t status;
};

static void b_opcode(union eyrie_cmd *c) { c->hdr.opcode = 42; }
static void b_reserved(union eyrie_cmd *c) { c->hdr.opcode = EYRIE_OP_NOP; c->raw[77] = 9; }
static void b_glb(union eyrie_cmd *c)
{
	c->hdr.opcode = EYRIE_OP_DMA_LOAD;
	c->dma.dram_addr = out_va;
	c->dma.glb_addr = 108 * 1024 - 4;
	c->dma.elem_bytes = 1;
	c->dma.count[0] = 8;
	c->dma.count[1] = c->dma.count[2] = c->dma.count[3] = 1;
	c->dma.dram_stride[0] = c->dma.glb_stride[0] = 1;
}
static void b_align(union eyrie_cmd *c) { c->hdr.opcode = EYRIE_OP_TIMESTAMP; c->write.dram_addr = out_va + 3; }
static void b_count(union eyrie_cmd *c) { b_glb(c); c->dma.glb_addr = 0; c->dma.count[3] = 0; }
static void b_stride(union eyrie_cmd *c) { b_glb(c); c->dma.glb_addr = 0; c->dma.count[1] = 2; c->dma.glb_stride[1] = 0; }
static void b_shape(union eyrie_cmd *c)
{
	c->hdr.opcode = EYRIE_OP_POOL;
	c->pool.n = 1; c->pool.c = 0;
}
static void b_quant(union eyrie_cmd *c)
{
	c->hdr.opcode = EYRIE_OP_ELTWISE;
	c->eltwise.count = 16;
	c->eltwise.a_mult = 1 << 30; c->eltwise.b_mult = 1 << 30;
	c->eltwise.q.mult = 77;
	c->eltwise.q.clamp_max = 127;
}
static void b_dataflow(union eyrie_cmd *c) { b_shape(c); c->hdr.dataflow = 9; }
static void b_stall(union eyrie_cmd *c) { c->hdr.opcode = EYRIE_OP_STALL; c->stall.usec = 1; }
/* a valid add through the activation table, but no LUT_LOAD in the job */
static void b_lut(union eyrie_cmd *c)
{
	b_quant(c);
	c->eltwise.q.mult = 1 << 30;
	c->hdr.flags = EYRIE_PASS_F_LUT;
}

/* a run-length coded load of int32 elements (RLE codes int8 only) */
static void b_rle(union eyrie_cmd *c)
{
	b_glb(c);
	c->dma.glb_addr = 0;
	c->hdr.flags = EYRIE_DMA_F_RLE;
	c->dma.elem_bytes = 4;
	c->dma.glb_stride[0] = 4;
}

/*
 * A valid conv writing its 2 x 2 planes of 4 x 4 int8 outputs into 6-row
 * rings from slot 5 (docs/hardware.md 7.13); the b_out_ring_* variants
 * break one rule each.
 */
static void out_ring_conv(union eyrie_cmd *u)
{
	struct eyrie_cmd_conv *c = &u->conv;

	memset(u, 0, sizeof(*u));
	c->hdr.opcode = EYRIE_OP_CONV;
	c->hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_OUT_RING;
	c->in_addr = 0; c->w_addr = 512; c->out_addr = 2048;
	c->n = 2; c->c = 2; c->m = 2; c->groups = 1;
	c->in_h = c->in_w = 6; c->out_h = c->out_w = 4;
	c->r = c->s = 3; c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
	c->q.mult = 1 << 30; c->q.shift = 3;
	c->q.clamp_min = -128; c->q.clamp_max = 127;
	c->out_ring_rows = 6;
	c->out_row0 = 5;
}
/* the ring holds fewer rows than the pass writes */
static void b_out_ring_small(union eyrie_cmd *u) { out_ring_conv(u); u->conv.out_ring_rows = 3; }
static void b_out_ring_zero(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.out_ring_rows = 0;
	u->conv.out_row0 = 0;
}
static void b_out_ring_row0(union eyrie_cmd *u) { out_ring_conv(u); u->conv.out_row0 = 6; }
/* 4 planes x 6 rows x 4 bytes = 96 bytes must fit, not only the 64 written */
static void b_out_ring_glb(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.out_addr = 108 * 1024 - 96 + 1;
}
/* 4 x 32768 x 32768 = 2^32 bytes: 0 in 32-bit arithmetic */
static void b_out_ring_wrap32(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.out_ring_rows = 0x8000;
	u->conv.out_w = 0x8000;
}
static void b_out_ring_huge(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.out_ring_rows = 0xffff;
	u->conv.out_row0 = 0xfffe;
	u->conv.out_w = 0xffff;
}
static void b_out_ring_stream(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.out_addr = EYRIE_ADDR_STREAM;
}
/* int32 psums stay dense: the ring is for the int8 output only */
static void b_out_ring_norq(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.hdr.flags = EYRIE_PASS_F_OUT_RING;
	u->conv.psum_addr = 4096;
}
/* the ring halfwords without the flag */
static void b_out_ring_fields(union eyrie_cmd *u)
{
	out_ring_conv(u);
	u->conv.hdr.flags = EYRIE_PASS_F_REQUANT;
}
static void b_out_row0_field(union eyrie_cmd *u)
{
	b_out_ring_fields(u);
	u->conv.out_ring_rows = 0;
}

static const struct bad BAD[] = {
	{ "opcode", b_opcode, EYRIE_JOB_ERR_OPCODE },
	{ "reserved", b_reserved, EYRIE_JOB_ERR_RESERVED },
	{ "glb bounds", b_glb, EYRIE_JOB_ERR_GLB_BOUNDS },
	{ "align", b_align, EYRIE_JOB_ERR_ALIGN },
	{ "count", b_count, EYRIE_JOB_ERR_COUNT },
	{ "stride", b_stride, EYRIE_JOB_ERR_STRIDE },
	{ "shape", b_shape, EYRIE_JOB_ERR_SHAPE },
	{ "quant", b_quant, EYRIE_JOB_ERR_QUANT },
	{ "dataflow", b_dataflow, EYRIE_JOB_ERR_DATAFLOW },
	{ "stall without the cap", b_stall, EYRIE_JOB_ERR_STALL_DENIED },
	{ "table before LUT_LOAD", b_lut, EYRIE_JOB_ERR_LUT },
	{ "rle of int32", b_rle, EYRIE_JOB_ERR_RLE },
	{ "output ring too small", b_out_ring_small, EYRIE_JOB_ERR_SHAPE },
	{ "output ring past the GLB", b_out_ring_glb, EYRIE_JOB_ERR_GLB_BOUNDS },
	{ "output ring without requant", b_out_ring_norq, EYRIE_JOB_ERR_RESERVED },
	{ "output ring fields without the flag", b_out_ring_fields, EYRIE_JOB_ERR_RESERVED },
};

static void test_bad_command_fails_job_before_running(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		for (uint32_t at = 0; at < 3; at++) {
			struct cmdlist cl = { 0 };
			struct eyrie_hw_cqe cqe;

			memset(out_cpu, 0x5a, 16);
			/* GLB[0..16) holds zeros after reset; the store would clear
			 * the marker if anything ran. */
			for (uint32_t k = 0; k < at; k++)
				add_marker_store(&cl);
			BAD[i].make(cl_add(&cl, EYRIE_OP_NOP));
			add_marker_store(&cl);
			assert_int_equal(th_run(&T, &cl, &cqe), 0);
			if (cqe.status != BAD[i].status || cqe.err_cmd_index != at) {
				print_error("%s at %u: status %u index %u\n", BAD[i].name, at,
					    cqe.status, cqe.err_cmd_index);
				fail();
			}
			/* Validation precedes execution: nothing ran. */
			for (int b = 0; b < 16; b++)
				assert_int_equal(out_cpu[b], 0x5a);
			cl_free(&cl);

			/* The device keeps serving. */
			add_marker_store(&cl);
			assert_int_equal(th_run(&T, &cl, &cqe), 0);
			assert_int_equal(cqe.status, EYRIE_JOB_OK);
			assert_int_equal(cqe.err_cmd_index, EYRIE_CMD_INDEX_NONE);
			assert_int_equal(out_cpu[0], 0);
			cl_free(&cl);
		}
	}
}

static void test_cmd_count_limits(void **state)
{
	struct eyrie_hw_cqe cqe;
	uint64_t va, tag;
	void *buf = th_alloc(&T, 4096, &va, 1);

	(void)state;
	(void)buf;
	assert_int_equal(eyrie_simhost_submit(T.h, T.ctx, 0, va, 0, &tag), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, tag, 10000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_CMDBUF);
	assert_int_equal(cqe.err_cmd_index, EYRIE_CMD_INDEX_NONE);
	assert_int_equal(eyrie_simhost_submit(T.h, T.ctx, 0, va,
					      eyrie_simhost_ctrl(T.h)->desc.max_cmds_per_job + 1,
					      &tag), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, tag, 10000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_CMDBUF);
	eyrie_simhost_bo_free(T.h, T.ctx, va);
}

/* A per-channel table with a bad entry fails at execution, naming the
 * channel; earlier commands of the job have run. */
static void test_bad_table_entry(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	struct eyrie_cmd_conv *c;
	uint64_t va;
	int32_t *tab = th_alloc(&T, 4096, &va, 1);

	(void)state;
	tab[0] = 1 << 30; tab[1] = 5;		/* mult[0], mult[1] (bad) */
	tab[2] = 0; tab[3] = 0;			/* shifts */
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 1024, 4, 4);
	c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
	c->hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_PER_CHANNEL;
	c->in_addr = 0; c->w_addr = 64; c->out_addr = 128;
	c->q.quant_addr = 1024;
	c->q.clamp_min = -128; c->q.clamp_max = 127;
	c->n = 1; c->c = 1; c->m = 2; c->groups = 1;
	c->in_h = c->in_w = c->out_h = c->out_w = 2;
	c->r = c->s = 1; c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
	c->map.spatial_r = c->map.spatial_e = c->map.sets_m = c->map.sets_c = 1;
	c->map.rf_m = c->map.rf_c = c->map.rf_n = 1;
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_QUANT);
	assert_int_equal(cqe.err_cmd_index, 1);
	assert_int_equal(cqe.err_detail, 1);	/* channel 1 */
	cl_free(&cl);
}

/*
 * Geometric placement (docs/hardware.md 7.2): AlexNet CONV1's 11 x 5 PE
 * sets. Three of them hold 165 <= 168 PEs, but the 12 x 14 mesh has room
 * for a grid of 1 x 2 such rectangles only: the job fails with
 * ERR_DATAFLOW at sets_c and runs nothing; two sets run.
 */
static void test_mapping_off_mesh(void **state)
{
	for (int sets = 3; sets >= 2; sets--) {
		struct cmdlist cl = { 0 };
		struct eyrie_hw_cqe cqe;
		struct eyrie_cmd_conv *c;

		(void)state;
		cl_add(&cl, EYRIE_OP_NOP);
		c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
		c->hdr.flags = EYRIE_PASS_F_REQUANT;
		c->in_addr = 0; c->w_addr = 256; c->out_addr = 1024;
		c->q.mult = 1 << 30;
		c->q.clamp_min = -128; c->q.clamp_max = 127;
		c->n = 1; c->c = 1; c->m = 3; c->groups = 1;
		c->in_h = c->in_w = 15; c->out_h = c->out_w = 5;
		c->r = c->s = 11; c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
		c->map.spatial_r = 11; c->map.spatial_e = 5;
		c->map.sets_m = (uint16_t)sets; c->map.sets_c = 1;
		c->map.rf_m = c->map.rf_c = c->map.rf_n = 1;
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		if (sets == 3) {
			assert_int_equal(cqe.status, EYRIE_JOB_ERR_DATAFLOW);
			assert_int_equal(cqe.err_cmd_index, 1);
			assert_int_equal(cqe.err_detail, offsetof(struct eyrie_cmd_conv, map) +
							 offsetof(struct eyrie_mapping, sets_c));
			assert_int_equal(cqe.cycles, 0);
		} else {
			assert_int_equal(cqe.status, EYRIE_JOB_OK);
			assert_true(cqe.cycles > 0);
		}
		cl_free(&cl);
	}
}

/* Valid commands of each kind (a conv with an output ring too), on small tiles at GLB offset 0. */
static void valid_cmd(union eyrie_cmd *u, int kind, uint64_t va)
{
	memset(u, 0, sizeof(*u));
	switch (kind) {
	case 0:
		b_glb(u);
		u->dma.glb_addr = 256;
		u->dma.dram_addr = va;
		break;
	case 1:
		u->conv.hdr.opcode = EYRIE_OP_CONV;
		u->conv.hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_BIAS;
		u->conv.w_addr = 512; u->conv.bias_addr = 1024; u->conv.out_addr = 2048;
		u->conv.n = 1; u->conv.c = 2; u->conv.m = 2; u->conv.groups = 1;
		u->conv.in_h = u->conv.in_w = 6; u->conv.out_h = u->conv.out_w = 4;
		u->conv.r = u->conv.s = 3;
		u->conv.stride_h = u->conv.stride_w = u->conv.dil_h = u->conv.dil_w = 1;
		u->conv.q.mult = 1 << 30; u->conv.q.shift = 3;
		u->conv.q.clamp_min = -128; u->conv.q.clamp_max = 127;
		break;
	case 2:
		u->pool.hdr.opcode = EYRIE_OP_POOL;
		u->pool.hdr.flags = EYRIE_PASS_F_POOL_AVG;
		u->pool.out_addr = 4096;
		u->pool.n = 1; u->pool.c = 3; u->pool.in_h = u->pool.in_w = 8;
		u->pool.out_h = u->pool.out_w = 4; u->pool.r = u->pool.s = 2;
		u->pool.stride_h = u->pool.stride_w = 2;
		u->pool.q.mult = 1 << 30; u->pool.q.shift = -1;
		u->pool.q.clamp_min = -128; u->pool.q.clamp_max = 127;
		break;
	case 3:
		out_ring_conv(u);
		break;
	default:
		u->eltwise.hdr.opcode = EYRIE_OP_ELTWISE;
		u->eltwise.b_addr = 1024; u->eltwise.out_addr = 2048; u->eltwise.count = 500;
		u->eltwise.a_mult = u->eltwise.b_mult = u->eltwise.q.mult = 1 << 30;
		u->eltwise.q.clamp_min = -128; u->eltwise.q.clamp_max = 127;
		break;
	}
}

/* Corrupted commands: every job completes with a defined status, the
 * device never crashes (this suite also runs under ASan/UBSan) and keeps
 * serving. */
static void test_corrupted_commands(void **state)
{
	struct eyrie_hw_cqe cqe;
	uint64_t va;
	uint32_t seed = 12345, ok = 0;

	(void)state;
	th_alloc(&T, 65536, &va, 0);
	for (int it = 0; it < 400; it++) {
		struct cmdlist cl = { 0 };
		union eyrie_cmd *u = cl_add(&cl, EYRIE_OP_NOP);
		int flips;

		valid_cmd(u, it % 5, va);
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (int)((seed >> 16) % 3);
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245u + 12345u;
			u->raw[(seed >> 8) % EYRIE_CMD_SIZE] ^= (uint8_t)(1u << ((seed >> 20) % 8));
		}
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_true(cqe.status < EYRIE_JOB_STATUS_COUNT);
		assert_true(cqe.status != EYRIE_JOB_ERR_TIMEOUT &&
			    cqe.status != EYRIE_JOB_ERR_ABORTED);
		if (cqe.status == EYRIE_JOB_OK)
			ok++;
		else
			assert_true(cqe.err_cmd_index == 0 &&
				    cqe.err_detail < (cqe.status == EYRIE_JOB_ERR_MMU_UNMAPPED ||
						      cqe.status == EYRIE_JOB_ERR_MMU_PERM ?
						      0xffffffffu : EYRIE_CMD_SIZE));
		cl_free(&cl);
	}
	/* Some corruptions hit don't-care bits and still run. */
	assert_true(ok > 0);
	{
		struct cmdlist cl = { 0 };

		add_marker_store(&cl);
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		cl_free(&cl);
	}
}

/*
 * Row-circular outputs (CAP_OUT_RING, docs/hardware.md 7.13) through the
 * device: the device advertises the cap, a valid ring pass runs, each
 * broken rule fails the job before anything runs with its code and field,
 * and a board without the cap refuses the flag and the fields
 * (ERR_RESERVED: the old command set) but runs the dense pass.
 */
static void test_out_ring(void **state)
{
	static const struct {
		const char *name;
		void (*make)(union eyrie_cmd *);
		uint32_t status, detail;
	} cases[] = {
		{ "valid", out_ring_conv, EYRIE_JOB_OK, EYRIE_CMD_INDEX_NONE },
		{ "small", b_out_ring_small, EYRIE_JOB_ERR_SHAPE,
		  offsetof(struct eyrie_cmd_conv, out_ring_rows) },
		{ "zero rows", b_out_ring_zero, EYRIE_JOB_ERR_SHAPE,
		  offsetof(struct eyrie_cmd_conv, out_ring_rows) },
		{ "row0", b_out_ring_row0, EYRIE_JOB_ERR_SHAPE,
		  offsetof(struct eyrie_cmd_conv, out_row0) },
		{ "glb", b_out_ring_glb, EYRIE_JOB_ERR_GLB_BOUNDS,
		  offsetof(struct eyrie_cmd_conv, out_addr) },
		{ "2^32 bytes", b_out_ring_wrap32, EYRIE_JOB_ERR_GLB_BOUNDS,
		  offsetof(struct eyrie_cmd_conv, out_addr) },
		{ "largest fields", b_out_ring_huge, EYRIE_JOB_ERR_GLB_BOUNDS,
		  offsetof(struct eyrie_cmd_conv, out_addr) },
		{ "stream buffer", b_out_ring_stream, EYRIE_JOB_ERR_GLB_BOUNDS,
		  offsetof(struct eyrie_cmd_conv, out_addr) },
		{ "no requant", b_out_ring_norq, EYRIE_JOB_ERR_RESERVED,
		  offsetof(struct eyrie_cmd_header, flags) },
		{ "fields", b_out_ring_fields, EYRIE_JOB_ERR_RESERVED,
		  offsetof(struct eyrie_cmd_conv, out_ring_rows) },
		{ "row0 field", b_out_row0_field, EYRIE_JOB_ERR_RESERVED,
		  offsetof(struct eyrie_cmd_conv, out_row0) },
	};
	struct eyrie_sim_config cfg;
	struct eyrie_hw_cqe cqe;
	struct th no_cap;

	(void)state;
	assert_true(eyrie_simhost_ctrl(T.h)->caps & EYRIE_CAP_OUT_RING);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmdlist cl = { 0 };

		cl_add(&cl, EYRIE_OP_NOP);
		cases[i].make(cl_add(&cl, EYRIE_OP_NOP));
		assert_int_equal(th_run(&T, &cl, &cqe), 0);
		if (cqe.status != cases[i].status ||
		    (cqe.status && (cqe.err_cmd_index != 1 || cqe.err_detail != cases[i].detail))) {
			print_error("%s: status %u index %u detail %u\n", cases[i].name, cqe.status,
				    cqe.err_cmd_index, cqe.err_detail);
			fail();
		}
		cl_free(&cl);
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.caps_clear = EYRIE_CAP_OUT_RING;
	assert_int_equal(th_open(&no_cap, &cfg), 0);
	assert_false(eyrie_simhost_ctrl(no_cap.h)->caps & EYRIE_CAP_OUT_RING);
	assert_true(eyrie_simhost_ctrl(no_cap.h)->caps & EYRIE_CAP_IN_RING);
	for (int k = 0; k < 3; k++) {
		struct cmdlist cl = { 0 };
		union eyrie_cmd *u = cl_add(&cl, EYRIE_OP_NOP);

		out_ring_conv(u);
		if (k >= 1)	/* the fields without the flag */
			u->conv.hdr.flags = EYRIE_PASS_F_REQUANT;
		if (k == 2)	/* the dense pass of before */
			u->conv.out_ring_rows = u->conv.out_row0 = 0;
		assert_int_equal(th_run(&no_cap, &cl, &cqe), 0);
		assert_int_equal(cqe.status, k == 2 ? EYRIE_JOB_OK : EYRIE_JOB_ERR_RESERVED);
		if (k < 2) {
			assert_int_equal(cqe.err_cmd_index, 0);
			assert_int_equal(cqe.err_detail,
					 k == 0 ? offsetof(struct eyrie_cmd_header, flags) :
					 offsetof(struct eyrie_cmd_conv, out_ring_rows));
		}
		cl_free(&cl);
	}
	th_close(&no_cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_command_fails_job_before_running),
		cmocka_unit_test(test_cmd_count_limits),
		cmocka_unit_test(test_bad_table_entry),
		cmocka_unit_test(test_mapping_off_mesh),
		cmocka_unit_test(test_corrupted_commands),
		cmocka_unit_test(test_out_ring),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
