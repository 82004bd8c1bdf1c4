// SPDX-License-Identifier: MIT
/*
 * The hardware contract and the uAPI, byte for byte: the offsets docs/ name,
 * command encode/decode round trips through raw little-endian bytes, and the
 * page-table entry helpers. The static assertions in the headers catch size
 * changes; these tests catch fields that move inside a struct of the same
 * size, which would silently break the driver, firmware and sim together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"
#include "uapi_standalone.h"

static uint32_t le32_at(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
	       (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

static uint64_t le64_at(const uint8_t *p, size_t off)
{
	return (uint64_t)le32_at(p, off) | (uint64_t)le32_at(p, off + 4) << 32;
}

static void test_control_page_offsets(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, magic), 0x00);
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, hw_version), 0x04);
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, caps), 0x08);
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, status), 0x10);
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, doorbell_peer), 0x14);
	assert_int_equal(offsetof(struct eyrie_hw_ctrl, desc), EYRIE_CTRL_OFF_DESC);
	assert_int_equal(offsetof(struct eyrie_hw_desc, glb_bytes), 16);
	assert_int_equal(offsetof(struct eyrie_hw_desc, energy_fj), 40);
	assert_int_equal(offsetof(struct eyrie_hw_queue_regs, sq_tail), 28);
	assert_int_equal(offsetof(struct eyrie_hw_queue_regs, cq_head), 36);
	assert_int_equal(offsetof(struct eyrie_hw_mailbox, done_seq), 24);
	assert_int_equal(offsetof(struct eyrie_hw_telemetry, energy_fj), 16);
	assert_int_equal(offsetof(struct eyrie_hw_telemetry, power_mw), 88);
	assert_true(EYRIE_CTRL_OFF_TELEMETRY + sizeof(struct eyrie_hw_telemetry) <=
		    EYRIE_CTRL_OFF_FAULT);
	assert_true(EYRIE_CTRL_OFF_MAILBOX + sizeof(struct eyrie_hw_mailbox) <=
		    EYRIE_CTRL_OFF_TELEMETRY);
	assert_true(EYRIE_CTRL_OFF_FAULT + sizeof(struct eyrie_hw_fault) <=
		    EYRIE_CTRL_OFF_LOG);
	/* "EYRI" as bytes in BAR2. */
	uint32_t magic = EYRIE_CTRL_MAGIC;
	assert_memory_equal(&magic, "EYRI", 4);
	uint32_t fw = EYRIE_FW_MAGIC;
	assert_memory_equal(&fw, "EYFW", 4);
}

static void test_queue_entries(void **state)
{
	(void)state;
	struct eyrie_hw_sqe sqe;
	uint8_t raw[64];

	memset(&sqe, 0, sizeof(sqe));
	sqe.tag = 0x1122334455667788ull;
	sqe.cmdbuf_addr = 0x0000004000001000ull;
	sqe.pt_root = 0x12345000ull;
	sqe.cmd_count = 77;
	sqe.ctx_id = 5;
	memcpy(raw, &sqe, sizeof(raw));
	assert_true(le64_at(raw, 0) == 0x1122334455667788ull);
	assert_true(le64_at(raw, 8) == 0x0000004000001000ull);
	assert_true(le64_at(raw, 16) == 0x12345000ull);
	assert_int_equal(le32_at(raw, 24), 77);
	assert_int_equal(le32_at(raw, 28), 5);

	struct eyrie_hw_cqe cqe;
	memset(&cqe, 0, sizeof(cqe));
	cqe.status = EYRIE_JOB_ERR_GLB_BOUNDS;
	cqe.err_cmd_index = 3;
	cqe.flags = EYRIE_CQE_F_PHASE;
	memcpy(raw, &cqe, sizeof(raw));
	assert_int_equal(le32_at(raw, 40), EYRIE_JOB_ERR_GLB_BOUNDS);
	assert_int_equal(le32_at(raw, 44), 3);
	assert_int_equal(raw[54] & 1, 1);
}

