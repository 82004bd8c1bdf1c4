/* SPDX-License-Identifier: MIT */
/* IEEE 802.3 CRC-32 (reflected, polynomial 0xedb88320), as in zlib. */
#ifndef EYRIE_CRC32_H
#define EYRIE_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t eyrie_crc32(const void *data, size_t len);

#endif
