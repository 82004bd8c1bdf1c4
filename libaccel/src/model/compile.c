// SPDX-License-Identifier: MIT
/*
 * Compile once: lower the graph, plan and emit every device layer through
 * the scheduler, allocate and fill weight buffers, and group consecutive
 * device layers into jobs with an energy snapshot after each layer (after
 * each chain: a depthwise layer and the 1x1 conv reading its output run as
 * one stream when the scheduler's chain plan beats the two streams).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "graph/budget.h"
#include "accel/plan.h"
#include "model/model_priv.h"

/*
 * The weights given have the shape the layer was compiled for (its buffer
 * holds exactly that many bytes): a weight fed as a graph input, or taken
 * as a constant when the model is specialized, may not.
 */
int eyr_model_weights_check(const struct accel_model *m, const struct lw_step *s,
			    const struct gr_value *w)
{
	const struct gr_tensor *t = &m->g->tensors[s->t_w];
	int ok = w && w->rank == t->rank && w->dtype == t->dtype &&
		 (!s->w_transpose || w->rank == 2);

	for (int d = 0; ok && d < t->rank; d++)
		ok = w->dims[d] == t->dims[d];
	if (ok)
		return 0;
	return eyr_error(-EINVAL, "node '%s': weights '%s' must have the shape the model declares for them (rank %d%s), as the layer was compiled for it",
			 m->g->nodes[s->node].name, t->name, t->rank,
			 w && w->rank != t->rank ? ", a different rank was given" : ", other dimensions were given");
}

/* Weights in the device's layout: int8, M x K (FC) or M x C/g x R x S. */
void eyr_model_fill_weights(const struct lw_step *s, const struct gr_value *w,
			    int8_t *dst)
{
	int flip = w->dtype == GR_UINT8 ? 0x80 : 0;
	const uint8_t *src = w->data;

	if (s->w_transpose) {
		int64_t k = w->dims[0], mm = w->dims[1];

		for (int64_t i = 0; i < k; i++)
			for (int64_t j = 0; j < mm; j++)
				dst[j * k + i] = (int8_t)(src[i * mm + j] ^ flip);
		return;
	}
	for (size_t i = 0; i < w->count; i++)
		dst[i] = (int8_t)(src[i] ^ flip);
}

static int new_buffer(struct accel_model *m, size_t bytes, bool ro,
		      struct accel_buffer **out)
{
	struct accel_buffer_opts o = { .sz = sizeof(o), .flags = ro ? ACCEL_BUFFER_DEVICE_RO : 0 };

	return accel_buffer_create(m->dev, bytes ? bytes : 1, &o, out);
}

static int upload(struct accel_buffer *b, const void *src, size_t bytes)
{
	void *p;
	int rc = accel_buffer_map(b, &p);

	if (rc)
		return rc;
	memcpy(p, src, bytes);
	return accel_buffer_sync(b, ACCEL_SYNC_TO_DEVICE, 0, bytes);
}

/* Device bytes of a tensor: int8 (uint8 carried as int8), or int32 outputs. */
static size_t tensor_bytes(const struct gr_tensor *t)
{
	return (size_t)gr_dims_count(t->rank, t->dims) * (t->dtype == GR_INT32 ? 4 : 1);
}

static int tensor_buffer(struct accel_model *m, int t)
{
	const struct gr_tensor *gt;
	struct gr_err err;
	int64_t n;

	if (t < 0 || m->tbuf[t])
		return 0;
	/* device copies count against the model's budget too */
	gt = &m->g->tensors[t];
	n = gr_dims_count(gt->rank, gt->dims);
	if (n < 0)
		return eyr_error(-EINVAL, "tensor '%s': shape not known at compile time", gt->name);
	if (gr_budget_charge((uint64_t)n, gt->dtype == GR_INT32 ? 4 : 1, &err))
		return eyr_error(-E2BIG, "tensor '%s': %s", gt->name, err.msg);
	m->tbuf_owned[t] = 1;
	return new_buffer(m, tensor_bytes(&m->g->tensors[t]), false, &m->tbuf[t]);
}

/* The scheduler's options for a device step's layer. */
static struct eyr_sched_opts step_opts(const struct accel_model *m, const struct lw_step *s)
{
	struct eyr_sched_opts so = m->sopts;

