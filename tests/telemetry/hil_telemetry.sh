#!/bin/sh
# HIL: power telemetry through the kmd shim on /dev/accel/accel0 (TAP), in
# the VM (tests/hil) or on a board: `accelctl power --json/--csv` read the
# driver's telemetry; `power --watch` in one process streams samples while
# `accelctl run` works the board from another, and its energy counters show
# that work; `top` finds the other process through DRM fdinfo; the
# exporter serves the board's metrics on loopback; a job hang injected
# with telem_hang reaches a subscriber as job_hang then reset events.
# Plain sh + busybox.
node=/dev/accel/accel0
here=$(dirname "$0")
accelctl=$(command -v accelctl || echo "$here/../helpers/accelctl")
data=${HIL_KMD_DATA:-/hil/data/kmd}
[ -d "$data" ] || data=$here/../data/kmd
tmp=/tmp/hil-telemetry
mkdir -p $tmp
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {  # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@" >$tmp/check.log 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' $tmp/check.log | head -n 20; fi
}
# json_num FILE KEY: the first number after "KEY": in FILE's last line
json_num() { tail -n 1 "$1" | sed -n "s/.*\"$2\":\\([-0-9.e+]*\\).*/\\1/p"; }
first_num() { head -n 1 "$1" | sed -n "s/.*\"$2\":\\([-0-9.e+]*\\).*/\\1/p"; }

"$accelctl" -d $node power --json >$tmp/one.json 2>$tmp/one.err
check "power --json on $node exits 0" test -s $tmp/one.json
for key in device timestamp_ns power_w energy_j total dram glb noc rf mac static temperature_c utilization throttled; do
	check "power --json has \"$key\"" grep -q "\"$key\"" $tmp/one.json
done
check "power --json names the device" grep -q "\"device\": \"$node\"" $tmp/one.json
"$accelctl" -d $node power --csv >$tmp/one.csv 2>&1
check "power --csv: a header row and one row" sh -c "
	head -n 1 $tmp/one.csv | grep -q '^device,seq,timestamp_ns,power_w,energy_total_j' &&
	[ \$(wc -l <$tmp/one.csv) -eq 2 ] && sed -n 2p $tmp/one.csv | grep -q '^$node,'"

# A stream in one process while another process runs a model; top sees
# the runner. Both watchers run until the run is over (SIGINT ends them).
model=$(head -n 1 "$data/models.list" 2>/dev/null)
"$accelctl" -v -d $node power --watch --interval 200 --json >$tmp/watch.json 2>$tmp/watch.err &
watch=$!
"$accelctl" -d $node top --json -i 300 >$tmp/top.json 2>$tmp/top.err &
top=$!
sleep 1
if [ -n "$model" ]; then
	check "accelctl run $model in another process" \
		"$accelctl" -d $node run "$data/$model.onnx" --input "$data/$model.input.pb" --iterations 3
else
	not_ok "model data present in $data (make hil-kmd)"
fi
sleep 1
kill -INT $watch $top
wait $watch
rc=$?
wait $top
check "SIGINT ends power --watch with exit 0 (got $rc)" test $rc -eq 0
lines=$(grep -c '"seq"' $tmp/watch.json)
check "the stream has samples ($lines)" test "$lines" -ge 5
check "the stream came from the driver's netlink family, not polling" \
	sh -c "! grep -q polling $tmp/watch.err"
