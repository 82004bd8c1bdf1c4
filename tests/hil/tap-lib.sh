# Shell functions of the HIL harness (sourced by run-hil.sh and
# test-harness.sh): one renumbered TAP stream out of the guests' raw TAP,
# and the kernel log lines that fail a run.

count=0 failed=0
emit() {  # emit ok|not-ok DESCRIPTION [DIRECTIVE]
	count=$((count + 1))
	if [ "$1" = ok ]; then echo "ok $count - $2"; else echo "not ok $count - $2"; failed=$((failed + 1)); fi
}
diag() { sed 's/^/# /'; }
finish() {
	echo "1..$count"
	[ "$failed" -eq 0 ]
	exit $?
}

# Renumbers the raw TAP of suite.sh between the markers (or from the BEGIN
# marker to the end of the file if the guest died before the END marker).
# Prefixes every description with [variant] program:.
collect_tap() {  # collect_tap VARIANT FILE
	local variant=$1 file=$2 prog=suite line status desc
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"# program "*) prog=${line#\# program } ;;
		"ok "*|"not ok "*)
			if [ "${line#not ok}" != "$line" ]; then status=not-ok; desc=${line#not ok}; else status=ok; desc=${line#ok}; fi
			desc=$(sed -E 's/^ *[0-9]* *-? *//' <<<"$desc")
			emit "$status" "[$variant] $prog: $desc" ;;
		"#"*) echo "$line" ;;
		esac
	done < <(sed -n '/^EYRIE-HIL-TAP-BEGIN/,/^EYRIE-HIL-TAP-END/p' "$file" | grep -v '^EYRIE-HIL-TAP-')
}

# Kernel log lines that fail a run whatever the tests said.
KERNEL_LOG_BAD='WARNING:|BUG:|Oops|general protection fault|Call Trace|Kernel panic|soft lockup|hard LOCKUP|blocked for more than|UBSAN:|KASAN:|kernel BUG|refcount_t:|list_(add|del) corruption|suspected memory leak|unreferenced object'
kernel_log_problems() {
	grep -E "$KERNEL_LOG_BAD" "$1" | grep -vi 'command line:' || true
}
# The first problem with the lines after it (the stack trace), for the report.
kernel_log_context() {
	grep -vi 'command line:' "$1" | grep -m1 -A24 -E "$KERNEL_LOG_BAD" || true
}