	so.no_bias = !s->layer.quant.has_bias;
	so.per_channel = !!s->layer.quant.per_channel;
	so.int32_out = !!s->layer.quant.int32_out;
	so.lut = !!s->layer.quant.lut;
	so.fp32_rq = !!s->layer.quant.fp32_rq;
	return so;
}

/* Lowering, then planning; a layer the scheduler cannot plan goes to the CPU. */
static int lower_and_plan(struct accel_model *m, const struct accel_model_opts *opts,
			  struct eyr_plan **plans_out)
{
	struct lw_opts lo = { 0 };
	struct gr_err err;
	struct eyr_plan *plans;
	char **deny;
	int rc;

	lo.cpu_only = !m->dev || EYR_OPTS_GET(opts, cpu_only, false);
	if (m->dev) {
		struct accel_device_info info = { .sz = sizeof(info) };
		struct eyrie_hw_desc desc;

		if ((rc = accel_device_info(m->dev, &info)) ||
		    (rc = eyr_device_hw_desc(m->dev, &desc)))
			return rc;
		eyr_arch_from_desc(&m->arch, &desc, info.caps);
		lo.per_channel_ok = !!(info.caps & ACCEL_CAP_PER_CHANNEL_QUANT);
		lo.lut_ok = !!(info.caps & ACCEL_CAP_ACT_LUT);
		lo.fp32_ok = !!(info.caps & ACCEL_CAP_FP32_REQUANT);
	}
	m->sopts = (struct eyr_sched_opts)EYR_SCHED_OPTS_INIT;
	/* a model file cannot make compiling take unbounded time */
	m->sopts.max_time_us = ACCEL_PLAN_DEFAULT_TIME_US;
	m->sopts.dataflow = (enum eyrie_dataflow)EYR_OPTS_GET(opts, dataflow, ACCEL_DATAFLOW_RS);
	/* accel_objective and eyr_objective share their values (plan_api.c) */
	m->sopts.objective = (enum eyr_objective)EYR_OPTS_GET(opts, objective, 0);
	deny = calloc((size_t)m->g->n_nodes + 1, sizeof(char *));
	plans = calloc((size_t)m->g->n_nodes + 1, sizeof(*plans));
	if (!deny || !plans) {
		free(deny);
		free(plans);
		return eyr_error(-ENOMEM, "out of memory");
	}
	lo.deny = deny;
	for (;;) {
		int again = 0, total = 0, done = 0;
		void (*progress)(void *, const char *, int, int) =
			EYR_OPTS_GET(opts, progress, NULL);

		rc = gr_lower(m->g, &lo, &m->plan, &err);
		if (rc) {
			rc = eyr_error(rc, "%s", err.msg);
			break;
		}
		for (int i = 0; i < m->plan.n_steps; i++)
			total += m->plan.steps[i].kind == LW_DEVICE;
		for (int i = 0; i < m->plan.n_steps; i++) {
			struct lw_step *s = &m->plan.steps[i];
			struct eyr_sched_opts so;
			char why[160];

			if (s->kind != LW_DEVICE)
				continue;
			s->layer.name = m->g->nodes[s->node].name;
			if (progress)
				progress(EYR_OPTS_GET(opts, progress_ctx, NULL), s->layer.name,
					 done++, total);
			so = step_opts(m, s);
			if (eyr_sched_plan(&m->arch, &s->layer.shape, &so, &plans[i],
					   why, sizeof(why))) {
				char *r = malloc(200);

				if (r)
					snprintf(r, 200, "the scheduler found no mapping: %s", why);
				deny[i] = r ? r : (char *)"the scheduler found no mapping";
				again = 1;
				eyr_info("layer '%s' goes to the CPU: %s", s->layer.name, deny[i]);
			}
		}
		if (!again)
			break;
		gr_lower_free(&m->plan);
	}
	for (int i = 0; i < m->g->n_nodes; i++)
		if (deny[i] && strcmp(deny[i], "the scheduler found no mapping"))
			free(deny[i]);
	free(deny);
	if (rc) {
		free(plans);
		return rc;
	}
	*plans_out = plans;
	return 0;
}

static bool step_covers(const struct lw_step *s, int node)
{
	if (s->node == node)
		return true;
	for (int f = 0; f < s->n_fused; f++)
		if (s->fused[f] == node)
			return true;
	return false;
}

