/* SPDX-License-Identifier: MIT */
/* Shape helpers shared by inference, the CPU reference and lowering. */
#ifndef GR_INFER_H
#define GR_INFER_H

#include "graph/graph.h"
#include "graph/window.h"

/* The window of conv / pool node n over input x (rank 3 or 4). */
int gr_infer_window(const struct gr_node *n, const struct gr_value *x,
		    int64_t kh, int64_t kw, struct gr_geom *g, struct gr_err *err);
/* Output dims [N, m, (oh,) ow] of a window over x. */
void gr_window_out(const struct gr_value *x, int64_t m, const struct gr_geom *g,
		   int64_t *dims);
/*
 * MatMul's operands as matrices (ONNX/numpy rules): a 1-D a is the row
 * [1, K], a 1-D b the column [K, 1]. ad and bd hold GR_MAX_RANK + 1 dims.
 */
void gr_matmul_dims(const struct gr_value *a, const struct gr_value *b,
		    int64_t *ad, int *ar, int64_t *bd, int *br);
int gr_matmul_shape(const struct gr_node *n, const struct gr_value *a,
		    const struct gr_value *b, int *rank, int64_t *dims,
		    struct gr_err *err);
int gr_broadcast_shape(const struct gr_node *n, const struct gr_value *a,
		       const struct gr_value *b, int *rank, int64_t *dims,
		       struct gr_err *err);

#endif /* GR_INFER_H */
