#!/bin/bash
# A real Prometheus server (Debian's prometheus) scrapes `accelctl exporter`
# on loopback every second; its HTTP query API must show the exporter up
# and eyrie_energy_joules_total rising across scrapes.
#   tests/telemetry/prometheus.sh path/to/accelctl
set -u
ACCELCTL=${1:?usage: prometheus.sh ACCELCTL}
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

if ! command -v prometheus >/dev/null; then
	echo "not ok 1 - prometheus is not installed; run tools/install-deps.sh (Debian package prometheus)"
	echo "1..1"
	exit 1
fi

check "the exporter starts" start_exporter ex -d emu
pids+=("$ex_pid")

# A free port for Prometheus: bind port 0, read it, release it.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >"$tap_tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: eyrie
    static_configs:
      - targets: ['127.0.0.1:$ex_port']
YML
check "promtool accepts the scrape config" \
	promtool check config "$tap_tmp/prometheus.yml"
mkdir -p "$tap_tmp/tsdb"
prometheus --config.file="$tap_tmp/prometheus.yml" \
	--storage.tsdb.path="$tap_tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" \
	>"$tap_tmp/prom.log" 2>&1 &
prom_pid=$!
pids+=("$prom_pid")
api="http://127.0.0.1:$pport"

ready=no
for _ in $(seq 300); do
	if curl -sf "$api/-/ready" >/dev/null; then ready=yes; break; fi
	kill -0 "$prom_pid" 2>/dev/null || break
	sleep 0.1
done
check "prometheus is ready on 127.0.0.1:$pport" test "$ready" = yes
[ "$ready" = yes ] || tail -n 20 "$tap_tmp/prom.log" | sed 's/^/# /'

# query EXPR: the first result's value ("" if none).
query() {
	curl -s --get "$api/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}

q='eyrie_energy_joules_total{job="eyrie",device="emu",domain="static"}'
first="" t_first=""
for _ in $(seq 150); do
	first=$(query "$q")
	t_first=$(query "timestamp($q)")
	[ -n "$first" ] && [ -n "$t_first" ] && break
	sleep 0.2
done
check "prometheus has scraped the energy counter ($first J)" test -n "$first"
check "the target is up" test "$(query 'up{job="eyrie"}')" = 1
# Wait for a scrape at least 2 s after the first one.
later="" t_later=""
for _ in $(seq 150); do
	later=$(query "$q")
	t_later=$(query "timestamp($q)")
	if [ -n "$t_later" ] && python3 -c "import sys; sys.exit(0 if float('$t_later') >= float('$t_first') + 2 else 1)"; then
		break
	fi
	sleep 0.2
done
check "the energy counter rises across scrapes ($first J at $t_first -> $later J at $t_later)" \
	python3 -c "import sys; sys.exit(0 if '$later' and float('$later') > float('$first') else 1)"
# Idle emu: the counter grows at the static power (device time follows
# wall time while idle; scrape times are wall times, hence the 10 %).
check "the counter grows at the static power, 0.03 W, between those scrapes" \
	python3 -c "
import sys
r = (float('$later') - float('$first')) / (float('$t_later') - float('$t_first'))
print('# rate', r, 'W')
sys.exit(0 if abs(r - 0.03) < 0.003 else 1)"
n=$(curl -s --get "$api/api/v1/query" --data-urlencode 'query=count(eyrie_energy_joules_total{job="eyrie"})' |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
check "six energy domains are stored (got $n)" test "$n" = 6
for g in eyrie_power_watts eyrie_temperature_celsius eyrie_utilization_ratio; do
	v=$(query "$g{job=\"eyrie\"}")
	check "$g is stored ($v)" test -n "$v"
done

stop_pid "$prom_pid"
stop_pid "$ex_pid"
check "the exporter stops cleanly after being scraped (exit $stop_rc)" test "$stop_rc" = 0
tap_done
