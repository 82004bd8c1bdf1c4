// SPDX-License-Identifier: MIT
/*
 * libaccel core without a device: options-struct size rule, per-thread
 * errors, logging, versions, and the command builder's encoding.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/internal.h"

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(accel_version(), (ACCEL_VERSION_MAJOR << 16) |
			 (ACCEL_VERSION_MINOR << 8) | ACCEL_VERSION_PATCH);
	assert_string_equal(accel_version_string(), "1.0.0");
}

/* A caller's struct from a "newer header": the library's plus 8 bytes. */
struct newer_buffer_opts {
	struct accel_buffer_opts base;
	uint64_t future_field;
};

static void test_opts_size_rule(void **state)
{
	struct newer_buffer_opts newer = { .base = { .sz = sizeof(newer) } };
	struct accel_buffer_opts older_s = { .sz = sizeof(size_t) };
	struct accel_buffer_opts zero_s = { .sz = 0 };
	/* Through pointers, as the library sees them. */
	struct accel_buffer_opts *older = &older_s, *zero = &zero_s;
	(void)state;

	/* A bigger struct with its unknown tail zero is fine. */
	assert_int_equal(eyr_opts_check(&newer, newer.base.sz,
					sizeof(struct accel_buffer_opts), "accel_buffer_opts"), 0);
	/* A non-zero unknown field is refused, with a message naming it. */
	newer.future_field = 1;
	assert_int_equal(eyr_opts_check(&newer, newer.base.sz,
					sizeof(struct accel_buffer_opts), "accel_buffer_opts"),
			 -EINVAL);
	assert_non_null(strstr(accel_last_error(), "accel_buffer_opts"));
	assert_non_null(strstr(accel_last_error(), "byte 16"));
	/* An older, smaller struct is fine; fields past it read as defaults. */
	assert_int_equal(EYR_OPTS_CHECK(older, accel_buffer_opts), 0);
	older->flags = 77;	/* beyond sz: must not be read */
	assert_int_equal(EYR_OPTS_GET(older, flags, 5u), 5u);
	older->sz = sizeof(*older);
	assert_int_equal(EYR_OPTS_GET(older, flags, 5u), 77u);
	/* sz 0 (forgot to set it) is an error; NULL opts are defaults. */
	assert_int_equal(EYR_OPTS_CHECK(zero, accel_buffer_opts), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "sizeof(struct accel_buffer_opts)"));
	assert_int_equal(EYR_OPTS_CHECK((struct accel_buffer_opts *)NULL,
					accel_buffer_opts), 0);
}

static void test_out_struct_copy(void **state)
{
	struct accel_job_result full = { .sz = sizeof(full), .status = 3,
					 .err_cmd_index = 7, .cycles = 99 };
	struct { struct accel_job_result r; uint32_t extra; } big;
	struct accel_job_result small;
	(void)state;

	/* An old caller that knows only sz and status gets only those. */
	memset(&small, 0xee, sizeof(small));
	small.sz = offsetof(struct accel_job_result, err_cmd_index);
	eyr_out_copy(&small, small.sz, &full, sizeof(full));
	assert_int_equal(small.status, 3);
	assert_int_equal(small.err_cmd_index, 0xeeeeeeeeu);
	/* A newer caller gets everything and zeros past what we know. */
	memset(&big, 0xee, sizeof(big));
	big.r.sz = sizeof(big);
	eyr_out_copy(&big, sizeof(big), &full, sizeof(full));
	assert_int_equal(big.r.cycles, 99);
	assert_int_equal(big.extra, 0);
	assert_int_equal(big.r.sz, sizeof(big));
	assert_int_equal(eyr_out_check(&small, 0, "x"), -EINVAL);
	assert_int_equal(eyr_out_check(NULL, 8, "x"), -EINVAL);
}

static void *other_thread_error(void *arg)
{
	(void)arg;
	/* A fresh thread has no message, and sets its own. */
	if (accel_last_error()[0] != '\0')
		return (void *)1;
	eyr_error(-EIO, "thread-b failure");
	return strcmp(accel_last_error(), "thread-b failure") ? (void *)2 : NULL;
}

static void test_errors_per_thread(void **state)
{
	pthread_t th;
	void *ret;
	(void)state;

	assert_int_equal(eyr_error(-ENOENT, "main %d", 42), -ENOENT);
	assert_string_equal(accel_last_error(), "main 42");
	assert_int_equal(pthread_create(&th, NULL, other_thread_error, NULL), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);
	assert_string_equal(accel_last_error(), "main 42");
	/* Wrapping keeps the cause after the context. */
	assert_int_equal(eyr_error_wrap(-EIO, "loading model"), -EIO);
	assert_string_equal(accel_last_error(), "loading model: main 42");
	accel_clear_error();
	assert_string_equal(accel_last_error(), "");
}