static void test_cmd_conv_roundtrip(void **state)
{
	(void)state;
	union eyrie_cmd cmd, back;
	uint8_t raw[EYRIE_CMD_SIZE];

	memset(&cmd, 0, sizeof(cmd));
	cmd.conv.hdr.opcode = EYRIE_OP_CONV;
	cmd.conv.hdr.dataflow = EYRIE_DATAFLOW_RS;
	cmd.conv.hdr.flags = EYRIE_PASS_F_BIAS | EYRIE_PASS_F_REQUANT;
	cmd.conv.in_addr = 0x100;
	cmd.conv.w_addr = 0x2000 | EYRIE_ADDR_STREAM;
	cmd.conv.n = 1;
	cmd.conv.c = 3;
	cmd.conv.m = 96;
	cmd.conv.groups = 1;
	cmd.conv.r = 11;
	cmd.conv.stride_w = 4;
	cmd.conv.zp_in = -128;
	cmd.conv.q.mult = 1 << 30;
	cmd.conv.q.shift = 7;
	cmd.conv.q.zp_out = -5;
	cmd.conv.q.clamp_min = -5;
	cmd.conv.q.clamp_max = 127;
	cmd.conv.map.spatial_r = 11;
	cmd.conv.map.spatial_e = 14;

	memcpy(raw, &cmd, sizeof(raw));
	assert_int_equal(raw[0], EYRIE_OP_CONV);
	assert_int_equal(raw[1], EYRIE_DATAFLOW_RS);
	assert_int_equal(raw[2], EYRIE_PASS_F_BIAS | EYRIE_PASS_F_REQUANT);
	assert_int_equal(le32_at(raw, 8), 0x100);
	assert_int_equal(le32_at(raw, 12), 0x80002000u);
	assert_int_equal(raw[offsetof(struct eyrie_cmd_conv, r)], 11);
	memcpy(&back, raw, sizeof(back));
	assert_memory_equal(&back, &cmd, sizeof(cmd));
	assert_int_equal(back.conv.zp_in, -128);
	assert_int_equal(back.conv.q.clamp_min, -5);
	assert_int_equal(back.conv.map.spatial_e, 14);
}

/*
 * The conv command's ring words (docs/hardware.md 7.12, 7.13): carved from
 * the reserved words, so every older field keeps its offset and the
 * command its 128 bytes.
 */
static void test_cmd_conv_ring_words(void **state)
{
	(void)state;
	union eyrie_cmd cmd, back;
	uint8_t raw[EYRIE_CMD_SIZE];

	assert_int_equal(offsetof(struct eyrie_cmd_conv, q), 56);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, map), 72);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, in_ring_rows), 88);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, in_row0), 90);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, out_ring_rows), 92);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, out_row0), 94);
	assert_int_equal(offsetof(struct eyrie_cmd_conv, reserved), 96);
	assert_int_equal(sizeof(((struct eyrie_cmd_conv *)0)->reserved), 32);
	/* the flags and capabilities are distinct bits */
	assert_int_equal(EYRIE_PASS_F_OUT_RING, 1u << 9);
	assert_int_equal(EYRIE_CAP_OUT_RING, 1ull << 14);
	assert_int_equal(EYRIE_PASS_F_OUT_RING &
			 (EYRIE_PASS_F_ACCUMULATE | EYRIE_PASS_F_BIAS | EYRIE_PASS_F_REQUANT |
			  EYRIE_PASS_F_PER_CHANNEL | EYRIE_PASS_F_POOL_AVG |
			  EYRIE_PASS_F_COUNT_PAD | EYRIE_PASS_F_LUT | EYRIE_PASS_F_ZERO_GATE |
			  EYRIE_PASS_F_FP32_RQ | EYRIE_PASS_F_IN_RING), 0);

	memset(&cmd, 0, sizeof(cmd));
	cmd.conv.hdr.opcode = EYRIE_OP_CONV;
	cmd.conv.hdr.flags = EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_IN_RING | EYRIE_PASS_F_OUT_RING;
	cmd.conv.in_ring_rows = 0x1234;
	cmd.conv.in_row0 = 0x0102;
	cmd.conv.out_ring_rows = 0xa0b0;
	cmd.conv.out_row0 = 0x0c0d;
	memcpy(raw, &cmd, sizeof(raw));
	assert_int_equal(raw[2], 0x04);
	assert_int_equal(raw[3], 0x06);		/* bits 9 and 10 */
	assert_int_equal(le32_at(raw, 88), 0x01021234u);
	assert_int_equal(le32_at(raw, 92), 0x0c0da0b0u);
	for (size_t i = 96; i < EYRIE_CMD_SIZE; i++)
		assert_int_equal(raw[i], 0);
	memcpy(&back, raw, sizeof(back));
	assert_memory_equal(&back, &cmd, sizeof(cmd));
}

