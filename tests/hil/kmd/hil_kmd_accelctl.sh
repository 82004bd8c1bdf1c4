#!/bin/sh
# HIL: accelctl through the kmd shim on /dev/accel/accel0 (TAP). list, info
# (driver, PCI identity from libpci), fw (debugfs log), reset (root), and
# `run --check` on the generated networks: each output file's SHA-256 must
# equal the host's emu run of the same model and input
# (tests/hil/kmd/host-ref.sh). Runs in the VM (tests/hil) or on a board.
node=/dev/accel/accel0
here=$(dirname "$0")
# The guest has accelctl next to the tests' helpers; a board host has it on PATH.
accelctl=$(command -v accelctl || echo "$here/../helpers/accelctl")
data=${HIL_KMD_DATA:-/hil/data/kmd}
[ -d "$data" ] || data=$here/../data/kmd
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {  # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@" >/tmp/kmd-check.log 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' /tmp/kmd-check.log | head -n 20; fi
}
has() {  # has PATTERN COMMAND...: the command succeeds and prints PATTERN
	p=$1; shift
	"$@" >/tmp/kmd-out.log 2>&1 && grep -q -- "$p" /tmp/kmd-out.log || { cat /tmp/kmd-out.log; return 1; }
}

# What the udev rule (tools/udev/70-eyrie.rules) matches, read the way udev
# reads it: SUBSYSTEM from the node's subsystem link, KERNEL its name,
# DRIVERS the driver of a parent device (here the PCI function).
sysdev=/sys/class/accel/accel0
if [ "$(basename "$(readlink -f $sysdev/subsystem)")" = accel ] &&
   [ "$(basename "$(readlink -f $sysdev/device/driver)")" = eyrie ] &&
   grep -qx 'DEVNAME=accel/accel0' $sysdev/uevent; then
	ok "udev rule's match holds: SUBSYSTEM==accel, KERNEL==accel0, parent DRIVERS==eyrie"
else
	not_ok "udev rule's match holds: SUBSYSTEM==accel, KERNEL==accel0, parent DRIVERS==eyrie"
	sed 's/^/# uevent: /' $sysdev/uevent
fi
check "accelctl list: $node is the default, kmd shim" has "^\\* *$node .*kmd" "$accelctl" list
check "accelctl info: driver eyrie on $node" has "driver: *eyrie on $node" "$accelctl" info
check "accelctl info: PCI identity through libpci ([1af4:1110])" has "PCI: .*\\[1af4:1110\\]" "$accelctl" info
check "accelctl info --json: board.pci.slot" has '"slot": "0000:' "$accelctl" info --json
check "accelctl fw: version and build id" has "build id: *[0-9a-f]\\{40\\}" "$accelctl" fw --no-log
check "accelctl fw: the firmware log from debugfs" has "firmware" "$accelctl" fw
# The driver's reset counter (debugfs), and the firmware's boot line: the log
# is a ring of fixed size, so a count of boot lines stops growing once it
# is full (other programs' faults fill it); the newest line must be a boot.
resets() { sed -n 's/^resets: //p' /sys/kernel/debug/accel/*/queues 2>/dev/null | head -n 1; }
before=$(resets)
check "accelctl reset (root): done" has "reset done (kmd shim)" "$accelctl" reset
after=$(resets)
last=$("$accelctl" fw 2>/dev/null | grep -E "firmware (up|booting)|boot" | tail -n 1)
if [ "${after:-0}" -eq $((${before:-0} + 1)) ] && [ -n "$last" ]; then
	ok "accelctl reset: the driver counts one more reset ($before -> $after), the firmware log shows its boot"
else
	not_ok "accelctl reset: the driver counts one more reset ($before -> $after), the firmware log shows its boot"
fi

# A wedged device: the board, asked through the host channel (run-hil.sh
# sends eyrie-sim SIGUSR1), leaves the next RESET unanswered. accelctl
# reset then fails with exit 3 and says the device may be wedged; the
# device still answers accelctl info; the next reset brings it back (the
# run --check cases below then run jobs on it).
channel=${HIL_HOST_CHANNEL:-}
fwlog=$(ls -d /sys/kernel/debug/accel/*/fw_log 2>/dev/null | head -n 1)
armed() { grep -c "debug: the next RESET goes unanswered" "$fwlog" 2>/dev/null; }
if [ -n "$channel" ] && [ -w "$channel" ] && [ -n "$fwlog" ] && [ "$(id -u)" = 0 ]; then
	a0=$(armed); a0=${a0:-0}
	echo "EYRIE-HIL-SIM refuse-reset" >"$channel"
	i=0
	while [ "$(armed)" -le "$a0" ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	if [ "$(armed)" -gt "$a0" ]; then
		ok "the board is armed to leave its next RESET unanswered"
	else
		not_ok "the board is armed to leave its next RESET unanswered"
	fi
	"$accelctl" reset >/tmp/kmd-wedge.log 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q "wedged" /tmp/kmd-wedge.log; then
		ok "accelctl reset of a device that leaves RESET unanswered: exit 3, the message says wedged"
	else
		not_ok "accelctl reset of a device that leaves RESET unanswered: exit 3, the message says wedged (exit $rc)"
	fi
	sed 's/^/# /' /tmp/kmd-wedge.log | head -n 5
	check "accelctl info answers on the wedged device" has "driver: *eyrie on $node" "$accelctl" info
	check "accelctl reset again: acknowledged, the device is back" has "reset done (kmd shim)" "$accelctl" reset
fi

if [ ! -s "$data/models.list" ]; then
	not_ok "model data present in $data (make hil-kmd)"
else
	for m in $(cat "$data/models.list"); do
		out=/tmp/kmd-run-$m
		rm -rf "$out"
		t0=$(date +%s)
		check "accelctl run --check $m through the driver" \
			"$accelctl" -d "$node" run "$data/$m.onnx" --input "$data/$m.input.pb" \
			--check --output-dir "$out"
		echo "# $m: $(($(date +%s) - t0)) s in the guest (load, compile, run, CPU reference); device: $(grep -m1 '^latency' /tmp/kmd-check.log)"
		(cd "$out" 2>/dev/null && sha256sum output_*.pb) >/tmp/kmd-$m.sha256 2>/dev/null
		if [ -s /tmp/kmd-$m.sha256 ] && cmp -s /tmp/kmd-$m.sha256 "$data/$m.sha256"; then
			ok "$m: output hashes equal the host's emu run ($(wc -l </tmp/kmd-$m.sha256) outputs, $(cut -c1-16 /tmp/kmd-$m.sha256 | head -n 1)...)"
		else
			not_ok "$m: output hashes equal the host's emu run"
			echo "# guest:"; sed 's/^/#   /' /tmp/kmd-$m.sha256
			echo "# host:"; sed 's/^/#   /' "$data/$m.sha256"
		fi
	done
fi
echo "1..$n"
[ "$failed" -eq 0 ]