struct captured {
	int calls;
	enum accel_log_level level;
	char msg[256];
};

static void capture(enum accel_log_level level, const char *msg, void *ctx)
{
	struct captured *c = ctx;

	c->calls++;
	c->level = level;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static void test_logging(void **state)
{
	struct captured c = { 0 };
	enum accel_log_level old;
	(void)state;

	assert_int_equal(accel_log_level_parse("3"), ACCEL_LOG_INFO);
	assert_int_equal(accel_log_level_parse("trace"), ACCEL_LOG_TRACE);
	assert_int_equal(accel_log_level_parse("DEBUG"), ACCEL_LOG_DEBUG);
	assert_int_equal(accel_log_level_parse("6"), -EINVAL);
	assert_int_equal(accel_log_level_parse("loud"), -EINVAL);
	assert_int_equal(accel_log_level_parse(""), -EINVAL);

	accel_set_log_fn(capture, &c);
	old = accel_set_log_level(ACCEL_LOG_WARN);
	eyr_info("hidden");
	assert_int_equal(c.calls, 0);
	eyr_warn("shown %d", 7);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.level, ACCEL_LOG_WARN);
	assert_string_equal(c.msg, "shown 7");
	accel_set_log_level(ACCEL_LOG_QUIET);
	eyr_log(ACCEL_LOG_ERROR, "quiet drops errors too");
	assert_int_equal(c.calls, 1);
	accel_set_log_level(old);
	accel_set_log_fn(NULL, NULL);
}

/* A conv's ring words are described when set (docs/hardware.md 7.12, 7.13). */
static void test_describe_rings(void **state)
{
	union eyrie_cmd u;
	char line[1024];

	(void)state;
	memset(&u, 0, sizeof(u));
	u.conv.hdr.opcode = EYRIE_OP_CONV;
	u.conv.hdr.flags = EYRIE_PASS_F_REQUANT;
	assert_true(eyr_cmd_describe(&u, line, sizeof(line)) > 0);
	assert_null(strstr(line, "ring"));
	u.conv.hdr.flags |= EYRIE_PASS_F_OUT_RING;
	u.conv.out_ring_rows = 6;
	u.conv.out_row0 = 5;
	eyr_cmd_describe(&u, line, sizeof(line));
	assert_non_null(strstr(line, " out_ring{rows=6 row0=5} q{"));
	assert_null(strstr(line, "in_ring"));
	/* a reserved word set without the flag shows too */
	u.conv.in_row0 = 3;
	eyr_cmd_describe(&u, line, sizeof(line));
	assert_non_null(strstr(line, " in_ring{rows=0 row0=3} out_ring{rows=6 row0=5}"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(accel_job_status_str(ACCEL_JOB_OK), "ok");
	assert_non_null(strstr(accel_job_status_str(ACCEL_JOB_ERR_GLB_BOUNDS), "GLB"));
	assert_string_equal(accel_job_status_str(99), "unknown status 99");
	assert_string_equal(accel_cap_name(ACCEL_CAP_MMU), "mmu");
	assert_null(accel_cap_name(1ull << 40));
	/* every device capability has its name (accelctl info prints them) */
	for (int b = 0; b <= 14; b++)
		assert_non_null(accel_cap_name(1ull << b));
	assert_string_equal(accel_cap_name(ACCEL_CAP_IN_RING), "in_ring");
	assert_string_equal(accel_cap_name(ACCEL_CAP_OUT_RING), "out_ring");
	assert_null(accel_cap_name(1ull << 15));
	assert_string_equal(accel_energy_domain_name(ACCEL_ENERGY_STATIC), "static");
	assert_null(accel_energy_domain_name(ACCEL_ENERGY_DOMAINS));
}

static void test_builder_dma_encoding(void **state)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	const union eyrie_cmd *cmd;
	struct accel_dma d = ACCEL_OPTS_INIT(accel_dma, .offset = 0x123000,
		.glb_addr = 0x40 | ACCEL_GLB_STREAM, .elem_bytes = 4, .dims = 2,
		.count = { 8, 3 }, .dram_stride = { 4, -64 }, .glb_stride = { 4, 32 });
	(void)state;

	assert_non_null(cb);
	assert_int_equal(accel_cmdbuf_nop(cb), 0);
	assert_int_equal(accel_cmdbuf_dma_load(cb, &d), 1);
	assert_int_equal(accel_cmdbuf_dma_store(cb, &d), 2);
	assert_int_equal(accel_cmdbuf_count(cb), 3);
	cmd = accel_cmdbuf_cmd(cb, 1);
	assert_non_null(cmd);
	assert_int_equal(cmd->hdr.opcode, EYRIE_OP_DMA_LOAD);
	assert_int_equal(cmd->hdr.flags, 0);
	assert_int_equal(cmd->dma.dram_addr, 0x123000);
	assert_int_equal(cmd->dma.glb_addr, 0x40 | EYRIE_ADDR_STREAM);
	assert_int_equal(cmd->dma.elem_bytes, 4);
	assert_int_equal(cmd->dma.count[0], 8);
	assert_int_equal(cmd->dma.count[1], 3);
	/* Unused dimensions are count 1, strides 0, as the contract says. */
	assert_int_equal(cmd->dma.count[2], 1);
	assert_int_equal(cmd->dma.count[3], 1);
	assert_int_equal(cmd->dma.dram_stride[1], -64);
	assert_int_equal(cmd->dma.dram_stride[2], 0);
	assert_int_equal(cmd->dma.glb_stride[1], 32);
	for (size_t i = 0; i < sizeof(cmd->dma.reserved) / 4; i++)
		assert_int_equal(cmd->dma.reserved[i], 0);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 2))->hdr.opcode,
			 EYRIE_OP_DMA_STORE);
	assert_null(accel_cmdbuf_cmd(cb, 3));

	/* dims out of range and an older-than-sz struct are refused. */
	d.dims = 5;
	assert_int_equal(accel_cmdbuf_dma_load(cb, &d), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "dims"));
	d.dims = 0;
	assert_int_equal(accel_cmdbuf_dma_load(cb, &d), -EINVAL);
	assert_int_equal(accel_cmdbuf_count(cb), 3);
	accel_cmdbuf_reset(cb);
	assert_int_equal(accel_cmdbuf_count(cb), 0);
	accel_cmdbuf_free(cb);
}

