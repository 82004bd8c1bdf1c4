#!/bin/bash
# Builds, once, the debug kernel the check-debug tier boots (docs/hil.md).
#
#   tests/hil/debug-kernel.sh [--out DIR] [--jobs N]
#
# Source: Debian's linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz).
# Config: Debian's (/boot/config-<the installed 6.12>), reduced to the modules
# the HIL guest loads (localmodconfig with that list: a full Debian module
# build takes hours on two shared cores and the guest never loads them) and
# without the built-in subsystems a q35 test guest never reaches (below), with
# KASAN, lockdep (PROVE_LOCKING), DEBUG_OBJECTS, kmemleak, DEBUG_ATOMIC_SLEEP
# and the DMA API debug on. Everything else built into Debian's kernel stays built
# in (PCIe hotplug, 8250 serial, hwmon, generic netlink, devtmpfs...).
#
# Result, in DIR (default build/debug-kernel):
#   bzImage              the kernel
#   modroot/lib/modules  its modules (modules_install)
#   obj/                 the build tree (KDIR for eyrie.ko)
#   kernelrelease        its release string
#   build-time           seconds the build took and when
# A finished build is never redone (delete DIR to rebuild).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/debug-kernel
jobs=$(nproc)
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "debug-kernel.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

tarball=/usr/src/linux-source-6.12.tar.xz
if [ -r "$out/bzImage" ] && [ -r "$out/kernelrelease" ]; then
	echo "debug kernel: $(cat "$out/kernelrelease") already built in $out"
	exit 0
