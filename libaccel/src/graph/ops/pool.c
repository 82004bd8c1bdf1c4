// SPDX-License-Identifier: MIT
/*
 * Pooling: MaxPool (with its optional Indices output), AveragePool,
 * GlobalAveragePool over 1-D, 2-D or 3-D windows. 1-D and 2-D windows are
 * resolved by gr_infer_window as Conv's (the device lowering reads the same
 * geometry); 3-D ones by gr_window_nd, and only this reference runs them.
 */
#include <errno.h>
#include <math.h>

#include "graph/budget.h"

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
	if (n->n_out > 1 && kind != POOL_MAX)
		return NODE_ERR(err, -EINVAL, n, "%d outputs: the op has one", n->n_out);
	if (n->n_out > 2)
		return NODE_ERR(err, -EINVAL, n, "%d outputs: MaxPool has Y and Indices",
				n->n_out);
	if (kind == POOL_MAX) {
		int64_t so = gr_attr_int(n, "storage_order", 0);

		if (so != 0 && so != 1)
			return NODE_ERR(err, -EINVAL, n, "storage_order must be 0 or 1 (got %lld)",
					(long long)so);
	}
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
	if (x->rank >= 5) {
		struct gr_geom_nd nd;

		if ((rc = gr_window_nd(n, x, &nd, err)))
			return rc;
		dims[0] = x->dims[0];
		dims[1] = x->dims[1];
		for (int a = 0; a < nd.spatial; a++)
			dims[2 + a] = nd.out[a];
		if (gr_dims_count(x->rank, dims) > 0 && x->dims[0] >= 0 && x->dims[1] >= 0) {
			/* what the reference visits: every window position of every plane */
			unsigned __int128 ops = (unsigned __int128)gr_dims_count(x->rank, dims);

			for (int a = 0; a < nd.spatial; a++)
				ops *= (uint64_t)nd.k[a];
			if ((rc = gr_budget_work(n->name,
						 ops > UINT64_MAX ? UINT64_MAX : (uint64_t)ops,
						 err)))
				return rc;
		}
	} else {
		if ((rc = gr_node_window(n, &win, err)))
			return rc;
		if (!win.has_kernel)
			return NODE_ERR(err, -EINVAL, n, "kernel_shape attribute is required");
		if ((rc = gr_infer_window(n, x, win.kh, win.kw, &g, err)))
			return rc;
		gr_window_out(x, x->dims[1], &g, dims);
	}
	gr_set_shape(&out[0], x->dtype, x->rank, dims);
	/* Indices: flat positions in X (N x C x spatial), int64 */
	if (n->n_out > 1)
		gr_set_shape(&out[1], GR_INT64, x->rank, dims);
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
		    struct gr_value *o, struct gr_value *idx, enum pool_kind kind,
		    struct gr_err *err)
{
	int64_t N = x->dims[0], C = x->dims[1];
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3], plane_in;
	int col_major = kind == POOL_MAX && gr_attr_int(n, "storage_order", 0) == 1;
	struct gr_window win;
	struct gr_geom_nd nd;
	struct gr_geom g;
	size_t oi = 0;
	int rc;

	if (kind == POOL_GLOBAL_AVG) {
		int64_t sp = 1;

		for (int i = 2; i < x->rank; i++)
			sp *= x->dims[i];
		for (int64_t i = 0; i < N * C; i++) {
			double acc = 0;

			for (int64_t kk = 0; kk < sp; kk++)
				acc += ((const float *)x->data)[i * sp + kk];
			((float *)o->data)[i] = (float)(acc / (double)sp);
		}
		return 0;
	}
	if (x->rank >= 5) {
		/* count_include_pad is the only attribute gr_window_nd leaves */
		win.count_include_pad = (int)gr_attr_int(n, "count_include_pad", 0);
		if ((rc = gr_window_nd(n, x, &nd, err)))
			return rc;
	} else {
		if ((rc = gr_node_window(n, &win, err)) ||
		    (rc = gr_infer_window(n, x, win.kh, win.kw, &g, err)))
			return rc;
		gr_geom_to_nd(&g, x->rank, &nd);
	}
	/* as 3-D: leading axes of size 1 (a 1 x 1 window, no pads) */
	for (int a = 0, src = nd.spatial - 3; a < 3; a++, src++) {
		int pad = src < 0;

		in[a] = pad ? 1 : nd.in[src];
		k[a] = pad ? 1 : nd.k[src];
		s[a] = pad ? 1 : nd.s[src];
		d[a] = pad ? 1 : nd.d[src];
		pb[a] = pad ? 0 : nd.pb[src];
		pe[a] = pad ? 0 : nd.pe[src];
		out[a] = pad ? 1 : nd.out[src];
	}
	plane_in = in[0] * in[1] * in[2];
	if (idx && plane_in > 0 &&
	    (uint64_t)N * (uint64_t)C > (uint64_t)INT64_MAX / (uint64_t)plane_in)
		return NODE_ERR(err, -EOVERFLOW, n,
				"Indices: the input's %lld x %lld x %lld positions overflow int64",
				(long long)N, (long long)C, (long long)plane_in);
	for (int64_t nc = 0; nc < N * C; nc++)
	for (int64_t oz = 0; oz < out[0]; oz++)
	for (int64_t oy = 0; oy < out[1]; oy++)
	for (int64_t ox = 0; ox < out[2]; ox++, oi++) {
		double best = -INFINITY, sum = 0;
		int64_t cnt = 0, padcnt = 0, best_at = -1;

		for (int64_t kz = 0; kz < k[0]; kz++) {
			int64_t iz = oz * s[0] - pb[0] + kz * d[0];

			for (int64_t ky = 0; ky < k[1]; ky++) {
				int64_t iy = oy * s[1] - pb[1] + ky * d[1];

				for (int64_t kx = 0; kx < k[2]; kx++) {
					int64_t ix = ox * s[2] - pb[2] + kx * d[2];

					if (iz >= -pb[0] && iz < in[0] + pe[0] &&
					    iy >= -pb[1] && iy < in[1] + pe[1] &&
					    ix >= -pb[2] && ix < in[2] + pe[2])
						padcnt++;
					if (iz < 0 || iz >= in[0] || iy < 0 || iy >= in[1] ||
					    ix < 0 || ix >= in[2])
						continue;
					double v = gr_value_get_f(x, (size_t)(((nc * in[0] + iz) *
									     in[1] + iy) *
									    in[2] + ix));

					/* the first maximum in window order, as ONNX's reference */
					if (v > best || best_at < 0) {
						best = v;
						best_at = col_major ?
							  (ix * in[1] + iy) * in[0] + iz :
							  (iz * in[1] + iy) * in[2] + ix;
					}
					sum += v;
					cnt++;
				}
			}
		}
		if (kind == POOL_MAX) {
			if (o->dtype == GR_FLOAT)
				((float *)o->data)[oi] = (float)best;
			else	/* a window of padding only has no maximum: the type's least */
				gr_store_i(o, oi, cnt ? (int64_t)best : gr_qmin(o->dtype));
			/* a window of padding only points nowhere in X: -1 */
			if (idx)
				((int64_t *)idx->data)[oi] =
					best_at < 0 ? -1 : nc * plane_in + best_at;
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
	return ref_pool(n, in[0], out[0], n->n_out > 1 ? out[1] : NULL, POOL_MAX, err);
}

static int ref_avgpool(const struct gr_node *n, const struct gr_value *const *in,
		       struct gr_value **out, struct gr_err *err)
{
	return ref_pool(n, in[0], out[0], NULL, POOL_AVG, err);
}

static int ref_globalavgpool(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value **out, struct gr_err *err)
{
	return ref_pool(n, in[0], out[0], NULL, POOL_GLOBAL_AVG, err);
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
