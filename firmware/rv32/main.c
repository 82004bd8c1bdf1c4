/* SPDX-License-Identifier: MIT */
/*
 * rv32 entry: the boot ROM jumps here once it has accepted the image.
 * Serve events, then sleep until the next interrupt (doorbells are wired to
 * the core's external interrupt line).
 */
#include "eyrie_fw.h"

void fw_rv32_main(void);

/* The compiler may emit calls to these even in freestanding code. */
void *memcpy(void *dst, const void *src, __SIZE_TYPE__ n);
void *memset(void *dst, int c, __SIZE_TYPE__ n);

void *memcpy(void *dst, const void *src, __SIZE_TYPE__ n)
{
	__u8 *d = dst;
	const __u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, __SIZE_TYPE__ n)
{
	__u8 *d = dst;

	while (n--)
		*d++ = (__u8)c;
	return dst;
}

static struct fw_state fw;

void fw_rv32_main(void)
{
	fw_start(&fw);
	for (;;) {
		fw_service(&fw);
		__asm__ volatile("wfi");
	}
}
