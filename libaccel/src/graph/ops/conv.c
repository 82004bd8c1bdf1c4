// SPDX-License-Identifier: MIT
/* Convolutions: Conv (float), QLinearConv, ConvInteger. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/budget.h"
#include "graph/ops/ops.h"
#include "graph/quant_check.h"
#include "graph/ref.h"
#include "graph/window.h"

enum conv_kind { CONV_FLOAT, CONV_QLINEAR, CONV_INTEGER };

int gr_infer_window(const struct gr_node *n, const struct gr_value *x,
		    int64_t kh, int64_t kw, struct gr_geom *g, struct gr_err *err)
{
	struct gr_window w;
	int64_t ih, iw;
	int rc;

	if ((rc = gr_node_window(n, &w, err)))
		return rc;
	if (x->rank == 3) {
		ih = 1;
		iw = x->dims[2];
	} else if (x->rank == 4) {
		ih = x->dims[2];
		iw = x->dims[3];
	} else {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"%d-D input: only 1-D and 2-D windows (rank 3 or 4 inputs) are supported",
				x->rank - 2);
	}
	if (w.spatial && w.spatial != x->rank - 2)
		return NODE_ERR(err, -EINVAL, n,
				"a %d-D window on a %d-D input (rank %d): kernel_shape, strides, dilations and pads must be %d-D",
				w.spatial, x->rank - 2, x->rank, x->rank - 2);
	rc = gr_window_resolve(&w, ih, iw, kh, kw, g, err, n->name);
	/*
	 * A 1-D input's output has no height: a window whose height, vertical
	 * pads or strides would give it one is a 2-D window on a 1-D input.
	 */
	if (!rc && x->rank == 3 && g->oh != 1)
		return NODE_ERR(err, -EINVAL, n,
				"a 2-D window (%lld x %lld, vertical pads %lld/%lld) on a 1-D input (rank 3): kernel_shape, strides, dilations and pads must be 1-D",
				(long long)g->kh, (long long)g->kw, (long long)g->pt,
				(long long)g->pb);
	if (!rc && x->dims[0] >= 0 && x->dims[1] >= 0) {
		/* what a kernel visits: every window position of every plane */
		unsigned __int128 ops = (unsigned __int128)x->dims[0] * (uint64_t)x->dims[1] *
					(uint64_t)g->oh * (uint64_t)g->ow * (uint64_t)g->kh *
					(uint64_t)g->kw;

		rc = gr_budget_work(n->name, ops > UINT64_MAX ? UINT64_MAX : (uint64_t)ops, err);
	}
	return rc;
}

void gr_window_out(const struct gr_value *x, int64_t m, const struct gr_geom *g,
		   int64_t *dims)
{
	dims[0] = x->dims[0];
	dims[1] = m;
	if (x->rank == 3) {
		dims[2] = g->ow;
	} else {
		dims[2] = g->oh;
		dims[3] = g->ow;
	}
}