static void test_builder_conv_encoding(void **state)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	const struct eyrie_cmd_conv *c;
	struct accel_conv conv = ACCEL_OPTS_INIT(accel_conv,
		.flags = ACCEL_PASS_BIAS | ACCEL_PASS_REQUANT,
		.dataflow = ACCEL_DATAFLOW_WS, .in_addr = 1, .w_addr = 2,
		.bias_addr = 4, .psum_addr = 8, .out_addr = 16,
		.n = 2, .c = 3, .m = 4, .groups = 1, .in_h = 5, .in_w = 6,
		.out_h = 7, .out_w = 8, .r = 3, .s = 1, .stride_h = 2, .stride_w = 1,
		.dil_h = 1, .dil_w = 2, .pad_t = 1, .pad_l = 0, .zp_in = -3, .zp_w = 5,
		.q = { .mult = 1 << 30, .shift = 2, .quant_addr = 64, .zp_out = -7,
		       .clamp_min = -7, .clamp_max = 100 },
		.map = { .spatial_r = 3, .spatial_e = 7, .sets_m = 2, .rf_m = 4 });
	char line[512];
	(void)state;

	assert_int_equal(accel_cmdbuf_conv(cb, &conv), 0);
	assert_int_equal(accel_cmdbuf_fc(cb, &conv), 1);
	c = &((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 0))->conv;
	assert_int_equal(c->hdr.opcode, EYRIE_OP_CONV);
	assert_int_equal(c->hdr.dataflow, EYRIE_DATAFLOW_WS);
	assert_int_equal(c->hdr.flags, EYRIE_PASS_F_BIAS | EYRIE_PASS_F_REQUANT);
	assert_int_equal(c->out_addr, 16);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->out_w, 8);
	assert_int_equal(c->stride_h, 2);
	assert_int_equal(c->dil_w, 2);
	assert_int_equal(c->zp_in, -3);
	assert_int_equal(c->zp_w, 5);
	assert_int_equal(c->q.mult, 1 << 30);
	assert_int_equal(c->q.zp_out, -7);
	assert_int_equal(c->q.clamp_max, 100);
	assert_int_equal(c->q.quant_addr, 64);
	assert_int_equal(c->map.spatial_e, 7);
	assert_int_equal(c->map.rf_m, 4);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 1))->hdr.opcode,
			 EYRIE_OP_FC);

	/* The dump decodes it. */
	assert_true(accel_cmdbuf_describe(cb, 0, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "CONV df=WS"));
	assert_non_null(strstr(line, "n=2 c=3 m=4"));
	assert_int_equal(accel_cmdbuf_describe(cb, 5, line, sizeof(line)), -EINVAL);

	/* Values that do not fit their device field are named. */
	conv.r = 256;
	assert_int_equal(accel_cmdbuf_conv(cb, &conv), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "conv: r = 256"));
	conv.r = 3;
	conv.q.clamp_max = 128;
	assert_int_equal(accel_cmdbuf_conv(cb, &conv), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "q.clamp_max"));
	assert_int_equal(accel_cmdbuf_count(cb), 2);
	accel_cmdbuf_free(cb);
}

