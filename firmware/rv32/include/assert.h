/* SPDX-License-Identifier: MIT */
/*
 * The bare-metal rv32 toolchain ships no C library, so no <assert.h>; the
 * contract header only needs it for _Static_assert, a C11 keyword.
 */
#ifndef FW_RV32_ASSERT_H
#define FW_RV32_ASSERT_H
#endif
