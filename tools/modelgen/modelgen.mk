# modelgen: the generated networks (int8 ONNX, seeded weights) in build/models/.
MODELGEN := $(B)/bin/modelgen
MODELGEN_SRCS := $(addprefix tools/modelgen/, modelgen.c layers.c floatnet.c onnxw.c)
MODELGEN_OBJS := $(MODELGEN_SRCS:%.c=$(B)/%.o) $(B)/gen/onnx/onnx.pb-c.o
$(MODELGEN_SRCS:%.c=$(B)/%.o): CPPFLAGS_EXTRA += -I$(B)/gen
$(MODELGEN_SRCS:%.c=$(B)/%.o): $(ONNX_GEN_H)

$(MODELGEN): $(MODELGEN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lprotobuf-c -lm

MODEL_DIR := $(B)/models
NETWORKS := alexnet vgg16 resnet18 resnet50 mobilenetv2

# Reduced-resolution variants (make check) and full-size ResNet-18 (make run)
# are built by default; the other full-size models on demand (check-full).
$(MODEL_DIR)/%-reduced.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* --reduced -o $@ --input-out $(MODEL_DIR)/$*-reduced.input.pb \
		--layers-out $(MODEL_DIR)/$*-reduced.layers.csv
# Arbitrary float scales, any float (-fscale) or 4-bit mantissas, where
# rounding ties are frequent (-fscale4): the layer-wise --check tests.
$(MODEL_DIR)/%-reduced-fscale.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* --reduced --float-scales -o $@ \
		--input-out $(MODEL_DIR)/$*-reduced-fscale.input.pb
$(MODEL_DIR)/%-reduced-fscale4.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* --reduced --float-scales=4 -o $@ \
		--input-out $(MODEL_DIR)/$*-reduced-fscale4.input.pb
# Float networks as PyTorch exports them (BatchNormalization, Shape-subgraph
# flatten, Gemm), with a calibration folder and a held-apart folder of seeded
# inputs: what accelctl quantize and its tests start from.
FLOAT_SAMPLES := 8
$(MODEL_DIR)/%-reduced-float.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* --reduced --float -o $@ --input-out $(MODEL_DIR)/$*-reduced-float.input.pb \
		--samples-out $(MODEL_DIR)/$*-reduced-float.calib \
		--holdout-out $(MODEL_DIR)/$*-reduced-float.holdout --samples $(FLOAT_SAMPLES)
$(MODEL_DIR)/%-float.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* --float -o $@ --input-out $(MODEL_DIR)/$*-float.input.pb \
		--samples-out $(MODEL_DIR)/$*-float.calib \
		--holdout-out $(MODEL_DIR)/$*-float.holdout --samples $(FLOAT_SAMPLES)
$(MODEL_DIR)/%.onnx: $(MODELGEN)
	@mkdir -p $(MODEL_DIR)
	$(MODELGEN) $* -o $@ --input-out $(MODEL_DIR)/$*.input.pb \
		--layers-out $(MODEL_DIR)/$*.layers.csv

MODELS_REDUCED := $(NETWORKS:%=$(MODEL_DIR)/%-reduced.onnx)
MODELS_FULL := $(NETWORKS:%=$(MODEL_DIR)/%.onnx)
MODELS_FSCALE := $(NETWORKS:%=$(MODEL_DIR)/%-reduced-fscale.onnx) \
	$(NETWORKS:%=$(MODEL_DIR)/%-reduced-fscale4.onnx)
MODELS_FLOAT := $(NETWORKS:%=$(MODEL_DIR)/%-reduced-float.onnx)
MODELS_FLOAT_FULL := $(NETWORKS:%=$(MODEL_DIR)/%-float.onnx)
.PHONY: models models-full models-float models-float-full
models: $(MODELS_REDUCED) $(MODELS_FSCALE) $(MODELS_FLOAT) $(MODEL_DIR)/resnet18.onnx
models-full: $(MODELS_FULL)
models-float: $(MODELS_FLOAT)
models-float-full: $(MODELS_FLOAT_FULL)
ALL_TARGETS += $(MODELGEN) $(MODELS_REDUCED) $(MODELS_FSCALE) $(MODELS_FLOAT) \
	$(MODEL_DIR)/resnet18.onnx

# corpusgen: the exporter-style corpus the oracle suite compares with ONNX
# Runtime (tests/oracle): build/corpus (make check), build/corpus-full.
CORPUSGEN := $(B)/bin/corpusgen
CORPUSGEN_SRCS := $(addprefix tools/modelgen/, corpusgen.c corpus_net.c corpus_emit.c onnxw.c)
CORPUSGEN_OBJS := $(CORPUSGEN_SRCS:%.c=$(B)/%.o) $(B)/gen/onnx/onnx.pb-c.o
$(CORPUSGEN_SRCS:%.c=$(B)/%.o): CPPFLAGS_EXTRA += -I$(B)/gen
$(CORPUSGEN_SRCS:%.c=$(B)/%.o): $(ONNX_GEN_H)

$(CORPUSGEN): $(CORPUSGEN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $^ -lprotobuf-c -lm

CORPUS_DIR := $(B)/corpus
$(CORPUS_DIR)/.stamp: $(CORPUSGEN)
	rm -rf $(CORPUS_DIR) && $(CORPUSGEN) -o $(CORPUS_DIR) && touch $@
$(B)/corpus-full/.stamp: $(CORPUSGEN)
	rm -rf $(B)/corpus-full && $(CORPUSGEN) --full -o $(B)/corpus-full && touch $@
.PHONY: corpus-full
corpus-full: $(B)/corpus-full/.stamp
ALL_TARGETS += $(CORPUSGEN) $(CORPUS_DIR)/.stamp
