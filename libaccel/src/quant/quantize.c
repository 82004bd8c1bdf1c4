// SPDX-License-Identifier: MIT
/* accel_quantize(): calibration, the QDQ or QOperator model, the report, the file. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "graph/budget.h"
#include "model/model_priv.h"
#include "onnx/onnx.h"
#include "quant/quant.h"

struct accel_quant_report {
	struct accel_quant_summary sum;
	struct accel_quant_tensor_info *t;
	int n;
};

static void progress(const struct accel_quantize_opts *o, const char *stage, int done,
		     int total)
{
	if (o->progress)
		o->progress(o->progress_ctx, stage, done, total);
}

/* The budget of one model load or float run (o's limits). */
static void budget_of(struct gr_budget *b, const struct accel_quantize_opts *o,
		      const char *what)
{
	struct accel_model_opts mo = {
		.sz = sizeof(mo),
		.max_memory = o->max_memory,
		.max_tensor_elements = o->max_tensor_elements,
		.max_operations = o->max_operations,
	};

	eyr_budget_init(b, &mo, what);
	b->cli = "accelctl quantize";
	b->opts = "accel_quantize_opts";
}

/* qz_exec() of g on s within the budget of one run. */
static int exec(const struct gr_graph *g, const struct qz_sample *s, bool check_finite,
		struct qz_values *vals, const struct accel_quantize_opts *o, struct gr_err *err)
{
	struct gr_budget b;
	int rc;

	budget_of(&b, o, "running the float model on a sample");
	gr_budget_enter(&b);
	rc = qz_exec(g, s, check_finite, vals, err);
	gr_budget_leave(&b);
	return rc;
}

/* ox_model_load_mem() within the budget of one load. */
static int load(const void *buf, size_t len, const char *what, struct gr_graph **g,
		const struct accel_quantize_opts *o, struct gr_err *err)
{
	struct gr_budget b;
	int rc;

	budget_of(&b, o, "loading the model");
	gr_budget_enter(&b);
	rc = ox_model_load_mem(buf, len, what, g, err);
	gr_budget_leave(&b);
	return rc;
}

/* Runs every sample through g: pass 1 (ranges) or 2 (histograms). */
static int calibrate(const struct gr_graph *g, const struct qz_set *set, struct qz_plan *p,
		     const struct accel_quantize_opts *o, int pass, struct gr_err *err)
{
	const char *stage = pass == 1 ? "calibrating: ranges" : "calibrating: histograms";

	for (int i = 0; i < set->n; i++) {
		struct qz_values v;
		int rc;

		progress(o, stage, i, set->n);
		rc = exec(g, &set->s[i], true, &v, o, err);
		if (rc)
			return rc;
		if (pass == 1)
			qz_stats_minmax(p, &v);
		else if (qz_stats_hist(p, &v, o->method))
			rc = gr_err_set(err, -ENOMEM, "out of memory");
		qz_values_free(&v);
		if (rc)
			return rc;
	}
	progress(o, stage, set->n, set->n);
	return 0;
}

static void energy(const struct gr_value *f, const struct gr_value *q, double *sig, double *noise)
{
	const float *a, *b;

	if (!f || !q || f->count != q->count || f->dtype != GR_FLOAT || q->dtype != GR_FLOAT)
		return;
	a = f->data;
	b = q->data;
	for (size_t i = 0; i < f->count; i++) {
		double d = (double)a[i] - b[i];

		*sig += (double)a[i] * a[i];
		*noise += d * d;
	}
}

static double sqnr_db(double sig, double noise)
{
	if (!(noise > 0))
		return sig > 0 ? INFINITY : 0;
	return 10.0 * log10(sig / noise);
}

/*
 * The float tensor's counterpart in the quantized graph: its float
 * (dequantized) value, or, where the QOperator model keeps it int8 only,
 * TNAME_quantized (*deq set: dequantize it with the act's parameters).
 */
static int q_tensor(const struct gr_graph *g, struct gr_graph *qg, int t, int *deq)
{
	char name[600];
	int qt;

	*deq = 0;
	if (g->tensors[t].is_input)
		snprintf(name, sizeof(name), "%s_dequantized", g->tensors[t].name);
	else
		snprintf(name, sizeof(name), "%s", g->tensors[t].name);
	qt = gr_graph_tensor(qg, name);
	if (qt >= 0)
		return qt;
	snprintf(name, sizeof(name), "%s_quantized", g->tensors[t].name);
	qt = gr_graph_tensor(qg, name);
	*deq = qt >= 0;
	return qt;
}

