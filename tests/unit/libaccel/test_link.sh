#!/bin/bash
# libaccel as an outside program sees it, as TAP: the shared library's
# soname and exported symbols (exactly the public accel_* API, versioned),
# libaccel.pc, and a program built from the pkg-config flags, linked
# statically and dynamically, that opens the emulated board and runs a job.
#
#   tests/unit/libaccel/test_link.sh [BUILD_DIR]
set -u
B=${1:-build}
so=$B/lib/libaccel.so.1
pcdir=$B/lib/pkgconfig
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
}
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then ok "$what"; else not_ok "$what" "$(head -c 600 "$tmp/log")"; fi
}

echo "1..9"
check "soname is libaccel.so.1" \
	bash -c "readelf -d '$so' | grep -q 'Library soname: \[libaccel.so.1\]'"

nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
others=$(grep -v '^accel_' "$tmp/exported" | head -5 | tr '\n' ' ')
if [ -s "$tmp/exported" ] && [ -z "$others" ]; then
	ok "only accel_* symbols are exported ($(wc -l <"$tmp/exported") of them)"
else
	not_ok "only accel_* symbols are exported" "also exported: $others"
fi
check "exported symbols carry the LIBACCEL_1 version" \
	bash -c "objdump -T '$so' | grep -q 'LIBACCEL_1 *accel_device_open'"

# Every function the core header declares is implemented and exported.
grep -oE '\baccel_[a-z0-9_]+\(' libaccel/include/accel/libaccel.h | tr -d '(' | sort -u >"$tmp/declared"
missing=$(comm -23 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
if [ -s "$tmp/declared" ] && [ -z "$missing" ]; then
	ok "every function of libaccel.h is exported ($(wc -l <"$tmp/declared"))"
else
	not_ok "every function of libaccel.h is exported" "missing: $missing"
fi

export PKG_CONFIG_PATH=$pcdir
v=$(pkg-config --modversion libaccel 2>&1)
if [ "$v" = "$(sed -n 's/^#define ACCEL_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' libaccel/include/accel/libaccel.h | paste -sd.)" ]; then
	ok "libaccel.pc version matches the header ($v)"
else
	not_ok "libaccel.pc version matches the header" "pkg-config says: $v"
fi

# The build tree stands in for an installed prefix.
pc=(pkg-config --define-variable=includedir="$PWD/libaccel/include"
    --define-variable=libdir="$PWD/$B/lib")
cflags=$("${pc[@]}" --cflags libaccel)
static_libs=$("${pc[@]}" --static --libs libaccel)
shared_libs=$("${pc[@]}" --libs libaccel)
check "a program builds statically from libaccel.pc" \
	bash -c "${CC:-cc} -std=c11 $cflags tests/unit/libaccel/link_smoke.c -o '$tmp/static' \
		-Wl,-Bstatic $(echo "$static_libs" | sed 's/-laccel/-laccel -Wl,-Bdynamic/')"
check "the static program runs a job on emu" \
	bash -c "'$tmp/static' | grep -q 'job ok'"
check "a program builds against the shared library from libaccel.pc" \
	bash -c "${CC:-cc} -std=c11 $cflags tests/unit/libaccel/link_smoke.c -o '$tmp/shared' \
		$shared_libs -Wl,-rpath,'$PWD/$B/lib'"
check "the shared program runs a job on emu and loads build/lib/libaccel.so.1" \
	bash -c "'$tmp/shared' | grep -q 'job ok' && ldd '$tmp/shared' | grep -q '$PWD/$B/lib/libaccel.so.1'"
[ "$failed" -eq 0 ]
