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
#
# SUITE_JOBS=N runs up to N suites at once (default: the number of CPUs).
# Most suites are one process on one core, so two at a time halve the wall
# time on two cores; each suite's summary is printed when it ends. The
# suites are independent: each writes only its own files under build/, and
# none asserts on time (the HIL and telemetry suites are the ones that wait
# on a device, and make check-stress shows they hold under two CPU hogs).
# The suites whose last durations (build/test-logs/durations, or
# tests/suite-durations before a first run) were longest start first, so
# that a long suite does not start last and run alone.
# SUITE_JOBS=1 runs them one by one in the order given.
set -u
logdir=${TEST_LOG_DIR:-build/test-logs}
mkdir -p "$logdir"
export CMOCKA_MESSAGE_OUTPUT=TAP
suite_timeout=${SUITE_TIMEOUT:-1200}
jobs=${SUITE_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run-suites.sh: SUITE_JOBS='$jobs' is not a positive number" >&2; exit 2; }
durations=$logdir/durations
order_hint=$durations
[ -r "$order_hint" ] || order_hint=$(dirname "$0")/suite-durations
resdir=$(mktemp -d "${TMPDIR:-/tmp}/run-suites.XXXXXX")
trap 'rm -rf "$resdir"' EXIT

# Runs one suite; prints its report into $resdir/NAME.out and its counts
# into $resdir/NAME.res.
run_one() {
	local name=$1 cmd=$2 log="$logdir/$1.log" out="$resdir/$1.out"
	local start end rc p s f why
	start=$(date +%s)
	timeout --foreground -k 10 "$suite_timeout" bash -c "$cmd" >"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n1)
	s=$(grep -E '^ok [0-9]+' "$log" | grep -ciE '# *skip')
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	{
		echo "== $name: $cmd"
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
	} >"$out"
	echo "$p $f $s $((end - start))" >"$resdir/$name.res"
}

# The order: longest last-known duration first (unknown ones keep their
# place after the known long ones), when more than one runs at a time.
specs=("$@")
if [ "$jobs" -gt 1 ] && [ -r "$order_hint" ]; then
	mapfile -t specs < <(
		i=0
		for spec in "$@"; do
			name=${spec%%:*}
			d=$(awk -v n="$name" '$1 == n { d = $2 } END { print d + 0 }' "$order_hint")
			printf '%d\t%d\t%s\n' "$d" "$i" "$spec"
			i=$((i + 1))
		done | sort -t $'\t' -k1,1nr -k2,2n | cut -f3-
	)
fi

tp=0 tf=0 ts=0
failed_suites=()
collect() {
	local name=$1 p f s secs
	cat "$resdir/$name.out"
	read -r p f s secs <"$resdir/$name.res"
	[ "$f" -gt 0 ] && failed_suites+=("$name")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	echo "$name $secs" >>"$resdir/durations.new"
}

declare -A running=()
for spec in "${specs[@]}"; do
	name=${spec%%:*}
	cmd=${spec#*:}
	cmd=${cmd//\~/ }
	if [ "$jobs" -eq 1 ]; then
		run_one "$name" "$cmd"
		collect "$name"
		continue
	fi
	while [ "${#running[@]}" -ge "$jobs" ]; do
		wait -n 2>/dev/null || true
		for n in "${!running[@]}"; do
			if [ -e "$resdir/$n.res" ]; then
				collect "$n"
				unset "running[$n]"
			fi
		done
	done
	run_one "$name" "$cmd" &
	running[$name]=$!
done
wait
for n in "${!running[@]}"; do
	collect "$n"
done

# Keep every suite's last duration, this run's replacing older ones.
if [ -r "$resdir/durations.new" ]; then
	{ [ -r "$durations" ] && awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' \
		"$resdir/durations.new" "$durations"; cat "$resdir/durations.new"; } >"$resdir/durations.all"
	cp "$resdir/durations.all" "$durations"
fi

echo
[ "$ts" -gt 0 ] && echo "$ts skipped (not counted as passed)"
[ "${#failed_suites[@]}" -gt 0 ] && echo "failing suites: ${failed_suites[*]} (logs in $logdir/)"
echo "$tp passed, $tf failed"
[ "$tf" -eq 0 ]
