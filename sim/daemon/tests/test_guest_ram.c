// SPDX-License-Identifier: MIT
/*
 * Guest RAM translation: the bounds arithmetic behind every device DMA of
 * the emulated board, and the late mapping of a file QEMU creates after
 * it connected.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest_ram.h"

#define RAM_BYTES (1u << 20)

static char path[64];

static int make_file(size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	if (size > 4096 + 4 && pwrite(fd, "EYRI", 4, 4096) != 4)
		return -1;
	return close(fd);
}

static int setup(void **state)
{
	(void)state;
	strcpy(path, "/tmp/eyrie-guest-ram.XXXXXX");
	return mkstemp(path) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_inside_and_edges(void **state)
{
	struct guest_ram ram;
	const char *why = NULL;
	char *base;

	(void)state;
	assert_int_equal(make_file(RAM_BYTES), 0);
	guest_ram_init(&ram, path);
	assert_int_equal(guest_ram_map(&ram, &why), 0);
	base = guest_ram_translate(&ram, 0, 8);
	assert_non_null(base);
	assert_memory_equal(base + 4096, "EYRI", 4);
	assert_ptr_equal(guest_ram_translate(&ram, 4096, 4096), base + 4096);
	assert_ptr_equal(guest_ram_translate(&ram, RAM_BYTES - 4096, 4096),
			 base + RAM_BYTES - 4096);
	assert_null(guest_ram_translate(&ram, RAM_BYTES - 4095, 4096));
	assert_null(guest_ram_translate(&ram, RAM_BYTES, 1));
	assert_null(guest_ram_translate(&ram, UINT64_MAX - 10, 4096));
	assert_null(guest_ram_translate(&ram, 0, (uint64_t)RAM_BYTES + 1));
	assert_null(guest_ram_translate(&ram, 4096, UINT64_MAX));
	guest_ram_destroy(&ram);
}

static void test_file_appears_later(void **state)
{
	struct guest_ram ram;
	const char *why = NULL;

	(void)state;
	unlink(path);
	guest_ram_init(&ram, path);
	assert_int_not_equal(guest_ram_map(&ram, &why), 0);
	assert_non_null(strstr(why, "does not exist"));
	assert_int_equal(make_file(RAM_BYTES), 0);
	/* The first DMA maps it. */
	assert_non_null(guest_ram_translate(&ram, 4096, 4));
	assert_memory_equal(guest_ram_translate(&ram, 4096, 4), "EYRI", 4);
	guest_ram_destroy(&ram);
}

/* A DMA before QEMU made its file: a bus error, logged once. */
static void test_missing_file_fails_dma(void **state)
{
	struct guest_ram ram;

	(void)state;
	unlink(path);
	guest_ram_init(&ram, path);
	assert_null(guest_ram_translate(&ram, 0, 8));
	assert_null(guest_ram_translate(&ram, 0, 8));
	guest_ram_destroy(&ram);
}

static void test_empty_file_refused(void **state)
{
	struct guest_ram ram;
	const char *why = NULL;

	(void)state;
	assert_int_equal(make_file(0), 0);
	guest_ram_init(&ram, path);
	assert_int_not_equal(guest_ram_map(&ram, &why), 0);
	assert_non_null(why);
	guest_ram_destroy(&ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inside_and_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_appears_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_fails_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("sim-daemon-guest-ram", tests, NULL, NULL);
}
