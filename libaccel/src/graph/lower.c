// SPDX-License-Identifier: MIT
/*
 * Lowering to device layers. QOperator nodes (QLinearConv, QLinearMatMul,
 * MaxPool and nearest x2 Resize on int8/uint8) map one to one; QDQ islands
 * DequantizeLinear -> op [-> Relu/Clip] -> QuantizeLinear fuse into one
 * device layer (Conv, Add, AveragePool, GlobalAveragePool, MaxPool,
 * Resize). What does not fit the device runs on the CPU, and the step says
 * why.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/lower.h"
#include "graph/ops/ops.h"
#include "graph/window.h"

int gr_quant_mult(double real, int32_t *mult, int32_t *shift)
{
	int64_t m;
	int e, t;
	double f;

	if (!(real > 0) || !isfinite(real))
		return -ERANGE;
	f = frexp(real, &e);		/* real = f * 2^e, f in [0.5, 1) */
	m = llround(f * 2147483648.0);	/* [2^30, 2^31] */
	if (m == 2147483648ll) {
		m = 1ll << 30;
		e++;
	}
	t = 31 - e;
	if (t < 1 || t > 62)
		return -ERANGE;
	*mult = (int32_t)m;
	*shift = t - 31;
	return 0;
}

int64_t gr_device_rq(int64_t x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + (1ll << (t - 1))) >> t;
}

/* lower.c's own short names for the helpers lower.h shares */
#define why(...) lw_why(__VA_ARGS__)
#define producer(g, t) lw_producer(g, t)
#define private_tensor(g, t) lw_private_tensor(g, t)

int lw_why(struct lw_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return -1;
}

static const struct gr_value *cval(const struct gr_graph *g, const struct gr_node *n, int i)
{
	if (i >= n->n_in || n->in[i] < 0)
		return NULL;
	return g->tensors[n->in[i]].constant;
}

static int is_q8(int dtype)
{
	return dtype == GR_INT8 || dtype == GR_UINT8;
}

static int32_t shift_zp(int64_t zp, int dtype)
{
	return (int32_t)(dtype == GR_UINT8 ? zp - 128 : zp);
}

static int known_shape(const struct gr_tensor *t)
{
	return gr_dims_count(t->rank, t->dims) > 0;
}

/* Scalar constant input i (scale or zero point) or -1 with a reason. */
static int scalar_const(const struct gr_graph *g, const struct gr_node *n, int i,
			double *v, struct lw_step *s)
{
	const struct gr_value *c = cval(g, n, i);

	if (!c)
		return why(s, "input %d (scale/zero point) is not a constant", i);
	if (c->count != 1)
		return why(s, "input %d is per-channel where the device needs one value", i);
	*v = gr_value_get_f(c, 0);
	return 0;
}

/* The node that produces tensor t, or NULL. */
const struct gr_node *lw_producer(const struct gr_graph *g, int t)
{
	if (t < 0 || g->tensors[t].producer < 0)
		return NULL;
	return &g->nodes[g->tensors[t].producer];
}

/* t is read only by one node and is not a graph output: it may be fused away. */
int lw_private_tensor(const struct gr_graph *g, int t)
{
	return t >= 0 && g->tensors[t].consumers == 1 && !g->tensors[t].is_output;
}

static int fits_u16(int64_t v)
{
	return v >= 1 && v <= 65535;
}

/* Fills the per-channel table or the per-tensor mult/shift. */
#define set_requant(s, real, m, per_channel, o) lw_set_requant(s, real, m, per_channel, o)
int lw_set_requant(struct lw_step *s, const double *real, int64_t m,
		   int per_channel, const struct lw_opts *o)
{
	struct eyr_layer_quant *q = &s->layer.quant;

	if (!per_channel) {
		if (gr_quant_mult(real[0], &q->mult, &q->shift))
			return why(s, "requantization scale %g is outside the device's fixed-point range",
				   real[0]);
		return 0;
	}
	if (!o->per_channel_ok)
		return why(s, "per-channel scales but the device lacks per-channel quantization");
	s->qtable = calloc((size_t)(2 * m), sizeof(int32_t));
	if (!s->qtable)
		return why(s, "out of memory");
	for (int64_t i = 0; i < m; i++)
		if (gr_quant_mult(real[i], &s->qtable[i], &s->qtable[m + i]))
			return why(s, "channel %lld: scale %g is outside the device's fixed-point range",
				   (long long)i, real[i]);
	q->per_channel = 1;
	q->mult = s->qtable[0];
	q->shift = s->qtable[m];
	return 0;
}

float gr_ort_scale(float a, float b, float y)
{
	/* ONNX Runtime: output_scales[i] = (X_scale * W_scale[i] / Y_scale), float */
	float p = a * b;

	return p / y;
}

int lw_set_requant_fp32(struct lw_step *s, const float *scale, int64_t m,
			const struct lw_opts *o)
{
	struct eyr_layer_quant *q = &s->layer.quant;
	int per_channel = 0;

	for (int64_t i = 0; i < m; i++) {
		union { float f; uint32_t u; } b = { scale[i] };

		if (!eyrie_fp32_scale_ok(b.u))
			return why(s, "channel %lld: scale %g is not a positive normal float",
				   (long long)i, (double)scale[i]);
		per_channel |= scale[i] != scale[0];
	}
	if (per_channel && !o->per_channel_ok)
		return why(s, "per-channel scales but the device lacks per-channel quantization");
	q->fp32_rq = 1;
	q->shift = 0;
	if (!per_channel) {
		union { float f; int32_t i; } b = { scale[0] };

		q->mult = b.i;
		return 0;
	}
	s->qtable = calloc((size_t)(2 * m), sizeof(int32_t));
	if (!s->qtable)
		return why(s, "out of memory");
	for (int64_t i = 0; i < m; i++) {
		union { float f; int32_t i; } b = { scale[i] };

		s->qtable[i] = b.i;	/* the shift words stay 0 */
	}
	q->per_channel = 1;
	q->mult = s->qtable[0];
	return 0;
}

