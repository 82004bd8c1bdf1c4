/* SPDX-License-Identifier: MIT */
/*
 * The firmware's command validator on its own: a table of malformed
 * commands, one field out of range each, and the documented error code and
 * field (docs/firmware.md, "Validation"). The same validator runs inside the
 * device model (tests/unit/sim/test_sim_validation.c checks the CQE side).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "eyrie_fw.h"

static const struct fw_limits LIM = {
	.glb_bytes = 108 * 1024, .stream_bytes = 16 * 1024,
	.max_cmds_per_job = 65536, .pe_rows = 12, .pe_cols = 14,
	.rf_ifmap_words = 12, .rf_filter_words = 224, .rf_psum_words = 24,
	.caps = EYRIE_CAP_STREAM | EYRIE_CAP_DEBUG_STALL | EYRIE_CAP_ACT_LUT |
		EYRIE_CAP_EVENTS | EYRIE_CAP_ZERO_GATE | EYRIE_CAP_RLE_DMA |
		EYRIE_CAP_FLEX_NOC | EYRIE_CAP_FP32_REQUANT | EYRIE_CAP_IN_RING |
		EYRIE_CAP_OUT_RING,
};

static void base_conv(union eyrie_cmd *u)
{
	struct eyrie_cmd_conv *c = &u->conv;

	memset(u, 0, sizeof(*u));
	c->hdr.opcode = EYRIE_OP_CONV;
	c->hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_BIAS;
	c->in_addr = 0;
	c->w_addr = 4096;
	c->bias_addr = 8192;
	c->out_addr = 12288;
	c->n = 1; c->c = 4; c->m = 4; c->groups = 1;
	c->in_h = 8; c->in_w = 8; c->out_h = 8; c->out_w = 8;
	c->r = 3; c->s = 3; c->stride_h = 1; c->stride_w = 1;
	c->dil_h = 1; c->dil_w = 1; c->pad_t = 1; c->pad_l = 1;
	c->q.mult = 1 << 30;
	c->q.shift = 0;
	c->q.clamp_min = -128;
	c->q.clamp_max = 127;
	c->map.spatial_r = 3; c->map.spatial_e = 8;
	c->map.sets_m = 1; c->map.sets_c = 1;
	c->map.rf_m = 1; c->map.rf_c = 1; c->map.rf_n = 1;
}

static void base_dma(union eyrie_cmd *u)
{
	memset(u, 0, sizeof(*u));
	u->dma.hdr.opcode = EYRIE_OP_DMA_LOAD;
	u->dma.dram_addr = 0x100000;
	u->dma.glb_addr = 0;
	u->dma.elem_bytes = 4;
	u->dma.count[0] = 16; u->dma.count[1] = 2;
	u->dma.count[2] = 1; u->dma.count[3] = 1;
	u->dma.dram_stride[0] = 4; u->dma.dram_stride[1] = 256;
	u->dma.glb_stride[0] = 4; u->dma.glb_stride[1] = 64;
}

static void base_pool(union eyrie_cmd *u)
{
	struct eyrie_cmd_pool *p = &u->pool;

	memset(u, 0, sizeof(*u));
	p->hdr.opcode = EYRIE_OP_POOL;
	p->in_addr = 0; p->out_addr = 8192;
	p->n = 1; p->c = 8; p->in_h = 8; p->in_w = 8; p->out_h = 4; p->out_w = 4;
	p->r = 2; p->s = 2; p->stride_h = 2; p->stride_w = 2;
	p->q.clamp_min = -128; p->q.clamp_max = 127;
}

static void base_eltwise(union eyrie_cmd *u)
{
	struct eyrie_cmd_eltwise *e = &u->eltwise;

	memset(u, 0, sizeof(*u));
	e->hdr.opcode = EYRIE_OP_ELTWISE;
	e->a_addr = 0; e->b_addr = 4096; e->out_addr = 8192; e->count = 1000;
	e->a_mult = 1 << 30; e->b_mult = 1 << 30;
	e->q.mult = 1 << 30; e->q.clamp_min = -128; e->q.clamp_max = 127;
}

static void base_ts(union eyrie_cmd *u)
{
	memset(u, 0, sizeof(*u));
	u->write.hdr.opcode = EYRIE_OP_TIMESTAMP;
	u->write.dram_addr = 0x100008;
}

static void base_lut(union eyrie_cmd *u)
{
	memset(u, 0, sizeof(*u));
	u->lut_load.hdr.opcode = EYRIE_OP_LUT_LOAD;
	u->lut_load.dram_addr = 0x100100;
}

struct vcase {
	const char *name;
	void (*base)(union eyrie_cmd *);
	void (*mutate)(union eyrie_cmd *);
	__u32 expect;
	__u32 field;	/* expected *detail (byte offset), or ~0u: not checked */
};

#define OFFC(f)	offsetof(struct eyrie_cmd_conv, f)
#define OFFD(f)	offsetof(struct eyrie_cmd_dma, f)
#define M(name, body) static void name(union eyrie_cmd *u) { body; }

M(m_none, (void)u)
M(m_opcode, u->hdr.opcode = EYRIE_OP_COUNT)
M(m_opcode_ff, u->hdr.opcode = 0xff)
M(m_hdr_res, u->hdr.reserved = 1)
M(m_flags_unknown, u->hdr.flags |= 1u << 11)	/* bits 0-10 are known */
M(m_dataflow_bad, u->hdr.dataflow = EYRIE_DATAFLOW_COUNT)
M(m_conv_res, u->conv.reserved[7] = 1)
M(m_conv_n0, u->conv.n = 0)
M(m_conv_groups0, u->conv.groups = 0)
M(m_conv_groups_div, u->conv.groups = 3)
M(m_conv_c0, u->conv.c = 0)
M(m_conv_stride0, u->conv.stride_w = 0)
M(m_conv_dil0, u->conv.dil_h = 0)
M(m_conv_pad_big, u->conv.pad_t = 3)
M(m_conv_outh_big, u->conv.out_h = 20)
M(m_conv_outw0, u->conv.out_w = 0)
M(m_conv_in_oob, u->conv.in_addr = 108 * 1024 - 100)
M(m_conv_w_oob, u->conv.w_addr = 0x7fffffff)
M(m_conv_out_oob, u->conv.out_addr = 108 * 1024 - 10)
M(m_conv_out_stream, u->conv.out_addr = EYRIE_ADDR_STREAM)
M(m_conv_in_stream_oob, u->conv.in_addr = EYRIE_ADDR_STREAM | (16 * 1024 - 8))
M(m_conv_bias_align, u->conv.bias_addr = 8194)
M(m_conv_bias_unused, { u->conv.hdr.flags &= ~EYRIE_PASS_F_BIAS; })
M(m_conv_psum_unused, u->conv.psum_addr = 64)
M(m_conv_mult_small, u->conv.q.mult = 5)
M(m_conv_mult_neg, u->conv.q.mult = -(1 << 30))
M(m_conv_shift_big, u->conv.q.shift = 32)
M(m_conv_shift_small, u->conv.q.shift = -31)
M(m_conv_zp_out, u->conv.q.zp_out = 200)
M(m_conv_zp_in, u->conv.zp_in = -129)
M(m_conv_zp_w, u->conv.zp_w = 128)
M(m_conv_clamp, { u->conv.q.clamp_min = 10; u->conv.q.clamp_max = 5; })
M(m_conv_pc_mult, { u->conv.hdr.flags |= EYRIE_PASS_F_PER_CHANNEL; u->conv.q.quant_addr = 16384; })
M(m_conv_pc_align, { u->conv.hdr.flags |= EYRIE_PASS_F_PER_CHANNEL; u->conv.q.mult = 0; u->conv.q.quant_addr = 16386; })
M(m_conv_pc_ok, { u->conv.hdr.flags |= EYRIE_PASS_F_PER_CHANNEL; u->conv.q.mult = 0; u->conv.q.quant_addr = 16384; })
M(m_conv_pc_norq, { u->conv.hdr.flags = EYRIE_PASS_F_PER_CHANNEL | EYRIE_PASS_F_BIAS; })
M(m_conv_q_norq, { u->conv.hdr.flags = EYRIE_PASS_F_BIAS; u->conv.psum_addr = 16384; u->conv.out_addr = 0; })
M(m_conv_psum_ok, { u->conv.hdr.flags = EYRIE_PASS_F_BIAS; u->conv.psum_addr = 16384; u->conv.out_addr = 0; memset(&u->conv.q, 0, sizeof(u->conv.q)); })
M(m_conv_map_default, memset(&u->conv.map, 0, sizeof(u->conv.map)))
M(m_conv_map_pes, { u->conv.c = 64; u->conv.m = 64; u->conv.map.sets_m = 8; u->conv.map.sets_c = 8; })
M(m_conv_outh0, u->conv.out_h = 0)
/* 3 x 8 sets: 4 fit the 12 x 14 mesh; 5 hold 120 <= 168 PEs but no grid */
M(m_conv_map_grid_ok, { u->conv.c = 8; u->conv.m = 8; u->conv.map.sets_m = 4; })
M(m_conv_map_grid, { u->conv.c = 8; u->conv.m = 8; u->conv.map.sets_m = 5; })
M(m_conv_map_grid_c, { u->conv.c = 8; u->conv.m = 8; u->conv.map.sets_m = 2; u->conv.map.sets_c = 3; })
M(m_pool_max_badq, { u->pool.q.mult = 1 << 30; u->pool.q.shift = 40; })
M(m_pool_pad_full, u->pool.pad_t = 2)
M(m_conv_map_r0, u->conv.map.spatial_r = 0)
M(m_conv_map_r_big, u->conv.map.spatial_r = 4)
M(m_conv_map_e_big, u->conv.map.spatial_e = 9)
M(m_conv_map_rfm, u->conv.map.rf_m = 5)
M(m_conv_map_sets, u->conv.map.sets_c = 5)
M(m_conv_map_sg1, u->conv.map.sets_g = 1)
/* depthwise, 3 x 8 sets: 4 slots on the 12 x 14 mesh (CAP_FLEX_NOC) */
M(m_conv_sg_ok, { u->conv.groups = 4; u->conv.map.sets_g = 4; })
M(m_conv_sg_groups, { u->conv.groups = 4; u->conv.map.sets_g = 5; })
M(m_conv_sg_slots, { u->conv.c = 8; u->conv.m = 8; u->conv.groups = 8; u->conv.map.sets_g = 5; })
M(m_conv_sg_sets, { u->conv.c = 8; u->conv.m = 8; u->conv.groups = 4; u->conv.map.sets_m = 2;
	u->conv.map.sets_g = 3; })
