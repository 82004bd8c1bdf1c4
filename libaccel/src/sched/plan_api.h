/* SPDX-License-Identifier: MIT */
/* Between the public planning API and its helpers (Timeloop export). */
#ifndef EYR_PLAN_API_H
#define EYR_PLAN_API_H

#include "accel/plan.h"
#include "sched/sched.h"

int eyr_plan_spec(const struct accel_arch *arch, const struct accel_layer_spec *spec,
		  const struct accel_plan_opts *opts, struct eyr_plan *plan);
void eyr_plan_to_result(const struct eyr_arch *a, const struct eyr_plan *p,
			struct accel_plan_result *r);
const struct eyr_arch *eyr_arch_of(const struct accel_arch *arch);
/* A public layer spec in the scheduler's terms (FC: 1x1 everything, dense). */
void eyr_spec_to_shape(const struct accel_layer_spec *sp, struct eyr_layer_shape *l);

/* Writes the three Timeloop v3 YAML files for a plan (timeloop.c). */
int eyr_timeloop_write(const struct eyr_arch *a, const struct eyr_plan *p,
		       const char *dir, const char *name, char *err, size_t errlen);

#endif
