#!/bin/bash
# Runs test suites and totals their TAP results.
#
#   tests/run-suites.sh NAME:COMMAND ...
#
# Each COMMAND (with '~' standing for spaces) prints TAP ("ok N - ...",
# "not ok N - ..."). A suite that exits non-zero without reporting a failure,
# or reports no test at all, counts as one failure: a crash never passes.
# Skipped tests ("# SKIP") are counted apart, never as passed.
# Logs: build/test-logs/NAME.log. Last line: "N passed, N failed".
set -u
logdir=${TEST_LOG_DIR:-build/test-logs}
mkdir -p "$logdir"
export CMOCKA_MESSAGE_OUTPUT=TAP
suite_timeout=${SUITE_TIMEOUT:-1200}

tp=0 tf=0 ts=0
failed_suites=()
for spec in "$@"; do
	name=${spec%%:*}
	cmd=${spec#*:}
	cmd=${cmd//\~/ }
	log="$logdir/$name.log"
	start=$(date +%s)
	echo "== $name: $cmd"
	timeout --foreground -k 10 "$suite_timeout" bash -c "$cmd" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n1)
	s=$(grep -E '^ok [0-9]+' "$log" | grep -ciE '# *skip')
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	grep -E '^not ok [0-9]+' "$log" | sed "s/^/   $name: /"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ]; then why="timed out after ${suite_timeout}s"; else why="exited with status $rc"; fi
		echo "   $name: not ok - suite $why without reporting a failure (see $log)"
		tail -n 15 "$log" | sed 's/^/   | /'
		f=$((f + 1))
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "   $name: not ok - suite reported no test (see $log)"
		f=1
	fi
	end=$(date +%s)
	printf '   %s: %d passed, %d failed, %d skipped (%ds)\n' "$name" "$p" "$f" "$s" $((end - start))
	[ "$f" -gt 0 ] && failed_suites+=("$name")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo
[ "$ts" -gt 0 ] && echo "$ts skipped (not counted as passed)"
[ "${#failed_suites[@]}" -gt 0 ] && echo "failing suites: ${failed_suites[*]} (logs in $logdir/)"
echo "$tp passed, $tf failed"
[ "$tf" -eq 0 ]
