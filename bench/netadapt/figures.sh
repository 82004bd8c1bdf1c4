#!/bin/bash
# make bench-netadapt: NetAdapt's figures on the generated float networks
# (docs/netadapt.md). Per network: the LUT (accelctl profile), its totals
# against a whole-network run of the quantized model, accelctl adapt to an
# energy budget on the measured LUT and again with the MAC-count proxy
# (--proxy macs), every iteration measured on the device and its agreement
# with the original on held-out samples; the LUT-adapted model quantized and
# run with --check. Writes OUT/netadapt.md (the tables of docs/netadapt.md),
# OUT/netadapt.tsv, and the plot OUT/netadapt.svg (and .png) with gnuplot.
#
#   bench/netadapt/figures.sh MODEL_DIR ACCELCTL OUT [NET...]
#
# The budget is a share of the network's conv/FC energy (by its LUT): 0.6,
# AlexNet 0.7 (its MAC proxy cannot reach 60 %: the layers adapt must keep,
# conv1's input and the logits, hold 65 % of its MACs); NETADAPT_SHARE
# overrides it for every network. NETADAPT_STEP (default 0.1): adapt's
# --step. Networks: the reduced float variants (modelgen --reduced --float).
set -euo pipefail
MODELS=$1 ACCELCTL=$2 OUT=$3
shift 3
NETS=${*:-alexnet vgg16 resnet18 resnet50 mobilenetv2}
STEP=${NETADAPT_STEP:-0.1}
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"

for net in $NETS; do
	m=$MODELS/$net-reduced-float
	o=$OUT/$net
	echo "== $net: profile" >&2
	"$ACCELCTL" -d emu --json profile "$m.onnx" -o "$o.lut" >"$o.profile.json"
	# the LUT against a whole-network run of the model as the device runs it
	"$ACCELCTL" quantize "$m.onnx" -o "$o.int8.onnx" --calib "$m.calib" >/dev/null
	"$ACCELCTL" -d emu --json run "$o.int8.onnx" --input "$m.input.pb" >"$o.run.json"
	share=${NETADAPT_SHARE:-$([ $net = alexnet ] && echo 0.7 || echo 0.6)}
	budget=$(python3 -c "import json,sys; print('%.6g' % (json.load(open(sys.argv[1]))['total']['energy_pj']['total'] / 1e6 * float(sys.argv[2])))" \
		"$o.profile.json" "$share")
	for how in lut macs; do
		echo "== $net: adapt to energy=$budget uJ ($how)" >&2
		extra=()
		[ $how = macs ] && extra=(--proxy macs)
		"$ACCELCTL" -d emu --json adapt "$m.onnx" --calib "$m.calib" --eval "$m.holdout" \
			--lut "$o.lut" --budget "energy=$budget" --step "$STEP" --measure-iterations \
			"${extra[@]}" -o "$o.adapted-$how.onnx" >"$o.adapt-$how.json"
	done
	# the adapted model as the device runs it: quantized, layer-wise check
	echo "== $net: quantize and run --check the adapted model" >&2
	"$ACCELCTL" quantize "$o.adapted-lut.onnx" -o "$o.adapted-lut.int8.onnx" --calib "$m.calib" >/dev/null
	"$ACCELCTL" -d emu --json run "$o.adapted-lut.int8.onnx" --check --input "$m.input.pb" \
		>"$o.adapted-run.json"
done
python3 "$HERE/figures.py" "$OUT" "$STEP" $NETS
gnuplot "$OUT/netadapt.gp"
echo "wrote $OUT/netadapt.md, $OUT/netadapt.tsv, $OUT/netadapt.svg, $OUT/netadapt.png" >&2
cat "$OUT/netadapt.md"
