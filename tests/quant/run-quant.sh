#!/bin/bash
# accelctl quantize on the generated float networks (TAP):
#
#   tests/quant/run-quant.sh [--full] MODEL_DIR ACCELCTL [METHODS] [NETWORKS]
#
# For every network and method: quantize the float network (calibration
# folder, held-apart evaluation folder), check the report (every key, SQNR
# floors), run the result on the emulated device with --check (layer by
# layer against the reference), and require at least 99 % of the MACs on the
# device, and run it in ONNX Runtime (tests/oracle) on the same input: the
# first layer's outputs within 1 LSB of its scale, and end to end the
# network's output within 1 LSB of ONNX Runtime's on every value, at most
# 1 % of them 1 LSB off (compare.js's thresholds; ONNX Runtime with its QDQ
# fusions, as it runs a QDQ model in production: the QLinear kernels whose
# binary32 requantization and QLinearAdd arithmetic the emulated board
# has, docs/hardware.md 7.11; where ORT leaves islands of its own in float
# and so parts from its QLinear kernels, against those kernels:
# ort_float_islands).
# Per network, the first method's calibration also as --format qoperator
# (qop_one: the same parameters, QLinear ops, run --check, every quantized
# activation of the network against ONNX Runtime within those thresholds,
# and each of ONNX Runtime and accelctl gives it the QDQ model's output
# within them).
# Then the bad inputs, in both formats: calibration samples of the wrong
# shape, type or name, an empty folder, NaN in a sample, Inf in the
# activations, an unknown --exclude; each must fail with its exit code and a
# message naming the cause, and leave the output file as it was (none, or
# the old one).
# --full uses the full-size float networks (make check-full).
set -u
full=0
if [ "${1:-}" = --full ]; then full=1; shift; fi
models=$1 accelctl=$2
methods=${3:-minmax,percentile,entropy}
networks=${4:-alexnet,vgg16,resnet18,resnet50,mobilenetv2}
suffix=-reduced-float
[ $full = 1 ] && suffix=-float
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

# Every quantized activation of MODEL (the T_quantized of each tensor in
# the quantize report JSON, plus the graph's outputs, in steps of LSB):
# ONNX Runtime (with ORT_OPT, "" or --optimize; a QOperator model: with
# --optimize ORT would not fuse a QDQ island whose output is made a graph
# output) and `accelctl run` on emu,
# both on the model with those tensors made graph outputs (at most 60 at a
# time: accelctl runs at most 64 outputs), compared by compare.js --all.
# Prints the comparison line of each batch; fails if one is outside.
ort_every_activation() {
	local model=$1 js=$2 ort_opt=$3 lsb=$4 input=$5 nb k names rc=0 out
	nb=$(python3 -c "import json; print((len(json.load(open('$js'))['tensors']) + 59) // 60)")
	for ((k = 0; k < nb; k++)); do
		names=$(python3 -c "import json; print(' '.join('--extra-output ' + t['tensor'] + '_quantized' for t in json.load(open('$js'))['tensors'][$k * 60:$k * 60 + 60]))")
		rm -rf "$tmp/all-ort" "$tmp/all-acc"
		# shellcheck disable=SC2086
		if ! out=$(node "$oracle/ort-run.js" "$model" $ort_opt --input "$input" $names \
				--save-model "$tmp/all.onnx" --output-dir "$tmp/all-ort" 2>&1) ||
		   ! out=$("$accelctl" -d emu run "$tmp/all.onnx" --input "$input" \
				--output-dir "$tmp/all-acc" 2>&1) ||
		   ! out=$(node "$oracle/compare.js" --all "$tmp/all-ort" "$tmp/all-acc" --lsb "$lsb" 2>&1); then
			rc=1
		fi
		echo "$out" | head -c 400
		echo
	done
	return $rc
}

