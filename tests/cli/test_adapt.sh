#!/bin/bash
# accelctl adapt (NetAdapt on the device's LUT, docs/accelctl.md), as TAP,
# on a float model with a residual tie group, a depthwise conv and an FC
# after Flatten (written by make_fixture): the budget is met by the LUT and
# by the device's measurement of the adapted model, which runs; both
# calibration layouts; held-out samples (--eval) and the device's
# measurement of every iteration (--measure-iterations); bad budgets, bad
# LUTs and bad calibration folders fail with their exit codes, a message
# naming the cause and no output.
#
#   tests/cli/test_adapt.sh ACCELCTL MAKE_FIXTURE [MODEL_DIR]
set -u
ACCELCTL=${1:-build/bin/accelctl}
FIXTURE=${2:-build/tests/unit/netadapt/make_fixture}
MODELS=${3:-build/models}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
. "$(dirname "$0")/tap.sh"
NO_OUTPUT_FILE=$tmp/bad.onnx

echo "1..38"
"$FIXTURE" "$tmp" || { echo "Bail out! make_fixture failed"; exit 1; }
M=$tmp/chain.onnx

# the LUT of the float model, and its conv/FC energy
if "$ACCELCTL" -d emu profile "$M" --json -o "$tmp/chain.lut" >"$tmp/prof.json" 2>"$tmp/err"; then
	ok "profile a float model"
else
	not_ok "profile a float model"
fi
E=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total']['energy_pj']['total'] / 1e6)" "$tmp/prof.json")
B=$(python3 -c "print($E * 0.7)")

# adapt to 70 % of the energy; the calibration samples as the held-out
# ones too (their agreement must then be the calibration agreement)
if "$ACCELCTL" -d emu adapt "$M" --calib "$tmp/calib" --lut "$tmp/chain.lut" \
	--budget "energy=$B" --step 0.1 -o "$tmp/out.onnx" --eval "$tmp/calib" --measure-iterations \
	--json >"$tmp/a.json" 2>"$tmp/err"; then
	ok "adapt to 70 % of the energy"
else
	not_ok "adapt to 70 % of the energy"
fi
if out=$(python3 - "$tmp/a.json" "$B" "$E" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1])); budget = float(sys.argv[2]); original = float(sys.argv[3])
assert {"model", "output", "device", "budget", "step", "calibration_samples", "iterations",
        "original", "final"} <= set(d), set(d)
assert d["budget"] == {"metric": "energy", "value": budget, "unit": "uJ"} or \
    abs(d["budget"]["value"] - budget) < 1e-9, d["budget"]
assert abs(d["original"]["figure"] - original) <= 1e-6 * original, (d["original"], original)
its = d["iterations"]
assert len(its) >= 2, len(its)
for it in its:
    assert {"iteration", "target", "figure", "proposals", "pruned", "removed", "kept",
            "met_target", "refitted", "top1_agreement", "sqnr_db", "layers"} <= set(it), set(it)
    assert 0 <= it["top1_agreement"] <= 1 and it["removed"] >= 1 and it["proposals"] >= 1
    assert {l["name"] for l in it["layers"]} == {"conv1", "conv2", "dw", "conv3", "gemm"}
assert all(a["figure"] > b["figure"] for a, b in zip(its, its[1:]))
f = d["final"]
assert f["figure"] <= budget * (1 + 1e-9), (f["figure"], budget)
# the LUT interpolates between measured points: the device agrees within 5 %
assert abs(f["measured"] - f["figure"]) <= 0.05 * f["figure"], (f["measured"], f["figure"])
EOF
); then
	ok "--json: iterations shrink the figure, the final one within budget and measured within 5 %"
else
	not_ok "--json: iterations shrink the figure, the final one within budget and measured within 5 %" "$out"
fi
if out=$(python3 - "$tmp/a.json" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1])); its = d["iterations"]; f = d["final"]
assert d["eval_samples"] == d["calibration_samples"] == 16, d["eval_samples"]
for it in its:
    # the same samples: the same agreement
    assert it["eval_top1_agreement"] == it["top1_agreement"], it
    assert it["eval_sqnr_db"] == it["sqnr_db"], it
    # measured on the device at the iteration's channel counts, near the LUT
    assert abs(it["measured"] - it["figure"]) <= 0.05 * it["figure"], it
    assert it["measured"] == it["measured_energy_uj"] and it["measured_latency_ms"] > 0, it
