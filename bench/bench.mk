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

# make bench-cpu: float CPU inference (libaccel's OpenBLAS path) of the
# generated float networks against ONNX Runtime, one thread each.
.PHONY: bench-cpu
bench-cpu: $(ACCELCTL) $(MODELS_FLOAT) $(MODEL_DIR)/resnet18-float.onnx
	@bench/cpu/bench-cpu.sh $(MODEL_DIR) $(ACCELCTL)
BENCH_TARGETS += bench-cpu
