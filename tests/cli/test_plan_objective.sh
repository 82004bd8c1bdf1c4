#!/bin/bash
# accelctl plan --objective (docs/accelctl.md, docs/scheduler.md
# "Objectives"): every objective is accepted and named in the JSON; dram
# moves no more DRAM words than the others (AlexNet CONV5 at batch 4: fewer
# than energy, whose plan spills psums, and more energy); an unknown
# objective is a usage error that lists them all. TAP.
#
#   tests/cli/test_plan_objective.sh [ACCELCTL]
set -u
ACCELCTL=${1:-build/bin/accelctl}
tmp=$(mktemp -d /tmp/eyrie-plan-objective.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

. "$(dirname "$0")/tap.sh"

layer=conv:n=4,c=384,m=256,h=13,r=3,pad=1,groups=2
expect 2 'energy, cycles, edp or dram' "an unknown objective lists the four" -- plan --layer "$layer" --objective words
expect 0 'dram' "usage names dram" -- plan --help
for obj in energy cycles edp dram; do
	"$ACCELCTL" --json plan --layer "$layer" --objective "$obj" >"$tmp/$obj.json" 2>"$tmp/err"
	result $? "json plan --objective $obj"
done
if msg=$(python3 - "$tmp" <<'PY' 2>&1
import json, sys
d = sys.argv[1]
J = {k: json.load(open(f"{d}/{k}.json")) for k in ("energy", "cycles", "edp", "dram")}
bad = []
for k, j in J.items():
    if j.get("objective") != k:
        bad.append(f"{k}: \"objective\" is {j.get('objective')!r}")
P = {k: j["layers"][0] for k, j in J.items()}
w = {k: p["predicted"]["dram_words"] for k, p in P.items()}
for k in ("energy", "cycles", "edp"):
    if w[k] < w["dram"]:
        bad.append(f"{k}: {w[k]} DRAM words, fewer than dram's {w['dram']}")
if not w["dram"] < w["energy"]:
    bad.append(f"dram {w['dram']} words, energy {w['energy']}: not fewer")
if P["dram"]["predicted"]["dram_words"] < P["dram"]["lower_bound"]["dram_words"]:
    bad.append("dram: below the compulsory bound")
if not P["energy"]["mapping"]["psum_dram_words"] > 0:
    bad.append("energy plan does not spill psums (the trade this checks)")
if not P["dram"]["predicted"]["energy_pj"]["total"] > P["energy"]["predicted"]["energy_pj"]["total"]:
    bad.append("dram plan spends no more energy than the energy plan")
print("\n".join(bad))
PY
) && [ -z "$msg" ]; then
	ok "each objective named in the JSON; dram moves the fewest words, energy trades them"
else
	not_ok "each objective named in the JSON; dram moves the fewest words, energy trades them" "${msg:-checker failed}"
fi
echo "1..$n"
[ "$failed" = 0 ]
