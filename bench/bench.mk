# bench: build fragment (see mk/common.mk for the conventions).

# bench-plan-budget: planning time with the default search budget, on the
# layers of issue 14's cliffs and random layers (figures only).
BENCH_PLAN_BUDGET := $(B)/bench/plan_budget/bench_plan_budget
$(B)/bench/plan_budget/bench_plan_budget.o: CPPFLAGS_EXTRA += -Ilibaccel/include
$(BENCH_PLAN_BUDGET): $(B)/bench/plan_budget/bench_plan_budget.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(LIBACCEL_STATIC_LINK)
.PHONY: bench-plan-budget
bench-plan-budget: $(BENCH_PLAN_BUDGET)
	$(BENCH_PLAN_BUDGET)
BENCH_TARGETS += bench-plan-budget
ALL_TARGETS += $(BENCH_PLAN_BUDGET)
