// SPDX-License-Identifier: MIT
/*
 * The closed crash classes of issue 14, through the public API, each with
 * the error it must give: in-memory loaders, TensorProto data proven
 * before allocation, quantization parameter values, input shapes, the
 * resource budget, the arch API, the spec parser's limits and the
 * planning budget. The fuzz targets search for new inputs; these pin the
 * classes down so a regression fails here with a readable reason.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <accel/model.h>
#include <accel/plan.h>

#include "graph/graph.h"
#include "graph/quant_check.h"
#include "onnx/onnx.pb-c.h"

#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"
#define QLINEARCONV NODE_DIR "test_qlinearconv"

static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A serialized TensorProto (float or uint8), optionally without its data. */
static uint8_t *tensor_proto(int dtype, int rank, const int64_t *dims, const void *raw,
			     size_t raw_len, size_t *len)
{
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	uint8_t *buf;

	tp.n_dims = (size_t)rank;
	tp.dims = (int64_t *)dims;
	tp.has_data_type = 1;
	tp.data_type = dtype;
	if (raw) {
		tp.has_raw_data = 1;
		tp.raw_data.len = raw_len;
		tp.raw_data.data = (uint8_t *)raw;
	}
	*len = onnx__tensor_proto__get_packed_size(&tp);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	onnx__tensor_proto__pack(&tp, buf);
	return buf;
}

static void test_model_load_mem(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true };
	struct accel_model *m = NULL;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0x01, 0x02 };
	size_t len;
	void *buf = read_all(QLINEARCONV "/model.onnx", &len);

	(void)state;
	assert_int_equal(accel_model_load_mem(NULL, buf, len, &o, &m), 0);
	assert_int_equal(accel_model_input_count(m), 8);
	accel_model_free(m);
	assert_int_equal(accel_model_load_mem(NULL, junk, sizeof(junk), &o, &m), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "not a valid ONNX model"));
	assert_int_equal(accel_model_load_mem(NULL, NULL, 0, &o, &m), -EINVAL);
	free(buf);
}

static void test_tensor_data_proven(void **state)
{
	/* 2^30 floats declared, no data: refused without allocating 4 GiB */
	int64_t huge[2] = { 1 << 20, 1 << 10 }, empty[1] = { 0 }, two[1] = { 2 };
	struct accel_tensor *t = NULL;
	uint8_t one = 7, *b;
	size_t len;

	(void)state;
	b = tensor_proto(ACCEL_DTYPE_FLOAT, 2, huge, NULL, 0, &len);
	assert_int_equal(accel_tensor_load_mem(b, len, &t), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "missing or of the wrong length"));
	free(b);
	/* an empty initializer: no data, nothing copied (memcpy from NULL was UB) */
	b = tensor_proto(ACCEL_DTYPE_FLOAT, 1, empty, NULL, 0, &len);
	assert_int_equal(accel_tensor_load_mem(b, len, &t), 0);
	assert_int_equal(accel_tensor_count(t), 0);
	accel_tensor_free(t);
	free(b);
	/* raw data shorter than the shape */
	b = tensor_proto(ACCEL_DTYPE_UINT8, 1, two, &one, 1, &len);
	assert_int_equal(accel_tensor_load_mem(b, len, &t), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "raw data has 1 bytes but the shape needs 2"));
	free(b);
}

/* The QLinearConv node test's model and inputs, input k replaced by r. */
struct qconv {
	struct accel_model *m;
	struct accel_tensor *in[8];
};

static void qconv_open(struct qconv *q, const struct accel_model_opts *o)
{
	assert_int_equal(accel_model_load(NULL, QLINEARCONV "/model.onnx", o, &q->m), 0);
	for (int i = 0; i < 8; i++) {
		char path[256];

		snprintf(path, sizeof(path), QLINEARCONV "/test_data_set_0/input_%d.pb", i);
		assert_int_equal(accel_tensor_load(path, &q->in[i]), 0);
	}
}

static void qconv_close(struct qconv *q)
{
	for (int i = 0; i < 8; i++)
		accel_tensor_free(q->in[i]);
	accel_model_free(q->m);
}

static int qconv_run_with(struct qconv *q, int k, struct accel_tensor *r)
{
	struct accel_tensor *in[8], *out[1] = { NULL };
	int rc;

	memcpy(in, q->in, sizeof(in));
	if (r)
		in[k] = r;
	rc = accel_model_reference(q->m, in, 8, out, 1);
	accel_tensor_free(out[0]);
	return rc;
}

