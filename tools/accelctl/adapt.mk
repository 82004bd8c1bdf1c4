# accelctl adapt (NetAdapt on the device's LUT, docs/accelctl.md): the loop,
# channel spaces and pruning surgery, least squares, calibration data, and
# editing float ONNX models through the protobuf-c bindings (build/gen/onnx).
# Its tests: tests/unit/netadapt/netadapt.mk (included by profile.mk).
ADAPT_SRCS := $(addprefix tools/accelctl/, \
	adapt_engine.c adapt_space.c adapt_fold.c adapt_data.c onnx_edit.c lsq.c outfile.c)
ACCELCTL_SRCS += tools/accelctl/cmd_adapt.c $(ADAPT_SRCS)
# The bindings as an archive: a static link that already has libaccel.a's
# copy (the HIL helper) takes nothing from it, the shared one takes them.
ADAPT_ONNX_LIB := $(B)/gen/onnx/libonnxpb.a
$(ADAPT_ONNX_LIB): $(B)/gen/onnx/onnx.pb-c.o
	rm -f $@
	ar rcs $@ $<
ACCELCTL_LIBS += $(ADAPT_ONNX_LIB) -lprotobuf-c
$(B)/bin/accelctl $(B)/tests/hil/helpers/accelctl: $(ADAPT_ONNX_LIB)
$(addprefix $(B)/,$(ADAPT_SRCS:.c=.o) tools/accelctl/cmd_adapt.o): \
	CPPFLAGS_EXTRA += -I$(B)/gen
$(addprefix $(B)/,$(ADAPT_SRCS:.c=.o) tools/accelctl/cmd_adapt.o): $(B)/gen/onnx/onnx.pb-c.h
