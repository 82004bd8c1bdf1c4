// SPDX-License-Identifier: MIT
/*
 * Resize (opsets 10, 11+) and Upsample (7 to 9): nearest, linear and cubic
 * interpolation over any axes, separable, with ONNX's coordinate
 * transformation modes (half_pixel, pytorch_half_pixel, align_corners,
 * asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize) and nearest modes
 * (round_prefer_floor, round_prefer_ceil, floor, ceil). Upsample and
 * Resize-10 use asymmetric coordinates and, for nearest, the index
 * truncated when upsampling and rounded up when downsampling (as ONNX
 * Runtime does for those versions).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/lower.h"
#include "graph/ops/ops.h"

enum rs_mode { RS_NEAREST, RS_LINEAR, RS_CUBIC };
enum rs_coord { CT_HALF_PIXEL, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS, CT_ASYMMETRIC,
		CT_TF_HALF_PIXEL_NN, CT_TF_CROP_AND_RESIZE };
enum rs_near { NR_ROUND_PREFER_FLOOR, NR_ROUND_PREFER_CEIL, NR_FLOOR, NR_CEIL, NR_SIMPLE };

struct rs_params {
	enum rs_mode mode;
	enum rs_coord coord;
	enum rs_near near;
	double cubic_a, extrapolation;
	int exclude_outside;
	int from_sizes;		/* sizes given: resized lengths are the output's */
	double scale[GR_MAX_RANK];
	double roi_start[GR_MAX_RANK], roi_end[GR_MAX_RANK];
	int64_t out[GR_MAX_RANK];
};

static int pick(const struct gr_node *n, const char *attr, const char *dflt,
		const char *const *names, int count, int *v, struct gr_err *err)
{
	const char *s = gr_attr_str(n, attr, dflt);

	for (int i = 0; i < count; i++)
		if (!strcmp(s, names[i])) {
			*v = i;
			return 0;
		}
	return NODE_ERR(err, -EOPNOTSUPP, n, "%s '%s' is not supported", attr, s);
}

/* Float list input (scales / roi): its count, -EAGAIN if only its shape is known. */
static int float_list(const struct gr_node *n, const struct gr_value *t, const char *what,
		      double *v, int max, struct gr_err *err)
{
	int64_t c = gr_dims_count(t->rank, t->dims);

	if (!gr_dtype_is_float(t->dtype))
		return NODE_ERR(err, -EINVAL, n, "%s must be float (got %s)", what,
				gr_dtype_name(t->dtype));
	if (c < 0 || c > max)
		return NODE_ERR(err, -EINVAL, n, "%s has an unknown or too large length", what);
	if (!t->data)
		return -EAGAIN;
	for (int64_t i = 0; i < c; i++)
		v[i] = gr_value_get_f(t, (size_t)i);
	return (int)c;
}

