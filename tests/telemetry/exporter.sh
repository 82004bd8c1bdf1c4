#!/bin/bash
# accelctl exporter on the emu board: HTTP, the metric families, promtool,
# rising counters, 404/405, a busy port, bad --listen, an unreachable
# device, SIGTERM, and --load raising power on an accelerated thermal board.
#   tests/telemetry/exporter.sh path/to/accelctl
set -u
ACCELCTL=${1:?usage: exporter.sh ACCELCTL}
tap_tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tap_tmp"
}
trap cleanup EXIT
here=$(dirname "$0")
. "$here/tap.sh"
. "$here/exporter_lib.sh"

check "the exporter starts on a free loopback port" start_exporter ex -d emu
pids+=("$ex_pid")
url="http://127.0.0.1:$ex_port/metrics"

headers=$(curl -s -D - -o "$tap_tmp/m1" "$url")
check "GET /metrics: 200" grep -q "^HTTP/1.1 200" <<<"$headers"
check "Content-Type is the 0.0.4 text format" \
	grep -qi "^Content-Type: text/plain; version=0.0.4" <<<"$headers"
check "promtool check metrics passes" promtool check metrics <"$tap_tmp/m1"
for fam in eyrie_energy_joules_total:counter eyrie_power_watts:gauge \
	   eyrie_temperature_celsius:gauge eyrie_utilization_ratio:gauge; do
	name=${fam%%:*} type=${fam#*:}
	check "$name has # HELP and # TYPE $type" bash -c \
		"grep -q '^# HELP $name ' '$tap_tmp/m1' && grep -q '^# TYPE $name $type\$' '$tap_tmp/m1'"
done
text=$(cat "$tap_tmp/m1")
check "energy per domain: dram glb noc rf mac static" bash -c '
	for d in dram glb noc rf mac static; do
		grep -q "^eyrie_energy_joules_total{device=\"emu\",domain=\"$d\"} " "$1" || exit 1
	done' _ "$tap_tmp/m1"
p=$(metric "$text" eyrie_power_watts 'device="emu"')
check "idle emu power is the static power (0.03 W, got $p)" test "$p" = 0.03
u=$(metric "$text" eyrie_utilization_ratio 'device="emu"')
check "idle utilization is 0 (got $u)" test "$u" = 0

s1=$(metric "$text" eyrie_energy_joules_total 'device="emu",domain="static"')
sleep 0.3
text2=$(curl -s "$url")
s2=$(metric "$text2" eyrie_energy_joules_total 'device="emu",domain="static"')
check "static energy rises between scrapes ($s1 -> $s2)" \
	python3 -c "import sys; sys.exit(0 if float('$s2') > float('$s1') > 0 else 1)"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ex_port/")
check "GET / is 404 (got $code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ex_port/metrics/x")
check "GET /metrics/x is 404 (got $code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
check "POST /metrics is 405 (got $code)" test "$code" = 405

# Another exporter on the same port.
expect_rc 3 "a busy port is a device/socket error" \
	"$ACCELCTL" -d emu exporter --listen "127.0.0.1:$ex_port"
check "the busy-port message names the port and the fix" bash -c \
	'grep -q "port $1 is already in use" <<<"$2" && grep -q -- "--listen" <<<"$2"' \
	_ "$ex_port" "$last_err"

stop_pid "$ex_pid"
check "SIGTERM stops the exporter with exit 0 (got $stop_rc)" test "$stop_rc" = 0
check "it says it is stopping" grep -q "stopping" "$tap_tmp/ex.err"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
check "nothing serves the port afterwards (got $code)" test "$code" = 000

# SIGINT too.
check "an exporter for the SIGINT case starts" start_exporter ex2 -d emu
pids+=("$ex2_pid")
kill -INT "$ex2_pid"
wait "$ex2_pid"
rc=$?
check "SIGINT stops the exporter with exit 0 (got $rc)" test "$rc" = 0

expect_rc 2 "--listen without a port" "$ACCELCTL" -d emu exporter --listen 127.0.0.1
expect_rc 2 "--listen with port 99999" "$ACCELCTL" -d emu exporter --listen 127.0.0.1:99999
expect_rc 2 "--listen with a host name, not an address" \
	"$ACCELCTL" -d emu exporter --listen nosuchhost:9475
expect_rc 3 "an unreachable device" \
	"$ACCELCTL" -d /dev/accel/accel99 exporter --listen 127.0.0.1:0
check "the device message names the device" grep -q "/dev/accel/accel99" <<<"$last_err"

# --load on a board with an accelerated thermal model: power and
# utilization rise, the die heats, and it throttles.
EXPORTER_EXTRA=--load check "an exporter with --load starts" \
	start_exporter exl -d "emu:tau_ms=100,r_c_per_w=1000,throttle_c=90"
pids+=("$exl_pid")
hot=""
for _ in $(seq 100); do
	t=$(curl -s "http://127.0.0.1:$exl_port/metrics")
	if [ "$(metric "$t" eyrie_throttled 'device="emu:tau_ms=100,r_c_per_w=1000,throttle_c=90"')" = 1 ]; then
		hot=$t
		break
	fi
	sleep 0.1
done
check "under --load the device throttles (seen through the metrics)" test -n "$hot"
dev='device="emu:tau_ms=100,r_c_per_w=1000,throttle_c=90"'
check "under --load: power above static, utilization > 0, temperature >= 88 C" \
	python3 -c "
import sys
p, u, t = float('$(metric "$hot" eyrie_power_watts "$dev")'), float('$(metric "$hot" eyrie_utilization_ratio "$dev")'), float('$(metric "$hot" eyrie_temperature_celsius "$dev")')
print('# power', p, 'util', u, 'temp', t)
sys.exit(0 if p > 0.03 and u > 0 and t >= 88 else 1)"
check "under --load: MAC energy is counted" python3 -c "
import sys; sys.exit(0 if float('$(metric "$hot" eyrie_energy_joules_total "$dev,domain=\"mac\"")') > 0 else 1)"
stop_pid "$exl_pid"
check "SIGTERM stops a loaded exporter with exit 0 (got $stop_rc)" test "$stop_rc" = 0

tap_done
