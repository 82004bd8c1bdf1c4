# tests/hil: the hardware-in-the-loop suite (see docs/hil.md).
#
#   make check                         runs it as the "hil" suite
#   tests/hil/run-hil.sh [--help]      runs it alone (VM or real board)
#
# The test programs (hil_*) use raw ioctls (libdrm only for the syncobj
# calls); they run inside the VM's initramfs with the shared libraries ldd
# names, or directly on a machine with a real board.

# The daemon links the sim core; until sim/sim.mk defines SIM_LIB it is not
# built (and the hil suite reports it missing).
ifneq ($(SIM_LIB),)
include sim/daemon/daemon.mk
endif

HIL_BIN := $(B)/tests/hil/bin
HIL_TAP_OBJ := $(B)/tests/hil/src/tap.o
HIL_PROGS := hil_pci_probe hil_ioctl_args hil_bo hil_submit hil_net
HIL_PROG_BINS := $(HIL_PROGS:%=$(HIL_BIN)/%)
HIL_DEV_OBJ := $(B)/tests/hil/src/hil_dev.o
HIL_DRM_LIBS := $(shell $(PKG_CONFIG) --libs libdrm 2>/dev/null || echo -ldrm)
# Programs on the driver: the ioctl helpers, libdrm for syncobj/PRIME.
$(foreach p,$(filter-out hil_pci_probe,$(HIL_PROGS)),\
	$(eval $(HIL_BIN)/$(p): $(HIL_DEV_OBJ))\
	$(eval HIL_LDLIBS_$(p) := $(HIL_DRM_LIBS)))
HIL_FW_VARIANT := $(B)/tests/hil/fw_variant

$(B)/tests/hil/src/%.o: CPPFLAGS_EXTRA += -Itests/hil/src

$(HIL_BIN)/%: $(B)/tests/hil/src/%.o $(HIL_TAP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ $(HIL_LDLIBS_$*)

$(HIL_FW_VARIANT): $(B)/tests/hil/src/fw_variant.o
	$(CC) $(LDFLAGS_COMMON) -o $@ $^

# Carries out a guest's host-side requests (EYRIE-HIL-QMP lines) on QMP.
HIL_QMP_SEND := $(B)/tests/hil/qmp_send
$(HIL_QMP_SEND): $(B)/tests/hil/src/qmp_send.o
	$(CC) $(LDFLAGS_COMMON) -o $@ $^

# The network check: the same command stream in the guest and on the host.
HIL_NET_OBJ := $(B)/tests/hil/src/net_chain.o
$(HIL_BIN)/hil_net: $(HIL_NET_OBJ)
HIL_NET_REF := $(B)/tests/hil/hil_net_ref
$(B)/tests/hil/src/hil_net_ref.o: CPPFLAGS_EXTRA += -Isim/include
$(HIL_NET_REF): $(B)/tests/hil/src/hil_net_ref.o $(HIL_NET_OBJ) $(SIM_LIB)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ $(SIM_LDLIBS)

ALL_TARGETS += $(HIL_PROG_BINS) $(HIL_FW_VARIANT) $(HIL_QMP_SEND)
ifneq ($(SIM_LIB),)
ALL_TARGETS += $(HIL_NET_REF)
endif
CHECK_SUITES += hil:tests/hil/run-hil.sh
# The harness's own failure detection (no VM): TAP collection, kernel log
# scanning, crashing/hanging programs.
CHECK_SUITES += hil-harness:tests/hil/test-harness.sh
# The same boots with the ASan/UBSan build of the board daemon and model.
FULL_SUITES += hil-asan:HIL_SIM=$(B)/asan/sim/eyrie-sim~HIL_WORKDIR=$(B)/hil-asan~tests/hil/run-hil.sh

# The debug-kernel tier (docs/hil.md): the whole HIL suite on a 6.12 kernel
# with KASAN, lockdep, DEBUG_OBJECTS, kmemleak, DEBUG_ATOMIC_SLEEP and the
# DMA API debug, built once into $(B)/debug-kernel (hours cold on two
# shared cores, so not in make check; .ci/run runs it when it is cached).
.PHONY: check-debug check-stress
check-debug: all
	@SUITE_TIMEOUT=$${SUITE_TIMEOUT:-28800} tests/run-suites.sh hil-debug:tests/hil/check-debug.sh~$(B)
# The stress tier: the HIL and telemetry suites with two CPU-hog loops,
# STRESS_ROUNDS (10) rounds.
check-stress: all
	@SUITE_TIMEOUT=$${SUITE_TIMEOUT:-36000} tests/run-suites.sh stress:tests/tiers/check-stress.sh

# Boot figures of the emulated board (figures only): one short boot (the
# fw-abi variant: kernel, DRM modules, driver probe, power off).
.PHONY: bench-hil
bench-hil: $(HIL_PROG_BINS) $(HIL_FW_VARIANT) $(HIL_QMP_SEND)
	@HIL_WORKDIR=$(B)/hil-bench tests/hil/run-hil.sh --variants fw-abi | \
		sed -n 's/^# \[fw-abi\] QEMU exited with status [0-9]* after \(.*\)/hil boot: QEMU start to power-off \1 (one boot, fw-abi variant)/p; s/^# \[fw-abi\] guest reached the suite at uptime \(.*\)/hil boot: kernel start to the suite \1 of guest uptime/p'
BENCH_TARGETS += bench-hil