assert all(a["measured"] > b["measured"] for a, b in zip(its, its[1:]))
# the last iteration's channels are the written model's: the same measurement
assert abs(its[-1]["measured"] - f["measured"]) <= 1e-9 * f["measured"], (its[-1]["measured"], f)
assert f["eval_sqnr_db"] == f["sqnr_db"] and f["measured_dram_words"] > 0, f
# the loop ends when the device's measurement meets the budget
assert f["within_budget"] and f["measured"] <= d["budget"]["value"] * (1 + 1e-9), f
assert f["corrections"] >= 0, f
EOF
); then
	ok "--eval with the calibration samples agrees with them; --measure-iterations measures each iteration"
else
	not_ok "--eval with the calibration samples agrees with them; --measure-iterations measures each iteration" "$out"
fi
expect 0 "" "the adapted model runs (CPU reference)" -- run "$tmp/out.onnx" --cpu \
	--input "$tmp/calib/s00.pb"
# text output, subfolder calibration layout, no --lut (profiles first), latency budget
expect 0 "^iteration 1: latency .* keeps .*top-1" "adapt --budget latency without --lut, subfolder samples" -- \
	-d emu adapt "$M" --calib "$tmp/calib-dirs" --budget latency=0.005 --step 0.2 -o "$tmp/lat.onnx" \
	--holdout "$tmp/calib"
if grep -q "^  channels: conv1 3x" "$tmp/out" && grep -q "measured on the device" "$tmp/out"; then
	ok "text output: channels per layer each iteration, the device's measurement at the end"
else
	not_ok "text output: channels per layer each iteration, the device's measurement at the end"
fi
if [ "$(grep -c "^  held out: top-1 .* %, SQNR .* dB" "$tmp/out")" = "$(grep -c "^iteration " "$tmp/out")" ] &&
   grep -q "^held out (16 sample(s)): top-1 agreement" "$tmp/out"; then
	ok "--holdout: the held-out agreement each iteration and at the end"
else
	not_ok "--holdout: the held-out agreement each iteration and at the end"
fi
expect 0 "already meets the budget" "a budget the model meets: written unchanged" -- \
	-d emu adapt "$M" --calib "$tmp/calib" --lut "$tmp/chain.lut" --budget dram=1e12 \
	-o "$tmp/same.onnx"
if cmp -s <("$ACCELCTL" run "$tmp/same.onnx" --cpu --input "$tmp/calib/s01.pb" --output "$tmp/y1.pb" >/dev/null 2>&1; cat "$tmp/y1.pb") \
	  <("$ACCELCTL" run "$M" --cpu --input "$tmp/calib/s01.pb" --output "$tmp/y2.pb" >/dev/null 2>&1; cat "$tmp/y2.pb"); then
	ok "the unchanged model computes what the original does"
else
	not_ok "the unchanged model computes what the original does"
fi

# NetAdapt's comparison: the MAC count as the proxy, the energy reported
if "$ACCELCTL" -d emu adapt "$M" --calib "$tmp/calib" --lut "$tmp/chain.lut" --budget "energy=$B" \
	--step 0.1 --proxy macs -o "$tmp/macs.onnx" --eval "$tmp/calib-dirs" --json >"$tmp/p.json" 2>"$tmp/err" &&
   python3 -c "import json,sys; d=json.load(open(sys.argv[1])); its=d['iterations']; \
sys.exit(0 if d['proxy']=='macs' and its and all('macs' in i and 'target_macs' in i for i in its) \
and all(a['macs'] > b['macs'] for a, b in zip(its, its[1:])) and 'within_budget' in d['final'] \
and d['eval_samples'] == 4 and all(i['measured'] is None for i in its) \
and any(i['eval_sqnr_db'] != i['sqnr_db'] for i in its) else 1)" "$tmp/p.json"; then
	ok "--proxy macs shrinks the MAC count and reports the energy it measures"
else
	not_ok "--proxy macs shrinks the MAC count and reports the energy it measures"
fi
expect 2 "--proxy takes macs" "--proxy flops" -- -d emu adapt "$M" --calib "$tmp/calib" \
	--budget energy=1 --proxy flops -o "$tmp/bad.onnx"

