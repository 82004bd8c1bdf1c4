// SPDX-License-Identifier: MIT
/*
 * Activation statistics and the choice of each tensor's range, scale and
 * zero point (int8, asymmetric; the range always contains 0 so that zero,
 * and with it padding and ReLU, is exact).
 *
 * - minmax: the observed range.
 * - percentile P: the histogram of the values over the observed range;
 *   the range is [the (100-P)th, the Pth percentile].
 * - entropy: the calibration of TensorRT ("8-bit Inference with TensorRT",
 *   S. Migacz, GTC 2017): the histogram of |x|; for every candidate
 *   threshold (bin i), the reference distribution P is the histogram up to
 *   i with the outliers added to the last bin, Q is the histogram up to i
 *   (without the outliers) merged into the quantized levels and spread back
 *   evenly over the bins that were non-zero; the threshold with the
 *   smallest KL(P || Q) wins. Exact zeros are left out of the histogram:
 *   zero is exact at any threshold, and the spike ReLU leaves there would
 *   otherwise dominate the divergence of the first level. Tensors that
 *   are never negative (after ReLU) use the 255 levels of [0, T], others
 *   the 127 of [-T, T] (symmetric).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"

void qz_stats_minmax(struct qz_plan *p, const struct qz_values *vals)
{
	for (int i = 0; i < p->n_act; i++) {
		struct qz_act *a = &p->act[i];
		const struct gr_value *v = vals->v[a->t];
		const float *f;

		if (!v)
			continue;
		f = v->data;
		for (size_t k = 0; k < v->count; k++) {
			if (f[k] < a->min)
				a->min = f[k];
			if (f[k] > a->max)
				a->max = f[k];
		}
	}
}

int qz_stats_hist(struct qz_plan *p, const struct qz_values *vals,
		  enum accel_calib_method method)
{
	for (int i = 0; i < p->n_act; i++) {
		struct qz_act *a = &p->act[i];
		const struct gr_value *v = vals->v[a->t];
		const float *f;
		double w;

		if (!v)
			continue;
		if (!a->hist) {
			a->hist = calloc(QZ_HIST_BINS, sizeof(*a->hist));
			if (!a->hist)
				return -1;
			if (method == ACCEL_CALIB_ENTROPY) {
				a->hist_lo = 0;
				a->hist_hi = fmax(fabs(a->min), fabs(a->max));
			} else {
				a->hist_lo = a->min;
				a->hist_hi = a->max;
			}
		}
		w = (a->hist_hi - a->hist_lo) / QZ_HIST_BINS;
		if (!(w > 0))
			continue;
		f = v->data;
		for (size_t k = 0; k < v->count; k++) {
			double x = method == ACCEL_CALIB_ENTROPY ? fabs(f[k]) : f[k];
			long b = (long)((x - a->hist_lo) / w);

			/* exact zeros (ReLU) quantize exactly at any threshold */
			if (method == ACCEL_CALIB_ENTROPY && x == 0)
				continue;
			a->hist[b < 0 ? 0 : b >= QZ_HIST_BINS ? QZ_HIST_BINS - 1 : b]++;
		}
	}
	return 0;
}

static void percentile_range(const struct qz_act *a, double pct, double *lo, double *hi)
{
	uint64_t total = 0, acc = 0;
	double w = (a->hist_hi - a->hist_lo) / QZ_HIST_BINS, cut;
	int b;

	*lo = a->min;
	*hi = a->max;
	if (!a->hist || !(w > 0))
		return;
	for (b = 0; b < QZ_HIST_BINS; b++)
		total += a->hist[b];
	cut = (double)total * (1.0 - pct / 100.0);
	for (b = 0; b < QZ_HIST_BINS; b++) {
		acc += a->hist[b];
		if ((double)acc > cut)
			break;
	}
	*lo = a->hist_lo + b * w;
	acc = 0;
	for (b = QZ_HIST_BINS - 1; b >= 0; b--) {
		acc += a->hist[b];
		if ((double)acc > cut)
			break;
	}
	*hi = a->hist_lo + (b + 1) * w;
}

