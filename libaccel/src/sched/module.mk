# libaccel/src/sched: the tile scheduler (docs/scheduler.md).
SCHED_SRCS := $(wildcard libaccel/src/sched/*.c)
LIBACCEL_SRCS += $(SCHED_SRCS)

# --- tests (tests/unit/sched/) -------------------------------------------------
# The scheduler's internal API is tested directly from its objects (plus the
# device model for the default description and the in-process runs).
SCHED_CORE_SRCS := $(filter-out %/plan_api.c %/timeloop.c,$(SCHED_SRCS))
SCHED_TEST_UTIL := tests/unit/sched/sched_test_util.c
SCHED_TEST_CPPFLAGS := $(LIBACCEL_CPPFLAGS) -Itests/unit/sched \
	-DEYRIE_LAYERS_CSV_DEFAULT='"$(TOP)/bench/workloads/layers.csv"'
$(B)/tests/unit/sched/%.o $(B)/asan/tests/unit/sched/%.o $(B)/bench/mapper/%.o: \
	CPPFLAGS_EXTRA += $(SCHED_TEST_CPPFLAGS)

define sched_test_rules
$(B)/tests/unit/sched/$(1): $(B)/tests/unit/sched/$(1).o $(SCHED_TEST_UTIL:%.c=$(B)/%.o) \
		$(SCHED_CORE_SRCS:%.c=$(B)/%.o) $(SIM_LIB) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -o $$@ $$(filter %.o %.a,$$^) -lcmocka $(SIM_LDLIBS)
$(B)/asan/tests/unit/sched/$(1): $(B)/asan/tests/unit/sched/$(1).o \
		$(SCHED_TEST_UTIL:%.c=$(B)/asan/%.o) $(SCHED_CORE_SRCS:%.c=$(B)/asan/%.o) \
		$(SIM_LIB_ASAN) | $(FW_IMAGE)
	$$(CC) $$(LDFLAGS_COMMON) -fsanitize=address,undefined -o $$@ \
		$$(filter %.o %.a,$$^) -lcmocka $(SIM_LDLIBS)
ALL_TARGETS += $(B)/tests/unit/sched/$(1) $(B)/asan/tests/unit/sched/$(1)
endef
$(foreach t,test_sched test_sched_sim,$(eval $(call sched_test_rules,$(t))))
CHECK_SUITES += sched:$(B)/tests/unit/sched/test_sched
CHECK_SUITES += sched-asan:env~SCHED_TEST_SCALE=24~$(B)/asan/tests/unit/sched/test_sched
FULL_SUITES += sched-full:env~SCHED_FULL=1~$(B)/tests/unit/sched/test_sched
CHECK_SUITES += sched-sim:$(B)/tests/unit/sched/test_sched_sim
# A second seed, whose case 10 of test_zero_gating (a plan kept one group at
# a time, coded activations) was once costed with group-parallel passes.
CHECK_SUITES += sched-sim-beef:env~SCHED_SIM_CASES=600~SCHED_SIM_SEED=0xbeef~$(B)/tests/unit/sched/test_sched_sim
CHECK_SUITES += sched-sim-asan:env~SCHED_SIM_CASES=40~$(B)/asan/tests/unit/sched/test_sched_sim
FULL_SUITES += sched-sim-full:env~SCHED_SIM_CASES=3000~SCHED_SIM_SEED=0xbeef~$(B)/tests/unit/sched/test_sched_sim

# --- benchmark -----------------------------------------------------------------
BENCH_MAPPER := $(B)/bench/mapper/bench_mapper
$(BENCH_MAPPER): $(B)/bench/mapper/bench_mapper.o $(SCHED_TEST_UTIL:%.c=$(B)/%.o) \
		$(SCHED_CORE_SRCS:%.c=$(B)/%.o) $(SIM_LIB)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o %.a,$^) $(SIM_LDLIBS)
ALL_TARGETS += $(BENCH_MAPPER)
.PHONY: bench-mapper
bench-mapper: $(BENCH_MAPPER)
	$(BENCH_MAPPER)
BENCH_TARGETS += bench-mapper

# Timeloop export: consistent for Timeloop v3.0.3 (factors, mesh, energies);
# the runs against Timeloop itself are by hand (docs/scheduler.md).
CHECK_SUITES += timeloop-export:tests/cli/test_timeloop_export.sh~$(B)/bin/accelctl
CHECK_SUITES += plan-sparse:tests/cli/test_plan_sparse.sh~$(B)/bin/accelctl
CHECK_SUITES += plan-objective:tests/cli/test_plan_objective.sh~$(B)/bin/accelctl
