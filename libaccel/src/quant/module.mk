# Post-training quantization (accel/quantize.h): calibration, QDQ and QOperator writing, report.
QUANT_SRCS := $(addprefix libaccel/src/quant/, samples.c exec.c plan.c ranges.c qdq.c qop.c upgrade.c quantize.c)
LIBACCEL_SRCS += $(QUANT_SRCS)
$(QUANT_SRCS:%.c=$(B)/%.o) $(QUANT_SRCS:%.c=$(B)/asan/%.o): $(B)/gen/onnx/onnx.pb-c.h
