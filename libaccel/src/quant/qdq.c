// SPDX-License-Identifier: MIT
/*
 * The quantized model, written as ONNX Runtime's static quantizer writes
 * QDQ models: the original ModelProto, edited.
 *
 * 1. Folding: what import folded (fold_bn.h) is applied to the protobuf
 *    too: every node takes its inputs and outputs from the imported graph
 *    (matched by name, in order), new constants become initializers, and
 *    the folded BatchNormalization nodes go.
 * 2. Activations: a quantized tensor T written by node P becomes
 *    P -> T_float -> QuantizeLinear -> T_quantized -> DequantizeLinear -> T,
 *    so every reader and the graph outputs keep the name T and read the
 *    dequantized value. A quantized graph input X gets X -> Q -> DQ ->
 *    X_dequantized and its readers are pointed there.
 * 3. Weights: int8, symmetric, per output channel (axis as the op reads
 *    it) or per tensor; a bias: int32 at s_in * s_w[c], zero point 0. Each
 *    through a DequantizeLinear node in front of its op.
 * 4. Unused initializers and Constant nodes (the float weights, BN
 *    parameters) are dropped.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/qwrite.h"

char *qz_w_strdup(struct qz_w *w, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		w->oom = 1;
	return d;
}

void qz_w_set_str(struct qz_w *w, char **dst, const char *s)
{
	char *d = qz_w_strdup(w, s);

	if (!d)
		return;
	free(*dst);
	*dst = d;
}

void qz_w_push(struct qz_w *w, Onnx__NodeProto *n)
{
	if (!n)
		return;
	if (w->n_nodes == w->cap_nodes) {
		size_t cap = w->cap_nodes ? 2 * w->cap_nodes : 256;
		void *p = realloc(w->nodes, cap * sizeof(*w->nodes));

		if (!p) {
			w->oom = 1;	/* n is lost: out of memory already */
			return;
		}
		w->nodes = p;
		w->cap_nodes = cap;
	}
	w->nodes[w->n_nodes++] = n;
}

Onnx__NodeProto *qz_w_node(struct qz_w *w, const char *op, const char *name,
			   const char *const *in, int n_in, const char *out, int axis)
{
	Onnx__NodeProto *n = calloc(1, sizeof(*n));

	if (!n) {
		w->oom = 1;
		return NULL;
	}
	onnx__node_proto__init(n);
	n->op_type = qz_w_strdup(w, op);
	n->name = qz_w_strdup(w, name);
	n->domain = qz_w_strdup(w, "");
	n->input = calloc((size_t)n_in, sizeof(char *));
	n->output = calloc(1, sizeof(char *));
	if (!n->input || !n->output) {
		w->oom = 1;
		onnx__node_proto__free_unpacked(n, NULL);
		return NULL;
	}
	n->n_input = (size_t)n_in;
	for (int i = 0; i < n_in; i++)
		n->input[i] = qz_w_strdup(w, in[i]);
	n->n_output = 1;
	n->output[0] = qz_w_strdup(w, out);
	if (axis >= 0)
		qz_w_attr_int(w, n, "axis", axis);
	return n;
}

