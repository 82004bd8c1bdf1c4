#!/bin/bash
# accelctl plan --export-timeloop: the files Timeloop v3.0.3 reads are
# consistent without Timeloop (CI has none; docs/scheduler.md has the runs):
# every dimension's factors over the mapping's levels, read Timeloop's way
# (residual factors: (((r0-1) p1 + r1-1) p2 + ...) + 1), multiply to the
# problem's bound; the spatial level fits the PE mesh declared in the
# architecture (X within meshX, X * Y within the PEs); the energies are
# the device table in integers; every RF and the GLB are told what to keep.
# TAP.
#
#   tests/cli/test_timeloop_export.sh [ACCELCTL]
set -u
accelctl=${1:-build/bin/accelctl}
tmp=$(mktemp -d /tmp/eyrie-timeloop.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

. "$(dirname "$0")/tap.sh"

# check DIR DF: prints nothing when consistent, else what is wrong
check() {
	python3 - "$1" "$2" <<'PY'
import re, sys
d, df = sys.argv[1], sys.argv[2]
arch = open(f"{d}/{df}.arch.yaml").read()
prob = open(f"{d}/{df}.problem.yaml").read()
mp = open(f"{d}/{df}.mapping.yaml").read()
bad = []
inst = dict((k, int(v)) for k, v in re.findall(r"(\w+): (\d+)", prob.split("instance:")[1]))
levels = re.findall(r"- target: (\w+)\n  type: (temporal|spatial)\n  factors: ([^\n]*)\n  permutation: (\w+)(?:\n  split: (\d+))?", mp)
if len(levels) != 6:
    bad.append(f"{len(levels)} loop levels, want 6")
for dim in "GNMCPQRS":
    ruby = 0
    for tgt, kind, fac, perm, split in levels:
        m = re.search(rf"\b{dim}=(\d+)(?:,(\d+))?", fac)
        if not m:
            bad.append(f"{tgt} {kind}: no factor for {dim}")
            continue
        end, res = int(m.group(1)), int(m.group(2) or m.group(1))
        if not 1 <= res <= end:
            bad.append(f"{tgt} {kind}: {dim}={end},{res}")
        ruby = ruby * end + res - 1
    if ruby + 1 != inst.get(dim):
        bad.append(f"{dim}: factors give {ruby + 1}, bound {inst.get(dim)}")
    for tgt, kind, fac, perm, split in levels:
        if sorted(perm) != sorted("GNMCPQRS"):
            bad.append(f"{tgt} {kind}: permutation {perm}")
pes = int(re.search(r"name: PE\[0\.\.(\d+)\]", arch).group(1)) + 1
mesh_x = int(re.search(r"ifmap_spad.*?meshX: (\d+)", arch, re.S).group(1))
for tgt, kind, fac, perm, split in levels:
    if kind != "spatial":
        continue
    f = dict((k, int(v)) for k, v in re.findall(r"(\w)=(\d+)", fac))
    xs = perm[:int(split)]
    x = 1
    for c in xs:
        x *= f[c]
    tot = 1
    for v in f.values():
        tot *= v
    if x > mesh_x or tot > pes or (tot // x) > pes // mesh_x:
        bad.append(f"spatial X {x} (meshX {mesh_x}), {tot} PEs of {pes}")
for e in re.findall(r"(?:vector-access-energy|energy): ([^,}]+)", arch):
    if not re.fullmatch(r"\d+", e.strip()):
        bad.append(f"energy '{e}' is not an integer")
if re.search(r"\bwidth: ", arch) or "nodes:" in arch:
    bad.append("DRAM width or a front-end 'nodes:' list")
for lvl in ("DRAM", "shared_glb", "ifmap_spad", "weights_spad", "psum_spad"):
    if not re.search(rf"- target: {lvl}\n  type: datatype\n  keep: \[", mp):
        bad.append(f"no keep/bypass for {lvl}")
print("; ".join(bad))
PY
}

layers=(
	"conv:n=4,c=3,m=96,h=227,w=227,r=11,s=11,stride=4,pad=0"	# AlexNet CONV1
	"conv:n=4,c=96,m=256,h=27,w=27,r=5,s=5,stride=1,pad=2,groups=2"	# CONV2, grouped
	"conv:n=4,c=256,m=384,h=13,w=13,r=3,s=3,stride=1,pad=1"	# CONV3, ragged rows
	"fc:n=4,c=9216,m=4096"						# FC6
	"dwconv:n=1,c=144,m=144,h=56,w=56,r=3,s=3,stride=2,pad=1"	# depthwise
	"conv:n=1,c=3,m=64,h=224,w=224,r=7,s=7,stride=2,pad=3"		# ResNet conv1
)
i=0
for spec in "${layers[@]}"; do
	for df in rs ws os is nlr; do
		dir="$tmp/$i"
		mkdir -p "$dir"
		if ! "$accelctl" plan --dataflow "$df" --layer "$spec" --export-timeloop "$dir" \
			>/dev/null 2>"$tmp/err"; then
			result 1 "$spec $df: exported" "$(head -n 1 "$tmp/err")"
			continue
		fi
		# a checker that fails to run fails the test too
		if msg=$(check "$dir" "$df" 2>&1) && [ -z "$msg" ]; then
			result 0 "$spec $df: consistent for Timeloop"
		else
			result 1 "$spec $df: consistent for Timeloop" "${msg:-checker failed}"
		fi
		i=$((i + 1))
	done
done
echo "1..$n"
[ "$failed" = 0 ]
