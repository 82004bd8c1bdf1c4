# Model runner: compile once (lowering, scheduling, weight buffers), run many.
# measure.c: one layer measured on the device (accel/measure.h, NetAdapt LUTs).
# variants.c: symbolic input dims, one compiled variant per input shape.
# cpuplan.c: memory reuse and Conv epilogue fusion of float CPU runs.
MODEL_OBJS_NAMES := tensor.o compile.o model.o check.o inspect.o measure.o variants.o \
	cpuplan.o
LIBACCEL_SRCS += $(addprefix libaccel/src/model/, $(MODEL_OBJS_NAMES:.o=.c))
$(addprefix $(B)/libaccel/src/model/,$(MODEL_OBJS_NAMES)) \
$(addprefix $(B)/asan/libaccel/src/model/,$(MODEL_OBJS_NAMES)): $(B)/gen/onnx/onnx.pb-c.h
