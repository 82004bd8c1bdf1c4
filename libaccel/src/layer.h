/* SPDX-License-Identifier: MIT */
/*
 * Device layers: what graph lowering hands to the tile scheduler.
 *
 * Graph lowering (libaccel/src/graph/) turns ONNX nodes into these; the tile
 * scheduler (libaccel/src/sched/) plans each one for the device described by
 * struct eyr_arch and emits the command stream that runs it. Neither side
 * knows which shim will run the commands.
 *
 * Tensor layouts in device memory (all dense, innermost last):
 *   activations  int8  N x C x H x W           (NCHW)
 *   conv weights int8  M x (C/groups) x R x S
 *   fc input     int8  N x C;   fc weights int8 M x C;   fc output N x M
 *   bias         int32 M
 *   quant table  int32 M multipliers, then int32 M shifts (per-channel;
 *                with quant.fp32_rq binary32 scales, then M zeros)
 */
#ifndef EYR_LAYER_H
#define EYR_LAYER_H

#include <stdint.h>

#include "eyrie_hw.h"

enum eyr_layer_op {
	EYR_LAYER_CONV = 0,	/* includes grouped and depthwise */
	EYR_LAYER_FC = 1,	/* fully connected / matmul */
	EYR_LAYER_MAXPOOL = 2,
	EYR_LAYER_AVGPOOL = 3,
	EYR_LAYER_ADD = 4,	/* element-wise add of two tensors */
	/*
	 * Nearest upsample x2 on H and W (m = c, r = s = 1, strides 1): a
	 * DMA-only step, no pass. A load whose DRAM strides are zero on the
	 * repeated axes broadcasts each element into a 2 x 2 box of the GLB,
	 * and a dense store writes the result (docs/models.md "Nearest
	 * Resize"). The values move unchanged: no quantization fields.
	 */
	EYR_LAYER_UPSAMPLE = 5,
};

/* Shape of one layer. For FC: h = w = r = s = 1, c = K, m = outputs. */
struct eyr_layer_shape {
	enum eyr_layer_op op;
	uint32_t n, c, m;	/* batch, input channels, output channels */
	uint32_t h, w;		/* input height and width (before padding) */
	uint32_t r, s;		/* filter / window height and width */
	uint32_t stride_h, stride_w;
	uint32_t pad_t, pad_b, pad_l, pad_r;
	uint32_t dil_h, dil_w;
	uint32_t groups;	/* groups == c == m: depthwise */
};

/* Output height/width of a shape (conv and pool arithmetic; upsample: x2). */
static inline uint32_t eyr_layer_out_h(const struct eyr_layer_shape *l)
{
	if (l->op == EYR_LAYER_UPSAMPLE)
		return 2 * l->h;
	return (l->h + l->pad_t + l->pad_b - (l->dil_h * (l->r - 1) + 1)) /
	       l->stride_h + 1;
}

static inline uint32_t eyr_layer_out_w(const struct eyr_layer_shape *l)
{
	if (l->op == EYR_LAYER_UPSAMPLE)
		return 2 * l->w;
	return (l->w + l->pad_l + l->pad_r - (l->dil_w * (l->s - 1) + 1)) /
	       l->stride_w + 1;
}

/*
 * Quantization of one layer, already in the device's fixed-point form
 * (see "Requantization" in uapi/eyrie_hw.h and docs/hardware.md).
 */
struct eyr_layer_quant {
	int32_t zp_in;		/* input zero point (padding value) */
	int32_t zp_w;		/* weight zero point (per tensor) */
	int32_t zp_out;
	int32_t mult, shift;	/* per-tensor output requantization */
	int per_channel;	/* mult/shift from the DRAM quant table */
	int32_t clamp_min, clamp_max; /* int8 output clamp (fused ReLU/Clip) */
	int has_bias;
	/* ADD only: input b, and each input's rescale to the common scale */
	int32_t zp_b;
	int32_t a_mult, a_shift, b_mult, b_shift;
	/*
	 * ADD with fp32_rq: ONNX Runtime's QLinearAdd (eyrie_eltwise_fp32(),
	 * docs/hardware.md 7.11): binary32 bits of the scale ratios and of the
	 * additive term, and 128 for uint8 tensors (else 0); zp_in, zp_b,
	 * zp_out, the mults and shifts are then 0.
	 */
	uint32_t ratio_a, ratio_b, term;
	int32_t value_offset;
	/* AVGPOOL only: padding counts in the divisor */
	int count_include_pad;
	/*
	 * CONV/FC only: the output is the int32 accumulators (ConvInteger,
	 * MatMulInteger), stored without requantization; zp_out, mult,
	 * shift, clamps and per_channel are unused (per_channel must be 0).
	 */
	int int32_out;
	/*
	 * The int8 output goes through the device's activation table
	 * (EYRIE_CAP_ACT_LUT), loaded from bufs.lut at the start of the
	 * layer's stream: out = lut[requantized, clamped value + 128].
	 */
	int lut;
	/*
	 * ONNX Runtime's binary32 requantization (EYRIE_CAP_FP32_REQUANT,
	 * docs/hardware.md 7.11): mult, and the per-channel table's
	 * multipliers, hold binary32 scale bits, shifts are 0. CONV/FC with
	 * an int8 output and AVGPOOL (the scale carries 1 / window count);
	 * ADD: ratio_a, ratio_b, term, value_offset above.
	 */
	int fp32_rq;
};

/* Device virtual addresses of a layer's tensors (0 where unused). */
struct eyr_layer_bufs {
	uint64_t in;		/* input (ADD: first input) */
	uint64_t in_b;		/* ADD: second input */
	uint64_t weights;
	uint64_t bias;
	uint64_t quant;		/* per-channel quant table */
	uint64_t out;
	uint64_t lut;		/* activation table: 256 int8 entries (quant.lut) */
	/*
	 * CONV/FC whose plan spills psums (eyr_plan_psum_bytes() > 0): a
	 * scratch buffer of n x m x out_h x out_w int32 for them
	 */
	uint64_t psum;
	/*
	 * CONV, pool and upsample outputs: channels of one batch item in the buffer at
	 * `out` (0: the layer's own m). A layer writing its slice of a
	 * channel concat in place has out at its first channel and this the
	 * concat's channel count: batch item n starts n x out_channels x
	 * out_h x out_w elements after out.
	 */
	uint32_t out_channels;
};

struct eyr_layer {
	const char *name;	/* for messages and reports */
	struct eyr_layer_shape shape;
	struct eyr_layer_quant quant;
};

/* A growable command buffer: what the scheduler emits. */
struct eyr_cmdbuf {
	union eyrie_cmd *cmds;
	uint32_t count;
	uint32_t capacity;
};

#endif /* EYR_LAYER_H */
