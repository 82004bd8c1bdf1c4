// SPDX-License-Identifier: MIT
/*
 * The registry's table. Each op file under graph/ops/ defines its rows as
 * `const struct gr_op_def gr_op_NAME`; this list is the only other place
 * that names them. Rows of one op with different semantics per opset are
 * listed as NAME_SINCE (for example Softmax_13) with disjoint ranges.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "graph/registry.h"

#define GR_OP_LIST(X) \
	X(Conv) X(QLinearConv) X(ConvInteger) X(ConvTranspose) \
	X(MatMul) X(QLinearMatMul) X(MatMulInteger) X(Gemm) \
	X(QuantizeLinear) X(DequantizeLinear) \
	X(Relu) X(Clip) X(LeakyRelu) X(PRelu) X(HardSigmoid) X(HardSwish) \
	X(Softmax_1) X(Softmax_13) X(LogSoftmax_1) X(LogSoftmax_13) \
	X(Sqrt) X(Exp) X(Log) X(Tanh) X(Sigmoid) X(Erf) X(Floor) X(Ceil) \
	X(Reciprocal) X(Neg) X(Abs) \
	X(QLinearLeakyRelu) X(QLinearSigmoid) \
	X(QLinearAdd) X(QLinearMul) X(QLinearGlobalAveragePool) X(QGemm) \
	X(QLinearAveragePool) X(QLinearConcat) \
	X(MaxPool) X(AveragePool) X(GlobalAveragePool) \
	X(BatchNormalization) X(InstanceNormalization) \
	X(Resize) X(Upsample) \
	X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Min) X(Max) X(Sum) \
	X(ReduceMean) X(ReduceMax) X(ReduceMin) X(ReduceSum) X(ArgMax) X(ArgMin) \
	X(Cast) \
	X(Identity) X(Dropout) X(Flatten) X(Reshape) X(Squeeze) X(Unsqueeze) \
	X(Expand) X(Shape) X(Constant) X(ConstantOfShape) \
	X(Concat) X(Split) X(Slice) X(Transpose) X(Pad) X(Gather) X(Tile)

#define GR_OP_DECLARE(sym) extern const struct gr_op_def gr_op_##sym;
#define GR_OP_ADDRESS(sym) &gr_op_##sym,

GR_OP_LIST(GR_OP_DECLARE)

static const struct gr_op_def *const registry[] = { GR_OP_LIST(GR_OP_ADDRESS) };

#define N_OPS ((int)(sizeof(registry) / sizeof(registry[0])))

int gr_op_count(void)
{
	return N_OPS;
}

const struct gr_op_def *gr_op_at(int i)
{
	return i >= 0 && i < N_OPS ? registry[i] : NULL;
}

const char *gr_op_domain(const char *domain)
{
	if (!domain || !strcmp(domain, "ai.onnx"))
		return "";
	return domain;
}

int gr_op_lookup(const char *domain, const char *name, int64_t opset,
		 const struct gr_op_def **def, char *why, size_t len)
{
	const struct gr_op_def *other_domain = NULL;
	int lo = 0, hi = -1;

	domain = gr_op_domain(domain);
	for (int i = 0; i < N_OPS; i++) {
		const struct gr_op_def *d = registry[i];

		if (strcmp(d->name, name))
			continue;
		if (strcmp(d->domain, domain)) {
			other_domain = d;
			continue;
		}
		if (opset >= d->since && (!d->until || opset <= d->until)) {
			*def = d;
			return 0;
		}
		if (hi == -1 || d->since < lo)
			lo = d->since;
		if (hi != 0)
			hi = !d->until ? 0 : d->until > hi ? d->until : hi;
	}
	if (hi > 0)
		snprintf(why, len,
			 "op '%s' is supported at opsets %d to %d of its domain here; the model imports opset %lld",
			 name, lo, hi, (long long)opset);
	else if (hi == 0)
		snprintf(why, len,
			 "op '%s' is supported from opset %d of its domain here; the model imports opset %lld",
			 name, lo, (long long)opset);
	else if (other_domain)
		snprintf(why, len,
			 "unsupported op '%s' of domain '%s' (only the '%s' domain's %s is supported)",
			 name, domain, other_domain->domain[0] ? other_domain->domain : "ai.onnx",
			 name);
	else if (domain[0] && strcmp(domain, "com.microsoft"))
		snprintf(why, len,
			 "unsupported op '%s': operator domain '%s' is not supported (only ai.onnx and com.microsoft are)",
			 name, domain);
	else
		snprintf(why, len, "unsupported op '%s'%s%s%s: no CPU kernel or device lowering for it",
			 name, domain[0] ? " of domain '" : "", domain, domain[0] ? "'" : "");
	return -EOPNOTSUPP;
}
