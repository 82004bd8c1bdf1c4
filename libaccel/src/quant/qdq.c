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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx_priv.h"
#include "quant/quant.h"

#define DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define DT_INT8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define DT_INT32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32

struct qw {
	Onnx__GraphProto *gp;
	Onnx__NodeProto **nodes;	/* the new node list */
	size_t n_nodes, cap_nodes;
	struct gr_err *err;
	int oom;
};

static char *xstrdup(struct qw *w, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		w->oom = 1;
	return d;
}

static void set_str(struct qw *w, char **dst, const char *s)
{
	char *d = xstrdup(w, s);

	if (!d)
		return;
	free(*dst);
	*dst = d;
}

static void push_node(struct qw *w, Onnx__NodeProto *n)
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

static Onnx__NodeProto *new_node(struct qw *w, const char *op, const char *name,
				 const char *const *in, int n_in, const char *out, int axis)
{
	Onnx__NodeProto *n = calloc(1, sizeof(*n));

	if (!n) {
		w->oom = 1;
		return NULL;
	}
	onnx__node_proto__init(n);
	n->op_type = xstrdup(w, op);
	n->name = xstrdup(w, name);
	n->domain = xstrdup(w, "");
	n->input = calloc((size_t)n_in, sizeof(char *));
	n->output = calloc(1, sizeof(char *));
	if (!n->input || !n->output) {
		w->oom = 1;
		onnx__node_proto__free_unpacked(n, NULL);
		return NULL;
	}
	n->n_input = (size_t)n_in;
	for (int i = 0; i < n_in; i++)
		n->input[i] = xstrdup(w, in[i]);
	n->n_output = 1;
	n->output[0] = xstrdup(w, out);
	if (axis >= 0) {
		Onnx__AttributeProto *a = calloc(1, sizeof(*a));

		n->attribute = calloc(1, sizeof(*n->attribute));
		if (!a || !n->attribute) {
			free(a);
			w->oom = 1;
			return n;
		}
		onnx__attribute_proto__init(a);
		a->name = xstrdup(w, "axis");
		a->has_type = 1;
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		a->has_i = 1;
		a->i = axis;
		n->attribute[0] = a;
		n->n_attribute = 1;
	}
	return n;
}

static void add_init(struct qw *w, const char *name, int dtype, int rank,
		     const int64_t *dims, const void *data, size_t bytes)
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
	t->name = xstrdup(w, name);
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
static int apply_folding(struct qw *w, const struct gr_graph *g, int *ir_to_proto, char *drop)
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
				set_str(w, &np->output[o], g->tensors[n->out[o]].name);
		if ((size_t)n->n_in > np->n_input) {
			char **p = realloc(np->input, (size_t)n->n_in * sizeof(char *));

			if (!p)
				return gr_err_set(w->err, -ENOMEM, "out of memory");
			for (size_t i = np->n_input; i < (size_t)n->n_in; i++)
				p[i] = xstrdup(w, "");
			np->input = p;
			np->n_input = (size_t)n->n_in;
		}
		for (int i = 0; i < n->n_in; i++) {
			const char *tn = n->in[i] >= 0 ? g->tensors[n->in[i]].name : "";
			const struct gr_value *c = n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL;

			if (strcmp(np->input[i], tn))
				set_str(w, &np->input[i], tn);
			/* a constant import made (folded weights) */
			if (c && g->tensors[n->in[i]].producer < 0 && !has_init(gp, tn) &&
			    strstr(tn, ".bnfold"))
				add_init(w, tn, c->dtype, c->rank, c->dims, c->data,
					 c->count * gr_dtype_size(c->dtype));
		}
	}
	for (; k < gp->n_node; k++)
		if (gp->node[k]->op_type && !strcmp(gp->node[k]->op_type, "BatchNormalization"))
			drop[k] = 1;
	return w->oom ? gr_err_set(w->err, -ENOMEM, "out of memory") : 0;
}