static void test_quant_params(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true };
	int64_t one[1] = { 1 }, three[1] = { 3 };
	struct accel_tensor *t;
	struct qconv q;
	float bad[] = { NAN, INFINITY, 0.0f, -1.0f };

	(void)state;
	qconv_open(&q, &o);
	assert_int_equal(qconv_run_with(&q, 0, NULL), 0);
	/* x_scale (input 1): NaN, Inf, 0, negative */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = accel_tensor_new(ACCEL_DTYPE_FLOAT, 0, one);
		((float *)accel_tensor_data(t))[0] = bad[i];
		assert_int_equal(qconv_run_with(&q, 1, t), -EINVAL);
		assert_non_null(strstr(accel_last_error(), "must be finite and above 0"));
		accel_tensor_free(t);
	}
	/* w_zero_point (input 5) with 3 values: not the declared shape */
	t = accel_tensor_new(ACCEL_DTYPE_UINT8, 1, three);
	assert_int_equal(qconv_run_with(&q, 5, t), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "input 'w_zero_point': shape mismatch"));
	accel_tensor_free(t);
	qconv_close(&q);
}

/* The value rule itself, on each kind of bad scale and on good ones. */
static void test_scale_rule(void **state)
{
	struct gr_node n = { .name = (char *)"q", .op_type = "QLinearConv" };
	int64_t dims[1] = { 3 };
	struct gr_value *s = gr_value_new(GR_FLOAT, 1, dims, NULL);
	struct gr_value shape_only = { .dtype = GR_FLOAT, .rank = 1, .dims = { 3 } };
	struct gr_err err;
	float *f;

	(void)state;
	assert_non_null(s);
	f = s->data;
	f[0] = 0.5f;
	f[1] = 1e-30f;
	f[2] = 3e38f;
	assert_int_equal(gr_check_scale_values(&n, s, "w_scale", &err), 0);
	/* a shape without data (import of a graph input): nothing to check */
	assert_int_equal(gr_check_scale_values(&n, &shape_only, "w_scale", &err), 0);
	f[2] = -0.0f;
	assert_int_equal(gr_check_scale_values(&n, s, "w_scale", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "node 'q' (QLinearConv): w_scale[2] = -0"));
	f[2] = NAN;
	assert_int_equal(gr_check_scale_values(&n, s, "w_scale", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "w_scale[2] = nan: a scale must be finite and above 0"));
	gr_value_free(s);
}

static void test_input_shape(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true };
	int64_t dims[4] = { 1, 1, 2, 2 };
	struct accel_tensor *t;
	struct qconv q;

	(void)state;
	qconv_open(&q, &o);
	/* w (input 3) declared 1x1x3x3 */
	t = accel_tensor_new(ACCEL_DTYPE_UINT8, 4, dims);
	assert_int_equal(qconv_run_with(&q, 3, t), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "input 'w': shape mismatch with the model's declared shape"));
	accel_tensor_free(t);
	qconv_close(&q);
}

static void test_memory_budget(void **state)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = true, .max_memory = 64 };
	struct accel_model *m = NULL;

	(void)state;
	assert_int_equal(accel_model_load(NULL, QLINEARCONV "/model.onnx", &o, &m), 0);
	accel_model_free(m);
	/* the run's output alone (1x1x7x7 uint8 = 49 bytes) plus more exceeds 16 bytes */
	o.max_memory = 16;
	{
		struct qconv q;

		qconv_open(&q, &o);
		assert_true(qconv_run_with(&q, 0, NULL) < 0);
		assert_non_null(strstr(accel_last_error(), "--max-memory"));
		qconv_close(&q);
	}
	o.max_memory = 0;
	o.max_tensor_elements = 10;
	{
		struct qconv q;

		qconv_open(&q, &o);
		assert_true(qconv_run_with(&q, 0, NULL) < 0);
		assert_non_null(strstr(accel_last_error(), "max_tensor_elements"));
		qconv_close(&q);
	}
}

static struct accel_arch *default_arch(void)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device *dev;
	struct accel_arch *a;

	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	assert_int_equal(accel_device_info(dev, &info), 0);
	accel_device_close(dev);
	/* without the device from here on */
	assert_int_equal(accel_arch_from_info(&info, &a), 0);
	info.pe_rows = 0;
	assert_int_equal(accel_arch_from_info(&info, &(struct accel_arch *){ NULL }), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "pe_rows"));
	return a;
}