static int infer_conv(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, enum conv_kind kind, struct gr_err *err)
{
	int xi = 0, wi = 1, bi = -1, dtype;
	const struct gr_value *x, *w;
	int64_t dims[4], kh, kw, cg, grp;
	struct gr_window win;
	struct gr_geom g;
	char b1[64], b2[64];
	int rc;

	if ((rc = gr_node_window(n, &win, err)))
		return rc;
	grp = win.group;
	switch (kind) {
	case CONV_FLOAT:
		bi = 2;
		dtype = GR_FLOAT;
		break;
	case CONV_QLINEAR:
		wi = 3;
		bi = 8;
		dtype = (n->n_in > 7 && in[7]) ? in[7]->dtype : GR_UINT8;
		break;
	default:
		dtype = GR_INT32;
		break;
	}
	if ((rc = gr_need(n, in, xi, err)) || (rc = gr_need(n, in, wi, err)))
		return rc;
	x = in[xi];
	w = in[wi];
	if (kind == CONV_FLOAT && (x->dtype != GR_FLOAT || w->dtype != GR_FLOAT))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"Conv runs on float tensors here (got %s and %s); quantized convolutions use QLinearConv or ConvInteger",
				gr_dtype_name(x->dtype), gr_dtype_name(w->dtype));
	if (kind != CONV_FLOAT && (!gr_is_q8(x->dtype) || !gr_is_q8(w->dtype)))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input and weights must be int8 or uint8 (got %s and %s)",
				gr_dtype_name(x->dtype), gr_dtype_name(w->dtype));
	if (x->rank != w->rank)
		return NODE_ERR(err, -EINVAL, n,
				"input %s and weights %s must have the same rank",
				gr_dims_str(x, b1, sizeof(b1)), gr_dims_str(w, b2, sizeof(b2)));
	if (x->rank == 3) {
		kh = 1;
		kw = w->dims[2];
	} else if (x->rank == 4) {
		kh = w->dims[2];
		kw = w->dims[3];
	} else {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input of rank %d: only 1-D and 2-D convolutions are supported",
				x->rank);
	}
	if (win.has_kernel && ((x->rank == 4 && win.kh != kh) || win.kw != kw) &&
	    kh >= 0 && kw >= 0)
		return NODE_ERR(err, -EINVAL, n,
				"kernel_shape disagrees with the weights %s",
				gr_dims_str(w, b1, sizeof(b1)));
	if (grp < 1)
		return NODE_ERR(err, -EINVAL, n, "group must be >= 1");
	cg = w->dims[1];
	if (x->dims[1] >= 0 && cg >= 0 && x->dims[1] != cg * grp)
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: input %s has %lld channels but weights %s with group %lld expect %lld",
				gr_dims_str(x, b1, sizeof(b1)), (long long)x->dims[1],
				gr_dims_str(w, b2, sizeof(b2)), (long long)grp,
				(long long)(cg * grp));
	if (w->dims[0] >= 0 && w->dims[0] % grp)
		return NODE_ERR(err, -EINVAL, n,
				"%lld output channels are not divisible by group %lld",
				(long long)w->dims[0], (long long)grp);
	if (bi >= 0 && bi < n->n_in && in[bi]) {
		const struct gr_value *b = in[bi];

		if (b->rank != 1 || (b->dims[0] >= 0 && w->dims[0] >= 0 &&
				     b->dims[0] != w->dims[0]))
			return NODE_ERR(err, -EINVAL, n,
					"bias %s must be 1-D with one value per output channel (%lld)",
					gr_dims_str(b, b1, sizeof(b1)), (long long)w->dims[0]);
		if (kind == CONV_QLINEAR && b->dtype != GR_INT32)
			return NODE_ERR(err, -EINVAL, n, "bias must be int32 (got %s)",
					gr_dtype_name(b->dtype));
		if (kind == CONV_FLOAT && b->dtype != GR_FLOAT)
			return NODE_ERR(err, -EINVAL, n, "bias must be float (got %s)",
					gr_dtype_name(b->dtype));
	}
	if (kind == CONV_QLINEAR) {
		for (int i = 1; i < 8; i++)
			if (i != 3 && (rc = gr_need(n, in, i, err)))
				return rc;
		if ((rc = gr_check_param(n, in[1], "x_scale", 0, err)) ||
		    (rc = gr_check_param(n, in[2], "x_zero_point", 0, err)) ||
		    (rc = gr_check_param(n, in[4], "w_scale", w->dims[0], err)) ||
		    (rc = gr_check_param(n, in[5], "w_zero_point", w->dims[0], err)) ||
		    (rc = gr_check_param(n, in[6], "y_scale", 0, err)) ||
		    (rc = gr_check_param(n, in[7], "y_zero_point", 0, err)))
			return rc;
		if (in[2]->dtype != x->dtype || in[5]->dtype != w->dtype)
			return NODE_ERR(err, -EINVAL, n,
					"zero points must have the type of their tensor");
		if (in[1]->dtype != GR_FLOAT || in[4]->dtype != GR_FLOAT ||
		    in[6]->dtype != GR_FLOAT)
			return NODE_ERR(err, -EINVAL, n, "scales must be float");
		if ((rc = gr_check_scale_values(n, in[1], "x_scale", err)) ||
		    (rc = gr_check_scale_values(n, in[4], "w_scale", err)) ||
		    (rc = gr_check_scale_values(n, in[6], "y_scale", err)))
			return rc;
		if (!gr_is_q8(in[7]->dtype))
			return NODE_ERR(err, -EINVAL, n, "y_zero_point must be int8 or uint8");
	}
	if (kind == CONV_INTEGER) {
		if ((rc = gr_check_param(n, gr_opt(n, in, 2), "x_zero_point", 0, err)) ||
		    (rc = gr_check_param(n, gr_opt(n, in, 3), "w_zero_point",
					 w->dims[0], err)))
			return rc;
	}
	if ((rc = gr_infer_window(n, x, kh, kw, &g, err)))
		return rc;
	gr_window_out(x, w->dims[0], &g, dims);
	gr_set_shape(&out[0], dtype, x->rank, dims);
	return 0;
}

