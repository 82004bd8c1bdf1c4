#!/bin/sh
# Installs every Debian package Eyrie needs. Idempotent: with nothing
# missing it does nothing. Every package the project uses is named here once.
#
#   tools/install-deps.sh          install what is missing (root)
#   tools/install-deps.sh --check  exit 1 and list what is missing
set -eu

# Build tools and userspace libraries.
PKGS_BUILD="build-essential pkg-config xz-utils cpio kmod
 libcmocka-dev libdrm-dev libpci-dev libnl-3-dev libnl-genl-3-dev
 libmicrohttpd-dev protobuf-c-compiler libprotobuf-c-dev libonnx-dev
 libonnx-testdata gcc-riscv64-unknown-elf sparse valgrind"
# The 6.12 kernel: headers to build the module, the image the test VM boots,
# the source for checkpatch.pl. One apt call keeps their versions together.
PKGS_KERNEL="linux-headers-6.12-amd64 linux-image-6.12-amd64 linux-source-6.12"
# The emulated board and the tools the HIL and telemetry tests drive.
PKGS_VM="qemu-system-x86 busybox-static lm-sensors prometheus"

ALL="$PKGS_BUILD $PKGS_KERNEL $PKGS_VM"

missing() {
	for p in $ALL; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$s" = installed ] || printf '%s\n' "$p"
	done
}

miss=$(missing)
if [ "${1:-}" = "--check" ]; then
	[ -z "$miss" ] && exit 0
	echo "missing Debian packages:" $miss >&2
	exit 1
fi
[ -z "$miss" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: these packages are missing:" $miss >&2
	echo "install-deps: run 'sudo tools/install-deps.sh' (or make as root)." >&2
	exit 1
fi
if ! grep -qs '^ID=debian' /etc/os-release; then
	echo "install-deps: this script installs Debian 12 packages; on another" >&2
	echo "system install the equivalents of:" $miss >&2
	exit 1
fi
echo "install-deps: installing:" $miss
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $miss