/*
 * QOperator form: output channel i rescales by in_scale * w_scale[i] /
 * out_scale, with one weight scale (per tensor) or m of them (per channel);
 * with the device's binary32 rule, computed as ONNX Runtime does.
 */
static int set_requant_scales(struct lw_step *s, double in_scale,
			      const struct gr_value *w_scales, double out_scale,
			      int64_t m, const struct lw_opts *o)
{
	double *real = calloc((size_t)m, sizeof(double));
	float *f32 = calloc((size_t)m, sizeof(float));
	int rc;

	if (!real || !f32) {
		free(real);
		free(f32);
		return why(s, "out of memory");
	}
	for (int64_t i = 0; i < m; i++) {
		double ws = gr_value_get_f(w_scales, w_scales->count == 1 ? 0 : (size_t)i);

		real[i] = in_scale * ws / out_scale;
		f32[i] = gr_ort_scale((float)in_scale, (float)ws, (float)out_scale);
	}
	if (o->fp32_ok)
		rc = lw_set_requant_fp32(s, f32, m, o);
	else
		rc = set_requant(s, real, m, w_scales->count > 1, o);
	free(real);
	free(f32);
	return rc;
}

static int conv_geometry(const struct gr_node *n, const struct gr_tensor *x,
			 int64_t kh, int64_t kw, struct lw_step *s)
{
	struct eyr_layer_shape *l = &s->layer.shape;
	struct gr_value xv = { 0 };
	struct gr_geom geo;
	struct gr_err e;

	if (x->rank != 4 || !known_shape(x))
		return why(s, "the device runs 2-D layers on NCHW tensors of known shape");
	xv.rank = 4;
	memcpy(xv.dims, x->dims, sizeof(xv.dims));
	if (gr_infer_window(n, &xv, kh, kw, &geo, &e))
		return why(s, "%s", e.msg);
	if (!fits_u16(x->dims[0]) || !fits_u16(x->dims[1]) || !fits_u16(x->dims[2]) ||
	    !fits_u16(x->dims[3]) || kh > 255 || kw > 255 || geo.sh > 255 ||
	    geo.sw > 255 || geo.dh > 255 || geo.dw > 255 || geo.pt > 255 ||
	    geo.pl > 255 || geo.pb > 255 || geo.pr > 255)
		return why(s, "a dimension exceeds the device's command fields");
	l->n = (uint32_t)x->dims[0];
	l->c = (uint32_t)x->dims[1];
	l->h = (uint32_t)x->dims[2];
	l->w = (uint32_t)x->dims[3];
	l->r = (uint32_t)kh;
	l->s = (uint32_t)kw;
	l->stride_h = (uint32_t)geo.sh;
	l->stride_w = (uint32_t)geo.sw;
	l->dil_h = (uint32_t)geo.dh;
	l->dil_w = (uint32_t)geo.dw;
	l->pad_t = (uint32_t)geo.pt;
	l->pad_l = (uint32_t)geo.pl;
	l->pad_b = (uint32_t)geo.pb;
	l->pad_r = (uint32_t)geo.pr;
	l->groups = 1;
	if (eyr_layer_out_h(l) != (uint32_t)geo.oh || eyr_layer_out_w(l) != (uint32_t)geo.ow)
		return why(s, "ceil_mode output size differs from the device's floor arithmetic");
	return 0;
}

/* Weights: a constant, or a graph input uploaded on every run. */
static int weights_ok(const struct gr_graph *g, int t, struct lw_step *s)
{
	const struct gr_tensor *w = &g->tensors[t];

	if (!w->constant && !w->is_input)
		return why(s, "weights computed by the graph are not supported on the device");
	if (!is_q8(w->dtype) || !known_shape(w))
		return why(s, "weights must be int8/uint8 of known shape");
	return 0;
}

static int lower_qlinearconv(const struct gr_graph *g, const struct gr_node *n,
			     struct lw_step *s, const struct lw_opts *o)
{
	const struct gr_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[3]];
	const struct gr_value *ws = cval(g, n, 4), *wz = cval(g, n, 5), *b = cval(g, n, 8);
	double sx, zx, sy, zy;
	int64_t m = w->dims[0];
	int rc;

	if (weights_ok(g, n->in[3], s) || conv_geometry(n, x, w->dims[2], w->dims[3], s))
		return -1;
	if (scalar_const(g, n, 1, &sx, s) || scalar_const(g, n, 2, &zx, s) ||
	    scalar_const(g, n, 6, &sy, s) || scalar_const(g, n, 7, &zy, s))
		return -1;
	if (!ws || !wz)
		return why(s, "weight scale and zero point must be constants");
	for (size_t i = 1; i < wz->count; i++)
		if (gr_value_get_i(wz, i) != gr_value_get_i(wz, 0))
			return why(s, "per-channel weight zero points differ; the device has one");
	if (n->n_in > 8 && n->in[8] >= 0 && !b)
		return why(s, "the bias must be a constant");
	s->layer.shape.op = EYR_LAYER_CONV;
	s->layer.shape.m = (uint32_t)m;
	s->layer.shape.groups = (uint32_t)gr_attr_int(n, "group", 1);
	if (!fits_u16(m))
		return why(s, "too many output channels");
	rc = set_requant_scales(s, sx, ws, sy, m, o);
	if (rc)
		return rc;
	if (b) {
		s->bias = malloc((size_t)m * sizeof(int32_t));
		if (!s->bias)
			return why(s, "out of memory");
		memcpy(s->bias, b->data, (size_t)m * sizeof(int32_t));
		s->layer.quant.has_bias = 1;
	}
	s->layer.quant.zp_in = shift_zp((int64_t)zx, x->dtype);
	s->layer.quant.zp_w = shift_zp(gr_value_get_i(wz, 0), w->dtype);
	s->layer.quant.zp_out = shift_zp((int64_t)zy, g->tensors[n->out[0]].dtype);
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[0];
	s->t_w = n->in[3];
	s->t_out = n->out[0];
	return 0;
}

