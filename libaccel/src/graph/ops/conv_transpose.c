// SPDX-License-Identifier: MIT
/* ConvTranspose (float, 1-D and 2-D): groups, strides, dilations, pads,
 * auto_pad, output_padding and output_shape. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ops/ops.h"

/* A 1- or 2-value ints attribute as [h, w] (1-D: h = dflt). */
static int pair_attr(const struct gr_node *n, const char *name, int spatial, int64_t dflt,
		     int64_t *v, int *given, struct gr_err *err)
{
	const int64_t *a;
	int c = gr_attr_ints(n, name, &a);

	v[0] = v[1] = dflt;
	*given = c >= 0;
	if (c < 0)
		return 0;
	if (c != spatial)
		return NODE_ERR(err, -EINVAL, n, "%s has %d values for %d spatial axes",
				name, c, spatial);
	for (int i = 0; i < c; i++)
		v[2 - spatial + i] = a[i];
	return 0;
}

int gr_ct_geometry(const struct gr_node *n, const struct gr_value *x,
		   const struct gr_value *w, struct gr_ct_geom *g, struct gr_err *err)
{
	struct gr_window win;
	int spatial = x->rank - 2, has_os, has_op;
	int64_t os[2];
	int rc;

	if ((rc = gr_node_window(n, &win, err)))
		return rc;
	if ((rc = pair_attr(n, "output_padding", spatial, 0, g->op, &has_op, err)) ||
	    (rc = pair_attr(n, "output_shape", spatial, -1, os, &has_os, err)))
		return rc;
	/* a 1-D output_shape gives the width: the height is 1 */
	if (spatial == 1)
		os[0] = 1;
	g->group = win.group;
	g->in[0] = spatial == 2 ? x->dims[2] : 1;
	g->in[1] = x->dims[x->rank - 1];
	g->k[0] = spatial == 2 ? w->dims[2] : 1;
	g->k[1] = w->dims[w->rank - 1];
	g->s[0] = win.sh;
	g->s[1] = win.sw;
	g->d[0] = win.dh;
	g->d[1] = win.dw;
	g->pb[0] = win.pt;
	g->pb[1] = win.pl;
	g->pe[0] = win.pb;
	g->pe[1] = win.pr;
	if (win.has_kernel && (win.kw != g->k[1] || (spatial == 2 && win.kh != g->k[0])))
		return NODE_ERR(err, -EINVAL, n, "kernel_shape disagrees with the weights");
	for (int a = 0; a < 2; a++) {
		int64_t ek, full, total;

		if (g->s[a] < 1 || g->d[a] < 1 || g->s[a] > 4096 || g->d[a] > 4096 ||
		    g->k[a] > 4096 || g->op[a] < 0 || g->pb[a] < 0 || g->pe[a] < 0 ||
		    g->pb[a] > 4096 || g->pe[a] > 4096)
			return NODE_ERR(err, -EINVAL, n,
					"strides, dilations, pads or output_padding out of range");
		if (g->op[a] >= g->s[a] && g->op[a] >= g->d[a])
			return NODE_ERR(err, -EINVAL, n,
					"output_padding must be smaller than the stride or the dilation");
		ek = (g->k[a] - 1) * g->d[a] + 1;
		full = g->s[a] * (g->in[a] - 1) + g->op[a] + ek;
		if (has_os || win.auto_pad == GR_PAD_SAME_UPPER || win.auto_pad == GR_PAD_SAME_LOWER) {
			g->out[a] = has_os ? os[a] : g->in[a] * g->s[a];
			/* an output_shape past the full output: zeros (+ bias) at the end */
			total = full - g->out[a];
			if (total < 0)
				total = 0;
			if (win.auto_pad == GR_PAD_SAME_UPPER) {
				g->pb[a] = total / 2;
				g->pe[a] = total - total / 2;
			} else {
				g->pb[a] = total - total / 2;
				g->pe[a] = total / 2;
			}
		} else {
			if (win.auto_pad == GR_PAD_VALID)
				g->pb[a] = g->pe[a] = 0;
			g->out[a] = full - g->pb[a] - g->pe[a];
		}
		if (g->out[a] < 1)
			return NODE_ERR(err, -EINVAL, n, "output would be empty");
	}
	return 0;
}