/* energy() of f against int8 q dequantized as DequantizeLinear does. */
static void energy_q(const struct gr_value *f, const struct gr_value *q, const struct qz_act *a,
		     double *sig, double *noise)
{
	const float *x;
	const int8_t *y;

	if (!f || !q || f->count != q->count || f->dtype != GR_FLOAT || q->dtype != GR_INT8)
		return;
	x = f->data;
	y = q->data;
	for (size_t i = 0; i < f->count; i++) {
		double d = (double)x[i] - (float)((int32_t)y[i] - a->zp) * a->scale;

		*sig += (double)x[i] * x[i];
		*noise += d * d;
	}
}

static int evaluate(const struct gr_graph *g, struct gr_graph *qg, const struct qz_set *set,
		    struct qz_plan *p, struct accel_quant_report *r,
		    const struct accel_quantize_opts *o, struct gr_err *err)
{
	double osig = 0, onoise = 0;
	uint32_t agree = 0, rows = 0;
	const struct gr_tensor *out0 = &g->tensors[g->outputs[0]];
	int *qt = malloc(((size_t)p->n_act + 1) * 2 * sizeof(int)), *deq, rc = 0;

	if (!qt)
		return gr_err_set(err, -ENOMEM, "out of memory");
	deq = qt + p->n_act + 1;
	for (int i = 0; i < p->n_act; i++)
		qt[i] = q_tensor(g, qg, p->act[i].t, &deq[i]);
	r->sum.classifier = out0->rank == 2 && out0->dims[1] > 1 && out0->dtype == GR_FLOAT;
	for (int s = 0; s < set->n && !rc; s++) {
		struct qz_values fv, qv;

		progress(o, "measuring", s, set->n);
		rc = exec(g, &set->s[s], true, &fv, o, err);
		if (rc)
			break;
		rc = exec(qg, &set->s[s], false, &qv, o, err);
		if (rc) {
			qz_values_free(&fv);
			break;
		}
		for (int i = 0; i < p->n_act; i++)
			if (qt[i] >= 0 && deq[i])
				energy_q(fv.v[p->act[i].t], qv.v[qt[i]], &p->act[i], &p->act[i].sig,
					 &p->act[i].noise);
			else if (qt[i] >= 0)
				energy(fv.v[p->act[i].t], qv.v[qt[i]], &p->act[i].sig, &p->act[i].noise);
		for (int i = 0; i < g->n_outputs; i++) {
			int t = gr_graph_tensor(qg, g->tensors[g->outputs[i]].name);

			if (t >= 0)
				energy(fv.v[g->outputs[i]], qv.v[t], &osig, &onoise);
		}
		if (r->sum.classifier) {
			const struct gr_value *f = fv.v[g->outputs[0]];
			const struct gr_value *q = qv.v[gr_graph_tensor(qg, out0->name)];
			int64_t n = f->dims[0], c = f->dims[1];

			for (int64_t row = 0; q && row < n; row++) {
				const float *a = (const float *)f->data + row * c;
				const float *b = (const float *)q->data + row * c;
				int64_t ia = 0, ib = 0;

				for (int64_t k = 1; k < c; k++) {
					if (a[k] > a[ia])
						ia = k;
					if (b[k] > b[ib])
						ib = k;
				}
				agree += ia == ib;
				rows++;
			}
		}
		qz_values_free(&fv);
		qz_values_free(&qv);
	}
	free(qt);
	if (rc)
		return rc;
	progress(o, "measuring", set->n, set->n);
	r->sum.output_sqnr_db = sqnr_db(osig, onoise);
	r->sum.top1_rows = rows;
	r->sum.top1_agreement = rows ? (double)agree / rows : 0;
	return 0;
}

static int fill_report(const struct gr_graph *g, const struct qz_plan *p,
		       struct accel_quant_report *r)
{
	r->t = calloc((size_t)p->n_act + 1, sizeof(*r->t));
	if (!r->t)
		return -ENOMEM;
	for (int i = 0; i < p->n_act; i++) {
		const struct qz_act *a = &p->act[i];
		struct accel_quant_tensor_info *t = &r->t[r->n++];

		t->sz = sizeof(*t);
		snprintf(t->tensor, sizeof(t->tensor), "%s", g->tensors[a->t].name);
		snprintf(t->node, sizeof(t->node), "%s", a->node >= 0 ? g->nodes[a->node].name : "");
		snprintf(t->op, sizeof(t->op), "%s", a->op);
		t->min = a->min;
		t->max = a->max;
		t->range_lo = a->lo;
		t->range_hi = a->hi;
		t->scale = a->scale;
		t->zero_point = a->zp;
		t->sqnr_db = sqnr_db(a->sig, a->noise);
	}
	return 0;
}