static int lower_qlinearmatmul(const struct gr_graph *g, const struct gr_node *n,
			       struct lw_step *s, const struct lw_opts *o)
{
	const struct gr_tensor *a = &g->tensors[n->in[0]], *b = &g->tensors[n->in[3]];
	const struct gr_value *bs = cval(g, n, 4), *bz = cval(g, n, 5);
	double sa, za, sy, zy;
	int64_t rows = 1, k, m;
	int rc;

	if (weights_ok(g, n->in[3], s))
		return -1;
	if (b->rank != 2 || a->rank < 2 || !known_shape(a))
		return why(s, "the device runs 2-D x 2-D matrix products");
	for (int i = 0; i < a->rank - 1; i++)
		rows *= a->dims[i];
	k = a->dims[a->rank - 1];
	m = b->dims[1];
	if (scalar_const(g, n, 1, &sa, s) || scalar_const(g, n, 2, &za, s) ||
	    scalar_const(g, n, 6, &sy, s) || scalar_const(g, n, 7, &zy, s))
		return -1;
	if (!bs || !bz)
		return why(s, "b scale and zero point must be constants");
	for (size_t i = 1; i < bz->count; i++)
		if (gr_value_get_i(bz, i) != gr_value_get_i(bz, 0))
			return why(s, "per-column b zero points differ; the device has one");
	if (!fits_u16(rows) || !fits_u16(k) || !fits_u16(m))
		return why(s, "a dimension exceeds the device's command fields");
	s->layer.shape = (struct eyr_layer_shape){
		.op = EYR_LAYER_FC, .n = (uint32_t)rows, .c = (uint32_t)k,
		.m = (uint32_t)m, .h = 1, .w = 1, .r = 1, .s = 1,
		.stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1,
	};
	rc = set_requant_scales(s, sa, bs, sy, m, o);
	if (rc)
		return rc;
	s->layer.quant.zp_in = shift_zp((int64_t)za, a->dtype);
	s->layer.quant.zp_w = shift_zp(gr_value_get_i(bz, 0), b->dtype);
	s->layer.quant.zp_out = shift_zp((int64_t)zy, g->tensors[n->out[0]].dtype);
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[0];
	s->t_w = n->in[3];
	s->w_transpose = 1;
	s->t_out = n->out[0];
	return 0;
}

/*
 * Optional zero point input i of ConvInteger / MatMulInteger: absent means
 * 0. The device has one input and one weight zero point, so a per-channel
 * (or per-row) zero point must hold one value throughout.
 */
static int int_zero_point(const struct gr_graph *g, const struct gr_node *n, int i,
			  int dtype, const char *what, int32_t *zp8, struct lw_step *s)
{
	const struct gr_value *z = cval(g, n, i);

	*zp8 = shift_zp(0, dtype);
	if (i >= n->n_in || n->in[i] < 0)
		return 0;
	if (!z)
		return why(s, "the %s zero point is not a constant", what);
	for (size_t k = 1; k < z->count; k++)
		if (gr_value_get_i(z, k) != gr_value_get_i(z, 0))
			return why(s, "per-channel %s zero points differ; the device has one per tensor",
				   what);
	if (z->count)
		*zp8 = shift_zp(gr_value_get_i(z, 0), dtype);
	return 0;
}

/* The int32 accumulator output: no requantization, no bias, no clamp. */
static void int32_output(struct lw_step *s, const struct gr_node *n)
{
	s->layer.quant.int32_out = 1;
	s->layer.quant.per_channel = 0;
	s->t_in = n->in[0];
	s->t_w = n->in[1];
	s->t_out = n->out[0];
}

/* ConvInteger: a CONV layer that stores its int32 accumulators. */
static int lower_convinteger(const struct gr_graph *g, const struct gr_node *n,
			     struct lw_step *s)
{
	const struct gr_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]];
	int64_t m;

	if (!is_q8(x->dtype))
		return why(s, "the input must be int8/uint8");
	if (weights_ok(g, n->in[1], s))
		return -1;
	if (w->rank != 4)
		return why(s, "the device runs 2-D convolutions");
	m = w->dims[0];
	if (conv_geometry(n, x, w->dims[2], w->dims[3], s))
		return -1;
	if (!fits_u16(m))
		return why(s, "too many output channels");
	if (g->tensors[n->out[0]].dtype != GR_INT32)
		return why(s, "the output must be int32");
	s->layer.shape.op = EYR_LAYER_CONV;
	s->layer.shape.m = (uint32_t)m;
	s->layer.shape.groups = (uint32_t)gr_attr_int(n, "group", 1);
	if (int_zero_point(g, n, 2, x->dtype, "input", &s->layer.quant.zp_in, s) ||
	    int_zero_point(g, n, 3, w->dtype, "weight", &s->layer.quant.zp_w, s))
		return -1;
	int32_output(s, n);
	return 0;
}

/* MatMulInteger: A [N,K] x B [K,M] as an FC layer (weights M x K). */
static int lower_matmulinteger(const struct gr_graph *g, const struct gr_node *n,
			       struct lw_step *s)
{
	const struct gr_tensor *a = &g->tensors[n->in[0]], *b = &g->tensors[n->in[1]];
	int64_t k, m;

	if (!is_q8(a->dtype))
		return why(s, "A must be int8/uint8");
	if (weights_ok(g, n->in[1], s))
		return -1;
	if (a->rank != 2 || b->rank != 2 || !known_shape(a))
		return why(s, "the device runs 2-D x 2-D matrix products (batched MatMulInteger runs on the CPU)");
	k = a->dims[1];
	m = b->dims[1];
	if (b->dims[0] != k)
		return why(s, "inner dimensions differ");
	if (!fits_u16(a->dims[0]) || !fits_u16(k) || !fits_u16(m))
		return why(s, "a dimension exceeds the device's command fields");
	if (g->tensors[n->out[0]].dtype != GR_INT32)
		return why(s, "the output must be int32");
	s->layer.shape = (struct eyr_layer_shape){
		.op = EYR_LAYER_FC, .n = (uint32_t)a->dims[0], .c = (uint32_t)k,
		.m = (uint32_t)m, .h = 1, .w = 1, .r = 1, .s = 1,
		.stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1,
	};
	if (int_zero_point(g, n, 2, a->dtype, "A", &s->layer.quant.zp_in, s) ||
	    int_zero_point(g, n, 3, b->dtype, "B", &s->layer.quant.zp_w, s))
		return -1;
	s->w_transpose = 1;
	int32_output(s, n);
	return 0;
}