# One network, one method.
quantize_one() {
	local net=$1 method=$2 m="$models/$1$suffix"
	local q="$tmp/$net-$method.onnx" js="$tmp/$net-$method.json" rj="$tmp/$net-$method.run.json"
	local rc
	"$accelctl" --json quantize "$m.onnx" -o "$q" --calib "$m.calib" --eval "$m.holdout" \
		--method "$method" --report "$tmp/$net-$method.report.json" >"$js" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$q" ]; then
		not_ok "$net $method: quantize" "exit $rc: $(head -c 400 "$tmp/err")"
		return
	fi
	# the report: keys, per-tensor figures, held-apart figures, SQNR floors
	if out=$(python3 - "$js" "$tmp/$net-$method.report.json" <<'EOF'
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r == json.load(open(sys.argv[2])), "--report differs from --json"
for k in ("model", "output", "format", "method", "per_channel", "calib_samples",
          "eval_samples", "eval_held_apart", "nodes", "quantized_nodes",
          "batchnorm_folded", "output_sqnr_db", "classifier", "top1_agreement", "tensors"):
    assert k in r, "missing key " + k
assert r["eval_held_apart"] and r["eval_samples"] > 0 and r["calib_samples"] > 0
assert r["per_channel"] and r["batchnorm_folded"] > 0 and r["classifier"]
assert r["quantized_nodes"] > 0
for t in r["tensors"]:
    for k in ("tensor", "node", "op", "min", "max", "range", "scale", "zero_point", "sqnr_db"):
        assert k in t, "tensor entry without " + k
    lo, hi = t["range"]
    assert lo <= 0 <= hi and t["scale"] > 0 and -128 <= t["zero_point"] <= 127, t
# floors well below what the networks reach (docs/models.md), far above noise
assert r["tensors"][0]["sqnr_db"] is None or r["tensors"][0]["sqnr_db"] > 30, r["tensors"][0]
assert r["output_sqnr_db"] > 4, "output SQNR %.2f dB" % r["output_sqnr_db"]
print("output SQNR %.2f dB, top-1 agreement %.3f over %d rows, %d/%d nodes quantized"
      % (r["output_sqnr_db"], r["top1_agreement"], r["top1_rows"], r["quantized_nodes"], r["nodes"]))
EOF
	); then
		ok "$net $method: quantize, report ($out)"
	else
		not_ok "$net $method: quantize, report" "$out"
	fi
	# on the device, layer by layer against the reference
	"$accelctl" -d emu --json run "$q" --check --input "$m.input.pb" \
		--output "$tmp/$net-$method.out.pb" >"$rj" 2>"$tmp/err"
	rc=$?
	"$accelctl" -d emu --json inspect "$q" >"$tmp/$net-$method.inspect.json" 2>>"$tmp/err"
	if out=$(python3 - "$rj" "$tmp/$net-$method.inspect.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["check"]
assert c["ok"], "check failed: %s" % c["failed_layers"]
macs = json.load(open(sys.argv[2]))["macs"]
assert macs["total"] > 0, "no MACs"
assert macs["device_share"] >= 0.99, "%.2f %% of the MACs on the device" % (100 * macs["device_share"])
print("%.2f %% of %d MACs on the device (inspect), %d device layers checked, %d ties"
      % (100 * macs["device_share"], macs["total"], c["layers_checked"], c["ties"]))
EOF
	) && [ $rc -eq 0 ]; then
		ok "$net $method: run --check on emu ($out)"
	else
		not_ok "$net $method: run --check on emu" "exit $rc: $out $(head -c 300 "$tmp/err")"
	fi
	# ONNX Runtime loads the model and agrees within 1 LSB of the output's scale
	if [ ! -e "$oracle/ort-run.js" ]; then
		ok "$net $method: ONNX Runtime cross-check # SKIP the oracle (tests/oracle) is not in this tree"
		return
	fi
	# The first quantized layer sees the same input in both: its output must
	# agree within 1 LSB (compare.js's thresholds), ONNX Runtime without
	# its fusions (DequantizeLinear, float Conv, QuantizeLinear) too.
	first=$(python3 -c "import json; t = json.load(open('$js'))['tensors']; print(t[1]['tensor'], t[1]['scale'])")
	lsb=$(python3 -c "import json; r = json.load(open('$js')); o = json.load(open('$rj'))['outputs'][0]['name']; print([t['scale'] for t in r['tensors'] if t['tensor'] == o][0])" 2>/dev/null)
	rm -rf "$tmp/ort" "$tmp/acc"
	if out=$(node "$oracle/ort-run.js" "$q" --input "$m.input.pb" --extra-output "${first% *}" \
			--save-model "$tmp/ex.onnx" --output-dir "$tmp/ort" 2>&1) &&
	   out=$("$accelctl" run "$tmp/ex.onnx" --cpu --input "$m.input.pb" --output-dir "$tmp/acc" 2>&1) &&
	   out=$(node "$oracle/compare.js" "$tmp/ort/output_1.pb" "$tmp/acc/output_1.pb" --lsb "${first#* }" 2>&1); then
		ok "$net $method: ONNX Runtime runs it; first layer '${first% *}': $out"
	else
		not_ok "$net $method: ONNX Runtime cross-check" "$out"
	fi
	# End to end: the emulated board computes as the QLinear kernels ONNX
	# Runtime fuses the QDQ islands into (QLinearAdd included), so near
	# ties no longer part them. Only the graph's output: ONNX Runtime does
	# not fuse an island whose QuantizeLinear output is made a graph output
	# (it would run it in float); qop_one compares every activation of the
	# QOperator model.
	rm -rf "$tmp/ort-opt"
	if out=$(node "$oracle/ort-run.js" "$q" --optimize --input "$m.input.pb" --output-dir "$tmp/ort-opt" 2>&1) &&
	   out=$(node "$oracle/compare.js" "$tmp/ort-opt/output_0.pb" "$tmp/$net-$method.out.pb" --lsb "$lsb" 2>&1); then
		ok "$net $method: ONNX Runtime (QDQ fusions) and accelctl run agree end to end: $out"
	else
		ort_float_islands "$net" "$method" "$m" "$lsb" "$out"
	fi
}

