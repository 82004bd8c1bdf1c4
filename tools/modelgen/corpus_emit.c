// SPDX-License-Identifier: MIT
/*
 * Writes a corpus network (corpus.h) as ONNX the way its exporter would:
 * PyTorch's torch.onnx.export for the float form, ONNX Runtime's
 * quantize_static (MinMax calibration, u8 activations, s8 symmetric
 * per-channel weights) in QOperator or QDQ format for the quantized ones.
 *
 * Naming follows those tools: PyTorch "/layer1/conv1/Conv" nodes with
 * "/layer1/conv1/Conv_output_0" outputs and "layer1.conv1.weight"
 * initializers; the quantizer's "_quantized", "_scale", "_zero_point",
 * "_quant" (QOperator nodes), "_QuantizeLinear[_Output]" and
 * "_DequantizeLinear[_Output]" (QDQ) suffixes.
 *
 * Weights are quantized with reduce_range (7 bits, [-64, 64]), as the
 * quantizer's documentation asks for u8 x s8 on x86 without VNNI: there
 * ONNX Runtime's kernels add two u8 x s8 products in 16 bits, which would
 * saturate with 8-bit weights and make the oracle itself inexact.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

#define DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define DT_UINT8 ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
#define DT_INT8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define DT_INT32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32
#define DT_INT64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64

#define WQ_MAX 64		/* reduce_range: symmetric s8 weights in [-64, 64] */
#define NAME 160

/* A name of at most NAME - 1 bytes; longer ones are a generator bug. */
__attribute__((format(printf, 2, 3)))
static void nm(char *dst, const char *fmt, ...)
{
	char tmp[2 * NAME];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= NAME) {
		fprintf(stderr, "corpusgen: name too long: %s\n", tmp);
		exit(3);
	}
	memcpy(dst, tmp, (size_t)n + 1);
}

struct emit {
	struct mg_graph g;
	const struct cg_net *net;
	const struct cg_model *m;
	char fname[CG_MAX_NODES][NAME];	/* the float tensor (PyTorch's name) */
	char nname[CG_MAX_NODES][NAME];	/* the float node */
	char use[CG_MAX_NODES][NAME];	/* what consumers read in this form */
	char scale[CG_MAX_NODES][NAME], zp[CG_MAX_NODES][NAME];
	float sv[CG_MAX_NODES];
	uint8_t zv[CG_MAX_NODES];
	int fused_into[CG_MAX_NODES];	/* CONV/ADD -> the RELU/CLIP6 folded into it */
	int skip[CG_MAX_NODES];		/* an activation folded into its producer */
	int consts;			/* "onnx::Op_N" initializer counter */
};

static const char *op_name(const struct cg_node *t)
{
	static const char *const names[] = {
		[CG_INPUT] = "", [CG_CONV] = "Conv", [CG_BN] = "BatchNormalization",
		[CG_RELU] = "Relu", [CG_CLIP6] = "Clip", [CG_LEAKY] = "LeakyRelu",
		[CG_SIGMOID] = "Sigmoid", [CG_ADD] = "Add", [CG_MUL] = "Mul",
		[CG_CONCAT] = "Concat", [CG_AVGPOOL] = "AveragePool",
		[CG_MAXPOOL] = "MaxPool", [CG_GAP] = "GlobalAveragePool",
		[CG_RESIZE2X] = "Resize", [CG_FLATTEN] = "Flatten", [CG_GEMM] = "Gemm",
		[CG_SOFTMAX] = "Softmax", [CG_MATMUL] = "MatMul",
	};

	if (t->op == CG_FLATTEN && t->flatten_shape_subgraph)
		return "Reshape";
	return names[t->op];
}

/*
 * The exporter's scope of a module path: "layer1.0.conv1" ->
 * "/layer1/layer1.0/conv1", "features.2.conv.0.0" ->
 * "/features/features.2/conv/conv.0/conv.0.0" (a numeric child of a
 * Sequential is named with its parent).
 */
