#!/bin/bash
# accelctl plan --zero-fraction (docs/scheduler.md, "Sparsity"): the sparse
# figures next to the dense ones, which stay those of a plan without the
# option (text and JSON); gating takes energy off, not time; more zeros
# move fewer DRAM words; an architecture without zero_gate / rle_dma
# (--arch) gives the dense figures back; bad fractions are usage errors.
# TAP.
#
#   tests/cli/test_plan_sparse.sh [ACCELCTL]
set -u
ACCELCTL=${1:-build/bin/accelctl}
tmp=$(mktemp -d /tmp/eyrie-plan-sparse.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

. "$(dirname "$0")/tap.sh"

layer=conv:n=2,c=32,m=48,h=27,r=3,pad=1
expect 0 'sparse +zero fraction 0\.600' "text: a sparse line" -- plan --layer "$layer" --zero-fraction 0.6
expect 2 'zero-fraction' "a fraction above 1 is a usage error" -- plan --layer "$layer" --zero-fraction 1.5
expect 2 'zero-fraction' "a non-number is a usage error" -- plan --layer "$layer" --zero-fraction x
expect 2 'values for' "one value per layer, or one" -- plan --layer "$layer" --zero-fraction 0.1,0.2

printf 'zero_gate = 0\nrle_dma = 0\n' >"$tmp/dense.arch"
for run in "base:" "z3:--zero-fraction 0.3" "z8:--zero-fraction 0.8" "off:--zero-fraction 0.8 --arch $tmp/dense.arch"; do
	name=${run%%:*}
	# shellcheck disable=SC2086
	"$ACCELCTL" --json plan --layer "$layer" ${run#*:} >"$tmp/$name.json" 2>"$tmp/err"
	result $? "json plan ($name)"
done
if msg=$(python3 - "$tmp" <<'PY' 2>&1
import json, sys
d = sys.argv[1]
L = {k: json.load(open(f"{d}/{k}.json"))["layers"][0] for k in ("base", "z3", "z8", "off")}
bad = []
if "sparse" in L["base"]:
    bad.append("a sparse object without --zero-fraction")
for k in ("z3", "z8", "off"):
    if L[k]["predicted"] != L["base"]["predicted"]:
        bad.append(f"{k}: the dense figures moved")
s3, s8, off = L["z3"]["sparse"], L["z8"]["sparse"], L["off"]["sparse"]
dense = L["base"]["predicted"]
if not (0 < s3["gated_macs"] < s8["gated_macs"] < L["base"]["macs"]):
    bad.append(f"gated MACs {s3['gated_macs']} {s8['gated_macs']}")
if not (s8["energy_pj"]["mac"] < s3["energy_pj"]["mac"] < dense["energy_pj"]["mac"]):
    bad.append("MAC energy does not fall with zeros")
if not (s8["dram_words"] < dense["dram_words"]):
    bad.append(f"80 % zeros: {s8['dram_words']} DRAM words, dense {dense['dram_words']}")
if not (s8["rle_in_rows"] and s8["rle_out_rows"]):
    bad.append("80 % zeros: input and output not coded")
if off["gated_macs"] or off["rle_in_rows"] or off["rle_out_rows"]:
    bad.append("zero_gate = 0, rle_dma = 0: still sparse")
for key in ("dram_words", "cycles"):
    if off[key] != dense[key]:
        bad.append(f"zero_gate = 0, rle_dma = 0: {key} {off[key]} != dense {dense[key]}")
if off["energy_pj"]["total"] != dense["energy_pj"]["total"]:
    bad.append("zero_gate = 0, rle_dma = 0: energy differs from dense")
print("\n".join(bad))
PY
) && [ -z "$msg" ]; then
	ok "dense unchanged, sparse figures fall with zeros, --arch without the caps is dense"
else
	not_ok "dense unchanged, sparse figures fall with zeros, --arch without the caps is dense" "${msg:-checker failed}"
fi
echo "1..$n"
[ "$failed" = 0 ]
