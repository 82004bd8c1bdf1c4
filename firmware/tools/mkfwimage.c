/* SPDX-License-Identifier: MIT */
/*
 * mkfwimage: wraps the rv32 firmware ELF into the image the driver loads,
 * struct eyrie_fw_header (uapi/eyrie_hw.h) followed by the ELF.
 *
 *   mkfwimage BUILD_ID_HEX40 IN.elf OUT.bin
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eyrie_crc32.h"
#include "eyrie_fw.h"

static int parse_build_id(const char *hex, __u8 id[20])
{
	if (strlen(hex) != 40)
		return -1;
	for (int i = 0; i < 20; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		id[i] = (__u8)b;
	}
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct eyrie_fw_header h;
	size_t len = 0;
	void *elf;
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: %s BUILD_ID_HEX40 IN.elf OUT.bin\n", argv[0]);
		return 2;
	}
	memset(&h, 0, sizeof(h));
	if (parse_build_id(argv[1], h.build_id)) {
		fprintf(stderr, "mkfwimage: build id must be 40 hex digits, got '%s'\n",
			argv[1]);
		return 2;
	}
	elf = read_file(argv[2], &len);
	if (!elf) {
		fprintf(stderr, "mkfwimage: cannot read %s: %s\n", argv[2],
			strerror(errno ? errno : EIO));
		return 1;
	}
	if (len + sizeof(h) > EYRIE_FW_MAX_SIZE) {
		fprintf(stderr, "mkfwimage: %s is %zu bytes, the image limit is %u\n",
			argv[2], len, (unsigned int)EYRIE_FW_MAX_SIZE);
		free(elf);
		return 1;
	}
	h.magic = EYRIE_FW_MAGIC;
	h.header_version = EYRIE_FW_HEADER_VERSION;
	h.header_size = sizeof(h);
	h.abi_major = EYRIE_FW_ABI_MAJOR;
	h.abi_minor = EYRIE_FW_ABI_MINOR;
	h.fw_version = FW_VERSION;
	h.payload_size = (__u32)len;
	h.payload_crc32 = eyrie_crc32(elf, len);
	out = fopen(argv[3], "wb");
	if (!out || fwrite(&h, sizeof(h), 1, out) != 1 ||
	    fwrite(elf, 1, len, out) != len || fclose(out) != 0) {
		fprintf(stderr, "mkfwimage: cannot write %s: %s\n", argv[3],
			strerror(errno));
		free(elf);
		return 1;
	}
	free(elf);
	return 0;
}
