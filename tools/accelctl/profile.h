/* SPDX-License-Identifier: MIT */
/* Building a NetAdapt LUT (accelctl profile; adapt builds one when given none). */
#ifndef ACCELCTL_PROFILE_H
#define ACCELCTL_PROFILE_H

#include "accelctl.h"
#include "lut.h"

struct profile_opts {
	const char *const *selected;	/* layer names, NULL: all */
	int n_selected;
	uint64_t step;			/* channel step; 0: 8 counts per axis */
	enum accel_dataflow dataflow;
};

/*
 * Measures every conv/FC layer of model (or the selected ones) on dev for
 * the sweep into t (lut_free it). *worst: the largest |measured/predicted
 * - 1| of the energy. Returns 0 or an exit code after printing the error.
 */
int profile_model(const struct accelctl *ctx, struct accel_device *dev, const char *model,
		  const struct profile_opts *o, struct lut *t, double *worst);

#endif /* ACCELCTL_PROFILE_H */
