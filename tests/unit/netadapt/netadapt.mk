# NetAdapt unit tests (cmocka, plain and ASan/UBSan): accel_layer_measure and
# accel_model_layer_spec on emu through the public API, accelctl's LUT file
# (test_measure); adapt's engine on float models built here (test_adapt).
# make_fixture writes the float model and calibration folders of
# tests/cli/test_adapt.sh.
NETADAPT_TOOL_SRCS = tools/accelctl/lut.c tools/accelctl/errbuf.c $(ADAPT_SRCS) tools/modelgen/onnxw.c \
	tests/unit/netadapt/fixture.c
NETADAPT_TEST_CPP := -Ilibaccel/include -Itools/accelctl -Itools/modelgen \
	-Itests/unit/netadapt -I$(B)/gen

define netadapt_test
$(B)/tests/unit/netadapt/$(1): $(B)/tests/unit/netadapt/$(1).o \
		$(NETADAPT_TOOL_SRCS:%.c=$(B)/%.o) $(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -o $$@ $$(filter %.o,$$^) $$(LIBACCEL_STATIC_LINK) -lcmocka -lm
$(B)/asan/tests/unit/netadapt/$(1): $(B)/asan/tests/unit/netadapt/$(1).o \
		$(NETADAPT_TOOL_SRCS:%.c=$(B)/asan/%.o) $(B)/asan/gen/onnx/onnx.pb-c.o \
		$(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -fsanitize=address,undefined -o $$@ $$(filter %.o,$$^) \
		$$(LIBACCEL_ASAN_LINK) -lcmocka -lm
ALL_TARGETS += $(B)/tests/unit/netadapt/$(1) $(B)/asan/tests/unit/netadapt/$(1)
CHECK_SUITES += netadapt-$(1):$(B)/tests/unit/netadapt/$(1)
CHECK_SUITES += netadapt-$(1)-asan:$(B)/asan/tests/unit/netadapt/$(1)
endef
$(foreach t,test_measure test_adapt,$(eval $(call netadapt_test,$(t))))

NETADAPT_FIXTURE := $(B)/tests/unit/netadapt/make_fixture
$(NETADAPT_FIXTURE): $(B)/tests/unit/netadapt/make_fixture.o $(B)/tests/unit/netadapt/fixture.o \
		$(B)/tools/modelgen/onnxw.o $(B)/gen/onnx/onnx.pb-c.o
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lprotobuf-c -lm
ALL_TARGETS += $(NETADAPT_FIXTURE)

NETADAPT_OBJS := $(foreach t,test_measure test_adapt make_fixture,tests/unit/netadapt/$(t).o) \
	$(NETADAPT_TOOL_SRCS:%.c=%.o)
$(addprefix $(B)/,$(NETADAPT_OBJS)) $(addprefix $(B)/asan/,$(NETADAPT_OBJS)): \
	CPPFLAGS_EXTRA += $(NETADAPT_TEST_CPP)
$(addprefix $(B)/,$(NETADAPT_OBJS)) $(addprefix $(B)/asan/,$(NETADAPT_OBJS)): \
	$(B)/gen/onnx/onnx.pb-c.h
# The command-line tests of adapt on the fixture's float model.
CHECK_SUITES += accelctl-adapt:tests/cli/test_adapt.sh~$(B)/bin/accelctl~$(NETADAPT_FIXTURE)~$(B)/models
# The float flow on a generated float network: adapt, quantize, run --check.
CHECK_SUITES += accelctl-adapt-float:tests/cli/test_adapt_float.sh~$(B)/bin/accelctl~$(B)/models
