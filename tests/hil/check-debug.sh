#!/bin/bash
# make check-debug: the whole HIL suite on a debug kernel (docs/hil.md,
# "Debug-kernel tier"). Builds the kernel once (tests/hil/debug-kernel.sh,
# cached in build/debug-kernel), eyrie.ko against it, then boots every HIL
# variant on it. KASAN, lockdep, DEBUG_OBJECTS, DEBUG_ATOMIC_SLEEP and the
# DMA API debug report through WARNING:/BUG: lines, which fail a boot
# (tests/hil/tap-lib.sh); kmemleak is scanned after the driver is unloaded
# (tests/hil/guest/suite.sh) and any suspected leak fails it too.
#
#   tests/hil/check-debug.sh [B]      (B: build directory, default build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${1:-${B:-build}}
dk=$B/debug-kernel

if ! tests/hil/debug-kernel.sh --out "$dk"; then
	echo "not ok 1 - debug kernel built (tests/hil/debug-kernel.sh; log in $dk)"
	echo "1..1"
	exit 1
fi
kdir=$(realpath "$dk/obj")
work=$(realpath -m "$B/debug-module")
rm -rf "$work"
mkdir -p "$work/driver" "$work/uapi"
cp Kbuild "$work/"
cp driver/Kbuild driver/*.c driver/*.h "$work/driver/"
rm -f "$work/driver/"*.mod.c
cp -r uapi/. "$work/uapi/"
if ! make -C "$kdir" M="$work" modules >"$work/build.log" 2>&1; then
	echo "not ok 1 - eyrie.ko builds against the debug kernel (log: $work/build.log)"
	tail -n 20 "$work/build.log" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
echo "# debug kernel $(cat "$dk/kernelrelease"), built in $(cat "$dk/build-time" 2>/dev/null)"
# KASAN and lockdep slow the TCG guest several times over.
export HIL_KERNEL_DIR=$dk HIL_MODULE=$work/driver/eyrie.ko
export HIL_WORKDIR=${HIL_WORKDIR:-$B/hil-debug}
export HIL_BOOT_TIMEOUT=${HIL_BOOT_TIMEOUT:-3000} HIL_PROG_TIMEOUT=${HIL_PROG_TIMEOUT:-900}
exec tests/hil/run-hil.sh --vm
