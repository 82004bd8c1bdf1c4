// SPDX-License-Identifier: MIT
/* Quantized layers with calibration (see layers.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"

#define DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define DT_INT8 ONNX__TENSOR_PROTO__DATA_TYPE__INT8
#define DT_INT32 ONNX__TENSOR_PROTO__DATA_TYPE__INT32

uint64_t mg_rnd(struct mg_net *net)
{
	uint64_t x = net->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	net->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd(struct mg_net *net)
{
	return mg_rnd(net);
}

static int8_t rnd_i8(struct mg_net *net)
{
	return (int8_t)(uint8_t)(rnd(net) >> 56);
}

static size_t act_count(const struct mg_act *x)
{
	return (size_t)x->n * x->c * x->h * x->w;
}

/* A factor in [1, 2) with float_scales mantissa bits (--float-scales). */
static float rnd_factor(struct mg_net *net)
{
	int frac = net->float_scales - 1;	/* bits after the leading 1 */

	return 1.0f + ldexpf((float)(rnd(net) >> (64 - frac)), -frac);
}

static void act_names(struct mg_net *net, struct mg_act *y, const char *name, int e, int zp)
{
	snprintf(y->name, sizeof(y->name), "%s", name);
	snprintf(y->scale, sizeof(y->scale), "%s_s", name);
	snprintf(y->zp, sizeof(y->zp), "%s_z", name);
	y->e = e;
	y->zp_val = zp;
	/* coarser by the factor: the calibrated range still fits */
	y->sv = ldexpf(net->float_scales ? rnd_factor(net) : 1.0f, -e);
	mg_init_scalar_f(&net->g, y->scale, y->sv);
	mg_init_scalar_i8(&net->g, y->zp, (int8_t)zp);
}

void mg_act_free(struct mg_act *x)
{
	free(x->q);
	x->q = NULL;
	free(x->f);
	x->f = NULL;
}

void mg_act_dup(const struct mg_act *x, struct mg_act *out)
{
	*out = *x;
	if (x->f) {
		size_t n = (size_t)x->nb * x->c * x->h * x->w;

		out->f = mg_xmalloc(n * sizeof(float));
		memcpy(out->f, x->f, n * sizeof(float));
		return;
	}
	out->q = mg_xmalloc(act_count(x));
	memcpy(out->q, x->q, act_count(x));
}

void mg_spread(const int8_t *q, size_t n, int zp, int *distinct, double *sat,
	       double *at_zp)
{
	size_t hist[256] = { 0 };
	int d = 0;

	for (size_t i = 0; i < n; i++)
		hist[(uint8_t)(q[i] + 128)]++;
	for (int i = 0; i < 256; i++)
		d += hist[i] != 0;
	*distinct = d;
	/* saturation: the top, and the bottom unless it is the zero point */
	*sat = (double)(hist[255] + (zp == -128 ? 0 : hist[0])) / (double)n;
	*at_zp = (double)hist[(uint8_t)(zp + 128)] / (double)n;
}

