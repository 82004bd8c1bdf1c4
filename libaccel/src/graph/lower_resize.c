// SPDX-License-Identifier: MIT
/*
 * Nearest x2 Resize / Upsample as a DMA-only device step (EYR_LAYER_UPSAMPLE,
 * docs/models.md "Nearest Resize"). The device's broadcast load repeats
 * every element twice along W and every row twice along H, which is output
 * (y, x) = input (floor(y / 2), floor(x / 2)). A node qualifies when ONNX's
 * rules give exactly that source index for every output:
 *
 * - mode nearest, scales exactly {1, 1, 2, 2} (or sizes {N, C, 2H, 2W},
 *   whose scales are then exactly 2), NCHW of known shape;
 * - the source coordinate x_in of output i along H or W (scale 2), rounded
 *   by nearest_mode, must be floor(i / 2). With i = 2j + t, t in {0, 1}:
 *     asymmetric            x_in = i / 2:            j, j + 0.5
 *                           floor and round_prefer_floor give j; ceil and
 *                           round_prefer_ceil give j + 1 for t = 1.
 *     half_pixel,           x_in = (i + 0.5) / 2 - 0.5: j - 0.25, j + 0.25
 *     pytorch_half_pixel    (the same, the output being longer than 1)
 *                           round_prefer_floor and round_prefer_ceil give
 *                           j (no tie); floor gives j - 1 (clamped to 0
 *                           only for j = 0), ceil j + 1.
 *     tf_half_pixel_for_nn  x_in = (i + 0.5) / 2:    j + 0.25, j + 0.75
 *                           floor gives j; the others j + 1 for t = 1.
 *     align_corners         x_in = i (H - 1) / (2H - 1): not floor(i / 2)
 *     tf_crop_and_resize    depends on roi: not taken.
 *   On the scale-1 axes (N, C) each of the accepted pairs gives the index
 *   itself. Upsample (opsets 7, 9) and Resize-10 are asymmetric with the
 *   index truncated when upsampling: floor(i / 2). The arithmetic is the
 *   CPU reference's (graph/ops/resize.c), in which these values are exact.
 *
 * The node is lowered in ONNX Runtime's two quantized forms, as MaxPool:
 * Resize directly on the int8/uint8 tensor (QOperator), and
 * DequantizeLinear -> Resize -> QuantizeLinear with equal parameters (QDQ;
 * the island is taken at the QuantizeLinear, graph/lower.c). The values
 * move unchanged, so a scale or zero-point change, or an activation that
 * clamps, needs a pass and stays on the CPU.
 */
#include <string.h>

#include "graph/lower.h"

static int known(const struct gr_tensor *t)
{
	return t->rank == 4 && gr_dims_count(t->rank, t->dims) > 0;
}

static const struct gr_value *const_input(const struct gr_graph *g, const struct gr_node *n,
					  int i)
{
	if (i >= n->n_in || n->in[i] < 0)
		return NULL;
	return g->tensors[n->in[i]].constant;
}

/* Does (coordinate transformation, nearest mode) give floor(i / 2)? */
static int floor_half(const char *coord, const char *near)
{
	int floor = !strcmp(near, "floor"), rpf = !strcmp(near, "round_prefer_floor");
	int rpc = !strcmp(near, "round_prefer_ceil");

	if (!strcmp(coord, "asymmetric"))
		return floor || rpf;
	if (!strcmp(coord, "half_pixel") || !strcmp(coord, "pytorch_half_pixel"))
		return rpf || rpc;
	if (!strcmp(coord, "tf_half_pixel_for_nn"))
		return floor;
	return 0;
}

