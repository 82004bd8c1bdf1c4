#!/bin/bash
# The float flow of NetAdapt on a generated float network (docs/netadapt.md),
# as TAP: profile the reduced MobileNetV2 float model, adapt it to 90 % of
# its conv/FC energy with held-out samples, quantize the adapted model and
# run it with --check on the emulated device. The adapted model must be
# smaller, its conv/FC layers must meet the budget as the device measures
# them in the whole-network run (equal to what adapt measured, within 5 %
# of the LUT's figure), and the held-out agreement must be computed on the
# held-out samples.
#
#   tests/cli/test_adapt_float.sh ACCELCTL MODEL_DIR
set -u
ACCELCTL=${1:-build/bin/accelctl}
MODELS=${2:-build/models}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
. "$(dirname "$0")/tap.sh"
export OPENBLAS_NUM_THREADS=1

m=$MODELS/mobilenetv2-reduced-float
echo "1..7"
if "$ACCELCTL" -d emu --json profile "$m.onnx" -o "$tmp/mb.lut" >"$tmp/prof.json" 2>"$tmp/err"; then
	ok "profile mobilenetv2-reduced-float"
else
	not_ok "profile mobilenetv2-reduced-float"
fi
E=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total']['energy_pj']['total'] / 1e6)" "$tmp/prof.json")
B=$(python3 -c "print('%.6f' % ($E * 0.9))")

if "$ACCELCTL" -d emu --json adapt "$m.onnx" --calib "$m.calib" --eval "$m.holdout" --lut "$tmp/mb.lut" \
	--budget "energy=$B" --step 0.1 -o "$tmp/ad.onnx" >"$tmp/a.json" 2>"$tmp/err"; then
	ok "adapt to 90 % of the energy, held-out samples apart"
else
	not_ok "adapt to 90 % of the energy, held-out samples apart"
fi
if out=$(python3 - "$tmp/a.json" "$tmp/prof.json" "$B" "$m.onnx" "$tmp/ad.onnx" <<'EOF' 2>&1
import json, os, sys
d = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2])); budget = float(sys.argv[3])
f = d["final"]
assert f["iterations"] >= 1 and f["figure"] <= budget * (1 + 1e-9), f
assert f["within_budget"] and f["measured"] <= budget * (1 + 1e-9), (f, budget)
# the adapted model is smaller: fewer channels somewhere, none more, a smaller file
orig = {l["name"]: (l["shape"]["c"], l["shape"]["m"]) for l in p["layers"]}
last = {l["name"]: (l["c"], l["m"]) for l in d["iterations"][-1]["layers"]}
assert set(orig) == set(last), set(orig) ^ set(last)
assert all(last[k][0] <= orig[k][0] and last[k][1] <= orig[k][1] for k in orig)
assert any(last[k] != orig[k] for k in orig)
assert os.path.getsize(sys.argv[5]) < os.path.getsize(sys.argv[4])
# held out: its own samples, so not the calibration figures
assert d["eval_samples"] == 8 and d["calibration_samples"] == 8, d
assert 0 <= f["eval_top1_agreement"] <= 1 and f["eval_sqnr_db"] != f["sqnr_db"], f
EOF
); then
	ok "the adapted model is smaller, meets the budget by the LUT and the device, held-out agreement reported"
else
	not_ok "the adapted model is smaller, meets the budget by the LUT and the device, held-out agreement reported" "$out"
fi
if "$ACCELCTL" quantize "$tmp/ad.onnx" -o "$tmp/ad.int8.onnx" --calib "$m.calib" >/dev/null 2>"$tmp/err"; then
	ok "accelctl quantize the adapted model"
else
	not_ok "accelctl quantize the adapted model"
fi
"$ACCELCTL" -d emu --json run "$tmp/ad.int8.onnx" --check --input "$m.input.pb" >"$tmp/run.json" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['check']; sys.exit(0 if c['ok'] and c['layers_checked'] > 0 else 1)" "$tmp/run.json"; then
	ok "run --check the quantized adapted model on emu"
else
	not_ok "run --check the quantized adapted model on emu" "exit $rc"
fi
# the budget as the whole-network run measures it: its conv/FC layers are
# what adapt measured (the LUT's layers), within the budget
if out=$(python3 - "$tmp/run.json" "$tmp/a.json" "$B" <<'EOF' 2>&1
import json, sys
r = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))["final"]; budget = float(sys.argv[3])
conv = [l for l in r["layers"] if "shape" in l and l["on"] == "device"]
e = sum(l["measured"]["energy_pj"]["total"] for l in conv) / 1e6
assert e <= budget * (1 + 1e-9), (e, budget)
assert abs(e - f["measured"]) <= 1e-6 * e, (e, f["measured"])
assert abs(e - f["figure"]) <= 0.05 * e, (e, f["figure"])
lat = sum(l["measured"]["cycles"] for l in conv) / (r["total"]["cycles"] / r["total"]["latency_ms"])
assert abs(lat - f["measured_latency_ms"]) <= 1e-6 * lat, (lat, f["measured_latency_ms"])
EOF
); then
	ok "the run's conv/FC energy is within the budget and equals adapt's measurement"
else
	not_ok "the run's conv/FC energy is within the budget and equals adapt's measurement" "$out"
fi
NO_OUTPUT_FILE=$tmp/bad.onnx
expect 2 "unreachable.*raise the budget to at least" "an unreachable budget on a float network" -- \
	-d emu adapt "$m.onnx" --calib "$m.calib" --lut "$tmp/mb.lut" --budget energy=0.001 -o "$tmp/bad.onnx"
exit $((failed > 0))
