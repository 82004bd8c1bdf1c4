#!/bin/bash
# accelctl inspect: usage errors (exit 2), model errors (exit 3, message
# naming the cause), the text and --json contract, and the MACs it reports
# against the generated networks' own layer lists (build/models/*.layers.csv),
# the placement of the corpus's matrix products (device) and concats (in
# place), and the share-of-MACs table of docs/models.md against
# tools/model-share.sh. TAP.
#
#   tests/cli/test_inspect.sh [ACCELCTL] [MODEL_DIR] [CORPUS_DIR]
set -u
accelctl=${1:-build/bin/accelctl}
models=${2:-build/models}
corpus=${3:-build/corpus}
node=${ONNX_NODE_TESTS:-/usr/share/libonnx-testdata/data/node}
tmp=$(mktemp -d /tmp/eyrie-inspect.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

. "$(dirname "$0")/tap.sh"

# expect RC PATTERN DESCRIPTION -- ARGS...: exit code and stdout/stderr match
expect() {
	local want=$1 pattern=$2 what=$3
	shift 4
	"$accelctl" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		result 1 "$what" "exit $rc, expected $want"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out" "$tmp/err"; then
		result 1 "$what" "output does not match /$pattern/"
	else
		result 0 "$what"
	fi
}

# json_check DESCRIPTION PYTHON -- ARGS...: exit 0, JSON parses, PYTHON (with
# d = the document and argv after the check) exits 0
json_check() {
	local what=$1 check=$2
	shift 3
	"$accelctl" --json "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		result 1 "$what" "exit $rc"
	elif ! python3 - "$tmp/out" "${EXTRA:-}" >"$tmp/py" 2>&1 <<PY
import json, sys
d = json.load(open(sys.argv[1]))
extra = sys.argv[2]
$check
PY
	then
		result 1 "$what" "$(head -c 300 "$tmp/py")"
	else
		result 0 "$what"
	fi
}

# MACs of a generated network from its layer list
# (model,name,op,n,c,m,h,w,r,s,stride,pad,groups)
csv_macs() {
	python3 - "$1" <<'PY'
import csv, sys
t = 0
for r in csv.reader(open(sys.argv[1])):
    n, c, m, h, w, kr, ks, st, pad, g = map(int, r[3:13])
    e = (h + 2 * pad - kr) // st + 1
    f = (w + 2 * pad - ks) // st + 1
    t += n * m * e * f * (c // g) * kr * ks
print(t)
PY
}

expect 0 "Usage: accelctl inspect" "inspect --help" -- inspect --help
expect 2 "MODEL.onnx is required" "inspect without a model" -- inspect
expect 2 "is extra" "inspect with two models" -- inspect a.onnx b.onnx
expect 2 "" "inspect with an unknown option" -- inspect --bogus a.onnx
expect 3 "nope.onnx" "a missing model is a model error naming the file" -- -d emu inspect "$tmp/nope.onnx"
printf 'not a protobuf' >"$tmp/bad.onnx"
expect 3 "bad.onnx|parse|ONNX" "a corrupt model is a model error" -- -d emu inspect "$tmp/bad.onnx"

model=$models/resnet18-reduced.onnx
expect 0 "MACs: [0-9]+, on the device [0-9]+ \(100.0 %\)" \
	"resnet18-reduced: every MAC on the device" -- -d emu inspect "$model"
expect 0 "QLinearConv +device" "text lists each node with where it runs" -- -d emu inspect "$model"

keys='for x in d["nodes"]:
    for k in ("index", "name", "op", "domain", "on", "fused", "layer", "reason", "macs"):
        assert k in x, k
    assert x["on"] in ("device", "cpu", "none"), x
    assert x["reason"], x'
json_check "--json: every node has its keys and a reason" "$keys" -- -d emu inspect "$model"
json_check "--json: totals are the sum of the nodes" '
m = d["macs"]
assert m["total"] == sum(x["macs"] for x in d["nodes"])
assert m["device"] == sum(x["macs"] for x in d["nodes"] if x["on"] == "device")
assert m["device"] + m["cpu"] == m["total"]
assert abs(m["device_share"] - m["device"] / m["total"]) < 1e-12
assert sum(d["nodes_on"].values()) == len(d["nodes"])' -- -d emu inspect "$model"

# every generated network: MACs as its layer list counts them, all on the device
for net in alexnet vgg16 resnet18 resnet50 mobilenetv2; do
	EXTRA=$(csv_macs "$models/$net-reduced.layers.csv")
	export EXTRA
	json_check "$net-reduced: MACs equal its layer list's, all on the device" '
assert d["macs"]["total"] == int(extra), (d["macs"], extra)
assert d["macs"]["device_share"] == 1.0, d["macs"]' -- -d emu inspect "$models/$net-reduced.onnx"
done
unset EXTRA

# a float model: the CPU runs it, with the reason, and its MACs count
json_check "float Conv: on the CPU with a reason, 108 MACs, device share 0" '
x = d["nodes"][0]
assert x["on"] == "cpu" and "float" in x["reason"], x
assert x["macs"] == 108 and d["macs"]["device_share"] == 0, d' \
	-- -d emu inspect "$node/test_conv_with_strides_padding/model.onnx"
# a Gemm counts its MACs too (B is K x N)
json_check "Gemm MACs: M x N x K" '
assert d["macs"]["total"] == 3 * 4 * 5, d["macs"]' \
	-- -d emu inspect "$node/test_gemm_default_no_bias/model.onnx"

# QDQ Gemm and com.microsoft QGemm run as FC on the device (the oracle
# suite compares these graphs' outputs with ONNX Runtime)
json_check "ort-qdq-mobilenet: the QDQ Gemm and its weights' DequantizeLinear on the device" '
g = [x for x in d["nodes"] if x["op"] == "Gemm"]
assert len(g) == 1 and g[0]["on"] == "device" and g[0]["macs"] > 0, g
w = [x for x in d["nodes"] if x["name"] == "classifier.1.weight_DequantizeLinear"]
assert w and w[0]["on"] == "device" and w[0]["layer"] == g[0]["layer"], w' \
	-- -d emu inspect "$corpus/ort-qdq-mobilenet/model.onnx"
json_check "ort-qop-resnet: com.microsoft QGemm is a device layer" '
g = [x for x in d["nodes"] if x["op"] == "QGemm"]
assert len(g) == 1 and g[0]["on"] == "device" and g[0]["domain"] == "com.microsoft", g
assert g[0]["reason"] == "device layer" and g[0]["macs"] > 0, g' \
	-- -d emu inspect "$corpus/ort-qop-resnet/model.onnx"
# Concat without copies: both branches write their slices in place
for g in ort-qop-inception ort-qdq-inception; do
	json_check "$g: the Concat moves no data, its two producers write in place" '
c = [x for x in d["nodes"] if x["op"] in ("Concat", "QLinearConcat")]
assert len(c) == 1 and c[0]["on"] == "none" and "in place" in c[0]["reason"], c
w = [x for x in d["nodes"] if "in place" in x["reason"] and x["on"] == "device"]
assert len(w) == 2, w
assert d["concat_in_place"]["count"] == 1 and d["concat_in_place"]["bytes"] > 0, d["concat_in_place"]' \
		-- -d emu inspect "$corpus/$g/model.onnx"
done
# ... and a run: the layer-wise check of the producers' slices (requantized
# by their tables) passes, the outputs equal the reference, the run counts it
for g in ort-qop-inception ort-qdq-inception; do
	json_check "$g: run --check: slices written in place equal the reference" '
c = d["check"]
assert c["ok"] and c["mismatches"] == 0 and c["end_to_end"]["equal"], c
assert d["total"]["concats_in_place"] == 1 and d["total"]["concat_bytes_in_place"] > 0, d["total"]' \
		-- -d emu run --check "$corpus/$g/model.onnx" --input "$corpus/$g/test_data_set_0/input_0.pb"
done
# ... and a concat whose input is read by another node too runs on the CPU, saying why
json_check "ort-qop-gates: QLinearConcat on the CPU, naming the shared input" '
c = [x for x in d["nodes"] if x["op"] == "QLinearConcat"]
assert len(c) == 1 and c[0]["on"] == "cpu" and "read by another node" in c[0]["reason"], c
assert d["concat_in_place"]["count"] == 0' -- -d emu inspect "$corpus/ort-qop-gates/model.onnx"

# A symbolic batch: compiled for a batch of one (or --shape's), so the
# shape subgraph folds and the MACs are known: conv1 is 16x16 outputs x 8
# channels x 3x3x3 weights per sample (tests/oracle corpusgen's torch-resnet).
g=$corpus/torch-resnet-op13/model.onnx
json_check "symbolic batch: compiled for 1, shape subgraph folded, MACs per sample" '
assert d["shapes"] == "input 1*x3x16x16", d["shapes"]
c = [x for x in d["nodes"] if x["name"] == "/conv1/Conv"][0]
assert c["macs"] == 16 * 16 * 8 * 27, c
assert all(x["on"] == "none" for x in d["nodes"] if x["op"] in ("Shape", "Gather", "Unsqueeze")), d["nodes"]
assert d["macs"]["total"] > 0 and d["macs"]["device"] == 0' -- -d emu inspect "$g"
EXTRA=$(PYTHONPATH= "$accelctl" --json -d emu inspect "$g" 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["macs"]["total"])')
json_check "--shape input=4x3x16x16: four times the MACs of a batch of one" '
assert d["shapes"] == "input 4x3x16x16", d["shapes"]
assert d["macs"]["total"] == 4 * int(extra), (d["macs"], extra)' -- -d emu inspect --shape input=4x3x16x16 "$g"
EXTRA=
for bad in "4x3x17x16:is 16 in the model" "x=1x3x16x16:no input 'x'" "4x3x16:has 4 dimensions, not 3" \
	"4xx3:positive sizes joined by 'x'" "0x3x16x16:positive sizes"; do
	"$accelctl" -d emu inspect --shape "${bad%%:*}" "$g" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "${bad#*:}" "$tmp/err"; then
		result 0 "--shape ${bad%%:*}: usage error naming the cause"
	else
		result 1 "--shape ${bad%%:*}: usage error naming the cause" "exit $rc: $(head -c 200 "$tmp/err")"
	fi
done

# docs/models.md's share-of-MACs table is what inspect prints
if ! rows=$(tools/model-share.sh --reduced "$accelctl" "$models" "$corpus" 2>"$tmp/err"); then
	result 1 "docs/models.md table: tools/model-share.sh runs" "$(head -c 300 "$tmp/err")"
else
	missing=$(printf '%s\n' "$rows" | while IFS= read -r r; do
		grep -qxF -- "$r" docs/models.md || echo "$r"; done)
	if [ -n "$missing" ]; then
		result 1 "docs/models.md: its share-of-MACs rows are what inspect prints" \
			"not in the document (make models-table): $missing"
	else
		result 0 "docs/models.md: its share-of-MACs rows are what inspect prints ($(printf '%s\n' "$rows" | wc -l) rows)"
	fi
fi

echo "1..$n"
[ "$failed" -eq 0 ]
