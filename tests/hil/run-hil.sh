#!/bin/bash
# The hardware-in-the-loop suite: one TAP stream, two ways to run.
#
#   tests/hil/run-hil.sh [--vm | --direct] [--variants "good fw-crc fw-abi"]
#                        [--kver KVER] [--keep]
#
# Real board: with a /dev/accel/accel* bound to the eyrie driver (or with
# --direct) the test programs run right here.
# Otherwise (or with --vm): builds an initramfs (busybox, DRM modules,
# driver/eyrie.ko, the test programs), starts eyrie-sim, and boots Debian's
# 6.12 kernel in qemu-system-x86_64 (TCG) once per variant:
#   good    PCI-level probe, module load, every test program, unload
#   fw-crc  a firmware image with a corrupted payload
#   fw-abi  a firmware image with another ABI major
#   fw-build-id  a sound image whose build id the device refuses
#   hotunplug  module load, then the driver's hot-unplug case (QEMU
#           device_del with a job in flight), unload
#   swiotlb  the kernel bounces every streaming DMA mapping (swiotlb=force):
#           the buffer and driver programs, whose results the CPU sees only
#           if the driver syncs the BOs around each job
# Each boot's TAP comes back on the guest's ttyS1, its kernel console on
# ttyS0. Any WARN/BUG/oops/lockup/Call Trace in a guest's kernel log is a
# "not ok", except that a boot whose untainted kernel failed before the
# suite began (nothing of Eyrie loaded or run: tap-lib.sh
# boot_failed_before_suite) is booted once more, said in the output and
# in WORKDIR/boots-retried. Logs: build/hil/ (console, TAP, dmesg per variant, eyrie-sim).
#
# Environment: HIL_BOOT_TIMEOUT (s per boot, default 600), HIL_PROG_TIMEOUT
# (s per test program inside the guest, default 120), HIL_SMP (guest
# CPUs, default 2), HIL_MEM (guest RAM, default 1G, must stay below 2G),
# HIL_SIM (the board daemon, default build/sim/eyrie-sim; the ASan build
# build/asan/sim/eyrie-sim checks the device model under the real driver),
# HIL_WORKDIR (logs, default build/hil), HIL_KERNEL_DIR (boot another
# kernel: DIR/bzImage, DIR/kernelrelease and its modules in DIR/modroot,
# as tests/hil/debug-kernel.sh leaves them; check-debug), HIL_MODULE (the
# eyrie.ko to load, default driver/eyrie.ko), HIL_ONLY (comma-separated test
# programs the good variant runs, default all: for iterating on one case;
# make check never sets it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
mode=auto
variants="good fw-crc fw-abi fw-build-id swiotlb hotunplug"
kver=
keep=0
boot_timeout=${HIL_BOOT_TIMEOUT:-600}
prog_timeout=${HIL_PROG_TIMEOUT:-120}
smp=${HIL_SMP:-2}
mem=${HIL_MEM:-1G}

while [ $# -gt 0 ]; do
	case $1 in
	--vm) mode=vm ;;
	--direct) mode=direct ;;
	--variants) variants=$2; shift ;;
	--kver) kver=$2; shift ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-hil.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

workdir=${HIL_WORKDIR:-$B/hil}
mkdir -p "$workdir"
# One run at a time per work directory (logs, the QMP socket).
exec 9>"$workdir/.lock"
if ! flock -n 9; then
	echo "# another run-hil.sh is using $workdir; waiting for it"
	flock 9
fi
hilbin=$B/tests/hil/bin

. tests/hil/tap-lib.sh

# The network check's expected hash, from the host's in-process emulation.
net_hash=$workdir/net_chain.hash
net_ref() {
	rm -f "$net_hash"
	if [ ! -x "$B/tests/hil/hil_net_ref" ]; then
		emit not-ok "setup: host emulation reference $B/tests/hil/hil_net_ref is built"
		return
	fi
	if "$B/tests/hil/hil_net_ref" "$fw" >"$net_hash" 2>"$workdir/hil_net_ref.log" && [ -s "$net_hash" ]; then
		emit ok "setup: host emulation ran the network check (hash $(cat "$net_hash"))"
	else
		emit not-ok "setup: host emulation ran the network check (see $workdir/hil_net_ref.log)"
		diag <"$workdir/hil_net_ref.log"
		rm -f "$net_hash"
	fi
}