static void report(struct mg_net *net, const struct mg_act *y)
{
	int d;
	double sat, z;

	if (!net->verbose)
		return;
	mg_spread(y->q, act_count(y), y->zp_val, &d, &sat, &z);
	fprintf(stderr, "  %-16s %4dx%-4d %3dx%-3d scale %-12.9g zp %4d: %3d values, %4.1f%% saturated, %4.1f%% at zp\n",
		y->name, y->n, y->c, y->h, y->w, (double)y->sv, y->zp_val, d, 100 * sat, 100 * z);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Largest power-of-two scale exponent that keeps the 99.9th percentile in range. */
static int choose_exp(const double *v, size_t n, int relu, int fallback)
{
	size_t step = n > 65536 ? n / 65536 : 1, k = 0;
	double *s = mg_xmalloc((n / step + 1) * sizeof(double)), q;
	double limit = relu ? 255.0 : 127.0;
	int e;

	for (size_t i = 0; i < n; i += step)
		s[k++] = relu ? fmax(v[i], 0) : fabs(v[i]);
	qsort(s, k, sizeof(double), cmp_double);
	q = s[(size_t)((double)(k - 1) * 0.999)];
	free(s);
	if (!(q > 0))
		return fallback;
	e = (int)floor(log2(limit / q));
	if (e > 30)
		e = 30;
	if (e < -30)
		e = -30;
	return e;
}

/* A weight scale: 12-bit odd mantissa times a power of two near target. */
static float weight_scale(struct mg_net *net, double target)
{
	int e = (int)floor(log2(target));
	int mant;

	if (net->float_scales)
		return ldexpf(rnd_factor(net), e);
	mant = (int)(2048 + (rnd(net) >> 53)) | 1;	/* odd, [2^11, 2^12) */

	return ldexpf((float)mant, e - 11);
}

static int8_t quant(double v, int zp)
{
	double r = nearbyint(v) + zp;

	return (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
}

void mg_input(struct mg_net *net, struct mg_act *x, int n, int c, int h, int w)
{
	if (net->float_model) {
		mgf_input(net, x, n, c, h, w);
		return;
	}
	int64_t dims[4] = { n, c, h, w };

	memset(x, 0, sizeof(*x));
	x->n = n;
	x->c = c;
	x->h = h;
	x->w = w;
	act_names(net, x, "input", 7, 0);
	x->q = mg_xmalloc(act_count(x));
	for (size_t i = 0; i < act_count(x); i++)
		x->q[i] = rnd_i8(net);
	mg_io(&net->g, 0, "input", DT_INT8, 4, dims);
}

void mg_csv_row(struct mg_net *net, const char *layer, const char *type, int n,
		    int c, int m, int h, int w, int r, int s, int stride, int pad, int groups)
{
	if (net->layers_csv)
		fprintf(net->layers_csv, "%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", net->net,
			layer, type, n, c, m, h, w, r, s, stride, pad, groups);
}

void mg_conv(struct mg_net *net, struct mg_act *x, const char *name, int m, int k,
	     int stride, int pad, int groups, int relu, const char *csv_type)
{
	if (net->float_model) {
		mgf_conv(net, x, name, m, k, stride, pad, groups, relu, csv_type);
		return;
	}
	int cg = x->c / groups, mg = m / groups;
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	size_t nw = (size_t)m * cg * k * k, nout = (size_t)x->n * m * oh * ow;
	int8_t *w = mg_xmalloc(nw);
	int32_t *b = mg_xmalloc((size_t)m * sizeof(int32_t));
	int32_t *acc = mg_xmalloc(nout * sizeof(int32_t));
	int16_t *xs = mg_xmalloc(act_count(x) * sizeof(int16_t));
	double *v = mg_xmalloc(nout * sizeof(double)), sx = x->sv, sw, real;
	double fan = (double)cg * k * k, accstd = 40.0 * 73.0 * sqrt(fan);
	char wn[128], wsn[128], wzn[128], bn[128];
	struct mg_act y = { 0 };
	int64_t wd[4] = { m, cg, k, k }, bd[1] = { m };
	int e;

	for (size_t i = 0; i < nw; i++)
		w[i] = (int8_t)((int)(rnd(net) % 255) - 127);
	for (int i = 0; i < m; i++)
		b[i] = (int32_t)((double)((int64_t)(rnd(net) % 2001) - 1000) / 1000.0 * accstd / 4);
	sw = weight_scale(net, sqrt(2.0 / fan) / 73.0);
	for (size_t i = 0; i < act_count(x); i++)
		xs[i] = (int16_t)(x->q[i] - x->zp_val);
	for (int ni = 0; ni < x->n; ni++)
	for (int mi = 0; mi < m; mi++) {
		int32_t *a = acc + ((size_t)ni * m + mi) * oh * ow;
		int gi = mi / mg;

		for (int p = 0; p < oh * ow; p++)
			a[p] = b[mi];
		for (int c = 0; c < cg; c++) {
			const int16_t *xp = xs + ((size_t)ni * x->c + gi * cg + c) * x->h * x->w;

			for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++) {
				int wv = w[(((size_t)mi * cg + c) * k + i) * k + j];
				int lo, hi;

				mg_conv_cols(ow, stride, pad, j, x->w, &lo, &hi);
				for (int oy = 0; oy < oh; oy++) {
					int iy = oy * stride - pad + i;
					const int16_t *row;
					int32_t *arow = a + (size_t)oy * ow;

					if (iy < 0 || iy >= x->h)
						continue;
					row = xp + (size_t)iy * x->w - pad + j;
					for (int ox = lo; ox < hi; ox++)
						arow[ox] += wv * row[ox * stride];
				}
			}
		}
	}
	for (size_t i = 0; i < nout; i++)
		v[i] = acc[i] * sx * sw;
	e = choose_exp(v, nout, relu, x->e);
	y.n = x->n;
	y.c = m;
	y.h = oh;
	y.w = ow;
	act_names(net, &y, name, e, relu ? -128 : 0);
	real = sx * sw / y.sv;
	y.q = mg_xmalloc(nout);
	for (size_t i = 0; i < nout; i++)
		y.q[i] = quant(acc[i] * real, y.zp_val);
	snprintf(wn, sizeof(wn), "%s_w", name);
	snprintf(wsn, sizeof(wsn), "%s_ws", name);
	snprintf(wzn, sizeof(wzn), "%s_wz", name);
	snprintf(bn, sizeof(bn), "%s_b", name);
	mg_init(&net->g, wn, DT_INT8, 4, wd, w, nw);
	mg_init_scalar_f(&net->g, wsn, (float)sw);
	mg_init_scalar_i8(&net->g, wzn, 0);
	mg_init(&net->g, bn, DT_INT32, 1, bd, b, (size_t)m * sizeof(int32_t));
	{
		const char *in[] = { x->name, x->scale, x->zp, wn, wsn, wzn, y.scale, y.zp, bn, NULL };
		int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pd[4] = { pad, pad, pad, pad };
		Onnx__AttributeProto *at[] = {
			mg_attr_ints("kernel_shape", 2, ks), mg_attr_ints("strides", 2, st),
			mg_attr_ints("pads", 4, pd), mg_attr_int("group", groups), NULL,
		};

		mg_node(&net->g, "QLinearConv", name, in, name, at);
	}
	mg_csv_row(net, name, csv_type, x->n, x->c, m, x->h, x->w, k, k, stride, pad, groups);
	free(w);
	free(b);
	free(acc);
	free(xs);
	free(v);
	mg_act_free(x);
	*x = y;
	report(net, x);
}

void mg_maxpool(struct mg_net *net, struct mg_act *x, const char *name, int k,
		int stride, int pad)
{
	if (net->float_model) {
		mgf_maxpool(net, x, name, k, stride, pad);
		return;
	}
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	struct mg_act y = *x;
	size_t nc = (size_t)x->n * x->c;

	snprintf(y.name, sizeof(y.name), "%s", name);
	y.h = oh;
	y.w = ow;
	y.q = mg_xmalloc(nc * oh * ow);
	for (size_t p = 0; p < nc; p++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		int best = -128;

		for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			int iy = oy * stride - pad + i, ix = ox * stride - pad + j;

			if (iy >= 0 && iy < x->h && ix >= 0 && ix < x->w &&
			    x->q[(p * x->h + iy) * x->w + ix] > best)
				best = x->q[(p * x->h + iy) * x->w + ix];
		}
		y.q[(p * oh + oy) * ow + ox] = (int8_t)best;
	}
	{
		const char *in[] = { x->name, NULL };
		int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pd[4] = { pad, pad, pad, pad };
		Onnx__AttributeProto *at[] = {
			mg_attr_ints("kernel_shape", 2, ks), mg_attr_ints("strides", 2, st),
			mg_attr_ints("pads", 4, pd), NULL,
		};

		mg_node(&net->g, "MaxPool", name, in, name, at);
	}
	mg_act_free(x);
	*x = y;
	report(net, x);
}