/* Q and DQ of activation a: in_name -> q_name -> dq_name. */
static void act_qdq(struct qw *w, const struct qz_act *a, const char *tname,
		    const char *in_name, const char *dq_name)
{
	char s[600], z[600], q[600], nq[600], nd[600];
	const char *qin[3] = { in_name, s, z }, *dqin[3] = { q, s, z };

	snprintf(s, sizeof(s), "%s_scale", tname);
	snprintf(z, sizeof(z), "%s_zero_point", tname);
	snprintf(q, sizeof(q), "%s_quantized", tname);
	snprintf(nq, sizeof(nq), "%s_QuantizeLinear", tname);
	snprintf(nd, sizeof(nd), "%s_DequantizeLinear", tname);
	add_init(w, s, DT_FLOAT, 0, NULL, &a->scale, sizeof(float));
	add_init(w, z, DT_INT8, 0, NULL, &a->zp, 1);
	push_node(w, new_node(w, "QuantizeLinear", nq, qin, 3, q, -1));
	push_node(w, new_node(w, "DequantizeLinear", nd, dqin, 3, dq_name, -1));
}

/* Step 3: weights and bias of IR node wn, in front of proto node np. */
static void quantize_weights(struct qw *w, const struct gr_graph *g, const struct qz_plan *p,
			     const struct qz_wnode *wn, Onnx__NodeProto *np, int per_channel)
{
	const struct gr_node *n = &g->nodes[wn->node];
	const struct gr_value *wt = g->tensors[n->in[1]].constant;
	const struct gr_value *b = wn->bias_in >= 0 ? g->tensors[n->in[wn->bias_in]].constant : NULL;
	int64_t m = wt->dims[wn->axis], inner = 1, outer = 1, cd[1];
	float *sw = calloc((size_t)m, sizeof(float)), s_in = p->act[wn->in_act].scale;
	int8_t *wq = malloc(wt->count), *wz = calloc((size_t)m, 1);
	char base[600], qn[700], sn[700], zn[700], dn[700], nn[700];
	const float *wf = wt->data;

	if (!sw || !wq || !wz) {
		w->oom = 1;
		goto out;
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

				if (v > sw[c])
					sw[c] = v;
			}
	if (!per_channel) {
		float mx = 0;

		for (int64_t c = 0; c < m; c++)
			mx = fmaxf(mx, sw[c]);
		for (int64_t c = 0; c < m; c++)
			sw[c] = mx;
	}
	for (int64_t c = 0; c < m; c++)
		sw[c] = sw[c] > 0 ? sw[c] / 127.0f : 1.0f;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t c = 0; c < m; c++)
			for (int64_t i = 0; i < inner; i++) {
				size_t at = (size_t)((o * m + c) * inner + i);
				float q = nearbyintf(wf[at] / sw[c]);

				wq[at] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
			}
	snprintf(base, sizeof(base), "%s", n->name);
	snprintf(qn, sizeof(qn), "%s.weight_quantized", base);
	snprintf(sn, sizeof(sn), "%s.weight_scale", base);
	snprintf(zn, sizeof(zn), "%s.weight_zero_point", base);
	snprintf(dn, sizeof(dn), "%s.weight_dequantized", base);
	snprintf(nn, sizeof(nn), "%s.weight_DequantizeLinear", base);
	add_init(w, qn, DT_INT8, wt->rank, wt->dims, wq, wt->count);
	cd[0] = m;
	if (per_channel) {
		add_init(w, sn, DT_FLOAT, 1, cd, sw, (size_t)m * sizeof(float));
		add_init(w, zn, DT_INT8, 1, cd, wz, (size_t)m);
	} else {
		add_init(w, sn, DT_FLOAT, 0, NULL, sw, sizeof(float));
		add_init(w, zn, DT_INT8, 0, NULL, wz, 1);
	}
	{
		const char *in[3] = { qn, sn, zn };

		push_node(w, new_node(w, "DequantizeLinear", nn, in, 3, dn,
				      per_channel ? wn->axis : -1));
	}
	set_str(w, &np->input[1], dn);
	if (b) {
		int32_t *bq = malloc((size_t)m * sizeof(int32_t)), *bz = calloc((size_t)m, sizeof(int32_t));
		float *bs = malloc((size_t)m * sizeof(float));

		if (!bq || !bz || !bs) {
			w->oom = 1;
		} else {
			for (int64_t c = 0; c < m; c++) {
				double v;

				bs[c] = s_in * sw[c];
				v = nearbyint(gr_value_get_f(b, (size_t)c) / (double)bs[c]);
				bq[c] = (int32_t)(v > 2147483647.0 ? 2147483647.0 :
						  v < -2147483647.0 ? -2147483647.0 : v);
			}
			snprintf(qn, sizeof(qn), "%s.bias_quantized", base);
			snprintf(sn, sizeof(sn), "%s.bias_scale", base);
			snprintf(zn, sizeof(zn), "%s.bias_zero_point", base);
			snprintf(dn, sizeof(dn), "%s.bias_dequantized", base);
			snprintf(nn, sizeof(nn), "%s.bias_DequantizeLinear", base);
			add_init(w, qn, DT_INT32, 1, cd, bq, (size_t)m * sizeof(int32_t));
			add_init(w, sn, DT_FLOAT, 1, cd, bs, (size_t)m * sizeof(float));
			add_init(w, zn, DT_INT32, 1, cd, bz, (size_t)m * sizeof(int32_t));
			{
				const char *in[3] = { qn, sn, zn };

				push_node(w, new_node(w, "DequantizeLinear", nn, in, 3, dn, 0));
			}
			set_str(w, &np->input[wn->bias_in], dn);
		}
		free(bq);
		free(bz);
		free(bs);
	}