void qz_w_attr_int(struct qz_w *w, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = calloc(1, sizeof(*a));
	void *p = realloc(n->attribute, (n->n_attribute + 1) * sizeof(*n->attribute));

	if (p)
		n->attribute = p;
	if (!a || !p) {
		free(a);
		w->oom = 1;
		return;
	}
	onnx__attribute_proto__init(a);
	a->name = qz_w_strdup(w, name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->has_i = 1;
	a->i = v;
	n->attribute[n->n_attribute++] = a;
}

void qz_w_init(struct qz_w *w, const char *name, int dtype, int rank, const int64_t *dims,
	       const void *data, size_t bytes)
{
	Onnx__TensorProto *t = calloc(1, sizeof(*t));
	void *p = realloc(w->gp->initializer, (w->gp->n_initializer + 1) * sizeof(*t));

	if (!t || !p) {
		free(t);
		if (p)
			w->gp->initializer = p;
		w->oom = 1;
		return;
	}
	w->gp->initializer = p;
	onnx__tensor_proto__init(t);
	t->name = qz_w_strdup(w, name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)rank;
	t->dims = calloc((size_t)rank + 1, sizeof(int64_t));
	t->has_raw_data = 1;
	t->raw_data.len = bytes;
	t->raw_data.data = malloc(bytes ? bytes : 1);
	if (!t->dims || !t->raw_data.data) {
		w->oom = 1;
	} else {
		if (rank)
			memcpy(t->dims, dims, (size_t)rank * sizeof(int64_t));
		if (bytes)
			memcpy(t->raw_data.data, data, bytes);
	}
	w->gp->initializer[w->gp->n_initializer++] = t;
}

static int has_init(const Onnx__GraphProto *gp, const char *name)
{
	for (size_t i = 0; i < gp->n_initializer; i++)
		if (gp->initializer[i]->name && !strcmp(gp->initializer[i]->name, name))
			return 1;
	return 0;
}

/* The name import gives a node (onnx_import.c add_node). */
static void proto_node_name(const Onnx__NodeProto *np, size_t index, char *buf, size_t len)
{
	if (np->name && np->name[0])
		snprintf(buf, len, "%s", np->name);
	else if (np->n_output && np->output[0][0])
		snprintf(buf, len, "%s", np->output[0]);
	else
		snprintf(buf, len, "#%zu", index);
}

/*
 * Step 1: the folding. Returns per IR node the proto node it matched
 * (ir_to_proto) and marks the proto nodes import removed (folded BNs).
 */
static int apply_folding(struct qz_w *w, const struct gr_graph *g, int *ir_to_proto, char *drop)
{
	Onnx__GraphProto *gp = w->gp;
	size_t k = 0;
	char name[512];

	for (int j = 0; j < g->n_nodes; j++) {
		const struct gr_node *n = &g->nodes[j];
		Onnx__NodeProto *np = NULL;

		for (; k < gp->n_node; k++) {
			proto_node_name(gp->node[k], k, name, sizeof(name));
			if (!strcmp(name, n->name))
				break;
			/* not in the imported graph: folded BNs go, others stay */
			if (gp->node[k]->op_type && !strcmp(gp->node[k]->op_type, "BatchNormalization"))
				drop[k] = 1;
		}
		if (k == gp->n_node)
			return gr_err_set(w->err, -EINVAL,
					  "node '%s' of the imported graph is not in the model", n->name);
		np = gp->node[k];
		ir_to_proto[j] = (int)k++;
		for (int o = 0; o < n->n_out && o < (int)np->n_output; o++)
			if (n->out[o] >= 0 && strcmp(np->output[o], g->tensors[n->out[o]].name))
				qz_w_set_str(w, &np->output[o], g->tensors[n->out[o]].name);
		if ((size_t)n->n_in > np->n_input) {
			char **p = realloc(np->input, (size_t)n->n_in * sizeof(char *));

			if (!p)
				return gr_err_set(w->err, -ENOMEM, "out of memory");
			for (size_t i = np->n_input; i < (size_t)n->n_in; i++)
				p[i] = qz_w_strdup(w, "");
			np->input = p;
			np->n_input = (size_t)n->n_in;
		}
		for (int i = 0; i < n->n_in; i++) {
			const char *tn = n->in[i] >= 0 ? g->tensors[n->in[i]].name : "";
			const struct gr_value *c = n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL;

			if (strcmp(np->input[i], tn))
				qz_w_set_str(w, &np->input[i], tn);
			/* a constant import made (folded weights) */
			if (c && g->tensors[n->in[i]].producer < 0 && !has_init(gp, tn) &&
			    strstr(tn, ".bnfold"))
				qz_w_init(w, tn, c->dtype, c->rank, c->dims, c->data,
					 c->count * gr_dtype_size(c->dtype));
		}
	}
	for (; k < gp->n_node; k++)
		if (gp->node[k]->op_type && !strcmp(gp->node[k]->op_type, "BatchNormalization"))
			drop[k] = 1;
	return w->oom ? gr_err_set(w->err, -ENOMEM, "out of memory") : 0;
}

/* Q and DQ of activation a: in_name -> q_name -> dq_name. */
void qz_w_act_init(struct qz_w *w, const struct qz_act *a, const char *tname)
{
	char s[600], z[600];

	snprintf(s, sizeof(s), "%s_scale", tname);
	snprintf(z, sizeof(z), "%s_zero_point", tname);
	qz_w_init(w, s, QZ_DT_FLOAT, 0, NULL, &a->scale, sizeof(float));
	qz_w_init(w, z, QZ_DT_INT8, 0, NULL, &a->zp, 1);
}

/* in_name -> QuantizeLinear -> TNAME_quantized (after qz_w_act_init). */
void qz_w_quantize(struct qz_w *w, const char *tname, const char *in_name)
{
	char s[600], z[600], q[600], nq[600];
	const char *qin[3] = { in_name, s, z };

	snprintf(s, sizeof(s), "%s_scale", tname);
	snprintf(z, sizeof(z), "%s_zero_point", tname);
	snprintf(q, sizeof(q), "%s_quantized", tname);
	snprintf(nq, sizeof(nq), "%s_QuantizeLinear", tname);
	qz_w_push(w, qz_w_node(w, "QuantizeLinear", nq, qin, 3, q, -1));
}

/* TNAME_quantized -> DequantizeLinear -> out_name. */
void qz_w_dequantize(struct qz_w *w, const char *tname, const char *out_name)
{
	char s[600], z[600], q[600], nd[600];
	const char *dqin[3] = { q, s, z };

	snprintf(s, sizeof(s), "%s_scale", tname);
	snprintf(z, sizeof(z), "%s_zero_point", tname);
	snprintf(q, sizeof(q), "%s_quantized", tname);
	snprintf(nd, sizeof(nd), "%s_DequantizeLinear", tname);
	qz_w_push(w, qz_w_node(w, "DequantizeLinear", nd, dqin, 3, out_name, -1));
}

/* Q and DQ of activation a: in_name -> q_name -> dq_name. */
static void act_qdq(struct qz_w *w, const struct qz_act *a, const char *tname,
		    const char *in_name, const char *dq_name)
{
	qz_w_act_init(w, a, tname);
	qz_w_quantize(w, tname, in_name);
	qz_w_dequantize(w, tname, dq_name);
}

/* Step 3's numbers: per-channel (or per-tensor) symmetric int8, int32 bias. */
int qz_weights_quant(const struct gr_graph *g, const struct qz_plan *p,
		     const struct qz_wnode *wn, int per_channel, struct qz_wq *q)
{
	const struct gr_node *n = &g->nodes[wn->node];
	const struct gr_value *wt = g->tensors[n->in[1]].constant;
	const struct gr_value *b = wn->bias_in >= 0 ? g->tensors[n->in[wn->bias_in]].constant : NULL;
	int64_t m = wt->dims[wn->axis], inner = 1, outer = 1;
	float s_in = p->act[wn->in_act].scale, s_out = 0;
	const float *wf = wt->data;
	int fused = p->fused[wn->node];
	int out_t = fused >= 0 ? g->nodes[fused].out[0] : n->out[0];

	if (out_t >= 0 && p->act_of[out_t] >= 0)
		s_out = p->act[p->act_of[out_t]].scale;

	memset(q, 0, sizeof(*q));
	q->m = m;
	q->sw = calloc((size_t)m, sizeof(float));
	q->wq = malloc(wt->count);
	q->wz = calloc((size_t)m, 1);
	if (b) {
		q->bq = malloc((size_t)m * sizeof(int32_t));
		q->bz = calloc((size_t)m, sizeof(int32_t));
		q->bs = malloc((size_t)m * sizeof(float));
	}
	if (!q->sw || !q->wq || !q->wz || (b && (!q->bq || !q->bz || !q->bs))) {
		qz_wq_free(q);
		return -ENOMEM;
	}
	for (int d = wn->axis + 1; d < wt->rank; d++)
		inner *= wt->dims[d];
	for (int d = 0; d < wn->axis; d++)
		outer *= wt->dims[d];
	/* the scale per channel: max |w| / 127 */
	for (int64_t o = 0; o < outer; o++)
		for (int64_t c = 0; c < m; c++)
			for (int64_t i = 0; i < inner; i++) {
				float v = fabsf(wf[(o * m + c) * inner + i]);

				if (v > q->sw[c])
					q->sw[c] = v;
			}
	if (!per_channel) {
		float mx = 0;

		for (int64_t c = 0; c < m; c++)
			mx = fmaxf(mx, q->sw[c]);
		for (int64_t c = 0; c < m; c++)
			q->sw[c] = mx;
	}
	for (int64_t c = 0; c < m; c++)
		q->sw[c] /= 127.0f;
	/*
	 * What a trained model's weak channels need (BatchNormalization with
	 * gamma about 0 folds into tiny or denormal weights):
	 * - the bias must fit int32 at s_in * s_w: s_w is raised to
	 *   |b| / (s_in * (2^31 - 1)), as ONNX Runtime's quantizer adjusts a
	 *   weight scale for an int32 bias (the weights, too small to matter
	 *   next to the bias, quantize coarser);
	 * - a scale that is not a normal float (all-zero or denormal weights),
	 *   or a requantization scale s_in * s_w / s_out (ONNX Runtime's float
	 *   order) below 2^-32, becomes 1: below 2^-32 even the largest int32
	 *   sum moves the output by less than half a step, so the weights are
	 *   0 at any scale; at 1 the bias keeps its value and every scale is
	 *   one the device takes (a normal float, and the fixed-point
	 *   requantization's range starts at 2^-32).
	 * Per tensor, the one scale takes the largest need.
	 */
	for (int64_t c = 0; b && c < m; c++) {
		double need = fabs(gr_value_get_f(b, (size_t)c)) / ((double)s_in * 2147483647.0);

		if (need > q->sw[per_channel ? c : 0])
			for (int64_t k = per_channel ? c : 0; k < (per_channel ? c + 1 : m); k++)
				q->sw[k] = (float)need * (1.0f + FLT_EPSILON);
	}
	for (int64_t c = 0; c < m; c++)
		if (!(q->sw[c] >= FLT_MIN) || !isfinite(q->sw[c]) ||
		    (s_out > 0 && !(s_in * q->sw[c] / s_out >= 0x1p-32f)))
			q->sw[c] = 1.0f;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t c = 0; c < m; c++)
			for (int64_t i = 0; i < inner; i++) {
				size_t at = (size_t)((o * m + c) * inner + i);
				float v = nearbyintf(wf[at] / q->sw[c]);

				q->wq[at] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
			}
	for (int64_t c = 0; b && c < m; c++) {
		double v;

		q->bs[c] = s_in * q->sw[c];
		v = nearbyint(gr_value_get_f(b, (size_t)c) / (double)q->bs[c]);
		q->bq[c] = (int32_t)(v > 2147483647.0 ? 2147483647.0 :
				     v < -2147483647.0 ? -2147483647.0 : v);
	}
	return 0;
}

