/* SPDX-License-Identifier: MIT */
/*
 * Writing the quantized ModelProto (qdq.c: QDQ; qop.c: QOperator): the
 * editing helpers both formats share. Everything here records an
 * allocation failure in w->oom and carries on; the caller checks it once.
 */
#ifndef QZ_QWRITE_H
#define QZ_QWRITE_H

#include "onnx/onnx_priv.h"
#include "quant/quant.h"

#define QZ_DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define QZ_DT_INT8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define QZ_DT_INT32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32

struct qz_w {
	Onnx__GraphProto *gp;
	Onnx__NodeProto **nodes;	/* the new node list */
	size_t n_nodes, cap_nodes;
	struct gr_err *err;
	int oom;
};

char *qz_w_strdup(struct qz_w *w, const char *s);
void qz_w_set_str(struct qz_w *w, char **dst, const char *s);
void qz_w_push(struct qz_w *w, Onnx__NodeProto *n);
/* A node of one output, in domain "" (axis >= 0: an "axis" attribute). */
Onnx__NodeProto *qz_w_node(struct qz_w *w, const char *op, const char *name,
			   const char *const *in, int n_in, const char *out, int axis);
void qz_w_attr_int(struct qz_w *w, Onnx__NodeProto *n, const char *name, int64_t v);
void qz_w_init(struct qz_w *w, const char *name, int dtype, int rank, const int64_t *dims,
	       const void *data, size_t bytes);

/*
 * Unpacks the model (*mp) and applies the folding of g to it (import's
 * BatchNormalization folding): *proto_to_ir gives per proto node its IR
 * node or -1, *drop marks the proto nodes import removed. w->gp is set.
 */
int qz_w_open(struct qz_w *w, const void *model_buf, size_t model_len,
	      const struct gr_graph *g, Onnx__ModelProto **mp, int **proto_to_ir, char **drop);
/* Whether a node of gp reads the tensor, or it is a graph output. */
int qz_w_referenced(const Onnx__GraphProto *gp, const char *name);
/* The new node list becomes the graph's, unused initializers go, packed. */
int qz_w_pack(struct qz_w *w, Onnx__ModelProto *mp, uint8_t **out, size_t *out_len);
/* Frees what qz_w_open and the writing allocated (mp may be NULL). */
void qz_w_close(struct qz_w *w, Onnx__ModelProto *mp, int *proto_to_ir, char *drop);

/* A weighted node's quantized weights and bias (qz_wnode). */
struct qz_wq {
	int64_t m;		/* output channels */
	float *sw;		/* m weight scales (all equal per tensor) */
	int8_t *wq;		/* the weights, as the float tensor's layout */
	int8_t *wz;		/* m zeros */
	/* the bias, when the node has one: int32 at s_in * sw[c] */
	int32_t *bq, *bz;
	float *bs;
};

int qz_weights_quant(const struct gr_graph *g, const struct qz_plan *p,
		     const struct qz_wnode *wn, int per_channel, struct qz_wq *q);
void qz_wq_free(struct qz_wq *q);

/* Activation a's TNAME_scale and TNAME_zero_point initializers. */
void qz_w_act_init(struct qz_w *w, const struct qz_act *a, const char *tname);
/* in_name -> QuantizeLinear -> TNAME_quantized. */
void qz_w_quantize(struct qz_w *w, const char *tname, const char *in_name);
/* TNAME_quantized -> DequantizeLinear -> out_name. */
void qz_w_dequantize(struct qz_w *w, const char *tname, const char *out_name);
/* QDQ weights: int8 (and int32 bias) through DequantizeLinear into np. */
void qz_w_weights_dq(struct qz_w *w, const struct gr_graph *g, const struct qz_plan *p,
		     const struct qz_wnode *wn, Onnx__NodeProto *np, int per_channel);
/* Frees the nodes of w->nodes not (or not yet) in w->gp. */
void qz_w_free_pending(struct qz_w *w);

#endif /* QZ_QWRITE_H */
