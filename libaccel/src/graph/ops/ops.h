/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the op implementations in graph/ops/: input checks
 * with errors that name the node, output shapes, typed element access.
 */
#ifndef GR_OPS_H
#define GR_OPS_H

#include "graph/graph.h"
#include "graph/infer.h"
#include "graph/registry.h"

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

void gr_set_shape(struct gr_value *o, int dtype, int rank, const int64_t *dims);
int gr_is_q8(int dtype);
/* Input i is given and of known rank, or an error naming the node. */
int gr_need(const struct gr_node *n, const struct gr_value *const *in, int i,
	    struct gr_err *err);
/* Optional input i, or NULL when omitted. */
const struct gr_value *gr_opt(const struct gr_node *n, const struct gr_value *const *in,
			      int i);
const char *gr_dims_str(const struct gr_value *v, char *buf, size_t len);
/* A scale / zero point: scalar, or 1-D of size `per` (per < 0: any size). */
int gr_check_param(const struct gr_node *n, const struct gr_value *v,
		   const char *what, int64_t per, struct gr_err *err);
/* Row-major strides of a shape broadcast to rank r (0 where broadcast). */
void gr_bcast_strides(int rank, const int64_t *dims, int r, const int64_t *odims,
		      int64_t *st);
void gr_store_i(struct gr_value *v, size_t i, int64_t x);
/* Parameter p (scale / zero point): element i, or element 0 if scalar. */
double gr_par_f(const struct gr_value *p, size_t i, double dflt);
int64_t gr_par_i(const struct gr_value *p, size_t i);
int gr_qmin(int dtype);
int gr_qmax(int dtype);
int64_t gr_sat(int64_t v, int dtype);
/* Axis `axis` of a rank-`rank` tensor made non-negative, or an error. */
int gr_axis(const struct gr_node *n, int64_t axis, int rank, int64_t *out,
	    struct gr_err *err);
/*
 * Reads a 1-D (or scalar) int32/int64 tensor of at most `max` values into
 * v: its count, or an error naming the node and `what`; -EAGAIN when only
 * its shape is known yet (inference at import: outputs get unknown dims).
 */
int gr_int_list(const struct gr_node *n, const struct gr_value *t, const char *what,
		int64_t *v, int max, struct gr_err *err);
/* One float input, one output of its type and shape (activations, math). */
int gr_infer_same_float(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err);
/* Output o of rank `rank` with every dim unknown (data-dependent shape). */
int gr_unknown_dims(struct gr_value *o, int dtype, int rank);
/* Numeric (not bool) dtype, or an error naming the node. */
int gr_need_numeric(const struct gr_node *n, const struct gr_value *v, const char *what,
		    struct gr_err *err);
/* Floating dtype (float, double, float16, bfloat16), or an error. */
int gr_need_float(const struct gr_node *n, const struct gr_value *v, const char *what,
		  struct gr_err *err);

/* Flat offset into a broadcast input of output element i. */
struct gr_bcast {
	int rank;
	int64_t odims[GR_MAX_RANK];
	int64_t st[GR_MAX_RANK];
};
void gr_bcast_init(struct gr_bcast *b, const struct gr_value *in, const struct gr_value *out);
size_t gr_bcast_off(const struct gr_bcast *b, size_t i);
/* Gemm's C (rank 0, 1 or 2, unidirectionally broadcast to M x N) at (m, n). */
double gr_gemm_c_at(const struct gr_value *c, int64_t m, int64_t n);
/* Row-major strides of a value's dims. */
void gr_strides(const struct gr_value *v, int64_t *st);

/*
 * Concat's output shape from the `count` tensors xs[] (NULL: omitted),
 * joined on n's `axis` attribute; idx[k] (or k) numbers xs[k] in errors.
 */
int gr_concat_infer(const struct gr_node *n, const struct gr_value *const *xs, const int *idx,
		    int count, struct gr_value *out, struct gr_err *err);
/* n's concat axis of output o (or an error) and the extents around it. */
int gr_concat_axis(const struct gr_node *n, const struct gr_value *o, int64_t *outer,
		   int64_t *inner, struct gr_err *err);

/*
 * A concat input's requantization (QLinearConcat, and DequantizeLinear ->
 * Concat -> QuantizeLinear) as ONNX Runtime computes it, for the 256 bytes
 * of an int8/uint8 `dtype` value x: the byte of y's value (same dtype),
 * sat(round_half_even((x_s (x - x_zp)) / y_s) + y_zp) in float32.
 */
void gr_concat_map(uint8_t map[256], int dtype, float xs, int64_t xz, float ys, int64_t yz);

/*
 * ConvTranspose geometry per spatial axis ([0] height, [1] width; 1-D: the
 * height is 1): input, kernel, stride, dilation, pads at the beginning and
 * end, output_padding and output size, resolved from the attributes
 * (auto_pad, output_shape) for input x and weights w.
 */
/*
 * ConvTranspose geometry as 3-D, axes [0] D, [1] H, [2] W: a 2-D node has
 * D = 1 (a 1-wide kernel, stride 1, no pads), a 1-D node also H = 1.
 */
struct gr_ct_geom {
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], op[3], out[3];
	int64_t group;
};
int gr_ct_geometry(const struct gr_node *n, const struct gr_value *x,
		   const struct gr_value *w, struct gr_ct_geom *g, struct gr_err *err);

/* Clip's bounds from its attributes (before opset 11): 1 if it has them. */
int gr_clip_bounds_attrs(const struct gr_node *n, double *lo, double *hi);
/* The rounding bias of gr_ref_set_round_bias (graph/ref.h). */
double gr_ref_round_bias(void);
/*
 * r (a value already divided by its scale) rounded half to even in
 * float32, + zp, saturated to dtype: the float quantization step of
 * QuantizeLinear and the QLinear* ops.
 */
int64_t gr_ref_quant_f(float r, int64_t zp, int dtype);

#endif /* GR_OPS_H */