static int rs_params(const struct gr_node *n, const struct gr_value *const *in,
		     const struct gr_value *x, struct rs_params *p, struct gr_err *err)
{
	static const char *const modes[] = { "nearest", "linear", "cubic" };
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel",
		"align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize" };
	static const char *const nears[] = { "round_prefer_floor", "round_prefer_ceil",
		"floor", "ceil" };
	int upsample = gr_node_is(n, "Upsample"), v11 = !upsample && n->opset >= 11;
	double sc[GR_MAX_RANK], roi[2 * GR_MAX_RANK];
	int64_t sizes[GR_MAX_RANK];
	int rc, ns = 0, nz = 0, v, r = x->rank;
	const char *m = gr_attr_str(n, "mode", "nearest");

	memset(p, 0, sizeof(*p));
	/* Upsample and Resize-10 spell linear "linear" (older "bilinear") */
	if (!strcmp(m, "bilinear"))
		m = "linear";
	for (v = 0; v < 3 && strcmp(m, modes[v]); v++)
		;
	if (v == 3 || (v == RS_CUBIC && !v11))
		return NODE_ERR(err, -EOPNOTSUPP, n, "mode '%s' is not supported", m);
	p->mode = (enum rs_mode)v;
	p->coord = CT_ASYMMETRIC;
	p->near = NR_SIMPLE;
	p->cubic_a = gr_attr_float(n, "cubic_coeff_a", -0.75f);
	p->exclude_outside = (int)gr_attr_int(n, "exclude_outside", 0);
	p->extrapolation = gr_attr_float(n, "extrapolation_value", 0.0f);
	if (gr_attr_int(n, "antialias", 0))
		return NODE_ERR(err, -EOPNOTSUPP, n, "antialias is not supported");
	if (gr_attr_find(n, "axes"))
		return NODE_ERR(err, -EOPNOTSUPP, n, "the axes attribute is not supported");
	if (strcmp(gr_attr_str(n, "keep_aspect_ratio_policy", "stretch"), "stretch"))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"keep_aspect_ratio_policy other than stretch is not supported");
	if (v11) {
		if ((rc = pick(n, "coordinate_transformation_mode", "half_pixel", coords, 6,
			       &v, err)))
			return rc;
		p->coord = (enum rs_coord)v;
		if ((rc = pick(n, "nearest_mode", "round_prefer_floor", nears, 4, &v, err)))
			return rc;
		p->near = (enum rs_near)v;
	}
	for (int k = 0; k < r; k++) {
		p->roi_start[k] = 0;
		p->roi_end[k] = 1;
	}
	if (upsample && n->opset < 9) {
		const struct gr_attr *a = gr_attr_find(n, "scales");

		if (!a || a->type != GR_ATTR_FLOATS || (int)a->n != r)
			return NODE_ERR(err, -EINVAL, n, "scales attribute must have one value per axis");
		for (int k = 0; k < r; k++)
			sc[k] = a->floats[k];
		ns = r;
	} else {
		int si = v11 ? 2 : 1;
		const struct gr_value *s = gr_opt(n, in, si), *z = v11 ? gr_opt(n, in, 3) : NULL;
		const struct gr_value *ro = v11 ? gr_opt(n, in, 1) : NULL;

		if (s && gr_dims_count(s->rank, s->dims) > 0 &&
		    (ns = float_list(n, s, "scales", sc, GR_MAX_RANK, err)) < 0)
			return ns;
		if (z && gr_dims_count(z->rank, z->dims) > 0 &&
		    (nz = gr_int_list(n, z, "sizes", sizes, GR_MAX_RANK, err)) < 0)
			return nz;
		if (p->coord == CT_TF_CROP_AND_RESIZE) {
			int nr;

			if (!ro)
				return NODE_ERR(err, -EINVAL, n, "tf_crop_and_resize needs roi");
			if ((nr = float_list(n, ro, "roi", roi, 2 * GR_MAX_RANK, err)) < 0)
				return nr;
			if (nr != 2 * r)
				return NODE_ERR(err, -EINVAL, n, "roi needs 2 values per axis");
			for (int k = 0; k < r; k++) {
				p->roi_start[k] = roi[k];
				p->roi_end[k] = roi[r + k];
			}
		}
	}
	if ((ns > 0) == (nz > 0))
		return NODE_ERR(err, -EINVAL, n, "exactly one of scales and sizes must be given");
	if ((ns && ns != r) || (nz && nz != r))
		return NODE_ERR(err, -EINVAL, n, "scales / sizes need one value per axis (rank %d)", r);
	for (int k = 0; k < r; k++) {
		double len = x->dims[k] * (p->roi_end[k] - p->roi_start[k]);

		if (x->dims[k] < 0)
			return -EAGAIN;
		if (ns) {
			if (!(sc[k] > 0) || !isfinite(sc[k]))
				return NODE_ERR(err, -EINVAL, n, "scale %g must be positive", sc[k]);
			p->scale[k] = sc[k];
			p->out[k] = (int64_t)floor(len * sc[k]);
		} else {
			if (sizes[k] < 0)
				return NODE_ERR(err, -EINVAL, n, "negative size");
			p->out[k] = sizes[k];
			p->from_sizes = 1;
			p->scale[k] = x->dims[k] ? (double)sizes[k] / (double)x->dims[k] : 1;
		}
		if (p->out[k] > GR_MAX_ELEMS)
			return NODE_ERR(err, -E2BIG, n, "absurd output size");
		if (p->mode != RS_NEAREST && x->dims[k] == 0 && p->out[k] > 0)
			return NODE_ERR(err, -EINVAL, n, "cannot interpolate an empty axis");
	}
	return 0;
}