real_board() {
	local d drv
	for d in /sys/class/accel/accel*; do
		[ -e "$d/device/driver" ] || continue
		drv=$(basename "$(readlink -f "$d/device/driver")")
		[ "$drv" = eyrie ] && return 0
	done
	return 1
}

run_direct() {
	echo "# HIL on a real board: $(ls /dev/accel/accel* 2>/dev/null | tr '\n' ' ')"
	local log=$workdir/direct.tap.log
	fw=${EYRIE_FW_PATH:-/lib/firmware/eyrie/eyrie_fw.bin}
	net_ref
	export HIL_NET_HASH=$net_hash
	{ echo EYRIE-HIL-TAP-BEGIN; sh tests/hil/guest/suite.sh direct "$hilbin" 2>&1; echo EYRIE-HIL-TAP-END; } >"$log"
	collect_tap direct "$log"
	for v in fw-crc fw-abi fw-build-id; do
		emit ok "[$v] needs the emulated board (a firmware image swap) # SKIP real board"
	done
	finish
}

if [ "$mode" = direct ] || { [ "$mode" = auto ] && real_board; }; then
	run_direct
fi

# ---- VM mode -------------------------------------------------------------
[ -n "$kver" ] || kver=$(ls -1 /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+.*-amd64$' | sort -V | tail -n 1)
vmlinuz=/boot/vmlinuz-$kver
moddir_arg=()
if [ -n "${HIL_KERNEL_DIR:-}" ]; then
	kver=$(cat "$HIL_KERNEL_DIR/kernelrelease" 2>/dev/null || true)
	vmlinuz=$HIL_KERNEL_DIR/bzImage
	moddir_arg=(--moddir "$HIL_KERNEL_DIR/modroot")
fi
sim=${HIL_SIM:-$B/sim/eyrie-sim}
module=${HIL_MODULE:-driver/eyrie.ko}
fw=$B/firmware/eyrie_fw.bin
prereq_ok=1
need() {  # need DESCRIPTION TEST...
	local desc=$1; shift
	if "$@"; then emit ok "setup: $desc"; else emit not-ok "setup: $desc"; prereq_ok=0; fi
}
need "a Debian 6.12 kernel image is installed ($vmlinuz; apt-get install linux-image-amd64)" test -n "$kver" -a -r "$vmlinuz"
have() { command -v "$1" >/dev/null; }
need "qemu-system-x86_64 is installed (apt-get install qemu-system-x86)" have qemu-system-x86_64
need "busybox-static is installed (apt-get install busybox-static)" have busybox
need "eyrie-sim is built ($sim; make $sim)" test -x "$sim"
need "the test programs are built ($hilbin; make check builds them)" test -x "$hilbin/hil_pci_probe"
need "the QMP helper is built ($B/tests/hil/qmp_send)" test -x "$B/tests/hil/qmp_send"
[ "$prereq_ok" = 1 ] || finish

have_module=0
if [ -f "$module" ]; then
	vermagic=$(modinfo -F vermagic "$module" 2>/dev/null | awk '{print $1}')
	if [ "$vermagic" = "$kver" ]; then
		have_module=1
		emit ok "setup: $module vermagic matches the guest kernel $kver"
	else
		emit not-ok "setup: $module vermagic '$vermagic' matches the guest kernel $kver (rebuild: make module KDIR=/lib/modules/$kver/build)"
	fi
else
	emit not-ok "setup: $module is built (make module)"
fi
have_fw=0
if [ -f "$fw" ]; then have_fw=1; else emit not-ok "setup: firmware image $fw is built (make $fw)"; fi

run_id=$$
sock=/tmp/eyrie-hil-$run_id.sock
qmp=/tmp/eyrie-hil-$run_id.qmp
ram=/dev/shm/eyrie-hil-$run_id.ram
[ -d /dev/shm ] || ram=/tmp/eyrie-hil-$run_id.ram
sim_pid= qemu_pid=
cleanup() {
	# timeout(1) passes the signal on to QEMU.
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -f "$sock" "$ram" "$qmp"
	[ "$keep" = 1 ] || rm -rf "$workdir/initramfs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The initramfs: one base archive, plus one small archive per firmware image.
mkdir -p "$workdir/initramfs"
net_ref
bins=()
for b in "$hilbin"/hil_*; do bins+=(--bin "$b"); done
modarg=()
[ "$have_module" = 1 ] && modarg=(--module "$module")
[ -s "$net_hash" ] && modarg+=(--file "$net_hash:/hil/expected/net_chain.hash")
# Programs the tests call (not run as tests: $B/tests/hil/helpers/* into
# /hil/bin) and their data ($B/tests/hil/data/ as /hil/data/).
for b in "$B"/tests/hil/helpers/*; do [ -x "$b" ] && bins+=(--bin "$b"); done
while IFS= read -r f; do modarg+=(--file "$f:/hil/data/${f#"$B"/tests/hil/data/}"); done < <(find "$B/tests/hil/data" -type f 2>/dev/null)
base=$workdir/initramfs/base.cpio
if ! tests/hil/mkinitramfs.sh --kver "$kver" --out "$base" "${moddir_arg[@]}" "${modarg[@]}" "${bins[@]}" >"$workdir/mkinitramfs.log" 2>&1; then
	emit not-ok "setup: initramfs built (see $workdir/mkinitramfs.log)"
	diag <"$workdir/mkinitramfs.log"
	finish
fi
fw_archive() {  # fw_archive IMAGE OUT
	local st
	st=$(mktemp -d) || return 1
	# Its "." is unpacked over the base archive's: mktemp's 0700 made the
	# guest's / untraversable for a test that drops privileges (as
	# mkinitramfs.sh says for its own staging directory).
	chmod 755 "$st"
	mkdir -p "$st/lib/firmware/eyrie"
	cp "$1" "$st/lib/firmware/eyrie/eyrie_fw.bin"
	(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$2"
	rm -rf "$st"
}

: >"$workdir/eyrie-sim.log"
rm -f "$workdir/boots-retried"
# DEBUG_STALL (0x20): the priority and hang tests need a job that lasts.
# Its stderr repeats the log, plus any sanitizer report of an ASan build.
"$sim" --socket "$sock" --guest-ram "$ram" --caps-set 0x20 --log "$workdir/eyrie-sim.log" 2>"$workdir/eyrie-sim.stderr" &
sim_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
if [ ! -S "$sock" ]; then
	emit not-ok "setup: eyrie-sim listens on $sock (see $workdir/eyrie-sim.log)"
	diag <"$workdir/eyrie-sim.log"
	finish
fi
emit ok "setup: eyrie-sim listens on $sock"

# While QEMU runs, carries out the guest's host-side requests: a line
# "EYRIE-HIL-QMP <json command>" on ttyS1 goes to QEMU's monitor (e.g.
# device_del eyrie0 for a hot-unplug test); replies go to VARIANT.qmp.log.
# "EYRIE-HIL-SIM refuse-reset" sends eyrie-sim SIGUSR1: the board leaves
# its next RESET unanswered (the driver's wedge test).
serve_host_requests() {  # serve_host_requests QEMU_PID TAP_LOG QMP_LOG
	local pid=$1 tap=$2 log=$3 served=0 total n cmd sim_served=0 sim_total
	while kill -0 "$pid" 2>/dev/null; do
		sim_total=$(grep -c '^EYRIE-HIL-SIM refuse-reset' "$tap" 2>/dev/null) || sim_total=0
		for ((n = sim_served + 1; n <= sim_total; n++)); do
			echo "> eyrie-sim SIGUSR1 (refuse-reset)" >>"$log"
			kill -USR1 "$sim_pid" 2>>"$log"
		done
		sim_served=$sim_total
		total=$(grep -c '^EYRIE-HIL-QMP ' "$tap" 2>/dev/null) || total=0
		for ((n = served + 1; n <= total; n++)); do
			cmd=$(grep '^EYRIE-HIL-QMP ' "$tap" | sed -n "${n}p")
			cmd=${cmd#EYRIE-HIL-QMP }
			cmd=${cmd%$'\r'}
			echo "> $cmd" >>"$log"
			"$B/tests/hil/qmp_send" "$qmp" "$cmd" >>"$log" 2>&1
		done
		served=$total
		sleep 0.2
	done
}

boot() {  # boot VARIANT FIRMWARE_IMAGE
	local v=$1 image=$2 initrd=$workdir/initramfs/$1.cpio
	local console=$workdir/$v.console.log tap=$workdir/$v.tap.log
	local start end rc problems extra=
	# swiotlb: every streaming mapping bounces, as on a machine whose
	# device cannot reach all of RAM or with memory encryption.
	[ "$v" = swiotlb ] && extra=" swiotlb=force"
	cat "$base" >"$initrd"
	if [ -n "$image" ]; then
		fw_archive "$image" "$workdir/initramfs/$v.fw.cpio" || return
		cat "$workdir/initramfs/$v.fw.cpio" >>"$initrd"
	fi
	rm -f "$console" "$tap"
	start=$(date +%s.%N)
	rm -f "$qmp" "$workdir/$v.qmp.log"
	# The board sits behind a PCIe root port so that it can be hot-unplugged.
	# no_timer_check: on a loaded host TCG can miss the kernel's IO-APIC
	# timer check ("IO-APIC + timer doesn't work!", a panic at boot); the
	# check tests the (emulated) hardware, not the driver.
	timeout -k 10 "$boot_timeout" qemu-system-x86_64 \
		-machine q35,memory-backend=mem -m "$mem" -smp "$smp" \
		-object memory-backend-file,id=mem,size="$mem",mem-path="$ram",share=on \
		-device pcie-root-port,id=rp0,chassis=1,slot=1 \
		-chardev socket,path="$sock",id=ivs \
		-device ivshmem-doorbell,id=eyrie0,bus=rp0,chardev=ivs,vectors=5 \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 rdinit=/init no_timer_check panic=-1 oops=panic softlockup_panic=1 hung_task_panic=1 loglevel=7 eyrie_hil.variant=$v eyrie_hil.prog_timeout=$prog_timeout${HIL_ONLY:+ eyrie_hil.only=$HIL_ONLY}$extra" \
		-nodefaults -display none -serial file:"$console" -serial file:"$tap" \
		-qmp unix:"$qmp",server=on,wait=off \
		-no-reboot >"$workdir/$v.qemu.log" 2>&1 &
	qemu_pid=$!
	serve_host_requests "$qemu_pid" "$tap" "$workdir/$v.qmp.log"
	wait "$qemu_pid"
	rc=$?
	qemu_pid=
	end=$(date +%s.%N)
	echo "# [$v] QEMU exited with status $rc after $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s"
	sed -n 's/^EYRIE-HIL-TAP-BEGIN.*uptime=\([0-9.]*\).*/# ['"$v"'] guest reached the suite at uptime \1 s/p' "$tap" 2>/dev/null
	if [ -s "$workdir/$v.qemu.log" ]; then diag <"$workdir/$v.qemu.log"; fi
	# Once per variant: a guest kernel that failed before the suite began,
	# untainted (tap-lib.sh boot_failed_before_suite), is booted again.
	if [ "$boot_attempt" = 1 ] && boot_failed_before_suite "$console" "$tap"; then
		cp "$console" "$workdir/$v.console.before-suite.log"
		echo "# [$v] the guest kernel failed before the suite began, untainted (nothing of Eyrie had run):"
		kernel_log_context "$console" | head -n 6 | diag
		echo "# [$v] booting it once more (first console kept in $workdir/$v.console.before-suite.log)"
		echo "$v" >>"$workdir/boots-retried"
		boot_retry=1
		return
	fi
	collect_tap "$v" "$tap"
	if grep -q '^EYRIE-HIL-TAP-END' "$tap" 2>/dev/null; then
		emit ok "[$v] guest ran the suite to its end and powered off"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		emit not-ok "[$v] guest ran the suite to its end (killed after ${boot_timeout}s; console: $console)"
	else
		emit not-ok "[$v] guest ran the suite to its end (QEMU status $rc; console: $console)"
	fi
	sed -n '/^EYRIE-HIL-DMESG-BEGIN/,/^EYRIE-HIL-DMESG-END/p' "$tap" | sed '1d;$d' >"$workdir/$v.dmesg"
	problems=$(kernel_log_problems "$console")
	if [ -z "$problems" ]; then
		emit ok "[$v] guest kernel log has no WARN/BUG/oops/lockup/Call Trace"
	else
		emit not-ok "[$v] guest kernel log has no WARN/BUG/oops/lockup/Call Trace"
		diag <<<"$problems"
		echo "# [$v] the first one in context:"
		kernel_log_context "$console" | diag
	fi
	echo "# [$v] guest kernel log (eyrie and errors; full: $workdir/$v.dmesg, console: $console):"
	grep -iE 'eyrie|ivshmem|accel|error|fail|warn' "$workdir/$v.dmesg" 2>/dev/null | grep -vi 'command line' | head -n 80 | sed "s/^/# [$v] dmesg: /"
}

for v in $variants; do
	case $v in
	good) image=$fw ;;
	fw-crc|fw-abi|fw-build-id)
		image=$workdir/initramfs/eyrie_fw.$v.bin
		if [ "$have_fw" = 0 ] || ! "$B/tests/hil/fw_variant" "${v#fw-}" "$fw" "$image" 2>"$workdir/fw_variant.log"; then
			emit not-ok "[$v] bad firmware image made from $fw"
			diag <"$workdir/fw_variant.log" 2>/dev/null
			continue
		fi ;;
	shell|hotunplug|swiotlb) image=$fw ;;
	*) emit not-ok "unknown variant '$v' (good, fw-crc, fw-abi, fw-build-id, swiotlb, hotunplug)"; continue ;;
	esac
	[ "$have_fw" = 1 ] || image=
	boot_attempt=1 boot_retry=
	boot "$v" "$image"
	if [ -n "$boot_retry" ]; then
		boot_attempt=2 boot_retry=
		boot "$v" "$image"
	fi
	if ! kill -0 "$sim_pid" 2>/dev/null; then
		emit not-ok "[$v] eyrie-sim survived the boot (see $workdir/eyrie-sim.log)"
		diag <"$workdir/eyrie-sim.log"
		sim_pid=
		break
	fi
