// SPDX-License-Identifier: MIT
/* Pooling: MaxPool, AveragePool, GlobalAveragePool over 1-D or 2-D windows. */
#include <errno.h>
#include <math.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"
#include "graph/window.h"

enum pool_kind { POOL_MAX, POOL_AVG, POOL_GLOBAL_AVG };

static int infer_pool(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, enum pool_kind kind, struct gr_err *err)
{
	const struct gr_value *x;
	struct gr_window win;
	int64_t dims[GR_MAX_RANK];
	struct gr_geom g;
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	x = in[0];
	if (n->n_out > 1)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"the Indices output of MaxPool is not supported");
	if (kind == POOL_MAX) {
		if (x->dtype != GR_FLOAT && !gr_is_q8(x->dtype))
			return NODE_ERR(err, -EOPNOTSUPP, n,
					"input must be float, int8 or uint8 (got %s)",
					gr_dtype_name(x->dtype));
	} else if (x->dtype != GR_FLOAT) {
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input must be float (got %s); quantized graphs put it between DequantizeLinear and QuantizeLinear",
				gr_dtype_name(x->dtype));
	}
	if (x->rank < 3)
		return NODE_ERR(err, -EINVAL, n, "input must be N x C x spatial");
	if (kind == POOL_GLOBAL_AVG) {
		for (int i = 0; i < x->rank; i++)
			dims[i] = i < 2 ? x->dims[i] : 1;
		gr_set_shape(&out[0], x->dtype, x->rank, dims);
		return 0;
	}
	if ((rc = gr_node_window(n, &win, err)))
		return rc;
	if (!win.has_kernel)
		return NODE_ERR(err, -EINVAL, n, "kernel_shape attribute is required");
	if ((rc = gr_infer_window(n, x, win.kh, win.kw, &g, err)))
		return rc;
	gr_window_out(x, x->dims[1], &g, dims);
	gr_set_shape(&out[0], x->dtype, x->rank, dims);
	return 0;
}

static int infer_maxpool(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	return infer_pool(n, in, out, POOL_MAX, err);
}

static int infer_avgpool(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value *out, struct gr_err *err)
{
	return infer_pool(n, in, out, POOL_AVG, err);
}

static int infer_globalavgpool(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value *out, struct gr_err *err)
{
	return infer_pool(n, in, out, POOL_GLOBAL_AVG, err);
}

static int ref_pool(const struct gr_node *n, const struct gr_value *x,
		    struct gr_value *o, enum pool_kind kind, struct gr_err *err)
{
	int64_t N = x->dims[0], C = x->dims[1];
	struct gr_window win;
	struct gr_geom g;
	int rc;

	if (kind == POOL_GLOBAL_AVG) {
		int64_t sp = 1;

		for (int i = 2; i < x->rank; i++)
			sp *= x->dims[i];
		for (int64_t i = 0; i < N * C; i++) {
			double acc = 0;

			for (int64_t k = 0; k < sp; k++)
				acc += ((const float *)x->data)[i * sp + k];
			((float *)o->data)[i] = (float)(acc / (double)sp);
		}
		return 0;
	}
	if ((rc = gr_node_window(n, &win, err)) ||
	    (rc = gr_infer_window(n, x, win.kh, win.kw, &g, err)))
		return rc;
	for (int64_t nc = 0; nc < N * C; nc++)
	for (int64_t oy = 0; oy < g.oh; oy++)
	for (int64_t ox = 0; ox < g.ow; ox++) {
		double best = -INFINITY, sum = 0;
		int64_t cnt = 0, padcnt = 0;

		for (int64_t i = 0; i < g.kh; i++) {
			int64_t iy = oy * g.sh - g.pt + i * g.dh;

			for (int64_t j = 0; j < g.kw; j++) {
				int64_t ix = ox * g.sw - g.pl + j * g.dw;

				if (iy >= -g.pt && iy < g.ih + g.pb &&
				    ix >= -g.pl && ix < g.iw + g.pr)
					padcnt++;
				if (iy < 0 || iy >= g.ih || ix < 0 || ix >= g.iw)
					continue;
				double v = gr_value_get_f(x, (size_t)((nc * g.ih + iy) * g.iw + ix));

				if (v > best)
					best = v;
				sum += v;
				cnt++;
			}
		}
		size_t oi = (size_t)((nc * g.oh + oy) * g.ow + ox);

		if (kind == POOL_MAX) {
			if (o->dtype == GR_FLOAT)
				((float *)o->data)[oi] = (float)best;
			else	/* a window of padding only has no maximum: the type's least */
				gr_store_i(o, oi, cnt ? (int64_t)best : gr_qmin(o->dtype));
		} else {
			int64_t div = win.count_include_pad ? padcnt : cnt;

			((float *)o->data)[oi] = (float)(div ? sum / (double)div : 0);
		}
	}
	return 0;
}

static int ref_maxpool(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	return ref_pool(n, in[0], out[0], POOL_MAX, err);
}

static int ref_avgpool(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	return ref_pool(n, in[0], out[0], POOL_AVG, err);
}

static int ref_globalavgpool(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value **out, struct gr_err *err)
{
	return ref_pool(n, in[0], out[0], POOL_GLOBAL_AVG, err);
}

const struct gr_op_def gr_op_MaxPool = {
	.name = "MaxPool", .domain = "", .since = 1,
	.infer = infer_maxpool, .ref = ref_maxpool, .lower = lw_maxpool,
};

const struct gr_op_def gr_op_AveragePool = {
	.name = "AveragePool", .domain = "", .since = 1,
	.infer = infer_avgpool, .ref = ref_avgpool,
};

const struct gr_op_def gr_op_GlobalAveragePool = {
	.name = "GlobalAveragePool", .domain = "", .since = 1,
	.infer = infer_globalavgpool, .ref = ref_globalavgpool,
};
