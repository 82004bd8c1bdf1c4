// SPDX-License-Identifier: MIT
/*
 * Makes the broken firmware images the HIL suite boots with:
 *
 *   fw_variant crc IN OUT   one payload byte flipped (CRC mismatch)
 *   fw_variant abi IN OUT   abi_major + 1 (the header is not under the CRC,
 *                           so only the ABI check can catch it)
 *   fw_variant build-id IN OUT
 *                           one build id byte changed: the header is sound,
 *                           so the driver loads it and only the device, which
 *                           runs the firmware build the id names, refuses it
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eyrie_hw.h"

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "fw_variant: %s: %s%s%s\n", path, what,
		errno ? ": " : "", errno ? strerror(errno) : "");
	return 1;
}

int main(int argc, char **argv)
{
	struct eyrie_fw_header hdr;
	unsigned char *img;
	long len;
	FILE *f;

	if (argc != 4 || (strcmp(argv[1], "crc") && strcmp(argv[1], "abi") &&
			  strcmp(argv[1], "build-id"))) {
		fprintf(stderr, "usage: fw_variant crc|abi|build-id IN OUT\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (!f)
		return fail("cannot open the firmware image (build it: make build/firmware/eyrie_fw.bin)", argv[2]);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	errno = 0;
	if (len < (long)sizeof(hdr) + 1) {
		fclose(f);
		return fail("too short to be a firmware image", argv[2]);
	}
	img = malloc((size_t)len);
	if (!img || fread(img, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(img);
		return fail("cannot read", argv[2]);
	}
	fclose(f);
	memcpy(&hdr, img, sizeof(hdr));
	if (hdr.magic != EYRIE_FW_MAGIC) {
		free(img);
		return fail("no EYFW magic: not an Eyrie firmware image", argv[2]);
	}
	if (!strcmp(argv[1], "crc"))
		img[len - 1] ^= 0x5a;
	else if (!strcmp(argv[1], "abi"))
		hdr.abi_major++;
	else
		hdr.build_id[0] ^= 0xff;
	memcpy(img, &hdr, sizeof(hdr));
	f = fopen(argv[3], "wb");
	if (!f || fwrite(img, 1, (size_t)len, f) != (size_t)len) {
		free(img);
		if (f)
			fclose(f);
		return fail("cannot write", argv[3]);
	}
	free(img);
	return fclose(f) ? fail("cannot write", argv[3]) : 0;
}
