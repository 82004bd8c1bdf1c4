#!/bin/bash
# make install / make uninstall as a packager uses them, as TAP:
#   - install into a fresh DESTDIR (PREFIX=/usr/local, DKMS_INSTALL=1);
#   - exactly the expected files (make install-manifest), soname links,
#     modes, libaccel.pc's prefix;
#   - a program built only from the installed headers and libaccel.pc
#     (PKG_CONFIG_PATH + PKG_CONFIG_SYSROOT_DIR), shared (LD_LIBRARY_PATH)
#     and static, runs a job on emu; the installed accelctl runs and loads
#     the installed library;
#   - the man page renders cleanly; the udev rule names the accel nodes of
#     the eyrie driver and the render group;
#   - the DKMS tree builds eyrie.ko with dkms.conf's own MAKE line;
#   - make uninstall removes every file; another PREFIX lands in the .pc.
#
#   tests/install/test_install.sh          (from the top of the tree, after make)
# EYRIE_INSTALL_SKIP_DKMS=1 leaves out the module build (about a minute).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eyrie-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
prefix=/usr/local
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | head -n 30 | sed 's/^/#   /'; done
}
check() {  # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@" >"$tmp/log" 2>&1; then ok "$d"; else not_ok "$d" "$(cat "$tmp/log")"; fi
}
mk() { make --no-print-directory -s "$@"; }

if ! mk install DESTDIR="$dest" PREFIX=$prefix DKMS_INSTALL=1 >"$tmp/install.log" 2>&1; then
	not_ok "make install DESTDIR=... PREFIX=$prefix DKMS_INSTALL=1" "$(tail -n 30 "$tmp/install.log")"
	echo "1..$n"; exit 1
fi
ok "make install DESTDIR=... PREFIX=$prefix DKMS_INSTALL=1"

