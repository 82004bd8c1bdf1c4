# ONNX Runtime (npm onnxruntime-node, installed by tools/install-deps.sh into
# tests/oracle/node_modules) as the oracle: the generated networks and the
# exporter-style corpus run by ONNX Runtime and by accelctl on emu, compared.
CHECK_SUITES += oracle:tests/oracle/run-oracle.sh~$(ACCELCTL)~$(MODEL_DIR)~$(CORPUS_DIR)
FULL_SUITES += oracle-full:tests/oracle/run-oracle.sh~--full~$(ACCELCTL)~$(MODEL_DIR)~$(B)/corpus-full
# The oracle's own checks: its TensorProto codec, and ONNX Runtime against
# the expected outputs of ONNX's backend node tests (libonnx-testdata).
CHECK_SUITES += oracle-self:node~tests/oracle/selftest.js
# ELTWISE's binary32 rule bit for bit against ONNX Runtime's QLinearAdd
# (int8 and uint8, ties; docs/hardware.md 7.11), and the CPU reference of
# QLinearMul and of a QDQ Mul against ONNX Runtime's the same way: about
# 12 s.
CHECK_SUITES += oracle-qladd:node~tests/oracle/qladd-check.js~$(ACCELCTL)
