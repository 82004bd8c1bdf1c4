#!/bin/bash
# ONNX Runtime as the oracle: every graph is run by ONNX Runtime (npm
# onnxruntime-node, tests/oracle/ort-run.js) and by `accelctl -d emu run`
# on the same inputs, and the outputs are compared (tests/oracle/compare.js:
# quantized within 1 LSB on at most 1 % of the values, float within
# 1e-4 relative + 1e-5 of the tensor's max, for the float networks plus 10
# times their measured float32 sensitivity; docs/models.md). TAP, one line
# per graph.
#
#   tests/oracle/run-oracle.sh [--full] ACCELCTL MODEL_DIR CORPUS_DIR
#
# Graphs: the generated int8 networks (reduced; --full: full size), which
# are tie-free by construction, so ONNX Runtime must agree exactly; the
# generated float networks (modelgen --float, reduced in both modes), whose
# float32 sensitivity ONNX Runtime measures on perturbed weights, with a
# wrong kernel (a model whose reduction skips a channel) that must fail;
# and the
# exporter-style corpus (tools/modelgen/corpusgen: CORPUS_DIR/NAME/model.onnx
# with test_data_set_K/input_N.pb), every graph run by ONNX Runtime and the
# ones listed in EYRIE_GRAPHS also by accelctl. First the comparator itself
# must refuse perturbed outputs, so the suite can fail. Without
# onnxruntime-node the suite fails (it never skips).
set -u
full=0
if [ "${1:-}" = "--full" ]; then full=1; shift; fi
accelctl=${1:-build/bin/accelctl}
models=${2:-build/models}
corpus=${3:-build/corpus}
here=$(dirname "$0")
ort_run() { node "$here/ort-run.js" "$@"; }
compare() { node "$here/compare.js" "$@"; }

nets="alexnet vgg16 resnet18 resnet50 mobilenetv2"
# Corpus graphs compared with accelctl (docs/models.md, "The corpus"); the
# others are run by ONNX Runtime only until libaccel imports them.
EYRIE_GRAPHS=${EYRIE_GRAPHS-"torch-resnet-folded-op14 torch-resnet-op13 torch-mobilenet-op17 torch-gates-op13 torch-mobilenet-op9 torch-fpn-op9 torch-resnet-op11 ort-qop-resnet ort-qop-gates ort-qop-inception ort-qdq-inception ort-qdq-mobilenet ort-qdq-fpn ort-qop-fpn"}
# the full-size corpus is built on demand (make check-full)
[ -f "$corpus/.stamp" ] || make -s --no-print-directory "$corpus/.stamp" >&2
graphs=$(ls "$corpus" 2>/dev/null | sort)