out:
	free(sw);
	free(wq);
	free(wz);
}

static int referenced(const Onnx__GraphProto *gp, const char *name)
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
		if (referenced(gp, gp->initializer[i]->name)) {
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
		    !referenced(gp, n->output[0])) {
			onnx__node_proto__free_unpacked(n, NULL);
			continue;
		}
		gp->node[k++] = n;
	}
	gp->n_node = k;
}

int qz_qdq_model(const void *model_buf, size_t model_len, const struct gr_graph *g,
		 const struct qz_plan *p, const struct qz_write_opts *o,
		 uint8_t **out, size_t *out_len, struct gr_err *err)
{
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, model_len, model_buf);
	struct qw w = { .err = err };
	int *ir_to_proto = NULL, *proto_to_ir = NULL;
	char *drop = NULL;
	int rc = 0;

	if (!mp || !mp->graph) {
		if (mp)
			onnx__model_proto__free_unpacked(mp, NULL);
		return gr_err_set(err, -EINVAL, "the model cannot be read again");
	}
	w.gp = mp->graph;
	ir_to_proto = calloc((size_t)g->n_nodes + 1, sizeof(int));
	proto_to_ir = malloc((w.gp->n_node + 1) * sizeof(int));
	drop = calloc(w.gp->n_node + 1, 1);
	if (!ir_to_proto || !proto_to_ir || !drop) {
		rc = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	rc = apply_folding(&w, g, ir_to_proto, drop);
	if (rc)
		goto out;
	for (size_t k = 0; k < w.gp->n_node; k++)
		proto_to_ir[k] = -1;
	for (int j = 0; j < g->n_nodes; j++)
		proto_to_ir[ir_to_proto[j]] = j;
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
					set_str(&w, &w.gp->node[k]->input[x], dq);
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
					quantize_weights(&w, g, p, &p->wn[x], np, o->per_channel);
		push_node(&w, np);
		if (j < 0)
			continue;
		for (int oi = 0; oi < g->nodes[j].n_out; oi++) {
			int t = g->nodes[j].out[oi], ai = t >= 0 ? p->act_of[t] : -1;
			char fl[600];

			if (ai < 0 || (size_t)oi >= np->n_output)
				continue;
			snprintf(fl, sizeof(fl), "%s_float", g->tensors[t].name);
			set_str(&w, &np->output[oi], fl);
			act_qdq(&w, &p->act[ai], g->tensors[t].name, fl, g->tensors[t].name);
		}
	}
	free(w.gp->node);
	w.gp->node = w.nodes;
	w.gp->n_node = w.n_nodes;
	w.nodes = NULL;
	if (w.oom) {
		rc = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	drop_unused(w.gp);
	set_str(&w, &mp->producer_name, "eyrie accel_quantize");
	*out_len = onnx__model_proto__get_packed_size(mp);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out || w.oom) {
		free(*out);
		*out = NULL;
		rc = gr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	onnx__model_proto__pack(mp, *out);
out:
	if (w.nodes) {
		/* nodes moved to w.nodes before an error are owned there */
		for (size_t i = 0; i < w.n_nodes; i++) {
			int in_gp = 0;

			for (size_t k = 0; k < w.gp->n_node && !in_gp; k++)
				in_gp = w.gp->node[k] == w.nodes[i];
			if (!in_gp)
				onnx__node_proto__free_unpacked(w.nodes[i], NULL);
		}
		free(w.nodes);
	}
	free(ir_to_proto);
	free(proto_to_ir);
	free(drop);
	onnx__model_proto__free_unpacked(mp, NULL);
	return rc;
}
