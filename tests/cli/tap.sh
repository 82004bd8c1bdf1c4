# TAP helpers for the tests/cli suites (sourced). The caller sets n=0,
# failed=0 and tmp (a directory; $tmp/err: the last command's stderr).

result() {	# result OK DESCRIPTION [DETAIL]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && echo "#   $3"
		[ -f "$tmp/err" ] && sed 's/^/#   stderr: /' "$tmp/err" | head -n 5
	fi
	return 0
}

ok() { result 0 "$1"; }

not_ok() {	# not_ok DESCRIPTION [DETAIL...]
	local what=$1 detail

	shift
	detail=$(printf '%s\n#   ' "$@")
	result 1 "$what" "${detail%$'\n#   '}"
}

# expect CODE REGEX DESCRIPTION -- ARGS...: $ACCELCTL ARGS exits CODE and
# stdout or stderr matches REGEX; with NO_OUTPUT_FILE set, a failing
# command must leave neither that file nor its .tmp.
expect() {
	local code=$1 pattern=$2 what=$3
	shift 4
	[ -n "${NO_OUTPUT_FILE:-}" ] && rm -f "$NO_OUTPUT_FILE"
	"$ACCELCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ne "$code" ]; then
		not_ok "$what" "accelctl $* exited $rc, expected $code"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/err" "$tmp/out"; then
		not_ok "$what" "output does not match /$pattern/"
	elif [ "$code" -ne 0 ] && [ -n "${NO_OUTPUT_FILE:-}" ] &&
	     { [ -e "$NO_OUTPUT_FILE" ] || [ -e "$NO_OUTPUT_FILE.tmp" ]; }; then
		not_ok "$what" "a failed command left $NO_OUTPUT_FILE"
	else
		ok "$what"
	fi
}
