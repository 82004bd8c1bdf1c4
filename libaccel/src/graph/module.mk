# Graph IR, the op registry and its ops, shape inference, CPU reference and
# lowering to device layers.
GRAPH_OPS := common conv conv_transpose matmul quant pool norm resize activations \
	unary elementwise reduce cast shape_ops layout \
	qlinear_activations qlinear_binary qlinear_pool qlinear_concat qgemm
GRAPH_SRCS := $(addprefix libaccel/src/graph/, graph.c attr.c registry.c window.c \
	infer.c ref.c lower.c lower_lut.c lower_qlinear.c lower_concat.c lower_resize.c fold_bn.c fast.c) \
	$(GRAPH_OPS:%=libaccel/src/graph/ops/%.c)
# Per-thread resource budget of loads and runs; quantization parameter values.
GRAPH_SRCS += $(addprefix libaccel/src/graph/, budget.c quant_check.c)
# Recycled tensor memory of repeated runs (pool.h).
GRAPH_SRCS += libaccel/src/graph/pool.c
# Float Conv primitives of the CPU plan (onednn.h).
GRAPH_SRCS += libaccel/src/graph/onednn.c
LIBACCEL_SRCS += $(GRAPH_SRCS)
# The fast float CPU path (graph/fast.h) multiplies with OpenBLAS.
OPENBLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
OPENBLAS_LIBS := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
LIBACCEL_CPPFLAGS += $(OPENBLAS_CFLAGS)
LIBACCEL_LIBS += $(OPENBLAS_LIBS)
# The CPU plan's Convs run on oneDNN (onednn.h; Debian libdnnl-dev, which
# ships no pkg-config file: its CMake config only, so pkg-config is asked
# first in case a build of oneDNN installed one). Debian builds it on
# OpenMP (libgomp), whose thread count onednn.c sets.
DNNL_CFLAGS := $(shell pkg-config --cflags dnnl 2>/dev/null)
DNNL_LIBS := $(shell pkg-config --libs dnnl 2>/dev/null || echo -ldnnl) -lgomp
LIBACCEL_CPPFLAGS += $(DNNL_CFLAGS)
LIBACCEL_LIBS += $(DNNL_LIBS)