n=0
tap() {	# tap OK|FAIL MESSAGE [DETAILS]
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
	[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	return 0
}
tmp=$(mktemp -d /tmp/eyrie-oracle.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! ver=$(ort_run --version 2>&1); then
	echo "1..1"
	tap FAIL "ONNX Runtime (npm onnxruntime-node) is not installed: run tools/install-deps.sh" "$ver"
	exit 1
fi
ngraphs=$(echo $graphs | wc -w)
neyrie=$(echo $EYRIE_GRAPHS | wc -w)
echo "1..$((1 + 7 + 2 * $(echo $nets | wc -w) + 3 + ngraphs + neyrie))"
tap OK "onnxruntime-node $ver loads (one thread, graph optimizations off)"

# run_pair MODEL OUTDIR INPUT... : ORT into OUTDIR/ort, accelctl into OUTDIR/eyrie
run_pair() {
	local model=$1 out=$2 ins=() eins=() names k=0
	shift 2
	mapfile -t names < <(ort_run "$model" --list-inputs)
	for f in "$@"; do
		ins+=(--input "${names[$k]}=$f")
		k=$((k + 1))
	done
	mkdir -p "$out/eyrie"
	ort_run "$model" "${ins[@]}" --output-dir "$out/ort" >"$out/ort.log" 2>&1 ||
		{ echo "ONNX Runtime failed: $(tail -n 3 "$out/ort.log")"; return 1; }
	"$accelctl" -d emu run "$model" "${ins[@]}" --output-dir "$out/eyrie" >"$out/eyrie.log" 2>&1 ||
		{ echo "accelctl run exited $?: $(grep -iE 'error|unsupported|refus' "$out/eyrie.log" | head -n 5)"; return 1; }
	sed -n 's/^layers: /accelctl: /p' "$out/eyrie.log"
	return 0
}

# compare_dir OUTDIR [--spread]: every ORT output against accelctl's
compare_dir() {
	local out=$1 rc=0 f
	shift
	for f in "$out"/ort/output_*.pb; do
		local o
		# the comparator's own status (a pipe would report sed's)
		o=$(compare "$f" "$out/eyrie/$(basename "$f")" "$@") || rc=1
		[ -n "$o" ] && printf '%s\n' "$o" | sed "s|^|$(basename "$f"): |"
	done
	return $rc
}

# The comparator refuses what it must: a copy of a real output passes, one
# value 2 LSB off, 2 % of values 1 LSB off, and a float output 1e-3 off fail.
ref=$tmp/self/ref.pb
mkdir -p "$tmp/self"
base=$models/resnet18-reduced
if ort_run "$base.onnx" --input "$base.input.pb" --output-dir "$tmp/self/o" >/dev/null 2>&1; then
	cp "$tmp/self/o/output_0.pb" "$ref"
	d=$(compare "$ref" "$ref" --spread) && tap OK "comparator: an identical output passes ($d)" ||
		tap FAIL "comparator: an identical output is refused" "$d"
	for mode in one many; do
		if ! compare --perturb $mode "$ref" "$tmp/self/p.pb"; then
			tap FAIL "comparator: cannot write the perturbed output ($mode)"
		elif d=$(compare "$ref" "$tmp/self/p.pb"); then
			tap FAIL "comparator: perturbed output ($mode) passes" "$d"
		else
			tap OK "comparator: perturbed int8 output ($mode) refused: $d"
		fi
	done
else
	for i in 1 2 3; do tap FAIL "comparator self-check: ONNX Runtime cannot run $base.onnx"; done
fi
node -e '
const T = require(process.argv[1]);
const d = new Float32Array(1000).map((_, i) => Math.sin(i) * 3);
T.writeTensor(process.argv[2], { name: "f", type: "float32", dims: [10, 100], data: d });
' "$(cd "$here" && pwd)/tensor.js" "$tmp/self/f.pb"
if ! compare --perturb one "$tmp/self/f.pb" "$tmp/self/fp.pb"; then
	tap FAIL "comparator: cannot write the perturbed float output"
elif d=$(compare "$tmp/self/f.pb" "$tmp/self/fp.pb"); then
	tap FAIL "comparator: perturbed float output passes" "$d"
else
	tap OK "comparator: perturbed float output refused: $d"
fi
# a dequantized output (steps of 0.05) compared in LSBs: 2 steps off
# at one value, or 1 step off at 2 % of them, is refused; 1 step at 1 % is not
node -e '
const T = require(process.argv[1]);
const d = new Float32Array(1000).map((_, i) => (((i * 37) % 201) - 100) * 0.05);
T.writeTensor(process.argv[2], { name: "q", type: "float32", dims: [10, 100], data: d });
const e = d.slice(); for (let i = 0; i < 1000; i += 100) e[i] += 0.05;
T.writeTensor(process.argv[3], { name: "q", type: "float32", dims: [10, 100], data: e });
' "$(cd "$here" && pwd)/tensor.js" "$tmp/self/q.pb" "$tmp/self/q1.pb"
d=$(compare "$tmp/self/q.pb" "$tmp/self/q1.pb" --lsb 0.05 --spread) &&
	tap OK "comparator: dequantized output 1 LSB off at 1 % passes ($d)" ||
	tap FAIL "comparator: dequantized output 1 LSB off at 1 % is refused" "$d"
for mode in one many; do
	if ! compare --perturb $mode "$tmp/self/q.pb" "$tmp/self/qp.pb" --lsb 0.05; then
		tap FAIL "comparator: cannot write the perturbed dequantized output ($mode)"
	elif d=$(compare "$tmp/self/q.pb" "$tmp/self/qp.pb" --lsb 0.05); then
		tap FAIL "comparator: perturbed dequantized output ($mode) passes" "$d"
	else
		tap OK "comparator: perturbed dequantized output ($mode) refused: $d"
	fi
done

for net in $nets; do
	if [ $full -eq 1 ]; then base=$models/$net; else base=$models/$net-reduced; fi
	name=$(basename "$base")
	[ -f "$base.onnx" ] || make -s --no-print-directory "$base.onnx" >&2
	out=$tmp/$name
	if ! why=$(run_pair "$base.onnx" "$out" "$base.input.pb"); then
		tap FAIL "$name: $why"
	elif d=$(compare_dir "$out" --spread); then
		tap OK "$name: accelctl (emu) agrees with ONNX Runtime" "$why"$'\n'"$d"
	else
		tap FAIL "$name: accelctl (emu) differs from ONNX Runtime" "$why"$'\n'"$d"
	fi
done

# The float networks (modelgen --float: Conv, BatchNormalization folded on
# import, Relu/Clip, residual Add, pools, a PyTorch-style flatten, Gemm) on
# the CPU plan (oneDNN, the inner products of one-position convs, the fast
# path). A deep float network amplifies rounding: ONNX Runtime on the same
# network with every weight moved by up to one float32 ulp
# (--perturb-weights) parts from itself by as much as from accelctl
# (resnet50-reduced-float: about 3e-5 of the output's rms, 3.5 times the
# relative rule's tolerance). So where the relative rule refuses, the
# tolerance takes sigma, the rms of (perturbed - ORT) over NOISE_SEEDS such
# runs, and allows 10 sigma on top of it (compare.js --noise;
# docs/models.md, "Float networks against ONNX Runtime"). Within the
# relative rule the noise runs are skipped: they can only widen it.
NOISE_SEEDS="1 2"
# float_noise MODEL INPUT OUTDIR: OUTDIR/noise_S/output_0.pb for each seed
# not run yet
float_noise() {
	local s
	for s in $NOISE_SEEDS; do
		[ -f "$3/noise_$s/output_0.pb" ] && continue
		ort_run "$1" --input "$2" --perturb-weights "$s" --output-dir "$3/noise_$s" >/dev/null 2>&1 ||
			{ echo "ONNX Runtime failed on the model perturbed with seed $s"; return 1; }
	done
}
noise_args() {	# the --noise options of OUTDIR for output N
	local s
	for s in $NOISE_SEEDS; do printf -- '--noise %s ' "$1/noise_$s/output_$2.pb"; done
}
for net in $nets; do
	base=$models/$net-reduced-float
	name=$(basename "$base")
	[ -f "$base.onnx" ] || make -s --no-print-directory "$base.onnx" >&2
	out=$tmp/$name
	if ! why=$(run_pair "$base.onnx" "$out" "$base.input.pb"); then
		tap FAIL "$name: $why"
	elif d=$(compare "$out/ort/output_0.pb" "$out/eyrie/output_0.pb"); then
		tap OK "$name: accelctl (CPU plan) agrees with ONNX Runtime (relative rule)" "$why"$'\n'"$d"
	elif ! n2=$(float_noise "$base.onnx" "$base.input.pb" "$out"); then
		tap FAIL "$name: $n2"
	elif d2=$(compare "$out/ort/output_0.pb" "$out/eyrie/output_0.pb" $(noise_args "$out" 0)); then
		tap OK "$name: accelctl (CPU plan) agrees with ONNX Runtime (within its float32 sensitivity)" "$why"$'\n'"$d2"$'\n'"relative rule alone: $d"
	else
		tap FAIL "$name: accelctl (CPU plan) differs from ONNX Runtime" "$why"$'\n'"$d2"$'\n'"relative rule alone: $d"
	fi
done
# The float tolerance admits float32 rounding and refuses a wrong kernel:
# on resnet50-reduced-float (the deepest, where sigma is largest) ONNX
# Runtime with a third seed passes against the first two's sigma, and
# accelctl on the network with one input channel of one layer dropped (a
# kernel whose reduction loop stops a channel short) is refused: conv5_1b
# (3x3 stride 2 on 2x2: an inner product of one output position,
# conv_product_new) and fc (the Gemm's inner product).
name=resnet50-reduced-float
base=$models/$name out=$tmp/$name noise_ok=0
if ! d=$(float_noise "$base.onnx" "$base.input.pb" "$out") ||
   ! ort_run "$base.onnx" --input "$base.input.pb" --perturb-weights 3 --output-dir "$out/noise_3" >/dev/null 2>&1; then
	tap FAIL "float tolerance: no perturbed ONNX Runtime runs of $name" "$d"
elif noise_ok=1 && d=$(compare "$out/ort/output_0.pb" "$out/noise_3/output_0.pb" $(noise_args "$out" 0)); then
	tap OK "float tolerance: ONNX Runtime with weights perturbed by another seed passes ($d)"
else
	tap FAIL "float tolerance: ONNX Runtime with weights perturbed by another seed is refused" "$d"
fi
for w in conv5_1b.weight:511 fc.weight:2047; do
	mut=$tmp/mut-${w%%.*}
	if ! ort_run "$base.onnx" --zero-input-channel "$w" --save-model "$mut.onnx" >/dev/null 2>&1 ||
	   ! "$accelctl" -d emu run "$mut.onnx" --input "$base.input.pb" --output-dir "$mut" >/dev/null 2>&1 ||
	   [ $noise_ok -eq 0 ] || [ ! -f "$out/ort/output_0.pb" ]; then
		tap FAIL "float tolerance: cannot run $name with input channel ${w#*:} of ${w%:*} dropped"
	else
		# refused means outside the thresholds (exit 1), not unreadable
		d=$(compare "$out/ort/output_0.pb" "$mut/output_0.pb" $(noise_args "$out" 0) 2>&1)
		rc=$?
		if [ $rc -eq 1 ]; then
			tap OK "float tolerance: a kernel dropping input channel ${w#*:} of ${w%:*} is refused: $d"
		else
			tap FAIL "float tolerance: a kernel dropping input channel ${w#*:} of ${w%:*} is not refused (compare.js exit $rc)" "$d"
		fi
	fi
	rm -rf "$mut" "$mut.onnx"
done

# Every corpus graph loads and runs in ONNX Runtime on every data set (the
# generator writes valid exporter-style ONNX).
for g in $graphs; do
	ok=1 msg=""
	for ds in "$corpus/$g"/test_data_set_*; do
		ins=()
		for f in "$ds"/input_*.pb; do ins+=(--input "$f"); done
		if ! o=$(ort_run "$corpus/$g/model.onnx" "${ins[@]}" --output-dir "$tmp/corpus-ort/$g/$(basename "$ds")" 2>&1); then
			ok=0 msg="$msg$(basename "$ds"): $o"$'\n'
		fi
	done
	if [ $ok -eq 1 ]; then tap OK "corpus $g: ONNX Runtime runs it ($(ls -d "$corpus/$g"/test_data_set_* | wc -l) data sets)"
	else tap FAIL "corpus $g: ONNX Runtime cannot run it" "$msg"; fi
done

for g in $EYRIE_GRAPHS; do
	ok=1 msg=""
	if [ ! -f "$corpus/$g/model.onnx" ]; then
		tap FAIL "corpus $g: no $corpus/$g/model.onnx (tools/modelgen/corpusgen writes it)"
		continue
	fi
	for ds in "$corpus/$g"/test_data_set_*; do
		out=$tmp/corpus/$g/$(basename "$ds")
		if ! why=$(run_pair "$corpus/$g/model.onnx" "$out" "$ds"/input_*.pb); then
			ok=0 msg="$msg$(basename "$ds"): $why"$'\n'
			continue
		fi
		lsb=$(sed -n 's/^output_0 lsb //p' "$corpus/$g/oracle.txt")
		d=$(compare_dir "$out" --spread ${lsb:+--lsb "$lsb"}) || ok=0
		msg="$msg$(printf '%s\n%s\n' "$why" "$d" | sed "s|^|$(basename "$ds"): |")"$'\n'
	done
	if [ $ok -eq 1 ]; then tap OK "corpus $g: accelctl (emu) agrees with ONNX Runtime" "$msg"
	else tap FAIL "corpus $g: accelctl (emu) differs from ONNX Runtime" "$msg"; fi
done
