/* SPDX-License-Identifier: MIT */
/* The register HAL on the soft core: plain memory-mapped loads and stores. */
#include "eyrie_fw.h"

__u32 hal_read32(__u32 addr)
{
	return *(volatile __u32 *)(__UINTPTR_TYPE__)addr;
}

void hal_write32(__u32 addr, __u32 val)
{
	*(volatile __u32 *)(__UINTPTR_TYPE__)addr = val;
}
