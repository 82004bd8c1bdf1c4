#!/bin/bash
# The generated networks, each run on the emulated device with --check
# (device output must equal the CPU reference bit for bit), its output's
# spread checked (neither all-zero nor saturated), and its conv/FC layer
# shapes compared with ../shared/workloads/layers.csv. TAP.
#
#   tests/networks/run-networks.sh [--full] [MODEL_DIR] [ACCELCTL] [MODELGEN]
#
# Default: the reduced-resolution variants (names, kernels, channels, strides,
# pads and groups must match the table; input sizes differ by design).
# --full: the full-size models, every column of the table.
set -u
full=0
if [ "${1:-}" = "--full" ]; then full=1; shift; fi
dir=${1:-build/models}
accelctl=${2:-build/bin/accelctl}
modelgen=${3:-build/bin/modelgen}
table=${LAYERS_CSV:-$(dirname "$0")/../../../shared/workloads/layers.csv}
[ -f "$table" ] || table=/work/shared/workloads/layers.csv
nets="alexnet vgg16 resnet18 resnet50 mobilenetv2"

echo "1..$((3 * $(echo $nets | wc -w) + 1))"
n=0
for net in $nets; do
	if [ $full -eq 1 ]; then base=$dir/$net; else base=$dir/$net-reduced; fi
	name=$(basename "$base")
	# full-size models other than ResNet-18 are built on demand
	[ -f "$base.onnx" ] || make -s --no-print-directory "$base.onnx" >&2
	out=$(mktemp /tmp/eyrie-net.XXXXXX.pb)
	log=$("$accelctl" -d emu run --check "$base.onnx" --input "$base.input.pb" \
		--output "$out" 2>&1)
	rc=$?
	n=$((n + 1))
	check=$(printf '%s\n' "$log" | sed -n 's/^check: \(.*\)/\1/p')
	ondev=$(printf '%s\n' "$log" | sed -n 's/^layers: \(.*\)/\1/p')
	if [ $rc -eq 0 ] && printf '%s' "$check" | grep -q "^ok (max |device - reference| = 0)"; then
		echo "ok $n - $name: bit-exact with the CPU reference on emu ($ondev)"
	else
		echo "not ok $n - $name: exit $rc, check: ${check:-none}"
		printf '%s\n' "$log" | tail -5 | sed 's/^/# /'
	fi
	printf '%s\n' "$log" | grep -E "^(total cycles|latency|energy per|DRAM)" | sed "s/^/# $name: /"
	n=$((n + 1))
	if stats=$("$modelgen" --stats "$out" 2>&1); then
		echo "ok $n - $name: output spread: ${stats#*: }"
	else
		echo "not ok $n - $name: output degenerate: $stats"
	fi
	rm -f "$out"
	n=$((n + 1))
	# conv and FC shapes, as libaccel imported them (accelctl's layer
	# lines end with [n=.. c=.. m=.. ...]), against the workload table
	got=$(printf '%s\n' "$log" | awk -v net="$net" '/\[n=[0-9]+ c=/ {
		name = $1; op = $2; line = $0
		sub(/.*\[/, "", line); sub(/\].*/, "", line)
		gsub(/[a-z]+=/, "", line); split(line, v, " ")
		type = (op ~ /MatMul|Gemm/) ? "fc" : ((v[10] > 1 && v[10] == v[2] && v[2] == v[3]) ? "dwconv" : "conv")
		print net "," name "," type "," v[1] "," v[2] "," v[3] "," v[4] "," v[5] "," v[6] "," v[7] "," v[8] "," v[9] "," v[10]
	}')
	want=$(grep "^$net," "$table")
	if [ $full -eq 0 ]; then
		# names, type, channels, kernels, stride, pad, groups (not n, h, w, fc inputs)
		proj='{ c = ($3 == "fc") ? "-" : $5; print $2","$3","c","$6","$9","$10","$11","$12","$13 }'
		want=$(printf '%s\n' "$want" | awk -F, "$proj")
		got=$(printf '%s\n' "$got" | awk -F, "$proj")
	fi
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "ok $n - $name: $(printf '%s\n' "$got" | wc -l) conv/FC layers match layers.csv"
	else
		echo "not ok $n - $name: conv/FC layers differ from layers.csv"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -10 | sed 's/^/# /'
	fi
done
# reproducible: the same seed writes the same bytes
n=$((n + 1))
if [ $full -eq 1 ]; then again=$dir/resnet18; args=""; else again=$dir/resnet18-reduced; args=--reduced; fi
tmpm=$(mktemp /tmp/eyrie-regen.XXXXXX.onnx)
if "$modelgen" resnet18 $args -o "$tmpm" && cmp -s "$tmpm" "$again.onnx"; then
	echo "ok $n - $(basename "$again"): generating again gives the same bytes"
else
	echo "not ok $n - $(basename "$again"): a second generation differs"
fi
rm -f "$tmpm"
