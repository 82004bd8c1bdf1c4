/* SPDX-License-Identifier: MIT */
/*
 * Build id: SHA-1 of the firmware sources, computed by make
 * (firmware/firmware.mk) into a generated header, so the host build linked
 * into the sim and the rv32 image carry the same id.
 */
#include "eyrie_fw.h"
#include "fw_build_id.h"

const __u8 fw_build_id[20] = { FW_BUILD_ID_BYTES };