M(m_conv_sg_sets_ok, { u->conv.c = 8; u->conv.m = 8; u->conv.groups = 4; u->conv.map.sets_m = 2;
	u->conv.map.sets_g = 2; })
M(m_conv_map_rfif, { u->conv.n = 2; u->conv.map.rf_c = 4; u->conv.map.rf_n = 2; })
M(m_conv_map_nlr, { u->conv.hdr.dataflow = EYRIE_DATAFLOW_NLR; u->conv.map.rf_m = 2; })
M(m_conv_depthwise_ok, { u->conv.groups = 4; })
M(m_fc_shape, { u->conv.hdr.opcode = EYRIE_OP_FC; })
M(m_fc_ok, { u->conv.hdr.opcode = EYRIE_OP_FC; u->conv.in_h = u->conv.in_w = 1;
	u->conv.out_h = u->conv.out_w = 1; u->conv.r = u->conv.s = 1;
	u->conv.pad_t = u->conv.pad_l = 0; u->conv.map.spatial_r = 1; u->conv.map.spatial_e = 1; })
M(m_dma_flags, u->dma.hdr.flags = 4)	/* bits 0, 1: EYRIE_DMA_F_RLE, _RING */
M(m_dma_dataflow, u->dma.hdr.dataflow = 1)
M(m_dma_res, u->dma.reserved[0] = 1)
M(m_dma_eb, u->dma.elem_bytes = 2)
M(m_dma_count0, u->dma.count[2] = 0)
M(m_dma_count_huge, { u->dma.count[0] = 100000; u->dma.count[1] = 1; })
M(m_dma_glb_align, u->dma.glb_addr = 2)
M(m_dma_dram_align, u->dma.dram_addr = 0x100001)
M(m_dma_gstride_align, u->dma.glb_stride[1] = 66)
M(m_dma_dstride_align, u->dma.dram_stride[1] = 258)
M(m_dma_gstride0, u->dma.glb_stride[1] = 0)
M(m_dma_store_dstride0, { u->dma.hdr.opcode = EYRIE_OP_DMA_STORE; u->dma.dram_stride[1] = 0; })
M(m_dma_load_dstride0, u->dma.dram_stride[1] = 0)
M(m_dma_dstride_huge, u->dma.dram_stride[1] = 1ll << 40)
M(m_dma_glb_oob, u->dma.glb_addr = 108 * 1024 - 64)
M(m_dma_store_stream, { u->dma.hdr.opcode = EYRIE_OP_DMA_STORE; u->dma.glb_addr = EYRIE_ADDR_STREAM; })
M(m_dma_stream_ok, u->dma.glb_addr = EYRIE_ADDR_STREAM)
M(m_dma_stream_oob, u->dma.glb_addr = EYRIE_ADDR_STREAM | (16 * 1024 - 64))
M(m_pool_count_pad_max, u->pool.hdr.flags = EYRIE_PASS_F_COUNT_PAD)
M(m_pool_res, u->pool.reserved0 = 1)
M(m_pool_out_big, u->pool.out_h = 5)
M(m_pool_pad_b, u->pool.pad_b = 2)
M(m_pool_max_q, u->pool.q.mult = 1 << 30)
M(m_pool_avg_ok, { u->pool.hdr.flags = EYRIE_PASS_F_POOL_AVG; u->pool.q.mult = 1 << 30; u->pool.q.shift = -1; })
M(m_pool_avg_badq, { u->pool.hdr.flags = EYRIE_PASS_F_POOL_AVG; u->pool.q.mult = 7; })
M(m_pool_stride0, u->pool.stride_w = 0)
M(m_pool_out_oob, u->pool.out_addr = 108 * 1024 - 8)
M(m_elt_count0, u->eltwise.count = 0)
M(m_elt_flags, u->eltwise.hdr.flags = EYRIE_PASS_F_REQUANT)
M(m_elt_amult, u->eltwise.a_mult = 3)
M(m_elt_bshift, u->eltwise.b_shift = 40)
M(m_elt_zpa, u->eltwise.zp_a = 300)
M(m_elt_qaddr, u->eltwise.q.quant_addr = 4)
M(m_elt_oob, u->eltwise.count = 110000)
M(m_elt_out_stream, u->eltwise.out_addr = EYRIE_ADDR_STREAM)
M(m_ts_align, u->write.dram_addr = 0x100004)
M(m_ts_res, u->write.reserved[27] = 1)
M(m_snap_ok, u->write.hdr.opcode = EYRIE_OP_ENERGY_SNAPSHOT)
M(m_nop_res, { u->hdr.opcode = EYRIE_OP_NOP; u->raw[100] = 1; })
M(m_barrier_flags, { u->hdr.opcode = EYRIE_OP_BARRIER; u->hdr.flags = 1; })
M(m_stall_res, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_STALL; u->stall.reserved[0] = 1; })
#define OFFEV(f)	offsetof(struct eyrie_cmd_event, f)
M(m_sig_ok, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_SIGNAL; u->event.event = EYRIE_NUM_EVENTS - 1; })
M(m_wait_ok, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_WAIT; u->event.engine = EYRIE_ENGINE_ARRAY; })
M(m_sig_event, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_SIGNAL; u->event.event = EYRIE_NUM_EVENTS; })
M(m_wait_engine, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_WAIT; u->event.engine = EYRIE_ENGINE_COUNT; })
M(m_wait_res, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_WAIT; u->event.reserved[27] = 1; })
M(m_sig_flags, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_EVENT_SIGNAL; u->hdr.flags = 1; })
M(m_stall_ok, { memset(u, 0, sizeof(*u)); u->hdr.opcode = EYRIE_OP_STALL; u->stall.usec = 5; })
M(m_conv_lut, u->conv.hdr.flags |= EYRIE_PASS_F_LUT)
M(m_conv_lut_norq, { u->conv.hdr.flags = EYRIE_PASS_F_LUT | EYRIE_PASS_F_BIAS; u->conv.psum_addr = 16384; })
M(m_pool_lut, u->pool.hdr.flags = EYRIE_PASS_F_LUT)
M(m_pool_avg_lut, { u->pool.hdr.flags = EYRIE_PASS_F_POOL_AVG | EYRIE_PASS_F_LUT; u->pool.q.mult = 1 << 30; })
M(m_elt_lut, u->eltwise.hdr.flags = EYRIE_PASS_F_LUT)
M(m_lut_align, u->lut_load.dram_addr = 0x100102)
M(m_lut_va_end, u->lut_load.dram_addr = (1ull << EYRIE_VA_BITS) - 128)
M(m_lut_va_past, u->lut_load.dram_addr = 1ull << 40)
M(m_lut_flags, u->lut_load.hdr.flags = EYRIE_PASS_F_LUT)
M(m_lut_dataflow, u->lut_load.hdr.dataflow = 1)
M(m_lut_res, u->lut_load.reserved[27] = 1)
M(m_lut_last_entry, u->lut_load.dram_addr = (1ull << EYRIE_VA_BITS) - 256)