static int infer_convtranspose(const struct gr_node *n, const struct gr_value *const *in,
			       struct gr_value *out, struct gr_err *err)
{
	const struct gr_value *x, *w, *b;
	struct gr_ct_geom g;
	int64_t dims[4], m;
	char b1[64], b2[64];
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need(n, in, 1, err)))
		return rc;
	x = in[0];
	w = in[1];
	b = gr_opt(n, in, 2);
	if (x->dtype != GR_FLOAT || w->dtype != GR_FLOAT || (b && b->dtype != GR_FLOAT))
		return NODE_ERR(err, -EOPNOTSUPP, n, "ConvTranspose runs on float tensors here");
	if (x->rank != w->rank)
		return NODE_ERR(err, -EINVAL, n, "input %s and weights %s must have the same rank",
				gr_dims_str(x, b1, sizeof(b1)), gr_dims_str(w, b2, sizeof(b2)));
	if (x->rank != 3 && x->rank != 4)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input of rank %d: only 1-D and 2-D transposed convolutions are supported",
				x->rank);
	if ((rc = gr_ct_geometry(n, x, w, &g, err)))
		return rc;
	if (g.group < 1 || (x->dims[1] >= 0 && x->dims[1] % g.group))
		return NODE_ERR(err, -EINVAL, n, "group %lld does not divide the %lld channels",
				(long long)g.group, (long long)x->dims[1]);
	if (x->dims[1] >= 0 && w->dims[0] != x->dims[1])
		return NODE_ERR(err, -EINVAL, n,
				"shape mismatch: input %s has %lld channels but weights %s have %lld",
				gr_dims_str(x, b1, sizeof(b1)), (long long)x->dims[1],
				gr_dims_str(w, b2, sizeof(b2)), (long long)w->dims[0]);
	m = w->dims[1] * g.group;
	if (b && (b->rank != 1 || b->dims[0] != m))
		return NODE_ERR(err, -EINVAL, n, "bias must be 1-D with %lld values", (long long)m);
	dims[0] = x->dims[0];
	dims[1] = m;
	if (x->rank == 3) {
		dims[2] = g.out[1];
	} else {
		dims[2] = g.out[0];
		dims[3] = g.out[1];
	}
	gr_set_shape(&out[0], GR_FLOAT, x->rank, dims);
	return 0;
}

static int ref_convtranspose(const struct gr_node *n, const struct gr_value *const *in,
			     struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0], *w = in[1], *b = gr_opt(n, in, 2);
	const float *X = x->data, *W = w->data;
	struct gr_value *o = out[0];
	int64_t N = x->dims[0], C = x->dims[1], cg, mg, M;
	struct gr_ct_geom g;
	double *acc;
	int rc;

	if ((rc = gr_ct_geometry(n, x, w, &g, err)))
		return rc;
	cg = C / g.group;
	mg = w->dims[1];
	M = mg * g.group;
	acc = calloc(o->count + 1, sizeof(double));
	if (!acc)
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	for (int64_t ni = 0; ni < N; ni++)
	for (int64_t c = 0; c < C; c++)
	for (int64_t iy = 0; iy < g.in[0]; iy++)
	for (int64_t ix = 0; ix < g.in[1]; ix++) {
		double xv = X[((ni * C + c) * g.in[0] + iy) * g.in[1] + ix];
		int64_t gi = c / cg;

		for (int64_t mm = 0; mm < mg; mm++) {
			int64_t m = gi * mg + mm;

			for (int64_t ky = 0; ky < g.k[0]; ky++) {
				int64_t oy = iy * g.s[0] - g.pb[0] + ky * g.d[0];

				if (oy < 0 || oy >= g.out[0])
					continue;
				for (int64_t kx = 0; kx < g.k[1]; kx++) {
					int64_t ox = ix * g.s[1] - g.pb[1] + kx * g.d[1];

					if (ox < 0 || ox >= g.out[1])
						continue;
					acc[((ni * M + m) * g.out[0] + oy) * g.out[1] + ox] +=
						xv * W[((c * mg + mm) * g.k[0] + ky) * g.k[1] + kx];
				}
			}
		}
	}
	for (size_t i = 0; i < o->count; i++) {
		size_t m = i / (size_t)(g.out[0] * g.out[1]) % (size_t)M;

		((float *)o->data)[i] = (float)(acc[i] + (b ? gr_value_get_f(b, m) : 0));
	}
	free(acc);
	return 0;
}

const struct gr_op_def gr_op_ConvTranspose = {
	.name = "ConvTranspose", .domain = "", .since = 1,
	.infer = infer_convtranspose, .ref = ref_convtranspose,
};
