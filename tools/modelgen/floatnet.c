// SPDX-License-Identifier: MIT
/*
 * Float layers (modelgen --float): the networks as PyTorch exports a float
 * model, so that the quantizer (accelctl quantize) has realistic input:
 *
 * - Conv without bias -> BatchNormalization -> Relu (ReLU6 as Clip 0..6 in
 *   MobileNetV2), Add (+ Relu) for residuals, MaxPool, GlobalAveragePool;
 * - before the first classifier layer, the flatten torch writes for
 *   x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze -> Concat(-1)
 *   -> Reshape; classifiers are Gemm (transB = 1, with bias).
 *
 * Weights are seeded (He initialisation, as torch's kaiming_normal_), and
 * every BatchNormalization gets running statistics measured on seeded
 * inputs (a batch of at least 8 samples, so statistics exist even where the
 * spatial size is 1x1) with a small seeded mismatch, plus a seeded affine
 * part: activations stay normalised through the network, as in a trained
 * one, and the logits vary from one input to the next, so quantization
 * error figures (SQNR, top-1 agreement) mean something.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"

#define DT_FLOAT ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define DT_INT64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64

/* Samples computed for the statistics (the model's batch may be smaller). */
#define STATS_BATCH 8

static double uni(struct mg_net *net)
{
	return (double)(mg_rnd(net) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(struct mg_net *net)
{
	double u = uni(net), v = uni(net);

	return sqrt(-2.0 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static size_t fcount(const struct mg_act *x)
{
	return (size_t)x->nb * x->c * x->h * x->w;
}

static void fnames(struct mg_act *y, const char *name)
{
	snprintf(y->name, sizeof(y->name), "%s", name);
}

/*
 * An image-like sample: a smooth field (a coarse seeded grid, bilinearly
 * upsampled) plus fine noise, per channel, about zero mean and unit
 * variance as after torchvision's normalisation.
 */
void mgf_sample(struct mg_net *net, float *dst, int n, int c, int h, int w)
{
	enum { G = 5 };

	for (int s = 0; s < n * c; s++) {
		double grid[G][G];
		float *p = dst + (size_t)s * h * w;

		for (int i = 0; i < G; i++)
			for (int j = 0; j < G; j++)
				grid[i][j] = gauss(net);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double gy = (double)y * (G - 1) / (h > 1 ? h - 1 : 1);
				double gx = (double)x * (G - 1) / (w > 1 ? w - 1 : 1);
				int y0 = (int)gy, x0 = (int)gx;
				int y1 = y0 + 1 < G ? y0 + 1 : y0, x1 = x0 + 1 < G ? x0 + 1 : x0;
				double fy = gy - y0, fx = gx - x0;
				double v = (1 - fy) * ((1 - fx) * grid[y0][x0] + fx * grid[y0][x1]) +
					   fy * ((1 - fx) * grid[y1][x0] + fx * grid[y1][x1]);

				p[(size_t)y * w + x] = (float)(0.9 * v + 0.45 * gauss(net));
			}
	}
}

void mgf_input(struct mg_net *net, struct mg_act *x, int n, int c, int h, int w)
{
	int64_t dims[4] = { n, c, h, w };

	memset(x, 0, sizeof(*x));
	x->n = n;
	x->c = c;
	x->h = h;
	x->w = w;
	x->nb = n > STATS_BATCH ? n : STATS_BATCH;
	fnames(x, "input");
	x->f = mg_xmalloc(fcount(x) * sizeof(float));
	mgf_sample(net, x->f, x->nb, c, h, w);
	mg_io(&net->g, 0, "input", DT_FLOAT, 4, dims);
}

static void init_f(struct mg_net *net, const char *name, int rank, const int64_t *dims,
		   const float *v, size_t n)
{
	mg_init(&net->g, name, DT_FLOAT, rank, dims, v, n * sizeof(float));
}

/* Conv (no bias) over all nb samples: y[nb, m, oh, ow]. */
static float *conv_f(const struct mg_act *x, const float *wt, int m, int k, int stride,
		     int pad, int groups, int oh, int ow)
{
	int cg = x->c / groups, mg = m / groups;
	float *y = mg_xmalloc((size_t)x->nb * m * oh * ow * sizeof(float));

	for (int ni = 0; ni < x->nb; ni++)
	for (int mi = 0; mi < m; mi++) {
		float *a = y + ((size_t)ni * m + mi) * oh * ow;
		int gi = mi / mg;

		for (int c = 0; c < cg; c++) {
			const float *xp = x->f + ((size_t)ni * x->c + gi * cg + c) * x->h * x->w;

			for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++) {
				float wv = wt[(((size_t)mi * cg + c) * k + i) * k + j];
				int lo, hi;

				mg_conv_cols(ow, stride, pad, j, x->w, &lo, &hi);
				for (int oy = 0; oy < oh; oy++) {
					int iy = oy * stride - pad + i;
					const float *row;
					float *arow = a + (size_t)oy * ow;

					if (iy < 0 || iy >= x->h)
						continue;
					row = xp + (size_t)iy * x->w - pad + j;
					for (int ox = lo; ox < hi; ox++)
						arow[ox] += wv * row[ox * stride];
				}
			}
		}
	}
	return y;
}

/* Relu, or ReLU6 (Clip 0..6) in MobileNetV2, as torchvision's models have. */
static void activation(struct mg_net *net, const char *in, const char *out, float *v,
		       size_t n)
{
	int relu6 = !strcmp(net->net, "mobilenetv2");

	for (size_t i = 0; i < n; i++)
		v[i] = v[i] < 0 ? 0 : relu6 && v[i] > 6 ? 6 : v[i];
	/* node names are unique (torch's "relu_3" style); the tensor keeps the layer's */
	if (relu6) {
		char mn[128], mx[128], nn[128];
		const char *ins[] = { in, mn, mx, NULL };

		snprintf(mn, sizeof(mn), "%s_min", out);
		snprintf(mx, sizeof(mx), "%s_max", out);
		snprintf(nn, sizeof(nn), "%s_relu6", out);
		mg_init_scalar_f(&net->g, mn, 0.0f);
		mg_init_scalar_f(&net->g, mx, 6.0f);
		mg_node(&net->g, "Clip", nn, ins, out, NULL);
	} else {
		char nn[128];
		const char *ins[] = { in, NULL };

		snprintf(nn, sizeof(nn), "%s_relu", out);
		mg_node(&net->g, "Relu", nn, ins, out, NULL);
	}
}

void mgf_conv(struct mg_net *net, struct mg_act *x, const char *name, int m, int k,
	      int stride, int pad, int groups, int relu, const char *csv_type)
{
	int cg = x->c / groups;
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	size_t nw = (size_t)m * cg * k * k, sp = (size_t)oh * ow;
	double std = sqrt(2.0 / ((double)cg * k * k));
	float *wt = mg_xmalloc(nw * sizeof(float)), *y;
	float *gamma = mg_xmalloc((size_t)m * sizeof(float));
	float *beta = mg_xmalloc((size_t)m * sizeof(float));
	float *mean = mg_xmalloc((size_t)m * sizeof(float));
	float *var = mg_xmalloc((size_t)m * sizeof(float));
	char wn[128], bnn[128], cn[128], gn[128], bn[128], mn[128], vn[128];
	int64_t wd[4] = { m, cg, k, k }, cd[1] = { m };
	const float eps = 1e-5f;
	struct mg_act yv = *x;

	for (size_t i = 0; i < nw; i++)
		wt[i] = (float)(gauss(net) * std);
	y = conv_f(x, wt, m, k, stride, pad, groups, oh, ow);
	for (int mi = 0; mi < m; mi++) {
		double s = 0, s2 = 0, cnt = (double)x->nb * sp;

		for (int ni = 0; ni < x->nb; ni++) {
			const float *p = y + ((size_t)ni * m + mi) * sp;

			for (size_t i = 0; i < sp; i++) {
				s += p[i];
				s2 += (double)p[i] * p[i];
			}
		}
		s /= cnt;
		s2 = s2 / cnt - s * s;
		if (s2 < 1e-12)
			s2 = 1e-12;
		/* running statistics close to, not exactly, this data's */
		mean[mi] = (float)(s + 0.05 * sqrt(s2) * (2 * uni(net) - 1));
		var[mi] = (float)(s2 * (1 + 0.1 * (2 * uni(net) - 1)));
		/*
		 * A random BN network at initialisation is chaotic: ReLU's
		 * per-channel mean, removed by the next BN, takes signal but
		 * not noise, so a perturbation grows by about 1 dB per layer
		 * (Yang et al., "A Mean Field Theory of Batch Normalization",
		 * ICLR 2019). Trained networks are not there: most units of a
		 * ReLU layer are active (beta > 0 here), and the last BN of a
		 * residual branch is small (as with torchvision's
		 * zero_init_residual), so the identity path dominates.
		 */
		gamma[mi] = (float)(relu ? 0.5 + 0.7 * uni(net) : 0.1 + 0.3 * uni(net));
		beta[mi] = (float)(relu ? 0.2 + 0.8 * uni(net) : 0.2 * (2 * uni(net) - 1));
	}
	for (int ni = 0; ni < x->nb; ni++)
		for (int mi = 0; mi < m; mi++) {
			float *p = y + ((size_t)ni * m + mi) * sp;
			float a = gamma[mi] / sqrtf(var[mi] + eps), b = beta[mi] - mean[mi] * a;

			for (size_t i = 0; i < sp; i++)
				p[i] = p[i] * a + b;
		}
	snprintf(wn, sizeof(wn), "%s.weight", name);
	snprintf(cn, sizeof(cn), "%s_out", name);
	snprintf(bnn, sizeof(bnn), "%s_bn", name);
	snprintf(gn, sizeof(gn), "%s_bn.weight", name);
	snprintf(bn, sizeof(bn), "%s_bn.bias", name);
	snprintf(mn, sizeof(mn), "%s_bn.running_mean", name);
	snprintf(vn, sizeof(vn), "%s_bn.running_var", name);
	init_f(net, wn, 4, wd, wt, nw);
	init_f(net, gn, 1, cd, gamma, (size_t)m);
	init_f(net, bn, 1, cd, beta, (size_t)m);
	init_f(net, mn, 1, cd, mean, (size_t)m);
	init_f(net, vn, 1, cd, var, (size_t)m);
	{
		const char *in[] = { x->name, wn, NULL };
		int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pd[4] = { pad, pad, pad, pad };
		int64_t dl[2] = { 1, 1 };
		Onnx__AttributeProto *at[] = {
			mg_attr_ints("dilations", 2, dl), mg_attr_int("group", groups),
			mg_attr_ints("kernel_shape", 2, ks), mg_attr_ints("pads", 4, pd),
			mg_attr_ints("strides", 2, st), NULL,
		};

		mg_node(&net->g, "Conv", name, in, cn, at);
	}
	{
		const char *in[] = { cn, gn, bn, mn, vn, NULL };
		Onnx__AttributeProto *at[] = {
			mg_attr_float("epsilon", eps), mg_attr_float("momentum", 0.9f), NULL,
		};

		mg_node(&net->g, "BatchNormalization", bnn, in, relu ? bnn : name, at);
	}
	yv.c = m;
	yv.h = oh;
	yv.w = ow;
	yv.f = y;
	if (relu)
		activation(net, bnn, name, y, fcount(&yv));
	fnames(&yv, name);
	mg_csv_row(net, name, csv_type, x->n, x->c, m, x->h, x->w, k, k, stride, pad, groups);
	free(wt);
	free(gamma);
	free(beta);
	free(mean);
	free(var);
	mg_act_free(x);
	*x = yv;
}

void mgf_maxpool(struct mg_net *net, struct mg_act *x, const char *name, int k,
		 int stride, int pad)
{
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	struct mg_act y = *x;
	size_t nc = (size_t)x->nb * x->c;

	fnames(&y, name);
	y.h = oh;
	y.w = ow;
	y.f = mg_xmalloc(nc * oh * ow * sizeof(float));
	for (size_t p = 0; p < nc; p++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		float best = -INFINITY;

		for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			int iy = oy * stride - pad + i, ix = ox * stride - pad + j;

			if (iy >= 0 && iy < x->h && ix >= 0 && ix < x->w &&
			    x->f[(p * x->h + iy) * x->w + ix] > best)
				best = x->f[(p * x->h + iy) * x->w + ix];
		}
		y.f[(p * oh + oy) * ow + ox] = best;
	}
	{
		const char *in[] = { x->name, NULL };
		int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pd[4] = { pad, pad, pad, pad };
		int64_t dl[2] = { 1, 1 };
		Onnx__AttributeProto *at[] = {
			mg_attr_int("ceil_mode", 0), mg_attr_ints("dilations", 2, dl),
			mg_attr_ints("kernel_shape", 2, ks), mg_attr_ints("pads", 4, pd),
			mg_attr_ints("strides", 2, st), NULL,
		};

		mg_node(&net->g, "MaxPool", name, in, name, at);
	}
	mg_act_free(x);
	*x = y;
}

void mgf_add(struct mg_net *net, struct mg_act *x, struct mg_act *b, const char *name,
	     int relu)
{
	struct mg_act y = *x;
	size_t n = fcount(x);
	char sn[128];
	const char *in[] = { x->name, b->name, NULL };

	snprintf(sn, sizeof(sn), "%s_sum", name);
	y.f = mg_xmalloc(n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		y.f[i] = x->f[i] + b->f[i];
	mg_node(&net->g, "Add", name, in, relu ? sn : name, NULL);
	if (relu) {
		const char *rin[] = { sn, NULL };
		char rn[128];

		for (size_t i = 0; i < n; i++)
			y.f[i] = y.f[i] < 0 ? 0 : y.f[i];
		snprintf(rn, sizeof(rn), "%s_relu", name);
		mg_node(&net->g, "Relu", rn, rin, name, NULL);
	}
	fnames(&y, name);
	mg_act_free(x);
	mg_act_free(b);
	*x = y;
}

void mgf_gap(struct mg_net *net, struct mg_act *x, const char *name)
{
	size_t nc = (size_t)x->nb * x->c, sp = (size_t)x->h * x->w;
	struct mg_act y = *x;
	const char *in[] = { x->name, NULL };

	y.h = y.w = 1;
	y.f = mg_xmalloc(nc * sizeof(float));
	for (size_t p = 0; p < nc; p++) {
		double s = 0;

		for (size_t i = 0; i < sp; i++)
			s += x->f[p * sp + i];
		y.f[p] = (float)(s / (double)sp);
	}
	mg_node(&net->g, "GlobalAveragePool", name, in, name, NULL);
	fnames(&y, name);
	mg_act_free(x);
	*x = y;
}

/* torch's x.view(x.size(0), -1), as exported: the batch read from the shape. */
static void torch_flatten(struct mg_net *net, const struct mg_act *x, const char *out)
{
	char sh[160], ix[160], n0[160], ax[160], n1[160], m1[160], cs[160];
	int64_t zero = 0, one = 1, minus1 = -1;

	snprintf(sh, sizeof(sh), "%s_shape", out);
	snprintf(ix, sizeof(ix), "%s_index0", out);
	snprintf(n0, sizeof(n0), "%s_batch", out);
	snprintf(ax, sizeof(ax), "%s_axes0", out);
	snprintf(n1, sizeof(n1), "%s_batch1", out);
	snprintf(m1, sizeof(m1), "%s_minus1", out);
	snprintf(cs, sizeof(cs), "%s_newshape", out);
	mg_init(&net->g, ix, DT_INT64, 0, NULL, &zero, sizeof(zero));
	mg_init(&net->g, ax, DT_INT64, 1, &one, &zero, sizeof(zero));
	mg_init(&net->g, m1, DT_INT64, 1, &one, &minus1, sizeof(minus1));
	{
		const char *in[] = { x->name, NULL };

		mg_node(&net->g, "Shape", sh, in, sh, NULL);
	}
	{
		const char *in[] = { sh, ix, NULL };
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 0), NULL };

		mg_node(&net->g, "Gather", n0, in, n0, at);
	}
	{
		const char *in[] = { n0, ax, NULL };

		mg_node(&net->g, "Unsqueeze", n1, in, n1, NULL);
	}
	{
		const char *in[] = { n1, m1, NULL };
		Onnx__AttributeProto *at[] = { mg_attr_int("axis", 0), NULL };

		mg_node(&net->g, "Concat", cs, in, cs, at);
	}
	{
		const char *in[] = { x->name, cs, NULL };

		mg_node(&net->g, "Reshape", out, in, out, NULL);
	}
}