# bad budgets: exit 2, the cause and the fix
A=(-d emu adapt "$M" --calib "$tmp/calib" --lut "$tmp/chain.lut" -o "$tmp/bad.onnx")
expect 2 "must be positive" "--budget energy=0" -- "${A[@]}" --budget energy=0
expect 2 "must be positive" "--budget energy=-5" -- "${A[@]}" --budget energy=-5
expect 2 "unknown budget 'power'" "--budget power=3 (unknown key)" -- "${A[@]}" --budget power=3
expect 2 "not a number" "--budget energy=abc" -- "${A[@]}" --budget energy=abc
expect 2 "not a number" "--budget energy=nan" -- "${A[@]}" --budget energy=nan
expect 2 "is not KEY=VALUE" "--budget 5" -- "${A[@]}" --budget 5
expect 2 "not a number" "--budget energy= (no value)" -- "${A[@]}" --budget energy=
expect 2 "not a number" "--budget energy=5uJ (a unit)" -- "${A[@]}" --budget energy=5uJ
expect 2 "not a number" "--budget energy=1e999 (overflow)" -- "${A[@]}" --budget energy=1e999
expect 2 "unknown budget ''" "--budget =5 (no key)" -- "${A[@]}" --budget =5
expect 2 "unreachable.*raise the budget to at least" "an unreachable budget" -- "${A[@]}" --budget energy=0.000001
expect 2 "--budget is required" "no budget" -- -d emu adapt "$M" --calib "$tmp/calib" -o "$tmp/bad.onnx"
expect 2 "--step takes" "--step 0" -- "${A[@]}" --budget energy=1 --step 0
expect 2 "--step takes" "--step 1.5" -- "${A[@]}" --budget energy=1 --step 1.5
expect 2 "--calib DIR is required" "no --calib" -- -d emu adapt "$M" --budget energy=1 -o "$tmp/bad.onnx"
expect 2 "-o OUT.onnx is required" "no -o" -- -d emu adapt "$M" --budget energy=1 --calib "$tmp/calib"

# bad LUTs: exit 3, the cause, "profile"
L=(-d emu adapt "$M" --calib "$tmp/calib" --budget "energy=$B" -o "$tmp/bad.onnx")
sed '1s/version=1/version=9/' "$tmp/chain.lut" >"$tmp/v9.lut"
expect 3 "version 9.*profile" "a LUT of another version" -- "${L[@]}" --lut "$tmp/v9.lut"
head -n -3 "$tmp/chain.lut" >"$tmp/cut.lut"
expect 3 "truncated.*profile" "a truncated LUT" -- "${L[@]}" --lut "$tmp/cut.lut"
awk -F, -v OFS=, 'NR == 4 { $31 = "nan" } { print }' "$tmp/chain.lut" >"$tmp/nan.lut"
expect 3 "NaN.*profile" "a LUT with a NaN" -- "${L[@]}" --lut "$tmp/nan.lut"
cut -d, --complement -f31 "$tmp/chain.lut" >"$tmp/nocol.lut"
expect 3 "column 31 of the header is 'dram_words', version 1 has 'cycles'.*profile" \
	"a LUT without its cycles column" -- "${L[@]}" --lut "$tmp/nocol.lut"
"$ACCELCTL" -d emu profile "$MODELS/resnet18-reduced.onnx" --channels 65535 -o "$tmp/r18.lut" >/dev/null 2>&1
expect 3 "profiled for resnet18-reduced.onnx.*accelctl profile" "another model's LUT" -- \
	"${L[@]}" --lut "$tmp/r18.lut"
expect 3 "cannot read the LUT" "a missing LUT" -- "${L[@]}" --lut "$tmp/none.lut"

# bad calibration folders: exit 3, the cause
C=(-d emu adapt "$M" --lut "$tmp/chain.lut" --budget "energy=$B" -o "$tmp/bad.onnx")
expect 3 "is empty" "an empty calibration folder" -- "${C[@]}" --calib "$tmp/empty"
expect 3 "dimension 2 of 4, the model wants 8" "a sample of the wrong shape" -- "${C[@]}" --calib "$tmp/calib-bad"
expect 3 "^accelctl adapt: error: --eval: .*dimension 2 of 4" "--eval: a held-out sample of the wrong shape" -- \
	"${C[@]}" --calib "$tmp/calib" --eval "$tmp/calib-bad"
expect 0 "accelctl adapt FLOAT.onnx" "adapt --help" -- adapt --help
exit $((failed > 0))