static const struct vcase CASES[] = {
	{ "conv valid", base_conv, m_none, EYRIE_JOB_OK, ~0u },
	{ "conv depthwise valid", base_conv, m_conv_depthwise_ok, EYRIE_JOB_OK, ~0u },
	{ "conv per-channel valid", base_conv, m_conv_pc_ok, EYRIE_JOB_OK, ~0u },
	{ "conv psum-only valid", base_conv, m_conv_psum_ok, EYRIE_JOB_OK, ~0u },
	{ "conv windows of padding only valid", base_conv, m_conv_pad_big, EYRIE_JOB_OK, ~0u },
	{ "conv outputs past the input valid", base_conv, m_conv_outh_big, EYRIE_JOB_OK, ~0u },
	{ "conv unused bias addr ignored", base_conv, m_conv_bias_unused, EYRIE_JOB_OK, ~0u },
	{ "conv unused psum addr ignored", base_conv, m_conv_psum_unused, EYRIE_JOB_OK, ~0u },
	{ "conv per-channel ignores q.mult", base_conv, m_conv_pc_mult, EYRIE_JOB_OK, ~0u },
	{ "conv q ignored without requant", base_conv, m_conv_q_norq, EYRIE_JOB_OK, ~0u },
	{ "conv default mapping valid", base_conv, m_conv_map_default, EYRIE_JOB_OK, ~0u },
	{ "conv mapping over the array", base_conv, m_conv_map_pes, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_c) },
	{ "conv sets on the mesh grid", base_conv, m_conv_map_grid_ok, EYRIE_JOB_OK, ~0u },
	{ "conv sets fit the PE count, not the mesh", base_conv, m_conv_map_grid, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_c) },
	{ "conv sets_m x sets_c over the grid", base_conv, m_conv_map_grid_c, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_c) },
	{ "conv out_h 0", base_conv, m_conv_outh0, EYRIE_JOB_ERR_SHAPE, OFFC(out_h) },
	{ "fc valid", base_conv, m_fc_ok, EYRIE_JOB_OK, ~0u },
	{ "opcode out of range", base_conv, m_opcode, EYRIE_JOB_ERR_OPCODE, 0 },
	{ "opcode 0xff", base_conv, m_opcode_ff, EYRIE_JOB_ERR_OPCODE, 0 },
	{ "header reserved", base_conv, m_hdr_res, EYRIE_JOB_ERR_RESERVED, 4 },
	{ "unknown pass flag", base_conv, m_flags_unknown, EYRIE_JOB_ERR_RESERVED, 2 },
	{ "dataflow out of range", base_conv, m_dataflow_bad, EYRIE_JOB_ERR_DATAFLOW, 1 },
	{ "conv reserved words", base_conv, m_conv_res, EYRIE_JOB_ERR_RESERVED, OFFC(reserved) },
	{ "conv n = 0", base_conv, m_conv_n0, EYRIE_JOB_ERR_SHAPE, OFFC(n) },
	{ "conv groups = 0", base_conv, m_conv_groups0, EYRIE_JOB_ERR_SHAPE, OFFC(groups) },
	{ "conv c % groups", base_conv, m_conv_groups_div, EYRIE_JOB_ERR_SHAPE, OFFC(c) },
	{ "conv c = 0", base_conv, m_conv_c0, EYRIE_JOB_ERR_SHAPE, OFFC(c) },
	{ "conv stride 0", base_conv, m_conv_stride0, EYRIE_JOB_ERR_STRIDE, OFFC(stride_h) },
	{ "conv dilation 0", base_conv, m_conv_dil0, EYRIE_JOB_ERR_STRIDE, OFFC(dil_h) },
	{ "conv out_w = 0", base_conv, m_conv_outw0, EYRIE_JOB_ERR_SHAPE, OFFC(out_w) },
	{ "conv input past GLB", base_conv, m_conv_in_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(in_addr) },
	{ "conv weights far out", base_conv, m_conv_w_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(w_addr) },
	{ "conv output past GLB", base_conv, m_conv_out_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr) },
	{ "conv output in stream", base_conv, m_conv_out_stream, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr) },
	{ "conv input past stream", base_conv, m_conv_in_stream_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(in_addr) },
	{ "conv bias misaligned", base_conv, m_conv_bias_align, EYRIE_JOB_ERR_ALIGN, OFFC(bias_addr) },
	{ "conv mult < 2^30", base_conv, m_conv_mult_small, EYRIE_JOB_ERR_QUANT, OFFC(q) },
	{ "conv mult negative", base_conv, m_conv_mult_neg, EYRIE_JOB_ERR_QUANT, OFFC(q) },
	{ "conv shift > 31", base_conv, m_conv_shift_big, EYRIE_JOB_ERR_QUANT, OFFC(q) },
	{ "conv shift < -30", base_conv, m_conv_shift_small, EYRIE_JOB_ERR_QUANT, OFFC(q) },
	{ "conv zp_out 200", base_conv, m_conv_zp_out, EYRIE_JOB_ERR_QUANT, OFFC(q.zp_out) },
	{ "conv zp_in -129", base_conv, m_conv_zp_in, EYRIE_JOB_ERR_QUANT, OFFC(zp_in) },
	{ "conv zp_w 128", base_conv, m_conv_zp_w, EYRIE_JOB_ERR_QUANT, OFFC(zp_w) },
	{ "conv clamp min > max", base_conv, m_conv_clamp, EYRIE_JOB_ERR_QUANT, OFFC(q.clamp_min) },
	{ "conv table misaligned", base_conv, m_conv_pc_align, EYRIE_JOB_ERR_ALIGN, OFFC(q.quant_addr) },
	{ "conv per-channel w/o requant", base_conv, m_conv_pc_norq, EYRIE_JOB_ERR_QUANT, 2 },
	{ "mapping spatial_r 0", base_conv, m_conv_map_r0, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.spatial_r) },
	{ "mapping spatial_r > r", base_conv, m_conv_map_r_big, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.spatial_r) },
	{ "mapping spatial_e > out_h", base_conv, m_conv_map_e_big, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.spatial_e) },
	{ "mapping rf_m > m", base_conv, m_conv_map_rfm, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.rf_m) },
	{ "mapping sets_c x rf_c > c", base_conv, m_conv_map_sets, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_c) },
	{ "mapping sets_g 1 valid", base_conv, m_conv_map_sg1, EYRIE_JOB_OK, ~0u },
	{ "mapping sets_g: 4 depthwise groups at once", base_conv, m_conv_sg_ok, EYRIE_JOB_OK, ~0u },
	{ "mapping sets_g x sets_m on the grid", base_conv, m_conv_sg_sets_ok, EYRIE_JOB_OK, ~0u },
	{ "mapping sets_g > groups", base_conv, m_conv_sg_groups, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_g) },
	{ "mapping sets_g over the slots", base_conv, m_conv_sg_slots, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_g) },
	{ "mapping sets_g x sets_m over the slots", base_conv, m_conv_sg_sets, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.sets_g) },
	{ "mapping ifmap RF overflow", base_conv, m_conv_map_rfif, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.rf_c) },
	{ "mapping NLR with RF reuse", base_conv, m_conv_map_nlr, EYRIE_JOB_ERR_DATAFLOW, OFFC(map.rf_m) },
	{ "fc with a window", base_conv, m_fc_shape, EYRIE_JOB_ERR_SHAPE, OFFC(in_h) },
	{ "dma valid", base_dma, m_none, EYRIE_JOB_OK, ~0u },
	{ "dma stream load valid", base_dma, m_dma_stream_ok, EYRIE_JOB_OK, ~0u },
	{ "dma broadcast load valid", base_dma, m_dma_load_dstride0, EYRIE_JOB_OK, ~0u },
	{ "dma flags", base_dma, m_dma_flags, EYRIE_JOB_ERR_RESERVED, 2 },
	{ "dma dataflow", base_dma, m_dma_dataflow, EYRIE_JOB_ERR_RESERVED, 1 },
	{ "dma reserved", base_dma, m_dma_res, EYRIE_JOB_ERR_RESERVED, OFFD(reserved) },
	{ "dma elem_bytes 2", base_dma, m_dma_eb, EYRIE_JOB_ERR_SHAPE, OFFD(elem_bytes) },
	{ "dma count 0", base_dma, m_dma_count0, EYRIE_JOB_ERR_COUNT, OFFD(count[2]) },
	{ "dma count > GLB", base_dma, m_dma_count_huge, EYRIE_JOB_ERR_COUNT, OFFD(count[0]) },
	{ "dma glb misaligned", base_dma, m_dma_glb_align, EYRIE_JOB_ERR_ALIGN, OFFD(glb_addr) },
	{ "dma dram misaligned", base_dma, m_dma_dram_align, EYRIE_JOB_ERR_ALIGN, OFFD(dram_addr) },
	{ "dma glb stride misaligned", base_dma, m_dma_gstride_align, EYRIE_JOB_ERR_ALIGN, OFFD(glb_stride[1]) },
	{ "dma dram stride misaligned", base_dma, m_dma_dstride_align, EYRIE_JOB_ERR_ALIGN, OFFD(dram_stride[1]) },
	{ "dma glb stride 0", base_dma, m_dma_gstride0, EYRIE_JOB_ERR_STRIDE, OFFD(glb_stride[1]) },
	{ "dma store dram stride 0", base_dma, m_dma_store_dstride0, EYRIE_JOB_ERR_STRIDE, OFFD(dram_stride[1]) },
	{ "dma dram stride huge", base_dma, m_dma_dstride_huge, EYRIE_JOB_ERR_STRIDE, OFFD(dram_stride[1]) },
	{ "dma past GLB end", base_dma, m_dma_glb_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFD(glb_addr) },
	{ "dma store from stream", base_dma, m_dma_store_stream, EYRIE_JOB_ERR_GLB_BOUNDS, OFFD(glb_addr) },
	{ "dma past stream end", base_dma, m_dma_stream_oob, EYRIE_JOB_ERR_GLB_BOUNDS, OFFD(glb_addr) },
	{ "pool valid", base_pool, m_none, EYRIE_JOB_OK, ~0u },
	{ "pool avg valid", base_pool, m_pool_avg_ok, EYRIE_JOB_OK, ~0u },
	{ "pool pad_b ignored", base_pool, m_pool_pad_b, EYRIE_JOB_OK, ~0u },
	{ "max pool with rescale valid", base_pool, m_pool_max_q, EYRIE_JOB_OK, ~0u },
	{ "max pool bad rescale", base_pool, m_pool_max_badq, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "pool window of padding only", base_pool, m_pool_pad_full, EYRIE_JOB_ERR_SHAPE, offsetof(struct eyrie_cmd_pool, out_h) },
	{ "pool count_pad without avg", base_pool, m_pool_count_pad_max, EYRIE_JOB_ERR_RESERVED, 2 },
	{ "pool reserved", base_pool, m_pool_res, EYRIE_JOB_ERR_RESERVED, ~0u },
	{ "pool out_h too big", base_pool, m_pool_out_big, EYRIE_JOB_ERR_SHAPE, offsetof(struct eyrie_cmd_pool, out_h) },
	{ "avg pool bad mult", base_pool, m_pool_avg_badq, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "pool stride 0", base_pool, m_pool_stride0, EYRIE_JOB_ERR_STRIDE, ~0u },
	{ "pool output past GLB", base_pool, m_pool_out_oob, EYRIE_JOB_ERR_GLB_BOUNDS, ~0u },
	{ "eltwise valid", base_eltwise, m_none, EYRIE_JOB_OK, ~0u },
	{ "eltwise count 0", base_eltwise, m_elt_count0, EYRIE_JOB_ERR_COUNT, ~0u },
	{ "eltwise flags", base_eltwise, m_elt_flags, EYRIE_JOB_ERR_RESERVED, 2 },
	{ "eltwise a_mult", base_eltwise, m_elt_amult, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "eltwise b_shift", base_eltwise, m_elt_bshift, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "eltwise zp_a", base_eltwise, m_elt_zpa, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "eltwise quant table", base_eltwise, m_elt_qaddr, EYRIE_JOB_ERR_QUANT, ~0u },
	{ "eltwise past GLB", base_eltwise, m_elt_oob, EYRIE_JOB_ERR_GLB_BOUNDS, ~0u },
	{ "eltwise out in stream", base_eltwise, m_elt_out_stream, EYRIE_JOB_ERR_GLB_BOUNDS, ~0u },
	{ "timestamp valid", base_ts, m_none, EYRIE_JOB_OK, ~0u },
	{ "snapshot valid", base_ts, m_snap_ok, EYRIE_JOB_OK, ~0u },
	{ "timestamp misaligned", base_ts, m_ts_align, EYRIE_JOB_ERR_ALIGN, ~0u },
	{ "timestamp reserved", base_ts, m_ts_res, EYRIE_JOB_ERR_RESERVED, ~0u },
	{ "nop with payload", base_ts, m_nop_res, EYRIE_JOB_ERR_RESERVED, ~0u },
	{ "barrier flags", base_ts, m_barrier_flags, EYRIE_JOB_ERR_RESERVED, ~0u },
	{ "stall reserved", base_ts, m_stall_res, EYRIE_JOB_ERR_RESERVED, ~0u },
	{ "stall valid with cap", base_ts, m_stall_ok, EYRIE_JOB_OK, ~0u },
	{ "conv through the table valid", base_conv, m_conv_lut, EYRIE_JOB_OK, ~0u },
	{ "conv table w/o requant", base_conv, m_conv_lut_norq, EYRIE_JOB_ERR_QUANT, 2 },
	{ "max pool through the table valid", base_pool, m_pool_lut, EYRIE_JOB_OK, ~0u },
	{ "avg pool through the table valid", base_pool, m_pool_avg_lut, EYRIE_JOB_OK, ~0u },
	{ "eltwise through the table valid", base_eltwise, m_elt_lut, EYRIE_JOB_OK, ~0u },
	{ "lut load valid", base_lut, m_none, EYRIE_JOB_OK, ~0u },
	{ "lut load at the top of the VA space", base_lut, m_lut_last_entry, EYRIE_JOB_OK, ~0u },
	{ "lut load misaligned", base_lut, m_lut_align, EYRIE_JOB_ERR_ALIGN, offsetof(struct eyrie_cmd_lut_load, dram_addr) },
	{ "lut load past the VA space", base_lut, m_lut_va_end, EYRIE_JOB_ERR_COUNT, offsetof(struct eyrie_cmd_lut_load, dram_addr) },
	{ "lut load far past the VA space", base_lut, m_lut_va_past, EYRIE_JOB_ERR_COUNT, offsetof(struct eyrie_cmd_lut_load, dram_addr) },
	{ "lut load flags", base_lut, m_lut_flags, EYRIE_JOB_ERR_RESERVED, 2 },
	{ "lut load dataflow", base_lut, m_lut_dataflow, EYRIE_JOB_ERR_RESERVED, 1 },
	{ "lut load reserved", base_lut, m_lut_res, EYRIE_JOB_ERR_RESERVED, offsetof(struct eyrie_cmd_lut_load, reserved) },
	{ "event signal valid", base_ts, m_sig_ok, EYRIE_JOB_OK, ~0u },
	{ "event wait valid", base_ts, m_wait_ok, EYRIE_JOB_OK, ~0u },
	{ "event number past the events", base_ts, m_sig_event, EYRIE_JOB_ERR_COUNT, OFFEV(event) },
	{ "event engine unknown", base_ts, m_wait_engine, EYRIE_JOB_ERR_COUNT, OFFEV(engine) },
	{ "event reserved", base_ts, m_wait_res, EYRIE_JOB_ERR_RESERVED, OFFEV(reserved) },
	{ "event flags", base_ts, m_sig_flags, EYRIE_JOB_ERR_RESERVED, 2 },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		union eyrie_cmd u;
		__u32 detail = 12345, rc;

		CASES[i].base(&u);
		CASES[i].mutate(&u);
		rc = fw_validate_cmd(&u, &LIM, &detail);
		if (rc != CASES[i].expect ||
		    (CASES[i].field != ~0u && detail != CASES[i].field)) {
			print_error("case '%s': got status %u detail %u, want %u detail %d\n",
				    CASES[i].name, rc, detail, CASES[i].expect,
				    (int)CASES[i].field);
			fail();
		}
	}
}

