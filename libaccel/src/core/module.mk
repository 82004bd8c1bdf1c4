# libaccel core: errors, logging, devices, buffers, command buffers, jobs,
# telemetry (see docs/libaccel.md).
LIBACCEL_SRCS += $(addprefix libaccel/src/core/, \
	error.c log.c version.c device.c buffer.c cmdbuf.c describe.c job.c)

# Unit tests (tests/unit/libaccel/), plain and ASan/UBSan, against the static
# library so internals are reachable.
LIBACCEL_UNIT_TESTS := test_core test_emu test_threads
LIBACCEL_UNIT_BINS := $(LIBACCEL_UNIT_TESTS:%=$(B)/tests/unit/libaccel/%)
LIBACCEL_UNIT_ASAN_BINS := $(LIBACCEL_UNIT_TESTS:%=$(B)/asan/tests/unit/libaccel/%)

$(LIBACCEL_UNIT_BINS:%=%.o) $(LIBACCEL_UNIT_ASAN_BINS:%=%.o): \
	CPPFLAGS_EXTRA += -Ilibaccel/include -Ilibaccel/src
# The emulated board boots the firmware image the build produces.
$(B)/tests/unit/libaccel/%: $(B)/tests/unit/libaccel/%.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/libaccel/%: $(B)/asan/tests/unit/libaccel/%.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $< \
		$(LIBACCEL_ASAN_LINK) -lcmocka

ALL_TARGETS += $(LIBACCEL_UNIT_BINS) $(LIBACCEL_UNIT_ASAN_BINS) $(LIBACCEL_ASAN_A)
CHECK_SUITES += $(foreach t,$(LIBACCEL_UNIT_TESTS),libaccel-$(t:test_%=%):$(B)/tests/unit/libaccel/$(t)) \
	$(foreach t,$(LIBACCEL_UNIT_TESTS),libaccel-$(t:test_%=%)-asan:$(B)/asan/tests/unit/libaccel/$(t))
# The library as outsiders see it: soname, exports, libaccel.pc, linking.
CHECK_SUITES += libaccel-link:tests/unit/libaccel/test_link.sh~$(B)

# bench-libaccel: per-job and per-buffer host cost on emu (figures only).
BENCH_LIBACCEL := $(B)/tests/unit/libaccel/bench_jobs
$(B)/tests/unit/libaccel/bench_jobs.o: CPPFLAGS_EXTRA += -Ilibaccel/include
.PHONY: bench-libaccel
bench-libaccel: $(BENCH_LIBACCEL)
	$(BENCH_LIBACCEL)
BENCH_TARGETS += bench-libaccel
ALL_TARGETS += $(BENCH_LIBACCEL)