/* The output ring's address rule: plane pitch ring_rows rows, rows wrap. */
static void test_out_ring_offset(void **state)
{
	(void)state;
	/* plane 0, row 0 at slot 2 of 3 */
	assert_true(eyrie_out_ring_offset(100, 0, 0, 3, 2, 5) == 100 + 2 * 5);
	/* row 1 wraps to slot 0 */
	assert_true(eyrie_out_ring_offset(100, 0, 1, 3, 2, 5) == 100);
	/* plane 4, row 2: slot (2 + 2) mod 3 = 1 */
	assert_true(eyrie_out_ring_offset(100, 4, 2, 3, 2, 5) == 100 + (4 * 3 + 1) * 5);
	/* near the largest fields (plane < n m < 2^32): 64-bit, no wrap (python3 value) */
	assert_true(eyrie_out_ring_offset(0x7fffffffu, 0xfffe0000u, 0xffff, 0xffff, 0xfffe,
					  0xffff) == 0xfffc00067ffb0001ull);
	/* the input ring's rule is the same one */
	assert_true(eyrie_out_ring_offset(7, 3, 5, 6, 4, 9) == eyrie_in_ring_offset(7, 3, 5, 6, 4, 9));
}

static void test_cmd_dma_roundtrip(void **state)
{
	(void)state;
	union eyrie_cmd cmd, back;
	uint8_t raw[EYRIE_CMD_SIZE];

	memset(&cmd, 0, sizeof(cmd));
	cmd.dma.hdr.opcode = EYRIE_OP_DMA_LOAD;
	cmd.dma.dram_addr = 0x7fff00001000ull;
	cmd.dma.glb_addr = 64;
	cmd.dma.elem_bytes = 1;
	for (int i = 0; i < EYRIE_DMA_MAX_DIMS; i++) {
		cmd.dma.count[i] = (uint32_t)(i + 2);
		cmd.dma.dram_stride[i] = -(int64_t)(i + 1) * 4096;
		cmd.dma.glb_stride[i] = (uint32_t)(i + 1) * 16;
	}
	memcpy(raw, &cmd, sizeof(raw));
	assert_true(le64_at(raw, 8) == 0x7fff00001000ull);
	assert_int_equal(le32_at(raw, 24), 2);
	/* Negative strides are two's complement on the wire. */
	assert_true((int64_t)le64_at(raw, 40) == -4096);
	memcpy(&back, raw, sizeof(back));
	assert_memory_equal(&back, &cmd, sizeof(cmd));
}

static void test_pte_helpers(void **state)
{
	(void)state;
	uint64_t va = (5ull << 30) | (7ull << 21) | (9ull << 12) | 0x123;

	assert_int_equal(eyrie_pt_index(va, 2), 5);
	assert_int_equal(eyrie_pt_index(va, 1), 7);
	assert_int_equal(eyrie_pt_index(va, 0), 9);
	/* Highest VA: every index 511. */
	assert_int_equal(eyrie_pt_index((1ull << EYRIE_VA_BITS) - 1, 2), 511);

	uint64_t t = eyrie_pte_make_table(0xabcde000ull);
	assert_true(eyrie_pte_is_table(t));
	assert_true(eyrie_pte_addr(t) == 0xabcde000ull);

	uint64_t ro = eyrie_pte_make_leaf(0x1000ull, 0);
	uint64_t rw = eyrie_pte_make_leaf(0x2000ull, 1);
	assert_false(eyrie_pte_is_table(ro));
	assert_true(ro & EYRIE_PTE_R);
	assert_false(ro & EYRIE_PTE_W);
	assert_true(rw & EYRIE_PTE_W);
	/* Low bits of an unaligned address never leak into the flags. */
	assert_true(eyrie_pte_addr(eyrie_pte_make_leaf(0x3fffull, 0)) == 0x3000ull);
	assert_true(eyrie_pte_addr(eyrie_pte_make_table(0x1ull << 52)) == 0);
}

