// SPDX-License-Identifier: MIT
/*
 * The quantized model in QOperator format, as ONNX Runtime's static
 * quantizer writes it (QuantFormat.QOperator): same plan, ranges, scales
 * and weights as the QDQ model (qdq.c), but each quantized op is one
 * integer op on int8 tensors:
 *
 *   Conv               -> QLinearConv (int8 weights per output channel,
 *                         int32 bias at x_scale * w_scale)
 *   Gemm               -> com.microsoft QGemm (per-column weights, int32 C)
 *   MatMul             -> QLinearMatMul (per-column weights)
 *   MaxPool            -> MaxPool on the int8 tensor (its output keeps the
 *                         input's scale and zero point)
 *   AveragePool        -> com.microsoft QLinearAveragePool
 *   GlobalAveragePool  -> com.microsoft QLinearGlobalAveragePool
 *   Add                -> com.microsoft QLinearAdd
 *   LeakyRelu, Sigmoid -> com.microsoft QLinearLeakyRelu, QLinearSigmoid
 *   Concat             -> com.microsoft QLinearConcat (Y_scale, Y_zero_point,
 *                         then each input's tensor, scale, zero point)
 *
 * A Relu or Clip the plan fused into the op goes: the op's output range
 * (the activation's) does its work by saturation, as ONNX Runtime removes
 * them. That is exact when the clip bounds quantize to the ends of the
 * int8 range (a Relu's range starts at 0, zero point -128); where not, or
 * for a quantized op with no QOperator form here (HardSigmoid,
 * HardSwish, Tanh, MaxPool with an activation), the op stays float
 * between DequantizeLinear and QuantizeLinear, with its weights through
 * DequantizeLinear, exactly as in the QDQ model.
 *
 * Names: an activation T of the float model is T_quantized (int8) with
 * T_scale and T_zero_point; T itself (float, DequantizeLinear of
 * T_quantized) exists only where a float op or the graph's outputs read
 * it; a float op writing a quantized T writes T_float, quantized to
 * T_quantized. A quantized graph input X stays float and is quantized to
 * X_quantized; float readers read X_dequantized. The quantized ops are
 * named NODE_quant, as ONNX Runtime names them.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/qwrite.h"

#define NAME 600

enum qop_kind {
	QK_FLOAT,		/* not a QOperator node: written as the QDQ model does */
	QK_CONV, QK_GEMM, QK_MATMUL, QK_MAXPOOL, QK_AVGPOOL, QK_GAP, QK_ADD,
	QK_LEAKY, QK_SIGMOID, QK_CONCAT,
};

/* Whether the fused Relu/Clip f is what the int8 range of act a does. */
static int fold_exact(const struct gr_graph *g, const struct gr_node *f, const struct qz_act *a)
{
	double lo = -DBL_MAX, hi = DBL_MAX;

	if (gr_node_is(f, "Relu")) {
		lo = 0;
	} else {
		for (int k = 1; k <= 2; k++) {
			const struct gr_value *c = k < f->n_in && f->in[k] >= 0 ?
						   g->tensors[f->in[k]].constant : NULL;

			if (c && c->count == 1) {
				if (k == 1)
					lo = gr_value_get_f(c, 0);
				else
					hi = gr_value_get_f(c, 0);
			}
		}
		if (f->n_in < 2) {	/* opset < 11: attributes */
			lo = gr_attr_float(f, "min", -FLT_MAX);
			hi = gr_attr_float(f, "max", FLT_MAX);
		}
	}
	/* QuantizeLinear is monotone: Q(clip(x, lo, hi)) = Q(x) when Q(lo) and
	 * Q(hi) saturate at the int8 ends */
	if (lo > -DBL_MAX && nearbyintf((float)lo / a->scale) + a->zp > -128)
		return 0;
	if (hi < DBL_MAX && nearbyintf((float)hi / a->scale) + a->zp < 127)
		return 0;
	return 1;
}

static enum qop_kind qop_kind(const struct gr_graph *g, const struct qz_plan *p, int j)
{
	const struct gr_node *n = &g->nodes[j];
	int f = p->fused[j];