static void test_builder_misc(void **state)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	union eyrie_cmd raw[3];
	struct accel_pool p = ACCEL_OPTS_INIT(accel_pool, .flags = ACCEL_PASS_POOL_AVG,
		.n = 1, .c = 2, .in_h = 4, .in_w = 4, .out_h = 2, .out_w = 2,
		.r = 2, .s = 2, .stride_h = 2, .stride_w = 2, .pad_b = 1, .zp_in = 4,
		.q = { .mult = 1 << 30, .shift = 1 });
	struct accel_eltwise e = ACCEL_OPTS_INIT(accel_eltwise, .a_addr = 0,
		.b_addr = 64, .out_addr = 128, .count = 64, .zp_a = 1, .zp_b = -1,
		.a_mult = 1 << 30, .a_shift = -10, .b_mult = 1 << 30, .b_shift = -10,
		.q = { .mult = 1 << 30, .shift = 20 });
	char line[512];
	FILE *f;
	(void)state;

	memset(raw, 0, sizeof(raw));
	raw[0].hdr.opcode = EYRIE_OP_BARRIER;
	raw[1].hdr.opcode = 0xee;	/* unknown: dumped as such */
	raw[2].stall.hdr.opcode = EYRIE_OP_STALL;
	raw[2].stall.usec = 5;
	assert_int_equal(accel_cmdbuf_append_raw(cb, raw, 3), 0);
	assert_int_equal(accel_cmdbuf_pool(cb, &p), 3);
	assert_int_equal(accel_cmdbuf_eltwise(cb, &e), 4);
	assert_int_equal(accel_cmdbuf_stall(cb, 9), 5);
	assert_int_equal(accel_cmdbuf_barrier(cb), 6);
	assert_int_equal(accel_cmdbuf_append_raw(cb, NULL, 1), -EINVAL);
	assert_int_equal(accel_cmdbuf_count(cb), 7);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 3))->pool.pad_b, 1);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 3))->hdr.flags,
			 EYRIE_PASS_F_POOL_AVG);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 4))->eltwise.b_shift, -10);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 5))->stall.usec, 9);

	accel_cmdbuf_describe(cb, 1, line, sizeof(line));
	assert_string_equal(line, "opcode 238 (unknown)");
	accel_cmdbuf_describe(cb, 3, line, sizeof(line));
	assert_non_null(strstr(line, "POOL avg"));
	/* A line cut short still reports the full length, like snprintf. */
	assert_true(accel_cmdbuf_describe(cb, 4, line, 8) > 8);
	assert_int_equal(strlen(line), 7);

	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(accel_cmdbuf_dump(cb, f), 0);
	assert_int_equal(ftell(f) > 0, 1);
	fclose(f);

	/* Growth past the first allocation keeps earlier commands. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(accel_cmdbuf_nop(cb), 7 + i);
	assert_int_equal(((const union eyrie_cmd *)accel_cmdbuf_cmd(cb, 5))->stall.usec, 9);
	accel_cmdbuf_free(cb);
	accel_cmdbuf_free(NULL);
}

static void test_null_arguments(void **state)
{
	(void)state;
	assert_int_equal(accel_cmdbuf_nop(NULL), -EINVAL);
	assert_int_equal(accel_device_open("emu", NULL, NULL), -EINVAL);
	assert_int_equal(accel_device_info(NULL, NULL), -EINVAL);
	assert_int_equal(accel_job_wait(NULL, 0, NULL), -EINVAL);
	assert_int_equal(accel_buffer_map(NULL, NULL), -EINVAL);
	assert_int_equal(accel_telemetry_read(NULL, NULL), -EINVAL);
	assert_int_equal(accel_device_list(NULL, 4, 0), -EINVAL);
	accel_device_close(NULL);
	accel_buffer_free(NULL);
	accel_job_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_opts_size_rule),
		cmocka_unit_test(test_out_struct_copy),
		cmocka_unit_test(test_errors_per_thread),
		cmocka_unit_test(test_logging),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_describe_rings),
		cmocka_unit_test(test_builder_dma_encoding),
		cmocka_unit_test(test_builder_conv_encoding),
		cmocka_unit_test(test_builder_misc),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests_name("libaccel-core", tests, NULL, NULL);
}
