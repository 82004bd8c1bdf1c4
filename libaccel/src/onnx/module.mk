# ONNX import. The C bindings are generated at build time by protoc-c from
# Debian's onnx.proto (libonnx-dev); the schema is never copied here.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
ONNX_GEN_DIR := $(B)/gen/onnx
ONNX_GEN_C := $(ONNX_GEN_DIR)/onnx.pb-c.c
ONNX_GEN_H := $(ONNX_GEN_DIR)/onnx.pb-c.h
ONNX_SRCS := $(addprefix libaccel/src/onnx/, onnx_import.c onnx_tensor.c)

LIBACCEL_SRCS += $(ONNX_SRCS) $(ONNX_GEN_C)
LIBACCEL_CPPFLAGS += -I$(B)/gen
LIBACCEL_LIBS += -lprotobuf-c

# protoc-c names its outputs after the .proto's path relative to --proto_path.
$(ONNX_GEN_H): $(ONNX_PROTO)
	@mkdir -p $(ONNX_GEN_DIR)
	cp $(ONNX_PROTO) $(ONNX_GEN_DIR)/onnx.proto
	cd $(ONNX_GEN_DIR) && protoc-c --c_out=. onnx.proto
$(ONNX_GEN_C): $(ONNX_GEN_H)

# Everything that includes the bindings waits for them.
$(ONNX_SRCS:%.c=$(B)/%.o) $(ONNX_SRCS:%.c=$(B)/asan/%.o): $(ONNX_GEN_H)
