#!/bin/bash
# accelctl profile (NetAdapt look-up tables, docs/accelctl.md), as TAP:
# the LUT of each generated network agrees with a whole-network
# `accelctl run` (conv/FC layers exactly; the whole network within the
# tolerance docs/accelctl.md states), the file format, --layers,
# --channels, --csv, and usage and device errors with their exit codes.
#
#   tests/cli/test_profile.sh ACCELCTL MODEL_DIR
set -u
ACCELCTL=${1:-build/bin/accelctl}
MODELS=${2:-build/models}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
. "$(dirname "$0")/tap.sh"

NETS="alexnet vgg16 resnet18 resnet50 mobilenetv2"
echo "1..$((5 * 2 + 15))"

# The LUT's network totals against a whole-network run, per network: the
# conv/FC layers at full size must be what the run measured for them
# (cycles and DRAM words equal, energy to the JSON's rounding), and the
# whole network within 2 % (pooling and Add layers are not in the LUT).
# The LUT measures each layer apart, so the run keeps every layer its own
# stream (EYRIE_NO_CHAINS=1: MobileNetV2's depthwise -> project chains
# would put two layers' figures on one row).
for net in $NETS; do
	model=$MODELS/$net-reduced.onnx
	if ! "$ACCELCTL" -d emu profile "$model" --channels 65535 --json -o "$tmp/$net.lut" \
		>"$tmp/prof.json" 2>"$tmp/err" ||
	   ! EYRIE_NO_CHAINS=1 "$ACCELCTL" -d emu run "$model" --json >"$tmp/run.json" 2>"$tmp/err"; then
		not_ok "$net: profile and run" "a command failed"
		not_ok "$net: whole network" "a command failed"
		continue
	fi
	if out=$(python3 - "$tmp/prof.json" "$tmp/run.json" <<'EOF' 2>&1
import json, sys
p = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
conv = [l for l in r["layers"] if "shape" in l and l["on"] == "device"]
assert len(conv) == len(p["layers"]), (len(conv), len(p["layers"]))
for key in ("cycles", "dram_words", "dram_bytes"):
    got, want = p["total"][key], sum(l["measured"][key] for l in conv)
    assert got == want, (key, got, want)
e_lut = p["total"]["energy_pj"]["total"]
e_run = sum(l["measured"]["energy_pj"]["total"] for l in conv)
assert abs(e_lut - e_run) <= 1e-9 * e_run + 1e-3, (e_lut, e_run)
for lp, lr in zip(p["layers"], conv):
    assert lp["name"] == lr["name"], (lp["name"], lr["name"])
    full = [q for q in lp["points"] if q["c"] == lp["shape"]["c"] and q["m"] == lp["shape"]["m"]]
    assert len(full) == 1 and full[0]["cycles"] == lr["measured"]["cycles"], lp["name"]
EOF
	); then
		ok "$net: the LUT's conv/FC layers at full size equal the run's"
	else
		not_ok "$net: the LUT's conv/FC layers at full size equal the run's" "$out"
	fi
	if out=$(python3 - "$tmp/prof.json" "$tmp/run.json" <<'EOF' 2>&1
import json, sys
p = json.load(open(sys.argv[1]))["total"]; r = json.load(open(sys.argv[2]))["total"]
for key, lut, run in (("energy", p["energy_pj"]["total"], r["energy_pj"]["total"]),
                      ("cycles", p["cycles"], r["cycles"]),
                      ("dram_words", p["dram_words"], r["dram_words"])):
    assert 0.98 * run <= lut <= run, (key, lut, run, lut / run)
EOF
	); then
		ok "$net: LUT network total within 2 % of the whole run"
	else
		not_ok "$net: LUT network total within 2 % of the whole run" "$out"
	fi
done

model=$MODELS/resnet18-reduced.onnx
# the file: version header, one row per point, full-size points present
if "$ACCELCTL" -d emu profile "$model" -o "$tmp/r18.lut" >"$tmp/out" 2>"$tmp/err" &&
   head -1 "$tmp/r18.lut" | grep -q '^# eyrie-netadapt-lut version=1$' &&
   sed -n 2p "$tmp/r18.lut" | grep -q 'model=resnet18-reduced.onnx fingerprint=[0-9a-f]\{16\} device=emu clock_khz=[0-9]* dataflow=rs layers=21 entries=' &&
   [ "$(($(wc -l <"$tmp/r18.lut") - 3))" = "$(sed -n 's/.*entries=\([0-9]*\).*/\1/p' "$tmp/r18.lut")" ] &&
   grep -q '^LUT network total' "$tmp/out" && [ ! -e "$tmp/r18.lut.tmp" ]; then
	ok "profile -o writes a versioned LUT, one row per point"
