#!/bin/bash
# TAP: scripts/checkpatch.pl --strict on every driver source, one test per
# file. checkpatch.pl and its data files come from Debian's linux-source-6.12
# tarball, extracted into build/ on first use (CI starts from a clean
# machine; tools/install-deps.sh installs the package).
#
#   driver/tests/check-style.sh [B]      (B: build directory, default build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${1:-${B:-build}}
dir=$B/driver-style
cp=$dir/scripts/checkpatch.pl
tarball=${LINUX_SOURCE_TARBALL:-$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | head -n 1)}

if [ ! -x "$cp" ]; then
	if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
		echo "not ok 1 - checkpatch.pl available"
		echo "# no /usr/src/linux-source-6.12.tar.xz: run tools/install-deps.sh (installs linux-source-6.12)"
		echo "1..1"
		exit 1
	fi
	mkdir -p "$dir"
	top_dir=$(tar -tJf "$tarball" 2>/dev/null | head -n 1 | cut -d/ -f1)
	if ! tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		"$top_dir/scripts/checkpatch.pl" "$top_dir/scripts/spelling.txt" \
		"$top_dir/scripts/const_structs.checkpatch"; then
		echo "not ok 1 - checkpatch.pl extracted from $tarball"
		echo "1..1"
		exit 1
	fi
	chmod +x "$cp"
fi

n=0 failed=0
for f in driver/Kbuild driver/*.h driver/*.c; do
	case $f in *.mod.c) continue ;; esac
	n=$((n + 1))
	out=$(perl "$cp" --strict --no-tree --terse --show-types -q -f "$f" 2>&1)
	if [ -z "$out" ] || ! grep -qE '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' <<<"$out"; then
		echo "ok $n - checkpatch --strict $f"
	else
		echo "not ok $n - checkpatch --strict $f"
		sed 's/^/# /' <<<"$out"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
