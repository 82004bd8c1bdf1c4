# TAP helpers for the telemetry scripts (sourced).
#   ok COND_EXIT_STATUS "description"   -- use: check "desc" command args...
tap_n=0
tap_fail=0
check() {
	local desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		tap_fail=$((tap_fail + 1))
	fi
}
# expect_rc WANT "desc" command args...: runs the command, stderr kept in
# $last_err, stdout in $last_out.
expect_rc() {
	local want=$1 desc=$2 rc
	shift 2
	last_out=$("$@" 2>"$tap_tmp/err")
	rc=$?
	last_err=$(cat "$tap_tmp/err")
	tap_n=$((tap_n + 1))
	if [ "$rc" -eq "$want" ]; then
		echo "ok $tap_n - $desc (exit $rc)"
	else
		echo "not ok $tap_n - $desc (exit $rc, wanted $want)"
		echo "# stderr: $last_err"
		tap_fail=$((tap_fail + 1))
	fi
}
tap_done() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
}