void qz_wq_free(struct qz_wq *q)
{
	free(q->sw);
	free(q->wq);
	free(q->wz);
	free(q->bq);
	free(q->bz);
	free(q->bs);
	memset(q, 0, sizeof(*q));
}

/* Step 3: weights and bias of IR node wn, in front of proto node np. */
void qz_w_weights_dq(struct qz_w *w, const struct gr_graph *g, const struct qz_plan *p,
			     const struct qz_wnode *wn, Onnx__NodeProto *np, int per_channel)
{
	const struct gr_node *n = &g->nodes[wn->node];
	const struct gr_value *wt = g->tensors[n->in[1]].constant;
	char qn[700], sn[700], zn[700], dn[700], nn[700];
	struct qz_wq q;
	int64_t cd[1];

	if (qz_weights_quant(g, p, wn, per_channel, &q)) {
		w->oom = 1;
		return;
	}
	snprintf(qn, sizeof(qn), "%s.weight_quantized", n->name);
	snprintf(sn, sizeof(sn), "%s.weight_scale", n->name);
	snprintf(zn, sizeof(zn), "%s.weight_zero_point", n->name);
	snprintf(dn, sizeof(dn), "%s.weight_dequantized", n->name);
	snprintf(nn, sizeof(nn), "%s.weight_DequantizeLinear", n->name);
	qz_w_init(w, qn, QZ_DT_INT8, wt->rank, wt->dims, q.wq, wt->count);
	cd[0] = q.m;
	if (per_channel) {
		qz_w_init(w, sn, QZ_DT_FLOAT, 1, cd, q.sw, (size_t)q.m * sizeof(float));
		qz_w_init(w, zn, QZ_DT_INT8, 1, cd, q.wz, (size_t)q.m);
	} else {
		qz_w_init(w, sn, QZ_DT_FLOAT, 0, NULL, q.sw, sizeof(float));
		qz_w_init(w, zn, QZ_DT_INT8, 0, NULL, q.wz, 1);
	}
	{
		const char *in[3] = { qn, sn, zn };

		qz_w_push(w, qz_w_node(w, "DequantizeLinear", nn, in, 3, dn,
				       per_channel ? wn->axis : -1));
	}
	qz_w_set_str(w, &np->input[1], dn);
	if (q.bq) {
		snprintf(qn, sizeof(qn), "%s.bias_quantized", n->name);
		snprintf(sn, sizeof(sn), "%s.bias_scale", n->name);
		snprintf(zn, sizeof(zn), "%s.bias_zero_point", n->name);
		snprintf(dn, sizeof(dn), "%s.bias_dequantized", n->name);
		snprintf(nn, sizeof(nn), "%s.bias_DequantizeLinear", n->name);
		qz_w_init(w, qn, QZ_DT_INT32, 1, cd, q.bq, (size_t)q.m * sizeof(int32_t));
		qz_w_init(w, sn, QZ_DT_FLOAT, 1, cd, q.bs, (size_t)q.m * sizeof(float));
		qz_w_init(w, zn, QZ_DT_INT32, 1, cd, q.bz, (size_t)q.m * sizeof(int32_t));
		{
			const char *in[3] = { qn, sn, zn };

			qz_w_push(w, qz_w_node(w, "DequantizeLinear", nn, in, 3, dn, 0));
		}
		qz_w_set_str(w, &np->input[wn->bias_in], dn);
	}
	qz_wq_free(&q);
}