# ONNX Runtime's graph optimizer turns int8 QuantizeLinear/DequantizeLinear
# pairs into uint8 ones (its QDQ s8-to-u8 transform) except where a
# QuantizeLinear feeds two DequantizeLinear (a residual branch point); the
# Conv and Add islands reading such a tensor then have an int8 input and a
# uint8 output, its QDQ fusions skip them, and it runs them in float
# (DequantizeLinear, fp32 Conv or Add, QuantizeLinear): a near tie of its
# fp32 sums there can part it by 1 LSB from its own QLinear kernels
# (docs/models.md, "ONNX Runtime as the oracle"). So where the QDQ output
# parts from accelctl's, the same calibration as QOperator decides: ORT's
# QLinear kernels must give accelctl's output within the thresholds, and
# ORT's QDQ run must part from them too (else the board is wrong).
ort_float_islands() {	# net, method, model base, lsb, message
	local qx="$tmp/$1-$2-qopx.onnx" o1 o2
	rm -rf "$tmp/ort-qx"
	if "$accelctl" quantize "$3.onnx" -o "$qx" --calib "$3.calib" --method "$2" \
			--format qoperator >/dev/null 2>"$tmp/err" &&
	   node "$oracle/ort-run.js" "$qx" --input "$3.input.pb" --output-dir "$tmp/ort-qx" >/dev/null 2>&1 &&
	   o1=$(node "$oracle/compare.js" "$tmp/ort-qx/output_0.pb" "$tmp/$1-$2.out.pb" --lsb "$4" 2>&1) &&
	   ! o2=$(node "$oracle/compare.js" "$tmp/ort-opt/output_0.pb" "$tmp/ort-qx/output_0.pb" --lsb "$4" 2>&1); then
		ok "$1 $2: accelctl run equals ONNX Runtime's QLinear kernels end to end (the QDQ model's calibration as QOperator: $o1); ONNX Runtime's QDQ run parts from both (its float Conv/Add islands: $o2)"
	else
		not_ok "$1 $2: ONNX Runtime (QDQ fusions) against accelctl run, end to end" "$5 / QOperator kernels: ${o1:-$(head -c 300 "$tmp/err")} / ORT QDQ against ORT QOperator: ${o2:-}"
	fi
}
# The same network and calibration written as QOperator (--format
# qoperator): the same tensors, ranges and scales as the QDQ model of
# quantize_one, QLinear* ops in place of the float ones (no float Conv,
# Gemm, Add, pooling, Relu or Clip left), run --check on emu, >= 99 % of
# the MACs on the device, no tie (the reference of every QLinear layer
# computes as ONNX Runtime, and so does the board, QLinearAdd included);
# ONNX Runtime runs it, and every quantized activation agrees with
# `accelctl run`'s within 1 LSB, at most 1 % of each tensor's values off;
# `accelctl run` gives the QDQ model of quantize_one the same output,
# and so does ONNX Runtime (the QDQ model run with its QDQ fusions,
# --optimize, as it runs QDQ models in production), within those
# thresholds.
qop_one() {
	local net=$1 method=$2 m="$models/$1$suffix"
	local q="$tmp/$net-$method-qop.onnx" js="$tmp/$net-$method-qop.json" rj="$tmp/$net-$method-qop.run.json"
	local qdq="$tmp/$net-$method.onnx" rc out lsb
	"$accelctl" --json quantize "$m.onnx" -o "$q" --calib "$m.calib" --eval "$m.holdout" \
		--method "$method" --format qoperator >"$js" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$q" ]; then
		not_ok "$net $method qoperator: quantize" "exit $rc: $(head -c 400 "$tmp/err")"
		return
	fi
	"$accelctl" -d emu --json run "$q" --check --input "$m.input.pb" \
		--output "$tmp/$net-qop.out.pb" >"$rj" 2>"$tmp/err"
	rc=$?
	"$accelctl" -d emu --json inspect "$q" >"$tmp/$net-qop.inspect.json" 2>>"$tmp/err"
	if out=$(python3 - "$js" "$tmp/$net-$method.json" "$rj" "$tmp/$net-qop.inspect.json" <<'EOF'
import json, sys
r, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["format"] == "qoperator" and d["format"] == "qdq", (r["format"], d["format"])
# the same calibration: every tensor with the QDQ model's range, scale, zero point
key = lambda t: (t["tensor"], t["range"], t["scale"], t["zero_point"])
assert [key(t) for t in r["tensors"]] == [key(t) for t in d["tensors"]], \
    "the tensors' parameters differ from the QDQ model's"
assert r["output_sqnr_db"] > 4, "output SQNR %.2f dB" % r["output_sqnr_db"]
ins = json.load(open(sys.argv[4]))
ops = [n["op"] for n in ins["nodes"]]
for op in ("Conv", "Gemm", "MatMul", "Add", "AveragePool", "GlobalAveragePool", "Relu", "Clip"):
    assert op not in ops, "a float %s is left: %s" % (op, [n["name"] for n in ins["nodes"] if n["op"] == op])
assert "QLinearConv" in ops and ("QGemm" in ops or "QLinearMatMul" in ops), sorted(set(ops))
c = json.load(open(sys.argv[3]))["check"]
assert c["ok"], "check failed: %s" % c["failed_layers"]
assert c["ties"] == 0, "%d ties: the board and the reference compute alike" % c["ties"]
macs = ins["macs"]
assert macs["total"] > 0, "no MACs"
assert macs["device_share"] >= 0.99, "%.2f %% of the MACs on the device" % (100 * macs["device_share"])
print("%s; %.2f %% of %d MACs on the device, %d layers checked; output SQNR %.2f dB (QDQ %.2f), top-1 %.3f (QDQ %.3f)"
      % (" ".join(sorted(set(o for o in ops if o.startswith("Q") and o != "QuantizeLinear"))),
         100 * macs["device_share"], macs["total"], c["layers_checked"],
         r["output_sqnr_db"], d["output_sqnr_db"], r["top1_agreement"], d["top1_agreement"]))
EOF
	) && [ $rc -eq 0 ]; then
		ok "$net $method qoperator: quantize, run --check on emu ($out)"
	else
		not_ok "$net $method qoperator: quantize, run --check on emu" "exit $rc: $out $(head -c 300 "$tmp/err")"
	fi
	if [ ! -e "$oracle/ort-run.js" ]; then
		ok "$net $method qoperator: ONNX Runtime cross-check # SKIP the oracle (tests/oracle) is not in this tree"
		return
	fi
	lsb=$(python3 -c "import json; r = json.load(open('$js')); o = json.load(open('$rj'))['outputs'][0]['name']; print([t['scale'] for t in r['tensors'] if t['tensor'] == o][0])" 2>/dev/null)
	rm -rf "$tmp/ort-qop" "$tmp/ort-qdq"
	# ONNX Runtime runs it (its QLinear kernels, no graph rewrite) and
	# agrees with accelctl run on the output (spread: not a degenerate
	# graph) and on every quantized activation.
	if out=$(node "$oracle/ort-run.js" "$q" --input "$m.input.pb" --output-dir "$tmp/ort-qop" 2>&1) &&
	   out=$(node "$oracle/compare.js" "$tmp/ort-qop/output_0.pb" "$tmp/$net-qop.out.pb" --spread --lsb "$lsb" 2>&1); then
		ok "$net $method qoperator: ONNX Runtime runs it; output against accelctl run: $out"
	else
		not_ok "$net $method qoperator: ONNX Runtime runs it, output against accelctl run" "$out"
	fi
	if out=$(ort_every_activation "$q" "$js" "" "$lsb" "$m.input.pb"); then
		ok "$net $method qoperator: ONNX Runtime and accelctl run agree on every quantized activation: $(echo $out)"
	else
		not_ok "$net $method qoperator: ONNX Runtime against accelctl run, every quantized activation" "$(echo $out)"
	fi
	# on the device both formats are the same layers: the same output
	if out=$(node "$oracle/compare.js" "$tmp/$net-$method.out.pb" "$tmp/$net-qop.out.pb" --lsb "$lsb" 2>&1); then
		ok "$net $method: accelctl run gives the QDQ and the QOperator model the same output: $out"
	else
		not_ok "$net $method: accelctl run, QDQ against QOperator model" "$out"
	fi
	if out=$(node "$oracle/ort-run.js" "$qdq" --optimize --input "$m.input.pb" --output-dir "$tmp/ort-qdq" 2>&1) &&
	   out=$(node "$oracle/compare.js" "$tmp/ort-qdq/output_0.pb" "$tmp/ort-qop/output_0.pb" --lsb "$lsb" 2>&1); then
		ok "$net $method: ONNX Runtime gives the QDQ and the QOperator model the same output: $out"
	else
		not_ok "$net $method: ONNX Runtime, QDQ against QOperator model" "$out"
	fi
}
oracle=$(cd "$(dirname "$0")/../oracle" 2>/dev/null && pwd)

