#!/bin/bash
# TAP: builds eyrie.ko from a private copy of the sources with sparse on
# every file (make C=2) and checks that neither the compiler nor sparse says
# anything: one test per source file, one for the module itself. The copy
# keeps this from racing a concurrent `make module` in the tree.
#
#   driver/tests/check-build.sh [B]      (B: build directory, default build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${1:-${B:-build}}
kver=${KVER:-$(ls -1 /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$' | sort -V | tail -n 1)}
kdir=${KDIR:-/lib/modules/$kver/build}
work=$(realpath -m "$B/driver-check")
log=$work/build.log

if [ ! -d "$kdir" ]; then
	echo "not ok 1 - kernel headers in '$kdir'"
	echo "# run tools/install-deps.sh (installs linux-headers-6.12-amd64) or set KDIR"
	echo "1..1"
	exit 1
fi
if ! command -v sparse >/dev/null; then
	echo "not ok 1 - sparse installed"
	echo "# run tools/install-deps.sh (installs sparse)"
	echo "1..1"
	exit 1
fi

rm -rf "$work"
mkdir -p "$work/src/driver" "$work/src/uapi"
cp Kbuild "$work/src/"
cp driver/Kbuild driver/*.c driver/*.h "$work/src/driver/"
rm -f "$work/src/driver/"*.mod.c
cp -r uapi/. "$work/src/uapi/"
make -C "$kdir" M="$work/src" C=2 modules >"$log" 2>&1
rc=$?

n=0 failed=0
for f in driver/*.c driver/*.h; do
	case $f in *.mod.c) continue ;; esac
	n=$((n + 1))
	base=${f#driver/}
	msgs=$(grep -E "/driver/$base:[0-9]+(:[0-9]+)?: (warning|error|note)" "$log")
	if [ -z "$msgs" ]; then
		echo "ok $n - sparse and gcc silent on $f"
	else
		echo "not ok $n - sparse and gcc silent on $f"
		sed 's/^/# /' <<<"$msgs"
		failed=$((failed + 1))
	fi
done
n=$((n + 1))
other=$(grep -E '(warning|error):' "$log" | grep -vE '/driver/[a-z_]+\.[ch]:')
if [ "$rc" -eq 0 ] && [ -f "$work/src/driver/eyrie.ko" ] && [ -z "$other" ]; then
	echo "ok $n - eyrie.ko builds with C=2 and no other warning"
else
	echo "not ok $n - eyrie.ko builds with C=2 and no other warning (make exit $rc, log $log)"
	{ [ -n "$other" ] && echo "$other"; tail -n 20 "$log"; } | sed 's/^/# /'
	failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" -eq 0 ]
