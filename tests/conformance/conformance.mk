# ONNX backend node tests through `accelctl run --test-dir` on the emulated device.
CHECK_SUITES += conformance:tests/conformance/run-conformance.sh~$(ACCELCTL)~emu
CHECK_SUITES += run-cli:tests/conformance/run-cli.sh~$(ACCELCTL)~$(MODEL_DIR)