fi
[ -r "$tarball" ] || { echo "debug-kernel.sh: no $tarball (apt-get install linux-source-6.12)" >&2; exit 3; }
kver=$(ls -1 /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$' | sort -V | tail -n 1 || true)
debcfg=/boot/config-$kver
[ -n "$kver" ] && [ -r "$debcfg" ] || { echo "debug-kernel.sh: no Debian 6.12 config in /boot (apt-get install linux-image-amd64)" >&2; exit 3; }

# A kernel build needs more than the module build does.
for tool in flex bison bc; do
	command -v "$tool" >/dev/null ||
		{ echo "debug-kernel.sh: $tool is missing (apt-get install flex bison bc libelf-dev libssl-dev)" >&2; exit 3; }
done
[ -r /usr/include/libelf.h ] ||
	{ echo "debug-kernel.sh: libelf headers are missing (apt-get install libelf-dev)" >&2; exit 3; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/linux-source-6.12
obj=$out/obj
start=$(date +%s)

if [ ! -f "$src/Makefile" ]; then
	echo "debug kernel: unpacking $tarball"
	tar -xJf "$tarball" -C "$out"
fi
mkdir -p "$obj"
cp "$debcfg" "$obj/.config"

# The modules the HIL guest loads (tests/hil/mkinitramfs.sh): the DRM core
# the driver needs and vgem; localmodconfig keeps these and what they select,
# and turns every other module off.
lsmod=$out/guest-modules.lsmod
{
	echo "Module Size Used by"
	for m in drm drm_kms_helper drm_shmem_helper gpu_sched vgem drm_display_helper; do
		echo "$m 0 0"
	done
} >"$lsmod"
{ yes '' || true; } | make -s -C "$src" O="$obj" LSMOD="$lsmod" localmodconfig >"$out/config.log" 2>&1

cfg() { "$src/scripts/config" --file "$obj/.config" "$@"; }
# Debian's signing keys are not in the source package; the guest loads an
# unsigned eyrie.ko anyway.
cfg --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	-d MODULE_SIG -d MODULE_SIG_ALL -d SECURITY_LOCKDOWN_LSM_EARLY
# No BTF/DWARF: kallsyms names the frames of a report; debug info would
# triple the build.
cfg -d DEBUG_INFO_BTF -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_DWARF4 \
	-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e DEBUG_INFO_NONE
cfg --set-str LOCALVERSION "-eyrie-debug" -d LOCALVERSION_AUTO
# Built-in subsystems the guest (a q35 VM booted with -kernel, talking to the
# board through PCIe and to userspace through the accel node, sysfs and
# generic netlink) never reaches: hypervisor guests other than KVM, EFI, the
# IOMMUs (no vIOMMU), IPv6, netfilter, IPsec, the LSMs and audit, RAID and
# device-mapper, BPF, hibernation and kexec, and (the guest has no network
# card, USB bus or host role) network and USB drivers, traffic control,
# network and misc filesystems, staging, SGX, livepatch and KVM. Each would
# be compiled with KASAN instrumentation for nothing; together they are more
# than a third of the build on two cores. None of these changes the flags
# every file is compiled with, so an interrupted build resumes where it was.
cfg -d XEN -d HYPERV -d EFI -d AMD_IOMMU -d INTEL_IOMMU -d IPV6 -d NETFILTER \
	-d XFRM -d WLAN -d WIRELESS -d SECURITY_SELINUX -d SECURITY_APPARMOR \
	-d SECURITY_TOMOYO -d IMA -d EVM -d INTEGRITY -d AUDIT -d MD -d BPF_SYSCALL \
	-d HIBERNATION -d KEXEC -d KEXEC_FILE -d CRASH_DUMP \
	-d NETDEVICES -d ETHERNET -d USB_SUPPORT -d NET_SCHED -d DCB \
	-d IP_ADVANCED_ROUTER -d NETWORK_FILESYSTEMS -d MISC_FILESYSTEMS -d STAGING \
	-d X86_SGX -d LIVEPATCH -d VIRTUALIZATION
# localmodconfig keeps, for each selected-only option the guest's modules
# need (DRM_SCHED, DRM_KMS_HELPER...), a driver that selects it: here amdgpu
# and radeon. amdgpu stays (the one x86 selector of DRM_SCHED whose removal
# changes nothing built in: without it MMU_NOTIFIER and PM domains would go,
# and with them most of the kernel would rebuild), but not its display core
# (about 480 files) nor radeon (about 100). ivpu (an accel driver, 20 files)
# selects WANT_DEV_COREDUMP, without which DEV_COREDUMP is off and the
# driver's devcoredumps are stubs the HIL suite would see missing.
cfg -d DRM_AMD_DC -d DRM_RADEON -m DRM_ACCEL_IVPU
# The detectors.
cfg -e KASAN -e KASAN_GENERIC -e KASAN_INLINE -e KASAN_VMALLOC \
	-e PROVE_LOCKING -e DEBUG_LOCKDEP -e DEBUG_ATOMIC_SLEEP \
	-e DEBUG_OBJECTS -e DEBUG_OBJECTS_FREE -e DEBUG_OBJECTS_TIMERS \
	-e DEBUG_OBJECTS_WORK -e DEBUG_OBJECTS_RCU_HEAD -e DEBUG_OBJECTS_PERCPU_COUNTER \
	--set-val DEBUG_OBJECTS_ENABLE_DEFAULT 1 \
	-e DEBUG_KMEMLEAK --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000 \
	-d DEBUG_KMEMLEAK_DEFAULT_OFF -e DEBUG_KMEMLEAK_AUTO_SCAN \
	-e DMA_API_DEBUG -e DMA_API_DEBUG_SG
make -s -C "$src" O="$obj" olddefconfig >>"$out/config.log" 2>&1
for opt in KASAN PROVE_LOCKING DEBUG_OBJECTS DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP DMA_API_DEBUG \
	DRM_ACCEL DEV_COREDUMP; do
	grep -q "^CONFIG_$opt=y" "$obj/.config" ||
		{ echo "debug-kernel.sh: CONFIG_$opt did not stay on (see $out/config.log)" >&2; exit 1; }
done
for opt in DRM DRM_SCHED DRM_GEM_SHMEM_HELPER DRM_VGEM; do
	grep -q "^CONFIG_$opt=[ym]" "$obj/.config" ||
		{ echo "debug-kernel.sh: CONFIG_$opt is off after localmodconfig" >&2; exit 1; }
done

echo "debug kernel: building in $obj with $jobs jobs (log: $out/build.log)"
nice -n 10 make -C "$src" O="$obj" -j"$jobs" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; exit 1; }
rm -rf "$out/modroot"
make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 \
	modules_install >>"$out/build.log" 2>&1
make -s -C "$src" O="$obj" kernelrelease >"$out/kernelrelease.tmp"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
end=$(date +%s)
echo "$((end - start)) s, finished $(date -u +%FT%TZ), -j$jobs nice 10, $(nproc) cores" >"$out/build-time"
mv "$out/kernelrelease.tmp" "$out/kernelrelease"
echo "debug kernel: $(cat "$out/kernelrelease") built in $((end - start)) s"