static void scope(char *out, size_t sz, const char *mod)
{
	char run[64] = "";
	const char *p = mod;
	size_t o = 0;

	out[0] = 0;
	while (*p && o < sz) {
		size_t n = strcspn(p, "."), r = strlen(run);

		if (*p >= '0' && *p <= '9' && r)
			snprintf(run + r, sizeof(run) - r, ".%.*s", (int)n, p);
		else
			snprintf(run, sizeof(run), "%.*s", (int)n, p);
		o += (size_t)snprintf(out + o, sz - o, "/%s", run);
		p += n + (p[n] == '.');
	}
}

static void init_f(struct emit *e, const char *name, int rank, const int64_t *dims,
		   const float *v, size_t n)
{
	mg_init(&e->g, name, DT_FLOAT, rank, dims, v, n * sizeof(float));
}

static const char *const_name(struct emit *e, const char *op, char *buf)
{
	nm(buf, "onnx::%s_%d", op, ++e->consts);
	return buf;
}

static const char *batch_param(const struct emit *e)
{
	return e->m->dynamic_batch ? "batch_size" : NULL;
}

static Onnx__ValueInfoProto *vi_of(const struct emit *e, const char *name, int dtype,
				   const struct cg_node *t)
{
	int64_t dims[4] = { e->m->dynamic_batch ? -1 : e->m->fixed_batch, t->c, t->h, t->w };
	const char *params[4] = { batch_param(e), NULL, NULL, NULL };

	return mg_value_info(name, dtype, t->rank, dims, params);
}

/* ONNX Runtime's compute_scale_zp for u8: the range widened to hold 0. */
static void act_params(struct emit *e, int i, float lo, float hi)
{
	float rmin = fminf(lo, 0), rmax = fmaxf(hi, 0);
	float s = (rmax - rmin) / 255.0f, z;

	if (s == 0)
		s = 1;
	z = nearbyintf(-rmin / s);
	e->sv[i] = s;
	e->zv[i] = (uint8_t)fminf(fmaxf(z, 0), 255);
	nm(e->scale[i], "%s_scale", e->fname[i]);
	nm(e->zp[i], "%s_zero_point", e->fname[i]);
	mg_init_scalar_f(&e->g, e->scale[i], s);
	mg_init(&e->g, e->zp[i], DT_UINT8, 0, NULL, &e->zv[i], 1);
}

/* Direct 8-bit ops (MaxPool, Resize, Flatten) keep their input's params. */
static void share_params(struct emit *e, int i, int from)
{
	e->sv[i] = e->sv[from];
	e->zv[i] = e->zv[from];
	nm(e->scale[i], "%s", e->scale[from]);
	nm(e->zp[i], "%s", e->zp[from]);
}

/* Symmetric per-channel s8 weights (rows of `per` values), reduce_range. */
static int8_t *quant_weights(const float *w, int rows, size_t per, float *scales)
{
	int8_t *q = mg_xmalloc((size_t)rows * per);

	for (int r = 0; r < rows; r++) {
		float amax = 0;

		for (size_t j = 0; j < per; j++)
			amax = fmaxf(amax, fabsf(w[r * per + j]));
		scales[r] = amax > 0 ? amax / WQ_MAX : 1.0f;
		for (size_t j = 0; j < per; j++) {
			float v = nearbyintf(w[r * per + j] / scales[r]);

			q[r * per + j] = (int8_t)fminf(fmaxf(v, -WQ_MAX), WQ_MAX);
		}
	}
	return q;
}

/* Writes W_quantized, W_scale, W_zero_point (and the int32 bias, scale
 * x_scale * w_scale) for CONV/GEMM node i with input scale xs. */
