# NetAdapt unit tests (cmocka, plain and ASan/UBSan): accel_layer_measure and
# accel_model_layer_spec on emu through the public API, accelctl's LUT file.
NETADAPT_TOOL_SRCS := tools/accelctl/lut.c tools/modelgen/onnxw.c
NETADAPT_TEST_CPP := -Ilibaccel/include -Itools/accelctl -Itools/modelgen -I$(B)/gen

define netadapt_test
$(B)/tests/unit/netadapt/$(1): $(B)/tests/unit/netadapt/$(1).o \
		$(NETADAPT_TOOL_SRCS:%.c=$(B)/%.o) $(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -o $$@ $$(filter %.o,$$^) $$(LIBACCEL_STATIC_LINK) -lcmocka -lm
$(B)/asan/tests/unit/netadapt/$(1): $(B)/asan/tests/unit/netadapt/$(1).o \
		$(NETADAPT_TOOL_SRCS:%.c=$(B)/asan/%.o) $(B)/asan/gen/onnx/onnx.pb-c.o \
		$(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -fsanitize=address,undefined -o $$@ $$(filter %.o,$$^) \
		$$(LIBACCEL_ASAN_LINK) -lcmocka -lm
$(B)/tests/unit/netadapt/$(1).o $(B)/asan/tests/unit/netadapt/$(1).o: \
	CPPFLAGS_EXTRA += $(NETADAPT_TEST_CPP)
$(B)/tests/unit/netadapt/$(1).o $(B)/asan/tests/unit/netadapt/$(1).o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/netadapt/$(1) $(B)/asan/tests/unit/netadapt/$(1)
CHECK_SUITES += netadapt-$(1):$(B)/tests/unit/netadapt/$(1)
CHECK_SUITES += netadapt-$(1)-asan:$(B)/asan/tests/unit/netadapt/$(1)
endef
$(foreach t,test_measure,$(eval $(call netadapt_test,$(t))))
$(NETADAPT_TOOL_SRCS:%.c=$(B)/%.o) $(NETADAPT_TOOL_SRCS:%.c=$(B)/asan/%.o): \
	CPPFLAGS_EXTRA += $(NETADAPT_TEST_CPP)
