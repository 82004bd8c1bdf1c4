// SPDX-License-Identifier: MIT
/* Library version and the names of public enums. */
#include <stdio.h>

#include "core/internal.h"

#define STR2(x) #x
#define STR(x) STR2(x)

uint32_t accel_version(void)
{
	return (ACCEL_VERSION_MAJOR << 16) | (ACCEL_VERSION_MINOR << 8) |
	       ACCEL_VERSION_PATCH;
}

const char *accel_version_string(void)
{
	return STR(ACCEL_VERSION_MAJOR) "." STR(ACCEL_VERSION_MINOR) "."
	       STR(ACCEL_VERSION_PATCH);
}

const char *accel_cap_name(uint64_t cap_bit)
{
	switch (cap_bit) {
	case ACCEL_CAP_MMU: return "mmu";
	case ACCEL_CAP_STREAM: return "stream";
	case ACCEL_CAP_TELEMETRY: return "telemetry";
	case ACCEL_CAP_THERMAL_THROTTLE: return "thermal_throttle";
	case ACCEL_CAP_PER_CHANNEL_QUANT: return "per_channel_quant";
	case ACCEL_CAP_DEBUG_STALL: return "debug_stall";
	case ACCEL_CAP_REALTIME_PACING: return "realtime_pacing";
	case ACCEL_CAP_ACT_LUT: return "act_lut";
	case ACCEL_CAP_EVENTS: return "events";
	case ACCEL_CAP_ZERO_GATE: return "zero_gate";
	case ACCEL_CAP_RLE_DMA: return "rle_dma";
	case ACCEL_CAP_FLEX_NOC: return "flex_noc";
	case ACCEL_CAP_FP32_REQUANT: return "fp32_requant";
	case ACCEL_CAP_IN_RING: return "in_ring";
	case ACCEL_CAP_OUT_RING: return "out_ring";
	default: return NULL;
	}
}

const char *accel_energy_domain_name(unsigned int domain)
{
	static const char *const names[ACCEL_ENERGY_DOMAINS] = {
		"dram", "glb", "noc", "rf", "mac", "static",
	};

	return domain < ACCEL_ENERGY_DOMAINS ? names[domain] : NULL;
}

const char *accel_job_status_str(int status)
{
	static const char *const names[] = {
		[ACCEL_JOB_OK] = "ok",
		[ACCEL_JOB_ERR_OPCODE] = "unknown opcode",
		[ACCEL_JOB_ERR_RESERVED] = "unknown flag or non-zero reserved field",
		[ACCEL_JOB_ERR_GLB_BOUNDS] = "local operand outside the GLB / stream buffer",
		[ACCEL_JOB_ERR_SHAPE] = "zero or inconsistent dimension",
		[ACCEL_JOB_ERR_ALIGN] = "misaligned address or stride",
		[ACCEL_JOB_ERR_STRIDE] = "invalid stride for the shape",
		[ACCEL_JOB_ERR_COUNT] = "count out of range",
		[ACCEL_JOB_ERR_CMDBUF] = "bad command buffer (count 0, too long or unreadable)",
		[ACCEL_JOB_ERR_MMU_UNMAPPED] = "MMU fault: unmapped device address",
		[ACCEL_JOB_ERR_MMU_PERM] = "MMU fault: write to a read-only page",
		[ACCEL_JOB_ERR_QUANT] = "bad zero point, clamp or requantization parameters",
		[ACCEL_JOB_ERR_DATAFLOW] = "unknown dataflow or mapping that does not fit",
		[ACCEL_JOB_ERR_TIMEOUT] = "timed out (killed by the driver)",
		[ACCEL_JOB_ERR_ABORTED] = "aborted by a device reset",
		[ACCEL_JOB_ERR_STALL_DENIED] = "STALL without the debug-stall capability",
		[ACCEL_JOB_ERR_LUT] = "pass uses the activation table before a LUT_LOAD in the same job",
		[ACCEL_JOB_ERR_RLE] = "bad run-length coded DMA (element size, stride, zero value or window)",
	};
	static _Thread_local char unknown[32];

	if (status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]))
		return names[status];
	snprintf(unknown, sizeof(unknown), "unknown status %d", status);
	return unknown;
}

