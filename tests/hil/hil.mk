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
HIL_PROGS := hil_pci_probe
HIL_PROG_BINS := $(HIL_PROGS:%=$(HIL_BIN)/%)
HIL_FW_VARIANT := $(B)/tests/hil/fw_variant

$(B)/tests/hil/src/%.o: CPPFLAGS_EXTRA += -Itests/hil/src

$(HIL_BIN)/%: $(B)/tests/hil/src/%.o $(HIL_TAP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ $(HIL_LDLIBS_$*)

$(HIL_FW_VARIANT): $(B)/tests/hil/src/fw_variant.o
	$(CC) $(LDFLAGS_COMMON) -o $@ $^

ALL_TARGETS += $(HIL_PROG_BINS) $(HIL_FW_VARIANT)
CHECK_SUITES += hil:tests/hil/run-hil.sh