static void test_arch_api(void **state)
{
	static const char text[] = "name = small\nglb_bytes = 4096\n";
	struct accel_arch *a = default_arch(), *c;
	struct accel_layer_spec sp;
	struct accel_plan_result r1 = { .sz = sizeof(r1) }, r2 = { .sz = sizeof(r2) };

	(void)state;
	assert_int_equal(accel_arch_copy(a, &c), 0);
	assert_int_equal(accel_arch_load_mem(c, text, strlen(text), NULL), 0);
	assert_string_equal(accel_arch_name(c), "small");
	assert_string_not_equal(accel_arch_name(a), "small");
	/* a bad file leaves the arch as it was */
	assert_int_equal(accel_arch_load_mem(c, "glb_bytes = 12\n", 15, "t"), -EINVAL);
	assert_non_null(strstr(accel_last_error(), "too small"));
	assert_int_equal(accel_arch_load_mem(c, "pe_rows\0= 1", 11, "t"), -EINVAL);
	assert_string_equal(accel_arch_name(c), "small");
	assert_int_equal(accel_layer_spec_parse("conv:c=64,m=64,h=28,r=3,pad=1", &sp), 0);
	assert_int_equal(accel_plan_layer(a, &sp, NULL, &r1), 0);
	assert_int_equal(accel_plan_layer(c, &sp, NULL, &r2), 0);
	/* the small GLB forces more DRAM traffic: the copy is its own arch */
	assert_true(r2.dram_words > r1.dram_words);
	accel_arch_free(c);
	accel_arch_free(a);
}

static void test_spec_limits(void **state)
{
	struct accel_layer_spec sp;

	(void)state;
	assert_int_equal(accel_layer_spec_parse("conv:c=70000,m=3,h=4,r=1", &sp), -E2BIG);
	assert_non_null(strstr(accel_last_error(), "c = 70000"));
	assert_int_equal(accel_layer_spec_parse("conv:c=3,m=3,h=4,r=1,stride=4294967295", &sp), -E2BIG);
	assert_non_null(strstr(accel_last_error(), "stride"));
	assert_int_equal(accel_layer_spec_parse("conv:c=65535,m=65535,h=65535,r=255", &sp), 0);
}

static void test_plan_budget(void **state)
{
	struct accel_arch *a = default_arch(), *tight;
	/* evaluation budgets only: deterministic, whatever the machine's load */
	struct accel_plan_opts po = { .sz = sizeof(po), .max_evaluations = 1,
				      .max_time_us = UINT64_MAX };
	struct accel_plan_result r = { .sz = sizeof(r) };
	struct accel_layer_spec sp;
	static const char cmds[] = "max_cmds_per_job = 8\n";
	int rc;

	(void)state;
	assert_int_equal(accel_layer_spec_parse("conv:c=64,m=128,h=28,r=3,pad=1", &sp), 0);
	/* default budget: a small layer is proven optimal */
	assert_int_equal(accel_plan_layer(a, &sp, NULL, &r), 0);
	assert_int_equal(r.budget_exhausted, 0);
	/* one evaluation: a mapping, marked as the best so far */
	assert_int_equal(accel_plan_layer(a, &sp, &po, &r), 0);
	assert_int_equal(r.budget_exhausted, 1);
	assert_true(r.cycles > 0);
	/* an arch whose job limit no mapping meets: refused with the reason */
	assert_int_equal(accel_arch_copy(a, &tight), 0);
	assert_int_equal(accel_arch_load_mem(tight, cmds, strlen(cmds), NULL), 0);
	po.max_evaluations = 0;
	rc = accel_plan_layer(tight, &sp, &po, &r);
	assert_true(rc == -ENOSPC || rc == -ETIME);
	assert_non_null(strstr(accel_last_error(), "8 commands per job"));
	/* the cliff of issue 14 ends, proven (figures: bench-plan-budget) */
	po.dataflow = ACCEL_DATAFLOW_IS;
	po.batch = 64;
	po.max_evaluations = 100000;
	assert_int_equal(accel_layer_spec_parse("conv:c=2256,m=512,h=14,r=3", &sp), 0);
	assert_int_equal(accel_plan_layer(a, &sp, &po, &r), 0);
	accel_arch_free(tight);
	accel_arch_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_load_mem),
		cmocka_unit_test(test_tensor_data_proven),
		cmocka_unit_test(test_quant_params),
		cmocka_unit_test(test_scale_rule),
		cmocka_unit_test(test_input_shape),
		cmocka_unit_test(test_memory_budget),
		cmocka_unit_test(test_arch_api),
		cmocka_unit_test(test_spec_limits),
		cmocka_unit_test(test_plan_budget),
	};

	accel_set_log_level(ACCEL_LOG_QUIET);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