/* The public mirrors must match the hardware contract bit for bit. */
_Static_assert(ACCEL_CAP_MMU == EYRIE_CAP_MMU, "cap");
_Static_assert(ACCEL_CAP_STREAM == EYRIE_CAP_STREAM, "cap");
_Static_assert(ACCEL_CAP_TELEMETRY == EYRIE_CAP_TELEMETRY, "cap");
_Static_assert(ACCEL_CAP_THERMAL_THROTTLE == EYRIE_CAP_THERMAL_THROTTLE, "cap");
_Static_assert(ACCEL_CAP_PER_CHANNEL_QUANT == EYRIE_CAP_PER_CHANNEL_QUANT, "cap");
_Static_assert(ACCEL_CAP_DEBUG_STALL == EYRIE_CAP_DEBUG_STALL, "cap");
_Static_assert(ACCEL_CAP_REALTIME_PACING == EYRIE_CAP_REALTIME_PACING, "cap");
_Static_assert((int)ACCEL_JOB_ERR_RLE + 1 == (int)EYRIE_JOB_STATUS_COUNT, "status");
_Static_assert(ACCEL_CAP_ACT_LUT == EYRIE_CAP_ACT_LUT, "cap");
_Static_assert(ACCEL_CAP_EVENTS == EYRIE_CAP_EVENTS, "cap");
_Static_assert(ACCEL_CAP_ZERO_GATE == EYRIE_CAP_ZERO_GATE, "cap");
_Static_assert(ACCEL_CAP_RLE_DMA == EYRIE_CAP_RLE_DMA, "cap");
_Static_assert(ACCEL_CAP_FLEX_NOC == EYRIE_CAP_FLEX_NOC, "cap");
_Static_assert(ACCEL_CAP_FP32_REQUANT == EYRIE_CAP_FP32_REQUANT, "cap");
_Static_assert(ACCEL_CAP_IN_RING == EYRIE_CAP_IN_RING, "cap");
_Static_assert(ACCEL_CAP_OUT_RING == EYRIE_CAP_OUT_RING, "cap");
_Static_assert(ACCEL_PASS_FP32_RQ == EYRIE_PASS_F_FP32_RQ, "pass flags");
_Static_assert(ACCEL_PASS_LUT == EYRIE_PASS_F_LUT, "pass flags");
_Static_assert((int)ACCEL_JOB_ERR_ABORTED == (int)EYRIE_JOB_ERR_ABORTED, "status");
_Static_assert((int)ACCEL_JOB_ERR_MMU_UNMAPPED == (int)EYRIE_JOB_ERR_MMU_UNMAPPED, "status");
_Static_assert((int)ACCEL_JOB_ERR_GLB_BOUNDS == (int)EYRIE_JOB_ERR_GLB_BOUNDS, "status");
_Static_assert((int)ACCEL_ENERGY_DOMAINS == (int)EYRIE_ENERGY_DOMAINS, "domains");
_Static_assert((int)ACCEL_ENERGY_STATIC == (int)EYRIE_ENERGY_STATIC, "domains");
_Static_assert((int)ACCEL_DATAFLOW_NLR == (int)EYRIE_DATAFLOW_NLR, "dataflow");
_Static_assert(ACCEL_GLB_STREAM == EYRIE_ADDR_STREAM, "stream bit");
_Static_assert(ACCEL_PASS_COUNT_PAD == EYRIE_PASS_F_COUNT_PAD, "pass flags");
_Static_assert(ACCEL_PASS_PER_CHANNEL == EYRIE_PASS_F_PER_CHANNEL, "pass flags");
_Static_assert(ACCEL_TELEM_THROTTLED == EYRIE_TELEM_F_THROTTLED, "telem flags");
_Static_assert(ACCEL_TELEM_BUSY == EYRIE_TELEM_F_BUSY, "telem flags");
_Static_assert(ACCEL_CMD_INDEX_NONE == EYRIE_CMD_INDEX_NONE, "cmd index none");
_Static_assert(sizeof(struct accel_energy_snapshot) ==
	       sizeof(struct eyrie_energy_snapshot), "snapshot");