	if (!p->quantized[j])
		return QK_FLOAT;
	if (f >= 0 && !fold_exact(g, &g->nodes[f], &p->act[p->act_of[g->nodes[f].out[0]]]))
		return QK_FLOAT;
	if (gr_node_is(n, "Conv"))
		return QK_CONV;
	if (gr_node_is(n, "Gemm"))
		return QK_GEMM;
	if (gr_node_is(n, "MatMul"))
		return QK_MATMUL;
	/* int8 MaxPool is opset 12; with an activation its output has its own range */
	if (gr_node_is(n, "MaxPool"))
		return f < 0 && g->opset >= 12 ? QK_MAXPOOL : QK_FLOAT;
	if (gr_node_is(n, "AveragePool"))
		return QK_AVGPOOL;
	if (gr_node_is(n, "GlobalAveragePool"))
		return QK_GAP;
	if (gr_node_is(n, "Add"))
		return QK_ADD;
	if (gr_node_is(n, "LeakyRelu"))
		return QK_LEAKY;
	if (gr_node_is(n, "Sigmoid"))
		return QK_SIGMOID;
	/* every input an activation of the plan (with its scale) */
	if (gr_node_is(n, "Concat") && f < 0) {
		for (int i = 0; i < n->n_in; i++)
			if (n->in[i] < 0 || p->act_of[n->in[i]] < 0)
				return QK_FLOAT;
		return QK_CONCAT;
	}
	return QK_FLOAT;	/* HardSigmoid, HardSwish, Tanh */
}

/* The act a proto input name reads (-1: none), and whether it is a graph input. */
static int act_of_name(const struct gr_graph *g, const struct qz_plan *p, const char *name)
{
	int t = name[0] ? gr_graph_tensor((struct gr_graph *)g, name) : -1;

	return t >= 0 ? p->act_of[t] : -1;
}

struct qop {
	struct qz_w w;
	const struct gr_graph *g;
	const struct qz_plan *p;
	int ms;			/* a com.microsoft op was written */
};

/* TNAME_quantized, TNAME_scale, TNAME_zero_point of tensor t into in[k..k+2]. */
static void q_triple(const struct qop *q, int t, char (*in)[NAME], int k)
{
	const char *tn = q->g->tensors[t].name;

	snprintf(in[k], NAME, "%s_quantized", tn);
	snprintf(in[k + 1], NAME, "%s_scale", tn);
	snprintf(in[k + 2], NAME, "%s_zero_point", tn);
}

/* Keeps the attributes of np named in keep (NULL-terminated). */
static void keep_attrs(Onnx__NodeProto *np, const char *const *keep)
{
	size_t k = 0;

	for (size_t i = 0; i < np->n_attribute; i++) {
		int ok = 0;

		for (int x = 0; keep[x] && !ok; x++)
			ok = np->attribute[i]->name && !strcmp(np->attribute[i]->name, keep[x]);
		if (ok)
			np->attribute[k++] = np->attribute[i];
		else
			onnx__attribute_proto__free_unpacked(np->attribute[i], NULL);
	}
	np->n_attribute = k;
}

/* The weights' initializers of node j: NODE.weight_quantized etc. */
static void weights_init(struct qop *q, const struct qz_wnode *wn, int per_channel,
			 char (*in)[NAME], int k, char *bias)
{
	const struct gr_node *n = &q->g->nodes[wn->node];
	const struct gr_value *wt = q->g->tensors[n->in[1]].constant;
	struct qz_wq wq;
	int64_t cd[1];

	bias[0] = 0;
	snprintf(in[k], NAME, "%s.weight_quantized", n->name);
	snprintf(in[k + 1], NAME, "%s.weight_scale", n->name);
	snprintf(in[k + 2], NAME, "%s.weight_zero_point", n->name);
	if (qz_weights_quant(q->g, q->p, wn, per_channel, &wq)) {
		q->w.oom = 1;
		return;
	}
	cd[0] = wq.m;
	qz_w_init(&q->w, in[k], QZ_DT_INT8, wt->rank, wt->dims, wq.wq, wt->count);
	if (per_channel) {
		qz_w_init(&q->w, in[k + 1], QZ_DT_FLOAT, 1, cd, wq.sw, (size_t)wq.m * sizeof(float));
		qz_w_init(&q->w, in[k + 2], QZ_DT_INT8, 1, cd, wq.wz, (size_t)wq.m);
	} else {
		qz_w_init(&q->w, in[k + 1], QZ_DT_FLOAT, 0, NULL, wq.sw, sizeof(float));
		qz_w_init(&q->w, in[k + 2], QZ_DT_INT8, 0, NULL, wq.wz, 1);
	}
	if (wq.bq) {
		snprintf(bias, NAME, "%s.bias_quantized", n->name);
		qz_w_init(&q->w, bias, QZ_DT_INT32, 1, cd, wq.bq, (size_t)wq.m * sizeof(int32_t));
	}
	qz_wq_free(&wq);
}