/* Pool geometry: 2-D window without dilation. */
static int pool_geometry(const struct gr_node *n, const struct gr_tensor *x,
			 struct lw_step *s, int global)
{
	struct eyr_layer_shape *l = &s->layer.shape;
	struct gr_window win;

	if (global) {
		if (x->rank != 4 || !known_shape(x))
			return why(s, "the device pools NCHW tensors of known shape");
		if (x->dims[2] > 255 || x->dims[3] > 255 || !fits_u16(x->dims[1]))
			return why(s, "window exceeds the device's command fields");
		*l = (struct eyr_layer_shape){
			.n = (uint32_t)x->dims[0], .c = (uint32_t)x->dims[1],
			.m = (uint32_t)x->dims[1], .h = (uint32_t)x->dims[2],
			.w = (uint32_t)x->dims[3], .r = (uint32_t)x->dims[2],
			.s = (uint32_t)x->dims[3], .stride_h = 1, .stride_w = 1,
			.dil_h = 1, .dil_w = 1, .groups = 1,
		};
		return 0;
	}
	if (gr_node_window(n, &win, NULL))
		return why(s, "malformed window");
	if (win.dh != 1 || win.dw != 1)
		return why(s, "dilated pooling is not supported by the device");
	if (conv_geometry(n, x, win.kh, win.kw, s))
		return -1;
	l->m = l->c;
	return 0;
}

static int lower_maxpool_q(const struct gr_graph *g, const struct gr_node *n,
			   struct lw_step *s)
{
	const struct gr_tensor *x = &g->tensors[n->in[0]];

	if (!is_q8(x->dtype))
		return why(s, "float MaxPool runs on the CPU");
	if (n->n_out > 1)
		return why(s, "MaxPool's Indices output runs on the CPU");
	if (pool_geometry(n, x, s, 0))
		return -1;
	s->layer.shape.op = EYR_LAYER_MAXPOOL;
	/* max pool moves int8 values unchanged: no rescale (mult 0) */
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[0];
	s->t_out = n->out[0];
	return 0;
}

/* DequantizeLinear with constant scalar parameters feeding input i. */
static const struct gr_node *dq_input(const struct gr_graph *g, const struct gr_node *n,
				      int i, double *scale, int32_t *zp8)
{
	const struct gr_node *dq = producer(g, i < n->n_in ? n->in[i] : -1);
	const struct gr_value *s, *z;

	if (!dq || !gr_node_is(dq, "DequantizeLinear"))
		return NULL;
	s = cval(g, dq, 1);
	z = dq->n_in > 2 ? cval(g, dq, 2) : NULL;
	if (!s || s->count != 1 || (dq->n_in > 2 && dq->in[2] >= 0 && (!z || z->count != 1)))
		return NULL;
	if (!is_q8(g->tensors[dq->in[0]].dtype))
		return NULL;
	*scale = gr_value_get_f(s, 0);
	*zp8 = shift_zp(z ? gr_value_get_i(z, 0) : 0, g->tensors[dq->in[0]].dtype);
	return dq;
}

/* The axis of a DequantizeLinear, made non-negative. */
static int64_t dq_axis(const struct gr_graph *g, const struct gr_node *dq)
{
	int64_t axis = gr_attr_int(dq, "axis", 1);

	return axis < 0 ? axis + g->tensors[dq->in[0]].rank : axis;
}

/*
 * Weights of a QDQ conv / matmul: DequantizeLinear of a constant (or graph
 * input) int8/uint8 tensor, scale per tensor or per output channel (axis
 * `axis`), one zero point. Fills scales[m] and the shifted zero point.
 */
static const struct gr_node *dq_weights(const struct gr_graph *g, int t, int64_t m,
					int64_t axis, double *scales, int32_t *zp8,
					struct lw_step *s)
{
	const struct gr_node *dq = producer(g, t);
	const struct gr_value *sc, *z;
	int wdtype;

	if (!dq || !gr_node_is(dq, "DequantizeLinear")) {
		why(s, "weights do not come from DequantizeLinear");
		return NULL;
	}
	sc = cval(g, dq, 1);
	z = dq->n_in > 2 ? cval(g, dq, 2) : NULL;
	wdtype = g->tensors[dq->in[0]].dtype;
	if (!sc || (dq->n_in > 2 && dq->in[2] >= 0 && !z) || !is_q8(wdtype)) {
		why(s, "weight quantization parameters must be constants of an int8/uint8 tensor");
		return NULL;
	}
	if (sc->count != 1 && (sc->count != (size_t)m ||
			       dq_axis(g, dq) != axis)) {
		why(s, "weight scales must be per tensor or per output channel");
		return NULL;
	}
	for (size_t i = 1; z && i < z->count; i++)
		if (gr_value_get_i(z, i) != gr_value_get_i(z, 0)) {
			why(s, "per-channel weight zero points differ; the device has one");
			return NULL;
		}
	for (int64_t i = 0; i < m; i++)
		scales[i] = gr_value_get_f(sc, sc->count == 1 ? 0 : (size_t)i);
	*zp8 = shift_zp(z ? gr_value_get_i(z, 0) : 0, wdtype);
	if (weights_ok(g, dq->in[0], s))
		return NULL;
	return dq;
}

/* A DequantizeLinear's zero point is absent or all 0. */
static int dq_zero_zp(const struct gr_graph *g, const struct gr_node *dq)
{
	const struct gr_value *z;

	if (dq->n_in < 3 || dq->in[2] < 0)
		return 1;
	z = cval(g, dq, 2);
	if (!z)
		return 0;
	for (size_t i = 0; i < z->count; i++)
		if (gr_value_get_i(z, i))
			return 0;
	return 1;
}

