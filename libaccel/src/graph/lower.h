/* SPDX-License-Identifier: MIT */
/*
 * Lowering: the graph IR to a list of steps, each either a device layer
 * (struct eyr_layer, see layer.h) covering one or more fused ONNX nodes, a
 * node the CPU runs (with the reason), or a view (Flatten / Reshape of a
 * quantized tensor: no data moves).
 *
 * Device tensors are int8. uint8 tensors are carried as int8 by moving the
 * zero point: x8 = u8 - 128, zp8 = zp - 128, which is exact.
 */
#ifndef GR_LOWER_H
#define GR_LOWER_H

#include "graph/graph.h"
#include "layer.h"

enum lw_kind {
	LW_CPU,		/* the node runs on the CPU (reference kernel) */
	LW_DEVICE,	/* a device layer */
	LW_VIEW,	/* Flatten / Reshape: output shares the input's data */
	LW_FUSED,	/* folded into a device layer of another step */
	/*
	 * A channel Concat (QDQ island or QLinearConcat) whose producers
	 * are device layers that write their slices of its output in place
	 * (lw_step.cat_step): no data moves at this step.
	 */
	LW_CONCAT,
};

#define LW_MAX_FUSED 8

struct lw_step {
	enum lw_kind kind;
	int node;			/* the node named in reports */
	int fused[LW_MAX_FUSED];	/* every node this step covers */
	int n_fused;
	char why[200];			/* LW_CPU: why not on the device */
	/* LW_DEVICE */
	struct eyr_layer layer;
	int t_in, t_in_b, t_out;	/* quantized tensors (t_in_b: ADD) */
	int t_w;			/* weights tensor, -1 if none */
	int w_transpose;		/* FC from MatMul: B is K x M */
	int32_t *bias;			/* m values, or NULL */
	int32_t *qtable;		/* per-channel: m mults then m shifts */
	int8_t *lut;			/* activation table, EYRIE_LUT_ENTRIES (quant.lut) */
	/*
	 * LW_DEVICE writing its output t_out as channels [cat_c0, cat_c0 + m)
	 * of the LW_CONCAT step cat_step's output (-1: its own buffer). When
	 * the concat requantizes this input, cat_map maps each byte of
	 * t_out's graph value to the concat's (the same dtype), and the step's
	 * activation table applies it: the slice holds the concat's values.
	 */
	int cat_step;
	uint32_t cat_c0;
	uint8_t *cat_map;
};

struct lw_opts {
	int per_channel_ok;		/* device has EYRIE_CAP_PER_CHANNEL_QUANT */
	int cpu_only;			/* lower nothing to the device */
	int lut_ok;			/* device has EYRIE_CAP_ACT_LUT */
	/*
	 * Device has EYRIE_CAP_FP32_REQUANT: the layers of ONNX Runtime's
	 * binary32 kernels (QLinearConv, QLinearMatMul, QGemm, the QDQ Conv,
	 * MatMul and Gemm it fuses into them, QLinearGlobalAveragePool and
	 * QDQ GlobalAveragePool) requantize as it does.
	 */
	int fp32_ok;
	/* per node: non-NULL keeps that node's step on the CPU, with this reason */
	char *const *deny;
};

struct lw_plan {
	struct lw_step *steps;
	int n_steps;
};

/* What a row's lowering function (graph/registry.h) sees. */
struct lw_ctx {
	const struct gr_graph *g;
	const struct lw_opts *o;
	char *dev_tensor;		/* per tensor: it lives on the device */
};