static void quant_params(struct emit *e, int i, float xs, const char *wname,
			 const char *bname, const char *bscale, const char *bzp)
{
	const struct cg_node *t = &e->net->nd[i], *x = &e->net->nd[t->in[0]];
	size_t per = t->op == CG_CONV ? (size_t)(x->c / t->groups) * t->k * t->k : (size_t)x->c;
	int64_t wd[4] = { t->m, t->op == CG_CONV ? x->c / t->groups : x->c, t->k, t->k };
	float *ws = mg_xmalloc((size_t)t->m * sizeof(float)), *bs = mg_xmalloc((size_t)t->m * sizeof(float));
	int8_t *q = quant_weights(t->wt, t->m, per, ws), *wz = mg_xmalloc((size_t)t->m);
	int32_t *bq = mg_xmalloc((size_t)t->m * sizeof(int32_t)), *bz = mg_xmalloc((size_t)t->m * sizeof(int32_t));
	int64_t md = t->m;
	char n[NAME];

	nm(n, "%s_quantized", wname);
	mg_init(&e->g, n, DT_INT8, t->op == CG_CONV ? 4 : 2, wd, q, (size_t)t->m * per);
	nm(n, "%s_scale", wname);
	init_f(e, n, 1, &md, ws, (size_t)t->m);
	nm(n, "%s_zero_point", wname);
	mg_init(&e->g, n, DT_INT8, 1, &md, wz, (size_t)t->m);
	for (int m = 0; m < t->m; m++) {
		bs[m] = xs * ws[m];
		bq[m] = (int32_t)nearbyintf(t->bias[m] / bs[m]);
	}
	mg_init(&e->g, bname, DT_INT32, 1, &md, bq, (size_t)t->m * sizeof(int32_t));
	if (bscale) {
		init_f(e, bscale, 1, &md, bs, (size_t)t->m);
		mg_init(&e->g, bzp, DT_INT32, 1, &md, bz, (size_t)t->m * sizeof(int32_t));
	}
	free(ws);
	free(bs);
	free(q);
	free(wz);
	free(bq);
	free(bz);
}

static Onnx__AttributeProto **conv_attrs(const struct cg_node *t, Onnx__AttributeProto **a)
{
	int64_t one[2] = { 1, 1 }, k[2] = { t->k, t->k }, s[2] = { t->stride, t->stride };
	int64_t p[4] = { t->pad, t->pad, t->pad, t->pad };

	a[0] = mg_attr_ints("dilations", 2, one);
	a[1] = mg_attr_int("group", t->groups);
	a[2] = mg_attr_ints("kernel_shape", 2, k);
	a[3] = mg_attr_ints("pads", 4, p);
	a[4] = mg_attr_ints("strides", 2, s);
	a[5] = NULL;
	return a;
}

static Onnx__AttributeProto **pool_attrs(const struct cg_node *t, int opset,
					  Onnx__AttributeProto **a)
{
	int64_t k[2] = { t->k, t->k }, s[2] = { t->stride, t->stride };
	int64_t p[4] = { t->pad, t->pad, t->pad, t->pad };
	int i = 0;

	/* ceil_mode exists from opset 10 */
	if (opset >= 10)
		a[i++] = mg_attr_int("ceil_mode", 0);
	if (t->op == CG_AVGPOOL && t->pad)
		a[i++] = mg_attr_int("count_include_pad", 1);
	a[i++] = mg_attr_ints("kernel_shape", 2, k);
	a[i++] = mg_attr_ints("pads", 4, p);
	a[i++] = mg_attr_ints("strides", 2, s);
	a[i] = NULL;
	return a;
}

/* The float op itself (all forms but QOperator's QLinear ops): inputs are
 * what the form makes consumers read; the node writes `out`. */