IFS=, read -r -a nets <<<"$networks"
IFS=, read -r -a meths <<<"$methods"
for net in "${nets[@]}"; do
	for method in "${meths[@]}"; do
		quantize_one "$net" "$method"
	done
	qop_one "$net" "${meths[0]}"
done

# ---- bad input: clear error, its exit code, no output file -------------
net=resnet18
m="$models/$net$suffix"
# A TensorProto file (float) with the given name, dims and values.
write_pb() {
	python3 - "$@" <<'EOF'
import struct, sys
path, name, dims, fill = sys.argv[1], sys.argv[2], [int(d) for d in sys.argv[3].split(",")], sys.argv[4]
def varint(v):
    out = b""
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7f
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out
count = 1
for d in dims:
    count *= d
vals = {"nan": float("nan"), "big": 3e38, "one": 1.0}[fill]
raw = struct.pack("<%df" % count, *([vals] * count))
msg = b"".join(b"\x08" + varint(d) for d in dims) + b"\x10\x01"
if name:
    msg += b"\x42" + varint(len(name)) + name.encode()
msg += b"\x4a" + varint(len(raw)) + raw
open(path, "wb").write(msg)
EOF
}
bad_case() {	# name, expected exit code, message pattern, calib dir, [extra args]
	local what=$1 want=$2 pat=$3 dir=$4 out="$tmp/bad.onnx" rc
	shift 4
	rm -f "$out" "$out".tmp.*
	"$accelctl" quantize "$m.onnx" -o "$out" --calib "$dir" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && grep -qiE "$pat" "$tmp/err" && [ ! -e "$out" ] &&
	   ! ls "$out".tmp.* >/dev/null 2>&1; then
		ok "bad input: $what (exit $rc: $(head -c 160 "$tmp/err" | tr '\n' ' '))"
	else
		not_ok "bad input: $what" "exit $rc (want $want), output exists: $([ -e "$out" ] && echo yes || echo no), message: $(head -c 400 "$tmp/err")"
	fi
}
mkdir -p "$tmp/shape" "$tmp/dtype" "$tmp/name" "$tmp/empty" "$tmp/nan" "$tmp/inf" \
	"$tmp/mixed/s0" "$tmp/sub/s0"
