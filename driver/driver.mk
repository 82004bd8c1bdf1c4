# driver: build fragment (see mk/common.mk for the conventions).
#
# The module itself is built by Kbuild (`make module`, mk/kernel.mk). This
# fragment registers the driver's style suites:
#   driver-checkpatch  scripts/checkpatch.pl --strict, one test per source file
#   driver-sparse      a private C=2 build: sparse and gcc silent per file
.PHONY: driver-checkpatch driver-sparse
driver-checkpatch:
	@driver/tests/check-style.sh $(B)
driver-sparse:
	@driver/tests/check-build.sh $(B)

CHECK_SUITES += driver-checkpatch:driver/tests/check-style.sh~$(B)
CHECK_SUITES += driver-sparse:driver/tests/check-build.sh~$(B)

# The driver's own HIL cases: built next to the harness's hil_* programs, so
# tests/hil/run-hil.sh puts them in the VM and runs them with the others.
# They share the harness's TAP, ioctl and kernel-log helpers (tests/hil/src/
# tap.h, hil_dev.h, hil_klog.h); tests/hil/hil.mk is included later, so
# the paths are spelled out.
HIL_DRIVER_SHARED_OBJS := $(B)/tests/hil/src/tap.o $(B)/tests/hil/src/hil_dev.o \
	$(B)/tests/hil/src/hil_klog.o
$(B)/driver/tests/%.o: CPPFLAGS_EXTRA += -Itests/hil/src
HIL_DRIVER_BIN := $(B)/tests/hil/bin/hil_driver
$(HIL_DRIVER_BIN): $(B)/driver/tests/hil_driver.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_BIN)
HIL_DRIVER_RECOVERY_BIN := $(B)/tests/hil/bin/hil_driver_recovery
$(HIL_DRIVER_RECOVERY_BIN): $(B)/driver/tests/hil_driver_recovery.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_RECOVERY_BIN)
HIL_DRIVER_TELEMETRY_BIN := $(B)/tests/hil/bin/hil_driver_telemetry
$(HIL_DRIVER_TELEMETRY_BIN): $(B)/driver/tests/hil_driver_telemetry.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_TELEMETRY_BIN)
HIL_DRIVER_BENCH_BIN := $(B)/tests/hil/bin/hil_driver_bench
$(HIL_DRIVER_BENCH_BIN): $(B)/driver/tests/hil_driver_bench.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_BENCH_BIN)

# make bench-driver: boots the HIL VM and prints the driver's figures
# (hil_driver_bench runs inside it with the other HIL programs).
.PHONY: bench-driver
bench-driver: build-all
	@HIL_WORKDIR=$(B)/bench-driver tests/hil/run-hil.sh --variants good >$(B)/bench-driver.tap 2>&1; \
	grep '# bench:' $(B)/bench-driver.tap | sed 's/^.*# bench: /bench-driver: /' || \
	{ echo "bench-driver: no figures (see $(B)/bench-driver.tap)" >&2; exit 1; }
BENCH_TARGETS += bench-driver
HIL_DRIVER_STRESS_BIN := $(B)/tests/hil/bin/hil_driver_stress
$(HIL_DRIVER_STRESS_BIN): $(B)/driver/tests/hil_driver_stress.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_STRESS_BIN)
HIL_DRIVER_TRUST_BIN := $(B)/tests/hil/bin/hil_driver_trust
$(HIL_DRIVER_TRUST_BIN): $(B)/driver/tests/hil_driver_trust.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_TRUST_BIN)
HIL_DRIVER_UNPLUG_BIN := $(B)/tests/hil/bin/hil_driver_unplug
$(HIL_DRIVER_UNPLUG_BIN): $(B)/driver/tests/hil_driver_unplug.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_UNPLUG_BIN)
HIL_DRIVER_UNBIND_BIN := $(B)/tests/hil/bin/hil_driver_unbind
$(HIL_DRIVER_UNBIND_BIN): $(B)/driver/tests/hil_driver_unbind.o $(HIL_DRIVER_SHARED_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^
ALL_TARGETS += $(HIL_DRIVER_UNBIND_BIN)
