// SPDX-License-Identifier: MIT
/*
 * Run many: a run uploads inputs, submits one job per run of consecutive
 * device layers, runs CPU layers in between, and reads the outputs. Each
 * tensor is tracked as valid on the host, on the device or both, so data
 * only crosses when the other side needs it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/plan.h"
#include "core/internal.h"
#include "graph/budget.h"
#include "graph/fast.h"
#include "graph/ref.h"
#include "graph/registry.h"
#include "graph/window.h"
#include "model/model_priv.h"
#include "onnx/onnx.h"

#define JOB_TIMEOUT_MS 600000

struct run_state {
	struct gr_value **val;		/* host values */
	char *borrowed;			/* val[t] belongs to the graph */
	char *hvalid, *dvalid;
	/* accel_model_reference(): the reference kernels only (the check) */
	bool reference;
	/* no device layer: the float CPU plan (m->cpu) frees and fuses */
	bool plan;
	char *fused_done;		/* per Conv node: its epilogue ran the fused nodes */
	/* per tensor: its value is in its oneDNN primitive's layout (CPU plan) */
	char *native;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A quantized op takes a scale, zero point or bias from a graph input. */
static bool runtime_params(const struct gr_graph *g)
{
	for (int i = 0; i < g->n_nodes; i++) {
		const struct gr_node *n = &g->nodes[i];

		int qlinear = gr_node_is(n, "QLinearConv") || gr_node_is(n, "QLinearMatMul");
		int integer = gr_node_is(n, "ConvInteger") || gr_node_is(n, "MatMulInteger");
		/* input index of the weights, which may stay graph inputs */
		int wk = qlinear ? 3 : integer ? 1 : -1;

		if (!qlinear && !integer && !gr_node_is(n, "QuantizeLinear") &&
		    !gr_node_is(n, "DequantizeLinear"))
			continue;
		for (int k = 1; k < n->n_in; k++)
			if (n->in[k] >= 0 && g->tensors[n->in[k]].is_input && k != wk)
				return true;
	}
	return false;
}

/*
 * Every input given, of the declared type and of the declared shape where
 * the model declares one (dimensions it leaves open may take any size).
 */
static int inputs_check(const struct gr_graph *g, struct accel_tensor *const *inputs,
			int n_inputs)
{
	if (n_inputs != g->n_inputs)
		return eyr_error(-EINVAL, "the model has %d inputs but %d were given",
				 g->n_inputs, n_inputs);
	for (int i = 0; i < n_inputs; i++) {
		const struct gr_tensor *gt = &g->tensors[g->inputs[i]];
		const struct gr_value *v = (const struct gr_value *)inputs[i];

		if (!v)
			return eyr_error(-EINVAL, "input '%s' was not given", gt->name);
		if (v->dtype != gt->dtype)
			return eyr_error(-EINVAL, "input '%s' must be %s, not %s", gt->name,
					 gr_dtype_name(gt->dtype), gr_dtype_name(v->dtype));
		if (gt->rank < 0)
			continue;
		if (v->rank != gt->rank)
			return eyr_error(-EINVAL,
					 "input '%s': shape mismatch with the model's declared shape (rank %d given, %d declared)",
					 gt->name, v->rank, gt->rank);
		for (int d = 0; d < gt->rank; d++)
			if (gt->dims[d] >= 0 && gt->dims[d] != v->dims[d])
				return eyr_error(-EINVAL,
						 "input '%s': shape mismatch with the model's declared shape (dimension %d is %lld, the model declares %lld)",
						 gt->name, d, (long long)v->dims[d],
						 (long long)gt->dims[d]);
	}
	return 0;
}

/* Compiles the model again with this run's inputs taken as constants. */
static int specialize(struct accel_model *m, struct accel_tensor *const *inputs,
		      int n_inputs)
{
	struct gr_graph *g = m->g;
	struct gr_err err;
	int rc;

	if ((rc = inputs_check(g, inputs, n_inputs)))
		return rc;
	for (int i = 0; i < n_inputs; i++)
		g->tensors[g->inputs[i]].constant = (struct gr_value *)inputs[i];
	/* the ops check these values (scales, shapes) before lowering uses them */
	if ((rc = gr_graph_infer(g, &err))) {
		for (int i = 0; i < n_inputs; i++)
			g->tensors[g->inputs[i]].constant = NULL;
		return eyr_error(rc, "%s", err.msg);
	}
	eyr_model_release(m);
	m->rt = NULL;
	m->tbuf = NULL;
	m->tbuf_owned = NULL;
	m->segs = NULL;
	m->n_segs = 0;
	m->layers = NULL;
	m->n_layers = 0;
	m->snap = NULL;
	m->psum = NULL;
	rc = eyr_model_compile(m, &m->opts);
	for (int i = 0; i < n_inputs; i++)
		g->tensors[g->inputs[i]].constant = NULL;
	return rc;
}

void eyr_budget_init(struct gr_budget *b, const struct accel_model_opts *o, const char *what)
{
	memset(b, 0, sizeof(*b));
	b->max_bytes = o->max_memory ? o->max_memory : ACCEL_MODEL_DEFAULT_MAX_MEMORY;
	b->max_elems = o->max_tensor_elements ? o->max_tensor_elements :
		       ACCEL_MODEL_DEFAULT_MAX_TENSOR_ELEMENTS;
	if (b->max_elems > GR_MAX_ELEMS)
		b->max_elems = GR_MAX_ELEMS;
	b->max_ops = o->max_operations ? o->max_operations : ACCEL_MODEL_DEFAULT_MAX_OPERATIONS;
	b->what = what;
}