static void float_node(struct emit *e, int i, const char *const *ins, const char *out)
{
	const struct cg_node *t = &e->net->nd[i];
	Onnx__AttributeProto *a[8] = { NULL };
	const char *outs[2] = { out, NULL };
	char c1[NAME], c2[NAME];

	switch (t->op) {
	case CG_CONV:
		conv_attrs(t, a);
		break;
	case CG_BN:
		a[0] = mg_attr_float("epsilon", 1e-5f);
		a[1] = mg_attr_float("momentum", 0.9f);
		break;
	case CG_LEAKY:
		a[0] = mg_attr_float("alpha", t->alpha);
		break;
	case CG_CLIP6: {
		float lo = 0, hi = 6;
		const char *cin[4] = { ins[0], NULL, NULL, NULL };

		if (e->m->opset < 11) {
			/* Clip-6: the bounds are attributes */
			a[0] = mg_attr_float("max", hi);
			a[1] = mg_attr_float("min", lo);
			break;
		}
		cin[1] = const_name(e, "Clip", c1);
		cin[2] = const_name(e, "Clip", c2);
		init_f(e, c1, 0, NULL, &lo, 1);
		init_f(e, c2, 0, NULL, &hi, 1);
		mg_node_dom(&e->g, "", "Clip", e->nname[i], cin, outs, NULL);
		return;
	}
	case CG_CONCAT:
		a[0] = mg_attr_int("axis", 1);
		break;
	case CG_AVGPOOL:
	case CG_MAXPOOL:
		pool_attrs(t, e->m->opset, a);
		break;
	case CG_RESIZE2X: {
		static const float sc[4] = { 1, 1, 2, 2 };
		int64_t four = 4;
		const char *rin[4] = { ins[0], "", const_name(e, "Resize", c1), NULL };

		init_f(e, c1, 1, &four, sc, 4);
		if (e->m->opset < 11) {
			/* F.interpolate(scale_factor=2) at opset 9: Upsample(X,
			 * scales); at 10: Resize(X, scales), both asymmetric */
			rin[1] = rin[2];
			rin[2] = NULL;
			a[0] = mg_attr_string("mode", "nearest");
			mg_node_dom(&e->g, "", e->m->opset < 10 ? "Upsample" : "Resize", e->nname[i],
				    rin, outs, a);
			return;
		}
		a[0] = mg_attr_string("coordinate_transformation_mode", "asymmetric");
		a[1] = mg_attr_float("cubic_coeff_a", -0.75f);
		a[2] = mg_attr_string("mode", "nearest");
		a[3] = mg_attr_string("nearest_mode", "floor");
		mg_node_dom(&e->g, "", "Resize", e->nname[i], rin, outs, a);
		return;
	}
	case CG_FLATTEN:
		if (t->flatten_shape_subgraph) {
			/* x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze ->
			 * Concat with [-1] -> Reshape, as PyTorch writes it */
			char sh[NAME], c0[NAME], ga[NAME], ax[NAME], un[NAME], m1[NAME], cc[NAME];
			char nn[NAME], pre[NAME];
			int64_t zero = 0, one = 1, minus1 = -1;
			Onnx__AttributeProto *ca[2] = { NULL };

			scope(pre, sizeof(pre), t->mod);
#define SUB(var, op) nm(var, "%s/%s_output_0", pre, op)
			SUB(sh, "Shape"); SUB(c0, "Constant"); SUB(ga, "Gather");
			SUB(ax, "Constant_1"); SUB(un, "Unsqueeze"); SUB(m1, "Constant_2");
			SUB(cc, "Concat");
#undef SUB
#define NODE(op, nodename, inl, o, at) do { const char *in_[] = inl; const char *o_[] = { o, NULL }; \
			nm(nn, "%s/%s", pre, nodename); mg_node_dom(&e->g, "", op, nn, in_, o_, at); } while (0)
#define L(...) { __VA_ARGS__, NULL }
			NODE("Shape", "Shape", L(ins[0]), sh, NULL);
			ca[0] = mg_attr_tensor("value", DT_INT64, 0, NULL, &zero, 8);
			NODE("Constant", "Constant", L(NULL), c0, ca);
			ca[0] = mg_attr_int("axis", 0);
			NODE("Gather", "Gather", L(sh, c0), ga, ca);
			if (e->m->opset < 13) {
				/* Unsqueeze before 13: axes is an attribute */
				ca[0] = mg_attr_ints("axes", 1, &zero);
				NODE("Unsqueeze", "Unsqueeze", L(ga), un, ca);
			} else {
				ca[0] = mg_attr_tensor("value", DT_INT64, 1, &one, &zero, 8);
				NODE("Constant", "Constant_1", L(NULL), ax, ca);
				NODE("Unsqueeze", "Unsqueeze", L(ga, ax), un, NULL);
			}
			ca[0] = mg_attr_tensor("value", DT_INT64, 1, &one, &minus1, 8);
			NODE("Constant", "Constant_2", L(NULL), m1, ca);
			ca[0] = mg_attr_int("axis", 0);
			NODE("Concat", "Concat", L(un, m1), cc, ca);
			ca[0] = e->m->opset >= 14 ? mg_attr_int("allowzero", 0) : NULL;
			NODE("Reshape", "Reshape", L(ins[0], cc), out, ca);
#undef NODE
#undef L
			return;
		}
		a[0] = mg_attr_int("axis", 1);
		break;
	case CG_GEMM:
		a[0] = mg_attr_float("alpha", 1.0f);
		a[1] = mg_attr_float("beta", 1.0f);
		a[2] = mg_attr_int("transB", 1);
		break;
	case CG_SOFTMAX:
		a[0] = mg_attr_int("axis", 1);
		break;
	default:
		break;
	}
	mg_node_dom(&e->g, "", op_name(t), e->nname[i], ins, outs, a);
}

