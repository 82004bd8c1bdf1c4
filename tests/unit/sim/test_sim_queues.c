/* SPDX-License-Identifier: MIT */
/*
 * Queues: completion rings wrap with the phase bit, the high-priority queue
 * is served first, several threads submit at once, and a reset aborts a
 * hung job and the device serves again.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static struct th T;

static int setup(void **state)
{
	struct eyrie_simhost_opts o;
	struct eyrie_sim_config cfg;
	char err[512];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.caps_set = EYRIE_CAP_DEBUG_STALL;
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.fw_path = FW_IMAGE_PATH;
	o.sim_cfg = &cfg;
	o.queue_entries = 4;	/* small: wraps often */
	o.errbuf = err;
	o.errbuf_len = sizeof(err);
	if (eyrie_simhost_open(&o, &T.h)) {
		print_error("%s\n", err);
		return -1;
	}
	return eyrie_simhost_ctx_create(T.h, &T.ctx);
}

static int teardown(void **state)
{
	(void)state;
	th_close(&T);
	return 0;
}

/* Many jobs through 4-entry rings: phases flip, every CQE arrives once. */
static void test_ring_wrap(void **state)
{
	struct cmdlist cl = { 0 };
	uint64_t tags[40], cva[40], tsva;
	uint64_t *ts = th_alloc(&T, 40 * 8, &tsva, 0);
	struct eyrie_hw_cqe cqe;

	(void)state;
	for (int i = 0; i < 40; i++) {
		cl.n = 0;
		cl_add(&cl, EYRIE_OP_TIMESTAMP)->write.dram_addr = tsva + 8 * i;
		tags[i] = th_submit(&T, &cl, (unsigned int)(i % 2), &cva[i]);
	}
	for (int i = 0; i < 40; i++) {
		assert_int_equal(eyrie_simhost_wait(T.h, tags[i], 10000, &cqe), 0);
		assert_int_equal(cqe.status, EYRIE_JOB_OK);
		assert_int_equal(cqe.tag, tags[i]);
		assert_true(cqe.end_ns >= cqe.start_ns);
		assert_true(ts[i] >= cqe.start_ns && ts[i] <= cqe.end_ns);
		eyrie_simhost_bo_free(T.h, T.ctx, cva[i]);
	}
	assert_int_equal(eyrie_simhost_wait(T.h, tags[0], 10, &cqe), -ENOENT);
	cl_free(&cl);
}

/* While a stall occupies the device, a normal and then a high-priority job
 * are queued: the high one runs first. */
static void test_priority(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe stall_c, normal_c, high_c;
	uint64_t t_stall, t_norm, t_high, v1, v2, v3;

	(void)state;
	cl_add(&cl, EYRIE_OP_STALL)->stall.usec = 100000;
	t_stall = th_submit(&T, &cl, EYRIE_SIMHOST_QUEUE_NORMAL, &v1);
	/* Wait until the device has fetched the stall job (sq_head moved). */
	while (__atomic_load_n(&((const struct eyrie_hw_queue_regs *)
				 ((const uint8_t *)eyrie_simhost_ctrl(T.h) +
				  EYRIE_CTRL_OFF_QUEUES))[0].sq_head, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&((const struct eyrie_hw_queue_regs *)
				 ((const uint8_t *)eyrie_simhost_ctrl(T.h) +
				  EYRIE_CTRL_OFF_QUEUES))[0].sq_tail, __ATOMIC_ACQUIRE))
		;
	cl.n = 0;
	cl_add(&cl, EYRIE_OP_NOP);
	t_norm = th_submit(&T, &cl, EYRIE_SIMHOST_QUEUE_NORMAL, &v2);
	t_high = th_submit(&T, &cl, EYRIE_SIMHOST_QUEUE_HIGH, &v3);
	assert_int_equal(eyrie_simhost_wait(T.h, t_stall, 10000, &stall_c), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, t_norm, 10000, &normal_c), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, t_high, 10000, &high_c), 0);
	assert_int_equal(stall_c.status, EYRIE_JOB_OK);
	assert_true(high_c.start_ns <= normal_c.start_ns);
	assert_true(high_c.start_ns >= stall_c.end_ns);
	cl_free(&cl);
}

