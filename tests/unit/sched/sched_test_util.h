/* SPDX-License-Identifier: MIT */
/* Shared by the scheduler's tests and benchmark: arch and layer tables. */
#ifndef SCHED_TEST_UTIL_H
#define SCHED_TEST_UTIL_H

#include <stdint.h>

#include "sched/sched.h"

/* The device's default description (the sim's), as the scheduler sees it. */
void st_default_arch(struct eyr_arch *a);

struct st_layer {
	char net[32], name[32];
	struct eyr_layer_shape shape;
};

/*
 * Reads bench/workloads/layers.csv (path from $EYRIE_LAYERS_CSV, else
 * the default). scale_ch / scale_hw > 1 shrink channels and spatial sizes
 * (keeping every layer's structure: kernel, stride, padding, groups) so an
 * exhaustive search stays short. Returns the count or -errno.
 */
int st_load_layers(struct st_layer **out, unsigned int scale_ch,
		   unsigned int scale_hw);

/* A conv shape with the same padding on every side. */
struct eyr_layer_shape st_conv(uint32_t n, uint32_t c, uint32_t m, uint32_t h,
			       uint32_t r, uint32_t stride, uint32_t pad,
			       uint32_t groups);
struct eyr_layer_shape st_fc(uint32_t n, uint32_t c, uint32_t m);

#endif
