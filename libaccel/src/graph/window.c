// SPDX-License-Identifier: MIT
/* Conv / pool output-size arithmetic with ONNX's auto_pad and ceil_mode. */
#include <errno.h>
#include <string.h>

#include "graph/window.h"

static int64_t ceil_div(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

/* One spatial axis; pads in/out. */
static int64_t axis_out(const struct gr_window *w, int64_t in, int64_t k,
			int64_t s, int64_t d, int64_t *pb, int64_t *pe)
{
	int64_t ek = d * (k - 1) + 1;	/* effective kernel extent */
	int64_t out;

	switch (w->auto_pad) {
	case GR_PAD_SAME_UPPER:
	case GR_PAD_SAME_LOWER: {
		int64_t total;

		out = ceil_div(in, s);
		total = (out - 1) * s + ek - in;
		if (total < 0)
			total = 0;
		if (w->auto_pad == GR_PAD_SAME_UPPER)
			*pb = total / 2;
		else
			*pb = total - total / 2;
		*pe = total - *pb;
		return out;
	}
	case GR_PAD_VALID:
		*pb = *pe = 0;
		if (in < ek)
			return 0;
		return (in - ek) / s + 1;
	default:
		break;
	}
	if (in + *pb + *pe < ek)
		return 0;
	if (w->ceil_mode) {
		out = ceil_div(in + *pb + *pe - ek, s) + 1;
		/* the last window must start inside the input or left pad */
		if ((out - 1) * s >= in + *pb)
			out--;
	} else {
		out = (in + *pb + *pe - ek) / s + 1;
	}
	return out;
}

int gr_window_resolve(const struct gr_window *w, int64_t ih, int64_t iw,
		      int64_t kh, int64_t kw, struct gr_geom *g,
		      struct gr_err *err, const char *node)
{
	g->ih = ih;
	g->iw = iw;
	g->kh = kh;
	g->kw = kw;
	g->sh = w->sh;
	g->sw = w->sw;
	g->dh = w->dh;
	g->dw = w->dw;
	g->pt = w->pt;
	g->pl = w->pl;
	g->pb = w->pb;
	g->pr = w->pr;
	if (kh < 1 || kw < 1 || g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1)
		return gr_err_set(err, -EINVAL,
				  "node '%s': kernel, strides and dilations must be >= 1",
				  node);
	if (g->pt < 0 || g->pl < 0 || g->pb < 0 || g->pr < 0)
		return gr_err_set(err, -EINVAL, "node '%s': negative pads", node);
	if (kh > 4096 || kw > 4096 || g->sh > 4096 || g->sw > 4096 ||
	    g->pt > 4096 || g->pb > 4096 || g->pl > 4096 || g->pr > 4096 ||
	    g->dh > 4096 || g->dw > 4096)
		return gr_err_set(err, -E2BIG,
				  "node '%s': absurd kernel, stride, pad or dilation (> 4096)",
				  node);
	if (ih < 0 || iw < 0) {
		g->oh = g->ow = -1;
		return 0;
	}
	g->oh = axis_out(w, ih, kh, g->sh, g->dh, &g->pt, &g->pb);
	g->ow = axis_out(w, iw, kw, g->sw, g->dw, &g->pl, &g->pr);
	if (g->oh < 1 || g->ow < 1)
		return gr_err_set(err, -EINVAL,
				  "node '%s': window %lldx%lld does not fit the %lldx%lld input (output would be empty)",
				  node, (long long)kh, (long long)kw, (long long)ih,
				  (long long)iw);
	return 0;
}

/* ints attribute name of want values into v, or dflt when absent */
static int nd_ints(const struct gr_node *n, const char *name, size_t want, int64_t dflt,
		   int64_t *v, struct gr_err *err)
{
	const struct gr_attr *a = gr_attr_find(n, name);

	if (!a) {
		for (size_t i = 0; i < want; i++)
			v[i] = dflt;
		return 0;
	}
	if (a->type != GR_ATTR_INTS || a->n != want)
		return gr_err_set(err, -EINVAL,
				  "node '%s': attribute %s must be a list of %zu ints for a %zu-D window",
				  n->name, name, want, name[0] == 'p' ? want / 2 : want);
	memcpy(v, a->ints, want * sizeof(int64_t));
	return 1;
}

int gr_window_nd(const struct gr_node *n, const struct gr_value *x,
		 struct gr_geom_nd *g, struct gr_err *err)
{
	const char *ap = gr_attr_str(n, "auto_pad", "NOTSET");
	struct gr_window w = { 0 };
	int64_t pads[2 * GR_MAX_SPATIAL];
	int sp = x->rank - 2, rc, known = 1;

	memset(g, 0, sizeof(*g));
	if (sp < 1 || sp > GR_MAX_SPATIAL)
		return gr_err_set(err, -EOPNOTSUPP,
				  "node '%s': %d-D input (rank %d): only 1-D to %d-D windows are supported",
				  n->name, sp, x->rank, GR_MAX_SPATIAL);
	g->spatial = sp;
	if ((rc = nd_ints(n, "kernel_shape", (size_t)sp, 1, g->k, err)) < 0)
		return rc;
	if (!rc)
		return gr_err_set(err, -EINVAL, "node '%s': kernel_shape attribute is required",
				  n->name);
	if ((rc = nd_ints(n, "strides", (size_t)sp, 1, g->s, err)) < 0 ||
	    (rc = nd_ints(n, "dilations", (size_t)sp, 1, g->d, err)) < 0 ||
	    (rc = nd_ints(n, "pads", 2 * (size_t)sp, 0, pads, err)) < 0)
		return rc;
	if (!strcmp(ap, "SAME_UPPER"))
		w.auto_pad = GR_PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		w.auto_pad = GR_PAD_SAME_LOWER;
	else if (!strcmp(ap, "VALID"))
		w.auto_pad = GR_PAD_VALID;
	else if (!strcmp(ap, "NOTSET") || !ap[0])
		w.auto_pad = GR_PAD_NOTSET;
	else
		return gr_err_set(err, -EINVAL, "node '%s': unknown auto_pad '%s'", n->name, ap);
	w.ceil_mode = (int)gr_attr_int(n, "ceil_mode", 0);
	for (int a = 0; a < sp; a++) {
		g->in[a] = x->dims[2 + a];
		g->pb[a] = pads[a];
		g->pe[a] = pads[sp + a];
		if (g->k[a] < 1 || g->s[a] < 1 || g->d[a] < 1)
			return gr_err_set(err, -EINVAL,
					  "node '%s': kernel, strides and dilations must be >= 1",
					  n->name);
		if (g->pb[a] < 0 || g->pe[a] < 0)
			return gr_err_set(err, -EINVAL, "node '%s': negative pads", n->name);
		if (g->k[a] > 4096 || g->s[a] > 4096 || g->d[a] > 4096 ||
		    g->pb[a] > 4096 || g->pe[a] > 4096)
			return gr_err_set(err, -E2BIG,
					  "node '%s': absurd kernel, stride, pad or dilation (> 4096)",
					  n->name);
		if (g->in[a] < 0)
			known = 0;
	}
	for (int a = 0; a < sp; a++) {
		if (!known) {
			g->out[a] = -1;
			continue;
		}
		g->out[a] = axis_out(&w, g->in[a], g->k[a], g->s[a], g->d[a], &g->pb[a],
				     &g->pe[a]);
		if (g->out[a] < 1)
			return gr_err_set(err, -EINVAL,
					  "node '%s': window of %lld on spatial axis %d does not fit the input's %lld (output would be empty)",
					  n->name, (long long)g->k[a], a, (long long)g->in[a]);
	}
	return 0;
}

void gr_geom_to_nd(const struct gr_geom *g, int rank, struct gr_geom_nd *nd)
{
	int a = 0;

	memset(nd, 0, sizeof(*nd));
	nd->spatial = rank - 2;
	if (rank == 4) {
		nd->in[0] = g->ih;
		nd->k[0] = g->kh;
		nd->s[0] = g->sh;
		nd->d[0] = g->dh;
		nd->pb[0] = g->pt;
		nd->pe[0] = g->pb;
		nd->out[0] = g->oh;
		a = 1;
	}
	nd->in[a] = g->iw;
	nd->k[a] = g->kw;
	nd->s[a] = g->sw;
	nd->d[a] = g->dw;
	nd->pb[a] = g->pl;
	nd->pe[a] = g->pr;
	nd->out[a] = g->ow;
}