int lw_upsample_x2(const struct gr_graph *g, const struct gr_node *n, struct lw_step *s)
{
	const struct gr_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
	int upsample = gr_node_is(n, "Upsample"), v11 = !upsample && n->opset >= 11;
	const char *mode = gr_attr_str(n, "mode", "nearest");
	double want[4];
	int si = v11 ? 2 : 1;

	if (!known(x) || !known(y))
		return lw_why(s, "the device upsamples NCHW tensors of known shape");
	if (strcmp(mode, "nearest"))
		return lw_why(s, "mode '%s' interpolates: only nearest is a copy the DMA can do", mode);
	if (v11) {
		const char *coord = gr_attr_str(n, "coordinate_transformation_mode", "half_pixel");
		const char *near = gr_attr_str(n, "nearest_mode", "round_prefer_floor");

		if (!floor_half(coord, near))
			return lw_why(s, "coordinate_transformation_mode '%s' with nearest_mode '%s' does not take source index floor(i / 2), which the DMA's x2 broadcast gives",
				      coord, near);
	}
	want[0] = want[1] = 1;
	want[2] = want[3] = 2;
	if (upsample && n->opset < 9) {
		const struct gr_attr *a = gr_attr_find(n, "scales");

		if (!a || a->type != GR_ATTR_FLOATS || a->n != 4)
			return lw_why(s, "scales must have 4 values");
		for (int k = 0; k < 4; k++)
			if (a->floats[k] != want[k])
				return lw_why(s, "the device upsamples by exactly 2 on H and W (scales 1, 1, 2, 2)");
	} else {
		const struct gr_value *sc = const_input(g, n, si);
		const struct gr_value *sz = v11 ? const_input(g, n, 3) : NULL;
		int has_sc = si < n->n_in && n->in[si] >= 0 &&
			     gr_dims_count(g->tensors[n->in[si]].rank, g->tensors[n->in[si]].dims) != 0;

		if (has_sc) {
			if (!sc || sc->count != 4)
				return lw_why(s, "scales must be a constant of 4 values");
			for (int k = 0; k < 4; k++)
				if (gr_value_get_f(sc, (size_t)k) != want[k])
					return lw_why(s, "the device upsamples by exactly 2 on H and W (scales 1, 1, 2, 2)");
		} else {
			if (!sz || sz->count != 4)
				return lw_why(s, "sizes must be a constant of 4 values");
			for (int k = 0; k < 4; k++)
				if (gr_value_get_i(sz, (size_t)k) != (int64_t)want[k] * x->dims[k])
					return lw_why(s, "the device upsamples by exactly 2 on H and W (sizes N, C, 2H, 2W)");
		}
	}
	for (int k = 0; k < 4; k++)
		if (y->dims[k] != (int64_t)want[k] * x->dims[k])
			return lw_why(s, "the output is not the input x 2 on H and W");
	for (int k = 0; k < 4; k++)
		if (x->dims[k] > 65535)
			return lw_why(s, "a dimension exceeds the device's command fields");
	s->layer.shape = (struct eyr_layer_shape){
		.op = EYR_LAYER_UPSAMPLE, .n = (uint32_t)x->dims[0], .c = (uint32_t)x->dims[1],
		.m = (uint32_t)x->dims[1], .h = (uint32_t)x->dims[2], .w = (uint32_t)x->dims[3],
		.r = 1, .s = 1, .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1,
	};
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	return 0;
}

/* The registry's lowering of Resize and Upsample: the QOperator form. */
int lw_resize(const struct lw_ctx *c, int node, struct lw_step *s)
{
	const struct gr_node *n = &c->g->nodes[node];
	int dtype = c->g->tensors[n->in[0]].dtype;

	if (dtype != GR_INT8 && dtype != GR_UINT8) {
		const struct gr_node *dq = lw_producer(c->g, n->in[0]);

		if (!dq || !gr_node_is(dq, "DequantizeLinear"))
			return lw_why(s, "float %s runs on the CPU (the device is integer)", n->op_type);
		/* a QDQ island's middle: the QuantizeLinear's step decides, this says why not */
		if (lw_upsample_x2(c->g, n, s))
			return -1;
		return lw_why(s, "float %s: on the device only as DequantizeLinear -> %s -> QuantizeLinear of equal parameters; the QuantizeLinear's step says why not",
			      n->op_type, n->op_type);
	}
	if (lw_upsample_x2(c->g, n, s))
		return -1;
	s->t_in = n->in[0];
	s->t_out = n->out[0];
	return 0;
}
