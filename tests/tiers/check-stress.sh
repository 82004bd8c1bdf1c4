#!/bin/bash
# make check-stress: the HIL and telemetry suites under load, ROUNDS times
# (default 10), with two CPU-hog loops running all along (docs/hil.md,
# "Stress tier"). A round passes when every suite does; the run passes
# when every round does. Timing assumptions that break under load are
# bugs of the tests (fix the assumption, never widen a threshold).
#
#   tests/tiers/check-stress.sh [ROUNDS]
# Logs: build/stress/round-N/ (one run-suites log directory per round).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
B=${B:-build}
rounds=${1:-${STRESS_ROUNDS:-10}}
hogs=()
cleanup() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in 1 2; do
	sh -c 'while :; do :; done' &
	hogs+=($!)
done
# The suites as make check runs them (telemetry.mk, hil.mk).
suites=(hil:tests/hil/run-hil.sh
	telemetry-unit:$B/tests/telemetry/test_telemetry_unit
	telemetry-emu:$B/tests/telemetry/test_telemetry_emu
	telemetry-netlink:$B/tests/telemetry/test_telemetry_netlink
	telemetry-power-cli:tests/telemetry/power_cli.sh~$B/bin/accelctl
	telemetry-exporter:tests/telemetry/exporter.sh~$B/bin/accelctl
	telemetry-prometheus:tests/telemetry/prometheus.sh~$B/bin/accelctl)
mkdir -p "$B/stress"
failed=0
for ((r = 1; r <= rounds; r++)); do
	start=$(date +%s)
	# one suite at a time: the load is the two hogs, as the tier is defined
	if SUITE_JOBS=1 TEST_LOG_DIR=$B/stress/round-$r HIL_WORKDIR=$B/stress/hil tests/run-suites.sh "${suites[@]}" \
		>"$B/stress/round-$r.log" 2>&1; then
		echo "ok $r - round $r: $(tail -n 1 "$B/stress/round-$r.log") ($(($(date +%s) - start)) s, 2 CPU hogs)"
	else
		failed=$((failed + 1))
		echo "not ok $r - round $r: $(tail -n 1 "$B/stress/round-$r.log") ($(($(date +%s) - start)) s, 2 CPU hogs)"
		grep -E '^   [a-z-]+: not ok' "$B/stress/round-$r.log" | sed 's/^/# /'
	fi
done
echo "1..$rounds"
[ "$failed" -eq 0 ]
