# Eyrie: top-level build.
#
#   make            build everything (module, firmware, sim, libaccel, tools, models)
#   make run        install what is missing, build, run the main job
#   make check      install what is missing, build, run every test suite
#   make check-full the longer sweeps
#   make check-debug the HIL suite on a KASAN/lockdep/kmemleak kernel (built once)
#   make check-stress the HIL and telemetry suites under CPU load, 10 rounds
#   make bench      every benchmark (figures only, never pass/fail)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (600) each
#   make install    libaccel, headers, accelctl, firmware, udev rule (PREFIX, DESTDIR)
#
# KDIR selects the kernel to build the module for (default: the installed
# Debian 6.12 headers); the module needs the accel subsystem (Linux >= 6.2).

.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)

include mk/common.mk
include mk/deps.mk
include mk/kernel.mk

ALL_TARGETS :=
CHECK_SUITES :=
FULL_SUITES :=
BENCH_TARGETS :=

include firmware/firmware.mk
include sim/sim.mk
include libaccel/libaccel.mk
include tools/tools.mk
include driver/driver.mk
include tests/tests.mk
include bench/bench.mk
include mk/install.mk

.PHONY: all build-all run check check-full bench clean deps help

# Dependencies first, then a fresh make that sees the installed packages.
all: deps
	@$(MAKE) --no-print-directory build-all

build-all: $(ALL_TARGETS) module

run: all
	@tools/run-main-job.sh

check: all
	@tests/run-suites.sh $(CHECK_SUITES)

check-full: all
	@tests/run-suites.sh $(CHECK_SUITES) $(FULL_SUITES)

bench: all $(BENCH_TARGETS)

clean: module-clean
	rm -rf $(B)

help:
	@awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' Makefile

# Objects' header dependencies.
# (not inside the debug kernel's tree: tests/hil/debug-kernel.sh)
-include $(shell find $(B) -path $(B)/debug-kernel -prune -o -name '*.d' -type f -print 2>/dev/null)

# Anything make has no rule for (explicit or implicit, after chaining): say
# so, and what exists, instead of make's bare "No rule to make target".
.DEFAULT:
	@echo "error: no target or file named '$@'." >&2
	@echo "  targets: all run check check-full check-debug check-stress bench fuzz install uninstall clean help" >&2
	@echo "  ('make help' describes them; a missing source file means an incomplete checkout)" >&2
	@exit 2
