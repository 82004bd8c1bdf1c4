#!/bin/bash
# accelctl quantize on the float graphs of the exporter-style corpus
# (tools/modelgen/corpusgen: CORPUS_DIR/NAME/model.onnx whose oracle.txt
# says "form float", with test_data_set_K/input_0.pb, PyTorch exports at
# opsets 9 to 17), in both formats (TAP):
#
#   tests/quant/run-quant-corpus.sh CORPUS_DIR ACCELCTL
#
# Per graph and format: quantize, calibrated on the graph's data sets (the
# corpus folder is a calibration folder: one subfolder per sample); the
# model runs on the emulated device with --check on every data set (their
# batch sizes differ: the graphs have a dynamic batch), every conv and FC
# layer on the device; and ONNX Runtime (tests/oracle) runs it on the first
# data set and agrees with `accelctl run`: a quantized output within 1 LSB
# on at most 1 % of the values, a float one (after Softmax) within the float
# thresholds of compare.js. A corpus without float graphs fails.
set -u
corpus=$1 accelctl=$2
here=$(cd "$(dirname "$0")" && pwd)
oracle=$here/../oracle
[ -f "$corpus/.stamp" ] || make -s --no-print-directory "$corpus/.stamp" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; return 0; }

graphs=$(cd "$corpus" && grep -lx 'form float' */oracle.txt 2>/dev/null | cut -d/ -f1 | sort)
if [ -z "$graphs" ]; then
	echo "1..1"
	not_ok "no float graph in $corpus (corpusgen writes them)"
	exit 1
fi
for g in $graphs; do
	c=$corpus/$g
	for fmt in qdq qoperator; do
		q=$tmp/$g-$fmt.onnx js=$tmp/$g-$fmt.json
		if ! "$accelctl" --json quantize "$c/model.onnx" -o "$q" --calib "$c" --format $fmt \
				>"$js" 2>"$tmp/err"; then
			not_ok "$g $fmt: quantize" "$(head -c 400 "$tmp/err")"
			continue
		fi
		msg="" bad=0
		for ds in "$c"/test_data_set_*; do
			d=$(basename "$ds")
			if ! "$accelctl" -d emu --json run "$q" --check --input "$ds/input_0.pb" \
					--output-dir "$tmp/$g-$fmt-$d" >"$tmp/run.json" 2>"$tmp/err"; then
				bad=1 msg="$msg $d: run --check exited $?: $(head -c 300 "$tmp/err");"
				continue
			fi
			msg="$msg $d: $(python3 -c "
import json, re
r = json.load(open('$tmp/run.json'))
c = r['check']
mac = [l for l in r['layers'] if re.search('Conv|Gemm|MatMul', l['op'])]
cpu = [l['name'] for l in mac if l['on'] != 'device']
print(('check ok, %d layers' % c['layers_checked'] if c['ok'] else 'CHECK FAILED %s' % c['failed_layers']) +
      (', all %d conv/FC layers on the device' % len(mac) if mac and not cpu else ', CONV/FC ON THE CPU: %s' % cpu))")"
			cp "$tmp/run.json" "$tmp/$g-$fmt-$d.run.json"
		done
		if out=$(python3 - "$js" "$fmt" "$tmp/$g-$fmt-test_data_set_0.run.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format"] == sys.argv[2] and r["quantized_nodes"] > 0, (r["format"], r["quantized_nodes"])
ops = {l["op"] for l in json.load(open(sys.argv[3]))["layers"]}
if sys.argv[2] == "qoperator":
    assert "QLinearConv" in " ".join(ops) and "Conv" not in ops, sorted(ops)
    # a Concat of quantized tensors is written as com.microsoft QLinearConcat
    assert "Concat" not in ops, sorted(ops)
# an older opset is rewritten at 13 (per-channel DequantizeLinear needs it)
assert r["opset_out"] == max(13, r["opset_in"]), (r["opset_in"], r["opset_out"])
# int8 against float over the calibration set: these shallow graphs give
# 33 to 35 dB; a wrong scale or rewrite falls far below
assert r["output_sqnr_db"] > 25, r["output_sqnr_db"]
print("%d/%d nodes quantized, opset %d -> %d, output SQNR %.2f dB" %
      (r["quantized_nodes"], r["nodes"], r["opset_in"], r["opset_out"], r["output_sqnr_db"]))
EOF
		) && [ $bad -eq 0 ] && ! grep -qE "CHECK FAILED|ON THE CPU" <<<"$msg"; then
			ok "$g $fmt: quantize, run --check on emu ($out;$msg)"
		else
			not_ok "$g $fmt: quantize, run --check on emu" "$out;$msg"
		fi
		# ONNX Runtime on the first data set against accelctl's output
		ds=$c/test_data_set_0
		if ! out0=$(node "$oracle/ort-run.js" "$q" --input "$ds/input_0.pb" \
				--output-dir "$tmp/ort-$g-$fmt" 2>&1); then
			not_ok "$g $fmt: ONNX Runtime runs it" "$out0"
			continue
		fi
		oname=$(sed -n 's/^\([^:]*\): .*/\1/p' <<<"$out0" | head -n 1)
		lsb=$(python3 -c "
import json
r = json.load(open('$js'))
s = [t['scale'] for t in r['tensors'] if t['tensor'] == '$oname']
print(s[0] if s else '')")
		if out=$(node "$oracle/compare.js" "$tmp/ort-$g-$fmt/output_0.pb" \
				"$tmp/$g-$fmt-test_data_set_0/output_0.pb" ${lsb:+--lsb "$lsb"} 2>&1); then
			ok "$g $fmt: ONNX Runtime agrees with accelctl run ($oname): $out"
		else
			not_ok "$g $fmt: ONNX Runtime against accelctl run ($oname)" "$out"
		fi
	done
done
echo "1..$n"
[ $failed -eq 0 ]