done

# Stop the daemon now, so that its exit status and any sanitizer report
# (leaks are reported at exit) count.
if [ -n "$sim_pid" ]; then
	kill -TERM "$sim_pid" 2>/dev/null
	wait "$sim_pid"
	sim_rc=$?
	sim_pid=
	if [ "$sim_rc" -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$workdir/eyrie-sim.stderr"; then
		emit ok "eyrie-sim: exits 0 on SIGTERM with no sanitizer report"
	else
		emit not-ok "eyrie-sim: exits 0 on SIGTERM with no sanitizer report (status $sim_rc)"
		grep -A20 -E 'Sanitizer|runtime error' "$workdir/eyrie-sim.stderr" | head -n 40 | diag
	fi
fi
if grep -q 'eyrie-sim error:' "$workdir/eyrie-sim.log"; then
	emit not-ok "eyrie-sim: the board logged no errors"
	grep 'eyrie-sim error:' "$workdir/eyrie-sim.log" | head -n 10 | diag
else
	emit ok "eyrie-sim: the board logged no errors"
fi
if grep -q 'outside the guest' "$workdir/eyrie-sim.log"; then
	emit not-ok "eyrie-sim: every device DMA stayed inside guest RAM"
	grep 'outside the guest' "$workdir/eyrie-sim.log" | head -n 10 | diag
else
	emit ok "eyrie-sim: every device DMA stayed inside guest RAM"
fi
if [ -s "$workdir/boots-retried" ]; then
	echo "# boots run twice after a guest kernel failure before the suite: $(tr '\n' ' ' <"$workdir/boots-retried")"
fi
finish
