#!/bin/bash
# accelctl power and top on the emu board: the --json and --csv contract,
# idle power = static power, streams, signals, and the bad-input table.
#   tests/telemetry/power_cli.sh path/to/accelctl
set -u
ACCELCTL=${1:?usage: power_cli.sh ACCELCTL}
tap_tmp=$(mktemp -d)
trap 'rm -rf "$tap_tmp"' EXIT
. "$(dirname "$0")/tap.sh"

# One-shot JSON: the contract keys, types, and idle power = static power.
static_mw=$("$ACCELCTL" -d emu info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["energy"]["static_mw"])')
expect_rc 0 "power --json runs" "$ACCELCTL" -d emu power --json
check "power --json: contract keys and types; idle power_w = static power ($static_mw mW)" \
	python3 - "$static_mw" <<PY
import json, sys
d = json.loads('''$last_out''')
static_w = int(sys.argv[1]) / 1000.0
keys = {"device", "timestamp_ns", "power_w", "energy_j", "temperature_c", "utilization", "throttled"}
assert keys <= d.keys(), keys - d.keys()
assert d["device"] == "emu"
assert isinstance(d["timestamp_ns"], int) and d["timestamp_ns"] > 0
assert isinstance(d["throttled"], bool) and d["throttled"] is False
e = d["energy_j"]
doms = ["dram", "glb", "noc", "rf", "mac", "static"]
assert set(doms + ["total"]) <= e.keys(), e.keys()
assert abs(sum(e[k] for k in doms) - e["total"]) <= 1e-9 * max(1, e["total"])
assert e["static"] > 0 and all(e[k] == 0 for k in doms[:5])
assert abs(d["power_w"] - static_w) < 1e-9, (d["power_w"], static_w)
assert 0 <= d["utilization"] <= 1
assert 0 < d["temperature_c"] < 150
PY

# A stream: one object per line, consecutive seq, rising time and energy.
# Spacing of device time: the interval within half an interval (the
# reader's wake-up lateness on a loaded host; docs/telemetry.md).
expect_rc 0 "power --watch --count 5 --interval 200 --json" \
	"$ACCELCTL" -d emu power --watch --count 5 --interval 200 --json
check "stream: 5 JSON lines, seq 0..4, device time 200 ms per slot +- 100 ms apart, each at or after its slot boundary, energy monotonic" \
	python3 - <<PY
import json
lines = '''$last_out'''.strip().split("\n")
assert len(lines) == 5, len(lines)
objs = [json.loads(l) for l in lines]
assert [o["seq"] for o in objs] == list(range(5))
t0 = objs[0]["timestamp_ns"]
for a, b in zip(objs, objs[1:]):
    # A reader that wakes late by more than an interval skips a slot
    # (documented); the spacing follows the slots, never a fixed 200 ms.
    assert abs(b["timestamp_ns"] - a["timestamp_ns"] - (b["slot"] - a["slot"]) * 200e6) <= 100e6, (a, b)
    assert b["slot"] > a["slot"]
for o in objs:
    assert o["timestamp_ns"] - t0 >= o["slot"] * 200e6, o
for a, b in zip(objs, objs[1:]):
    for k in a["energy_j"]:
        assert b["energy_j"][k] >= a["energy_j"][k], k
    assert b["energy_j"]["total"] > a["energy_j"]["total"]
PY

