#!/bin/sh
# The HIL suite proper: prints raw TAP lines grouped by "# program NAME"
# headers; tests/hil/run-hil.sh renumbers them into one TAP stream.
#
#   suite.sh VARIANT BINDIR
#
# VARIANT: good    PCI probe, module load, every test program, unload
#          fw-crc  the firmware image has a corrupted payload: probe fails
#                  with a clear message, no device node, no crash
#          fw-abi  the firmware declares another ABI major: same
#          fw-build-id  a sound header whose build id the device does not
#                  run: the driver loads it, the device refuses it
#          direct  a real board with the driver already loaded: only the
#                  test programs
#          load    only load the DRM core and eyrie.ko (for a shell by hand)
# In the VM this runs as /hil/suite.sh from /init; on a real board
# run-hil.sh runs it directly.
variant=$1
bindir=$2
prog_timeout=${HIL_PROG_TIMEOUT:-120}
# Where a test asks the host for something: a line "EYRIE-HIL-QMP <json>"
# written here is sent to QEMU's monitor (tests/hil/run-hil.sh).
export HIL_HOST_CHANNEL=${HIL_HOST_CHANNEL:-/dev/ttyS1}
modules_dir=/hil/modules
fw_file=eyrie/eyrie_fw.bin

header() { echo "# program $1"; }
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() {  # check DESCRIPTION COMMAND...
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Runs a TAP test program; a crash or timeout without a "not ok" still fails.
run_prog() {
	name=$1; shift
	header "$name"
	log=/tmp/$name.out
	timeout "$prog_timeout" "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$log"; then
		if [ "$rc" -ge 124 ]; then
			not_ok "$name did not finish within ${prog_timeout}s or was killed (status $rc)"
		else
			not_ok "$name exited with status $rc"
		fi
	fi
}

load_drm_core() {
	header modules
	failed=
	while read -r m; do
		insmod "$modules_dir/$m.ko" 2>/tmp/insmod.err || {
			failed="$failed $m"; cat /tmp/insmod.err; }
	done </hil/modules.order
	check "DRM core loaded ($(tr '\n' ' ' </hil/modules.order))" \
		test -z "$failed"
}

# /dev/accel/accel0 appears when the probe (firmware boot included) is done.
wait_accel() {
	i=0
	while [ $i -lt "$1" ]; do
		[ -c /dev/accel/accel0 ] && return 0
		sleep 1; i=$((i + 1))
	done
	return 1
}

driver_name() {
	for d in /sys/class/accel/accel*/device/driver; do
		[ -e "$d" ] && basename "$(readlink "$d")"
	done
}

good() {
	run_prog hil_pci_probe "$bindir/hil_pci_probe"
	load_drm_core
	header driver
	if [ ! -f /hil/eyrie.ko ]; then
		not_ok "eyrie.ko is in the initramfs (build it: make module)"
		return
	fi
	check "insmod eyrie.ko succeeds" insmod /hil/eyrie.ko
	if ! check "/dev/accel/accel0 appears within 20 s (probe + firmware boot)" wait_accel 20; then
		dmesg | grep -i eyrie | sed 's/^/# /'
		return
	fi
	check "accel0 is bound to the eyrie driver" test "$(driver_name)" = eyrie
	run_tests
	header unload
	check "rmmod eyrie succeeds with no open file" rmmod eyrie
	check "/dev/accel/accel0 is gone after rmmod" test ! -e /dev/accel/accel0
	kmemleak_check
	hot_unplug
}

# The host channel and the hotplug topology: QEMU's device_del removes the
# (now driverless) board from the guest's PCI bus.
board_present() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ] && return 0
	done
	return 1
}
hot_unplug() {
	header hotplug
	if ! board_present; then
		not_ok "the board is on the PCI bus before device_del"
		return
	fi
	ok "the board is on the PCI bus before device_del"
	echo 'EYRIE-HIL-QMP {"execute":"device_del","arguments":{"id":"eyrie0"}}' >"$HIL_HOST_CHANNEL"
	i=0
	while board_present && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	if board_present; then
		not_ok "device_del through the host channel removes the board from PCI (still there after ${i} s)"
	else
		ok "device_del through the host channel removes the board from PCI (${i} s)"
	fi
}

