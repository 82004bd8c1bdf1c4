/* SPDX-License-Identifier: MIT */
/*
 * Channel spaces of a float ONNX model, and pruning them (accelctl adapt).
 *
 * A channel space is a set of tensors that share their channel axis: a
 * conv's (or FC's) output, what channel-wise ops (BatchNormalization, ReLU
 * and other activations, pooling, a depthwise conv) make of it, and the
 * tensors a residual Add ties to it. Removing channel k of a space removes
 * filter k of every producer (conv, FC), entry k of every follower
 * (BatchNormalization parameters, depthwise filters: a depthwise conv
 * follows its producer's channels), and input channel k of every consumer
 * (a dense conv, or an FC after Flatten: its k-th block of h x w inputs).
 * A space is prunable when all its producers are dense convs or FCs with
 * constant weights and nothing else reads it (a graph output, Concat, a
 * grouped conv, an op that mixes channels or is unknown fixes it; the
 * reason is kept). A space with several producers is a tie group (residual
 * blocks): its producers are pruned together.
 */
#ifndef ACCELCTL_ADAPT_SPACE_H
#define ACCELCTL_ADAPT_SPACE_H

#include <stdbool.h>

#include "onnx_edit.h"

enum sp_role {
	SP_PRODUCER,		/* Conv / Gemm / MatMul: output channel = filter */
	SP_FOLLOW_BN,		/* BatchNormalization: its 4 parameters */
	SP_FOLLOW_DW,		/* depthwise Conv: its filters, bias, group */
	SP_CONSUMER,		/* dense Conv / Gemm / MatMul: input channels */
};

struct sp_member {
	int node;		/* node index in the graph */
	enum sp_role role;
	int hw;			/* consumer after Flatten: inputs per channel */
};

struct space {
	int size;		/* channels */
	bool fixed;
	char why[160];		/* fixed: the reason */
	struct sp_member *mem;
	int n_mem;
};

struct spaces {
	struct space *s;
	int n;
};

/* Analyses the graph (topologically ordered, as ONNX requires). 0 or -1. */
int spaces_build(const Onnx__GraphProto *g, struct spaces *out, char *err, size_t errlen);
void spaces_free(struct spaces *sp);
/* Space that node's output channels belong to (as a producer), or -1. */
int spaces_of_producer(const struct spaces *sp, int node);

/*
 * Per-channel importance of a space: the squared L2 norm of each filter,
 * summed over the producers (NetAdapt chooses filters by magnitude).
 * imp has sp->s[id].size entries. 0 or -1.
 */
int space_importance(const Onnx__GraphProto *g, const struct space *s, double *imp);

/*
 * Keeps channels keep[0..n_keep) (increasing) of space s in the model:
 * producers, followers and consumers are rewritten. 0 or -1 (message).
 */
int space_prune(Onnx__GraphProto *g, const struct space *s, const int *keep, int n_keep,
		char *err, size_t errlen);

/* The n_keep most important channels of s, in increasing order. */
void space_choose(const double *imp, int size, int n_keep, int *keep);

#endif /* ACCELCTL_ADAPT_SPACE_H */