dims=$(python3 -c "print('1,3,224,224' if $full else '1,3,32,32')")
write_pb "$tmp/shape/a.pb" input 1,3,16,16 one
write_pb "$tmp/name/a.pb" pixels "$dims" one
write_pb "$tmp/nan/a.pb" input "$dims" nan
write_pb "$tmp/inf/a.pb" input "$dims" big
write_pb "$tmp/mixed/a.pb" input "$dims" one
write_pb "$tmp/mixed/s0/input.pb" input "$dims" one
python3 - "$tmp/dtype/a.pb" "$dims" <<'EOF'
import sys
dims = [int(d) for d in sys.argv[2].split(",")]
n = 1
for d in dims:
    n *= d
msg = b"".join(b"\x08" + bytes([d]) if d < 128 else b"\x08" + bytes([d & 0x7f | 0x80, d >> 7]) for d in dims)
msg += b"\x10\x03"                      # int8
raw = bytes(n)
l = len(raw)
lv = b""
while True:
    b = l & 0x7f
    l >>= 7
    lv += bytes([b | (0x80 if l else 0)])
    if not l:
        break
open(sys.argv[1], "wb").write(msg + b"\x4a" + lv + raw)
EOF
# every bad input in both formats (the checks come before the writing, and
# must stay so)
for fmt in qdq qoperator; do
	bad_case "$fmt: a sample of the wrong shape" 2 "shape|model's input .* is float \[1,3" "$tmp/shape" --format $fmt
	bad_case "$fmt: a sample of the wrong type" 2 "int8 .* but the model's input" "$tmp/dtype" --format $fmt
	bad_case "$fmt: a sample naming another tensor" 2 "holds tensor 'pixels'" "$tmp/name" --format $fmt
	bad_case "$fmt: an empty folder" 2 "holds no samples" "$tmp/empty" --format $fmt
	bad_case "$fmt: a folder mixing both layouts" 2 "mixes" "$tmp/mixed" --format $fmt
	bad_case "$fmt: a subfolder without the input's file" 2 "no file for input 'input'" "$tmp/sub" --format $fmt
	bad_case "$fmt: NaN in a sample" 3 "NaN or Inf" "$tmp/nan" --format $fmt
	bad_case "$fmt: Inf in the activations" 3 "produced NaN or Inf" "$tmp/inf" --format $fmt
	bad_case "$fmt: a missing calibration folder" 2 "not a folder" "$tmp/none" --format $fmt
	bad_case "$fmt: --exclude of an unknown node" 2 "no node of that name" "$m.calib" --exclude no_such_node --format $fmt
