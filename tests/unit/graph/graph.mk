# Graph unit tests and the bad-model table (cmocka), plain and ASan/UBSan.
# They link the graph and ONNX parts of libaccel directly (no device).
GRAPH_TEST_LIBSRCS := $(GRAPH_SRCS) $(ONNX_SRCS) tools/modelgen/onnxw.c
GRAPH_TESTS := test_graph test_bad_models test_fold_bn test_fast
GRAPH_TEST_CPP := -Ilibaccel/src -Ilibaccel/include -I$(B)/gen -Itools/modelgen

define graph_test
$(B)/tests/unit/graph/$(1): $(B)/tests/unit/graph/$(1).o \
		$(GRAPH_TEST_LIBSRCS:%.c=$(B)/%.o) $(B)/gen/onnx/onnx.pb-c.o
	$$(CC) $$(LDFLAGS_COMMON) -o $$@ $$^ -lprotobuf-c -lcmocka -lm $$(OPENBLAS_LIBS) $$(DNNL_LIBS)
$(B)/asan/tests/unit/graph/$(1): $(B)/asan/tests/unit/graph/$(1).o \
		$(GRAPH_TEST_LIBSRCS:%.c=$(B)/asan/%.o) $(B)/asan/gen/onnx/onnx.pb-c.o
	$$(CC) $$(LDFLAGS_COMMON) $$(SAN_FLAGS) -o $$@ $$^ -lprotobuf-c -lcmocka -lm $$(OPENBLAS_LIBS) $$(DNNL_LIBS)
ALL_TARGETS += $(B)/tests/unit/graph/$(1) $(B)/asan/tests/unit/graph/$(1)
CHECK_SUITES += graph-$(1):$(B)/tests/unit/graph/$(1)
CHECK_SUITES += graph-$(1)-asan:$(B)/asan/tests/unit/graph/$(1)
endef
$(foreach t,$(GRAPH_TESTS),$(eval $(call graph_test,$(t))))

$(GRAPH_TESTS:%=$(B)/tests/unit/graph/%.o) $(GRAPH_TESTS:%=$(B)/asan/tests/unit/graph/%.o) \
$(B)/tools/modelgen/onnxw.o $(B)/asan/tools/modelgen/onnxw.o: CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(GRAPH_TESTS:%=$(B)/tests/unit/graph/%.o) $(GRAPH_TESTS:%=$(B)/asan/tests/unit/graph/%.o) \
$(B)/asan/tools/modelgen/onnxw.o: $(B)/gen/onnx/onnx.pb-c.h

# The model runner through the public API on emu (static library, + ASan).
$(B)/tests/unit/graph/test_model: $(B)/tests/unit/graph/test_model.o $(B)/tools/modelgen/onnxw.o \
		$(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o,$^) $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/graph/test_model: $(B)/asan/tests/unit/graph/test_model.o \
		$(B)/asan/tools/modelgen/onnxw.o $(B)/asan/gen/onnx/onnx.pb-c.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $(filter %.o,$^) \
		$(LIBACCEL_ASAN_LINK) -lcmocka
$(B)/tests/unit/graph/test_model.o $(B)/asan/tests/unit/graph/test_model.o: \
	CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(B)/tests/unit/graph/test_model.o $(B)/asan/tests/unit/graph/test_model.o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/graph/test_model $(B)/asan/tests/unit/graph/test_model
CHECK_SUITES += model-runner:$(B)/tests/unit/graph/test_model
CHECK_SUITES += model-runner-asan:$(B)/asan/tests/unit/graph/test_model

# Shapes through the public API on emu: folded shape subgraphs, symbolic dims.
$(B)/tests/unit/graph/test_shapes: $(B)/tests/unit/graph/test_shapes.o $(B)/tools/modelgen/onnxw.o \
		$(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o,$^) $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/graph/test_shapes: $(B)/asan/tests/unit/graph/test_shapes.o \
		$(B)/asan/tools/modelgen/onnxw.o $(B)/asan/gen/onnx/onnx.pb-c.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $(filter %.o,$^) \
		$(LIBACCEL_ASAN_LINK) -lcmocka