static void dq(struct mg_net *net, const struct mg_act *x, const char *out)
{
	const char *in[] = { x->name, x->scale, x->zp, NULL };

	mg_node(&net->g, "DequantizeLinear", out, in, out, NULL);
}

void mg_add(struct mg_net *net, struct mg_act *x, struct mg_act *b, const char *name,
	    int relu)
{
	if (net->float_model) {
		mgf_add(net, x, b, name, relu);
		return;
	}
	/* the finer input scale: x + b is then an integer there, no rounding */
	int e = x->e > b->e ? x->e : b->e;
	char an[128], bn[128], sn[128], rn[128];
	struct mg_act y = { 0 };
	size_t n = act_count(x);

	y.n = x->n;
	y.c = x->c;
	y.h = x->h;
	y.w = x->w;
	snprintf(an, sizeof(an), "%s_dqa", name);
	snprintf(bn, sizeof(bn), "%s_dqb", name);
	snprintf(sn, sizeof(sn), "%s_sum", name);
	snprintf(rn, sizeof(rn), "%s_relu", name);
	dq(net, x, an);
	dq(net, b, bn);
	{
		const char *in[] = { an, bn, NULL };

		/* the Add node carries the layer's name in reports */
		mg_node(&net->g, "Add", name, in, sn, NULL);
	}
	if (relu) {
		const char *in[] = { sn, NULL };

		mg_node(&net->g, "Relu", rn, in, rn, NULL);
	}
	act_names(net, &y, name, e, relu ? -128 : 0);
	{
		const char *in[] = { relu ? rn : sn, y.scale, y.zp, NULL };
		char qn[128];

		snprintf(qn, sizeof(qn), "%s_q", name);
		mg_node(&net->g, "QuantizeLinear", qn, in, name, NULL);
	}
	y.q = mg_xmalloc(n);
	for (size_t i = 0; i < n; i++) {
		double v = (x->q[i] - x->zp_val) * (double)x->sv +
			   (b->q[i] - b->zp_val) * (double)b->sv;

		if (relu && v < 0)
			v = 0;
		y.q[i] = quant(v / y.sv, y.zp_val);
	}
	mg_act_free(x);
	mg_act_free(b);
	*x = y;
	report(net, x);
}

