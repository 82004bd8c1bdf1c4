// SPDX-License-Identifier: MIT
/*
 * Device lowerings of ONNX Runtime's com.microsoft QOperator ops onto the
 * layers their default-domain (QDQ) equivalents use: QLinearAdd on the
 * ELTWISE add, QLinearGlobalAveragePool on a global AVGPOOL. A device with
 * EYRIE_CAP_FP32_REQUANT computes them as ONNX Runtime does (binary32,
 * docs/hardware.md 7.11); else in fixed point, where the two agree except
 * next to rounding ties (docs/models.md, "Layer-wise check").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"


/* Scale (input i) and zero point (input z, optional) as constant scalars. */
static int qparams(const struct gr_graph *g, const struct gr_node *n, int i, int z,
		   int dtype, double *scale, int32_t *zp8, struct lw_step *s)
{
	const struct gr_value *sc = i < n->n_in && n->in[i] >= 0 ? g->tensors[n->in[i]].constant : NULL;
	const struct gr_value *zv = z < n->n_in && n->in[z] >= 0 ? g->tensors[n->in[z]].constant : NULL;

	if (!sc || sc->count != 1 || (z < n->n_in && n->in[z] >= 0 && (!zv || zv->count != 1)))
		return lw_why(s, "scales and zero points must be constant scalars for the device");
	*scale = gr_value_get_f(sc, 0);
	*zp8 = (int32_t)((zv ? gr_value_get_i(zv, 0) : 0) - (dtype == GR_UINT8 ? 128 : 0));
	return 0;
}

int lw_qlinear_add(const struct lw_ctx *c, int node, struct lw_step *s)
{
	const struct gr_graph *g = c->g;
	const struct gr_node *n = &g->nodes[node];
	const struct gr_tensor *ta = &g->tensors[n->in[0]], *tb = &g->tensors[n->in[3]];
	int64_t count = gr_dims_count(ta->rank, ta->dims);
	double sa, sb, sy;
	int32_t za, zb, zy;

	if (qparams(g, n, 1, 2, ta->dtype, &sa, &za, s) || qparams(g, n, 4, 5, ta->dtype, &sb, &zb, s) ||
	    qparams(g, n, 6, 7, ta->dtype, &sy, &zy, s))
		return -1;
	if (ta->rank != tb->rank || count <= 0 ||
	    memcmp(ta->dims, tb->dims, sizeof(int64_t) * (size_t)ta->rank))
		return lw_why(s, "the device adds tensors of the same known shape (no broadcast)");
	if (count > 0xffffffffll)
		return lw_why(s, "tensor too large");
	if (lw_add_quant(sa, sb, sy, za, zb, zy, ta->dtype == GR_UINT8, c->o->fp32_ok,
			 &s->layer.quant))
		return lw_why(s, "QLinearAdd scales outside the device's fixed-point range");
	s->layer.shape = (struct eyr_layer_shape){
		.op = EYR_LAYER_ADD, .n = 1, .c = 1, .m = 1, .h = 1, .w = (uint32_t)count,
		.r = 1, .s = 1, .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1,
	};
	s->layer.quant.zp_in = za;
	s->layer.quant.zp_b = zb;
	s->layer.quant.zp_out = zy;
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[0];
	s->t_in_b = n->in[3];
	s->t_out = n->out[0];
	return 0;
}

/*
 * QLinearGlobalAveragePool and QLinearAveragePool (X, x_scale, x_zp,
 * y_scale, y_zp): an AVGPOOL layer rescaling by x_scale / y_scale.
 */
static int qlinear_avgpool(const struct lw_ctx *c, int node, struct lw_step *s, int global)
{
	const struct gr_graph *g = c->g;
	const struct gr_node *n = &g->nodes[node];
	const struct gr_tensor *x = &g->tensors[n->in[0]];
	double sx, sy;
	int32_t zx, zy;

	if (gr_attr_int(n, "channels_last", 0))
		return lw_why(s, "channels_last: the device pools N x C x H x W tensors");
	if (qparams(g, n, 1, 2, x->dtype, &sx, &zx, s) || qparams(g, n, 3, 4, x->dtype, &sy, &zy, s))
		return -1;
	if (lw_pool_geometry(n, x, s, global))
		return -1;
	s->layer.shape.op = EYR_LAYER_AVGPOOL;
	/* the device divides the window sum by the count itself */
	s->layer.quant.count_include_pad = !global && gr_attr_int(n, "count_include_pad", 0);
	if (global && c->o->fp32_ok) {
		/* ONNX Runtime's rule: sum * x_scale / (y_scale * fl32(H W)) */
		float sc = lw_gap_scale((float)sx, (float)sy,
					s->layer.shape.r * s->layer.shape.s);

		if (lw_set_requant_fp32(s, &sc, 1, c->o))
			return -1;
	} else if (gr_quant_mult(sx / sy, &s->layer.quant.mult, &s->layer.quant.shift)) {
		return lw_why(s, "pool scale outside the device's fixed-point range");
	}
	s->layer.quant.zp_in = zx;
	s->layer.quant.zp_out = zy;
	s->layer.quant.clamp_min = -128;
	s->layer.quant.clamp_max = 127;
	s->t_in = n->in[0];
	s->t_out = n->out[0];
	return 0;
}

int lw_qlinear_gap(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return qlinear_avgpool(c, node, s, 1);
}

int lw_qlinear_avgpool(const struct lw_ctx *c, int node, struct lw_step *s)
{
	return qlinear_avgpool(c, node, s, 0);
}