int qz_w_referenced(const Onnx__GraphProto *gp, const char *name)
{
	for (size_t i = 0; i < gp->n_node; i++)
		for (size_t k = 0; k < gp->node[i]->n_input; k++)
			if (!strcmp(gp->node[i]->input[k], name))
				return 1;
	for (size_t i = 0; i < gp->n_output; i++)
		if (gp->output[i]->name && !strcmp(gp->output[i]->name, name))
			return 1;
	return 0;
}

/* Step 4: initializers, graph inputs naming them, and Constants nobody reads. */
static void drop_unused(Onnx__GraphProto *gp)
{
	size_t k = 0;

	for (size_t i = 0; i < gp->n_initializer; i++) {
		if (qz_w_referenced(gp, gp->initializer[i]->name)) {
			gp->initializer[k++] = gp->initializer[i];
			continue;
		}
		/* an initializer also listed as a graph input (IR < 4) */
		for (size_t j = 0; j < gp->n_input; j++)
			if (gp->input[j]->name && !strcmp(gp->input[j]->name, gp->initializer[i]->name)) {
				onnx__value_info_proto__free_unpacked(gp->input[j], NULL);
				memmove(&gp->input[j], &gp->input[j + 1],
					(gp->n_input - j - 1) * sizeof(*gp->input));
				gp->n_input--;
				break;
			}
		onnx__tensor_proto__free_unpacked(gp->initializer[i], NULL);
	}
	gp->n_initializer = k;
	k = 0;
	for (size_t i = 0; i < gp->n_node; i++) {
		Onnx__NodeProto *n = gp->node[i];

		if (n->op_type && !strcmp(n->op_type, "Constant") && n->n_output == 1 &&
		    !qz_w_referenced(gp, n->output[0])) {
			onnx__node_proto__free_unpacked(n, NULL);
			continue;
		}
		gp->node[k++] = n;
	}
	gp->n_node = k;
}