/*
 * Bias of a QDQ conv / gemm in accumulator units: round(b / (sa * sw[m])).
 * With ort_int32, a DequantizeLinear of an int32 constant with a zero
 * zero point gives its values as they are: ONNX Runtime's QDQ fusion moves
 * that tensor into QLinearConv / QGemm unchanged (the device's binary32
 * rule is there to agree with it), where b / (sa * sw) may round to
 * another integer.
 */
static int qdq_bias(const struct gr_graph *g, int t, int64_t m, double sa,
		    const double *sw, int ort_int32, struct lw_step *s)
{
	const struct gr_node *dq = producer(g, t);
	const struct gr_value *b = g->tensors[t].constant;
	struct gr_value *tmp = NULL;
	int rc = 0;

	if (ort_int32 && !b && dq && gr_node_is(dq, "DequantizeLinear") && cval(g, dq, 0) &&
	    cval(g, dq, 0)->dtype == GR_INT32 && cval(g, dq, 0)->count == (size_t)m &&
	    dq_zero_zp(g, dq)) {
		const struct gr_value *q = cval(g, dq, 0);

		s->bias = malloc((size_t)m * sizeof(int32_t));
		if (!s->bias)
			return why(s, "out of memory");
		for (int64_t i = 0; i < m; i++)
			s->bias[i] = (int32_t)gr_value_get_i(q, (size_t)i);
		s->layer.quant.has_bias = 1;
		return 0;
	}

	if (!b && dq && gr_node_is(dq, "DequantizeLinear") && cval(g, dq, 0) && cval(g, dq, 1)) {
		/* DequantizeLinear of an int32 constant: evaluate it */
		const struct gr_value *q = cval(g, dq, 0), *sc = cval(g, dq, 1);
		const struct gr_value *z = dq->n_in > 2 ? cval(g, dq, 2) : NULL;

		tmp = gr_value_new(GR_FLOAT, q->rank, q->dims, NULL);
		if (!tmp)
			return why(s, "out of memory");
		for (size_t i = 0; i < q->count; i++)
			((float *)tmp->data)[i] = (float)(gr_value_get_i(q, i) -
				(z ? gr_value_get_i(z, z->count == 1 ? 0 : i) : 0)) *
				(float)gr_value_get_f(sc, sc->count == 1 ? 0 : i);
		b = tmp;
	}
	if (!b || b->count != (size_t)m)
		return why(s, "the bias must be a constant with one value per output channel");
	s->bias = malloc((size_t)m * sizeof(int32_t));
	if (!s->bias) {
		rc = why(s, "out of memory");
	} else {
		for (int64_t i = 0; i < m && !rc; i++) {
			double v = nearbyint(gr_value_get_f(b, (size_t)i) / (sa * sw[i]));

			/* NaN fails the test too: it has no int32 value */
			if (!(fabs(v) <= 2147483647.0))
				rc = why(s, "bias too large for int32 accumulators, or not a number");
			else
				s->bias[i] = (int32_t)v;
		}
		s->layer.quant.has_bias = !rc;
	}
	gr_value_free(tmp);
	return rc;
}

/* QDQ Conv / MatMul / Gemm: the weights' DequantizeLinear is fused too. */
static int lower_qdq_mac(const struct gr_graph *g, const struct gr_node *op, double sa,
			 double sy, struct lw_step *s, const struct lw_opts *o)
{
	const struct gr_tensor *x = &g->tensors[op->in[0]];
	const struct gr_tensor *wt = &g->tensors[op->in[1]];
	const struct gr_node *dqw;
	int64_t m, k;
	double *sw, *real;
	int32_t zw;
	int rc = 0, bias_in = 2;
	int is_conv = gr_node_is(op, "Conv"), is_gemm = gr_node_is(op, "Gemm");
	int trans_b = (int)gr_attr_int(op, "transB", 0);

	if (is_conv) {
		if (wt->rank != 4)
			return why(s, "the device runs 2-D convolutions");
		m = wt->dims[0];
		if (conv_geometry(op, x, wt->dims[2], wt->dims[3], s))
			return -1;
		s->layer.shape.op = EYR_LAYER_CONV;
		s->layer.shape.m = (uint32_t)m;
		s->layer.shape.groups = (uint32_t)gr_attr_int(op, "group", 1);
	} else {
		int64_t rows = 1;

		if (is_gemm && (gr_attr_int(op, "transA", 0) ||
				gr_attr_float(op, "alpha", 1.0f) != 1.0f ||
				(op->n_in > 2 && op->in[2] >= 0 &&
				 gr_attr_float(op, "beta", 1.0f) != 1.0f)))
			return why(s, "Gemm with transA, alpha or beta other than 1");
		if (wt->rank != 2 || x->rank < 2 || !known_shape(x) || !known_shape(wt))
			return why(s, "the device runs 2-D x 2-D matrix products");
		if (gr_node_is(op, "MatMul"))
			bias_in = -1;
		for (int i = 0; i < x->rank - 1; i++)
			rows *= x->dims[i];
		k = x->dims[x->rank - 1];
		m = is_gemm && trans_b ? wt->dims[0] : wt->dims[1];
		if (!fits_u16(rows) || !fits_u16(k) || !fits_u16(m))
			return why(s, "a dimension exceeds the device's command fields");
		s->layer.shape = (struct eyr_layer_shape){
			.op = EYR_LAYER_FC, .n = (uint32_t)rows, .c = (uint32_t)k,
			.m = (uint32_t)m, .h = 1, .w = 1, .r = 1, .s = 1,
			.stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1,
		};
		/* the device wants M x K: MatMul's B and Gemm's untransposed B are K x M */
		s->w_transpose = !(is_gemm && trans_b);
	}
	if (!fits_u16(m))
		return why(s, "too many output channels");
	sw = calloc((size_t)m, sizeof(double));
	real = calloc((size_t)m, sizeof(double));
	if (!sw || !real) {
		free(sw);
		free(real);
		return why(s, "out of memory");
	}
	dqw = dq_weights(g, op->in[1], m, is_conv || (is_gemm && trans_b) ? 0 : 1,
			 sw, &zw, s);
	if (!dqw)
		rc = -1;
	if (!rc && bias_in >= 0 && op->n_in > bias_in && op->in[bias_in] >= 0)
		rc = qdq_bias(g, op->in[bias_in], m, sa, sw, o->fp32_ok, s);
	for (int64_t i = 0; !rc && i < m; i++)
		real[i] = sa * sw[i] / sy;
	if (!rc && o->fp32_ok) {
		/* as ONNX Runtime's QLinearConv / QLinearMatMul / QGemm it fuses into */
		float *f32 = calloc((size_t)m, sizeof(float));

		if (!f32) {
			rc = why(s, "out of memory");
		} else {
			for (int64_t i = 0; i < m; i++)
				f32[i] = gr_ort_scale((float)sa, (float)sw[i], (float)sy);
			rc = lw_set_requant_fp32(s, f32, m, o);
			free(f32);
		}
	} else if (!rc) {
		int per_channel = 0;

		for (int64_t i = 1; i < m; i++)
			per_channel |= sw[i] != sw[0];
		rc = set_requant(s, real, m, per_channel, o);
	}
	free(sw);
	free(real);
	if (rc)
		return rc;
	s->layer.quant.zp_w = zw;
	s->t_w = dqw->in[0];
	s->fused[s->n_fused++] = (int)(dqw - g->nodes);
	return 0;
}

