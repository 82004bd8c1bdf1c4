# Fuzzing (docs/fuzzing.md): libFuzzer targets built with clang, ASan and
# UBSan including float-cast-overflow (which gcc's UBSan does not check),
# over every source of libaccel, the device model and the firmware's host
# build. This is also the clang sanitizer tier: those sources build here
# with clang's checks as well as in the gcc ASan/UBSan build.
#
#   make fuzz                 every target for FUZZ_SECONDS (default 600)
#                             each, corpora kept in build/fuzz/corpus/
#   make fuzz-TARGET          one target (model tensor plan telemetry fwimage
#                             quantize)
#   make check                each target for FUZZ_CHECK_SECONDS (20) plus
#                             every file of tests/fuzz/regressions/
FUZZ_CC ?= clang
FUZZ_DIR := $(B)/fuzz
FUZZ_TARGETS := model tensor plan telemetry fwimage quantize
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 20
FUZZ_SAN := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
# clang's own warnings are shown, not fatal: the gcc build is the -Werror gate.
FUZZ_CFLAGS := $(CSTD) -Wall -Wextra -Wno-unused-parameter -pthread -O1 -g \
	-fno-omit-frame-pointer -fno-strict-aliasing $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_CPPFLAGS := $(CPPFLAGS_COMMON) $(LIBACCEL_CPPFLAGS) $(SIM_CPPFLAGS) \
	-DEYRIE_FW_BUILD_PATH='"$(TOP)/$(FW_IMAGE)"' -Itests/fuzz
FUZZ_LIB_SRCS := $(LIBACCEL_SRCS) $(SIM_CORE_SRCS) $(SIMHOST_SRCS) $(FW_SRCS) \
	firmware/tools/eyrie_crc32.c
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_LIB := $(FUZZ_DIR)/libaccel-fuzz.a
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_FIXED_MODEL_DIR ?= /usr/share/libonnx-testdata/data/node/test_qlinearconv

# Generated headers (protobuf bindings, firmware build id) come first.
$(FUZZ_DIR)/obj/%.o: %.c | $(ONNX_GEN_H) $(SIM_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/obj/tests/fuzz/fuzz_tensor.o: \
	FUZZ_CPPFLAGS += -DFUZZ_FIXED_MODEL_DIR='"$(FUZZ_FIXED_MODEL_DIR)"'

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB) | $(FW_IMAGE)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -pthread -o $@ $< $(FUZZ_LIB) \
		$(LIBACCEL_LIBS) $(SIM_LDLIBS)

ALL_TARGETS += $(FUZZ_BINS)

# Seed corpora: the node tests of libonnx-testdata for the ops libaccel
# imports, the generated models' inputs, the firmware image, and the
# hand-written seeds of tests/fuzz/seeds/.
FUZZ_RUN := tests/fuzz/run-fuzz.sh
FUZZ_ENV := FUZZ_DIR=$(FUZZ_DIR) FW_IMAGE=$(FW_IMAGE) MODELS_DIR=$(B)/models

CHECK_SUITES += fuzz-regressions:env~FUZZ_DIR=$(FUZZ_DIR)~tests/fuzz/run-regressions.sh
CHECK_SUITES += $(foreach t,$(FUZZ_TARGETS),fuzz-$(t):env~FUZZ_DIR=$(FUZZ_DIR)~FW_IMAGE=$(FW_IMAGE)~MODELS_DIR=$(B)/models~$(FUZZ_RUN)~$(t)~$(FUZZ_CHECK_SECONDS))

.PHONY: fuzz $(addprefix fuzz-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))
$(addprefix fuzz-,$(FUZZ_TARGETS)): fuzz-%: all
	$(FUZZ_ENV) $(FUZZ_RUN) $* $(FUZZ_SECONDS)

# The closed classes through the public API (gcc, plain and ASan/UBSan).
HOSTILE_TEST := $(B)/tests/fuzz/test_hostile
HOSTILE_TEST_ASAN := $(B)/asan/tests/fuzz/test_hostile
$(HOSTILE_TEST).o $(HOSTILE_TEST_ASAN).o: CPPFLAGS_EXTRA += $(LIBACCEL_CPPFLAGS)
$(HOSTILE_TEST).o $(HOSTILE_TEST_ASAN).o: | $(ONNX_GEN_H)
$(HOSTILE_TEST): $(HOSTILE_TEST).o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $< $(LIBACCEL_STATIC_LINK) -lcmocka
$(HOSTILE_TEST_ASAN): $(HOSTILE_TEST_ASAN).o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $< $(LIBACCEL_ASAN_LINK) -lcmocka
ALL_TARGETS += $(HOSTILE_TEST) $(HOSTILE_TEST_ASAN)
CHECK_SUITES += hostile-inputs:$(HOSTILE_TEST) hostile-inputs-asan:$(HOSTILE_TEST_ASAN)
