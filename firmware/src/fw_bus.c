/* SPDX-License-Identifier: MIT */
/* Word transfers to host memory: physical (rings) and through the MMU. */
#include "fw_internal.h"

int bus_read(__u64 addr, __u32 *words, __u32 n)
{
	__u32 i;

	hal_write32(FWR_BUS_STATUS, 0);
	reg_wr64(FWR_BUS_ADDR_LO, FWR_BUS_ADDR_HI, addr);
	for (i = 0; i < n; i++)
		words[i] = hal_read32(FWR_BUS_DATA);
	return hal_read32(FWR_BUS_STATUS) ? -1 : 0;
}

int bus_write(__u64 addr, const __u32 *words, __u32 n)
{
	__u32 i;

	hal_write32(FWR_BUS_STATUS, 0);
	reg_wr64(FWR_BUS_ADDR_LO, FWR_BUS_ADDR_HI, addr);
	for (i = 0; i < n; i++)
		hal_write32(FWR_BUS_DATA, words[i]);
	return hal_read32(FWR_BUS_STATUS) ? -1 : 0;
}

__u32 va_read(__u64 va, __u32 *words, __u32 n)
{
	__u32 i;

	hal_write32(FWR_VA_STATUS, 0);
	reg_wr64(FWR_VA_ADDR_LO, FWR_VA_ADDR_HI, va);
	for (i = 0; i < n; i++)
		words[i] = hal_read32(FWR_VA_DATA);
	return hal_read32(FWR_VA_STATUS);
}

__u32 va_write(__u64 va, const __u32 *words, __u32 n)
{
	__u32 i;

	hal_write32(FWR_VA_STATUS, 0);
	reg_wr64(FWR_VA_ADDR_LO, FWR_VA_ADDR_HI, va);
	for (i = 0; i < n; i++)
		hal_write32(FWR_VA_DATA, words[i]);
	return hal_read32(FWR_VA_STATUS);
}