/*
 * Tensor t is read only inside step p: every node reading it is one of p's
 * nodes, and so is every node reading what those nodes make (a QDQ
 * island's DequantizeLinear of t feeds only p's conv), none of it a graph
 * output. Then no other step, device or CPU, needs t in memory.
 */
static bool read_only_by(const struct gr_graph *g, int t, const struct lw_step *p)
{
	if (!lw_private_tensor(g, t))
		return false;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct gr_node *n = &g->nodes[i];
		bool reads = false;

		for (int k = 0; k < n->n_in; k++)
			reads |= n->in[k] == t;
		if (!reads)
			continue;
		if (!step_covers(p, i))
			return false;
		for (int o = 0; o < n->n_out; o++) {
			int u = n->out[o];

			if (u < 0 || u == p->t_out)
				continue;
			if (g->tensors[u].is_output)
				return false;
			for (int r = 0; r < g->n_nodes; r++)
				for (int k = 0; k < g->nodes[r].n_in; k++)
					if (g->nodes[r].in[k] == u && !step_covers(p, r))
						return false;
		}
	}
	return true;
}

static bool no_chains(const struct accel_model_opts *opts)
{
	const char *e = getenv(EYR_NO_CHAINS_ENV);

	return EYR_OPTS_GET(opts, no_chains, false) || (e && *e && strcmp(e, "0"));
}

/*
 * Depthwise -> project chains: a 3x3 depthwise device layer whose output
 * only the next device layer, a 1x1 conv, reads (eyr_chain_link decides the
 * shapes; eyr_chain_plan the quantization it accepts) is planned as one
 * stream, kept when the chain's plan beats the two layers' (plan.fused).
 * chains[i] is the plan of the chain starting at step i, or NULL.
 */
static int plan_chains(struct accel_model *m, const struct accel_model_opts *opts,
		       struct eyr_chain_plan **chains)
{
	const char *corrupt = getenv(EYR_CORRUPT_ENV);
	struct lw_plan *p = &m->plan;

	if (no_chains(opts))
		return 0;
	for (int i = 0; i < p->n_steps; i++) {
		const struct lw_step *d = &p->steps[i], *q;
		struct eyr_sched_opts od, op;
		struct eyr_chain_plan *cp;
		char why[200];
		int j = i + 1;

		if (d->kind != LW_DEVICE || !eyr_chain_is_dw(&d->layer.shape) || d->cat_step >= 0)
			continue;
		while (j < p->n_steps && p->steps[j].kind == LW_FUSED)
			j++;
		if (j >= p->n_steps)
			continue;
		q = &p->steps[j];
		if (q->kind != LW_DEVICE || q->t_in != d->t_out || q->t_in_b >= 0 ||
		    eyr_chain_link(&d->layer.shape, &q->layer.shape) != EYR_LINK_DW_P ||
		    !read_only_by(m->g, d->t_out, q))
			continue;
		/* the debug hook flips a byte of the depthwise output: it must be in DRAM */
		if (corrupt && !strcmp(corrupt, d->layer.name))
			continue;
		cp = malloc(sizeof(*cp));
		if (!cp)
			return eyr_error(-ENOMEM, "out of memory");
		od = step_opts(m, d);
		op = step_opts(m, q);
		if (eyr_chain_plan(&m->arch, &d->layer.shape, &q->layer.shape, &od, &op, cp,
				   why, sizeof(why))) {
			eyr_info("layers '%s' -> '%s' run apart: %s", d->layer.name, q->layer.name, why);
			free(cp);
			continue;
		}
		if (!cp->fused) {
			eyr_info("layers '%s' -> '%s' run apart: the chain's plan does not beat theirs",
				 d->layer.name, q->layer.name);
			free(cp);
			continue;
		}
		chains[i] = cp;
		m->rt[i].chain_next = j;
		m->rt[j].chain_prev = i;
		i = j;
	}
	return 0;
}