static void test_stall_without_cap(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	lim.caps &= ~EYRIE_CAP_DEBUG_STALL;
	memset(&u, 0, sizeof(u));
	u.hdr.opcode = EYRIE_OP_STALL;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_STALL_DENIED);
}

/* A device without CAP_EVENTS does not know the event opcodes. */
static void test_events_without_cap(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	lim.caps &= ~EYRIE_CAP_EVENTS;
	m_sig_ok(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_OPCODE);
	m_wait_ok(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_OPCODE);
	assert_int_equal(detail, 0);
}

/* Without CAP_FLEX_NOC sets_g is a reserved field: the old command set. */
static void test_flex_noc_without_cap(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	lim.caps &= ~EYRIE_CAP_FLEX_NOC;
	base_conv(&u);
	m_conv_sg_ok(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, OFFC(map.sets_g));
	u.conv.map.sets_g = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	u.conv.map.sets_g = 0;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
}

static void test_stream_without_cap(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	lim.caps &= ~EYRIE_CAP_STREAM;
	base_dma(&u);
	u.dma.glb_addr = EYRIE_ADDR_STREAM;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_GLB_BOUNDS);
}

/*
 * Without the activation-table capability the command is unknown and the
 * flag is an unknown flag: the old command set, unchanged.
 */
