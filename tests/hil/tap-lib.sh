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

# A boot that failed before anything of Eyrie ran: the guest never reached
# the suite (no EYRIE-HIL-TAP-BEGIN on its TAP port, so no module of ours
# was loaded and no test ran), its kernel reported a problem, and that
# report says the kernel was not tainted (an out-of-tree module taints it).
# Under a loaded host, QEMU's multi-threaded TCG has been seen to oops a
# Debian kernel at 1.9 s of boot this way (an int3 in run_timer_softirq,
# where a static branch was being patched: stale translated code on the
# other vCPU). Such a boot says nothing about the driver; run-hil.sh boots
# the variant once more and says so. Any other failure counts as it is.
#   boot_failed_before_suite CONSOLE TAP
boot_failed_before_suite() {
	local first
	grep -q '^EYRIE-HIL-TAP-BEGIN' "$2" 2>/dev/null && return 1
	[ -n "$(kernel_log_problems "$1")" ] || return 1
	# (the command line names eyrie_hil.variant: not a sign of the module)
	grep -vi 'command line:' "$1" | grep -qiE 'eyrie|taints kernel' && return 1
	first=$(kernel_log_context "$1")
	grep -q 'Not tainted' <<<"$first"
}