void mg_gap(struct mg_net *net, struct mg_act *x, const char *name)
{
	if (net->float_model) {
		mgf_gap(net, x, name);
		return;
	}
	size_t nc = (size_t)x->n * x->c, sp = (size_t)x->h * x->w;
	double *v = mg_xmalloc(nc * sizeof(double));
	char dn[128], pn[128];
	struct mg_act y = { 0 };
	int relu = x->zp_val == -128, e;

	for (size_t p = 0; p < nc; p++) {
		double s = 0;

		for (size_t i = 0; i < sp; i++)
			s += x->q[p * sp + i] - x->zp_val;
		v[p] = s / (double)sp * x->sv;
	}
	/* scale no coarser than the input's: with an odd window no ties */
	e = choose_exp(v, nc, relu, x->e);
	if (e < x->e)
		e = x->e;
	y.n = x->n;
	y.c = x->c;
	y.h = y.w = 1;
	snprintf(dn, sizeof(dn), "%s_dq", name);
	snprintf(pn, sizeof(pn), "%s_pool", name);
	dq(net, x, dn);
	{
		const char *in[] = { dn, NULL };

		mg_node(&net->g, "GlobalAveragePool", name, in, pn, NULL);
	}
	act_names(net, &y, name, e, relu ? -128 : 0);
	{
		const char *in[] = { pn, y.scale, y.zp, NULL };
		char qn[128];

		snprintf(qn, sizeof(qn), "%s_q", name);
		mg_node(&net->g, "QuantizeLinear", qn, in, name, NULL);
	}
	y.q = mg_xmalloc(nc);
	for (size_t p = 0; p < nc; p++)
		y.q[p] = quant(v[p] / y.sv, y.zp_val);
	free(v);
	mg_act_free(x);
	*x = y;
	report(net, x);
}

void mg_fc(struct mg_net *net, struct mg_act *x, const char *name, int m, int relu)
{
	if (net->float_model) {
		mgf_fc(net, x, name, m, relu);
		return;
	}
	int kdim = x->c * x->h * x->w, n = x->n;
	size_t nw = (size_t)kdim * m;
	int8_t *w = mg_xmalloc(nw);
	double *v = mg_xmalloc((size_t)n * m * sizeof(double)), sx = x->sv, sw, real;
	int32_t *acc = mg_xmalloc((size_t)n * m * sizeof(int32_t));
	char fn[128], wn[128], wsn[128], wzn[128];
	int64_t wd[2] = { kdim, m };
	struct mg_act y = { 0 };
	int e;

	for (size_t i = 0; i < nw; i++)
		w[i] = (int8_t)((int)(rnd(net) % 255) - 127);
	sw = weight_scale(net, sqrt(2.0 / kdim) / 73.0);
	for (int ni = 0; ni < n; ni++) {
		int32_t *a = acc + (size_t)ni * m;

		memset(a, 0, (size_t)m * sizeof(int32_t));
		for (int kk = 0; kk < kdim; kk++) {
			int xv = x->q[(size_t)ni * kdim + kk] - x->zp_val;
			const int8_t *wr = w + (size_t)kk * m;

			if (!xv)
				continue;
			for (int j = 0; j < m; j++)
				a[j] += xv * wr[j];
		}
	}
	for (size_t i = 0; i < (size_t)n * m; i++)
		v[i] = acc[i] * sx * sw;
	e = choose_exp(v, (size_t)n * m, relu, x->e);
	y.n = n;
	y.c = m;
	y.h = y.w = 1;
	snprintf(fn, sizeof(fn), "%s_flat", name);
	snprintf(wn, sizeof(wn), "%s_w", name);
	snprintf(wsn, sizeof(wsn), "%s_ws", name);
	snprintf(wzn, sizeof(wzn), "%s_wz", name);
	{
		const char *in[] = { x->name, NULL };
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 1), NULL };

		mg_node(&net->g, "Flatten", fn, in, fn, at);
	}
	mg_init(&net->g, wn, DT_INT8, 2, wd, w, nw);
	mg_init_scalar_f(&net->g, wsn, (float)sw);
	mg_init_scalar_i8(&net->g, wzn, 0);
	act_names(net, &y, name, e, relu ? -128 : 0);
	real = sx * sw / y.sv;
	{
		const char *in[] = { fn, x->scale, x->zp, wn, wsn, wzn, y.scale, y.zp, NULL };

		mg_node(&net->g, "QLinearMatMul", name, in, name, NULL);
	}
	y.q = mg_xmalloc((size_t)n * m);
	for (size_t i = 0; i < (size_t)n * m; i++)
		y.q[i] = quant(acc[i] * real, y.zp_val);
	mg_csv_row(net, name, "fc", n, kdim, m, 1, 1, 1, 1, 1, 0, 1);
	free(w);
	free(v);
	free(acc);
	mg_act_free(x);
	*x = y;
	report(net, x);
}