/*
 * Concat node np (IR node j) rewritten in place as com.microsoft
 * QLinearConcat: Y_scale, Y_zero_point, then a (tensor, scale, zero point)
 * triple per input, with the Concat's axis.
 */
static void write_qconcat(struct qop *q, Onnx__NodeProto *np, int j, int out_t)
{
	static const char *const concat_attrs[] = { "axis", NULL };
	const struct gr_node *n = &q->g->nodes[j];
	size_t n_in = 2 + 3 * (size_t)n->n_in;
	char (*in)[NAME] = calloc(n_in, sizeof(*in));
	char **pin = calloc(n_in, sizeof(char *));
	char name[NAME], out[NAME];

	if (!in || !pin) {
		free(in);
		free(pin);
		q->w.oom = 1;
		return;
	}
	snprintf(in[0], NAME, "%s_scale", q->g->tensors[out_t].name);
	snprintf(in[1], NAME, "%s_zero_point", q->g->tensors[out_t].name);
	for (int i = 0; i < n->n_in; i++)
		q_triple(q, n->in[i], in, 2 + 3 * i);
	keep_attrs(np, concat_attrs);
	for (size_t i = 0; i < np->n_input; i++)
		free(np->input[i]);
	free(np->input);
	np->input = pin;
	np->n_input = n_in;
	for (size_t i = 0; i < n_in; i++)
		pin[i] = qz_w_strdup(&q->w, in[i]);
	free(in);
	snprintf(out, sizeof(out), "%s_quantized", q->g->tensors[out_t].name);
	qz_w_set_str(&q->w, &np->output[0], out);
	qz_w_set_str(&q->w, &np->op_type, "QLinearConcat");
	qz_w_set_str(&q->w, &np->domain, "com.microsoft");
	snprintf(name, sizeof(name), "%s_quant", n->name);
	qz_w_set_str(&q->w, &np->name, name);
	q->ms = 1;
}

/*
 * Proto node np (IR node j) rewritten in place as its QOperator op reading
 * the int8 inputs and writing out_t's int8 tensor.
 */
static void write_qop(struct qop *q, Onnx__NodeProto *np, int j, enum qop_kind kind,
		      int out_t, int per_channel)
{
	static const char *const conv_attrs[] = { "auto_pad", "dilations", "group", "kernel_shape",
						  "pads", "strides", NULL };
	static const char *const gemm_attrs[] = { "alpha", "transA", "transB", NULL };
	static const char *const pool_attrs[] = { "auto_pad", "ceil_mode", "count_include_pad",
						  "kernel_shape", "pads", "strides", NULL };
	static const char *const maxpool_attrs[] = { "auto_pad", "ceil_mode", "dilations",
						     "kernel_shape", "pads", "storage_order",
						     "strides", NULL };
	static const char *const leaky_attrs[] = { "alpha", NULL };
	static const char *const none[] = { NULL };
	const struct gr_node *n = &q->g->nodes[j];
	const struct qz_wnode *wn = NULL;
	char in[10][NAME], bias[NAME], name[NAME], out[NAME];
	const char *op = NULL, *dom = "";
	const char *const *keep = none;
	int n_in = 0;
	char **pin;

	for (int x = 0; x < q->p->n_wn; x++)
		if (q->p->wn[x].node == j)
			wn = &q->p->wn[x];
	q_triple(q, n->in[0], in, 0);
	switch (kind) {
	case QK_CONV:		/* x, x_s, x_zp, w, w_s, w_zp, y_s, y_zp, B */
		weights_init(q, wn, per_channel, in, 3, bias);
		snprintf(in[6], NAME, "%s_scale", q->g->tensors[out_t].name);
		snprintf(in[7], NAME, "%s_zero_point", q->g->tensors[out_t].name);
		n_in = 8;
		if (bias[0])
			snprintf(in[n_in++], NAME, "%s", bias);
		op = "QLinearConv";
		keep = conv_attrs;
		break;
	case QK_GEMM:		/* A, a_s, a_zp, B, b_s, b_zp, C, y_s, y_zp */
	case QK_MATMUL:		/* a, a_s, a_zp, b, b_s, b_zp, y_s, y_zp */
		weights_init(q, wn, per_channel, in, 3, bias);
		n_in = 6;
		if (kind == QK_GEMM) {
			snprintf(in[n_in++], NAME, "%s", bias);
			op = "QGemm";
			dom = "com.microsoft";
			keep = gemm_attrs;
		} else {
			op = "QLinearMatMul";
		}
		snprintf(in[n_in++], NAME, "%s_scale", q->g->tensors[out_t].name);
		snprintf(in[n_in++], NAME, "%s_zero_point", q->g->tensors[out_t].name);
		break;
	case QK_ADD:		/* A, A_s, A_zp, B, B_s, B_zp, C_s, C_zp */
		q_triple(q, n->in[1], in, 3);
		snprintf(in[6], NAME, "%s_scale", q->g->tensors[out_t].name);
		snprintf(in[7], NAME, "%s_zero_point", q->g->tensors[out_t].name);
		n_in = 8;
		op = "QLinearAdd";
		dom = "com.microsoft";
		break;
	case QK_MAXPOOL:	/* the float op on int8 */
		n_in = 1;
		op = "MaxPool";
		keep = maxpool_attrs;
		break;
	default:		/* X, X_s, X_zp, Y_s, Y_zp */
		snprintf(in[3], NAME, "%s_scale", q->g->tensors[out_t].name);
		snprintf(in[4], NAME, "%s_zero_point", q->g->tensors[out_t].name);
		n_in = 5;
		dom = "com.microsoft";
		op = kind == QK_AVGPOOL ? "QLinearAveragePool" :
		     kind == QK_GAP ? "QLinearGlobalAveragePool" :
		     kind == QK_LEAKY ? "QLinearLeakyRelu" : "QLinearSigmoid";
		keep = kind == QK_AVGPOOL ? pool_attrs : kind == QK_LEAKY ? leaky_attrs : none;
		break;
	}
	keep_attrs(np, keep);
	if (kind == QK_GAP)
		qz_w_attr_int(&q->w, np, "channels_last", 0);
	pin = calloc((size_t)n_in, sizeof(char *));
	if (!pin) {
		q->w.oom = 1;
		return;
	}
	for (size_t i = 0; i < np->n_input; i++)
		free(np->input[i]);
	free(np->input);
	np->input = pin;
	np->n_input = (size_t)n_in;
	for (int i = 0; i < n_in; i++)
		pin[i] = qz_w_strdup(&q->w, in[i]);
	snprintf(out, sizeof(out), "%s_quantized", q->g->tensors[out_t].name);
	qz_w_set_str(&q->w, &np->output[0], out);
	for (size_t o = 1; o < np->n_output; o++)
		free(np->output[o]);
	np->n_output = 1;
	qz_w_set_str(&q->w, &np->op_type, op);
	qz_w_set_str(&q->w, &np->domain, dom);
	snprintf(name, sizeof(name), "%s_quant", n->name);
	if (kind != QK_MAXPOOL)
		qz_w_set_str(&q->w, &np->name, name);
	q->ms |= dom[0] != 0;
}