# Events: a hot board under the synthetic load throttles, and the stream
# carries the event as a line with an "event" key, before the first
# throttled sample. How soon it throttles depends on how busy the host
# keeps the board, so the watch runs until the event shows (at most 60 s
# of wall time), then SIGINT ends it.
hot=emu:tau_ms=100,r_c_per_w=1000,throttle_c=90
watch_until_event() {  # watch_until_event FORMAT OUT ERR
	"$ACCELCTL" -d $hot power --watch --load --$1 --interval 50 >"$2" 2>"$3" &
	local pid=$! i=0
	while ! grep -q "event throttle\|\"event\":\"throttle\"" "$2" "$3" && [ $i -lt 300 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	sleep 0.3	# a few samples after the event
	kill -INT $pid
	wait $pid
}
watch_until_event json "$tap_tmp/hot.json" "$tap_tmp/hot.err"
rc=$?
check "power --watch --load --json on a hot board ($hot): SIGINT ends it with exit 0 (got $rc)" test $rc -eq 0
check "stream: a throttle event (throttled true) before the first throttled sample" \
	python3 - "$tap_tmp/hot.json" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
events = [i for i, o in enumerate(objs) if "event" in o]
assert events, "no event line"
e = objs[events[0]]
assert e["event"] == "throttle" and e["throttled"] is True, e
assert set(e) >= {"device", "event", "timestamp_ns", "ctx_id"}, e
hot = [i for i, o in enumerate(objs) if "event" not in o and o["throttled"]]
assert not hot or events[0] < hot[0], (events, hot[:1])
PY
watch_until_event csv "$tap_tmp/hot.csv" "$tap_tmp/hot.cerr"
rc=$?
check "power --watch --load --csv on a hot board: SIGINT ends it with exit 0 (got $rc)" test $rc -eq 0
check "--csv: the throttle event is text on stderr" \
	grep -q "event throttle on .*throttling began" "$tap_tmp/hot.cerr"
check "--csv: no event text in the rows" sh -c '! grep -q event "$0"' "$tap_tmp/hot.csv"
expect_rc 2 "--load without --watch" "$ACCELCTL" -d emu power --load
check "--load without --watch: the message says why" grep -q -- "--load needs --watch" <<<"$last_err"

# CSV: a header row, then rows with as many fields.
expect_rc 0 "power --csv" "$ACCELCTL" -d emu power --csv
check "power --csv: header + 1 row, contract columns" python3 - <<PY
import csv, io
rows = list(csv.reader(io.StringIO('''$last_out''')))
assert len(rows) == 2, rows
h = rows[0]
for col in ["device", "timestamp_ns", "power_w", "energy_total_j", "energy_dram_j",
            "energy_glb_j", "energy_noc_j", "energy_rf_j", "energy_mac_j",
            "energy_static_j", "temperature_c", "utilization", "throttled"]:
    assert col in h, col
assert len(rows[1]) == len(h)
r = dict(zip(h, rows[1]))
assert r["device"] == "emu" and float(r["power_w"]) > 0 and r["throttled"] == "0"
PY
expect_rc 0 "power -w -c 3 -i 10 --csv" "$ACCELCTL" -d emu power -w -c 3 -i 10 --csv
check "CSV stream: one header, 3 rows, seq 0..2" python3 - <<PY
import csv, io
rows = list(csv.DictReader(io.StringIO('''$last_out''')))
assert [int(r["seq"]) for r in rows] == [0, 1, 2], rows
assert all(float(r["energy_static_j"]) > 0 for r in rows)
PY

# Text (human) output names the quantities.
expect_rc 0 "power (text)" "$ACCELCTL" -d emu power
check "text output shows power, temperature and static energy" \
	grep -q "static" <<<"$last_out"

# SIGINT ends a watch cleanly.
"$ACCELCTL" -d emu power --watch --interval 20 --json >"$tap_tmp/watch" 2>"$tap_tmp/watch.err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT stops power --watch with exit 0 (got $rc)" test "$rc" -eq 0
check "every line written before SIGINT parses" python3 -c "
import json
lines = open('$tap_tmp/watch').read().strip().split('\n')
assert len(lines) >= 3, len(lines)
[json.loads(l) for l in lines]"

# Bad input: usage errors exit 2, device errors 3, each with a message.
expect_rc 2 "--interval 0 is a usage error" "$ACCELCTL" -d emu power --watch --interval 0
check "--interval 0: the message names the option and the range" \
	grep -q -- "--interval takes a whole number from 1" <<<"$last_err"
expect_rc 2 "--interval -5" "$ACCELCTL" -d emu power --watch --interval -5
expect_rc 2 "--interval abc" "$ACCELCTL" -d emu power --watch --interval abc
expect_rc 2 "--count -1 (negative count)" "$ACCELCTL" -d emu power --count -1
check "--count -1: the message names the option" grep -q -- "--count" <<<"$last_err"
expect_rc 2 "--count 0" "$ACCELCTL" -d emu power --count 0
expect_rc 2 "--count 3x" "$ACCELCTL" -d emu power --count 3x
expect_rc 2 "--json with --csv" "$ACCELCTL" -d emu power --json --csv
expect_rc 2 "unknown option" "$ACCELCTL" -d emu power --bogus
expect_rc 3 "unreachable device /dev/accel/accel99" "$ACCELCTL" -d /dev/accel/accel99 power
check "unreachable device: the message names the device" \
	grep -q "/dev/accel/accel99" <<<"$last_err"
expect_rc 3 "unreachable device with --watch" "$ACCELCTL" -d /dev/accel/accel99 power --watch -c 2
expect_rc 0 "power --help" "$ACCELCTL" power --help
check "--help explains emu shows its own device's static power" \
	grep -q "static power" <<<"$last_out"

# top: batch mode on the emu board.
expect_rc 0 "top --once" "$ACCELCTL" -d emu top --once
check "top --once: a device row and this process's row" python3 - <<PY
out = '''$last_out'''
assert "DEVICE" in out and "PID" in out, out
dev = [l for l in out.splitlines() if l.startswith("emu ")]
assert len(dev) == 1, out
assert "accelctl" in out
assert "\x1b[" not in out   # no screen control codes in batch mode
PY
expect_rc 0 "top --json -n 2 -i 50" "$ACCELCTL" -d emu top --json -n 2 -i 50
check "top --json: 2 frames with devices and per-process energy/utilization" python3 - <<PY
import json
frames = [json.loads(l) for l in '''$last_out'''.strip().split("\n")]
assert len(frames) == 2
for f in frames:
    assert f["devices"][0]["device"] == "emu"
    p = f["processes"][0]
    assert p["command"] == "accelctl" and p["energy_j"] > 0 and p["utilization"] == 0
assert frames[1]["devices"][0]["energy_j"] > frames[0]["devices"][0]["energy_j"]
PY
expect_rc 2 "top -n 0" "$ACCELCTL" -d emu top -n 0
expect_rc 2 "top --interval 0" "$ACCELCTL" -d emu top --interval 0
expect_rc 3 "top on an unreachable device" "$ACCELCTL" -d /dev/accel/accel99 top --once

tap_done