/* The device layer a QDQ island's middle op becomes. */
enum qdq_kind { QDQ_NONE, QDQ_ADD, QDQ_AVGPOOL, QDQ_GLOBALAVGPOOL, QDQ_MAXPOOL, QDQ_MAC,
		QDQ_UPSAMPLE };

static enum qdq_kind qdq_kind(const struct gr_node *op)
{
	if (gr_node_is(op, "Add"))
		return QDQ_ADD;
	if (gr_node_is(op, "AveragePool"))
		return QDQ_AVGPOOL;
	if (gr_node_is(op, "GlobalAveragePool"))
		return QDQ_GLOBALAVGPOOL;
	/* the Indices output has no device form: such a MaxPool stays on the CPU */
	if (gr_node_is(op, "MaxPool") && op->n_out == 1)
		return QDQ_MAXPOOL;
	if (gr_node_is(op, "Conv") || gr_node_is(op, "MatMul") || gr_node_is(op, "Gemm"))
		return QDQ_MAC;
	if (gr_node_is(op, "Resize") || gr_node_is(op, "Upsample"))
		return QDQ_UPSAMPLE;
	return QDQ_NONE;
}

/*
 * QDQ island ending at QuantizeLinear node q: Q(act(op(DQ(a)[, DQ(b)]))).
 * act is an optional Relu or Clip with constant bounds.
 */