/* The buffers of device step i's layer as eyr_sched_emit reads them. */
static void step_bufs(struct accel_model *m, int i, struct eyr_layer_bufs *bufs)
{
	const struct lw_step *s = &m->plan.steps[i];
	const struct step_rt *rt = &m->rt[i];

	*bufs = (struct eyr_layer_bufs){
		.in = m->tbuf[s->t_in] ? accel_buffer_device_addr(m->tbuf[s->t_in]) : 0,
		.in_b = s->t_in_b >= 0 ? accel_buffer_device_addr(m->tbuf[s->t_in_b]) : 0,
		.weights = rt->wbuf ? accel_buffer_device_addr(rt->wbuf) : 0,
		.bias = rt->bbuf ? accel_buffer_device_addr(rt->bbuf) : 0,
		.quant = rt->qbuf ? accel_buffer_device_addr(rt->qbuf) : 0,
		.out = m->tbuf[s->t_out] ? accel_buffer_device_addr(m->tbuf[s->t_out]) : 0,
		.lut = rt->lbuf ? accel_buffer_device_addr(rt->lbuf) : 0,
		.psum = m->psum ? accel_buffer_device_addr(m->psum) : 0,
	};
	if (s->cat_step >= 0) {
		/* its slice of the concat's buffer (the buffer is the concat's) */
		struct eyr_cat_slice sl;

		eyr_model_cat_slice(m, i, &sl);
		bufs->out += sl.offset;
		bufs->out_channels = sl.channels;
	}
}

static int build_segments(struct accel_model *m, const struct eyr_plan *plans,
			  struct eyr_chain_plan *const *chains)
{
	struct lw_plan *p = &m->plan;
	uint32_t limit = m->arch.max_cmds_per_job ? m->arch.max_cmds_per_job : 0xffffffffu;
	struct eyr_cmdbuf ecb = { 0 };
	struct segment *cur = NULL;
	int rc = 0, n_dev = 0, slot = 0;
	const char *corrupt = getenv(EYR_CORRUPT_ENV);

	for (int i = 0; i < p->n_steps; i++)
		n_dev += p->steps[i].kind == LW_DEVICE;
	m->segs = calloc((size_t)n_dev + 1, sizeof(*m->segs));
	if (!m->segs)
		return eyr_error(-ENOMEM, "out of memory");
	if (n_dev && (rc = new_buffer(m, (size_t)n_dev * sizeof(struct accel_energy_snapshot),
				      false, &m->snap)))
		return rc;
	{
		/* one psum buffer for every layer that spills: layers run one after the other */
		uint64_t psum_bytes = 0;

		for (int i = 0; i < p->n_steps; i++)
			if (p->steps[i].kind == LW_DEVICE && eyr_plan_psum_bytes(&plans[i]) > psum_bytes)
				psum_bytes = eyr_plan_psum_bytes(&plans[i]);
		if (psum_bytes && (rc = new_buffer(m, (size_t)psum_bytes, false, &m->psum)))
			return rc;
	}
	for (int i = 0; i < p->n_steps; i++) {
		struct lw_step *s = &p->steps[i];
		struct step_rt *rt = &m->rt[i];

		if (s->kind == LW_CPU) {
			cur = NULL;
			continue;
		}
		if (s->kind != LW_DEVICE || rt->chain_prev >= 0)
			continue;	/* a chain's project step: emitted with its depthwise step */
		ecb.count = 0;
		struct eyr_layer_bufs bufs;
		int last = i;

		step_bufs(m, i, &bufs);
		if (rt->chain_next >= 0) {
			/* the chain: one stream, its snapshot and figures the project step's */
			struct eyr_layer_bufs pbufs;

			last = rt->chain_next;
			step_bufs(m, last, &pbufs);
			rc = eyr_chain_emit(&m->arch, chains[i], &s->layer, &p->steps[last].layer,
					    &bufs, &pbufs, &ecb);
			if (rc) {
				rc = eyr_error(rc, "layers '%s' -> '%s': the scheduler could not emit the chain's commands",
					       s->layer.name, p->steps[last].layer.name);
				break;
			}
			/* no work of its own: zero predicted, zero measured */
			rt->has_pred = true;
			rt->slot = -1;
			rt->prev_slot = -1;
			rt = &m->rt[last];
			eyr_stats_of_cost(&chains[i]->cost, &rt->pred);
		} else {
			rc = eyr_sched_emit(&m->arch, &plans[i], &s->layer, &bufs, &ecb);
			if (rc) {
				rc = eyr_error(rc, "layer '%s': the scheduler could not emit its commands",
					       s->layer.name);
				break;
			}
			eyr_stats_of_cost(&plans[i].cost, &rt->pred);
		}
		rt->commands = ecb.count;
		rt->has_pred = true;
		if (cur && accel_cmdbuf_count(cur->cb) + ecb.count + 1 > limit)
			cur = NULL;
		if (!cur) {
			cur = &m->segs[m->n_segs++];
			cur->first = i;
			cur->cb = accel_cmdbuf_new();
			if (!cur->cb) {
				rc = eyr_error(-ENOMEM, "out of memory");
				break;
			}
		}
		cur->last = last;
		m->rt[i].segment = rt->segment = (int)(cur - m->segs);
		rt->slot = slot;
		rt->prev_slot = cur->n_dev ? slot - 1 : -1;
		rc = accel_cmdbuf_append_raw(cur->cb, ecb.cmds, ecb.count);
		if (rc >= 0)
			rc = accel_cmdbuf_energy_snapshot(cur->cb, m->snap,
							  (uint64_t)slot * sizeof(struct accel_energy_snapshot));
		if (rc < 0)
			break;
		rc = 0;
		cur->n_dev++;
		slot++;
		if (corrupt && !strcmp(corrupt, p->steps[last].layer.name)) {
			/* its own job's end, so later layers read the flipped byte */
			eyr_warn("%s=%s: layer '%s' ends its job and its output will be corrupted after it (debug)",
				 EYR_CORRUPT_ENV, corrupt, p->steps[last].layer.name);
			rt->corrupt = true;
			cur = NULL;
		}
	}
	eyr_cmdbuf_release(&ecb);
	return rc;
}

