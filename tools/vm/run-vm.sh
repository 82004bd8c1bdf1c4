#!/bin/bash
# Boots the HIL guest by hand, with a shell on this terminal.
#
#   tools/vm/run-vm.sh [--no-driver] [--fw IMAGE] [--kver KVER] [--smp N]
#
# Starts eyrie-sim, builds the same initramfs as tests/hil/run-hil.sh
# (busybox, DRM modules, driver/eyrie.ko, the hil_* programs, accelctl and
# sensors in /hil/bin, on PATH; the generated reduced models in
# /hil/data/kmd, $MODELS) and boots Debian's 6.12 kernel in QEMU (TCG).
# The guest loads the driver and gives a shell on ttyS0 with a short guide
# (docs/emulated-board.md, "Trying the driver by hand"). Ctrl-A X quits QEMU; `exit` in the guest powers
# it off. A QMP socket (build/vm/qmp.sock) allows e.g. device_del eyrie0.
# Build first: make (or make module build/sim/eyrie-sim and the hil_* programs).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
B=${B:-build}
kver= fw=$B/firmware/eyrie_fw.bin driver=1 smp=2 mem=1G

while [ $# -gt 0 ]; do
	case $1 in
	--no-driver) driver=0 ;;
	--fw) fw=$2; shift ;;
	--kver) kver=$2; shift ;;
	--smp) smp=$2; shift ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-vm.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$kver" ] || kver=$(ls -1 /lib/modules | grep -E '^6\.12\.[0-9]+.*-amd64$' | sort -V | tail -n 1)
[ -r "/boot/vmlinuz-$kver" ] || { echo "run-vm.sh: no /boot/vmlinuz-$kver (apt-get install linux-image-amd64)" >&2; exit 1; }
[ -x "$B/sim/eyrie-sim" ] || { echo "run-vm.sh: $B/sim/eyrie-sim is not built (make $B/sim/eyrie-sim)" >&2; exit 1; }

work=$B/vm
mkdir -p "$work"
modarg=()
if [ "$driver" = 1 ]; then
	[ -f driver/eyrie.ko ] || { echo "run-vm.sh: driver/eyrie.ko is not built (make module), or pass --no-driver" >&2; exit 1; }
	modarg=(--module driver/eyrie.ko)
fi
[ -x "$B/tests/hil/helpers/accelctl" ] && [ -d "$B/tests/hil/data/kmd" ] ||
	echo "run-vm.sh: accelctl or the models for the guest are not built (make); the shell will lack them" >&2
bins=()
for b in "$B"/tests/hil/bin/hil_* "$B"/tests/hil/helpers/*; do [ -x "$b" ] && bins+=(--bin "$b"); done
files=(--file "tests/hil/guest/motd:/hil/motd")
[ -f "$fw" ] && files+=(--file "$fw:/lib/firmware/eyrie/eyrie_fw.bin")
# The models and other data the tests use ($B/tests/hil/data as /hil/data).
while IFS= read -r f; do
	files+=(--file "$f:/hil/data/${f#"$B"/tests/hil/data/}")
done < <(find "$B/tests/hil/data" -type f 2>/dev/null)
# hil_net compares with the host emulation's hash of the same job.
if [ -x "$B/tests/hil/hil_net_ref" ] && "$B/tests/hil/hil_net_ref" "$fw" >"$work/net_chain.hash" 2>/dev/null; then
	files+=(--file "$work/net_chain.hash:/hil/expected/net_chain.hash")
fi
tests/hil/mkinitramfs.sh --kver "$kver" --out "$work/initrd.cpio" "${modarg[@]}" "${bins[@]}" "${files[@]}"

sock=/tmp/eyrie-vm-$$.sock
ram=/dev/shm/eyrie-vm-$$.ram
"$B/sim/eyrie-sim" --socket "$sock" --guest-ram "$ram" --caps-set 0x20 --log "$work/eyrie-sim.log" 2>/dev/null &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -f "$sock" "$ram"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
echo "eyrie-sim pid $sim_pid, log $work/eyrie-sim.log; booting $kver (Ctrl-A X quits)"

qemu-system-x86_64 \
	-machine q35,memory-backend=mem -m "$mem" -smp "$smp" \
	-object memory-backend-file,id=mem,size="$mem",mem-path="$ram",share=on \
	-chardev socket,path="$sock",id=ivs \
	-device pcie-root-port,id=rp0,chassis=1,slot=1 \
	-device ivshmem-doorbell,id=eyrie0,bus=rp0,chardev=ivs,vectors=5 \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 rdinit=/init no_timer_check loglevel=4 panic=-1 eyrie_hil.variant=shell" \
	-nodefaults -display none -serial mon:stdio \
	-qmp unix:"$work/qmp.sock",server=on,wait=off -no-reboot