static int lower_qdq(const struct gr_graph *g, int qi, struct lw_step *s,
		     const struct lw_opts *o)
{
	const struct gr_node *q = &g->nodes[qi], *op, *act = NULL, *dqa, *dqb = NULL;
	const struct gr_value *ys = cval(g, q, 1), *yz = q->n_in > 2 ? cval(g, q, 2) : NULL;
	double sy, sa, sb = 0, lo = -INFINITY, hi = INFINITY;
	int32_t za, zb = 0, zy;
	int out_dtype = g->tensors[q->out[0]].dtype;
	enum qdq_kind kind;

	if (!ys || ys->count != 1 || (q->n_in > 2 && q->in[2] >= 0 && !yz))
		return why(s, "QuantizeLinear with non-constant or per-axis parameters");
	sy = gr_value_get_f(ys, 0);
	zy = shift_zp(yz ? gr_value_get_i(yz, 0) : 0, out_dtype);
	op = producer(g, q->in[0]);
	if (!op || !private_tensor(g, q->in[0]))
		return why(s, "no fusable op before QuantizeLinear");
	if (gr_node_is(op, "Relu") || gr_node_is(op, "Clip")) {
		act = op;
		if (gr_node_is(act, "Relu")) {
			lo = 0;
		} else if (gr_clip_bounds_attrs(act, &lo, &hi)) {
			/* Clip before opset 11: bounds are attributes */
		} else {
			const struct gr_value *mn = cval(g, act, 1), *mx = cval(g, act, 2);

			if ((act->n_in > 1 && act->in[1] >= 0 && !mn) ||
			    (act->n_in > 2 && act->in[2] >= 0 && !mx))
				return why(s, "Clip bounds must be constants");
			if (mn)
				lo = gr_value_get_f(mn, 0);
			if (mx)
				hi = gr_value_get_f(mx, 0);
		}
		op = producer(g, act->in[0]);
		if (!op || !private_tensor(g, act->in[0]))
			return why(s, "no fusable op before the activation");
	}
	kind = qdq_kind(op);
	if (kind == QDQ_NONE) {
		why(s, "QuantizeLinear after %s: no device op to fuse into", op->op_type);
		return gr_lower_lut_island(g, qi, s, o);
	}
	dqa = dq_input(g, op, 0, &sa, &za);
	if (!dqa)
		return why(s, "'%s' has no DequantizeLinear input with constant scale", op->name);
	s->t_in = dqa->in[0];
	s->t_out = q->out[0];
	s->node = (int)(op - g->nodes);
	switch (kind) {
	case QDQ_ADD: {
		const struct gr_tensor *ta = &g->tensors[op->in[0]], *tb = &g->tensors[op->in[1]];
		int ta_q, tb_q;

		dqb = dq_input(g, op, 1, &sb, &zb);
		if (!dqb)
			return why(s, "Add needs DequantizeLinear on both inputs");
		ta_q = g->tensors[dqa->in[0]].dtype;
		tb_q = g->tensors[dqb->in[0]].dtype;
		if (ta->rank != tb->rank || memcmp(ta->dims, tb->dims, sizeof(int64_t) * (size_t)ta->rank) ||
		    !known_shape(ta))
			return why(s, "the device adds tensors of the same shape (no broadcast)");
		/* ONNX Runtime fuses it into QLinearAdd (one type in and out) */
		if (lw_add_quant(sa, sb, sy, za, zb, zy, ta_q == GR_UINT8,
				 o->fp32_ok && ta_q == tb_q && ta_q == out_dtype, &s->layer.quant))
			return why(s, "Add scales outside the device's fixed-point range");
		s->layer.shape = (struct eyr_layer_shape){
			.op = EYR_LAYER_ADD, .n = 1, .c = 1, .m = 1, .h = 1,
			.w = (uint32_t)gr_dims_count(ta->rank, ta->dims),
			.r = 1, .s = 1, .stride_h = 1, .stride_w = 1,
			.dil_h = 1, .dil_w = 1, .groups = 1,
		};
		if (gr_dims_count(ta->rank, ta->dims) > 0xffffffffll)
			return why(s, "tensor too large");
		s->layer.quant.zp_in = za;
		s->layer.quant.zp_b = zb;
		s->t_in_b = dqb->in[0];
		break;
	}
	case QDQ_GLOBALAVGPOOL:
	case QDQ_AVGPOOL: {
		const struct gr_tensor *x = &g->tensors[op->in[0]];
		struct eyr_layer_shape *l = &s->layer.shape;

		if (pool_geometry(op, x, s, kind == QDQ_GLOBALAVGPOOL))
			return -1;
		l->op = EYR_LAYER_AVGPOOL;
		/* the device divides the window sum by the count itself */
		s->layer.quant.count_include_pad = kind == QDQ_AVGPOOL &&
						   gr_attr_int(op, "count_include_pad", 0);
		if (kind == QDQ_GLOBALAVGPOOL && o->fp32_ok) {
			/* ONNX Runtime fuses it into QLinearGlobalAveragePool */
			float sc = lw_gap_scale((float)sa, (float)sy, l->r * l->s);

			if (lw_set_requant_fp32(s, &sc, 1, o))
				return -1;
		} else if (gr_quant_mult(sa / sy, &s->layer.quant.mult, &s->layer.quant.shift)) {
			return why(s, "pool scale outside the device's fixed-point range");
		}
		s->layer.quant.zp_in = za;
		break;
	}
	case QDQ_MAC:
		if (lower_qdq_mac(g, op, sa, sy, s, o))
			return -1;
		s->layer.quant.zp_in = za;
		break;
	case QDQ_MAXPOOL: {
		const struct gr_tensor *x = &g->tensors[op->in[0]];

		if (pool_geometry(op, x, s, 0))
			return -1;
		s->layer.shape.op = EYR_LAYER_MAXPOOL;
		if (sa != sy || za != zy)
			return why(s, "the device's max pool does not rescale (input and output quantization differ)");
		break;
	}
	case QDQ_UPSAMPLE:
		if (lw_upsample_x2(g, op, s))
			return -1;
		if (sa != sy || za != zy)
			return why(s, "the upsample is DMA only and does not rescale (input and output quantization differ)");
		break;
	default:
		return why(s, "QDQ fusion of %s is not supported", op->op_type);
	}
	/* the activation, in the output's integer domain */
	{
		double cmin = -128, cmax = 127;

		if (isfinite(lo))
			cmin = fmax(cmin, nearbyint(lo / sy) + zy);
		if (isfinite(hi))
			cmax = fmin(cmax, nearbyint(hi / sy) + zy);
		if (cmin > cmax)
			return why(s, "empty Clip range");
		if (kind == QDQ_UPSAMPLE && (cmin > -128 || cmax < 127))
			return why(s, "%s clamps the upsampled values: the DMA-only upsample has no pass to clamp them",
				    act ? act->op_type : "the activation");
		s->layer.quant.clamp_min = (int32_t)cmin;
		s->layer.quant.clamp_max = (int32_t)cmax;
	}
	s->layer.quant.zp_out = zy;
	s->fused[s->n_fused++] = (int)(op - g->nodes);
	if (act)
		s->fused[s->n_fused++] = (int)(act - g->nodes);
	s->fused[s->n_fused++] = qi;
	return 0;
}

int lw_add_scales(double sa, double sb, double sy, struct eyr_layer_quant *q)
{
	/* both inputs to a common scale 2^20 finer than the coarser one */
	double sc = fmax(sa, sb) / 1048576.0;

	if (gr_quant_mult(sa / sc, &q->a_mult, &q->a_shift) ||
	    gr_quant_mult(sb / sc, &q->b_mult, &q->b_shift) ||
	    gr_quant_mult(sc / sy, &q->mult, &q->shift))
		return -ERANGE;
	return 0;
}

int lw_add_fp32(float sa, float sb, float sy, int32_t za8, int32_t zb8, int32_t zy8,
		int u8, struct eyr_layer_quant *q)
{
	/* MLAS (qladd_avx2.cpp): the ratios, then its VectorFixedPart */
	int32_t off = u8 ? EYRIE_ELTWISE_FP32_U8_OFFSET : 0;
	float ra = sa / sy, rb = sb / sy;
	float pb = rb * (float)(zb8 + off);
	float term = (float)(zy8 + off) - fmaf(ra, (float)(za8 + off), pb);
	union { float f; uint32_t u; } a = { ra }, b = { rb }, t = { term };

	if (!eyrie_fp32_scale_ok(a.u) || !eyrie_fp32_scale_ok(b.u) || !eyrie_fp32_term_ok(t.u))
		return -ERANGE;
	q->fp32_rq = 1;
	q->ratio_a = a.u;
	q->ratio_b = b.u;
	q->term = t.u;
	q->value_offset = off;
	/* the term carries the zero points; no fixed-point multiplier */
	q->a_mult = q->a_shift = q->b_mult = q->b_shift = q->mult = q->shift = 0;
	return 0;
}

int lw_add_quant(double sa, double sb, double sy, int32_t za8, int32_t zb8, int32_t zy8,
		 int u8, int fp32, struct eyr_layer_quant *q)
{
	if (fp32 && !lw_add_fp32((float)sa, (float)sb, (float)sy, za8, zb8, zy8, u8, q))
		return 0;
	return lw_add_scales(sa, sb, sy, q);
}