static int infer_conv_float(const struct gr_node *n, const struct gr_value *const *in,
			    struct gr_value *out, struct gr_err *err)
{
	return infer_conv(n, in, out, CONV_FLOAT, err);
}

static int infer_qlinearconv(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value *out, struct gr_err *err)
{
	return infer_conv(n, in, out, CONV_QLINEAR, err);
}

static int infer_convinteger(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value *out, struct gr_err *err)
{
	return infer_conv(n, in, out, CONV_INTEGER, err);
}

/* Integer convolution core: acc[n][m][oy][ox] = bias + sum (x-zx)(w-zw). */
static int conv_int_acc(const struct gr_value *x, const struct gr_value *w,
			const struct gr_value *xzp, const struct gr_value *wzp,
			const struct gr_value *b, const struct gr_geom *g, int64_t grp,
			int64_t *acc)
{
	int64_t N = x->dims[0], C = x->dims[1], M = w->dims[0];
	int64_t cg = C / grp, mg = M / grp, kh = g->kh, kw = g->kw;
	int64_t zx = gr_par_i(xzp, 0), plane = g->oh * g->ow;
	int32_t *xs = malloc(x->count * sizeof(int32_t) + 1);
	int32_t *ws = malloc(w->count * sizeof(int32_t) + 1);

	if (!xs || !ws) {
		free(xs);
		free(ws);
		return -ENOMEM;
	}
	for (size_t i = 0; i < x->count; i++)
		xs[i] = (int32_t)(gr_value_get_i(x, i) - zx);
	for (size_t i = 0; i < w->count; i++)
		ws[i] = (int32_t)(gr_value_get_i(w, i) - gr_par_i(wzp, i / (w->count / (size_t)M)));
	for (int64_t ni = 0; ni < N; ni++)
	for (int64_t m = 0; m < M; m++) {
		int64_t *a = acc + (ni * M + m) * plane, gi = m / mg;
		int64_t b0 = b ? gr_value_get_i(b, (size_t)m) : 0;

		for (int64_t p = 0; p < plane; p++)
			a[p] = b0;
		for (int64_t c = 0; c < cg; c++) {
			const int32_t *xp = xs + (ni * C + gi * cg + c) * g->ih * g->iw;

			for (int64_t i = 0; i < kh; i++)
			for (int64_t j = 0; j < kw; j++) {
				int64_t wv = ws[((m * cg + c) * kh + i) * kw + j], lo = 0, hi = g->ow;

				if (!wv)
					continue;
				/* output columns whose tap lands inside the input */
				while (lo < g->ow && lo * g->sw - g->pl + j * g->dw < 0)
					lo++;
				while (hi > lo && (hi - 1) * g->sw - g->pl + j * g->dw >= g->iw)
					hi--;
				for (int64_t oy = 0; oy < g->oh; oy++) {
					int64_t iy = oy * g->sh - g->pt + i * g->dh;
					const int32_t *row;
					int64_t *arow = a + oy * g->ow;

					if (iy < 0 || iy >= g->ih)
						continue;
					row = xp + iy * g->iw - g->pl + j * g->dw;
					for (int64_t ox = lo; ox < hi; ox++)
						arow[ox] += wv * row[ox * g->sw];
				}
			}
		}
	}
	free(xs);
	free(ws);
	return 0;
}