done
# an existing output survives a failing run untouched
for fmt in qdq qoperator; do
	echo old >"$tmp/keep.onnx"
	"$accelctl" quantize "$m.onnx" -o "$tmp/keep.onnx" --calib "$tmp/nan" --format $fmt >/dev/null 2>&1
	check "$fmt: a failing run leaves an existing output as it was" \
		'[ "$(cat "$tmp/keep.onnx")" = old ] && ! ls "$tmp"/keep.onnx.tmp.* >/dev/null 2>&1'
done

# ---- --exclude keeps a node float; the subfolder layout; run --input ----
mkdir -p "$tmp/folders"
i=0
for f in "$m.calib"/*.pb; do
	mkdir -p "$tmp/folders/s$i"
	cp "$f" "$tmp/folders/s$i/input.pb"
	i=$((i + 1))
done
for fmt in qdq qoperator; do
	"$accelctl" --json quantize "$m.onnx" -o "$tmp/ex.onnx" --calib "$tmp/folders" \
		--exclude conv2_1a --format $fmt >"$tmp/ex.json" 2>"$tmp/err"
	"$accelctl" -d emu --json run "$tmp/ex.onnx" --input "input=$m.input.pb" \
		--output "$tmp/ex.out.pb" >"$tmp/ex.run.json" 2>>"$tmp/err"
	check "$fmt: --exclude conv2_1a keeps it float (CPU), subfolder calibration layout" \
		"python3 - '$tmp/ex.json' '$tmp/ex.run.json' <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert all(t['node'] != 'conv2_1a' for t in r['tensors']), 'conv2_1a was quantized'
run = json.load(open(sys.argv[2]))
on = [l['on'] for l in run['layers'] if l['name'] == 'conv2_1a']
assert on == ['cpu'], on
EOF" "$(head -c 300 "$tmp/err")"
done
# the float node between DequantizeLinear and QuantizeLinear in QOperator
# form: ONNX Runtime runs it as accelctl does
if [ -e "$oracle/ort-run.js" ]; then
	lsb=$(python3 -c "import json; r = json.load(open('$tmp/ex.json')); o = json.load(open('$tmp/ex.run.json'))['outputs'][0]['name']; print([t['scale'] for t in r['tensors'] if t['tensor'] == o][0])" 2>/dev/null)
	rm -rf "$tmp/ort-ex"
	if out=$(node "$oracle/ort-run.js" "$tmp/ex.onnx" --input "$m.input.pb" --output-dir "$tmp/ort-ex" 2>&1) &&
	   out=$(node "$oracle/compare.js" "$tmp/ort-ex/output_0.pb" "$tmp/ex.out.pb" --lsb "$lsb" 2>&1); then
		ok "qoperator --exclude conv2_1a: ONNX Runtime agrees with accelctl run: $out"
	else
		not_ok "qoperator --exclude conv2_1a: ONNX Runtime against accelctl run" "$out"
	fi
fi
"$accelctl" --json run "$m.onnx" --cpu --input "input=$m.calib/sample_000.pb" >"$tmp/f.json" 2>"$tmp/err"
check "run --cpu of the float network with --input NAME=FILE.pb" \
	"python3 -c \"import json; r = json.load(open('$tmp/f.json')); assert r['outputs'][0]['shape'][1] == 1000\"" \
	"$(head -c 300 "$tmp/err")"

echo "1..$n"
[ $failed -eq 0 ]