int eyr_model_from_graph(struct accel_device *dev, struct gr_graph *g,
			 const struct accel_model_opts *opts, struct accel_model **out)
{
	struct accel_model *m = calloc(1, sizeof(*m));
	int rc;

	if (!m) {
		gr_graph_free(g);
		return eyr_error(-ENOMEM, "out of memory");
	}
	m->dev = dev;
	m->g = g;
	m->opts.sz = sizeof(m->opts);
	m->opts.cpu_only = EYR_OPTS_GET(opts, cpu_only, false);
	m->opts.dataflow = EYR_OPTS_GET(opts, dataflow, ACCEL_DATAFLOW_RS);
	m->opts.progress = EYR_OPTS_GET(opts, progress, NULL);
	m->opts.progress_ctx = EYR_OPTS_GET(opts, progress_ctx, NULL);
	m->opts.max_memory = EYR_OPTS_GET(opts, max_memory, 0);
	m->opts.max_tensor_elements = EYR_OPTS_GET(opts, max_tensor_elements, 0);
	m->opts.max_operations = EYR_OPTS_GET(opts, max_operations, 0);
	m->opts.no_chains = EYR_OPTS_GET(opts, no_chains, false);
	m->opts.objective = EYR_OPTS_GET(opts, objective, 0);
	if (m->opts.objective < 0 || m->opts.objective >= ACCEL_OBJECTIVE_COUNT) {
		rc = eyr_error(-EINVAL, "accel_model_opts.objective %d is not an accel_objective (0 to %d)",
			       m->opts.objective, ACCEL_OBJECTIVE_COUNT - 1);
		accel_model_free(m);
		return rc;
	}
	rc = eyr_model_compile(m, &m->opts);
	if (!rc)
		rc = eyr_cpu_plan_build(m);
	if (rc) {
		accel_model_free(m);
		return rc;
	}
	m->specialize = dev && !m->opts.cpu_only && runtime_params(m->g);
	*out = m;
	return 0;
}

/*
 * Import (the file at path, or buf when path is NULL) and compile, under the
 * budget of the options. A model with symbolic input dims keeps its bytes:
 * it is compiled again per input shape.
 */
static int model_load(struct accel_device *dev, const char *path, const void *buf,
		      size_t len, const struct accel_model_opts *opts,
		      struct accel_model **out)
{
	struct accel_model_opts limits = { .sz = sizeof(limits) };
	struct accel_model *m;
	struct gr_budget budget;
	struct gr_graph *g;
	struct gr_err err;
	void *bytes = NULL;
	int rc;

	if ((rc = EYR_OPTS_CHECK(opts, accel_model_opts)))
		return rc;
	if (!dev && !EYR_OPTS_GET(opts, cpu_only, false))
		return eyr_error(-EINVAL, "accel_model_load: no device (pass one, or set cpu_only)");
	if (path) {
		if ((rc = ox_read_file(path, &bytes, &len, &err)))
			return eyr_error(rc, "%s", err.msg);
		buf = bytes;
	}
	limits.max_memory = EYR_OPTS_GET(opts, max_memory, 0);
	limits.max_tensor_elements = EYR_OPTS_GET(opts, max_tensor_elements, 0);
	limits.max_operations = EYR_OPTS_GET(opts, max_operations, 0);
	eyr_budget_init(&budget, &limits, "loading the model");
	gr_budget_enter(&budget);
	rc = ox_model_load_mem(buf, len, path ? path : "model", &g, &err);
	if (rc) {
		gr_budget_leave(&budget);
		free(bytes);
		return eyr_error(rc, "%s", err.msg);
	}
	rc = eyr_model_from_graph(dev, g, opts, &m);
	gr_budget_leave(&budget);
	if (rc) {
		free(bytes);
		return rc;
	}
	if (eyr_model_is_dynamic(m->g)) {
		if (!bytes && len) {
			bytes = malloc(len);
			if (bytes)
				memcpy(bytes, buf, len);
		}
		m->onnx = bytes;
		m->onnx_len = len;
		m->path = strdup(path ? path : "model");
		if ((len && !m->onnx) || !m->path) {
			accel_model_free(m);
			return eyr_error(-ENOMEM, "out of memory");
		}
	} else {
		free(bytes);
	}
	*out = m;
	return 0;
}

int accel_model_load(struct accel_device *dev, const char *path,
		     const struct accel_model_opts *opts, struct accel_model **out)
{
	if (!path || !out)
		return eyr_error(-EINVAL, "accel_model_load: path and out are required");
	return model_load(dev, path, NULL, 0, opts, out);
}

int accel_model_load_mem(struct accel_device *dev, const void *buf, size_t len,
			 const struct accel_model_opts *opts, struct accel_model **out)
{
	if ((!buf && len) || !out)
		return eyr_error(-EINVAL, "accel_model_load_mem: buf and out are required");
	return model_load(dev, NULL, buf ? buf : "", len, opts, out);
}

void accel_model_free(struct accel_model *m)
{
	if (!m)
		return;
	eyr_model_variants_free(m);
	eyr_model_release(m);
	eyr_cpu_plan_free(&m->cpu, m->g ? m->g->n_nodes : 0);
	gr_pool_free(m->pool);
	gr_graph_free(m->g);
	free(m);
}

int accel_model_input_count(const struct accel_model *m)
{
	return m->g->n_inputs;
}

const char *accel_model_input_name(const struct accel_model *m, int i)
{
	return i >= 0 && i < m->g->n_inputs ? m->g->tensors[m->g->inputs[i]].name : NULL;
}

