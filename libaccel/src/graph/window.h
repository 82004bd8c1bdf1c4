/* SPDX-License-Identifier: MIT */
/* Conv / pool window geometry shared by inference, reference and lowering. */
#ifndef GR_WINDOW_H
#define GR_WINDOW_H

#include "graph/graph.h"

/* A window resolved against an input size: explicit pads and output size. */
struct gr_geom {
	int64_t ih, iw, kh, kw, sh, sw, dh, dw;
	int64_t pt, pl, pb, pr;
	int64_t oh, ow;
};

/*
 * Resolves auto_pad / ceil_mode for an input of ih x iw and a kernel of
 * kh x kw. Returns 0, or -EINVAL with the reason (output size < 1 ...).
 */
int gr_window_resolve(const struct gr_window *w, int64_t ih, int64_t iw,
		      int64_t kh, int64_t kw, struct gr_geom *g,
		      struct gr_err *err, const char *node);

/*
 * A window over 1 to GR_MAX_SPATIAL spatial axes (pooling reads 3-D windows
 * here; Conv and the device lowering stay on the 2-D struct gr_geom). Axes
 * are in the input's order: [0] is the first spatial axis (D of NCDHW).
 */
#define GR_MAX_SPATIAL 3

struct gr_geom_nd {
	int spatial;
	int64_t in[GR_MAX_SPATIAL], k[GR_MAX_SPATIAL], s[GR_MAX_SPATIAL];
	int64_t d[GR_MAX_SPATIAL], pb[GR_MAX_SPATIAL], pe[GR_MAX_SPATIAL];
	int64_t out[GR_MAX_SPATIAL];
};

/*
 * Reads kernel_shape (required), strides, dilations, pads, auto_pad and
 * ceil_mode of node n for input x (rank 2 + spatial, spatial 1..3) and
 * resolves the output size of each axis as gr_window_resolve does. An input
 * of unknown spatial size gives out = -1. Returns 0 or an error with the
 * reason.
 */
int gr_window_nd(const struct gr_node *n, const struct gr_value *x,
		 struct gr_geom_nd *g, struct gr_err *err);

/* The 1-D (rank 3) or 2-D (rank 4) geometry g as a struct gr_geom_nd. */
void gr_geom_to_nd(const struct gr_geom *g, int rank, struct gr_geom_nd *nd);

#endif /* GR_WINDOW_H */