# On a kernel with kmemleak (the check-debug tier): after the driver is
# gone, what it allocated and nobody references is a leak. Two scans: an
# object must be seen unreferenced twice (and be 5 s old) to be reported.
kmemleak_check() {
	k=/sys/kernel/debug/kmemleak
	[ -w "$k" ] || return 0
	echo scan >"$k"; sleep 6; echo scan >"$k"
	if grep -q "unreferenced object" "$k"; then
		not_ok "kmemleak finds no unreferenced object after the driver's tests and rmmod"
		head -n 60 "$k" | sed 's/^/# kmemleak: /'
	else
		ok "kmemleak finds no unreferenced object after the driver's tests and rmmod"
	fi
}

run_tests() {
	for t in "$bindir"/hil_*; do
		name=$(basename "$t")
		case $name in
		hil_pci_probe|hil_driver_unplug) continue ;;
		esac
		# HIL_ONLY (run-hil.sh): a comma-separated list of programs.
		case ",${HIL_ONLY:-$name}," in
		*",$name,"*) ;;
		*) continue ;;
		esac
		run_prog "$name" "$t"
	done
}

# A bad image: the probe fails, names the problem and the file, no node.
bad_firmware() {
	what=$1 pattern=$2
	load_drm_core
	header "firmware-$what"
	if [ ! -f /hil/eyrie.ko ]; then
		not_ok "eyrie.ko is in the initramfs (build it: make module)"
		return
	fi
	insmod /hil/eyrie.ko 2>/dev/null  # a failed PCI probe does not fail insmod
	sleep 3
	check "no /dev/accel/accel0 with a bad image" test ! -e /dev/accel/accel0
	dmesg | grep -i eyrie | grep -vi 'command line' | sed 's/^/# dmesg: /'
	check "the kernel log names the problem ($pattern)" \
		sh -c "dmesg | grep -i eyrie | grep -qiE '$pattern'"
	check "the kernel log names the file $fw_file" \
		sh -c "dmesg | grep -q '$fw_file'"
	if lsmod | grep -q '^eyrie '; then
		check "rmmod eyrie succeeds after a failed probe" rmmod eyrie
	fi
}

# The driver's hot-unplug case (issue 7): with the driver bound and a job in
# flight, device_del takes the board away; then the module must unload.
# Its own boot, since the board is gone afterwards.
hotunplug_driver() {
	load_drm_core
	header driver
	check "insmod eyrie.ko succeeds" insmod /hil/eyrie.ko
	if ! check "/dev/accel/accel0 appears within 20 s (probe + firmware boot)" wait_accel 20; then
		return
	fi
	if [ ! -x "$bindir/hil_driver_unplug" ]; then
		not_ok "hil_driver_unplug is in the initramfs (make builds it)"
		return
	fi
	run_prog hil_driver_unplug "$bindir/hil_driver_unplug"
	header unload
	check "rmmod eyrie succeeds after the hot-unplug" rmmod eyrie
	if board_present; then
		not_ok "the board is no longer on the PCI bus"
	else
		ok "the board is no longer on the PCI bus"
	fi
}

# Streaming DMA through bounce buffers (the swiotlb boot): the device reads
# and writes the bounce copies, so what the CPU wrote reaches it, and what
# it wrote reaches the CPU, only through the driver's dma_sync around each
# job. The buffer and driver programs check both directions.
swiotlb_driver() {
	load_drm_core
	header driver
	check "the kernel bounces every streaming DMA mapping (swiotlb=force)" \
		grep -q 'swiotlb=force' /proc/cmdline
	check "insmod eyrie.ko succeeds" insmod /hil/eyrie.ko
	if ! check "/dev/accel/accel0 appears within 20 s (probe + firmware boot)" wait_accel 20; then
		return
	fi
	for name in hil_bo hil_driver; do
		run_prog "$name" "$bindir/$name"
	done
	hw=$(cat /sys/kernel/debug/swiotlb/io_tlb_used_hiwater 2>/dev/null || echo 0)
	check "the jobs' buffers went through bounce buffers (io_tlb_used_hiwater $hw slots)" \
		test "$hw" -gt 0
	header unload
	check "rmmod eyrie succeeds" rmmod eyrie
}

case $variant in
good) good ;;
hotunplug) hotunplug_driver ;;
swiotlb) swiotlb_driver ;;
fw-crc) bad_firmware crc 'crc|checksum' ;;
fw-abi) bad_firmware abi 'abi' ;;
fw-build-id) bad_firmware build-id 'build.?id' ;;
direct) run_tests ;;
load) load_drm_core; [ -f /hil/eyrie.ko ] && insmod /hil/eyrie.ko && wait_accel 20 ;;
*) not_ok "suite: unknown variant '$variant'" ;;
esac