static void emit_float(struct emit *e)
{
	const struct cg_net *net = e->net;

	for (int i = 1; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		const char *ins[8] = { e->use[t->in[0]], NULL };
		char w[NAME], b[NAME], mean[NAME], var[NAME];
		int k = 1;

		if (t->nin == 2)
			ins[k++] = e->use[t->in[1]];
		if (t->op == CG_CONV || t->op == CG_GEMM) {
			const struct cg_node *x = &net->nd[t->in[0]];
			int64_t wd[4] = { t->m, t->op == CG_CONV ? x->c / t->groups : x->c, t->k, t->k };
			int64_t md = t->m;

			int folded = e->m->folded_names && t->op == CG_CONV;

			if (folded)
				const_name(e, "Conv", w);
			else
				nm(w, "%s.weight", t->mod);
			init_f(e, w, t->op == CG_CONV ? 4 : 2, wd, t->wt,
			       (size_t)wd[0] * wd[1] * (t->op == CG_CONV ? t->k * t->k : 1));
			ins[k++] = w;
			if (t->bias) {
				if (folded)
					const_name(e, "Conv", b);
				else
					nm(b, "%s.bias", t->mod);
				init_f(e, b, 1, &md, t->bias, (size_t)t->m);
				ins[k++] = b;
			}
		} else if (t->op == CG_MATMUL) {
			/* B is the Linear's weight transposed, c x m, named as the
			 * exporter names a folded constant */
			const struct cg_node *x = &net->nd[t->in[0]];
			int64_t wd[2] = { x->c, t->m };
			float *wtt = mg_xmalloc((size_t)x->c * t->m * sizeof(float));

			for (int o = 0; o < t->m; o++)
				for (int c = 0; c < x->c; c++)
					wtt[(size_t)c * t->m + o] = t->wt[(size_t)o * x->c + c];
			const_name(e, "MatMul", w);
			init_f(e, w, 2, wd, wtt, (size_t)x->c * t->m);
			free(wtt);
			ins[k++] = w;
		} else if (t->op == CG_BN) {
			int64_t cd = t->c;

			nm(w, "%s.weight", t->mod);
			nm(b, "%s.bias", t->mod);
			nm(mean, "%s.running_mean", t->mod);
			nm(var, "%s.running_var", t->mod);
			init_f(e, w, 1, &cd, t->gamma, (size_t)t->c);
			init_f(e, b, 1, &cd, t->beta, (size_t)t->c);
			init_f(e, mean, 1, &cd, t->mean, (size_t)t->c);
			init_f(e, var, 1, &cd, t->var, (size_t)t->c);
			ins[k++] = w;
			ins[k++] = b;
			ins[k++] = mean;
			ins[k++] = var;
		}
		ins[k] = NULL;
		float_node(e, i, ins, e->fname[i]);
		nm(e->use[i], "%s", e->fname[i]);
		if (i != net->n - 1)
			mg_add_value_info(&e->g, vi_of(e, e->fname[i], DT_FLOAT, t));
	}
}

/* QOperator: QuantizeLinear at the input, QLinear* ops on u8 tensors,
 * DequantizeLinear at the output. */