struct worker {
	int ok;
};

static void *submitter(void *arg)
{
	struct worker *w = arg;
	struct th me = { T.h, 0 };
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t va;
	uint8_t *buf;

	if (eyrie_simhost_ctx_create(T.h, &me.ctx))
		return NULL;
	buf = th_alloc(&me, 4096, &va, 0);
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i + me.ctx);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, va, 4096 * me.ctx, 1, 64);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, va + 1024, 4096 * me.ctx, 1, 64);
	w->ok = 1;
	for (int j = 0; j < 50; j++) {
		if (th_run(&me, &cl, &cqe) || cqe.status != EYRIE_JOB_OK ||
		    memcmp(buf, buf + 1024, 64))
			w->ok = 0;
		memset(buf + 1024, 0, 64);
	}
	cl_free(&cl);
	eyrie_simhost_ctx_destroy(T.h, me.ctx);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[4];
	struct worker w[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i].ok = 0;
		pthread_create(&th[i], NULL, submitter, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(w[i].ok);
	}
}

/* A job that stalls forever is aborted by the reset; the device recovers. */
static void test_reset_aborts(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t tag, queued, v1, v2;

	(void)state;
	cl_add(&cl, EYRIE_OP_STALL)->stall.usec = 0xffffffffu;
	tag = th_submit(&T, &cl, 0, &v1);
	cl.n = 0;
	cl_add(&cl, EYRIE_OP_NOP);
	queued = th_submit(&T, &cl, 0, &v2);
	assert_int_equal(eyrie_simhost_wait(T.h, tag, 100, &cqe), -ETIMEDOUT);
	assert_int_equal(eyrie_simhost_reset(T.h), 0);
	assert_int_equal(eyrie_simhost_wait(T.h, tag, 5000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_ABORTED);
	assert_int_equal(eyrie_simhost_wait(T.h, queued, 5000, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_ERR_ABORTED);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	cl_free(&cl);
}

struct resetter {
	int rounds;
	int rc;
};

static void *reset_loop(void *arg)
{
	struct resetter *r = arg;

	for (int i = 0; i < r->rounds && !r->rc; i++)
		r->rc = eyrie_simhost_reset(T.h);
	return NULL;
}

/* Submits racing with resets: every job completes (OK or ABORTED), none is
 * lost, and the device works afterwards. */
static void test_submit_during_reset(void **state)
{
	struct resetter r = { 5, 0 };
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t tags[60], vas[60];
	pthread_t th;
	int ok = 0, aborted = 0;

	(void)state;
	cl_add(&cl, EYRIE_OP_NOP);
	pthread_create(&th, NULL, reset_loop, &r);
	for (int i = 0; i < 60; i++)
		tags[i] = th_submit(&T, &cl, (unsigned int)(i % 2), &vas[i]);
	pthread_join(th, NULL);
	assert_int_equal(r.rc, 0);
	for (int i = 0; i < 60; i++) {
		assert_int_equal(eyrie_simhost_wait(T.h, tags[i], 10000, &cqe), 0);
		assert_true(cqe.status == EYRIE_JOB_OK || cqe.status == EYRIE_JOB_ERR_ABORTED);
		ok += cqe.status == EYRIE_JOB_OK;
		aborted += cqe.status == EYRIE_JOB_ERR_ABORTED;
		eyrie_simhost_bo_free(T.h, T.ctx, vas[i]);
	}
	assert_int_equal(ok + aborted, 60);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	cl_free(&cl);
}

static void test_quiesce(void **state)
{
	(void)state;
	assert_int_equal(eyrie_sim_quiesce(eyrie_simhost_sim(T.h), 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_reset_aborts),
		cmocka_unit_test(test_submit_during_reset),
		cmocka_unit_test(test_quiesce),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
