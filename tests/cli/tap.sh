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