$(B)/tests/unit/graph/test_shapes.o $(B)/asan/tests/unit/graph/test_shapes.o: \
	CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(B)/tests/unit/graph/test_shapes.o $(B)/asan/tests/unit/graph/test_shapes.o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/graph/test_shapes $(B)/asan/tests/unit/graph/test_shapes
CHECK_SUITES += model-shapes:$(B)/tests/unit/graph/test_shapes
CHECK_SUITES += model-shapes-asan:$(B)/asan/tests/unit/graph/test_shapes

# accel_quantize() through the public API, then the result on emu (+ ASan).
$(B)/tests/unit/graph/test_quantize: $(B)/tests/unit/graph/test_quantize.o $(B)/tools/modelgen/onnxw.o \
		$(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o,$^) $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/graph/test_quantize: $(B)/asan/tests/unit/graph/test_quantize.o \
		$(B)/asan/tools/modelgen/onnxw.o $(B)/asan/gen/onnx/onnx.pb-c.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $(filter %.o,$^) \
		$(LIBACCEL_ASAN_LINK) -lcmocka
$(B)/tests/unit/graph/test_quantize.o $(B)/asan/tests/unit/graph/test_quantize.o: \
	CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(B)/tests/unit/graph/test_quantize.o $(B)/asan/tests/unit/graph/test_quantize.o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/graph/test_quantize $(B)/asan/tests/unit/graph/test_quantize
CHECK_SUITES += quantize-api:$(B)/tests/unit/graph/test_quantize
CHECK_SUITES += quantize-api-asan:$(B)/asan/tests/unit/graph/test_quantize

# QOperator and QDQ models: activation tables, com.microsoft ops (public API, emu).
$(B)/tests/unit/graph/test_qop_models: $(B)/tests/unit/graph/test_qop_models.o $(B)/tools/modelgen/onnxw.o \
		$(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o,$^) $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/graph/test_qop_models: $(B)/asan/tests/unit/graph/test_qop_models.o \
		$(B)/asan/tools/modelgen/onnxw.o $(B)/asan/gen/onnx/onnx.pb-c.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $(filter %.o,$^) \
		$(LIBACCEL_ASAN_LINK) -lcmocka
$(B)/tests/unit/graph/test_qop_models.o $(B)/asan/tests/unit/graph/test_qop_models.o: \
	CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(B)/tests/unit/graph/test_qop_models.o $(B)/asan/tests/unit/graph/test_qop_models.o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/graph/test_qop_models $(B)/asan/tests/unit/graph/test_qop_models
CHECK_SUITES += qop-models:$(B)/tests/unit/graph/test_qop_models
CHECK_SUITES += qop-models-asan:$(B)/asan/tests/unit/graph/test_qop_models

# Nearest x2 Resize / Upsample as the DMA-only upsample (public API, emu).
$(B)/tests/unit/graph/test_resize: $(B)/tests/unit/graph/test_resize.o $(B)/tools/modelgen/onnxw.o \
		$(B)/gen/onnx/onnx.pb-c.o $(LIBACCEL_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(filter %.o,$^) $(LIBACCEL_STATIC_LINK) -lcmocka
$(B)/asan/tests/unit/graph/test_resize: $(B)/asan/tests/unit/graph/test_resize.o \
		$(B)/asan/tools/modelgen/onnxw.o $(B)/asan/gen/onnx/onnx.pb-c.o $(LIBACCEL_ASAN_A) | $(FW_IMAGE)
	$(CC) $(LDFLAGS_COMMON) -fsanitize=address,undefined -o $@ $(filter %.o,$^) \
		$(LIBACCEL_ASAN_LINK) -lcmocka
$(B)/tests/unit/graph/test_resize.o $(B)/asan/tests/unit/graph/test_resize.o: \
	CPPFLAGS_EXTRA += $(GRAPH_TEST_CPP)
$(B)/tests/unit/graph/test_resize.o $(B)/asan/tests/unit/graph/test_resize.o: $(B)/gen/onnx/onnx.pb-c.h
ALL_TARGETS += $(B)/tests/unit/graph/test_resize $(B)/asan/tests/unit/graph/test_resize
CHECK_SUITES += resize-models:$(B)/tests/unit/graph/test_resize
CHECK_SUITES += resize-models-asan:$(B)/asan/tests/unit/graph/test_resize