float lw_gap_scale(float x_scale, float y_scale, uint32_t image_size)
{
	/* MLAS: ScaleInput / (ScaleOutput * static_cast<float>(ImageSize)) */
	float d = y_scale * (float)image_size;

	return x_scale / d;
}

int lw_pool_geometry(const struct gr_node *n, const struct gr_tensor *x,
		     struct lw_step *s, int global)
{
	return pool_geometry(n, x, s, global);
}

/* The registry's lowering entry points (graph/registry.h). */
int lw_qlinearconv(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_qlinearconv(c->g, &c->g->nodes[node], s, c->o);
}

int lw_qlinearmatmul(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_qlinearmatmul(c->g, &c->g->nodes[node], s, c->o);
}

int lw_convinteger(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_convinteger(c->g, &c->g->nodes[node], s);
}

int lw_matmulinteger(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_matmulinteger(c->g, &c->g->nodes[node], s);
}

int lw_maxpool(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_maxpool_q(c->g, &c->g->nodes[node], s);
}

int lw_qdq(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return lower_qdq(c->g, node, s, c->o);
}

/* Flatten / Reshape of a tensor on the device: no data moves. */
int lw_view(const struct lw_ctx *c, int node, struct lw_step *s)
{
	const struct gr_node *n = &c->g->nodes[node];

	if (c->dev_tensor[n->in[0]] && known_shape(&c->g->tensors[n->out[0]])) {
		s->kind = LW_VIEW;
		s->t_in = n->in[0];
		s->t_out = n->out[0];
		c->dev_tensor[n->out[0]] = 1;
		return 0;
	}
	return why(s, "a view of a tensor that is not on the device");
}

/* DequantizeLinear, Relu, Clip: on the device only inside a QDQ island. */
int lw_not_island(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return why(s, "%s is not part of a fusable DequantizeLinear -> op -> QuantizeLinear island",
		   c->g->nodes[node].op_type);
}

static void reset_step(struct lw_step *s, int node)
{
	free(s->bias);
	free(s->qtable);
	free(s->lut);
	free(s->cat_map);
	memset(s, 0, sizeof(*s));
	s->kind = LW_CPU;
	s->node = node;
	s->cat_step = -1;
	s->t_in = s->t_in_b = s->t_out = s->t_w = -1;
	s->fused[0] = node;
	s->n_fused = 1;
}

int gr_lower(const struct gr_graph *g, const struct lw_opts *o,
	     struct lw_plan *plan, struct gr_err *err)
{
	struct lw_step *steps = calloc(g->n_nodes ? (size_t)g->n_nodes : 1, sizeof(*steps));
	char *dev_tensor;	/* tensor lives on the device (int8 form) */
	struct lw_ctx ctx;

	if (!steps)
		return gr_err_set(err, -ENOMEM, "out of memory");
	dev_tensor = calloc((size_t)g->n_tensors + 1, 1);
	if (!dev_tensor) {
		free(steps);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	ctx = (struct lw_ctx){ .g = g, .o = o, .dev_tensor = dev_tensor };
	for (int i = 0; i < g->n_nodes; i++) {
		const struct gr_node *n = &g->nodes[i];
		struct lw_step *s = &steps[i];
		int rc = -1;

		reset_step(s, i);
		/* first: a folded node never runs, wherever the rest goes */
		if (n->folded) {
			why(s, "%s", gr_node_is(n, "Constant") ? "constant" :
			    "computed once when the model is compiled (constant folding)");
			continue;
		}
		if (o->cpu_only) {
			why(s, "CPU only was requested");
			continue;
		}
		if (o->deny && o->deny[i]) {
			why(s, "%s", o->deny[i]);
			continue;
		}
		if (!n->def->lower) {
			if (n->def->cpu_why)
				why(s, "%s", n->def->cpu_why);
			else
				why(s, "%s has no device form here (float or int32 op)",
				    n->op_type);
			continue;
		}
		rc = n->def->lower(&ctx, i, s);
		if (!rc && s->kind == LW_VIEW)
			continue;
		if (rc) {
			int keep = s->why[0];
			char reason[sizeof(s->why)];

			memcpy(reason, s->why, sizeof(reason));
			reset_step(s, i);
			if (keep)
				memcpy(s->why, reason, sizeof(reason));
			continue;
		}
		s->kind = LW_DEVICE;
		if (s->n_fused > 1) {
			/* QDQ island: the step sits at the Quantize node */
			for (int f = 0; f < s->n_fused; f++)
				if (s->fused[f] != i)
					steps[s->fused[f]].kind = LW_FUSED;
		}
		dev_tensor[s->t_out] = 1;
	}
	gr_lower_fuse_luts(g, steps, g->n_nodes);
	gr_lower_concats(g, steps, g->n_nodes, o);
	/* DequantizeLinear nodes whose every consumer was fused are dead */
	for (int i = 0; i < g->n_nodes; i++) {
		const struct gr_node *n = &g->nodes[i];
		int t = n->out[0], live = 0;

		if (!gr_node_is(n, "DequantizeLinear") || steps[i].kind != LW_CPU || g->tensors[t].is_output)
			continue;
		for (int j = 0; j < g->n_nodes && !live; j++)
			for (int k = 0; k < g->nodes[j].n_in; k++)
				if (g->nodes[j].in[k] == t && steps[j].kind != LW_FUSED)
					live = 1;
		if (!live)
			steps[i].kind = LW_FUSED;
	}
	free(dev_tensor);
	plan->steps = steps;
	plan->n_steps = g->n_nodes;
	return 0;
}

void gr_lower_free(struct lw_plan *plan)
{
	for (int i = 0; i < plan->n_steps; i++) {
		free(plan->steps[i].bias);
		free(plan->steps[i].qtable);
		free(plan->steps[i].lut);
		free(plan->steps[i].cat_map);
	}
	free(plan->steps);
	plan->steps = NULL;
	plan->n_steps = 0;
}
