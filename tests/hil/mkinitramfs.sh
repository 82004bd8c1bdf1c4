#!/bin/bash
# Builds the HIL guest's initramfs (an uncompressed newc cpio).
#
#   tests/hil/mkinitramfs.sh --kver KVER --out FILE [--module eyrie.ko]
#       [--moddir ROOT] [--bin PROGRAM]... [--file SRC:DEST]...
#
# --moddir: the modules are in ROOT/lib/modules/KVER instead of
# /lib/modules/KVER (the debug kernel's modules_install, check-debug).
#
# Contents: busybox-static as /bin/busybox, tests/hil/guest/init as /init,
# tests/hil/guest/suite.sh, the DRM modules the driver needs (decompressed
# from /lib/modules/KVER, listed in load order in /hil/modules.order), the
# module itself as /hil/eyrie.ko, the test programs in /hil/bin with the
# shared libraries ldd names, and any extra --file. The firmware image is
# not in here: run-hil.sh appends it as a second cpio per boot variant (the
# kernel unpacks concatenated archives in order).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver= out= module= moddir=
bins=() files=()
# The DRM core the accel driver builds on, loaded even before the module
# exists so the plumbing can be tested without it; vgem, a reference GEM
# driver the benchmarks compare against in the same VM.
base_mods=(drm drm_kms_helper drm_shmem_helper gpu-sched vgem)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--moddir) moddir=$2; shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	*) die "unknown argument '$1' (see the header of $0)" ;;
	esac
done
[ -n "$kver" ] && [ -n "$out" ] || die "--kver and --out are required"
[ -d "$moddir/lib/modules/$kver" ] || die "no $moddir/lib/modules/$kver: install linux-image-$kver (tools/install-deps.sh)"
modprobe_root=()
[ -z "$moddir" ] || modprobe_root=(-d "$moddir")
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && [[ $(ldd "$busybox" 2>&1) == *"not a dynamic"* ]] ||
	die "busybox must be the static build: apt-get install busybox-static"

stage=$(mktemp -d "${TMPDIR:-/tmp}/eyrie-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# mktemp makes it 0700 and "." becomes the guest's /: a real / is 0755, and
# tests that drop privileges must be able to traverse it.
chmod 755 "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,hil/bin,hil/modules,lib/firmware/eyrie}
cp "$busybox" "$stage/bin/busybox"
cp "$here/guest/init" "$stage/init"
cp "$here/guest/suite.sh" "$stage/hil/suite.sh"
chmod 755 "$stage/init" "$stage/hil/suite.sh"

# Module names to load: the base set plus what eyrie.ko says it depends on.
mods=("${base_mods[@]}")
if [ -n "$module" ]; then
	[ -f "$module" ] || die "module $module does not exist (build it: make module)"
	deps=$(modinfo -F depends "$module" | tr ',' ' ')
	for d in $deps; do mods+=("$d"); done
	cp "$module" "$stage/hil/eyrie.ko"
fi
# modprobe resolves dependencies in load order; keep the first of each.
order=
for m in "${mods[@]}"; do
	order+=$(modprobe "${modprobe_root[@]}" -S "$kver" --show-depends "$m") ||
		die "modprobe cannot resolve module $m for $kver"
	order+=$'\n'
done
: >"$stage/hil/modules.order"
declare -A seen=()
while read -r verb path _; do
	[ "$verb" = insmod ] || continue
	name=$(basename "$path"); name=${name%%.ko*}
	[ -z "${seen[$name]:-}" ] || continue
	seen[$name]=1
	case $path in
	*.xz) xz -dc "$path" >"$stage/hil/modules/$name.ko" ;;
	*.zst) zstd -dcq "$path" >"$stage/hil/modules/$name.ko" ;;
	*) cp "$path" "$stage/hil/modules/$name.ko" ;;
	esac
	echo "$name" >>"$stage/hil/modules.order"
done <<<"$order"

# Test programs and their shared libraries (same paths as on the host).
copy_lib() {
	local src=$1 dst="$stage$1"
	[ -e "$dst" ] && return
	mkdir -p "$(dirname "$dst")"
	cp -L "$src" "$dst"
}
for b in "${bins[@]}"; do
	[ -x "$b" ] || die "test program $b is missing (build it: make $b)"
	cp "$b" "$stage/hil/bin/"
	while read -r lib; do copy_lib "$lib"; done < <(
		ldd "$b" 2>/dev/null | grep -oE '/[^ ]+' | sort -u)
done
for f in "${files[@]}"; do
	src=${f%%:*} dst=${f#*:}
	mkdir -p "$stage$(dirname "$dst")"
	cp "$src" "$stage$dst"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
