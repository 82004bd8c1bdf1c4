// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the host side of firmware loading. The bytes are a
 * firmware image handed to the device model's boot path
 * (eyrie_simhost_boot_image: load window checks, then the bootrom's header,
 * size, CRC, ABI and build id checks of docs/hardware.md 4.1). Every image
 * must be refused with a mailbox error or boot; nothing may read outside
 * the image. After an accepted image the real one is booted again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "eyrie_simhost.h"
#include "fuzz_note.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eyrie_simhost *host;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct eyrie_simhost_opts o = { .sz = sizeof(o) };
	char err[256] = "";

	(void)argc;
	(void)argv;
	o.errbuf = err;
	o.errbuf_len = sizeof(err);
	if (eyrie_simhost_open(&o, &host)) {
		fprintf(stderr, "fuzz_fwimage: cannot start the device model: %s\n", err);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int r = eyrie_simhost_boot_image(host, data, size);

	fuzz_note("boot: %d%s%s", r, r ? ": " : "", r ? eyrie_simhost_errmsg(host) : "");
	if (r < 0 && r != -EFBIG) {
		fprintf(stderr, "fuzz_fwimage: boot path failed: %s\n", eyrie_simhost_errmsg(host));
		abort();
	}
	return 0;
}
