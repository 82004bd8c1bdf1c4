# sim: build fragment (see mk/common.mk for the conventions).
#
#   $(SIM_LIB)       build/sim/libeyriesim.a: device model core + the host
#                    build of the firmware + the in-process host platform
#                    (eyrie_simhost.h). Link with $(SIM_LDLIBS).
#   $(SIM_LIB_ASAN)  the same, built with ASan/UBSan (for sanitizer tests).
#   make bench-sim   conv MAC/s of the model next to a CPU int8 reference.
# The QEMU front-end (sim/daemon/) has its own fragment.

SIM_CORE_SRCS := sim/src/sim_core.c sim/src/sim_boot.c sim/src/sim_hal.c \
	sim/src/sim_mmu.c sim/src/sim_dma.c sim/src/sim_array.c sim/src/sim_lut.c \
	sim/src/sim_kernels.c sim/src/sim_energy.c sim/src/sim_power.c
SIMHOST_SRCS := sim/simhost/simhost.c sim/simhost/simhost_mem.c \
	sim/simhost/simhost_ctx.c
SIM_CPPFLAGS := -Isim/include -Isim/src -Isim/simhost $(FW_CPPFLAGS) -Ifirmware/tools

SIM_OBJS := $(SIM_CORE_SRCS:%.c=$(B)/%.o) $(SIMHOST_SRCS:%.c=$(B)/%.o)
SIM_ASAN_OBJS := $(SIM_CORE_SRCS:%.c=$(B)/asan/%.o) $(SIMHOST_SRCS:%.c=$(B)/asan/%.o)
$(SIM_OBJS) $(SIM_ASAN_OBJS): CPPFLAGS_EXTRA += $(SIM_CPPFLAGS)
# The arithmetic kernels are the hot loop: let the compiler vectorize them.
$(B)/sim/src/sim_kernels.o: CFLAGS_EXTRA += -O3
$(B)/sim/simhost/simhost.o $(B)/asan/sim/simhost/simhost.o: \
	CPPFLAGS_EXTRA += -DEYRIE_FW_BUILD_PATH='"$(TOP)/$(FW_IMAGE)"'

SIM_LIB := $(B)/sim/libeyriesim.a
SIM_LIB_ASAN := $(B)/asan/sim/libeyriesim.a
SIM_LDLIBS := -lm -pthread

$(SIM_LIB): $(SIM_OBJS) $(FW_HOST_OBJS) $(EYRIE_CRC32_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SIM_LIB_ASAN): $(SIM_ASAN_OBJS) $(FW_HOST_ASAN_OBJS) $(EYRIE_CRC32_ASAN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

ALL_TARGETS += $(SIM_LIB) $(SIM_LIB_ASAN)

# --- unit tests (cmocka) ------------------------------------------------------
SIM_TESTS := test_sim_numerics test_sim_validation test_sim_mmu test_sim_energy \
	test_sim_boot test_sim_queues
SIM_TEST_COMMON := tests/unit/sim/sim_test_util.c tests/unit/sim/ref_ops.c
SIM_TEST_CPPFLAGS := $(SIM_CPPFLAGS) -Itests/unit/sim \
	-DFW_IMAGE_PATH='"$(TOP)/$(FW_IMAGE)"'
$(B)/tests/unit/sim/%.o $(B)/asan/tests/unit/sim/%.o: \
	CPPFLAGS_EXTRA += $(SIM_TEST_CPPFLAGS)

define sim_test_rules
$(B)/tests/unit/sim/$(1): $(B)/tests/unit/sim/$(1).o \
		$(SIM_TEST_COMMON:%.c=$(B)/%.o) $(SIM_LIB) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -o $$@ $$(filter %.o %.a,$$^) -lcmocka $(SIM_LDLIBS)
$(B)/asan/tests/unit/sim/$(1): $(B)/asan/tests/unit/sim/$(1).o \
		$(SIM_TEST_COMMON:%.c=$(B)/asan/%.o) $(SIM_LIB_ASAN) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -fsanitize=address,undefined -o $$@ \
		$$(filter %.o %.a,$$^) -lcmocka $(SIM_LDLIBS)
ALL_TARGETS += $(B)/tests/unit/sim/$(1) $(B)/asan/tests/unit/sim/$(1)
CHECK_SUITES += sim-$(subst test_sim_,,$(1)):$(B)/tests/unit/sim/$(1)
CHECK_SUITES += sim-$(subst test_sim_,,$(1))-asan:$(B)/asan/tests/unit/sim/$(1)
endef
$(foreach t,$(SIM_TESTS),$(eval $(call sim_test_rules,$(t))))
# The longer sweep: 100x the base random cases, another seed.
FULL_SUITES += sim-numerics-full:env~SIM_NUMERICS_SCALE=100~SIM_NUMERICS_SEED=0xfeed~$(B)/tests/unit/sim/test_sim_numerics

# --- benchmark ------------------------------------------------------------------
BENCH_SIM := $(B)/bench/sim/bench_sim
$(B)/bench/sim/%.o: CPPFLAGS_EXTRA += $(SIM_CPPFLAGS) -Itests/unit/sim
$(B)/bench/sim/bench_ref.o: CFLAGS_EXTRA += -O3
$(BENCH_SIM): $(B)/bench/sim/bench_sim.o $(B)/bench/sim/bench_ref.o \
		$(B)/tests/unit/sim/sim_test_util.o $(SIM_LIB) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o %.a,$^) $(SIM_LDLIBS)

.PHONY: bench-sim
bench-sim: $(BENCH_SIM)
	$(BENCH_SIM)
BENCH_TARGETS += bench-sim
ALL_TARGETS += $(BENCH_SIM)