/* Lowerings of the registry rows (lower.c). */
int lw_qlinearconv(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_qlinearmatmul(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_convinteger(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_matmulinteger(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_maxpool(const struct lw_ctx *c, int node, struct lw_step *s);
/* The QDQ island ending at this QuantizeLinear. */
int lw_qdq(const struct lw_ctx *c, int node, struct lw_step *s);
/* Flatten / Reshape: a view when the input is on the device. */
int lw_view(const struct lw_ctx *c, int node, struct lw_step *s);
/* Ops that reach the device only fused into a QDQ island. */
int lw_not_island(const struct lw_ctx *c, int node, struct lw_step *s);

/* Sets s->why (the reason the node stays on the CPU); returns -1. */
int lw_why(struct lw_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The node producing tensor t, or NULL (graph inputs, constants). */
const struct gr_node *lw_producer(const struct gr_graph *g, int t);
/* t is read by exactly one node and is no graph output: it may be fused away. */
int lw_private_tensor(const struct gr_graph *g, int t);

/*
 * The activation table (lower_lut.c): QOperator pointwise rows (lw_lut),
 * QDQ islands of pointwise ops ending at QuantizeLinear node qi (-1 when it
 * is not one, leaving s->why alone), and the pass that moves a table step
 * into the device layer producing its input.
 */
int lw_lut(const struct lw_ctx *c, int node, struct lw_step *s);
int gr_lower_lut_island(const struct gr_graph *g, int qi, struct lw_step *s,
			const struct lw_opts *o);
void gr_lower_fuse_luts(const struct gr_graph *g, struct lw_step *steps, int n_steps);

/*
 * Concat without copies (lower_concat.c): a channel Concat of device
 * layers' outputs becomes an LW_CONCAT step and its producers write their
 * slices of its output (lw_step.cat_step). Runs after the table fusion.
 */
void gr_lower_concats(const struct gr_graph *g, struct lw_step *steps, int n_steps,
		      const struct lw_opts *o);

/*
 * Nearest x2 Resize / Upsample as the DMA-only upsample (lower_resize.c):
 * lw_resize is the registry's lowering (the node on an int8/uint8 tensor);
 * lw_upsample_x2 checks node n's mode, coordinates and scales and fills the
 * layer's shape, or sets s->why and returns -1 (the QDQ island uses it too).
 */
int lw_resize(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_upsample_x2(const struct gr_graph *g, const struct gr_node *n, struct lw_step *s);

/* com.microsoft QOperator ops on their default-domain twins' layers (lower_qlinear.c). */
int lw_qlinear_add(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_qlinear_gap(const struct lw_ctx *c, int node, struct lw_step *s);
int lw_qlinear_avgpool(const struct lw_ctx *c, int node, struct lw_step *s);
/* Helpers they share with lower.c: the ELTWISE add's scales, pool windows. */
int lw_add_scales(double sa, double sb, double sy, struct eyr_layer_quant *q);
/*
 * ADD with ONNX Runtime's QLinearAdd arithmetic (device binary32 rule,
 * quant.fp32_rq): scales as float, zero points as the device holds them
 * (uint8's shifted by -128, u8 set). -ERANGE: a ratio not positive normal
 * or the term not finite (the caller keeps the fixed-point rule).
 */
int lw_add_fp32(float sa, float sb, float sy, int32_t za8, int32_t zb8, int32_t zy8,
		int u8, struct eyr_layer_quant *q);
/* ADD's quantization: lw_add_fp32() when fp32 and it can, else lw_add_scales(). */
int lw_add_quant(double sa, double sb, double sy, int32_t za8, int32_t zb8, int32_t zy8,
		 int u8, int fp32, struct eyr_layer_quant *q);
/* The requantization of m output channels: real[i] = the channel's multiplier. */
int lw_set_requant(struct lw_step *s, const double *real, int64_t m,
		   int per_channel, const struct lw_opts *o);
int lw_pool_geometry(const struct gr_node *n, const struct gr_tensor *x,
		     struct lw_step *s, int global);
/*
 * The binary32 rule (o->fp32_ok): m scales, one per output channel (all
 * equal: per tensor); quant.fp32_rq set, mult / the table their bits.
 */
int lw_set_requant_fp32(struct lw_step *s, const float *scale, int64_t m,
			const struct lw_opts *o);
/* QLinearGlobalAveragePool's scale as ONNX Runtime computes it (binary32). */
float lw_gap_scale(float x_scale, float y_scale, uint32_t image_size);
/* QLinearConv / QLinearMatMul's (a * b) / y as ONNX Runtime computes it. */
float gr_ort_scale(float a, float b, float y);

int gr_lower(const struct gr_graph *g, const struct lw_opts *opts,
	     struct lw_plan *plan, struct gr_err *err);
void gr_lower_free(struct lw_plan *plan);

/*
 * The device's fixed-point form of a positive real multiplier:
 * real ~= mult * 2^-(31 + shift), mult in [2^30, 2^31), 1 <= 31 + shift <= 62.
 * Returns 0, or -ERANGE if real cannot be represented.
 */
int gr_quant_mult(double real, int32_t *mult, int32_t *shift);

/* The device's requantization rule (uapi/eyrie_hw.h), for tests. */
int64_t gr_device_rq(int64_t x, int32_t mult, int32_t shift);

#endif /* GR_LOWER_H */