static void test_doorbell_encoding(void **state)
{
	(void)state;
	assert_int_equal(EYRIE_DOORBELL_VALUE(1, EYRIE_VECTOR_QUEUE(1)), 0x00010002);
	assert_int_equal(EYRIE_DOORBELL_VALUE(0x12345, 0x10001), 0x23450001);
	assert_int_equal(EYRIE_NUM_VECTORS, 1 + EYRIE_MAX_QUEUES);
}

static void test_uapi_structs(void **state)
{
	(void)state;
	/* Every ioctl struct is 64-bit aligned in size. */
	assert_int_equal(sizeof(struct drm_eyrie_query) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_device_info) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_telemetry) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_context_info) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_bo_create) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_bo_info) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_submit) % 8, 0);
	assert_int_equal(sizeof(struct drm_eyrie_wait) % 8, 0);
	/* The named device description has the device's layout (libaccel's kmd shim). */
	assert_int_equal(sizeof(struct drm_eyrie_device_desc), sizeof(struct eyrie_hw_desc));
	assert_int_equal(offsetof(struct drm_eyrie_device_desc, energy_fj),
			 offsetof(struct eyrie_hw_desc, energy_fj));
	assert_int_equal(offsetof(struct drm_eyrie_device_desc, reserved),
			 offsetof(struct eyrie_hw_desc, reserved));
	assert_int_equal(offsetof(struct drm_eyrie_device_info, pci_domain), 200);
	/* uAPI 1.1: WAIT grew by error + pad, visible without eyrie_hw.h too. */
	assert_int_equal(sizeof(struct drm_eyrie_wait), 72);
	assert_int_equal(eyrie_uapi_standalone_wait_size(), sizeof(struct drm_eyrie_wait));
	/* 64-bit members sit on 8-byte offsets (same layout on i386 and x86-64). */
	assert_int_equal(offsetof(struct drm_eyrie_submit, bo_handles) % 8, 0);
	assert_int_equal(offsetof(struct drm_eyrie_submit, in_syncobjs) % 8, 0);
	assert_int_equal(offsetof(struct drm_eyrie_submit, seqno) % 8, 0);
	assert_int_equal(offsetof(struct drm_eyrie_wait, cycles) % 8, 0);
	assert_int_equal(offsetof(struct drm_eyrie_device_info, caps) % 8, 0);
	/* ioctl numbers encode the struct size: a size change is a new ioctl. */
	assert_int_equal(_IOC_SIZE(DRM_IOCTL_EYRIE_SUBMIT), sizeof(struct drm_eyrie_submit));
	assert_int_equal(_IOC_NR(DRM_IOCTL_EYRIE_WAIT), DRM_COMMAND_BASE + DRM_EYRIE_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_page_offsets),
		cmocka_unit_test(test_queue_entries),
		cmocka_unit_test(test_cmd_conv_roundtrip),
		cmocka_unit_test(test_cmd_conv_ring_words),
		cmocka_unit_test(test_out_ring_offset),
		cmocka_unit_test(test_cmd_dma_roundtrip),
		cmocka_unit_test(test_pte_helpers),
		cmocka_unit_test(test_doorbell_encoding),
		cmocka_unit_test(test_uapi_structs),
	};
	return cmocka_run_group_tests_name("uapi", tests, NULL, NULL);
}
