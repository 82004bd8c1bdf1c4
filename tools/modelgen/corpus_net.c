// SPDX-License-Identifier: MIT
/* The corpus's float networks: builders and the float forward pass that
 * gives every tensor its calibrated range (corpus.h). Plain loops: this is
 * a generator, run once per build. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static float unit(uint64_t *s)
{
	return (float)((double)(rnd(s) >> 11) * 0x1p-53);
}

float cg_uniform(struct cg_net *net, float lo, float hi)
{
	return lo + (hi - lo) * unit(&net->rng);
}

void cg_fill_input(uint64_t *rng, float *v, size_t count)
{
	/* Irwin-Hall with 4 terms: mean 0, unit variance, tails to +-3.5 */
	for (size_t i = 0; i < count; i++)
		v[i] = (unit(rng) + unit(rng) + unit(rng) + unit(rng) - 2.0f) * 1.7320508f;
}

size_t cg_count(const struct cg_node *t, int batch)
{
	return (size_t)batch * t->c * t->h * t->w;
}

static struct cg_node *add(struct cg_net *net, enum cg_op op, const char *mod,
			   int x, int c, int h, int w)
{
	struct cg_node *t;

	if (net->n == CG_MAX_NODES) {
		fprintf(stderr, "corpusgen: more than %d nodes\n", CG_MAX_NODES);
		exit(3);
	}
	t = &net->nd[net->n];
	memset(t, 0, sizeof(*t));
	t->op = op;
	snprintf(t->mod, sizeof(t->mod), "%s", mod);
	t->in[0] = x;
	t->nin = x >= 0;
	t->c = c;
	t->h = h;
	t->w = w;
	t->rank = x >= 0 ? net->nd[x].rank : 4;
	t->v = mg_xmalloc(cg_count(t, net->batch) * sizeof(float));
	return t;
}

/* Range over the batch; the index is returned by the builders. */
static int done(struct cg_net *net, struct cg_node *t)
{
	size_t n = cg_count(t, net->batch);

	t->lo = FLT_MAX;
	t->hi = -FLT_MAX;
	for (size_t i = 0; i < n; i++) {
		t->lo = fminf(t->lo, t->v[i]);
		t->hi = fmaxf(t->hi, t->v[i]);
	}
	return net->n++;
}

int cg_input(struct cg_net *net, int c, int h, int w)
{
	struct cg_node *t = add(net, CG_INPUT, "", -1, c, h, w);

	cg_fill_input(&net->rng, t->v, cg_count(t, net->batch));
	return done(net, t);
}

int cg_conv(struct cg_net *net, int xi, const char *mod, int m, int k, int stride,
	    int groups, int bias)
{
	const struct cg_node *x = &net->nd[xi];
	int pad = k / 2, cg = x->c / groups, mg = m / groups;
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	struct cg_node *t = add(net, CG_CONV, mod, xi, m, oh, ow);
	size_t nw = (size_t)m * cg * k * k;
	/* He uniform: keeps the activations' scale through a ReLU network */
	float a = sqrtf(6.0f / (float)(cg * k * k));

	t->m = m;
	t->k = k;
	t->stride = stride;
	t->pad = pad;
	t->groups = groups;
	t->wt = mg_xmalloc(nw * sizeof(float));
	for (size_t i = 0; i < nw; i++)
		t->wt[i] = cg_uniform(net, -a, a);
	if (bias) {
		t->bias = mg_xmalloc((size_t)m * sizeof(float));
		for (int i = 0; i < m; i++)
			t->bias[i] = cg_uniform(net, -0.2f, 0.2f);
	}
	for (int n = 0; n < net->batch; n++)
		for (int o = 0; o < m; o++) {
			int g = o / mg;

			for (int y = 0; y < oh; y++)
				for (int z = 0; z < ow; z++) {
					double acc = bias ? t->bias[o] : 0;

					for (int ci = 0; ci < cg; ci++)
						for (int r = 0; r < k; r++)
							for (int s = 0; s < k; s++) {
								int iy = y * stride - pad + r, ix = z * stride - pad + s;

								if (iy < 0 || ix < 0 || iy >= x->h || ix >= x->w)
									continue;
								acc += (double)t->wt[((size_t)o * cg + ci) * k * k + r * k + s] *
								       x->v[(((size_t)n * x->c + g * cg + ci) * x->h + iy) * x->w + ix];
							}
					t->v[(((size_t)n * m + o) * oh + y) * ow + z] = (float)acc;
				}
		}
	return done(net, t);
}