static int infer_resize(const struct gr_node *n, const struct gr_value *const *in,
			struct gr_value *out, struct gr_err *err)
{
	struct rs_params p;
	int64_t dims[GR_MAX_RANK];
	int rc;

	if ((rc = gr_need(n, in, 0, err)))
		return rc;
	if (!gr_dtype_is_float(in[0]->dtype) && in[0]->dtype != GR_INT8 &&
	    in[0]->dtype != GR_UINT8)
		return NODE_ERR(err, -EOPNOTSUPP, n, "input of type %s",
				gr_dtype_name(in[0]->dtype));
	rc = rs_params(n, in, in[0], &p, err);
	if (rc == -EAGAIN) {
		for (int k = 0; k < in[0]->rank; k++)
			dims[k] = -1;
		gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, dims);
		return 0;
	}
	if (rc)
		return rc;
	if (p.mode != RS_NEAREST && !gr_dtype_is_float(in[0]->dtype))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"linear / cubic interpolation of %s (quantized graphs put Resize between DequantizeLinear and QuantizeLinear)",
				gr_dtype_name(in[0]->dtype));
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, p.out);
	return 0;
}

/* Input coordinate of output index i along axis k. */
static double original(const struct rs_params *p, int k, int64_t i, int64_t in_len)
{
	double s = p->scale[k], x = (double)i;
	/* the resized length before flooring, as ONNX's reference uses it */
	double out_len = p->from_sizes ? (double)p->out[k] : (double)in_len * s;

	switch (p->coord) {
	case CT_HALF_PIXEL:
		return (x + 0.5) / s - 0.5;
	case CT_PYTORCH_HALF_PIXEL:
		return p->out[k] > 1 ? (x + 0.5) / s - 0.5 : 0;
	case CT_ALIGN_CORNERS:
		return out_len == 1 ? 0 : x * (double)(in_len - 1) / (out_len - 1);
	case CT_TF_HALF_PIXEL_NN:
		return (x + 0.5) / s;
	case CT_TF_CROP_AND_RESIZE:
		if (!p->from_sizes)
			out_len *= p->roi_end[k] - p->roi_start[k];
		if (p->out[k] > 1)
			return p->roi_start[k] * (double)(in_len - 1) +
			       x * (p->roi_end[k] - p->roi_start[k]) * (double)(in_len - 1) /
			       (out_len - 1);
		return 0.5 * (p->roi_start[k] + p->roi_end[k]) * (double)(in_len - 1);
	default:
		return x / s;
	}
}

static int64_t nearest(const struct rs_params *p, double x, int downsample)
{
	switch (p->near) {
	case NR_ROUND_PREFER_FLOOR:
		return x == floor(x) + 0.5 ? (int64_t)floor(x) : (int64_t)llround(x);
	case NR_ROUND_PREFER_CEIL:
		return (int64_t)floor(x + 0.5);
	case NR_FLOOR:
		return (int64_t)floor(x);
	case NR_CEIL:
		return (int64_t)ceil(x);
	default:
		return downsample ? (int64_t)ceil(x) : (int64_t)x;
	}
}

static double cubic_w(double t, double a)
{
	t = fabs(t);
	if (t <= 1)
		return ((a + 2) * t - (a + 3)) * t * t + 1;
	if (t < 2)
		return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
	return 0;
}

/* Up to 4 taps (index, weight) per output index of one axis; index -1: extrapolate. */
struct taps {
	int n;
	int64_t idx[4];
	double w[4];
};