static void test_lut_without_cap(void **state)
{
	static void (*const bases[])(union eyrie_cmd *) = { base_conv, base_pool, base_eltwise };
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	lim.caps &= ~EYRIE_CAP_ACT_LUT;
	base_lut(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_OPCODE);
	assert_int_equal(detail, 0);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		bases[i](&u);
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
		u.hdr.flags |= EYRIE_PASS_F_LUT;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
		assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	}
}

/*
 * Zero gating (EYRIE_CAP_ZERO_GATE): the flag is valid on CONV and FC
 * passes (with or without REQUANT), an unknown flag on POOL and ELTWISE,
 * and on every pass of a device without the cap.
 */
static void test_zero_gate_flag(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	base_conv(&u);
	u.hdr.flags |= EYRIE_PASS_F_ZERO_GATE;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.conv.hdr.flags = EYRIE_PASS_F_ZERO_GATE | EYRIE_PASS_F_BIAS;
	u.conv.psum_addr = 16384;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.hdr.opcode = EYRIE_OP_FC;
	u.conv.in_h = u.conv.in_w = u.conv.out_h = u.conv.out_w = 1;
	u.conv.r = u.conv.s = 1;
	u.conv.pad_t = u.conv.pad_l = 0;
	u.conv.map.spatial_r = u.conv.map.spatial_e = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	base_pool(&u);
	u.hdr.flags |= EYRIE_PASS_F_ZERO_GATE;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	base_eltwise(&u);
	u.hdr.flags |= EYRIE_PASS_F_ZERO_GATE;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	/* without the cap: an unknown flag, the old command set */
	lim.caps &= ~EYRIE_CAP_ZERO_GATE;
	base_conv(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.hdr.flags |= EYRIE_PASS_F_ZERO_GATE;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
}

/*
 * Binary32 requantization (EYRIE_CAP_FP32_REQUANT, docs/hardware.md 7.11):
 * q.mult a positive normal binary32 scale and q.shift 0 on CONV / FC with
 * REQUANT and on average POOLs; every other scale bit pattern ERR_QUANT at
 * q.mult; the flag without REQUANT ERR_QUANT; unknown on MAX pools,
 * ELTWISE and every pass of a device without the cap.
 */
static void test_fp32_rq(void **state)
{
	static const struct { __u32 bits; __u32 expect; } scales[] = {
		{ 0x3f800000u, EYRIE_JOB_OK },		/* 1.0 */
		{ 0x38d1b717u, EYRIE_JOB_OK },		/* 1e-4 */
		{ 0x00800000u, EYRIE_JOB_OK },		/* smallest normal */
		{ 0x7f7fffffu, EYRIE_JOB_OK },		/* largest finite */
		{ 0x00000000u, EYRIE_JOB_ERR_QUANT },	/* +0 */
		{ 0x80000000u, EYRIE_JOB_ERR_QUANT },	/* -0 */
		{ 0x007fffffu, EYRIE_JOB_ERR_QUANT },	/* subnormal */
		{ 0x00000001u, EYRIE_JOB_ERR_QUANT },	/* subnormal */
		{ 0xbf800000u, EYRIE_JOB_ERR_QUANT },	/* -1.0 */
		{ 0x7f800000u, EYRIE_JOB_ERR_QUANT },	/* +Inf */
		{ 0xff800000u, EYRIE_JOB_ERR_QUANT },	/* -Inf */
		{ 0x7fc00000u, EYRIE_JOB_ERR_QUANT },	/* NaN */
		{ 0x7f800001u, EYRIE_JOB_ERR_QUANT },	/* signalling NaN */
	};
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		base_conv(&u);
		u.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
		u.conv.q.mult = (__s32)scales[i].bits;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), scales[i].expect);
		if (scales[i].expect)
			assert_int_equal(detail, offsetof(struct eyrie_cmd_conv, q) +
					 offsetof(struct eyrie_quant, mult));
		base_pool(&u);
		u.hdr.flags = EYRIE_PASS_F_POOL_AVG | EYRIE_PASS_F_FP32_RQ;
		u.pool.q.mult = (__s32)scales[i].bits;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), scales[i].expect);
		if (scales[i].expect)
			assert_int_equal(detail, offsetof(struct eyrie_cmd_pool, q) +
					 offsetof(struct eyrie_quant, mult));
	}
	/* shift is not part of the rule: it must be 0 */
	base_conv(&u);
	u.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
	u.conv.q.mult = 0x3f800000;
	u.conv.q.shift = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	/* a fixed-point multiplier is not a scale the rule accepts ... */
	u.conv.q.shift = 0;
	u.conv.q.mult = -(1 << 30);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	/* ... and a binary32 one is not a fixed-point multiplier */
	u.hdr.flags &= (__u16)~EYRIE_PASS_F_FP32_RQ;
	u.conv.q.mult = 0x3c000000;		/* 2^-7, < 2^30 as an integer */
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	/* per channel: the table's entries are checked when the pass runs */
	base_conv(&u);
	u.hdr.flags |= EYRIE_PASS_F_FP32_RQ | EYRIE_PASS_F_PER_CHANNEL;
	u.conv.q.mult = 0;
	u.conv.q.quant_addr = 16384;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	/* FC, and with the activation table */
	u.hdr.opcode = EYRIE_OP_FC;
	u.hdr.flags |= EYRIE_PASS_F_LUT;
	u.conv.in_h = u.conv.in_w = u.conv.out_h = u.conv.out_w = 1;
	u.conv.r = u.conv.s = 1;
	u.conv.pad_t = u.conv.pad_l = 0;
	u.conv.map.spatial_r = u.conv.map.spatial_e = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	/* without REQUANT there is nothing to requantize */
	base_conv(&u);
	u.conv.hdr.flags = EYRIE_PASS_F_FP32_RQ | EYRIE_PASS_F_BIAS;
	u.conv.psum_addr = 16384;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	/* MAX pools do not rescale that way */
	base_pool(&u);
	u.hdr.flags = EYRIE_PASS_F_FP32_RQ;
	u.pool.q.mult = 0x3f800000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	/* ELTWISE with the integer rule's words: not the binary32 rule's */
	base_eltwise(&u);
	u.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	/* without the cap: an unknown flag, the old command set */
	lim.caps &= ~EYRIE_CAP_FP32_REQUANT;
	base_conv(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.hdr.flags |= EYRIE_PASS_F_FP32_RQ;
	u.conv.q.mult = 0x3f800000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	base_pool(&u);
	u.hdr.flags = EYRIE_PASS_F_POOL_AVG | EYRIE_PASS_F_FP32_RQ;
	u.pool.q.mult = 0x3f800000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
}

/* A valid ELTWISE with the binary32 rule (ONNX Runtime's QLinearAdd). */
static void base_eltwise_fp32(union eyrie_cmd *u)
{
	struct eyrie_cmd_eltwise *e = &u->eltwise;

	base_eltwise(u);
	e->hdr.flags = EYRIE_PASS_F_FP32_RQ;
	e->a_mult = e->b_mult = e->q.mult = 0;
	e->ratio_a = 0x3f000000;	/* 0.5 */
	e->ratio_b = 0x3e800000;	/* 0.25 */
	e->term = 0xc2f00000;		/* -120 */
}

/*
 * ELTWISE with EYRIE_PASS_F_FP32_RQ (docs/hardware.md 7.11): ratio_a and
 * ratio_b positive normal (ERR_QUANT at the word), term finite (any sign,
 * zero and subnormal included), value_offset 0 or 128, the integer rule's
 * words 0; under the integer rule the four words are reserved; without
 * the cap the flag and the words are unknown, the old command set.
 */