int accel_model_input_type(const struct accel_model *m, int i, int *dtype,
			   int *rank, int64_t *dims)
{
	const struct gr_tensor *t;

	if (i < 0 || i >= m->g->n_inputs)
		return eyr_error(-EINVAL, "no input %d", i);
	t = &m->g->tensors[m->g->inputs[i]];
	*dtype = t->dtype;
	*rank = t->rank;
	if (t->rank > 0)
		memcpy(dims, t->dims, (size_t)t->rank * sizeof(int64_t));
	return 0;
}

int accel_model_output_count(const struct accel_model *m)
{
	return m->g->n_outputs;
}

const char *accel_model_output_name(const struct accel_model *m, int i)
{
	return i >= 0 && i < m->g->n_outputs ? m->g->tensors[m->g->outputs[i]].name : NULL;
}

static void state_free(struct accel_model *m, struct run_state *rs)
{
	if (rs->val)
		for (int t = 0; t < m->g->n_tensors; t++)
			if (!rs->borrowed[t])
				gr_value_free(rs->val[t]);
	free(rs->val);
	free(rs->borrowed);
	free(rs->hvalid);
	free(rs->dvalid);
	free(rs->fused_done);
	free(rs->native);
}

static int state_init(struct accel_model *m, struct run_state *rs,
		      struct accel_tensor *const *inputs, int n_inputs)
{
	struct gr_graph *g = m->g;
	size_t n = (size_t)g->n_tensors + 1;
	int rc;

	memset(rs, 0, sizeof(*rs));
	rs->val = calloc(n, sizeof(*rs->val));
	rs->borrowed = calloc(n, 1);
	rs->hvalid = calloc(n, 1);
	rs->dvalid = calloc(n, 1);
	rs->fused_done = calloc((size_t)g->n_nodes + 1, 1);
	rs->native = calloc(n, 1);
	if (!rs->val || !rs->borrowed || !rs->hvalid || !rs->dvalid || !rs->fused_done ||
	    !rs->native)
		return eyr_error(-ENOMEM, "out of memory");
	for (int t = 0; t < g->n_tensors; t++)
		if (g->tensors[t].constant) {
			rs->val[t] = g->tensors[t].constant;
			rs->borrowed[t] = 1;
			rs->hvalid[t] = 1;
		}
	if ((rc = inputs_check(g, inputs, n_inputs)))
		return rc;
	for (int i = 0; i < n_inputs; i++) {
		int t = g->inputs[i];
		const struct gr_value *v = (const struct gr_value *)inputs[i];

		rs->val[t] = (struct gr_value *)v;
		rs->borrowed[t] = 1;
		rs->hvalid[t] = 1;
	}
	return 0;
}

static int to_device(struct accel_model *m, struct run_state *rs, int t)
{
	const struct gr_value *v = rs->val[t];
	struct accel_buffer *b = m->tbuf[t];
	size_t bytes;
	int8_t *p;
	int rc;

	if (rs->dvalid[t])
		return 0;
	if (!rs->hvalid[t] || !v)
		return eyr_error(-EIO, "tensor '%s' has no value to upload",
				 m->g->tensors[t].name);
	bytes = v->count * gr_dtype_size(v->dtype);
	if (bytes > accel_buffer_size(b))
		return eyr_error(-EINVAL, "tensor '%s' is larger than compiled for",
				 m->g->tensors[t].name);
	if ((rc = accel_buffer_map(b, (void **)&p)))
		return rc;
	if (v->dtype == GR_UINT8)
		for (size_t i = 0; i < v->count; i++)
			p[i] = (int8_t)(((const uint8_t *)v->data)[i] ^ 0x80);
	else
		memcpy(p, v->data, bytes);
	rs->dvalid[t] = 1;
	return accel_buffer_sync(b, ACCEL_SYNC_TO_DEVICE, 0, bytes);
}

int eyr_model_slice_step(const struct accel_model *m, int t)
{
	for (int i = 0; i < m->plan.n_steps; i++)
		if (m->plan.steps[i].kind == LW_DEVICE && m->plan.steps[i].t_out == t &&
		    m->plan.steps[i].cat_step >= 0)
			return i;
	return -1;
}

int eyr_model_read_tensor(struct accel_model *m, int t, struct gr_value **out)
{
	const struct gr_tensor *gt = &m->g->tensors[t];
	struct gr_value *v;
	struct gr_err err;
	const int8_t *p;
	size_t bytes;
	int rc, step;

	v = gr_value_new(gt->dtype, gt->rank, gt->dims, &err);
	if (!v)
		return eyr_error(-ENOMEM, "%s", err.msg);
	bytes = v->count * gr_dtype_size(v->dtype);
	if ((step = eyr_model_slice_step(m, t)) >= 0) {
		/* a slice of a concat's buffer: gathered from its runs */
		struct eyr_cat_slice sl;
		int8_t *d = v->data;

		eyr_model_cat_slice(m, step, &sl);
		if ((rc = accel_buffer_sync(m->tbuf[t], ACCEL_SYNC_FROM_DEVICE, 0, 0)) ||
		    (rc = accel_buffer_map(m->tbuf[t], (void **)&p))) {
			gr_value_free(v);
			return rc;
		}
		for (uint32_t n = 0; n < sl.items; n++)
			memcpy(d + n * sl.run, p + sl.offset + n * sl.stride, sl.run);
		if (gt->dtype == GR_UINT8)
			for (size_t i = 0; i < v->count; i++)
				d[i] = (int8_t)(d[i] ^ 0x80);
		*out = v;
		return 0;
	}
	if ((rc = accel_buffer_sync(m->tbuf[t], ACCEL_SYNC_FROM_DEVICE, 0, bytes)) ||
	    (rc = accel_buffer_map(m->tbuf[t], (void **)&p))) {
		gr_value_free(v);
		return rc;
	}
	if (gt->dtype == GR_UINT8)
		for (size_t i = 0; i < v->count; i++)
			((uint8_t *)v->data)[i] = (uint8_t)(p[i] ^ 0x80);
	else
		memcpy(v->data, p, bytes);
	*out = v;
	return 0;
}