# seq is the driver's own sample number: consecutive, from wherever the
# driver's count stood (a gap would be a sample really lost).
seq_consecutive() {  # seq_consecutive FILE
	prev=
	for s in $(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$1"); do
		[ -z "$prev" ] || [ "$s" -eq $((prev + 1)) ] || return 1
		prev=$s
	done
	[ -n "$prev" ]
}
check "the stream's seq runs without a gap" seq_consecutive $tmp/watch.json
grep '"seq"' $tmp/watch.json >$tmp/samples.json
t0=$(first_num $tmp/samples.json timestamp_ns)
t1=$(json_num $tmp/samples.json timestamp_ns)
check "device time advances along the stream ($t0 -> $t1 ns)" test "${t1:-0}" -gt "${t0:-0}"
m0=$(head -n 1 $tmp/samples.json | sed -n 's/.*"mac":\([-0-9.e+]*\).*/\1/p')
m1=$(tail -n 1 $tmp/samples.json | sed -n 's/.*"mac":\([-0-9.e+]*\).*/\1/p')
check "MAC energy seen by the watcher rose while the other process ran ($m0 -> $m1 J)" \
	awk -v a="$m0" -v b="$m1" 'BEGIN { exit !(b > a) }'
# The runner holds the device open for seconds (import, compile, runs):
# some frame lists it next to the watcher and top itself.
check "top listed the runner next to the watcher and itself (DRM fdinfo)" \
	awk -F'"pid":' 'NF - 1 >= 3 { found = 1 } END { exit !found }' $tmp/top.json
awk -F'"pid":' 'NF - 1 >= 3 { found = 1 } END { exit !found }' $tmp/top.json ||
	sed 's/^/# top: /' $tmp/top.json | tail -n 3
check "top's process rows carry energy and jobs keys" \
	grep -q '"processes":\[{"pid":[0-9]*,"command":"[^"]*","device":"[^"]*","jobs_completed":[0-9]*,"energy_j":' $tmp/top.json
# The watcher's seq values, for the record.
echo "# watch seq: $(sed -n 's/.*"seq":\([0-9]*\).*/\1/p' $tmp/watch.json | tr '\n' ' ')"

# Events: a job that stalls the device until the driver's job_timeout_ms
# passes; the driver reports the hang, resets the device and recovers. A
# subscriber (power --watch) gets the job_hang event, then the reset, and
# its samples go on without a gap in seq.
hang=$(command -v telem_hang || echo "$here/../helpers/telem_hang")
"$accelctl" -d $node power --watch --interval 200 --json >$tmp/events.json 2>$tmp/events.err &
ev=$!
sleep 1
check "a stalling job ends when the driver times it out" "$hang" $node
sleep 1
kill -INT $ev
wait $ev
rc=$?
check "SIGINT ends the watching power --watch with exit 0 (got $rc)" test $rc -eq 0
sed 's/^/# events: /' $tmp/events.json | grep '"event"'
hang_line=$(grep -n '"event":"job_hang"' $tmp/events.json | head -n 1 | cut -d: -f1)
reset_line=$(grep -n '"event":"reset"' $tmp/events.json | head -n 1 | cut -d: -f1)
check "the subscriber got a job_hang event" test -n "$hang_line"
check "... and then a reset event (lines $hang_line, $reset_line)" \
	test "${reset_line:-0}" -gt "${hang_line:-0}"
check "the reset recovered the device (result 0)" \
	grep -q '"event":"reset",.*"result":0' $tmp/events.json
check "the hang event names a context" \
	sh -c "grep '\"event\":\"job_hang\"' $tmp/events.json | grep -q '\"ctx_id\":[1-9]'"
check "samples around the hang: seq without a gap" seq_consecutive $tmp/events.json
# Device time between samples (ms): the driver's timer runs on guest time,
# the samples carry the board's device time, which runs ahead while a job
# runs and then waits for wall time; while the board is stalled (the hung
# job) it publishes no new block, so the driver's samples repeat its time
# (steps of 0). Single steps vary; the median of the steps where device
# time moved is the interval.
steps() {  # steps FILE: the non-zero steps in ms
	grep '"seq"' "$1" | sed -n 's/.*"timestamp_ns":\([0-9]*\).*/\1/p' |
		awk 'NR > 1 && $1 > p { printf "%d\n", ($1 - p) / 1000000 } { p = $1 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
echo "# device ms between samples: $(grep '"seq"' $tmp/events.json | sed -n 's/.*"timestamp_ns":\([0-9]*\).*/\1/p' | awk 'NR > 1 { printf "%d ", ($1 - p) / 1000000 } { p = $1 }')"
for f in watch events; do
	m=$(steps $tmp/$f.json | median)
	check "$f stream: median device time between samples 200 +- 100 ms (${m:-none})" \
		sh -c "[ -n '$m' ] && [ '$m' -ge 100 ] && [ '$m' -le 300 ]"
done

# The exporter on loopback.
ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up 2>/dev/null
"$accelctl" -d $node exporter --listen 127.0.0.1:9475 2>$tmp/exp.err &
exp=$!
i=0
while ! grep -q serving $tmp/exp.err && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
wget -q -O $tmp/metrics http://127.0.0.1:9475/metrics 2>$tmp/wget.err
check "the exporter serves $node's metrics" \
	grep -q "^eyrie_energy_joules_total{device=\"$node\",domain=\"mac\"} " $tmp/metrics
check "the metrics have # TYPE lines" grep -q '^# TYPE eyrie_power_watts gauge' $tmp/metrics
kill -TERM $exp
wait $exp
rc=$?
check "SIGTERM stops the exporter with exit 0 (got $rc)" test $rc -eq 0

echo "1..$n"
[ "$failed" -eq 0 ]