static void test_fp32_rq_eltwise(void **state)
{
	static const struct { __u32 bits; __u32 ratio; __u32 term; } words[] = {
		{ 0x3f800000u, EYRIE_JOB_OK, EYRIE_JOB_OK },		/* 1.0 */
		{ 0x00800000u, EYRIE_JOB_OK, EYRIE_JOB_OK },		/* smallest normal */
		{ 0x7f7fffffu, EYRIE_JOB_OK, EYRIE_JOB_OK },		/* largest finite */
		{ 0x00000000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_OK },	/* +0 */
		{ 0x80000000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_OK },	/* -0 */
		{ 0x007fffffu, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_OK },	/* subnormal */
		{ 0xbf800000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_OK },	/* -1.0 */
		{ 0x7f800000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_ERR_QUANT }, /* +Inf */
		{ 0xff800000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_ERR_QUANT }, /* -Inf */
		{ 0x7fc00000u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_ERR_QUANT }, /* NaN */
		{ 0xffc00001u, EYRIE_JOB_ERR_QUANT, EYRIE_JOB_ERR_QUANT }, /* NaN */
	};
	static const struct { size_t off; __s32 v; __u32 expect; __u32 at; } ints[] = {
		{ offsetof(struct eyrie_cmd_eltwise, zp_a), 1, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, zp_a) },
		{ offsetof(struct eyrie_cmd_eltwise, a_mult), 1 << 30, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, a_mult) },
		{ offsetof(struct eyrie_cmd_eltwise, a_shift), 1, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, a_mult) },
		{ offsetof(struct eyrie_cmd_eltwise, b_mult), 1 << 30, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, b_mult) },
		{ offsetof(struct eyrie_cmd_eltwise, b_shift), 1, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, b_mult) },
		{ offsetof(struct eyrie_cmd_eltwise, q) + offsetof(struct eyrie_quant, mult),
		  1 << 30, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, q) + offsetof(struct eyrie_quant, mult) },
		{ offsetof(struct eyrie_cmd_eltwise, q) + offsetof(struct eyrie_quant, shift),
		  1, EYRIE_JOB_ERR_QUANT,
		  offsetof(struct eyrie_cmd_eltwise, q) + offsetof(struct eyrie_quant, mult) },
		{ offsetof(struct eyrie_cmd_eltwise, reserved), 1, EYRIE_JOB_ERR_RESERVED,
		  offsetof(struct eyrie_cmd_eltwise, reserved0) },
	};
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;
	size_t i;

	(void)state;
	base_eltwise_fp32(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	/* with the activation table and a ReLU clamp */
	u.hdr.flags |= EYRIE_PASS_F_LUT;
	u.eltwise.q.clamp_min = -20;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		base_eltwise_fp32(&u);
		u.eltwise.ratio_a = words[i].bits;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), words[i].ratio);
		if (words[i].ratio)
			assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, ratio_a));
		base_eltwise_fp32(&u);
		u.eltwise.ratio_b = words[i].bits;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), words[i].ratio);
		if (words[i].ratio)
			assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, ratio_b));
		base_eltwise_fp32(&u);
		u.eltwise.term = words[i].bits;
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), words[i].term);
		if (words[i].term)
			assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, term));
	}
	/* the offset: int8 (0) or uint8 (128) tensors only */
	base_eltwise_fp32(&u);
	u.eltwise.value_offset = 128;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.eltwise.value_offset = -128;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, value_offset));
	u.eltwise.value_offset = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	/* the integer rule's words must be 0: the term carries the zero points */
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		base_eltwise_fp32(&u);
		memcpy((char *)&u + ints[i].off, &ints[i].v, sizeof(ints[i].v));
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), ints[i].expect);
		assert_int_equal(detail, ints[i].at);
	}
	base_eltwise_fp32(&u);
	u.eltwise.zp_b = -1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	base_eltwise_fp32(&u);
	u.eltwise.q.zp_out = 5;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, q) +
			 offsetof(struct eyrie_quant, zp_out));
	/* clamps, tables and regions as under the integer rule */
	base_eltwise_fp32(&u);
	u.eltwise.q.clamp_min = 10;
	u.eltwise.q.clamp_max = 5;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	base_eltwise_fp32(&u);
	u.eltwise.q.quant_addr = 4;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_QUANT);
	base_eltwise_fp32(&u);
	u.eltwise.count = 110000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_GLB_BOUNDS);
	/* unknown flags still rejected */
	base_eltwise_fp32(&u);
	u.hdr.flags |= EYRIE_PASS_F_REQUANT;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	/* the integer rule: the four words are reserved */
	base_eltwise(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.eltwise.ratio_a = 0x3f800000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, ratio_a));
	base_eltwise(&u);
	u.eltwise.value_offset = 128;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	base_eltwise(&u);
	u.eltwise.reserved0 = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, reserved0));
	/* without the cap: the flag and the words unknown, the old command set */
	lim.caps &= ~EYRIE_CAP_FP32_REQUANT;
	base_eltwise(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	base_eltwise_fp32(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
	base_eltwise(&u);
	u.eltwise.term = 0x3f800000;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_eltwise, ratio_a));
}

/*
 * A valid ring load (docs/hardware.md 7.12): 3 new rows of 40 bytes into
 * 8-row rings of 4 planes (stride 320) at GLB 1024, from slot 6 (wraps).
 */
static void base_ring_dma(union eyrie_cmd *u)
{
	base_dma(u);
	u->hdr.flags = EYRIE_DMA_F_RING;
	u->dma.elem_bytes = 1;
	u->dma.glb_addr = 1024;
	u->dma.count[0] = 40; u->dma.count[1] = 3; u->dma.count[2] = 4;
	u->dma.dram_stride[0] = 1; u->dma.dram_stride[1] = 40; u->dma.dram_stride[2] = 4000;
	u->dma.glb_stride[0] = 1; u->dma.glb_stride[1] = 40; u->dma.glb_stride[2] = 320;
	u->dma.ring_rows = 8;
	u->dma.ring_row0 = 6;
}

/* A valid ring pass: base_conv's 8 x 8 input rows in 10-row rings from slot 7. */
static void base_ring_conv(union eyrie_cmd *u)
{
	base_conv(u);
	u->hdr.flags |= EYRIE_PASS_F_IN_RING;
	u->conv.in_ring_rows = 10;
	u->conv.in_row0 = 7;
}

/*
 * Row-circular inputs (EYRIE_CAP_IN_RING, docs/hardware.md 7.12): every
 * new field is checked (ring large enough, start inside it, the ring
 * inside the GLB, GLB only, loads only, not coded), the fields are
 * reserved without the flag, and without the cap the flags are unknown.
 */
static void test_in_ring(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail = 0;

	(void)state;
#define RING_DMA(body, code, field) do {					\
		base_ring_dma(&u);						\
		body;								\
		detail = ~0u;							\
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), (code));	\
		if ((field) != ~0u)						\
			assert_int_equal(detail, (field));			\
	} while (0)
