// SPDX-License-Identifier: MIT
/* Ridge least squares through the normal equations (lsq.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsq.h"

int lsq_init(struct lsq *p, int k, int m)
{
	memset(p, 0, sizeof(*p));
	p->k = k;
	p->m = m;
	p->g = calloc((size_t)k * (size_t)k, sizeof(double));
	p->h = calloc((size_t)k * (size_t)m, sizeof(double));
	if (!p->g || !p->h) {
		lsq_free(p);
		return -1;
	}
	return 0;
}

void lsq_add_row(struct lsq *p, const float *a, const float *y)
{
	int k = p->k, m = p->m;

	for (int i = 0; i < k; i++) {
		double ai = a[i];
		double *gi = p->g + (size_t)i * (size_t)k;
		double *hi = p->h + (size_t)i * (size_t)m;

		if (ai == 0)
			continue;	/* padding and ReLU zeros: common, free */
		for (int j = i; j < k; j++)
			gi[j] += ai * a[j];
		for (int j = 0; j < m; j++)
			hi[j] += ai * y[j];
	}
	p->rows++;
}

int lsq_cholesky_solve(double *a, int k, double *b, int m)
{
	/* a = L L^T, L in the lower triangle */
	for (int j = 0; j < k; j++) {
		double *aj = a + (size_t)j * (size_t)k, d = aj[j];

		for (int p = 0; p < j; p++)
			d -= aj[p] * aj[p];
		if (!(d > 0))
			return -1;
		d = sqrt(d);
		aj[j] = d;
		for (int i = j + 1; i < k; i++) {
			double *ai = a + (size_t)i * (size_t)k, s = ai[j];

			for (int p = 0; p < j; p++)
				s -= ai[p] * aj[p];
			ai[j] = s / d;
		}
	}
	/* L z = b, then L^T x = z, column block by column block */
	for (int i = 0; i < k; i++) {
		const double *ai = a + (size_t)i * (size_t)k;
		double *bi = b + (size_t)i * (size_t)m;

		for (int p = 0; p < i; p++) {
			const double *bp = b + (size_t)p * (size_t)m;

			for (int c = 0; c < m; c++)
				bi[c] -= ai[p] * bp[c];
		}
		for (int c = 0; c < m; c++)
			bi[c] /= ai[i];
	}
	for (int i = k - 1; i >= 0; i--) {
		double *bi = b + (size_t)i * (size_t)m;

		for (int p = i + 1; p < k; p++) {
			const double *bp = b + (size_t)p * (size_t)m;
			double l = a[(size_t)p * (size_t)k + (size_t)i];

			for (int c = 0; c < m; c++)
				bi[c] -= l * bp[c];
		}
		for (int c = 0; c < m; c++)
			bi[c] /= a[(size_t)i * (size_t)k + (size_t)i];
	}
	return 0;
}

int lsq_solve(struct lsq *p, double alpha, const double *w0, double *w)
{
	int k = p->k, m = p->m;
	double trace = 0, lambda;
	double *a = malloc((size_t)k * (size_t)k * sizeof(double));
	int rc;

	if (!a)
		return -1;
	for (int i = 0; i < k; i++)
		trace += p->g[(size_t)i * (size_t)k + (size_t)i];
	lambda = alpha * (trace > 0 ? trace / k : 1.0);
	/* symmetric from the upper triangle; the solver reads the lower */
	for (int i = 0; i < k; i++)
		for (int j = i; j < k; j++) {
			double v = p->g[(size_t)i * (size_t)k + (size_t)j];

			a[(size_t)i * (size_t)k + (size_t)j] = v;
			a[(size_t)j * (size_t)k + (size_t)i] = v;
		}
	for (int i = 0; i < k; i++)
		a[(size_t)i * (size_t)k + (size_t)i] += lambda;
	for (size_t i = 0; i < (size_t)k * (size_t)m; i++)
		w[i] = p->h[i] + lambda * (w0 ? w0[i] : 0);
	rc = lsq_cholesky_solve(a, k, w, m);
	free(a);
	return rc;
}

void lsq_free(struct lsq *p)
{
	free(p->g);
	free(p->h);
	p->g = p->h = NULL;
}
