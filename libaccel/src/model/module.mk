# Model runner: compile once (lowering, scheduling, weight buffers), run many.
LIBACCEL_SRCS += $(addprefix libaccel/src/model/, tensor.c compile.c model.c check.c inspect.c)
$(addprefix $(B)/libaccel/src/model/,tensor.o compile.o model.o check.o inspect.o) \
$(addprefix $(B)/asan/libaccel/src/model/,tensor.o compile.o model.o check.o inspect.o): $(B)/gen/onnx/onnx.pb-c.h