#define RING_CONV(body, code, field) do {					\
		base_ring_conv(&u);						\
		body;								\
		detail = ~0u;							\
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), (code));	\
		if ((field) != ~0u)						\
			assert_int_equal(detail, (field));			\
	} while (0)
	/* loads: the box may not wrap onto itself */
	RING_DMA(u.dma.ring_rows = 2, EYRIE_JOB_ERR_SHAPE, OFFD(ring_rows));
	RING_DMA(u.dma.ring_rows = 0, EYRIE_JOB_ERR_SHAPE, OFFD(ring_rows));
	RING_DMA(u.dma.ring_row0 = 8, EYRIE_JOB_ERR_SHAPE, OFFD(ring_row0));
	RING_DMA({ u.dma.ring_rows = 3; u.dma.ring_row0 = 2; }, EYRIE_JOB_OK, ~0u);
	/* the whole ring (4 planes of 320 bytes) inside the GLB, not just the rows loaded */
	RING_DMA(u.dma.glb_addr = 108 * 1024 - 4 * 320, EYRIE_JOB_OK, ~0u);
	RING_DMA(u.dma.glb_addr = 108 * 1024 - 4 * 320 + 1, EYRIE_JOB_ERR_GLB_BOUNDS,
		 OFFD(ring_rows));
	RING_DMA(u.dma.ring_rows = 200000, EYRIE_JOB_ERR_GLB_BOUNDS, OFFD(ring_rows));
	/* GLB only, loads only, not coded */
	RING_DMA(u.dma.glb_addr = EYRIE_ADDR_STREAM, EYRIE_JOB_ERR_GLB_BOUNDS, OFFD(glb_addr));
	RING_DMA(u.hdr.opcode = EYRIE_OP_DMA_STORE, EYRIE_JOB_ERR_RESERVED,
		 offsetof(struct eyrie_cmd_header, flags));
	RING_DMA({ u.hdr.flags |= EYRIE_DMA_F_RLE; u.dma.dram_addr = 0x100000; },
		 EYRIE_JOB_ERR_RESERVED, offsetof(struct eyrie_cmd_header, flags));
	/* without the flag the ring words are reserved */
	RING_DMA(u.hdr.flags = 0, EYRIE_JOB_ERR_RESERVED, OFFD(ring_rows));
	RING_DMA({ u.hdr.flags = 0; u.dma.ring_rows = 0; }, EYRIE_JOB_ERR_RESERVED,
		 OFFD(ring_row0));
	RING_DMA({ u.hdr.flags = 0; u.dma.ring_rows = 0; u.dma.ring_row0 = 0; }, EYRIE_JOB_OK,
		 ~0u);
	/* passes: the ring holds the rows the pass reads, from a slot in it */
	RING_CONV(u.conv.in_ring_rows = 7, EYRIE_JOB_ERR_SHAPE, OFFC(in_ring_rows));
	RING_CONV({ u.conv.in_ring_rows = 8; u.conv.in_row0 = 7; }, EYRIE_JOB_OK, ~0u);
	RING_CONV(u.conv.in_row0 = 10, EYRIE_JOB_ERR_SHAPE, OFFC(in_row0));
	/* 4 planes of 10 rows of 8: 320 bytes; the weights at 4096 stay clear */
	RING_CONV(u.conv.in_addr = 108 * 1024 - 320, EYRIE_JOB_OK, ~0u);
	RING_CONV(u.conv.in_addr = 108 * 1024 - 319, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(in_addr));
	RING_CONV(u.conv.in_ring_rows = 0xffff, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(in_addr));
	RING_CONV(u.conv.in_addr = EYRIE_ADDR_STREAM, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(in_addr));
	/* FC has no rows */
	RING_CONV({ u.conv.hdr.opcode = EYRIE_OP_FC; u.conv.in_h = u.conv.in_w = 1;
		    u.conv.out_h = u.conv.out_w = 1; u.conv.r = u.conv.s = 1;
		    u.conv.pad_t = u.conv.pad_l = 0; u.conv.map.spatial_r = 1;
		    u.conv.map.spatial_e = 1; }, EYRIE_JOB_ERR_RESERVED,
		  offsetof(struct eyrie_cmd_header, flags));
	/* without the flag the ring halfwords are reserved */
	RING_CONV(u.hdr.flags &= ~EYRIE_PASS_F_IN_RING, EYRIE_JOB_ERR_RESERVED, OFFC(in_ring_rows));
	RING_CONV({ u.hdr.flags &= ~EYRIE_PASS_F_IN_RING; u.conv.in_ring_rows = 0; },
		  EYRIE_JOB_ERR_RESERVED, OFFC(in_row0));
	/* without the cap: unknown flags, the old command set */
	lim.caps &= ~EYRIE_CAP_IN_RING;
	RING_DMA((void)0, EYRIE_JOB_ERR_RESERVED, offsetof(struct eyrie_cmd_header, flags));
	RING_CONV((void)0, EYRIE_JOB_ERR_RESERVED, offsetof(struct eyrie_cmd_header, flags));
#undef RING_DMA
#undef RING_CONV
}

/* A valid ring output: base_conv's 4 planes of 8 x 8 outputs in 10-row rings from slot 7. */
static void base_out_ring_conv(union eyrie_cmd *u)
{
	base_conv(u);
	u->hdr.flags |= EYRIE_PASS_F_OUT_RING;
	u->conv.out_ring_rows = 10;
	u->conv.out_row0 = 7;
}

/*
 * Row-circular outputs (EYRIE_CAP_OUT_RING, docs/hardware.md 7.13), the
 * mirror of test_in_ring: every new field is checked (ring large enough,
 * start inside it, the ring inside the GLB with 64-bit sizes, GLB only),
 * the flag needs REQUANT (the int32 psums stay dense, also with
 * ACCUMULATE) and is CONV only, the fields are reserved without the flag,
 * and without the cap the flag is unknown.
 */