/* out_path replaced atomically: a temporary file next to it, renamed. */
static int write_atomic(const char *path, const uint8_t *buf, size_t len)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	int fd, rc = 0;

	struct stat st;

	if (!tmp)
		return eyr_error(-ENOMEM, "out of memory");
	snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		/*
		 * A device (/dev/null) or a pipe is written in place:
		 * renaming over it would replace the device node
		 */
		free(tmp);
		if (S_ISDIR(st.st_mode))
			return eyr_error(-EISDIR, "'%s' is a folder; name the quantized model's file", path);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			return eyr_error(-errno, "cannot write '%s': %s", path, strerror(errno));
		for (size_t off = 0; off < len && !rc;) {
			ssize_t n = write(fd, buf + off, len - off);

			if (n <= 0)
				rc = eyr_error(-EIO, "cannot write '%s': %s", path, strerror(errno));
			else
				off += (size_t)n;
		}
		if (close(fd) && !rc)
			rc = eyr_error(-EIO, "cannot write '%s': %s", path, strerror(errno));
		return rc;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = eyr_error(-errno, "cannot create a file next to '%s': %s; check that the folder exists and is writable",
			       path, strerror(errno));
		free(tmp);
		return rc;
	}
	for (size_t off = 0; off < len && !rc;) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n <= 0)
			rc = eyr_error(-EIO, "cannot write '%s': %s", tmp, strerror(errno));
		else
			off += (size_t)n;
	}
	if (!rc && fsync(fd))
		rc = eyr_error(-EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (close(fd) && !rc)
		rc = eyr_error(-EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (!rc && rename(tmp, path))
		rc = eyr_error(-EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/*
 * A model below opset 13 rewritten at 13 (upgrade.c): *buf and *g become
 * the rewritten model's, *g_old keeps the original's graph for
 * same_outputs().
 */
static int upgrade(const char *in_path, void **buf, size_t *len, struct gr_graph **g,
		   struct gr_graph **g_old, const struct accel_quantize_opts *o, struct gr_err *err)
{
	uint8_t *ubuf;
	size_t ulen;
	int rc = qz_upgrade_opset(*buf, *len, *g, &ubuf, &ulen, err);

	if (rc)
		return rc;
	free(*buf);
	*buf = ubuf;
	*len = ulen;
	*g_old = *g;
	*g = NULL;
	rc = load(ubuf, ulen, in_path, g, o, err);
	if (rc) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err->msg);
		rc = gr_err_set(err, rc,
				"internal error: the model at opset %lld rewritten at opset 13 does not load: %s (please report it with the model; meanwhile convert it with onnx.version_converter to opset 13 and quantize that)",
				(long long)(*g_old)->opset, why);
	}
	return rc;
}

/*
 * The original and the rewritten float model must compute the same
 * outputs (on the first calibration sample): a rewrite that changed the
 * computation fails here rather than quantizing another model.
 */
static int same_outputs(const struct gr_graph *a, const struct gr_graph *b,
			const struct qz_sample *s, const struct accel_quantize_opts *o,
			struct gr_err *err)
{
	struct qz_values va, vb;
	int rc = exec(a, s, false, &va, o, err);

	if (rc)
		return rc;
	rc = exec(b, s, false, &vb, o, err);
	if (rc) {
		qz_values_free(&va);
		return rc;
	}
	if (a->n_outputs != b->n_outputs)
		rc = gr_err_set(err, -EPROTO,
				"internal error: the model has %d outputs at opset %lld and %d rewritten at opset 13 (please report it with the model; meanwhile convert it with onnx.version_converter to opset 13 and quantize that)",
				a->n_outputs, (long long)a->opset, b->n_outputs);
	for (int i = 0; i < a->n_outputs && !rc; i++) {
		const struct gr_value *x = va.v[a->outputs[i]], *y = vb.v[b->outputs[i]];
		const char *name = a->tensors[a->outputs[i]].name;
		size_t bad = 0;

		if (!x || !y || x->dtype != y->dtype || x->count != y->count) {
			rc = gr_err_set(err, -EPROTO,
					"internal error: output '%s' differs in type or size after the model was rewritten at opset 13 (please report it with the model; meanwhile convert it with onnx.version_converter to opset 13 and quantize that)",
					name);
			break;
		}
		for (size_t k = 0; k < x->count && !bad; k++) {
			double p = gr_value_get_f(x, k), q = gr_value_get_f(y, k);

			/*
			 * the same kernels run; the margin is for a rewritten
			 * op whose kernel sums in another order
			 */
			if (p != q && !(fabs(p - q) <= 1e-5 * (1 + fabs(p))) &&
			    !(isnan(p) && isnan(q)))
				bad = k + 1;
		}
		if (bad)
			rc = gr_err_set(err, -EPROTO,
					"internal error: output '%s' element %zu is %g at opset %lld and %g after the model was rewritten at opset 13 (please report it with the model; meanwhile convert it with onnx.version_converter to opset 13 and quantize that)",
					name, bad - 1, gr_value_get_f(x, bad - 1), (long long)a->opset,
					gr_value_get_f(y, bad - 1));
	}
	qz_values_free(&va);
	qz_values_free(&vb);
	return rc;
}

int accel_quantize(const char *in_path, const char *out_path, const char *calib_dir,
		   const struct accel_quantize_opts *opts, struct accel_quant_report **report)
{
	struct accel_quantize_opts o = { .sz = sizeof(o) };
	struct gr_graph *g = NULL, *qg = NULL, *g_old = NULL;
	struct qz_set calib = { 0 }, eval = { 0 };
	int64_t opset_in;
	struct qz_plan plan = { 0 };
	struct accel_quant_report *r = NULL;
	struct qz_write_opts wo;
	struct gr_err err = { .code = 0 };
	void *buf = NULL;
	uint8_t *qbuf = NULL;
	size_t len, qlen;
	int rc;

	if ((rc = EYR_OPTS_CHECK(opts, accel_quantize_opts)))
		return rc;
	if (!in_path || !out_path || !calib_dir)
		return eyr_error(-EINVAL, "accel_quantize: in_path, out_path and calib_dir are required");
	o.method = EYR_OPTS_GET(opts, method, ACCEL_CALIB_MINMAX);
	o.percentile = EYR_OPTS_GET(opts, percentile, 0.0);
	o.per_tensor_weights = EYR_OPTS_GET(opts, per_tensor_weights, false);
	o.format = EYR_OPTS_GET(opts, format, ACCEL_QUANT_QDQ);
	o.exclude = EYR_OPTS_GET(opts, exclude, NULL);
	o.eval_dir = EYR_OPTS_GET(opts, eval_dir, NULL);
	o.progress = EYR_OPTS_GET(opts, progress, NULL);
	o.progress_ctx = EYR_OPTS_GET(opts, progress_ctx, NULL);
	o.max_memory = EYR_OPTS_GET(opts, max_memory, 0);
	o.max_tensor_elements = EYR_OPTS_GET(opts, max_tensor_elements, 0);
	o.max_operations = EYR_OPTS_GET(opts, max_operations, 0);
	if (!o.percentile)
		o.percentile = 99.999;
	if ((unsigned int)o.method > ACCEL_CALIB_ENTROPY)
		return eyr_error(-EINVAL, "accel_quantize: unknown calibration method %d", o.method);
	if (!(o.percentile > 50.0 && o.percentile <= 100.0))
		return eyr_error(-EINVAL, "accel_quantize: percentile %g is outside (50, 100]",
				 o.percentile);
	if (o.format != ACCEL_QUANT_QDQ && o.format != ACCEL_QUANT_QOPERATOR)
		return eyr_error(-EINVAL, "accel_quantize: unknown format %d", o.format);
	if (report)
		*report = NULL;
	rc = ox_read_file(in_path, &buf, &len, &err);
	if (!rc)
		rc = load(buf, len, in_path, &g, &o, &err);
	opset_in = g ? g->opset : 0;
	if (!rc && g->opset < 13)
		rc = upgrade(in_path, &buf, &len, &g, &g_old, &o, &err);
	if (!rc)
		rc = qz_samples_load(g, calib_dir, &calib, &err);
	if (!rc && g_old)
		rc = same_outputs(g_old, g, &calib.s[0], &o, &err);
	/* the original graph (a second copy of the weights) is done with */
	gr_graph_free(g_old);
	g_old = NULL;
	if (!rc && o.eval_dir)
		rc = qz_samples_load(g, o.eval_dir, &eval, &err);
	if (!rc)
		rc = qz_plan_build(g, o.exclude, &plan, &err);
	if (!rc && !plan.n_quantized)
		rc = gr_err_set(&err, -EOPNOTSUPP,
				"%s: no node to quantize (no float Conv, Gemm, MatMul with constant weights, pooling, Add or Concat outside --exclude)",
				in_path);
	if (!rc)
		rc = calibrate(g, &calib, &plan, &o, 1, &err);
	if (!rc && o.method != ACCEL_CALIB_MINMAX)
		rc = calibrate(g, &calib, &plan, &o, 2, &err);
	if (rc)
		goto out;
	qz_choose(&plan, o.method, o.percentile);
	/* per-axis DequantizeLinear needs opset 13 */
	wo.per_channel = !o.per_tensor_weights && g->opset >= 13;
	if (o.format == ACCEL_QUANT_QOPERATOR)
		rc = qz_qop_model(buf, len, g, &plan, &wo, &qbuf, &qlen, &err);
	else
		rc = qz_qdq_model(buf, len, g, &plan, &wo, &qbuf, &qlen, &err);
	if (rc)
		goto out;
	rc = load(qbuf, qlen, "the quantized model", &qg, &o, &err);
	if (rc) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err.msg);
		rc = gr_err_set(&err, rc, "internal error: %s (please report it with the model)", why);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = gr_err_set(&err, -ENOMEM, "out of memory");
		goto out;
	}
	r->sum.sz = sizeof(r->sum);
	r->sum.method = o.method;
	r->sum.percentile = o.percentile;
	r->sum.per_channel = wo.per_channel;
	r->sum.calib_samples = (uint32_t)calib.n;
	r->sum.eval_samples = (uint32_t)(o.eval_dir ? eval.n : calib.n);
	r->sum.eval_held_apart = o.eval_dir != NULL;
	r->sum.nodes = (uint32_t)g->n_nodes;
	r->sum.quantized_nodes = (uint32_t)plan.n_quantized;
	r->sum.batchnorm_folded = (uint32_t)g->bn_folded;
	r->sum.opset_in = (uint32_t)opset_in;
	r->sum.opset_out = (uint32_t)g->opset;
	rc = evaluate(g, qg, o.eval_dir ? &eval : &calib, &plan, r, &o, &err);
	if (!rc && fill_report(g, &plan, r))
		rc = gr_err_set(&err, -ENOMEM, "out of memory");
	if (rc)
		goto out;
	gr_err_set(&err, 0, "%s", "");
	rc = write_atomic(out_path, qbuf, qlen);
	if (rc)
		goto done;