else
	not_ok "profile -o writes a versioned LUT, one row per point" "$(head -3 "$tmp/r18.lut" 2>/dev/null)"
fi
# default sweep: 8 counts per axis (64 points for a dense 64x64 layer)
if [ "$(grep -c '^1,conv2_1a,' "$tmp/r18.lut")" = 64 ] &&
   [ "$(grep -c '^0,conv1,' "$tmp/r18.lut")" = 24 ]; then
	ok "default sweep: 8 channel counts per axis (conv1: 3 x 8)"
else
	not_ok "default sweep: 8 channel counts per axis (conv1: 3 x 8)"
fi
# --channels: the step of the sweep; --layers: a subset
expect 0 "" "profile --layers conv1,fc --channels 32" -- -d emu profile "$model" \
	--layers conv1,fc --channels 32 -o "$tmp/sub.lut"
if [ "$(sed -n 's/.*layers=\([0-9]*\).*/\1/p' "$tmp/sub.lut")" = 2 ] &&
   [ "$(grep -c '^20,fc,' "$tmp/sub.lut")" = $((16 * 32)) ]; then
	ok "--layers keeps those layers; --channels 32 sweeps 512 and 1000 in 16 x 32 points"
else
	not_ok "--layers keeps those layers; --channels 32 sweeps 512 and 1000 in 16 x 32 points" \
		"$(sed -n 2p "$tmp/sub.lut")"
fi
# depthwise layers sweep c = m = groups together
"$ACCELCTL" -d emu profile "$MODELS/mobilenetv2-reduced.onnx" --csv >"$tmp/mb.csv" 2>"$tmp/err"
if head -1 "$tmp/mb.csv" | grep -q '^# eyrie-netadapt-lut' &&
   awk -F, 'NR > 3 && $19 > 1 && $19 == $5 { dw++; if ($22 != $23 || $24 != $22) bad++ }
	    END { exit !(dw > 0 && !bad) }' "$tmp/mb.csv"; then
	ok "--csv prints the LUT; depthwise points keep c = m = groups"
else
	not_ok "--csv prints the LUT; depthwise points keep c = m = groups"
fi
# --json keys
if "$ACCELCTL" -d emu profile "$model" --layers conv1 --json >"$tmp/p.json" 2>"$tmp/err" &&
   python3 -c "import json,sys; d=json.load(open(sys.argv[1])); l=d['layers'][0]; \
sys.exit(0 if {'model','device','dataflow','lut','version','fingerprint','layers','total','max_prediction_error'} <= set(d) \
and {'index','name','op','shape','bias','per_channel','points'} <= set(l) and d['lut'] is None \
and {'c','m','groups','energy_pj','cycles','dram_words','dram_bytes','macs'} <= set(l['points'][0]) \
and d['max_prediction_error'] == 0 else 1)" "$tmp/p.json"; then
	ok "--json has the documented keys; measured equals predicted on every point"
else
	not_ok "--json has the documented keys; measured equals predicted on every point"
fi

# errors
expect 2 "MODEL.onnx is required" "no model: usage error" -- profile
expect 2 "no conv/FC layer named 'nope'" "an unknown --layers name: usage error" -- \
	-d emu profile "$model" --layers nope
expect 2 "--channels takes" "--channels 0: usage error" -- profile "$model" --channels 0
expect 2 "--channels takes" "--channels -4: usage error" -- profile "$model" --channels -4
expect 2 "exclusive" "--csv with --json: usage error" -- profile "$model" --csv --json
expect 2 "unknown dataflow" "a bad --dataflow: usage error" -- profile "$model" --dataflow xx
expect 3 "" "a missing model: exit 3" -- -d emu profile "$tmp/none.onnx" -o "$tmp/none.lut"
if [ ! -e "$tmp/none.lut" ] && [ ! -e "$tmp/none.lut.tmp" ]; then
	ok "a failed profile leaves no LUT file"
else
	not_ok "a failed profile leaves no LUT file"
fi
expect 0 "accelctl profile MODEL.onnx" "profile --help" -- profile --help
exit $((failed > 0))
