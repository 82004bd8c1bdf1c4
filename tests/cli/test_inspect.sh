#!/bin/bash
# accelctl inspect: usage errors (exit 2), model errors (exit 3, message
# naming the cause), the text and --json contract, and the MACs it reports
# against the generated networks' own layer lists (build/models/*.layers.csv).
# TAP.
#
#   tests/cli/test_inspect.sh [ACCELCTL] [MODEL_DIR]
set -u
accelctl=${1:-build/bin/accelctl}
models=${2:-build/models}
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

echo "1..17"
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

[ "$failed" -eq 0 ]
