/* SPDX-License-Identifier: MIT */
/*
 * Ridge least squares through the normal equations, for `accelctl adapt`'s
 * reconstruction of a layer's weights after its input channels are pruned
 * (He et al., ICCV 2017): minimise ||A W - Y||^2 + lambda ||W - W0||^2,
 * whose solution is (A^T A + lambda I) W = A^T Y + lambda W0. Pulling
 * toward W0 (the pruned weights) instead of toward zero keeps directions
 * the calibration data does not reach where they were.
 */
#ifndef ACCELCTL_LSQ_H
#define ACCELCTL_LSQ_H

#include <stddef.h>

/* The normal equations of one problem, accumulated row by row. */
struct lsq {
	int k, m;		/* unknowns per output, outputs */
	double *g;		/* k x k: A^T A (upper triangle filled) */
	double *h;		/* k x m: A^T Y */
	size_t rows;
};

int lsq_init(struct lsq *p, int k, int m);
/* Adds one row a (k values) with its targets y (m values). */
void lsq_add_row(struct lsq *p, const float *a, const float *y);
/*
 * Solves with lambda = alpha * trace(A^T A) / k toward w0 (k x m, row
 * major: w0[i * m + j]), writing w (k x m). Returns 0, or -1 if the system
 * is not positive definite (no rows and alpha 0).
 */
int lsq_solve(struct lsq *p, double alpha, const double *w0, double *w);
void lsq_free(struct lsq *p);

/* In-place Cholesky solve of the k x k s.p.d. a (lower used) for m right-hand sides b (k x m). */
int lsq_cholesky_solve(double *a, int k, double *b, int m);

#endif /* ACCELCTL_LSQ_H */