static int to_host(struct accel_model *m, struct run_state *rs, int t)
{
	struct gr_value *v;
	int rc;

	if (rs->hvalid[t])
		return 0;
	rc = eyr_model_read_tensor(m, t, &v);
	if (rc)
		return rc;
	if (!rs->borrowed[t])
		gr_value_free(rs->val[t]);
	rs->val[t] = v;
	rs->borrowed[t] = 0;
	rs->hvalid[t] = 1;
	return 0;
}

static void set_output(struct run_state *rs, int t, struct gr_value *v)
{
	if (!rs->borrowed[t])
		gr_value_free(rs->val[t]);
	rs->val[t] = v;
	rs->borrowed[t] = 0;
	rs->hvalid[t] = 1;
	rs->dvalid[t] = 0;
	rs->native[t] = 0;
}

static int run_cpu_node(struct accel_model *m, struct run_state *rs, int ni,
			struct gr_err *err)
{
	const struct gr_node *n = &m->g->nodes[ni];
	const struct gr_value *in[GR_MAX_INPUTS] = { 0 };
	struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
	int rc;

	for (int i = 0; i < n->n_in; i++) {
		int t = n->in[i];

		if (t < 0)
			continue;
		if (m->tbuf && !rs->hvalid[t] && rs->dvalid[t] && (rc = to_host(m, rs, t)))
			return rc;
		in[i] = rs->val[t];
		if (!in[i])
			return gr_err_set(err, -EIO, "node '%s': input '%s' has no value",
					  n->name, m->g->tensors[t].name);
	}
	/* float Conv/Gemm/MatMul through BLAS, except where the reference is wanted */
	rc = rs->reference ? -ENOSYS : gr_fast_node(n, in, out, err);
	if (rc == -ENOSYS)
		rc = gr_ref_node(n, in, out, err);
	if (rc)
		return rc;
	for (int o = 0; o < n->n_out; o++) {
		int t = n->out[o];

		if (t < 0) {
			gr_value_free(out[o]);
			continue;
		}
		set_output(rs, t, out[o]);
	}
	return 0;
}

/*
 * The host values of node n's inputs from `from` on (in[] of the others
 * left NULL): -ENOSYS if one is not computed yet.
 */
static int plan_inputs(const struct accel_model *m, const struct run_state *rs,
		       const struct gr_node *n, int from, const struct gr_value **in)
{
	for (int k = from; k < n->n_in; k++) {
		int t = n->in[k];

		if (t < 0)
			continue;
		in[k] = rs->val[t];
		if (!in[k] || !rs->hvalid[t])
			return -ENOSYS;
	}
	(void)m;
	return 0;
}

/*
 * Conv node i with the Add and / or Relu / Clip the CPU plan fused into it
 * (model/cpuplan.c), writing the last fused node's output: -ENOSYS when it
 * has none or the fast path does not take this form (the nodes then run
 * one by one).
 */
static int run_cpu_fused(struct accel_model *m, struct run_state *rs, int i,
			 struct gr_err *err)
{
	const struct gr_node *n = &m->g->nodes[i];
	int ja = m->cpu.epi_add[i], jr = m->cpu.epi_act[i], rc;
	const struct gr_value *in[GR_MAX_INPUTS] = { 0 }, *ain[GR_MAX_INPUTS] = { 0 };
	struct gr_value *out[GR_MAX_OUTPUTS] = { 0 };
	struct gr_fast_epi e = { 0 };

	if ((ja < 0 && jr < 0) || plan_inputs(m, rs, n, 0, in))
		return -ENOSYS;
	if (ja >= 0) {
		const struct gr_node *a = &m->g->nodes[ja];
		int u = a->in[0] == n->out[0] ? a->in[1] : a->in[0];

		e.add = rs->hvalid[u] ? rs->val[u] : NULL;
		if (!e.add)
			return -ENOSYS;
	}
	if (jr >= 0) {
		const struct gr_node *r = &m->g->nodes[jr];

		if (plan_inputs(m, rs, r, 1, ain) || gr_fast_clip_bounds(r, ain, &e.lo, &e.hi))
			return -ENOSYS;
		e.clamp = 1;
	}
	rc = gr_fast_node_epi(n, in, out, &e, err);
	if (rc)
		return rc;
	set_output(rs, m->g->nodes[jr >= 0 ? jr : ja].out[0], out[0]);
	rs->fused_done[i] = 1;
	return 0;
}

/*
 * Conv or Gemm node i by its oneDNN primitive (model/cpuplan.c), with the
 * fused nodes the primitive was made with, writing the last fused node's output:
 * -ENOSYS when it has none or this run's values do not fit it (then
 * run_cpu_fused() or the node alone).
 */
static int run_cpu_dnn(struct accel_model *m, struct run_state *rs, int i,
		       struct gr_err *err)
{
	struct gr_dnn_prim *c = m->cpu.prim ? m->cpu.prim[i] : NULL;
	const struct gr_node *n = &m->g->nodes[i];
	int ja = m->cpu.epi_add[i], jr = m->cpu.epi_act[i], t = n->out[0], rc;
	const struct gr_value *in[GR_MAX_INPUTS] = { 0 }, *add = NULL;
	unsigned native = 0;
	struct gr_value *y;

