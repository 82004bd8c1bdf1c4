/* SPDX-License-Identifier: MIT */
/*
 * Firmware log ring in the control page: text bytes, head counts every byte
 * ever written, byte i at data[i % size]. The bus is 32 bits wide, so bytes
 * go in by read-modify-write of their word.
 */
#include "fw_internal.h"

#define LOG_HEAD	(EYRIE_CTRL_OFF_LOG + FW_OFFSETOF(struct eyrie_hw_log, head))
#define LOG_DATA	(EYRIE_CTRL_OFF_LOG + sizeof(struct eyrie_hw_log))

static void log_putc(__u64 *head, char c)
{
	__u32 pos = (__u32)(*head % EYRIE_LOG_RING_BYTES);
	__u32 word_off = LOG_DATA + (pos & ~3u);
	__u32 shift = (pos & 3u) * 8;
	__u32 w = ctrl_rd(word_off);

	w = (w & ~(0xffu << shift)) | ((__u32)(__u8)c << shift);
	ctrl_wr(word_off, w);
	(*head)++;
}

static void log_text(__u64 *head, const char *s)
{
	while (*s)
		log_putc(head, *s++);
}

void fw_log(const char *msg)
{
	__u64 head = ctrl_rd64(LOG_HEAD);

	log_text(&head, msg);
	log_putc(&head, '\n');
	ctrl_wr64(LOG_HEAD, head);
}

static void log_dec(__u64 *head, __u64 val)
{
	char digits[21];
	int n = 0;

	/* Decimal digits; the 64-bit division comes from libgcc on rv32. */
	do {
		digits[n++] = (char)('0' + (int)(val % 10));
		val /= 10;
	} while (val && n < 20);
	while (n)
		log_putc(head, digits[--n]);
}

void fw_log_u64(const char *prefix, __u64 val)
{
	__u64 head = ctrl_rd64(LOG_HEAD);

	log_text(&head, prefix);
	log_dec(&head, val);
	log_putc(&head, '\n');
	ctrl_wr64(LOG_HEAD, head);
}

void fw_log_version(const char *prefix, __u32 version)
{
	__u64 head = ctrl_rd64(LOG_HEAD);

	log_text(&head, prefix);
	log_dec(&head, version >> 16);
	log_putc(&head, '.');
	log_dec(&head, version & 0xffff);
	log_putc(&head, '\n');
	ctrl_wr64(LOG_HEAD, head);
}