void mgf_fc(struct mg_net *net, struct mg_act *x, const char *name, int m, int relu)
{
	int kdim = x->c * x->h * x->w;
	size_t nw = (size_t)kdim * m;
	float *wt = mg_xmalloc(nw * sizeof(float)), *b = mg_xmalloc((size_t)m * sizeof(float));
	double std = relu ? sqrt(2.0 / kdim) : sqrt(1.0 / kdim);
	char in_name[128], wn[128], bn[128], gn[128];
	int64_t wd[2] = { m, kdim }, bd[1] = { m };
	struct mg_act y = *x;

	for (size_t i = 0; i < nw; i++)
		wt[i] = (float)(gauss(net) * std);
	for (int i = 0; i < m; i++)
		b[i] = (float)(0.1 * (2 * uni(net) - 1));
	snprintf(in_name, sizeof(in_name), "%s", x->name);
	if (!x->flat) {
		snprintf(in_name, sizeof(in_name), "%s_flat", name);
		torch_flatten(net, x, in_name);
	}
	y.c = m;
	y.h = y.w = 1;
	y.flat = 1;
	y.f = mg_xmalloc((size_t)x->nb * m * sizeof(float));
	for (int ni = 0; ni < x->nb; ni++)
		for (int j = 0; j < m; j++) {
			const float *xr = x->f + (size_t)ni * kdim, *wr = wt + (size_t)j * kdim;
			double s = b[j];

			for (int kk = 0; kk < kdim; kk++)
				s += (double)xr[kk] * wr[kk];
			y.f[(size_t)ni * m + j] = (float)s;
		}
	snprintf(wn, sizeof(wn), "%s.weight", name);
	snprintf(bn, sizeof(bn), "%s.bias", name);
	snprintf(gn, sizeof(gn), "%s_gemm", name);
	init_f(net, wn, 2, wd, wt, nw);
	init_f(net, bn, 1, bd, b, (size_t)m);
	{
		const char *in[] = { in_name, wn, bn, NULL };
		Onnx__AttributeProto *at[] = {
			mg_attr_float("alpha", 1.0f), mg_attr_float("beta", 1.0f),
			mg_attr_int("transB", 1), NULL,
		};

		mg_node(&net->g, "Gemm", relu ? gn : name, in, relu ? gn : name, at);
	}
	if (relu) {
		const char *rin[] = { gn, NULL };
		size_t n = (size_t)x->nb * m;

		for (size_t i = 0; i < n; i++)
			y.f[i] = y.f[i] < 0 ? 0 : y.f[i];
		char rn[128];

		snprintf(rn, sizeof(rn), "%s_relu", name);
		mg_node(&net->g, "Relu", rn, rin, name, NULL);
	}
	fnames(&y, name);
	mg_csv_row(net, name, "fc", x->n, kdim, m, 1, 1, 1, 1, 1, 0, 1);
	free(wt);
	free(b);
	mg_act_free(x);
	*x = y;
}