	if (!c || plan_inputs(m, rs, n, 0, in))
		return -ENOSYS;
	if (rs->native[n->in[0]])
		native |= GR_DNN_X_NATIVE;
	if (gr_dnn_prim_has_add(c)) {
		const struct gr_node *a = &m->g->nodes[ja];
		int u = a->in[0] == n->out[0] ? a->in[1] : a->in[0];

		add = rs->hvalid[u] ? rs->val[u] : NULL;
		if (!add)
			return -ENOSYS;
		if (rs->native[u])
			native |= GR_DNN_ADD_NATIVE;
		t = a->out[0];
	}
	if (jr >= 0)
		t = m->g->nodes[jr].out[0];
	if (m->cpu.native_from[t] == i)
		native |= GR_DNN_Y_NATIVE;
	rc = gr_dnn_prim_run(c, in[0], add, native, &y, err);
	if (rc)
		return rc;
	set_output(rs, t, y);
	rs->native[t] = (native & GR_DNN_Y_NATIVE) != 0;
	rs->fused_done[i] = ja >= 0 || jr >= 0;
	return 0;
}

/* Tensor t back in NCHW, from the layout of the primitive that wrote it. */
static int to_plain(struct accel_model *m, struct run_state *rs, int t, struct gr_err *err)
{
	struct gr_value *v;
	int rc;

	if (t < 0 || !rs->native[t])
		return 0;
	rc = gr_dnn_prim_to_plain(m->cpu.prim[m->cpu.native_from[t]], rs->val[t], &v, err);
	if (rc)
		return rc;
	set_output(rs, t, v);
	return 0;
}

/*
 * Node i's inputs (and its fused Add's) in NCHW for a kernel other than
 * its primitive: when the primitive did not run after all (a value of
 * another shape than planned), what the producer left in its layout.
 */
static int plain_inputs(struct accel_model *m, struct run_state *rs, int i,
			struct gr_err *err)
{
	const struct gr_node *n = &m->g->nodes[i];
	int ja = m->cpu.epi_add[i], rc;

	for (int k = 0; k < n->n_in; k++)
		if ((rc = to_plain(m, rs, n->in[k], err)))
			return rc;
	if (ja >= 0)
		for (int k = 0; k < m->g->nodes[ja].n_in; k++)
			if ((rc = to_plain(m, rs, m->g->nodes[ja].in[k], err)))
				return rc;
	return 0;
}

/* Gives back the host values whose last reader was node i (CPU plan). */
static void release_after(struct accel_model *m, struct run_state *rs, int i)
{
	const struct gr_node *n = &m->g->nodes[i];

	for (int k = 0; k < n->n_in + n->n_out; k++) {
		int t = k < n->n_in ? n->in[k] : n->out[k - n->n_in];

		if (t < 0 || m->cpu.last[t] != i || rs->borrowed[t] || !rs->val[t])
			continue;
		gr_value_free(rs->val[t]);
		rs->val[t] = NULL;
		rs->hvalid[t] = 0;
	}
}

static int upload_weights(struct accel_model *m, struct run_state *rs, int i)
{
	const struct lw_step *s = &m->plan.steps[i];
	const struct gr_value *w;
	void *p;
	int rc;

	if (s->t_w < 0 || m->g->tensors[s->t_w].constant)
		return 0;
	/* weights fed as a graph input: into the device layout on every run */
	w = rs->val[s->t_w];
	if ((rc = eyr_model_weights_check(m, s, w)) ||
	    (rc = accel_buffer_map(m->rt[i].wbuf, &p)))
		return rc;
	eyr_model_fill_weights(s, w, p);
	return accel_buffer_sync(m->rt[i].wbuf, ACCEL_SYNC_TO_DEVICE, 0, w->count);
}

static void snap_delta(const struct accel_energy_snapshot *a,
		       const struct accel_energy_snapshot *b, struct accel_layer_stats *st)
{
	static const struct accel_energy_snapshot zero;

	if (!a)
		a = &zero;
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		st->energy_fj[d] = b->energy_fj[d] - a->energy_fj[d];
	st->cycles = b->cycles - a->cycles;
	st->dram_words = b->dram_words - a->dram_words;
	st->dram_bytes = b->dram_bytes - a->dram_bytes;
	st->macs = b->macs - a->macs;
}

static int run_segment(struct accel_model *m, struct run_state *rs, int sg)
{
	const struct segment *seg = &m->segs[sg];
	struct accel_job_result res = { .sz = sizeof(res) };
	const struct accel_energy_snapshot *snaps;
	int rc;

	for (int i = seg->first; i <= seg->last; i++) {
		const struct lw_step *s = &m->plan.steps[i];

		if (s->kind == LW_VIEW)
			rs->dvalid[s->t_out] = rs->dvalid[s->t_in];
		/* a concat in place: made by its producers, this job's or earlier ones */
		if (s->kind == LW_CONCAT)
			rs->dvalid[s->t_out] = 1;
		if (s->kind != LW_DEVICE)
			continue;
		if ((rc = upload_weights(m, rs, i)))
			return rc;
		/* inputs made outside this job (a chain's project reads the GLB) */
		if ((m->rt[i].chain_prev < 0 && (rc = to_device(m, rs, s->t_in))) ||
		    (s->t_in_b >= 0 && (rc = to_device(m, rs, s->t_in_b))))
			return rc;
		/* this layer's output is made by the job: later layers read it there */
		if (m->rt[i].chain_next < 0)
			rs->dvalid[s->t_out] = 1;
	}
	rc = accel_job_run(m->dev, seg->cb, NULL, JOB_TIMEOUT_MS, &res);
	if (rc)
		return eyr_error_wrap(rc, "device job for layers '%s'..'%s' failed",
				      m->g->nodes[m->plan.steps[seg->first].node].name,
				      m->g->nodes[m->plan.steps[seg->last].node].name);
	m->last.jobs++;
	m->last.job_cycles += res.cycles;
	m->last.job_energy_fj += res.energy_fj;
	if ((rc = accel_buffer_sync(m->snap, ACCEL_SYNC_FROM_DEVICE, 0, 0)) ||
	    (rc = accel_buffer_map(m->snap, (void **)&snaps)))
		return rc;
	for (int i = seg->first; i <= seg->last; i++) {
		struct step_rt *rt = &m->rt[i];
		const struct lw_step *s = &m->plan.steps[i];

		if (s->kind != LW_DEVICE)
			continue;
		if (rt->slot < 0) {
			/* a chain's depthwise layer: the project layer's snapshot has it */
			memset(&rt->st, 0, sizeof(rt->st));
			continue;
		}
		snap_delta(rt->prev_slot >= 0 ? &snaps[rt->prev_slot] : NULL,
			   &snaps[rt->slot], &rt->st);
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			m->last.measured.energy_fj[d] += rt->st.energy_fj[d];
		m->last.measured.cycles += rt->st.cycles;
		m->last.measured.dram_words += rt->st.dram_words;
		m->last.measured.dram_bytes += rt->st.dram_bytes;
		m->last.measured.macs += rt->st.macs;
		rs->hvalid[s->t_out] = 0;
		if (rt->corrupt && (rc = eyr_model_corrupt_output(m, i)))
			return rc;
	}
	return 0;
}

