#!/bin/bash
# The share of MACs on the device of every generated network and every
# corpus graph, as `accelctl -d emu inspect --json` reports it: the table
# of docs/models.md ("Share of MACs on the device"), one Markdown row per
# model. `make models-table` runs it on build/; tests/cli/test_inspect.sh
# checks that the document's rows are these.
#
#   tools/model-share.sh [--reduced] [ACCELCTL] [MODEL_DIR] [CORPUS_DIR]
#
# --reduced leaves out the full-size resnet18 (its compile is the slow part).
set -eu
full=1
if [ "${1:-}" = "--reduced" ]; then full=0; shift; fi
accelctl=${1:-build/bin/accelctl}
models=${2:-build/models}
corpus=${3:-build/corpus}

row() {	# row LABEL MODEL
	"$accelctl" -d emu --json inspect "$2" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m, n, c = d["macs"], d["nodes_on"], d["concat_in_place"]
# symbolic (dynamic) dimensions: inspect compiles for 1 (a batch of one)
label = sys.argv[1] + (" (`%s`)" % d["shapes"] if "shapes" in d else "")
share = "%.1f %%" % (100.0 * m["device_share"]) if m["total"] else "- (no MACs)"
print("| %s | %d | %s | %d / %d / %d | %d |" % (label, m["total"], share,
      n["device"], n["cpu"], n["none"], c["count"]))' "$1"
}

echo "| model | MACs | on the device | nodes on the device / CPU / none | concats in place |"
echo "| --- | --- | --- | --- | --- |"
for net in alexnet vgg16 resnet18 resnet50 mobilenetv2; do
	row "$net-reduced" "$models/$net-reduced.onnx"
done
[ $full -eq 1 ] && [ -f "$models/resnet18.onnx" ] && row "resnet18 (224 x 224)" "$models/resnet18.onnx"
for g in $(ls "$corpus" | sort); do
	[ -f "$corpus/$g/model.onnx" ] && row "corpus $g" "$corpus/$g/model.onnx"
done
exit 0