static int ref_conv(const struct gr_node *n, const struct gr_value *const *in,
		    struct gr_value *o, enum conv_kind kind, struct gr_err *err)
{
	int wi = kind == CONV_QLINEAR ? 3 : 1;
	const struct gr_value *x = in[0], *w = in[wi], *b = NULL;
	const struct gr_value *xzp = NULL, *wzp = NULL;
	int64_t N = x->dims[0], C = x->dims[1], M = w->dims[0];
	int64_t grp = gr_attr_int(n, "group", 1), cg = C / grp, mg = M / grp;
	int64_t kh = x->rank == 4 ? w->dims[2] : 1, kw = w->dims[x->rank - 1];
	struct gr_geom g;
	int64_t *acc;
	int rc;

	if ((rc = gr_infer_window(n, x, kh, kw, &g, err)))
		return rc;
	if (kind == CONV_FLOAT) {
		b = gr_opt(n, in, 2);
		for (int64_t ni = 0; ni < N; ni++)
		for (int64_t m = 0; m < M; m++)
		for (int64_t oy = 0; oy < g.oh; oy++)
		for (int64_t ox = 0; ox < g.ow; ox++) {
			double facc = b ? gr_value_get_f(b, (size_t)m) : 0;

			for (int64_t c = 0; c < cg; c++)
			for (int64_t i = 0; i < kh; i++) {
				int64_t iy = oy * g.sh - g.pt + i * g.dh;

				if (iy < 0 || iy >= g.ih)
					continue;
				for (int64_t j = 0; j < kw; j++) {
					int64_t ix = ox * g.sw - g.pl + j * g.dw;

					if (ix < 0 || ix >= g.iw)
						continue;
					facc += (double)((const float *)x->data)[((ni * C + m / mg * cg + c) * g.ih + iy) * g.iw + ix] *
						((const float *)w->data)[((m * cg + c) * kh + i) * kw + j];
				}
			}
			((float *)o->data)[((ni * M + m) * g.oh + oy) * g.ow + ox] = (float)facc;
		}
		return 0;
	}
	if (kind == CONV_INTEGER) {
		xzp = gr_opt(n, in, 2);
		wzp = gr_opt(n, in, 3);
	} else {
		xzp = in[2];
		wzp = in[5];
		b = gr_opt(n, in, 8);
	}
	acc = malloc(o->count * sizeof(int64_t) + 1);
	if (!acc || conv_int_acc(x, w, xzp, wzp, b, &g, grp, acc)) {
		free(acc);
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	}
	for (size_t oi = 0; oi < o->count; oi++) {
		size_t m = oi / (size_t)(g.oh * g.ow) % (size_t)M;

		if (kind == CONV_INTEGER) {
			((int32_t *)o->data)[oi] = (int32_t)acc[oi];
		} else {
			/*
			 * As ONNX Runtime (MLAS MlasRequantizeOutput): the scale
			 * (x_scale * w_scale) / y_scale in float, the accumulator
			 * times it in float, rounded half to even.
			 */
			float s = (float)gr_value_get_f(in[1], 0) *
				  (float)gr_value_get_f(in[4], in[4]->count == 1 ? 0 : m);

			s = s / (float)gr_value_get_f(in[6], 0);
			gr_store_i(o, oi, gr_ref_requant_f32(acc[oi], s,
							     (int32_t)gr_value_get_i(in[7], 0),
							     o->dtype));
		}
	}
	free(acc);
	return 0;
}

static int ref_conv_float(const struct gr_node *n, const struct gr_value *const *in,
			  struct gr_value **out, struct gr_err *err)
{
	return ref_conv(n, in, out[0], CONV_FLOAT, err);
}

static int ref_qlinearconv(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	return ref_conv(n, in, out[0], CONV_QLINEAR, err);
}

static int ref_convinteger(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value **out, struct gr_err *err)
{
	return ref_conv(n, in, out[0], CONV_INTEGER, err);
}

const struct gr_op_def gr_op_Conv = {
	.name = "Conv", .domain = "", .since = 1,
	.infer = infer_conv_float, .ref = ref_conv_float,
};

const struct gr_op_def gr_op_QLinearConv = {
	.name = "QLinearConv", .domain = "", .since = 10,
	.infer = infer_qlinearconv, .ref = ref_qlinearconv, .lower = lw_qlinearconv,
};

const struct gr_op_def gr_op_ConvInteger = {
	.name = "ConvInteger", .domain = "", .since = 10,
	.infer = infer_convinteger, .ref = ref_convinteger, .lower = lw_convinteger,
};
