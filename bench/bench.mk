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

# make bench-cpu: float CPU inference (libaccel's CPU plan: oneDNN, and
# OpenBLAS for the rest) of the generated float networks against ONNX
# Runtime, one thread each.
.PHONY: bench-cpu
bench-cpu: $(ACCELCTL) $(MODELS_FLOAT) $(MODEL_DIR)/resnet18-float.onnx
	@bench/cpu/bench-cpu.sh $(MODEL_DIR) $(ACCELCTL)
BENCH_TARGETS += bench-cpu

# make bench-netadapt: NetAdapt on the five generated float networks (reduced
# variants): the trade-off of measured energy against held-out agreement per
# adapt iteration, the measured LUT against the MAC proxy at the same budget,
# and the LUT against whole-network runs (docs/netadapt.md). Tables in
# build/bench/netadapt/netadapt.md, the plot in build/bench/netadapt/netadapt.svg.
.PHONY: bench-netadapt
bench-netadapt: $(ACCELCTL) $(MODELS_FLOAT)
	@bench/netadapt/figures.sh $(MODEL_DIR) $(ACCELCTL) $(B)/bench/netadapt
BENCH_TARGETS += bench-netadapt