int cg_bn(struct cg_net *net, int xi, const char *mod)
{
	const struct cg_node *x = &net->nd[xi];
	struct cg_node *t = add(net, CG_BN, mod, xi, x->c, x->h, x->w);
	size_t hw = (size_t)x->h * x->w;

	t->gamma = mg_xmalloc((size_t)x->c * sizeof(float));
	t->beta = mg_xmalloc((size_t)x->c * sizeof(float));
	t->mean = mg_xmalloc((size_t)x->c * sizeof(float));
	t->var = mg_xmalloc((size_t)x->c * sizeof(float));
	for (int c = 0; c < x->c; c++) {
		t->gamma[c] = cg_uniform(net, 0.5f, 1.5f);
		t->beta[c] = cg_uniform(net, -0.3f, 0.3f);
		t->mean[c] = cg_uniform(net, -0.3f, 0.3f);
		t->var[c] = cg_uniform(net, 0.5f, 2.0f);
	}
	for (int n = 0; n < net->batch; n++)
		for (int c = 0; c < x->c; c++) {
			float sc = t->gamma[c] / sqrtf(t->var[c] + 1e-5f);

			for (size_t i = 0; i < hw; i++) {
				size_t j = ((size_t)n * x->c + c) * hw + i;

				t->v[j] = (x->v[j] - t->mean[c]) * sc + t->beta[c];
			}
		}
	return done(net, t);
}

int cg_act(struct cg_net *net, int xi, enum cg_op op, const char *mod, float alpha)
{
	const struct cg_node *x = &net->nd[xi];
	struct cg_node *t = add(net, op, mod, xi, x->c, x->h, x->w);
	size_t n = cg_count(t, net->batch);

	t->alpha = alpha;
	for (size_t i = 0; i < n; i++) {
		float v = x->v[i];

		switch (op) {
		case CG_RELU: v = fmaxf(v, 0); break;
		case CG_CLIP6: v = fminf(fmaxf(v, 0), 6); break;
		case CG_LEAKY: v = v < 0 ? v * alpha : v; break;
		case CG_SIGMOID: v = 1.0f / (1.0f + expf(-v)); break;
		default: break;
		}
		t->v[i] = v;
	}
	return done(net, t);
}

int cg_binary(struct cg_net *net, enum cg_op op, int ai, int bi, const char *mod)
{
	const struct cg_node *a = &net->nd[ai], *b = &net->nd[bi];
	struct cg_node *t = add(net, op, mod, ai, a->c, a->h, a->w);
	size_t n = cg_count(t, net->batch);

	if (cg_count(b, net->batch) != n) {
		fprintf(stderr, "corpusgen: %s: operands of different shapes\n", mod);
		exit(3);
	}
	t->in[1] = bi;
	t->nin = 2;
	for (size_t i = 0; i < n; i++)
		t->v[i] = op == CG_ADD ? a->v[i] + b->v[i] : a->v[i] * b->v[i];
	return done(net, t);
}

int cg_concat(struct cg_net *net, int ai, int bi, const char *mod)
{
	const struct cg_node *a = &net->nd[ai], *b = &net->nd[bi];
	struct cg_node *t = add(net, CG_CONCAT, mod, ai, a->c + b->c, a->h, a->w);
	size_t hw = (size_t)a->h * a->w;

	t->in[1] = bi;
	t->nin = 2;
	for (int n = 0; n < net->batch; n++) {
		memcpy(&t->v[(size_t)n * t->c * hw], &a->v[(size_t)n * a->c * hw],
		       a->c * hw * sizeof(float));
		memcpy(&t->v[((size_t)n * t->c + a->c) * hw], &b->v[(size_t)n * b->c * hw],
		       b->c * hw * sizeof(float));
	}
	return done(net, t);
}

int cg_pool(struct cg_net *net, int xi, enum cg_op op, const char *mod, int k, int stride,
	    int pad)
{
	const struct cg_node *x = &net->nd[xi];
	int oh = (x->h + 2 * pad - k) / stride + 1, ow = (x->w + 2 * pad - k) / stride + 1;
	struct cg_node *t = add(net, op, mod, xi, x->c, oh, ow);

	t->k = k;
	t->stride = stride;
	t->pad = pad;
	for (int n = 0; n < net->batch; n++)
		for (int c = 0; c < x->c; c++)
			for (int y = 0; y < oh; y++)
				for (int z = 0; z < ow; z++) {
					float mx = -FLT_MAX;
					double sum = 0;

					for (int r = 0; r < k; r++)
						for (int s = 0; s < k; s++) {
							int iy = y * stride - pad + r, ix = z * stride - pad + s;
							float v;

							if (iy < 0 || ix < 0 || iy >= x->h || ix >= x->w)
								continue;
							v = x->v[(((size_t)n * x->c + c) * x->h + iy) * x->w + ix];
							mx = fmaxf(mx, v);
							sum += v;
						}
					/* AveragePool: count_include_pad=1, as PyTorch exports it */
					t->v[(((size_t)n * x->c + c) * oh + y) * ow + z] =
						op == CG_MAXPOOL ? mx : (float)(sum / (k * k));
				}
	return done(net, t);
}

