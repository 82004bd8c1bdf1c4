# Graph IR, shape inference, CPU reference and lowering to device layers.
GRAPH_SRCS := $(addprefix libaccel/src/graph/, graph.c window.c infer.c ref.c lower.c)
LIBACCEL_SRCS += $(GRAPH_SRCS)
