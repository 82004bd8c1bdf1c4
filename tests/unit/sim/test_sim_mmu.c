/* SPDX-License-Identifier: MIT */
/*
 * Device MMU: unmapped and read-only faults fail only the job that made
 * them, are recorded (context, address, access, reason, tag) in the control
 * page, and other contexts' jobs run unaffected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static struct th T;

static int setup(void **state)
{
	(void)state;
	return th_open(&T, NULL);
}

static int teardown(void **state)
{
	(void)state;
	th_close(&T);
	return 0;
}

static void expect_fault(const struct eyrie_hw_cqe *cqe, uint32_t status,
			 uint32_t index, uint64_t addr, uint32_t access,
			 uint32_t ctx, uint32_t count_before)
{
	struct eyrie_hw_fault f;

	assert_int_equal(cqe->status, status);
	assert_int_equal(cqe->err_cmd_index, index);
	assert_int_equal(cqe->err_detail, (uint32_t)addr);
	eyrie_simhost_fault(T.h, &f);
	assert_int_equal(f.count, count_before + 1);
	assert_int_equal(f.addr, addr);
	assert_int_equal(f.access, access);
	assert_int_equal(f.reason, status);
	assert_int_equal(f.ctx_id, ctx);
	assert_int_equal(f.job_tag, cqe->tag);
}

static uint32_t fault_count(void)
{
	struct eyrie_hw_fault f;

	eyrie_simhost_fault(T.h, &f);
	return f.count;
}

static void test_unmapped_read(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t va;
	uint32_t before = fault_count();

	(void)state;
	th_alloc(&T, 8192, &va, 0);
	cl_add(&cl, EYRIE_OP_NOP);
	/* Runs off the end of the buffer into the guard page. */
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va + 8192 - 16, 0, 1, 64);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	expect_fault(&cqe, EYRIE_JOB_ERR_MMU_UNMAPPED, 1, va + 8192, EYRIE_ACCESS_READ,
		     T.ctx, before);
	cl_free(&cl);
}

static void test_readonly_write(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t va;
	uint32_t before = fault_count();
	uint8_t *p = th_alloc(&T, 4096, &va, 1);

	(void)state;
	memset(p, 0x77, 4096);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va + 256, 0, 4, 8);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	expect_fault(&cqe, EYRIE_JOB_ERR_MMU_PERM, 0, va + 256, EYRIE_ACCESS_WRITE,
		     T.ctx, before);
	assert_int_equal(p[256], 0x77);	/* nothing written */
	cl_free(&cl);

	/* A timestamp into read-only memory faults the same way. */
	cl_add(&cl, EYRIE_OP_NOP);
	cl_add(&cl, EYRIE_OP_TIMESTAMP)->write.dram_addr = va + 8;
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	expect_fault(&cqe, EYRIE_JOB_ERR_MMU_PERM, 1, va + 8, EYRIE_ACCESS_WRITE,
		     T.ctx, before + 1);
	cl_free(&cl);
}

static void test_unmapped_cmdbuf(void **state)
{
	struct eyrie_hw_cqe cqe;
	uint64_t tag;
	uint32_t before = fault_count();

	(void)state;
	assert_int_equal(eyrie_simhost_submit(T.h, T.ctx, 0, 0x7000000000ull, 3, &tag), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, tag, 10000, &cqe), 0);
	/* An unreadable command buffer is ERR_CMDBUF; the fault is recorded. */
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_CMDBUF);
	assert_int_equal(cqe.err_cmd_index, 0);
	assert_int_equal(cqe.err_detail, 0);	/* low 32 bits of 0x7000000000 */
	{
		struct eyrie_hw_fault f;

		eyrie_simhost_fault(T.h, &f);
		assert_int_equal(f.count, before + 1);
		assert_int_equal(f.addr, 0x7000000000ull);
		assert_int_equal(f.reason, EYRIE_JOB_ERR_MMU_UNMAPPED);
		assert_int_equal(f.job_tag, tag);
	}
}

/* Another context's buffer is not reachable: the VA is only in ctx A. */
static void test_isolation_and_recovery(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	struct th B = { T.h, 0 };
	uint64_t va_a, va_b, tag_bad, tag_good, cmd_va;
	uint8_t *a, *b;
	uint32_t before = fault_count();

	(void)state;
	assert_int_equal(eyrie_simhost_ctx_create(T.h, &B.ctx), 0);
	/* Push A's VAs past everything B maps in this test. */
	th_alloc(&T, 1 << 20, &va_b, 0);
	a = th_alloc(&T, 3 * 4096, &va_a, 0);	/* ctx A: large, so VAs differ */
	b = th_alloc(&B, 4096, &va_b, 0);
	memset(a, 1, 3 * 4096);
	memset(b, 2, 4096);
	/* B touches a VA mapped only in A. */
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va_a + 2 * 4096, 0, 1, 16);
	tag_bad = th_submit(&B, &cl, 0, &cmd_va);
	cl_free(&cl);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va_a, 0, 1, 16);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va_a + 4096, 0, 1, 16);
	tag_good = th_submit(&T, &cl, 0, &cmd_va);
	assert_int_equal(eyrie_simhost_wait(T.h, tag_bad, 10000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_MMU_UNMAPPED);
	assert_int_equal(eyrie_simhost_wait(T.h, tag_good, 10000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	assert_int_equal(a[4096], 1);
	assert_int_equal(fault_count(), before + 1);
	cl_free(&cl);
	assert_int_equal(eyrie_simhost_ctx_destroy(T.h, B.ctx), 0);
}

/* A freed buffer is gone for the device too (TLB flushed per job). */
static void test_freed_buffer_faults(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t va;

	(void)state;
	th_alloc(&T, 4096, &va, 0);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 0, 1, 16);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	assert_int_equal(eyrie_simhost_bo_free(T.h, T.ctx, va), 0);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_MMU_UNMAPPED);
	cl_free(&cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmapped_read),
		cmocka_unit_test(test_readonly_write),
		cmocka_unit_test(test_unmapped_cmdbuf),
		cmocka_unit_test(test_isolation_and_recovery),
		cmocka_unit_test(test_freed_buffer_faults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
