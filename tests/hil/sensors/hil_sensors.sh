#!/bin/sh
# HIL: `sensors` (Debian lm-sensors) shows the board's power and temperature
# through the driver's hwmon device (TAP; plain sh + busybox in the VM).
here=$(dirname "$0")
sensors=$(command -v sensors || echo "$here/sensors")
conf=/hil/data/sensors3.conf
[ -f "$conf" ] || conf=/etc/sensors3.conf
out=/tmp/hil-sensors.out
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; sed 's/^/# /' "$out" | head -n 20; }

"$sensors" -c "$conf" >"$out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^eyrie-pci-' "$out"; then
	ok "sensors lists the eyrie chip ($(grep '^eyrie-pci-' "$out" | head -n 1))"
else
	not_ok "sensors lists the eyrie chip (exit $rc)"
fi
grep -q '^board: .*W' "$out" && ok "sensors shows the board power: $(grep '^board: .*W' "$out" | head -n 1)" ||
	not_ok "sensors shows the board power"
grep -q '^die: .*C' "$out" && ok "sensors shows the die temperature: $(grep '^die: ' "$out" | head -n 1)" ||
	not_ok "sensors shows the die temperature"

# Raw values equal the hwmon files of the same chip (read at nearly the
# same time: temperature in whole milli-degrees moves slowly when idle).
"$sensors" -c "$conf" -u 'eyrie-*' >"$out" 2>&1
for f in power1_input temp1_input temp1_crit; do
	grep -q "^  $f: " "$out" && ok "sensors -u reports $f" || not_ok "sensors -u reports $f"
done
hw=
for d in /sys/class/hwmon/hwmon*; do
	[ "$(cat "$d/name" 2>/dev/null)" = eyrie ] && hw=$d && break
done
crit_s=$(sed -n 's/^  temp1_crit: \([0-9.]*\).*/\1/p' "$out" | head -n 1)
if [ -n "$hw" ] && [ -n "$crit_s" ]; then
	crit_hw=$(cat "$hw/temp1_crit")
	# sensors prints degrees with 3 decimals; hwmon holds milli-degrees.
	crit_s_mc=$(echo "$crit_s" | sed 's/\.//; s/^0*//')
	[ "$crit_s_mc" = "$crit_hw" ] && ok "temp1_crit in sensors ($crit_s C) equals hwmon ($crit_hw mC)" ||
		not_ok "temp1_crit in sensors ($crit_s C) equals hwmon ($crit_hw mC)"
else
	not_ok "the eyrie hwmon device and its temp1_crit are found (hwmon '$hw', sensors '$crit_s')"
fi
echo "1..$n"
[ $failed -eq 0 ]
