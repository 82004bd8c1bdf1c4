// SPDX-License-Identifier: MIT
/* ConvTranspose (float, 1-D, 2-D and 3-D; the fast path and the device
 * take 1-D and 2-D only): groups, strides, dilations, pads,
 * auto_pad, output_padding and output_shape. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/budget.h"
#include "graph/ops/ops.h"

/*
 * An ints attribute of one value per spatial axis (pairs: begins then ends)
 * into v[3] (v[3 + 3] for pairs), right-aligned: the axes a 1-D or 2-D node
 * does not have keep dflt.
 */
static int axes_attr(const struct gr_node *n, const char *name, int spatial, int pairs,
		     int64_t dflt, int64_t *v, int *given, struct gr_err *err)
{
	const struct gr_attr *at = gr_attr_find(n, name);
	int want = pairs ? 2 * spatial : spatial;

	for (int i = 0; i < (pairs ? 6 : 3); i++)
		v[i] = dflt;
	if (given)
		*given = at != NULL;
	if (!at)
		return 0;
	if (at->type != GR_ATTR_INTS || at->n != (size_t)want)
		return NODE_ERR(err, -EINVAL, n,
				"%s must be a list of %d ints for %d spatial axes (got %zu)",
				name, want, spatial, at->type == GR_ATTR_INTS ? at->n : 0);
	for (int i = 0; i < spatial; i++) {
		v[3 - spatial + i] = at->ints[i];
		if (pairs)
			v[3 + 3 - spatial + i] = at->ints[spatial + i];
	}
	return 0;
}

