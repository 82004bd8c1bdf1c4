/* SPDX-License-Identifier: MIT */
/*
 * Float Conv, Gemm and MaxPool through oneDNN (Debian libdnnl 2.6, C API):
 * a convolution, inner-product or pooling primitive made once for one
 * node and one input shape, with its
 * weights reordered once into the layout the primitive prefers
 * (dnnl_format_tag_any: blocked, e.g. 16 output channels together on an
 * AVX-512 CPU) and the epilogue the CPU plan fuses into the Conv (the
 * residual Add as a sum post-op, Relu / Clip as an eltwise post-op). The
 * graph's tensors are NCHW: a run reorders the input into the
 * primitive's layout and the output back when the primitive chose
 * another one, except for a tensor the CPU plan keeps in that layout
 * from one primitive to the next (GR_DNN_*_NATIVE).
 *
 * Used by the float CPU plan (model/cpuplan.c), which makes the
 * primitives when a model is compiled; the stateless fast path (fast.h)
 * stays for what oneDNN does not take and for calibration. The reference
 * kernels (ref.h) stay the independent check (tests/unit/graph/test_fast.c
 * compares oneDNN against them).
 *
 * Threads: oneDNN's OpenMP threads; one unless OMP_NUM_THREADS is set
 * (then OpenMP's own setting), as the OpenBLAS path uses
 * OPENBLAS_NUM_THREADS.
 */
#ifndef GR_ONEDNN_H
#define GR_ONEDNN_H

#include "graph/graph.h"

/* A CPU engine and an in-order stream: one per compiled model. */
struct gr_dnn;

/* 0, or -ENOSYS when oneDNN has no CPU engine here. */
int gr_dnn_new(struct gr_dnn **out);
void gr_dnn_free(struct gr_dnn *d);

/* What the Conv's primitive applies after its sum and bias. */
struct gr_dnn_epi {
	int add;		/* + an operand of exactly the output's shape */
	int clamp;		/* then clamp to [lo, hi] (Relu: lo 0, hi +inf) */
	float lo, hi;
};

/* A node's primitive: a Conv's, a Gemm's or a MaxPool's. */
struct gr_dnn_prim;

/*
 * The primitive of Conv node n for a float input of rank xrank (3 or 4)
 * and dims xdims, with weights w and bias b (NULL: none) as they are now
 * (copied into the primitive's layout): 0 and *out, or -ENOSYS when this
 * conv is not one oneDNN takes (the fast path runs it), -ENOMEM.
 */
int gr_dnn_conv_new(struct gr_dnn *d, const struct gr_node *n, int xrank, const int64_t *xdims,
		    const struct gr_value *w, const struct gr_value *b,
		    const struct gr_dnn_epi *e, struct gr_dnn_prim **out);
void gr_dnn_prim_free(struct gr_dnn_prim *c);

/*
 * The primitive of Gemm node n for a float A of rank arank (2) and dims
 * adims, weights B (w) and bias C (c, NULL: none): transA 0, alpha and
 * beta 1, C of N values; else -ENOSYS (the fast path runs it).
 */
int gr_dnn_gemm_new(struct gr_dnn *d, const struct gr_node *n, int arank, const int64_t *adims,
		    const struct gr_value *w, const struct gr_value *c, struct gr_dnn_prim **out);

/* Whether c's epilogue has the Add (its run then needs the operand). */
int gr_dnn_prim_has_add(const struct gr_dnn_prim *c);

/*
 * Whether c runs as oneDNN's inner product: a Gemm's, and a Conv's with
 * one output position per image (one group, no dilation), which reads
 * only the input pixels under that position's window.
 */
int gr_dnn_prim_is_product(const struct gr_dnn_prim *c);

/*
 * The primitive of MaxPool node n (one output, no storage_order) for a
 * float input of rank 4 and dims xdims, in NHWC; else -ENOSYS.
 */
int gr_dnn_maxpool_new(struct gr_dnn *d, const struct gr_node *n, int xrank, const int64_t *xdims,
		       struct gr_dnn_prim **out);

/*
 * What is in the primitive's own layout rather than NCHW, for a run:
 * its input, the fused Add's operand, its output (a value of the graph's
 * dims whose data is in that layout; only for another primitive's input
 * or Add operand, see gr_dnn_prim_chains(), or gr_dnn_prim_to_plain()).
 */
#define GR_DNN_X_NATIVE		1u
#define GR_DNN_ADD_NATIVE	2u
#define GR_DNN_Y_NATIVE		4u

/*
 * Runs c on x (a Conv's input, a Gemm's A; and the fused Add's operand
 * add, when c has one) into a new value *out, with the layouts of
 * `native`: 0, or -ENOSYS (out untouched) when x or add do not have the
 * shapes c was made for or c has no such layout, -ENOMEM, -EIO when
 * oneDNN fails.
 */
int gr_dnn_prim_run(struct gr_dnn_prim *c, const struct gr_value *x, const struct gr_value *add,
		    unsigned native, struct gr_value **out, struct gr_err *err);

/*
 * Whether from's output, left in its layout, is what to reads in its own
 * layout: as its input (as_add 0) or as its fused Add's operand (1); and
 * from's layout is not NCHW and holds no padding (a value of the graph's
 * element count carries it).
 */
int gr_dnn_prim_chains(const struct gr_dnn_prim *from, const struct gr_dnn_prim *to, int as_add);

/* v, an output of c left in c's layout, as a new NCHW value. */
int gr_dnn_prim_to_plain(struct gr_dnn_prim *c, const struct gr_value *v, struct gr_value **out,
			 struct gr_err *err);

#endif /* GR_ONEDNN_H */