static void emit_qop(struct emit *e)
{
	const struct cg_net *net = e->net;
	const char *qin[4] = { "input", e->scale[0], e->zp[0], NULL };
	const char *qout[2] = { e->use[0], NULL };

	mg_node_dom(&e->g, "", "QuantizeLinear", "input_QuantizeLinear", qin, qout, NULL);
	for (int i = 1; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		int x = t->in[0], y = e->fused_into[i] ? e->fused_into[i] : i;
		Onnx__AttributeProto *a[8] = { NULL };
		const char *outs[2] = { e->use[y], NULL };
		char node[NAME], w[NAME], b[NAME];

		if (e->skip[i])
			continue;
		nm(node, "%s_quant", e->nname[i]);
		switch (t->op) {
		case CG_CONV:
		case CG_GEMM: {
			const char *ins[10];

			nm(w, "%s.weight", t->mod);
			nm(b, "%s.bias_quantized", t->mod);
			quant_params(e, i, e->sv[x], w, b, NULL, NULL);
			{
				char wq[NAME], ws[NAME], wz[NAME];
				int k = 0;

				nm(wq, "%s_quantized", w);
				nm(ws, "%s_scale", w);
				nm(wz, "%s_zero_point", w);
				ins[k++] = e->use[x]; ins[k++] = e->scale[x]; ins[k++] = e->zp[x];
				ins[k++] = wq; ins[k++] = ws; ins[k++] = wz;
				if (t->op == CG_CONV) {
					ins[k++] = e->scale[y]; ins[k++] = e->zp[y]; ins[k++] = b;
					conv_attrs(t, a);
					ins[k] = NULL;
					mg_node_dom(&e->g, "", "QLinearConv", node, ins, outs, a);
				} else {
					ins[k++] = b; ins[k++] = e->scale[y]; ins[k++] = e->zp[y];
					a[0] = mg_attr_float("alpha", 1.0f);
					a[1] = mg_attr_int("transB", 1);
					ins[k] = NULL;
					mg_node_dom(&e->g, "com.microsoft", "QGemm", node, ins, outs, a);
				}
			}
			break;
		}
		case CG_ADD:
		case CG_MUL: {
			int bi = t->in[1];
			const char *ins[] = { e->use[x], e->scale[x], e->zp[x], e->use[bi], e->scale[bi],
					      e->zp[bi], e->scale[y], e->zp[y], NULL };

			mg_node_dom(&e->g, "com.microsoft", t->op == CG_ADD ? "QLinearAdd" : "QLinearMul",
				    node, ins, outs, NULL);
			break;
		}
		case CG_CONCAT: {
			int bi = t->in[1];
			const char *ins[] = { e->scale[i], e->zp[i], e->use[x], e->scale[x], e->zp[x],
					      e->use[bi], e->scale[bi], e->zp[bi], NULL };

			a[0] = mg_attr_int("axis", 1);
			mg_node_dom(&e->g, "com.microsoft", "QLinearConcat", node, ins, outs, a);
			break;
		}
		case CG_AVGPOOL:
		case CG_GAP:
		case CG_LEAKY:
		case CG_SIGMOID: {
			const char *ins[] = { e->use[x], e->scale[x], e->zp[x], e->scale[i], e->zp[i], NULL };
			const char *op = t->op == CG_AVGPOOL ? "QLinearAveragePool" :
					 t->op == CG_GAP ? "QLinearGlobalAveragePool" :
					 t->op == CG_LEAKY ? "QLinearLeakyRelu" : "QLinearSigmoid";

			if (t->op == CG_AVGPOOL)
				pool_attrs(t, e->m->opset, a);
			else if (t->op == CG_GAP)
				a[0] = mg_attr_int("channels_last", 0);
			else if (t->op == CG_LEAKY)
				a[0] = mg_attr_float("alpha", t->alpha);
			mg_node_dom(&e->g, "com.microsoft", op, node, ins, outs, a);
			break;
		}
		case CG_MAXPOOL:
		case CG_FLATTEN:
		case CG_RESIZE2X: {
			/* direct 8-bit ops: the float op on u8, node name kept */
			const char *ins[] = { e->use[x], NULL };

			float_node(e, i, ins, e->use[i]);
			break;
		}
		default:
			fprintf(stderr, "corpusgen: %s: no QOperator form for %s\n", t->mod, op_name(t));
			exit(3);
		}
		if (y != net->n - 1)
			mg_add_value_info(&e->g, vi_of(e, e->use[y], DT_UINT8, &net->nd[y]));
	}
	{
		int last = net->n - 1;
		const char *ins[] = { e->use[last], e->scale[last], e->zp[last], NULL };
		const char *outs[] = { "output", NULL };
		char node[NAME];

		nm(node, "%s_DequantizeLinear", e->fname[last]);
		mg_node_dom(&e->g, "", "DequantizeLinear", node, ins, outs, NULL);
	}
}

