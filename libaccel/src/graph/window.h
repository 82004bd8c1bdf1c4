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

#endif /* GR_WINDOW_H */
