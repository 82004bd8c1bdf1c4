#!/bin/bash
# The host's half of the kmd model check: runs MODEL on the in-process
# emulated board with its generated input, checked against the CPU
# reference, and keeps what the guest needs to do the same through the
# driver: the model, the input and the SHA-256 of every output file (or,
# if the host run fails, the reason, which the guest then reports).
#
#   tests/hil/kmd/host-ref.sh ACCELCTL MODEL_DIR MODEL OUT_DIR
set -euo pipefail
accelctl=$1 models=$2 model=$3 out=$4
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$models/$model.onnx" "$out/$model.onnx"
cp "$models/$model.input.pb" "$out/$model.input.pb"
# A failure here is a test result, not a build error: the guest's
# comparison fails and shows why.
if ! "$accelctl" -d emu run "$models/$model.onnx" --input "$models/$model.input.pb" \
	--check --output-dir "$tmp/out" >"$tmp/log" 2>&1; then
	echo "host-ref: warning: $model failed on emu; the HIL comparison will fail:" >&2
	tail -n 5 "$tmp/log" >&2
	{ echo "host emu run of $model failed:"; tail -n 5 "$tmp/log"; } >"$out/$model.sha256"
	exit 0
fi
(cd "$tmp/out" && sha256sum output_*.pb) >"$out/$model.sha256.tmp"
mv "$out/$model.sha256.tmp" "$out/$model.sha256"