mk install-manifest PREFIX=$prefix DKMS_INSTALL=1 | LC_ALL=C sort >"$tmp/expected"
(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\.||' | LC_ALL=C sort) >"$tmp/found"
if [ -s "$tmp/expected" ] && cmp -s "$tmp/expected" "$tmp/found"; then
	ok "installed exactly the $(wc -l <"$tmp/expected") files of the manifest"
else
	not_ok "installed exactly the files of the manifest" "$(diff "$tmp/expected" "$tmp/found")"
fi
for f in bin/accelctl lib/libaccel.a lib/pkgconfig/libaccel.pc include/accel/libaccel.h \
	include/accel/board.h share/man/man8/accelctl.8; do
	[ -e "$dest$prefix/$f" ] || not_ok "$prefix/$f installed"
done
# The hardware contract (uapi/eyrie_hw.h) is the driver's, firmware's and
# sim's, not a user header: only the DKMS source tree carries it.
check "no user header is, or includes, the hardware contract eyrie_hw.h" \
	bash -c "! find '$dest$prefix/include' -name 'eyrie_hw.h' | grep -q . &&
		! grep -rqE '#[[:space:]]*include[[:space:]]*[<\"](drm/)?eyrie_(hw|accel).h' '$dest$prefix/include'"
ver=$(sed -n 's/^#define ACCEL_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*\([0-9]*\).*/\2/p' \
	libaccel/include/accel/libaccel.h | paste -sd.)
lib=$dest$prefix/lib
check "soname links: libaccel.so -> libaccel.so.1 -> libaccel.so.$ver (soname libaccel.so.1)" \
	bash -c "[ \"\$(readlink '$lib/libaccel.so')\" = libaccel.so.1 ] &&
		[ \"\$(readlink '$lib/libaccel.so.1')\" = libaccel.so.$ver ] &&
		[ -f '$lib/libaccel.so.$ver' ] && [ ! -L '$lib/libaccel.so.$ver' ] &&
		readelf -d '$lib/libaccel.so.$ver' | grep -q 'soname: \[libaccel.so.1\]'"
check "modes: programs and the library 755, data 644" \
	bash -c "[ \"\$(stat -c %a '$dest$prefix/bin/accelctl')\" = 755 ] &&
		[ \"\$(stat -c %a '$lib/libaccel.so.$ver')\" = 755 ] &&
		[ \"\$(stat -c %a '$dest/lib/firmware/eyrie/eyrie_fw.bin')\" = 644 ] &&
		[ \"\$(stat -c %a '$lib/pkgconfig/libaccel.pc')\" = 644 ]"
check "firmware is the built image ($B/firmware/eyrie_fw.bin)" \
	cmp "$B/firmware/eyrie_fw.bin" "$dest/lib/firmware/eyrie/eyrie_fw.bin"
check "libaccel.pc: prefix=$prefix, version $ver" \
	bash -c "grep -qx 'prefix=$prefix' '$lib/pkgconfig/libaccel.pc' &&
		grep -qx 'Version: $ver' '$lib/pkgconfig/libaccel.pc'"

# A program that knows only the installed tree.
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$lib/pkgconfig
cflags=$(pkg-config --cflags libaccel | xargs) libs=$(pkg-config --libs libaccel | xargs)
static_libs=$(pkg-config --static --libs libaccel)
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
check "pkg-config (sysroot) points into the DESTDIR: $cflags $libs" \
	bash -c "[ '$cflags' = '-I$dest$prefix/include' ] && [[ '$libs' == *'-L$lib'*'-laccel'* ]]"
check "a program builds from the installed headers and libaccel.pc (shared)" \
	bash -c "${CC:-cc} -std=c11 -Wall -Werror $cflags tests/install/smoke.c -o '$tmp/smoke' $libs"
check "it runs a job on emu with LD_LIBRARY_PATH, loading the installed library" \
	bash -c "LD_LIBRARY_PATH='$lib' '$tmp/smoke' | grep -q 'job ok' &&
		LD_LIBRARY_PATH='$lib' ldd '$tmp/smoke' | grep -q '$lib/libaccel.so.1'"
check "a program links the installed static library (pkg-config --static)" \
	bash -c "${CC:-cc} -std=c11 $cflags tests/install/smoke.c -o '$tmp/smoke-static' \
		$(echo "$static_libs" | sed 's/-laccel/-Wl,-Bstatic -laccel -Wl,-Bdynamic/') &&
		'$tmp/smoke-static' | grep -q 'job ok' && ! ldd '$tmp/smoke-static' | grep -q libaccel"
check "the installed accelctl loads the installed library (\$ORIGIN/../lib) and runs" \
	bash -c "'$dest$prefix/bin/accelctl' --version | grep -q 'libaccel $ver' &&
		ldd '$dest$prefix/bin/accelctl' | grep -q '=> $dest$prefix/bin/../lib/libaccel.so.1' &&
		'$dest$prefix/bin/accelctl' -d emu fw --no-log | grep -q 'build id'"
check "the man page renders without warnings (groff -man -ww)" \
	bash -c "LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z '$dest$prefix/share/man/man8/accelctl.8' 2>&1 | (! grep .) &&
		man -l '$dest$prefix/share/man/man8/accelctl.8' 2>/dev/null | grep -q 'accelctl - inspect'"
check "udev rule: accel nodes of the eyrie driver to the render group, mode 0660" \
	grep -qE '^SUBSYSTEM=="accel", KERNEL=="accel\[0-9\]\*", DRIVERS=="eyrie", GROUP="render", MODE="0660"$' \
	"$dest/etc/udev/rules.d/70-eyrie.rules"

# DKMS: the tree and dkms.conf's own MAKE line, as dkms would run them.
dkms=$dest/usr/src/eyrie-$ver
check "dkms.conf: PACKAGE_NAME=eyrie, version $ver, module eyrie in driver/" \
	bash -c "source '$dkms/dkms.conf' && [ \"\$PACKAGE_NAME\" = eyrie ] &&
		[ \"\$PACKAGE_VERSION\" = '$ver' ] && [ \"\${BUILT_MODULE_NAME[0]}\" = eyrie ] &&
		[ \"\${BUILT_MODULE_LOCATION[0]}\" = driver/ ] && [ -n \"\${MAKE[0]}\" ]"
kver=$(ls -1 /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$' | sort -V | tail -n 1)
if [ "${EYRIE_INSTALL_SKIP_DKMS:-0}" = 1 ]; then
	echo "# DKMS module build left out (EYRIE_INSTALL_SKIP_DKMS=1)"
elif [ -z "$kver" ] || [ ! -d "/lib/modules/$kver/build" ]; then
	not_ok "kernel headers for the DKMS build (apt-get install linux-headers-amd64)"
else
	cp -a "$dkms" "$tmp/dkms-build"
	check "the DKMS tree builds eyrie.ko for $kver with dkms.conf's MAKE line" \
		bash -c "cd '$tmp/dkms-build' && kernelver=$kver && source ./dkms.conf &&
			eval \"\${MAKE[0]}\" &&
			modinfo -F vermagic \"\${BUILT_MODULE_LOCATION[0]}\${BUILT_MODULE_NAME[0]}.ko\" | grep -q '^$kver '"
fi

check "make uninstall DESTDIR=... removes every file it installed" \
	bash -c "make --no-print-directory -s uninstall DESTDIR='$dest' PREFIX=$prefix DKMS_INSTALL=1 &&
		[ -z \"\$(find '$dest' \( -type f -o -type l \) | head -n 5)\" ] &&
		[ ! -e '$dest/usr/src/eyrie-$ver' ] && [ ! -e '$dest/lib/firmware/eyrie' ] &&
		[ ! -e '$dest$prefix/include/accel' ]"

check "PREFIX=/opt/eyrie: libaccel.pc says so, uninstall cleans it" \
	bash -c "make --no-print-directory -s install DESTDIR='$tmp/opt' PREFIX=/opt/eyrie >/dev/null &&
		grep -qx 'prefix=/opt/eyrie' '$tmp/opt/opt/eyrie/lib/pkgconfig/libaccel.pc' &&
		[ -x '$tmp/opt/opt/eyrie/bin/accelctl' ] &&
		make --no-print-directory -s uninstall DESTDIR='$tmp/opt' PREFIX=/opt/eyrie &&
		[ -z \"\$(find '$tmp/opt' \( -type f -o -type l \) | head -n 5)\" ]"
echo "1..$n"
[ "$failed" -eq 0 ]
