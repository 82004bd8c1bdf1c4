/* SPDX-License-Identifier: MIT */
/*
 * The op registry: one row per ONNX op (name, domain, opset range), with
 * its shape inference, its CPU reference kernel and, optionally, its
 * lowering to a device layer. Import looks nodes up here; inference, the
 * CPU reference and lowering call the row's functions. Nothing else in the
 * tree switches on op types.
 *
 * Adding an op: write its functions in the graph/ops/ file of its concern
 * and define its row there (const struct gr_op_def gr_op_NAME), then add
 * X(NAME) to GR_OP_LIST in registry.c. docs/models.md has the details.
 */
#ifndef GR_REGISTRY_H
#define GR_REGISTRY_H

#include "graph/graph.h"

struct lw_ctx;
struct lw_step;

/*
 * Shape and type of every output from the inputs (see gr_infer_node);
 * also validates ranks, shapes, types and attributes, so that the kernel
 * never reads or writes out of bounds.
 */
typedef int (*gr_infer_fn)(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value *out, struct gr_err *err);
/*
 * The CPU reference: out[0..n_out) are allocated from the inferred shapes
 * (in[] have data); fills them. 0 or a negative errno with the reason.
 */
typedef int (*gr_ref_fn)(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value **out, struct gr_err *err);
/*
 * Device lowering of node `node` into step s (graph/lower.h): 0 when it
 * runs on the device (s->kind LW_DEVICE, or LW_VIEW set by the function),
 * -1 with s->why saying why it stays on the CPU.
 */
typedef int (*gr_lower_fn)(const struct lw_ctx *c, int node, struct lw_step *s);

struct gr_op_def {
	const char *name;	/* ONNX op type */
	const char *domain;	/* "" (ai.onnx) or e.g. "com.microsoft" */
	int since;		/* first opset of the domain this row serves */
	int until;		/* last one, 0 for open-ended */
	gr_infer_fn infer;
	gr_ref_fn ref;
	gr_lower_fn lower;	/* NULL: always on the CPU */
	const char *cpu_why;	/* without lower: why it runs on the CPU */
	int no_fold;		/* lowering matches it as a node: never folded */
	/*
	 * Output element i is one fixed function of input element i (the
	 * other inputs are constant scalars): a QDQ island around it, or its
	 * QOperator form, runs as the device's activation table
	 * (graph/lower_lut.c).
	 */
	int pointwise;
};

/*
 * The row for op `name` of `domain` ("" or "ai.onnx" for the default one)
 * at that domain's opset. -EOPNOTSUPP with the reason in why (unknown op,
 * unknown domain, or an opset outside the rows' ranges).
 */
int gr_op_lookup(const char *domain, const char *name, int64_t opset,
		 const struct gr_op_def **def, char *why, size_t len);

/* Every row, in table order (for listings and tests). */
int gr_op_count(void);
const struct gr_op_def *gr_op_at(int i);

/* The canonical domain name: "" for ai.onnx. */
const char *gr_op_domain(const char *domain);

#endif /* GR_REGISTRY_H */
