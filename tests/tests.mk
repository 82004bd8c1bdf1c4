# tests/: suites that belong to no single component.
# Unit tests of the hardware contract (uapi/ headers).
UAPI_TEST := $(B)/tests/unit/test_uapi
$(UAPI_TEST): $(B)/tests/unit/test_uapi.o $(B)/tests/unit/uapi_standalone.o
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lcmocka
ALL_TARGETS += $(UAPI_TEST)
CHECK_SUITES += uapi:$(UAPI_TEST)
# Wrong make commands (unknown target, missing or old kernel headers, missing packages).
CHECK_SUITES += make-errors:tests/build/test_make_errors.sh
include tests/hil/hil.mk
include tests/hil/sensors/sensors.mk
# Model suites (conformance, networks, graph unit tests) have their own fragments.
include $(sort $(wildcard tests/conformance/*.mk tests/networks/*.mk tests/unit/graph/*.mk \
	tests/oracle/*.mk tests/quant/*.mk))
# libFuzzer targets, the clang sanitizer tier and the crash regressions.
include tests/fuzz/fuzz.mk
