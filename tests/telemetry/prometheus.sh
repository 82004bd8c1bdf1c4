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
first=""
for _ in $(seq 150); do
	first=$(query "$q")
	[ -n "$first" ] && break
	sleep 0.2
done
check "prometheus has scraped the energy counter ($first J)" test -n "$first"
check "the target is up" test "$(query 'up{job="eyrie"}')" = 1
# The stored samples with their own scrape timestamps (one range query, so
# values and times belong together); wait until they span 3 s.
series() {
	curl -s --get "$api/api/v1/query" --data-urlencode "query=${q}[60s]" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
for t, v in (r[0]["values"] if r else []):
    print(t, v)' 2>/dev/null
}
for _ in $(seq 150); do
	series >"$tap_tmp/series"
	python3 - "$tap_tmp/series" <<'PY' && break
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if len(rows) >= 3 and rows[-1][0] - rows[0][0] >= 3 else 1)
PY
	sleep 0.2
done
sed 's/^/# scrape: /' "$tap_tmp/series"
check "the energy counter rises at every scrape" python3 - "$tap_tmp/series" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) >= 3, rows
assert all(b[1] > a[1] for a, b in zip(rows, rows[1:])), rows
PY
# Idle emu: the counter grows at the static power (device time follows
# wall time while idle; scrape times are wall times, hence the 10 %).
check "the counter grows at the static power, 0.03 W, across the scrapes" \
	python3 - "$tap_tmp/series" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
(t0, v0), (t1, v1) = rows[0], rows[-1]
r = (v1 - v0) / (t1 - t0)
print("# rate", r, "W over", t1 - t0, "s")
sys.exit(0 if abs(r - 0.03) < 0.003 else 1)
PY
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