static void test_out_ring(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail = 0;

	(void)state;
#define OUT_RING(body, code, field) do {					\
		base_out_ring_conv(&u);						\
		body;								\
		detail = ~0u;							\
		assert_int_equal(fw_validate_cmd(&u, &lim, &detail), (code));	\
		if ((field) != ~0u)						\
			assert_int_equal(detail, (field));			\
	} while (0)
	OUT_RING((void)0, EYRIE_JOB_OK, ~0u);
	/* the ring holds the rows the pass writes, from a slot in it */
	OUT_RING(u.conv.out_ring_rows = 7, EYRIE_JOB_ERR_SHAPE, OFFC(out_ring_rows));
	OUT_RING({ u.conv.out_ring_rows = 0; u.conv.out_row0 = 0; }, EYRIE_JOB_ERR_SHAPE,
		 OFFC(out_ring_rows));
	OUT_RING({ u.conv.out_ring_rows = 8; u.conv.out_row0 = 7; }, EYRIE_JOB_OK, ~0u);
	OUT_RING({ u.conv.out_ring_rows = 1; u.conv.out_h = 1; u.conv.map.spatial_e = 1; },
		 EYRIE_JOB_ERR_SHAPE, OFFC(out_row0));
	OUT_RING({ u.conv.out_ring_rows = 1; u.conv.out_row0 = 0; u.conv.out_h = 1;
		   u.conv.map.spatial_e = 1; }, EYRIE_JOB_OK, ~0u);
	OUT_RING(u.conv.out_row0 = 10, EYRIE_JOB_ERR_SHAPE, OFFC(out_row0));
	OUT_RING(u.conv.out_row0 = 0xffff, EYRIE_JOB_ERR_SHAPE, OFFC(out_row0));
	/* 4 planes of 10 rows of 8: 320 bytes, all inside the GLB (not just the rows written) */
	OUT_RING(u.conv.out_addr = 108 * 1024 - 320, EYRIE_JOB_OK, ~0u);
	OUT_RING(u.conv.out_addr = 108 * 1024 - 319, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	OUT_RING(u.conv.out_ring_rows = 0xffff, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	OUT_RING(u.conv.out_addr = 0x7fffffffu, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	/* 4 x 32768 x 32768 bytes = 2^32: 0 in 32-bit arithmetic */
	OUT_RING({ u.conv.out_ring_rows = 0x8000; u.conv.out_w = 0x8000; },
		 EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	OUT_RING({ u.conv.out_ring_rows = 0xffff; u.conv.out_w = 0xffff; u.conv.out_row0 = 0xfffe; },
		 EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	/* outputs never in the stream buffer */
	OUT_RING(u.conv.out_addr = EYRIE_ADDR_STREAM, EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(out_addr));
	/* int8 output only: without REQUANT the flag has nothing to address */
	OUT_RING({ u.hdr.flags = EYRIE_PASS_F_OUT_RING | EYRIE_PASS_F_BIAS;
		   u.conv.psum_addr = 16384; }, EYRIE_JOB_ERR_RESERVED,
		 offsetof(struct eyrie_cmd_header, flags));
	/* the last pass of an accumulation: dense psums (4 x 256 x 4 bytes), ring int8 out */
	OUT_RING({ u.hdr.flags |= EYRIE_PASS_F_ACCUMULATE; u.conv.psum_addr = 108 * 1024 - 1024; },
		 EYRIE_JOB_OK, ~0u);
	OUT_RING({ u.hdr.flags |= EYRIE_PASS_F_ACCUMULATE; u.conv.psum_addr = 108 * 1024 - 1020; },
		 EYRIE_JOB_ERR_GLB_BOUNDS, OFFC(psum_addr));
	/* with the other output-stage flags and an input ring */
	OUT_RING(u.hdr.flags |= EYRIE_PASS_F_LUT | EYRIE_PASS_F_ZERO_GATE, EYRIE_JOB_OK, ~0u);
	OUT_RING({ u.hdr.flags |= EYRIE_PASS_F_LUT | EYRIE_PASS_F_PER_CHANNEL;
		   u.conv.q.mult = 0; u.conv.q.quant_addr = 16384; }, EYRIE_JOB_OK, ~0u);
	OUT_RING({ u.hdr.flags |= EYRIE_PASS_F_IN_RING; u.conv.in_ring_rows = 9;
		   u.conv.in_row0 = 8; }, EYRIE_JOB_OK, ~0u);
	/* FC has no rows */
	OUT_RING({ u.conv.hdr.opcode = EYRIE_OP_FC; u.conv.in_h = u.conv.in_w = 1;
		   u.conv.out_h = u.conv.out_w = 1; u.conv.r = u.conv.s = 1;
		   u.conv.pad_t = u.conv.pad_l = 0; u.conv.map.spatial_r = 1;
		   u.conv.map.spatial_e = 1; }, EYRIE_JOB_ERR_RESERVED,
		 offsetof(struct eyrie_cmd_header, flags));
	/* without the flag the ring halfwords are reserved, with or without REQUANT */
	OUT_RING(u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING, EYRIE_JOB_ERR_RESERVED, OFFC(out_ring_rows));
	OUT_RING({ u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING; u.conv.out_ring_rows = 0; },
		 EYRIE_JOB_ERR_RESERVED, OFFC(out_row0));
	OUT_RING({ u.hdr.flags = EYRIE_PASS_F_BIAS; u.conv.psum_addr = 16384; },
		 EYRIE_JOB_ERR_RESERVED, OFFC(out_ring_rows));
	OUT_RING({ u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING; u.conv.out_ring_rows = 0;
		   u.conv.out_row0 = 0; }, EYRIE_JOB_OK, ~0u);
	/* without the cap: an unknown flag, the old command set; the input ring stays */
	lim.caps &= ~EYRIE_CAP_OUT_RING;
	OUT_RING((void)0, EYRIE_JOB_ERR_RESERVED, offsetof(struct eyrie_cmd_header, flags));
	OUT_RING(u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING, EYRIE_JOB_ERR_RESERVED, OFFC(out_ring_rows));
	OUT_RING({ u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING; u.conv.out_ring_rows = 0;
		   u.conv.out_row0 = 0; }, EYRIE_JOB_OK, ~0u);
	OUT_RING({ u.hdr.flags &= ~EYRIE_PASS_F_OUT_RING; u.conv.out_ring_rows = 0;
		   u.conv.out_row0 = 0; u.hdr.flags |= EYRIE_PASS_F_IN_RING;
		   u.conv.in_ring_rows = 9; }, EYRIE_JOB_OK, ~0u);
	/* and the output ring does not depend on the input ring's cap */
	lim.caps = (LIM.caps | EYRIE_CAP_OUT_RING) & ~EYRIE_CAP_IN_RING;
	OUT_RING((void)0, EYRIE_JOB_OK, ~0u);
#undef OUT_RING
}

/* A valid run-length coded load: int8, lines dense, 8-byte aligned. */
static void base_rle(union eyrie_cmd *u)
{
	base_dma(u);
	u->hdr.flags = EYRIE_DMA_F_RLE;
	u->dma.elem_bytes = 1;
	u->dma.dram_stride[0] = 1;
	u->dma.glb_stride[0] = 1;
	u->dma.rle_zero = -128;
	u->dma.rle_skip = 3;
}

/*
 * EYRIE_DMA_F_RLE (docs/hardware.md 7.10): each bad combination fails the
 * job with its code and field; without the cap the flag and the two RLE
 * words are unknown (the old DMA command).
 */
static void test_rle_dma(void **state)
{
	struct fw_limits lim = LIM;
	union eyrie_cmd u;
	__u32 detail;

	(void)state;
	base_rle(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.hdr.opcode = EYRIE_OP_DMA_STORE;
	u.dma.rle_skip = 0;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	/* a window only on loads */
	u.dma.rle_skip = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, rle_skip));
	/* int8 only */
	base_rle(&u);
	u.dma.elem_bytes = 4;
	u.dma.glb_stride[0] = 4;
	u.dma.glb_stride[1] = 64;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, elem_bytes));
	/* the line is dense in the coding */
	base_rle(&u);
	u.dma.dram_stride[0] = 2;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, dram_stride[0]));
	/* the run value is an int8 */
	base_rle(&u);
	u.dma.rle_zero = 128;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, rle_zero));
	u.dma.rle_zero = -129;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	u.dma.rle_zero = 127;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	/* the decoded line is bounded */
	base_rle(&u);
	u.dma.rle_skip = EYRIE_RLE_MAX_LINE - 16;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_OK);
	u.dma.rle_skip++;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RLE);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, rle_skip));
	/* lines start on 64-bit words */
	base_rle(&u);
	u.dma.dram_addr += 4;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_ALIGN);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, dram_addr));
	base_rle(&u);
	u.dma.dram_stride[1] = 260;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_ALIGN);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, dram_stride[1]));
	/* the RLE words are reserved on a plain DMA */
	base_dma(&u);
	u.dma.rle_zero = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, rle_zero));
	base_dma(&u);
	u.dma.rle_skip = 1;
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_dma, rle_skip));
	/* without the cap: an unknown flag */
	lim.caps &= ~EYRIE_CAP_RLE_DMA;
	base_rle(&u);
	assert_int_equal(fw_validate_cmd(&u, &lim, &detail), EYRIE_JOB_ERR_RESERVED);
	assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
}

/*
 * The table is per job: a pass that reads it needs a LUT_LOAD earlier in
 * the same job; passes without the flag, and a LUT_LOAD after the pass,
 * do not help.
 */
static void test_lut_order_in_job(void **state)
{
	static void (*const bases[])(union eyrie_cmd *) = { base_conv, base_pool, base_eltwise };
	union eyrie_cmd pass, plain, load, bad;
	__u32 detail;

	(void)state;
	base_lut(&load);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct fw_job_check job = { 0 };

		bases[i](&pass);
		plain = pass;
		pass.hdr.flags |= EYRIE_PASS_F_LUT;
		assert_int_equal(fw_validate_in_job(&plain, &LIM, &job, &detail), EYRIE_JOB_OK);
		assert_int_equal(fw_validate_in_job(&pass, &LIM, &job, &detail), EYRIE_JOB_ERR_LUT);
		assert_int_equal(detail, offsetof(struct eyrie_cmd_header, flags));
		/* a malformed LUT_LOAD loads nothing */
		bad = load;
		bad.lut_load.dram_addr = 2;
		assert_int_equal(fw_validate_in_job(&bad, &LIM, &job, &detail), EYRIE_JOB_ERR_ALIGN);
		assert_int_equal(fw_validate_in_job(&pass, &LIM, &job, &detail), EYRIE_JOB_ERR_LUT);
		assert_int_equal(fw_validate_in_job(&load, &LIM, &job, &detail), EYRIE_JOB_OK);
		assert_int_equal(fw_validate_in_job(&pass, &LIM, &job, &detail), EYRIE_JOB_OK);
		assert_int_equal(fw_validate_in_job(&pass, &LIM, &job, &detail), EYRIE_JOB_OK);
		/* the next job starts without a table */
		memset(&job, 0, sizeof(job));
		assert_int_equal(fw_validate_in_job(&pass, &LIM, &job, &detail), EYRIE_JOB_ERR_LUT);
	}
}

/* Every single-byte corruption of a valid conv (dense, or with an output
 * ring) either passes or fails with a known code, never anything else (and
 * never crashes). */
static void test_byte_flips(void **state)
{
	static void (*const bases[])(union eyrie_cmd *) = { base_conv, base_out_ring_conv };

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (int pos = 0; pos < EYRIE_CMD_SIZE; pos++) {
			for (int bit = 0; bit < 8; bit++) {
				union eyrie_cmd u;
				__u32 detail, rc;

				bases[b](&u);
				u.raw[pos] ^= (__u8)(1u << bit);
				rc = fw_validate_cmd(&u, &LIM, &detail);
				assert_true(rc < EYRIE_JOB_STATUS_COUNT);
				assert_true(rc != EYRIE_JOB_ERR_TIMEOUT &&
					    rc != EYRIE_JOB_ERR_ABORTED);
				assert_true(detail < EYRIE_CMD_SIZE);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_events_without_cap),
		cmocka_unit_test(test_stall_without_cap),
		cmocka_unit_test(test_stream_without_cap),
		cmocka_unit_test(test_flex_noc_without_cap),
		cmocka_unit_test(test_lut_without_cap),
		cmocka_unit_test(test_zero_gate_flag),
		cmocka_unit_test(test_fp32_rq),
		cmocka_unit_test(test_fp32_rq_eltwise),
		cmocka_unit_test(test_rle_dma),
		cmocka_unit_test(test_in_ring),
		cmocka_unit_test(test_out_ring),
		cmocka_unit_test(test_lut_order_in_job),
		cmocka_unit_test(test_byte_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