/* The model's opset import gets com.microsoft 1 when missing. */
static void ms_opset(struct qop *q, Onnx__ModelProto *mp)
{
	Onnx__OperatorSetIdProto *o;
	void *p;

	for (size_t i = 0; i < mp->n_opset_import; i++)
		if (mp->opset_import[i]->domain && !strcmp(mp->opset_import[i]->domain, "com.microsoft"))
			return;
	o = calloc(1, sizeof(*o));
	p = realloc(mp->opset_import, (mp->n_opset_import + 1) * sizeof(*mp->opset_import));
	if (p)
		mp->opset_import = p;
	if (!o || !p) {
		free(o);
		q->w.oom = 1;
		return;
	}
	onnx__operator_set_id_proto__init(o);
	o->domain = qz_w_strdup(&q->w, "com.microsoft");
	o->has_version = 1;
	o->version = 1;
	mp->opset_import[mp->n_opset_import++] = o;
}

int qz_qop_model(const void *model_buf, size_t model_len, const struct gr_graph *g,
		 const struct qz_plan *p, const struct qz_write_opts *o,
		 uint8_t **out, size_t *out_len, struct gr_err *err)
{
	struct qop q = { .w = { .err = err }, .g = g, .p = p };
	Onnx__ModelProto *mp;
	enum qop_kind *kind = calloc((size_t)g->n_nodes + 1, sizeof(*kind));
	char *need_float = calloc((size_t)p->n_act + 1, 1), *drop_fused;
	int *proto_to_ir, rc;

	rc = qz_w_open(&q.w, model_buf, model_len, g, &mp, &proto_to_ir, &drop_fused);
	if (!rc && (!kind || !need_float))
		rc = gr_err_set(err, -ENOMEM, "out of memory");
	if (rc)
		goto out;
	for (int j = 0; j < g->n_nodes; j++)
		kind[j] = qop_kind(g, p, j);
	/*
	 * Which quantized tensors a float reader (or the graph's outputs) needs
	 * as float: those get a DequantizeLinear. A fused activation of a
	 * QOperator node goes with it.
	 */
	for (size_t k = 0; k < q.w.gp->n_node; k++) {
		int j = proto_to_ir[k];

		if (drop_fused[k] || (j >= 0 && kind[j] != QK_FLOAT))
			continue;
		if (j >= 0) {
			int f = -1;

			for (int x = 0; x < g->n_nodes && f < 0; x++)
				if (p->fused[x] == j && kind[x] != QK_FLOAT)
					f = x;
			if (f >= 0)
				continue;
		}
		for (size_t x = 0; x < q.w.gp->node[k]->n_input; x++) {
			int a = act_of_name(g, p, q.w.gp->node[k]->input[x]);

			if (a >= 0)
				need_float[a] = 1;
		}
	}
	for (int i = 0; i < g->n_outputs; i++)
		if (p->act_of[g->outputs[i]] >= 0)
			need_float[p->act_of[g->outputs[i]]] = 1;
	/* quantized graph inputs: X -> X_quantized (-> X_dequantized) */
	for (int i = 0; i < p->n_act; i++) {
		const struct qz_act *a = &p->act[i];
		const char *tn = g->tensors[a->t].name;
		char dq[NAME];

		if (!g->tensors[a->t].is_input)
			continue;
		qz_w_act_init(&q.w, a, tn);
		qz_w_quantize(&q.w, tn, tn);
		if (!need_float[i])
			continue;
		snprintf(dq, sizeof(dq), "%s_dequantized", tn);
		for (size_t k = 0; k < q.w.gp->n_node; k++) {
			int j = proto_to_ir[k];

			if (j >= 0 && kind[j] != QK_FLOAT)
				continue;
			for (size_t x = 0; x < q.w.gp->node[k]->n_input; x++)
				if (!strcmp(q.w.gp->node[k]->input[x], tn))
					qz_w_set_str(&q.w, &q.w.gp->node[k]->input[x], dq);
		}
		qz_w_dequantize(&q.w, tn, dq);
	}
	for (size_t k = 0; k < q.w.gp->n_node; k++) {
		Onnx__NodeProto *np = q.w.gp->node[k];
		int j = proto_to_ir[k], fused_into = -1;

		for (int x = 0; j >= 0 && x < g->n_nodes && fused_into < 0; x++)
			if (p->fused[x] == j && kind[x] != QK_FLOAT)
				fused_into = x;
		if (drop_fused[k] || fused_into >= 0) {
			onnx__node_proto__free_unpacked(np, NULL);
			continue;
		}
		if (j >= 0 && kind[j] != QK_FLOAT) {
			const struct gr_node *n = &g->nodes[j];
			int out_t = p->fused[j] >= 0 ? g->nodes[p->fused[j]].out[0] : n->out[0];
			int ai = p->act_of[out_t];

			qz_w_act_init(&q.w, &p->act[ai], g->tensors[out_t].name);
			if (kind[j] == QK_CONCAT)
				write_qconcat(&q, np, j, out_t);
			else
				write_qop(&q, np, j, kind[j], out_t, o->per_channel);
			qz_w_push(&q.w, np);
			if (need_float[ai])
				qz_w_dequantize(&q.w, g->tensors[out_t].name, g->tensors[out_t].name);
			continue;
		}
		/* float: as the QDQ model writes it */
		if (j >= 0 && p->quantized[j])
			for (int x = 0; x < p->n_wn; x++)
				if (p->wn[x].node == j)
					qz_w_weights_dq(&q.w, g, p, &p->wn[x], np, o->per_channel);
		qz_w_push(&q.w, np);
		if (j < 0)
			continue;
		for (int oi = 0; oi < g->nodes[j].n_out; oi++) {
			int t = g->nodes[j].out[oi], ai = t >= 0 ? p->act_of[t] : -1;
			const char *tn;
			char fl[NAME];

			if (ai < 0 || (size_t)oi >= np->n_output)
				continue;
			tn = g->tensors[t].name;
			snprintf(fl, sizeof(fl), "%s_float", tn);
			qz_w_set_str(&q.w, &np->output[oi], fl);
			qz_w_act_init(&q.w, &p->act[ai], tn);
			qz_w_quantize(&q.w, tn, fl);
			if (need_float[ai])
				qz_w_dequantize(&q.w, tn, tn);
		}
	}
	if (q.ms)
		ms_opset(&q, mp);
	rc = qz_w_pack(&q.w, mp, out, out_len);
out:
	qz_w_close(&q.w, mp, proto_to_ir, drop_fused);
	free(kind);
	free(need_float);
	return rc;
}