static void axis_taps(const struct rs_params *p, int k, int64_t i, int64_t len, struct taps *t)
{
	double x = original(p, k, i, len);

	t->n = 0;
	if (p->coord == CT_TF_CROP_AND_RESIZE && (x < 0 || x > (double)(len - 1))) {
		t->n = 1;
		t->idx[0] = -1;
		t->w[0] = 1;
		return;
	}
	if (p->mode == RS_NEAREST) {
		int64_t j = nearest(p, x, p->scale[k] < 1);

		t->n = 1;
		t->idx[0] = j < 0 ? 0 : j >= len ? len - 1 : j;
		t->w[0] = 1;
		return;
	}
	if (p->mode == RS_LINEAR) {
		double xc = x < 0 ? 0 : x > (double)(len - 1) ? (double)(len - 1) : x;
		int64_t j = (int64_t)floor(xc);
		double f = xc - (double)j;

		t->n = 2;
		t->idx[0] = j;
		t->idx[1] = j + 1 < len ? j + 1 : len - 1;
		t->w[0] = 1 - f;
		t->w[1] = f;
		return;
	}
	{
		int64_t j = (int64_t)floor(x);
		double f = x - (double)j, sum = 0;

		t->n = 4;
		for (int q = 0; q < 4; q++) {
			int64_t s = j - 1 + q;

			t->w[q] = cubic_w(f + 1 - q, p->cubic_a);
			if (p->exclude_outside && (s < 0 || s >= len))
				t->w[q] = 0;
			t->idx[q] = s < 0 ? 0 : s >= len ? len - 1 : s;
			sum += t->w[q];
		}
		if (p->exclude_outside && sum != 0)
			for (int q = 0; q < 4; q++)
				t->w[q] /= sum;
	}
}

static int ref_resize(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	struct gr_value *o = out[0];
	struct taps *tp[GR_MAX_RANK] = { 0 };
	int64_t xst[GR_MAX_RANK];
	struct rs_params p;
	int r = x->rank, rc;

	if ((rc = rs_params(n, in, x, &p, err)))
		return rc == -EAGAIN ? NODE_ERR(err, -EINVAL, n, "scales / sizes unknown") : rc;
	gr_strides(x, xst);
	for (int k = 0; k < r; k++) {
		tp[k] = calloc((size_t)p.out[k] + 1, sizeof(struct taps));
		if (!tp[k]) {
			rc = NODE_ERR(err, -ENOMEM, n, "out of memory");
			goto out;
		}
		for (int64_t i = 0; i < p.out[k]; i++)
			axis_taps(&p, k, i, x->dims[k], &tp[k][i]);
	}
	for (size_t i = 0; i < o->count; i++) {
		const struct taps *t[GR_MAX_RANK];
		int q[GR_MAX_RANK] = { 0 }, extrapolate = 0;
		int64_t rem = (int64_t)i;
		double acc = 0;

		for (int k = r - 1; k >= 0; k--) {
			t[k] = &tp[k][rem % o->dims[k]];
			rem /= o->dims[k];
			extrapolate |= t[k]->idx[0] < 0;
		}
		if (extrapolate) {
			gr_value_set_f(o, i, p.extrapolation);
			continue;
		}
		/* every combination of the axes' taps (an odometer over q[]) */
		for (;;) {
			double w = 1;
			int64_t off = 0;
			int k;

			for (k = 0; k < r; k++) {
				w *= t[k]->w[q[k]];
				off += t[k]->idx[q[k]] * xst[k];
			}
			if (w != 0)
				acc += w * gr_value_get_f(x, (size_t)off);
			for (k = r - 1; k >= 0 && ++q[k] == t[k]->n; k--)
				q[k] = 0;
			if (k < 0)
				break;
		}
		if (p.mode == RS_NEAREST && !gr_dtype_is_float(o->dtype))
			gr_value_set_i(o, i, (int64_t)acc);
		else
			gr_value_set_f(o, i, acc);
	}
out:
	for (int k = 0; k < r; k++)
		free(tp[k]);
	return rc;
}

/* nearest x2 on an 8-bit tensor: the device's DMA-only upsample (graph/lower_resize.c) */
const struct gr_op_def gr_op_Resize = {
	.name = "Resize", .domain = "", .since = 10,
	.infer = infer_resize, .ref = ref_resize, .lower = lw_resize,
};

const struct gr_op_def gr_op_Upsample = {
	.name = "Upsample", .domain = "", .since = 7, .until = 9,
	.infer = infer_resize, .ref = ref_resize, .lower = lw_resize,
};