int gr_ct_geometry(const struct gr_node *n, const struct gr_value *x,
		   const struct gr_value *w, struct gr_ct_geom *g, struct gr_err *err)
{
	const char *ap = gr_attr_str(n, "auto_pad", "NOTSET");
	enum gr_autopad auto_pad;
	int spatial = x->rank - 2, has_os, has_kernel;
	int64_t os[3], ks[3], pads[6];
	int rc;

	if (spatial < 1 || spatial > 3 || w->rank != x->rank)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input of rank %d: only 1-D, 2-D and 3-D transposed convolutions are supported",
				x->rank);
	if (!strcmp(ap, "SAME_UPPER"))
		auto_pad = GR_PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		auto_pad = GR_PAD_SAME_LOWER;
	else if (!strcmp(ap, "VALID"))
		auto_pad = GR_PAD_VALID;
	else if (!strcmp(ap, "NOTSET") || !ap[0])
		auto_pad = GR_PAD_NOTSET;
	else
		return NODE_ERR(err, -EINVAL, n, "unknown auto_pad '%s'", ap);
	if ((rc = axes_attr(n, "kernel_shape", spatial, 0, 1, ks, &has_kernel, err)) ||
	    (rc = axes_attr(n, "strides", spatial, 0, 1, g->s, NULL, err)) ||
	    (rc = axes_attr(n, "dilations", spatial, 0, 1, g->d, NULL, err)) ||
	    (rc = axes_attr(n, "pads", spatial, 1, 0, pads, NULL, err)) ||
	    (rc = axes_attr(n, "output_padding", spatial, 0, 0, g->op, NULL, err)) ||
	    (rc = axes_attr(n, "output_shape", spatial, 0, 1, os, &has_os, err)))
		return rc;
	g->group = gr_attr_int(n, "group", 1);
	for (int a = 0; a < 3; a++) {
		int real = a >= 3 - spatial;

		g->in[a] = real ? x->dims[2 + a - (3 - spatial)] : 1;
		g->k[a] = real ? w->dims[2 + a - (3 - spatial)] : 1;
		g->pb[a] = pads[a];
		g->pe[a] = pads[3 + a];
		if (has_kernel && real && ks[a] != g->k[a])
			return NODE_ERR(err, -EINVAL, n, "kernel_shape disagrees with the weights");
	}
	for (int a = 0; a < 3; a++) {
		int64_t ek, full, total;

		if (g->s[a] < 1 || g->d[a] < 1 || g->s[a] > 4096 || g->d[a] > 4096 ||
		    g->k[a] < 1 || g->k[a] > 4096 || g->op[a] < 0 || g->pb[a] < 0 ||
		    g->pe[a] < 0 || g->pb[a] > 4096 || g->pe[a] > 4096)
			return NODE_ERR(err, -EINVAL, n,
					"kernel, strides, dilations, pads or output_padding out of range");
		if (g->in[a] < 0) {
			g->out[a] = -1;
			continue;
		}
		if (g->in[a] > ((int64_t)1 << 40))
			return NODE_ERR(err, -E2BIG, n, "input of %lld on a spatial axis is absurd",
					(long long)g->in[a]);
		if (g->op[a] && g->op[a] >= g->s[a] && g->op[a] >= g->d[a])
			return NODE_ERR(err, -EINVAL, n,
					"output_padding must be smaller than the stride or the dilation");
		ek = (g->k[a] - 1) * g->d[a] + 1;
		full = g->s[a] * (g->in[a] - 1) + g->op[a] + ek;
		if (has_os || auto_pad == GR_PAD_SAME_UPPER || auto_pad == GR_PAD_SAME_LOWER) {
			g->out[a] = has_os ? os[a] : g->in[a] * g->s[a];
			/* an output_shape past the full output: zeros (+ bias) at the end */
			total = full - g->out[a];
			if (total < 0)
				total = 0;
			if (auto_pad == GR_PAD_SAME_UPPER) {
				g->pb[a] = total / 2;
				g->pe[a] = total - total / 2;
			} else {
				g->pb[a] = total - total / 2;
				g->pe[a] = total / 2;
			}
		} else {
			if (auto_pad == GR_PAD_VALID)
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
	int64_t dims[GR_MAX_RANK], m;
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
	if (x->rank < 3 || x->rank > 5)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"input of rank %d: only 1-D, 2-D and 3-D transposed convolutions are supported",
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
	for (int a = 0; a < x->rank - 2; a++)
		dims[2 + a] = g.out[3 - (x->rank - 2) + a];
	if (gr_dims_count(x->rank, dims) > 0 && x->dims[0] >= 0 && x->dims[1] >= 0) {
		/* what the reference visits: every input position times the kernel */
		unsigned __int128 ops = (unsigned __int128)(uint64_t)x->dims[0] *
					(uint64_t)x->dims[1] * (uint64_t)w->dims[1];

		for (int a = 0; a < 3; a++)
			ops *= (unsigned __int128)(uint64_t)g.in[a] * (uint64_t)g.k[a];
		if ((rc = gr_budget_work(n->name, ops > UINT64_MAX ? UINT64_MAX : (uint64_t)ops,
					 err)))
			return rc;
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
	for (int64_t iz = 0; iz < g.in[0]; iz++)
	for (int64_t iy = 0; iy < g.in[1]; iy++)
	for (int64_t ix = 0; ix < g.in[2]; ix++) {
		double xv = X[(((ni * C + c) * g.in[0] + iz) * g.in[1] + iy) * g.in[2] + ix];
		int64_t gi = c / cg;

		for (int64_t mm = 0; mm < mg; mm++) {
			int64_t m = gi * mg + mm;
			const float *wk = W + (c * mg + mm) * g.k[0] * g.k[1] * g.k[2];

			for (int64_t kz = 0; kz < g.k[0]; kz++) {
				int64_t oz = iz * g.s[0] - g.pb[0] + kz * g.d[0];

				if (oz < 0 || oz >= g.out[0])
					continue;
				for (int64_t ky = 0; ky < g.k[1]; ky++) {
					int64_t oy = iy * g.s[1] - g.pb[1] + ky * g.d[1];

					if (oy < 0 || oy >= g.out[1])
						continue;
					for (int64_t kx = 0; kx < g.k[2]; kx++) {
						int64_t ox = ix * g.s[2] - g.pb[2] + kx * g.d[2];

						if (ox < 0 || ox >= g.out[2])
							continue;
						acc[(((ni * M + m) * g.out[0] + oz) * g.out[1] + oy) *
						    g.out[2] + ox] +=
							xv * wk[(kz * g.k[1] + ky) * g.k[2] + kx];
					}
				}
			}
		}
	}
	for (size_t i = 0; i < o->count; i++) {
		size_t m = i / (size_t)(g.out[0] * g.out[1] * g.out[2]) % (size_t)M;

		((float *)o->data)[i] = (float)(acc[i] + (b ? gr_value_get_f(b, m) : 0));
	}
	free(acc);
	return 0;
}

const struct gr_op_def gr_op_ConvTranspose = {
	.name = "ConvTranspose", .domain = "", .since = 1,
	.infer = infer_convtranspose, .ref = ref_convtranspose,
};