void eyr_model_count_concats(struct accel_model *m)
{
	m->last.sz = sizeof(m->last);
	m->last.concats_in_place = 0;
	m->last.concat_bytes_in_place = 0;
	m->last.chains = 0;
	m->last.chain_bytes_on_chip = 0;
	for (int i = 0; i < m->plan.n_steps; i++) {
		const struct lw_step *s = &m->plan.steps[i];

		if (s->kind == LW_DEVICE && m->rt && m->rt[i].chain_next >= 0) {
			m->last.chains++;
			m->last.chain_bytes_on_chip += tensor_bytes(&m->g->tensors[s->t_out]);
		}
		if (s->kind != LW_CONCAT)
			continue;
		m->last.concats_in_place++;
		m->last.concat_bytes_in_place += tensor_bytes(&m->g->tensors[s->t_out]);
	}
}

void eyr_model_cat_slice(const struct accel_model *m, int step, struct eyr_cat_slice *sl)
{
	const struct lw_step *s = &m->plan.steps[step];
	const struct gr_tensor *y = &m->g->tensors[m->plan.steps[s->cat_step].t_out];
	const struct gr_tensor *x = &m->g->tensors[s->t_out];
	uint64_t hw = (uint64_t)y->dims[2] * (uint64_t)y->dims[3];

	sl->offset = s->cat_c0 * hw;
	sl->channels = (uint32_t)y->dims[1];
	sl->items = (uint32_t)y->dims[0];
	sl->run = (uint64_t)x->dims[1] * hw;
	sl->stride = (uint64_t)y->dims[1] * hw;
}