/* The new node list becomes the graph's; unused initializers go; packed. */
int qz_w_pack(struct qz_w *w, Onnx__ModelProto *mp, uint8_t **out, size_t *out_len)
{
	free(w->gp->node);
	w->gp->node = w->nodes;
	w->gp->n_node = w->n_nodes;
	w->nodes = NULL;
	if (w->oom)
		return gr_err_set(w->err, -ENOMEM, "out of memory");
	drop_unused(w->gp);
	qz_w_set_str(w, &mp->producer_name, "eyrie accel_quantize");
	*out_len = onnx__model_proto__get_packed_size(mp);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out || w->oom) {
		free(*out);
		*out = NULL;
		return gr_err_set(w->err, -ENOMEM, "out of memory");
	}
	onnx__model_proto__pack(mp, *out);
	return 0;
}

void qz_w_free_pending(struct qz_w *w)
{
	if (!w->nodes)
		return;
	/* nodes moved to w->nodes before an error are owned there */
	for (size_t i = 0; i < w->n_nodes; i++) {
		int in_gp = 0;

		for (size_t k = 0; k < w->gp->n_node && !in_gp; k++)
			in_gp = w->gp->node[k] == w->nodes[i];
		if (!in_gp)
			onnx__node_proto__free_unpacked(w->nodes[i], NULL);
	}
	free(w->nodes);
	w->nodes = NULL;
}