/* QDQ: every float tensor between a QuantizeLinear/DequantizeLinear pair;
 * weights and biases through DequantizeLinear (per channel, axis 0). */
static void qdq_pair(struct emit *e, int i, const char *produced)
{
	char q[NAME], qo[NAME], d[NAME];
	const char *qi[] = { produced, e->scale[i], e->zp[i], NULL }, *qoo[] = { qo, NULL };
	const char *di[] = { qo, e->scale[i], e->zp[i], NULL }, *doo[] = { e->use[i], NULL };

	nm(q, "%s_QuantizeLinear", e->fname[i]);
	nm(qo, "%s_QuantizeLinear_Output", e->fname[i]);
	nm(d, "%s_DequantizeLinear", e->fname[i]);
	mg_node_dom(&e->g, "", "QuantizeLinear", q, qi, qoo, NULL);
	mg_node_dom(&e->g, "", "DequantizeLinear", d, di, doo, NULL);
}

static void dq_param(struct emit *e, const char *base, const char *qname, const char *scale,
		     const char *zp, char *out)
{
	char node[NAME];
	Onnx__AttributeProto *a[2] = { mg_attr_int("axis", 0), NULL };
	const char *ins[] = { qname, scale, zp, NULL }, *outs[] = { out, NULL };

	nm(node, "%s_DequantizeLinear", base);
	nm(out, "%s_DequantizeLinear_Output", base);
	mg_node_dom(&e->g, "", "DequantizeLinear", node, ins, outs, a);
}

static void emit_qdq(struct emit *e)
{
	const struct cg_net *net = e->net;
	int last = net->n - 1;

	qdq_pair(e, 0, "input");
	for (int i = 1; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		int x = t->in[0], y = e->fused_into[i] ? e->fused_into[i] : i;
		const char *ins[8] = { e->use[x], NULL };
		char produced[NAME], w[NAME], b[NAME], wd[NAME], bd[NAME];
		char n1[NAME], n2[NAME], n3[NAME], n4[NAME], n5[NAME];

		if (e->skip[i])
			continue;
		if (t->nin == 2)
			ins[1] = e->use[t->in[1]];
		if (t->op == CG_CONV || t->op == CG_GEMM) {
			nm(w, "%s.weight", t->mod);
			nm(b, "%s.bias", t->mod);
			nm(n1, "%s_quantized", b);
			nm(n2, "%s_quantized_scale", b);
			nm(n3, "%s_quantized_zero_point", b);
			quant_params(e, i, e->sv[x], w, n1, n2, n3);
			nm(n4, "%s_quantized", w);
			nm(n5, "%s_scale", w);
			{
				char wz[NAME];

				nm(wz, "%s_zero_point", w);
				dq_param(e, w, n4, n5, wz, wd);
			}
			dq_param(e, b, n1, n2, n3, bd);
			ins[1] = wd;
			ins[2] = bd;
			ins[3] = NULL;
		}
		if (y == last)
			nm(produced, "%s_QuantizeLinear_Input", e->fname[y]);
		else
			nm(produced, "%s", e->fname[y]);
		float_node(e, i, ins, produced);
		qdq_pair(e, y, produced);
	}
}

/* What consumers of node i's tensor read: the u8 tensor (QOperator), the
 * DequantizeLinear's output (QDQ), or the graph output itself. */
static void consumer_name(struct emit *e, int i)
{
	if (e->m->form == CG_QOP)
		nm(e->use[i], "%s_quantized", e->fname[i]);
	else if (i == e->net->n - 1)
		nm(e->use[i], "%s", e->fname[i]);
	else
		nm(e->use[i], "%s_DequantizeLinear_Output", e->fname[i]);
}

