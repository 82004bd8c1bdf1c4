#!/bin/bash
# accelctl run: exit codes (0 ok, 1 check failure, 2 usage, 3 device/model
# error), outputs and the --json contract (docs/accelctl.md "run"). TAP.
#
#   tests/conformance/run-cli.sh [ACCELCTL] [MODEL_DIR]
set -u
accelctl=${1:-build/bin/accelctl}
models=${2:-build/models}
node=${ONNX_NODE_TESTS:-/usr/share/libonnx-testdata/data/node}
model=$models/resnet18-reduced.onnx
input=$models/resnet18-reduced.input.pb
tmp=$(mktemp -d /tmp/eyrie-run-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0

# expect RC DESCRIPTION -- ARGS...: runs accelctl, checks the exit code
expect() {
	local want=$1 what=$2
	shift 3
	n=$((n + 1))
	out=$("$accelctl" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "ok $n - $what (exit $rc)"
	else
		echo "not ok $n - $what: exit $rc, expected $want"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	fi
}

# has TEXT DESCRIPTION: the last output contains TEXT
has() {
	n=$((n + 1))
	if printf '%s' "$out" | grep -q -- "$1"; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2: '$1' not in the output"
		printf '%s\n' "$out" | head -5 | sed 's/^/# /'
	fi
}

echo "1..34"
expect 0 "run --help" -- run --help
has "--test-dir" "help names --test-dir"
expect 2 "run without a model" -- run
expect 2 "unknown option" -- run --bogus "$model"
expect 2 "--output with --output-dir" -- run "$model" --output a.pb --output-dir d
expect 2 "--iterations 0" -- run "$model" --iterations 0
expect 2 "unknown dataflow" -- run "$model" --dataflow zigzag
expect 2 "unknown objective" -- run "$model" --objective fast
has "unknown objective 'fast' (energy, cycles, edp, dram)" "the objectives are named"
expect 2 "--input for an input the model lacks" -- -d emu run "$model" --input nope="$input"
has "no input 'nope'" "the message names the input"
expect 3 "missing model file" -- -d emu run "$tmp/none.onnx"
has "none.onnx" "the message names the file"
head -c 1000 "$model" > "$tmp/cut.onnx"
expect 3 "truncated model" -- -d emu run "$tmp/cut.onnx"
has "truncated or corrupt" "the message says why"
# a test directory whose expected output is wrong: check failure
cp -r "$node/test_relu" "$tmp/relu_wrong"
cp "$tmp/relu_wrong/test_data_set_0/input_0.pb" "$tmp/relu_wrong/test_data_set_0/output_0.pb"
expect 1 "--test-dir with a wrong expected output" -- -d emu run --test-dir "$tmp/relu_wrong"
has "FAIL" "the data set is reported as failed"
expect 0 "--test-dir on a passing test" -- -d emu run --test-dir "$node/test_qlinearconv"
has "ran on: device" "QLinearConv ran on the device"
expect 0 "run --check --output-dir, 2 iterations" -- -d emu run "$model" --input "$input" \
	--check --iterations 2 --output-dir "$tmp/out"
n=$((n + 1))
if [ -s "$tmp/out/output_0.pb" ]; then echo "ok $n - output_0.pb written"; else echo "not ok $n - no output_0.pb"; fi
expect 0 "--json" -- -d emu --json run "$model" --input "$input" --check
has '"ok": true' "--json: check.ok"
n=$((n + 1))
missing=""
for key in model device iterations outputs shape check max_abs_diff layers name op on \
	measured energy_pj dram glb noc rf mac static total cycles dram_words dram_bytes \
	predicted energy_ratio cycles_ratio ties mismatches tie_layers failed_layers end_to_end; do
	printf '%s' "$out" | grep -q "\"$key\":" || missing="$missing $key"
done
if [ -z "$missing" ]; then
	echo "ok $n - --json has every key of the contract"
else
	echo "not ok $n - --json lacks:$missing"
fi
expect 0 "--cpu runs without a device" -- run --cpu "$model" --input "$input" --check
has "on the CPU" "--cpu says the layers ran on the CPU"
# the debug hook corrupts one byte of one layer's output: the check fails there
EYRIE_DEBUG_CORRUPT_LAYER=conv2_1a expect 1 "--check on a corrupted layer" -- -d emu run \
	"$model" --input "$input" --check
has "^  layer 'conv2_1a' (QLinearConv): 1 of 4096 " "the check names the corrupted layer"
EYRIE_DEBUG_CORRUPT_LAYER=conv2_1a expect 1 "--json --check on a corrupted layer" -- -d emu --json \
	run "$model" --input "$input" --check
has '"ok": false' "--json: check.ok is false"
n=$((n + 1))
if printf '%s\n' "$out" | grep -A1 '"failed_layers"' | grep -q '"conv2_1a"'; then
	echo "ok $n - --json: check.failed_layers names conv2_1a"
else
	echo "not ok $n - --json: check.failed_layers does not name conv2_1a"
fi
# op names are never cut (the table's columns fit them)
expect 0 "run (text table)" -- -d emu run "$model" --input "$input"
has " GlobalAveragePool+QuantizeLinear " "the longest op name is printed whole"
# --objective: what the scheduler minimizes per layer and chain. Each layer's
# plan under cycles is the fastest it finds, so the network (mobilenetv2,
# with its depthwise -> project chains) takes no more cycles than under the
# default energy objective, measured == predicted under both.
mb=$models/mobilenetv2-reduced.onnx mbin=$models/mobilenetv2-reduced.input.pb
n=$((n + 1))
if e=$("$accelctl" -d emu --json run "$mb" --input "$mbin" 2>/dev/null) &&
   c=$("$accelctl" -d emu --json run "$mb" --input "$mbin" --objective cycles 2>/dev/null) &&
   r=$(python3 -c '
import json, sys
e, c = (json.loads(x)["total"] for x in sys.argv[1:3])
assert c["cycles"] <= e["cycles"], (c["cycles"], e["cycles"])
assert e["cycles_ratio"] == 1 and c["cycles_ratio"] == 1 and c["energy_ratio"] == 1
print("%d cycles under cycles, %d under energy" % (c["cycles"], e["cycles"]))' "$e" "$c" 2>&1); then
	echo "ok $n - --objective cycles: $r, as predicted"
else
	echo "not ok $n - --objective cycles against energy: ${r:-run failed}"
fi