int cg_unary(struct cg_net *net, int xi, enum cg_op op, const char *mod)
{
	const struct cg_node *x = &net->nd[xi];
	int gap = op == CG_GAP, up = op == CG_RESIZE2X;
	struct cg_node *t = add(net, op, mod, xi, x->c, gap ? 1 : up ? 2 * x->h : x->h,
				 gap ? 1 : up ? 2 * x->w : x->w);
	size_t hw = (size_t)x->h * x->w;

	for (int n = 0; n < net->batch; n++)
		for (int c = 0; c < x->c; c++) {
			const float *src = &x->v[((size_t)n * x->c + c) * hw];
			float *dst = &t->v[((size_t)n * t->c + c) * t->h * t->w];

			if (gap) {
				double s = 0;

				for (size_t i = 0; i < hw; i++)
					s += src[i];
				dst[0] = (float)(s / (double)hw);
			} else if (up) {
				/* nearest, asymmetric, floor: output (y, z) reads (y/2, z/2) */
				for (int y = 0; y < t->h; y++)
					for (int z = 0; z < t->w; z++)
						dst[y * t->w + z] = src[(y / 2) * x->w + z / 2];
			}
		}
	if (op == CG_SOFTMAX) {
		for (int n = 0; n < net->batch; n++) {
			const float *src = &x->v[(size_t)n * x->c];
			float *dst = &t->v[(size_t)n * x->c], mx = -FLT_MAX;
			double s = 0;

			for (int c = 0; c < x->c; c++)
				mx = fmaxf(mx, src[c]);
			for (int c = 0; c < x->c; c++)
				s += dst[c] = expf(src[c] - mx);
			for (int c = 0; c < x->c; c++)
				dst[c] = (float)(dst[c] / s);
		}
	}
	return done(net, t);
}

int cg_flatten(struct cg_net *net, int xi, const char *mod, int shape_subgraph)
{
	const struct cg_node *x = &net->nd[xi];
	struct cg_node *t = add(net, CG_FLATTEN, mod, xi, x->c * x->h * x->w, 1, 1);

	t->rank = 2;
	t->flatten_shape_subgraph = shape_subgraph;
	memcpy(t->v, x->v, cg_count(t, net->batch) * sizeof(float));
	return done(net, t);
}

/* y = x W^T (+ bias): W is m x c, drawn before the bias (the seeded
 * corpus depends on that order). */
static int linear(struct cg_net *net, enum cg_op op, int xi, const char *mod, int m, int bias)
{
	const struct cg_node *x = &net->nd[xi];
	struct cg_node *t = add(net, op, mod, xi, m, 1, 1);
	float a = sqrtf(6.0f / (float)x->c);

	t->m = m;
	t->wt = mg_xmalloc((size_t)m * x->c * sizeof(float));
	for (size_t i = 0; i < (size_t)m * x->c; i++)
		t->wt[i] = cg_uniform(net, -a, a);
	if (bias) {
		t->bias = mg_xmalloc((size_t)m * sizeof(float));
		for (int i = 0; i < m; i++)
			t->bias[i] = cg_uniform(net, -0.2f, 0.2f);
	}
	for (int n = 0; n < net->batch; n++)
		for (int o = 0; o < m; o++) {
			double acc = t->bias ? t->bias[o] : 0;

			for (int c = 0; c < x->c; c++)
				acc += (double)t->wt[(size_t)o * x->c + c] * x->v[(size_t)n * x->c + c];
			t->v[(size_t)n * m + o] = (float)acc;
		}
	return done(net, t);
}

int cg_gemm(struct cg_net *net, int xi, const char *mod, int m)
{
	return linear(net, CG_GEMM, xi, mod, m, 1);
}

int cg_matmul(struct cg_net *net, int xi, const char *mod, int m)
{
	return linear(net, CG_MATMUL, xi, mod, m, 0);
}

void cg_net_free(struct cg_net *net)
{
	for (int i = 0; i < net->n; i++) {
		struct cg_node *t = &net->nd[i];

		free(t->wt);
		free(t->bias);
		free(t->gamma);
		free(t->beta);
		free(t->mean);
		free(t->var);
		free(t->v);
	}
	net->n = 0;
}