/* The debug hook of EYR_CORRUPT_ENV: the first byte of the output flipped. */
int eyr_model_corrupt_output(struct accel_model *m, int step)
{
	struct accel_buffer *b = m->tbuf[m->plan.steps[step].t_out];
	uint8_t *p;
	int rc;

	if ((rc = accel_buffer_sync(b, ACCEL_SYNC_FROM_DEVICE, 0, 1)) ||
	    (rc = accel_buffer_map(b, (void **)&p)))
		return rc;
	p[0] ^= 0x5a;
	return accel_buffer_sync(b, ACCEL_SYNC_TO_DEVICE, 0, 1);
}

static int collect_outputs(struct accel_model *m, struct run_state *rs,
			   struct accel_tensor **outputs, int n_outputs)
{
	int rc;

	if (n_outputs != m->g->n_outputs)
		return eyr_error(-EINVAL, "the model has %d outputs but %d were asked for",
				 m->g->n_outputs, n_outputs);
	for (int i = 0; i < n_outputs; i++) {
		int t = m->g->outputs[i];
		struct gr_value *c;

		if (m->tbuf && !rs->hvalid[t] && (rc = to_host(m, rs, t)))
			return rc;
		if (!rs->val[t])
			return eyr_error(-EIO, "output '%s' was not computed", m->g->tensors[t].name);
		c = gr_value_clone(rs->val[t]);
		if (!c || gr_value_set_name(c, m->g->tensors[t].name)) {
			gr_value_free(c);
			return eyr_error(-ENOMEM, "out of memory");
		}
		outputs[i] = (struct accel_tensor *)c;
	}
	return 0;
}

static int view_step(struct accel_model *m, struct run_state *rs, const struct lw_step *s)
{
	const struct gr_tensor *gt = &m->g->tensors[s->t_out];

	rs->dvalid[s->t_out] = rs->dvalid[s->t_in];
	rs->hvalid[s->t_out] = 0;
	if (rs->hvalid[s->t_in]) {
		struct gr_value *v = gr_value_clone(rs->val[s->t_in]);

		if (!v)
			return eyr_error(-ENOMEM, "out of memory");
		v->rank = gt->rank;
		memcpy(v->dims, gt->dims, sizeof(v->dims));
		if (!rs->borrowed[s->t_out])
			gr_value_free(rs->val[s->t_out]);
		rs->val[s->t_out] = v;
		rs->borrowed[s->t_out] = 0;
		rs->hvalid[s->t_out] = 1;
	}
	return 0;
}

static int model_run(struct accel_model *m, struct accel_tensor *const *inputs,
		     int n_inputs, struct accel_tensor **outputs, int n_outputs);
static int model_reference(struct accel_model *m, struct accel_tensor *const *inputs,
			   int n_inputs, struct accel_tensor **outputs, int n_outputs);

/* A run charges its tensors to the model's budget, afresh each run. */
int accel_model_run(struct accel_model *m, struct accel_tensor *const *inputs,
		    int n_inputs, struct accel_tensor **outputs, int n_outputs)
{
	struct gr_budget budget;
	int rc;

	if (!m || (n_inputs && !inputs) || (n_outputs && !outputs))
		return eyr_error(-EINVAL, "accel_model_run: NULL argument");
	eyr_budget_init(&budget, &m->opts, "the run");
	gr_budget_enter(&budget);
	rc = model_run(m, inputs, n_inputs, outputs, n_outputs);
	gr_budget_leave(&budget);
	return rc;
}

int accel_model_reference(struct accel_model *m, struct accel_tensor *const *inputs,
			  int n_inputs, struct accel_tensor **outputs, int n_outputs)
{
	struct gr_budget budget;
	int rc;

	if (!m || (n_inputs && !inputs) || (n_outputs && !outputs))
		return eyr_error(-EINVAL, "accel_model_reference: NULL argument");
	eyr_budget_init(&budget, &m->opts, "the reference run");
	gr_budget_enter(&budget);
	rc = model_reference(m, inputs, n_inputs, outputs, n_outputs);
	gr_budget_leave(&budget);
	return rc;
}