/* KL(P || Q) of the candidate threshold at bin i, with `levels` levels. */
static double kl_at(const uint64_t *h, int i, int levels, double tail, double *p, double *q)
{
	double sp = 0, sq = 0, kl = 0;
	double per = (double)i / levels;

	for (int b = 0; b < i; b++)
		p[b] = (double)h[b];
	p[i - 1] += tail;
	for (int l = 0; l < levels; l++) {
		int start = (int)(l * per), end = (int)((l + 1) * per);
		double sum = 0;
		int nz = 0;

		if (l == levels - 1)
			end = i;
		if (end <= start)
			end = start + 1 <= i ? start + 1 : start;
		for (int b = start; b < end; b++) {
			sum += (double)h[b];
			nz += h[b] != 0;
		}
		for (int b = start; b < end; b++)
			q[b] = h[b] && nz ? sum / nz : 0;
	}
	/* Q is built without the outliers: clipping them is what costs */
	for (int b = 0; b < i; b++) {
		sp += p[b];
		sq += q[b];
	}
	if (!(sp > 0) || !(sq > 0))
		return INFINITY;
	for (int b = 0; b < i; b++) {
		double pb = p[b] / sp, qb = q[b] / sq;

		if (pb <= 0)
			continue;
		/* a bin P has and Q lost: smoothed, as the divergence is otherwise infinite */
		if (qb <= 0)
			qb = 1e-12;
		kl += pb * log(pb / qb);
	}
	return kl;
}

static double entropy_threshold(const struct qz_act *a, int levels)
{
	double w = (a->hist_hi - a->hist_lo) / QZ_HIST_BINS, best = INFINITY;
	double *p = malloc(QZ_HIST_BINS * sizeof(double));
	double *q = malloc(QZ_HIST_BINS * sizeof(double));
	int best_i = QZ_HIST_BINS;

	if (!a->hist || !(w > 0) || !p || !q) {
		free(p);
		free(q);
		return a->hist_hi;
	}
	double tail = 0;

	for (int i = QZ_HIST_BINS; i > levels; i--)
		tail += (double)a->hist[i - 1];
	for (int i = levels; i <= QZ_HIST_BINS; i++) {
		double kl;

		if (i > levels)
			tail -= (double)a->hist[i - 1];
		memset(q, 0, (size_t)i * sizeof(double));
		kl = kl_at(a->hist, i, levels, tail, p, q);
		if (kl < best) {
			best = kl;
			best_i = i;
		}
	}
	free(p);
	free(q);
	return (best_i + 0.5) * w < a->hist_hi ? (best_i + 0.5) * w : a->hist_hi;
}

static void set_params(struct qz_act *a, double lo, double hi, int symmetric)
{
	double s;
	long z;

	lo = fmin(lo, 0);
	hi = fmax(hi, 0);
	a->lo = lo;
	a->hi = hi;
	if (symmetric) {
		double t = fmax(-lo, hi);

		s = t / 127.0;
		z = 0;
		a->lo = -t;
		a->hi = t;
	} else {
		s = (hi - lo) / 255.0;
		z = s > 0 ? lround(-128.0 - lo / s) : 0;
	}
	if (!(s > 0) || !isfinite(s))
		s = 1.0;	/* a tensor that is always 0: any scale is exact */
	if (z < -128)
		z = -128;
	if (z > 127)
		z = 127;
	a->scale = (float)s;
	a->zp = (int8_t)z;
}

void qz_choose(struct qz_plan *p, enum accel_calib_method method, double percentile)
{
	for (int i = 0; i < p->n_act; i++) {
		struct qz_act *a = &p->act[i];
		double lo = a->min, hi = a->max;

		if (a->same_as >= 0) {
			const struct qz_act *s = &p->act[a->same_as];

			a->lo = s->lo;
			a->hi = s->hi;
			a->scale = s->scale;
			a->zp = s->zp;
			continue;
		}
		if (method == ACCEL_CALIB_PERCENTILE) {
			percentile_range(a, percentile, &lo, &hi);
		} else if (method == ACCEL_CALIB_ENTROPY) {
			int unsigned_ = a->min >= 0;
			double t = entropy_threshold(a, unsigned_ ? 255 : 127);

			if (unsigned_) {
				set_params(a, 0, t, 0);
			} else {
				set_params(a, -t, t, 1);
			}
			continue;
		}
		set_params(a, lo, hi, 0);
	}
}
