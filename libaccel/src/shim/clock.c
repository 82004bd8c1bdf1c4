// SPDX-License-Identifier: MIT
/* The shims' clock (shim.h). */
#include <time.h>

#include "shim/shim.h"

int64_t eyr_shim_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