/* Names, quantization parameters and activation folding for the form. */
static void prepare(struct emit *e)
{
	const struct cg_net *net = e->net;
	int last = net->n - 1;

	for (int i = 0; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		char sc[NAME];

		if (i == 0) {
			nm(e->fname[i], "input");
			continue;
		}
		scope(sc, sizeof(sc), t->mod);
		nm(e->nname[i], "%s/%s", sc, op_name(t));
		/* the graph output keeps the name given to the exporter */
		if (i == last)
			nm(e->fname[i], "output");
		else
			nm(e->fname[i], "%s_output_0", e->nname[i]);
	}
	if (e->m->form == CG_FLOAT) {
		nm(e->use[0], "input");
		return;
	}
	/* the quantizer folds Relu (and, in QOperator, Clip) into the op that
	 * produces its input: that op's output takes the activation's range */
	for (int i = 1; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		int x = t->in[0], consumers = 0;

		if (t->op != CG_RELU && !(t->op == CG_CLIP6 && e->m->form == CG_QOP))
			continue;
		for (int j = 1; j < net->n; j++)
			for (int k = 0; k < net->nd[j].nin; k++)
				consumers += net->nd[j].in[k] == x;
		if (consumers == 1 && (net->nd[x].op == CG_CONV || net->nd[x].op == CG_ADD)) {
			e->fused_into[x] = i;
			e->skip[i] = 1;
		} else {
			fprintf(stderr, "corpusgen: %s: activation not after a conv or add\n", t->mod);
			exit(3);
		}
	}
	for (int i = 0; i < net->n; i++) {
		const struct cg_node *t = &net->nd[i];
		int direct = t->op == CG_MAXPOOL || t->op == CG_FLATTEN || t->op == CG_RESIZE2X;

		if (e->skip[i])
			continue;
		consumer_name(e, i);
		/* a fused op's params are its activation's, a direct op's its
		 * input's: both set below, once those exist */
		if (!direct && !e->fused_into[i])
			act_params(e, i, t->lo, t->hi);
	}
	for (int i = 1; i < net->n; i++) {
		int a = e->fused_into[i];

		if (!a)
			continue;
		/* the producer writes the activation's tensor, with its range */
		act_params(e, a, net->nd[a].lo, net->nd[a].hi);
		consumer_name(e, a);
		nm(e->use[i], "%s", e->use[a]);
		share_params(e, i, a);
	}
	for (int i = 1; i < net->n; i++) {
		enum cg_op op = net->nd[i].op;

		if (op == CG_MAXPOOL || op == CG_FLATTEN || op == CG_RESIZE2X)
			share_params(e, i, net->nd[i].in[0]);
	}
}

int cg_write(struct cg_net *net, const struct cg_model *m, const char *path, float *out_scale)
{
	static const char *const in_params[4] = { "batch_size", NULL, NULL, NULL };
	struct emit *e = mg_xmalloc(sizeof(*e));
	const struct cg_node *in = &net->nd[0], *out = &net->nd[net->n - 1];
	int64_t b = m->dynamic_batch ? -1 : m->fixed_batch;
	int64_t id[4] = { b, in->c, in->h, in->w }, od[4] = { b, out->c, out->h, out->w };
	struct mg_model_info info = {
		.producer_name = m->form == CG_FLOAT ? "pytorch" : "onnx.quantize",
		.producer_version = m->form == CG_FLOAT ? "2.1.0" : "0.1.0",
		/* PyTorch 1.x wrote IR 6 with its opsets 9 to 12 */
		.ir_version = m->opset >= 15 ? 8 : m->opset >= 13 ? 7 : 6,
		.opset = m->opset,
		.ms_opset = m->form == CG_QOP ? 1 : 0,
	};
	int rc;

	for (int i = 0; i < net->n; i++)
		if (net->nd[i].op == CG_MATMUL && m->form != CG_FLOAT) {
			fprintf(stderr, "corpusgen: %s: MatMul is written in the float form only\n",
				m->name);
			free(e);
			return -1;
		}
	e->net = net;
	e->m = m;
	prepare(e);
	mg_add_input(&e->g, mg_value_info("input", DT_FLOAT, 4, id,
					  m->dynamic_batch ? in_params : NULL));
	mg_add_output(&e->g, mg_value_info("output", DT_FLOAT, out->rank, od,
					   m->dynamic_batch ? in_params : NULL));
	if (m->form == CG_FLOAT)
		emit_float(e);
	else if (m->form == CG_QOP)
		emit_qop(e);
	else
		emit_qdq(e);
	*out_scale = m->form == CG_FLOAT ? 0 : e->sv[net->n - 1];
	rc = mg_write_model(&e->g, m->name, path, &info);
	free(e);
	return rc;
}
