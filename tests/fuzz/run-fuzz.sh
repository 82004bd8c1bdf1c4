#!/bin/bash
# Runs one libFuzzer target for a fixed time and reports it as TAP.
#
#   tests/fuzz/run-fuzz.sh TARGET SECONDS
#
# Environment: FUZZ_DIR (build/fuzz: binaries, corpora, artifacts; FUZZ_WORK
# puts all but the binaries elsewhere),
# FW_IMAGE (the firmware image: a seed of fwimage), MODELS_DIR (generated
# models: their inputs seed tensor). The corpus grows in
# $FUZZ_DIR/corpus/TARGET and is kept between runs; seeds are read from
# their sources each time. A crash, leak, sanitizer report, timeout or OOM
# leaves its input in $FUZZ_DIR/artifacts/TARGET/ and fails the test; the
# last line of the log gives executions and coverage (docs/fuzzing.md).
set -u
t=${1:?target}
secs=${2:?seconds}
here=$(cd "$(dirname "$0")" && pwd)
fuzz_dir=${FUZZ_DIR:-build/fuzz}
# corpora, seeds, artifacts and logs (FUZZ_WORK: apart from the binaries)
work=${FUZZ_WORK:-$fuzz_dir}
bin=$fuzz_dir/fuzz_$t
corpus=$work/corpus/$t
seeds=$work/seeds/$t
art=$work/artifacts/$t
node=${ONNX_NODE_TESTS:-/usr/share/libonnx-testdata/data/node}
# node tests of the ops the importer knows
ops='conv|matmul|gemm|pool|relu|add|quantizelinear|clip|flatten|reshape|constant'

echo "1..1"
if [ ! -x "$bin" ]; then
	echo "not ok 1 - fuzz-$t: $bin is not built (make)"
	exit 0
fi
mkdir -p "$corpus" "$art"
rm -rf "$seeds"
mkdir -p "$seeds"
case $t in
model|quantize)
	for d in "$node"/*/; do
		n=$(basename "$d")
		[[ $n =~ $ops ]] && cp "$d/model.onnx" "$seeds/$n.onnx"
	done
	;;
tensor)
	for d in "$node"/*/; do
		n=$(basename "$d")
		[[ $n =~ $ops ]] || continue
		for f in "$d"test_data_set_0/input_*.pb; do
			[ -f "$f" ] || continue
			# the first byte picks the model input the tensor replaces
			for k in 0 3 4; do
				{ printf "\\x$(printf %02x $k)"; cat "$f"; } > "$seeds/$n.$(basename "$f" .pb).$k"
			done
		done
	done
	for f in "${MODELS_DIR:-build/models}"/*-reduced.input.pb; do
		[ -f "$f" ] && { printf '\x00'; cat "$f"; } > "$seeds/$(basename "$f")"
	done
	;;
fwimage)
	[ -f "${FW_IMAGE:-}" ] && cp "$FW_IMAGE" "$seeds/eyrie_fw.bin"
	;;
esac
[ -d "$here/seeds/$t" ] && cp "$here/seeds/$t"/* "$seeds/" 2>/dev/null
dict=()
[ -f "$here/dict/$t.dict" ] && dict=(-dict="$here/dict/$t.dict")
log=$work/$t.log
# -jobs=1: one process, the machine is shared; inputs slower than 25 s are hangs
"$bin" "${dict[@]}" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
	-max_len=262144 -print_final_stats=1 -artifact_prefix="$art/" \
	"$corpus" "$seeds" >"$log" 2>&1
rc=$?
stats=$(grep -E '^#[0-9]+' "$log" | tail -n1)
execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}')
cov=$(echo "$stats" | grep -oE 'cov: [0-9]+' | awk '{print $2}')
ft=$(echo "$stats" | grep -oE 'ft: [0-9]+' | awk '{print $2}')
files=$(find "$corpus" -type f | wc -l)
summary="${secs}s, ${execs:-0} executions, cov ${cov:-0}, ft ${ft:-0}, corpus $files"
if [ $rc -eq 0 ]; then
	echo "ok 1 - fuzz-$t: $summary"
else
	echo "not ok 1 - fuzz-$t: libFuzzer exited $rc ($summary); input in $art/, log $log"
	grep -E 'ERROR: |runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/# /'
fi
exit 0