static int alloc_device(struct accel_model *m)
{
	struct gr_graph *g = m->g;
	int rc;

	/* a concat's buffer first: its producers write their slices of it */
	for (int i = 0; i < m->plan.n_steps; i++) {
		const struct lw_step *s = &m->plan.steps[i];

		if (s->kind == LW_DEVICE && s->cat_step >= 0) {
			int y = m->plan.steps[s->cat_step].t_out;

			if ((rc = tensor_buffer(m, y)))
				return rc;
			m->tbuf[s->t_out] = m->tbuf[y];
		}
	}
	for (int i = 0; i < m->plan.n_steps; i++) {
		struct lw_step *s = &m->plan.steps[i];
		struct step_rt *rt = &m->rt[i];
		uint32_t mm = s->layer.shape.m;

		if (s->kind == LW_VIEW) {
			/* a view shares its input's buffer */
			m->tbuf[s->t_out] = m->tbuf[s->t_in];
			continue;
		}
		if (s->kind != LW_DEVICE)
			continue;
		/* a chain's depthwise output stays in the GLB: no buffer */
		if ((rt->chain_prev < 0 && (rc = tensor_buffer(m, s->t_in))) ||
		    (rc = tensor_buffer(m, s->t_in_b)) ||
		    (rt->chain_next < 0 && (rc = tensor_buffer(m, s->t_out))))
			return rc;
		if (s->t_w >= 0) {
			const struct gr_tensor *w = &g->tensors[s->t_w];

			/* weights are int8 on the device whatever their graph type */
			if ((rc = new_buffer(m, tensor_bytes(w), true, &rt->wbuf)))
				return rc;
			if (w->constant) {
				int8_t *tmp;

				if ((rc = eyr_model_weights_check(m, s, w->constant)))
					return rc;
				tmp = malloc(tensor_bytes(w));

				if (!tmp)
					return eyr_error(-ENOMEM, "out of memory");
				eyr_model_fill_weights(s, w->constant, tmp);
				rc = upload(rt->wbuf, tmp, tensor_bytes(w));
				free(tmp);
				if (rc)
					return rc;
			}
		}
		if (s->bias && ((rc = new_buffer(m, mm * sizeof(int32_t), true, &rt->bbuf)) ||
				(rc = upload(rt->bbuf, s->bias, mm * sizeof(int32_t)))))
			return rc;
		if (s->qtable && ((rc = new_buffer(m, 2 * mm * sizeof(int32_t), true, &rt->qbuf)) ||
				  (rc = upload(rt->qbuf, s->qtable, 2 * mm * sizeof(int32_t)))))
			return rc;
		if (s->lut && ((rc = new_buffer(m, EYRIE_LUT_ENTRIES, true, &rt->lbuf)) ||
			       (rc = upload(rt->lbuf, s->lut, EYRIE_LUT_ENTRIES))))
			return rc;
	}
	return 0;
}

int eyr_model_compile(struct accel_model *m, const struct accel_model_opts *opts)
{
	struct eyr_plan *plans = NULL;
	struct eyr_chain_plan **chains = NULL;
	int rc, n;

	rc = lower_and_plan(m, opts, &plans);
	if (rc)
		return rc;
	n = m->plan.n_steps;
	m->rt = calloc((size_t)n + 1, sizeof(*m->rt));
	m->tbuf = calloc((size_t)m->g->n_tensors + 1, sizeof(*m->tbuf));
	m->tbuf_owned = calloc((size_t)m->g->n_tensors + 1, 1);
	m->layers = calloc((size_t)n + 1, sizeof(int));
	if (!m->rt || !m->tbuf || !m->tbuf_owned || !m->layers) {
		free(plans);
		return eyr_error(-ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		m->rt[i].chain_next = m->rt[i].chain_prev = -1;
	if (m->dev) {
		chains = calloc((size_t)n + 1, sizeof(*chains));
		rc = chains ? plan_chains(m, opts, chains) : eyr_error(-ENOMEM, "out of memory");
		if (rc)
			goto out;
	}
	/* known before any run too, for accelctl inspect */
	eyr_model_count_concats(m);
	for (int i = 0; i < n; i++) {
		const struct lw_step *s = &m->plan.steps[i];

		m->rt[i].segment = -1;
		if (s->kind == LW_FUSED || m->g->nodes[i].folded)
			continue;
		m->layers[m->n_layers++] = i;
	}
	if (m->dev) {
		rc = alloc_device(m);
		if (!rc)
			rc = build_segments(m, plans, chains);
	}
out:
	if (chains)
		for (int i = 0; i < n; i++)
			free(chains[i]);
	free(chains);
	free(plans);
	return rc;
}

void eyr_model_release(struct accel_model *m)
{
	for (int i = 0; i < m->n_segs; i++)
		accel_cmdbuf_free(m->segs[i].cb);
	free(m->segs);
	if (m->rt)
		for (int i = 0; i < m->plan.n_steps; i++) {
			accel_buffer_free(m->rt[i].wbuf);
			accel_buffer_free(m->rt[i].bbuf);
			accel_buffer_free(m->rt[i].qbuf);
			accel_buffer_free(m->rt[i].lbuf);
		}
	if (m->tbuf)
		for (int t = 0; t < m->g->n_tensors; t++)
			if (m->tbuf_owned[t])
				accel_buffer_free(m->tbuf[t]);
	accel_buffer_free(m->snap);
	accel_buffer_free(m->psum);
	free(m->tbuf);
	free(m->tbuf_owned);
	free(m->rt);
	free(m->layers);
	gr_lower_free(&m->plan);
}