static int model_run(struct accel_model *m, struct accel_tensor *const *inputs,
		     int n_inputs, struct accel_tensor **outputs, int n_outputs)
{
	struct gr_pool *pool = NULL;
	struct run_state rs;
	struct gr_err err;
	uint64_t t0 = now_ns();
	int rc = 0, done_seg = -1;

	if (m->onnx) {
		struct accel_model *v;
		bool hit;

		/* symbolic dims: the variant compiled for these shapes */
		m->ran = false;
		if ((rc = eyr_model_variant(m, inputs, n_inputs, &v, &hit)))
			return rc;
		m->active = v;
		rc = accel_model_run(v, inputs, n_inputs, outputs, n_outputs);
		m->last = v->last;
		m->last.shape_variants = m->shape_variants;
		m->last.shape_cache_hit = hit;
		m->ran = v->ran;
		return rc;
	}
	memset(&m->last, 0, sizeof(m->last));
	m->last.sz = sizeof(m->last);
	m->ran = false;
	if (m->specialize && (rc = specialize(m, inputs, n_inputs)))
		return rc;
	for (int i = 0; i < m->plan.n_steps; i++) {
		memset(&m->rt[i].chk, 0, sizeof(m->rt[i].chk));
		m->rt[i].chk.first_mismatch = -1;
	}
	eyr_model_count_concats(m);
	rc = state_init(m, &rs, inputs, n_inputs);
	/*
	 * A model with device layers is checked end to end against the
	 * reference (accel_model_check, --check): its CPU layers compute as
	 * the reference does. Float-only models get the BLAS path (fast.h).
	 */
	for (int i = 0; i < m->plan.n_steps; i++)
		rs.reference |= m->plan.steps[i].kind == LW_DEVICE;
	rs.plan = !rs.reference && m->cpu.last;
	if (rs.plan) {
		/* this run's tensors recycle the last runs' blocks (one run at a time) */
		pool = __atomic_exchange_n(&m->pool, NULL, __ATOMIC_ACQ_REL);
		if (!pool)
			pool = gr_pool_new();
		gr_pool_enter(pool);
	}
	for (int i = 0; !rc && i < m->plan.n_steps; i++) {
		const struct lw_step *s = &m->plan.steps[i];
		uint64_t c0;

		switch (s->kind) {
		case LW_FUSED:
			break;
		case LW_VIEW:
			rc = view_step(m, &rs, s);
			break;
		case LW_CONCAT:
			/* its producers, earlier device layers, wrote every slice */
			rs.dvalid[s->t_out] = 1;
			rs.hvalid[s->t_out] = 0;
			break;
		case LW_DEVICE:
			m->last.device_layers++;
			if (m->rt[i].segment != done_seg) {
				done_seg = m->rt[i].segment;
				rc = run_segment(m, &rs, done_seg);
			}
			break;
		case LW_CPU:
			if (m->g->nodes[i].folded)
				break;
			m->last.cpu_layers++;
			c0 = now_ns();
			rc = -ENOSYS;
			/* a node fused into a Conv ran in its epilogue */
			if (rs.plan && m->cpu.fused_into[i] >= 0 && rs.fused_done[m->cpu.fused_into[i]])
				rc = 0;
			else if (rs.plan && (rc = run_cpu_dnn(m, &rs, i, &err)) == -ENOSYS &&
				 m->cpu.native_from && !(rc = plain_inputs(m, &rs, i, &err)))
				rc = -ENOSYS;
			if (rc == -ENOSYS && rs.plan)
				rc = run_cpu_fused(m, &rs, i, &err);
			if (rc == -ENOSYS)
				rc = run_cpu_node(m, &rs, i, &err);
			if (rc)
				rc = eyr_error(rc, "%s", err.msg);
			m->rt[i].cpu_ns = now_ns() - c0;
			break;
		}
		if (!rc && rs.plan)
			release_after(m, &rs, i);
	}
	if (!rc)
		rc = collect_outputs(m, &rs, outputs, n_outputs);
	state_free(m, &rs);
	if (pool) {
		struct gr_pool *none = NULL;

		gr_pool_leave(pool);
		if (!__atomic_compare_exchange_n(&m->pool, &none, pool, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			gr_pool_free(pool);
	}
	m->last.host_ns = now_ns() - t0;
	m->ran = !rc;
	return rc;
}

static int model_reference(struct accel_model *m, struct accel_tensor *const *inputs,
			   int n_inputs, struct accel_tensor **outputs, int n_outputs)
{
	struct accel_buffer **saved;
	struct run_state rs;
	struct gr_err err;
	int rc;

	if (m->onnx) {
		struct accel_model *v;
		bool hit;

		if ((rc = eyr_model_variant(m, inputs, n_inputs, &v, &hit)))
			return rc;
		return accel_model_reference(v, inputs, n_inputs, outputs, n_outputs);
	}
	saved = m->tbuf;
	/* every node on the CPU, no device state involved */
	m->tbuf = NULL;
	rc = state_init(m, &rs, inputs, n_inputs);
	rs.reference = true;
	for (int i = 0; !rc && i < m->g->n_nodes; i++) {
		if (m->g->nodes[i].folded)
			continue;
		rc = run_cpu_node(m, &rs, i, &err);
		if (rc)
			rc = eyr_error(rc, "%s", err.msg);
	}
	if (!rc)
		rc = collect_outputs(m, &rs, outputs, n_outputs);
	m->tbuf = saved;
	state_free(m, &rs);
	return rc;
}

int accel_model_layer_count(const struct accel_model *m)
{
	m = eyr_model_active(m);
	return m->n_layers;
}

/* Conv / FC shape of node n from the imported graph. */
static void layer_shape(const struct gr_graph *g, const struct gr_node *n,
			struct accel_layer_info *li)
{
	const struct gr_tensor *x, *w;
	struct gr_window win;
	struct gr_geom geo;
	struct gr_err err;
	/* com.microsoft QGemm: B is input 3, as QLinearMatMul's */
	int qgemm = n->def && !strcmp(n->def->name, "QGemm") &&
		    !strcmp(gr_op_domain(n->def->domain), "com.microsoft");
	int qlinear = gr_node_is(n, "QLinearConv") || gr_node_is(n, "QLinearMatMul") || qgemm;
	int gemm = gr_node_is(n, "Gemm") || qgemm, trans_b = (int)gr_attr_int(n, "transB", 0);

	if (gr_node_is(n, "Conv") || gr_node_is(n, "QLinearConv") || gr_node_is(n, "ConvInteger")) {
		x = &g->tensors[n->in[0]];
		w = &g->tensors[n->in[qlinear ? 3 : 1]];
		if (x->rank != 4 || w->rank != 4 || gr_dims_count(4, x->dims) <= 0 ||
		    gr_node_window(n, &win, &err) ||
		    gr_window_resolve(&win, x->dims[2], x->dims[3], w->dims[2], w->dims[3],
				      &geo, &err, n->name))
			return;
		li->n = (uint32_t)x->dims[0];
		li->c = (uint32_t)x->dims[1];
		li->m = (uint32_t)w->dims[0];
		li->h = (uint32_t)x->dims[2];
		li->w = (uint32_t)x->dims[3];
		li->r = (uint32_t)w->dims[2];
		li->s = (uint32_t)w->dims[3];
		li->stride_h = (uint32_t)geo.sh;
		li->stride_w = (uint32_t)geo.sw;
		li->pad_t = (uint32_t)geo.pt;
		li->pad_l = (uint32_t)geo.pl;
		li->pad_b = (uint32_t)geo.pb;
		li->pad_r = (uint32_t)geo.pr;
		li->groups = (uint32_t)win.group;
		li->has_shape = true;
		return;
	}
	if (gr_node_is(n, "QLinearMatMul") || gr_node_is(n, "MatMul") || gemm ||
	    gr_node_is(n, "MatMulInteger")) {
		int64_t rows = 1;

		x = &g->tensors[n->in[0]];
		w = &g->tensors[n->in[qlinear ? 3 : 1]];
		if (x->rank < 1 || w->rank != 2 || gr_dims_count(x->rank, x->dims) <= 0)
			return;
		for (int d = 0; d < x->rank - 1; d++)
			rows *= x->dims[d];
		li->n = (uint32_t)rows;
		li->c = (uint32_t)x->dims[x->rank - 1];
		li->m = (uint32_t)(gemm && trans_b ? w->dims[0] : w->dims[1]);
		if (gemm && gr_attr_int(n, "transA", 0)) {
			li->n = (uint32_t)x->dims[1];
			li->c = (uint32_t)x->dims[0];
		}
		li->h = li->w = li->r = li->s = 1;
		li->stride_h = li->stride_w = li->groups = 1;
		li->has_shape = true;
	}
}

int accel_model_layer_info(const struct accel_model *m, int i,
			   struct accel_layer_info *info)
{
	struct accel_layer_info full = { 0 };
	const struct lw_step *s;
	int rc;

	if ((rc = eyr_out_check(info, info ? info->sz : 0, "accel_layer_info")))
		return rc;
	m = eyr_model_active(m);
	if (i < 0 || i >= m->n_layers)
		return eyr_error(-EINVAL, "no layer %d (the model has %d)", i, m->n_layers);
	s = &m->plan.steps[m->layers[i]];
	full.sz = sizeof(full);
	snprintf(full.name, sizeof(full.name), "%s", m->g->nodes[s->node].name);
	if (s->kind == LW_DEVICE && s->n_fused > 1) {
		size_t o = 0;

		for (int f = 1; f < s->n_fused && o < sizeof(full.op); f++)
			o += (size_t)snprintf(full.op + o, sizeof(full.op) - o, "%s%s",
					      f > 1 ? "+" : "",
					      m->g->nodes[s->fused[f]].op_type);
	} else {
		snprintf(full.op, sizeof(full.op), "%s", m->g->nodes[s->node].op_type);
	}
	full.on = s->kind == LW_DEVICE ? ACCEL_ON_DEVICE :
		  s->kind == LW_VIEW || s->kind == LW_CONCAT ? ACCEL_ON_NONE : ACCEL_ON_CPU;
	if (s->kind == LW_CPU)
		snprintf(full.reason, sizeof(full.reason), "%s", s->why);
	if (s->kind == LW_CONCAT)
		eyr_model_concat_reason(m, m->layers[i], full.reason, sizeof(full.reason));
	full.commands = m->rt[m->layers[i]].commands;
	full.measured = m->rt[m->layers[i]].st;
	full.cpu_ns = m->rt[m->layers[i]].cpu_ns;
	full.has_prediction = m->rt[m->layers[i]].has_pred;
	full.predicted = m->rt[m->layers[i]].pred;
	full.check = m->rt[m->layers[i]].chk;
	{
		const struct step_rt *rt = &m->rt[m->layers[i]];
		int other = rt->chain_next >= 0 ? rt->chain_next : rt->chain_prev;

		if (s->kind == LW_DEVICE && other >= 0)
			snprintf(full.chain_with, sizeof(full.chain_with), "%s",
				 m->g->nodes[m->plan.steps[other].node].name);
	}
	layer_shape(m->g, &m->g->nodes[s->node], &full);
	eyr_out_copy(info, info->sz, &full, sizeof(full));
	return 0;
}

int accel_model_run_stats(const struct accel_model *m, struct accel_run_stats *st)
{
	int rc;

	if ((rc = eyr_out_check(st, st ? st->sz : 0, "accel_run_stats")))
		return rc;
	eyr_out_copy(st, st->sz, &m->last, sizeof(m->last));
	return 0;
}
