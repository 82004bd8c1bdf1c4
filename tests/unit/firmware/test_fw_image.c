/* SPDX-License-Identifier: MIT */
/*
 * The firmware build products: the rv32 ELF exists and is a 32-bit RISC-V
 * executable, and the loadable image wraps exactly that ELF with a correct
 * header (magic, sizes, CRC-32, ABI, version, build id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eyrie_crc32.h"
#include "eyrie_fw.h"

#define EM_RISCV	243

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f) {
		print_error("cannot open %s (build it with `make firmware`)\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_elf_is_rv32(void **state)
{
	size_t len;
	unsigned char *e = slurp(FW_ELF_PATH, &len);

	(void)state;
	assert_non_null(e);
	assert_true(len > 52);
	assert_memory_equal(e, "\177ELF", 4);
	assert_int_equal(e[4], 1);		/* ELFCLASS32 */
	assert_int_equal(e[5], 1);		/* little endian */
	assert_int_equal(e[16] | e[17] << 8, 2);	/* ET_EXEC */
	assert_int_equal(e[18] | e[19] << 8, EM_RISCV);
	/* entry point inside the core's RAM */
	assert_true((e[24] | e[25] << 8 | e[26] << 16 | (unsigned int)e[27] << 24) <
		    0x40000u);
	free(e);
}

static void test_image_header(void **state)
{
	size_t len, elf_len;
	unsigned char *img = slurp(FW_IMAGE_PATH, &len);
	unsigned char *elf = slurp(FW_ELF_PATH, &elf_len);
	struct eyrie_fw_header h;
	char hex[41];

	(void)state;
	assert_non_null(img);
	assert_non_null(elf);
	assert_true(len > sizeof(h));
	memcpy(&h, img, sizeof(h));
	assert_int_equal(h.magic, EYRIE_FW_MAGIC);
	assert_int_equal(h.header_version, EYRIE_FW_HEADER_VERSION);
	assert_int_equal(h.header_size, sizeof(h));
	assert_int_equal(h.abi_major, EYRIE_FW_ABI_MAJOR);
	assert_int_equal(h.abi_minor, EYRIE_FW_ABI_MINOR);
	assert_int_equal(h.fw_version, FW_VERSION);
	assert_int_equal(h.payload_size, len - sizeof(h));
	assert_int_equal(h.payload_size, elf_len);
	assert_memory_equal(img + sizeof(h), elf, elf_len);
	assert_int_equal(h.payload_crc32, eyrie_crc32(img + sizeof(h), h.payload_size));
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", h.build_id[i]);
	assert_string_equal(hex, FW_BUILD_ID_HEX);
	free(img);
	free(elf);
}

static void test_crc32_vector(void **state)
{
	(void)state;
	/* The standard check value of CRC-32/IEEE. */
	assert_int_equal(eyrie_crc32("123456789", 9), 0xcbf43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_is_rv32),
		cmocka_unit_test(test_image_header),
		cmocka_unit_test(test_crc32_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