out:
	if (rc)
		rc = eyr_error(rc, "%s", err.msg);
done:
	if (rc || !report)
		accel_quant_report_free(r);
	else
		*report = r;
	qz_plan_free(&plan);
	qz_samples_free(&calib);
	qz_samples_free(&eval);
	gr_graph_free(g);
	gr_graph_free(g_old);
	gr_graph_free(qg);
	free(buf);
	free(qbuf);
	return rc;
}

void accel_quant_report_free(struct accel_quant_report *r)
{
	if (!r)
		return;
	free(r->t);
	free(r);
}

int accel_quant_report_summary(const struct accel_quant_report *r,
			       struct accel_quant_summary *s)
{
	int rc;

	if (!r || !s)
		return eyr_error(-EINVAL, "accel_quant_report_summary: report and s are required");
	if ((rc = eyr_out_check(s, s->sz, "accel_quant_summary")))
		return rc;
	eyr_out_copy(s, s->sz, &r->sum, sizeof(r->sum));
	return 0;
}

int accel_quant_report_tensor_count(const struct accel_quant_report *r)
{
	return r ? r->n : eyr_error(-EINVAL, "accel_quant_report_tensor_count: no report");
}

int accel_quant_report_tensor(const struct accel_quant_report *r, int i,
			      struct accel_quant_tensor_info *info)
{
	int rc;

	if (!r || !info || i < 0 || i >= r->n)
		return eyr_error(-EINVAL, "accel_quant_report_tensor: no tensor %d", i);
	if ((rc = eyr_out_check(info, info->sz, "accel_quant_tensor_info")))
		return rc;
	eyr_out_copy(info, info->sz, &r->t[i], sizeof(r->t[i]));
	return 0;
}
