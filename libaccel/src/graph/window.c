// SPDX-License-Identifier: MIT
/* Conv / pool output-size arithmetic with ONNX's auto_pad and ceil_mode. */
#include <errno.h>

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
