# Graph IR, the op registry and its ops, shape inference, CPU reference and
# lowering to device layers.
GRAPH_OPS := common conv matmul quant pool activations elementwise shape_ops \
	qlinear_activations qlinear_binary qlinear_pool qgemm
GRAPH_SRCS := $(addprefix libaccel/src/graph/, graph.c attr.c registry.c window.c \
	infer.c ref.c lower.c lower_lut.c lower_qlinear.c) $(GRAPH_OPS:%=libaccel/src/graph/ops/%.c)
# Per-thread resource budget of loads and runs; quantization parameter values.
GRAPH_SRCS += $(addprefix libaccel/src/graph/, budget.c quant_check.c)
LIBACCEL_SRCS += $(GRAPH_SRCS)