int qz_w_open(struct qz_w *w, const void *model_buf, size_t model_len,
	      const struct gr_graph *g, Onnx__ModelProto **mpp, int **proto_to_ir, char **drop)
{
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, model_len, model_buf);
	int *ir_to_proto, rc;

	*mpp = mp;
	*proto_to_ir = NULL;
	*drop = NULL;
	if (!mp || !mp->graph)
		return gr_err_set(w->err, -EINVAL, "the model cannot be read again");
	w->gp = mp->graph;
	ir_to_proto = calloc((size_t)g->n_nodes + 1, sizeof(int));
	*proto_to_ir = malloc((w->gp->n_node + 1) * sizeof(int));
	*drop = calloc(w->gp->n_node + 1, 1);
	if (!ir_to_proto || !*proto_to_ir || !*drop) {
		free(ir_to_proto);
		return gr_err_set(w->err, -ENOMEM, "out of memory");
	}
	rc = apply_folding(w, g, ir_to_proto, *drop);
	if (!rc) {
		for (size_t k = 0; k < w->gp->n_node; k++)
			(*proto_to_ir)[k] = -1;
		for (int j = 0; j < g->n_nodes; j++)
			(*proto_to_ir)[ir_to_proto[j]] = j;
	}
	free(ir_to_proto);
	return rc;
}

void qz_w_close(struct qz_w *w, Onnx__ModelProto *mp, int *proto_to_ir, char *drop)
{
	qz_w_free_pending(w);
	free(proto_to_ir);
	free(drop);
	if (mp)
		onnx__model_proto__free_unpacked(mp, NULL);
}

int qz_qdq_model(const void *model_buf, size_t model_len, const struct gr_graph *g,
		 const struct qz_plan *p, const struct qz_write_opts *o,
		 uint8_t **out, size_t *out_len, struct gr_err *err)
{
	Onnx__ModelProto *mp;
	struct qz_w w = { .err = err };
	int *proto_to_ir;
	char *drop;
	int rc;

	rc = qz_w_open(&w, model_buf, model_len, g, &mp, &proto_to_ir, &drop);
	if (rc)
		goto out;
	/* quantized graph inputs first */
	for (int i = 0; i < p->n_act; i++) {
		const struct qz_act *a = &p->act[i];
		const char *tn = g->tensors[a->t].name;
		char dq[600];

		if (!g->tensors[a->t].is_input)
			continue;
		snprintf(dq, sizeof(dq), "%s_dequantized", tn);
		for (size_t k = 0; k < w.gp->n_node; k++)
			for (size_t x = 0; x < w.gp->node[k]->n_input; x++)
				if (!strcmp(w.gp->node[k]->input[x], tn))
					qz_w_set_str(&w, &w.gp->node[k]->input[x], dq);
		act_qdq(&w, a, tn, tn, dq);
	}
	for (size_t k = 0; k < w.gp->n_node; k++) {
		Onnx__NodeProto *np = w.gp->node[k];
		int j = proto_to_ir[k];

		if (drop[k]) {
			onnx__node_proto__free_unpacked(np, NULL);
			continue;
		}
		if (j >= 0 && p->quantized[j])
			for (int x = 0; x < p->n_wn; x++)
				if (p->wn[x].node == j)
					qz_w_weights_dq(&w, g, p, &p->wn[x], np, o->per_channel);
		qz_w_push(&w, np);
		if (j < 0)
			continue;
		for (int oi = 0; oi < g->nodes[j].n_out; oi++) {
			int t = g->nodes[j].out[oi], ai = t >= 0 ? p->act_of[t] : -1;
			char fl[600];

			if (ai < 0 || (size_t)oi >= np->n_output)
				continue;
			snprintf(fl, sizeof(fl), "%s_float", g->tensors[t].name);
			qz_w_set_str(&w, &np->output[oi], fl);
			act_qdq(&w, &p->act[ai], g->tensors[t].name, fl, g->tensors[t].name);
		}
	}
	rc = qz_w_pack(&w, mp, out, out_len);
out:
	qz_w_close(&w, mp, proto_to_ir, drop);
	return rc;
}
