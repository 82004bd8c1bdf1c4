#!/bin/bash
# Tests of the HIL harness's own failure detection, without a VM: TAP
# renumbering (tap-lib.sh), a guest that died mid-suite, kernel log
# scanning, and the guest runner's handling of crashing, hanging and
# failing programs (guest/suite.sh). Prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eyrie-hil-harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
t_ok() {  # t_ok DESCRIPTION COMMAND...
	local desc=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; bad=$((bad + 1)); fi
}
collect() {  # collect VARIANT FILE: the renumbered stream, then failed=N
	( . "$here/tap-lib.sh"; collect_tap "$1" "$2"; echo "failed=$failed" )
}

cat >"$tmp/full.log" <<'TAP'
boot noise
EYRIE-HIL-TAP-BEGIN variant=good uptime=2.5
# program hil_a
ok 1 - first
not ok 2 - second
ok 3 - third # SKIP no board
1..3
# program hil_b
ok - plain
EYRIE-HIL-TAP-END
ok 99 - after the end marker
TAP
out=$(collect good "$tmp/full.log")
t_ok "renumbers a passing line with variant and program" grep -qx 'ok 1 - \[good\] hil_a: first' <<<"$out"
t_ok "keeps a failure a failure" grep -qx 'not ok 2 - \[good\] hil_a: second' <<<"$out"
t_ok "keeps the SKIP directive" grep -qx 'ok 3 - \[good\] hil_a: third # SKIP no board' <<<"$out"
t_ok "numbers unnumbered lines and follows program headers" grep -qx 'ok 4 - \[good\] hil_b: plain' <<<"$out"
t_ok "drops plans and lines outside the markers" test "$(grep -cE '^(not )?ok ' <<<"$out")" -eq 4
t_ok "counts one failure" grep -qx 'failed=1' <<<"$out"

printf 'EYRIE-HIL-TAP-BEGIN\n# program hil_a\nok 1 - one\nok 2 - last line before the crash\n' >"$tmp/died.log"
out=$(collect good "$tmp/died.log")
t_ok "a guest that died before the END marker keeps its last result" grep -q 'last line before the crash' <<<"$out"
printf 'kernel panic before init\n' >"$tmp/none.log"
out=$(collect good "$tmp/none.log")
t_ok "a guest that never reached the suite reports no result" test "$(grep -cE '^(not )?ok ' <<<"$out")" -eq 0

problems() { ( . "$here/tap-lib.sh"; kernel_log_problems "$1" ); }
printf '[    0.0] Kernel command line: console=ttyS0 panic=-1 oops=panic softlockup_panic=1\n[    0.0] Command line: oops=panic\n[    1.0] eyrie 0000:01:00.0: probe done\n' >"$tmp/clean.log"
t_ok "a clean kernel log (command line with oops=panic) has no problem" test -z "$(problems "$tmp/clean.log")"
for line in '------------[ cut here ]------------ WARNING: CPU: 0 PID: 1 at drivers/x.c:1' \
	'BUG: kernel NULL pointer dereference, address: 0000000000000008' \
	'Oops: 0000 [#1] PREEMPT SMP NOPTI' 'Call Trace:' \
	'watchdog: BUG: soft lockup - CPU#0 stuck for 22s!' \
	'INFO: task hil_submit:99 blocked for more than 120 seconds.' \
	'UBSAN: shift-out-of-bounds in drivers/x.c:3'; do
	printf '[    1.0] ok\n[    2.0] %s\n' "$line" >"$tmp/bad.log"
	t_ok "the kernel log check flags: ${line:0:40}" test -n "$(problems "$tmp/bad.log")"
done

before() { ( . "$here/tap-lib.sh"; boot_failed_before_suite "$1" "$2" ); }
not_before() { ! before "$@"; }
oops='[    1.928469] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[    1.928918] CPU: 1 UID: 0 PID: 32 Comm: kdevtmpfs Not tainted 6.12.118+deb12-amd64 #1\n[    1.929113] RIP: 0010:run_timer_softirq+0xd7/0xf0\n'
printf "[    0.0] Linux version 6.12\n[    0.0] Kernel command line: console=ttyS0 rdinit=/init eyrie_hil.variant=fw-abi\n$oops" >"$tmp/early.console"
: >"$tmp/empty.tap"
t_ok "an untainted oops before the suite began is a boot to retry" before "$tmp/early.console" "$tmp/empty.tap"
printf 'EYRIE-HIL-TAP-BEGIN variant=good uptime=7.1\n' >"$tmp/begun.tap"
t_ok "not once the suite began" not_before "$tmp/early.console" "$tmp/begun.tap"
printf "[    8.2] eyrie: loading out-of-tree module taints kernel.\n$oops" >"$tmp/loaded.console"
t_ok "not when the eyrie module was loaded" not_before "$tmp/loaded.console" "$tmp/empty.tap"
printf "$oops" | sed 's/Not tainted/Tainted: G           O/' >"$tmp/tainted.console"
t_ok "not when the kernel was tainted" not_before "$tmp/tainted.console" "$tmp/empty.tap"
printf '[    0.0] Linux version 6.12\n[    9.0] reboot: Power down\n' >"$tmp/quiet.console"
t_ok "not without a kernel problem (a guest that just stopped)" not_before "$tmp/quiet.console" "$tmp/empty.tap"

mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "ok 1 - fine"\necho 1..1\n' >"$tmp/bin/hil_fine"
printf '#!/bin/sh\necho "ok 1 - looked fine"\nexit 3\n' >"$tmp/bin/hil_crash"
printf '#!/bin/sh\necho "ok 1 - started"\nsleep 30\n' >"$tmp/bin/hil_hang"
printf '#!/bin/sh\necho "not ok 1 - reported"\nexit 1\n' >"$tmp/bin/hil_reports"
chmod +x "$tmp/bin"/*
out=$(HIL_PROG_TIMEOUT=1 sh "$here/guest/suite.sh" direct "$tmp/bin" 2>&1)
t_ok "a program exiting non-zero without 'not ok' becomes a failure" grep -q '^not ok - hil_crash exited with status 3' <<<"$out"
t_ok "a hanging program is stopped and becomes a failure" grep -q '^not ok - hil_hang did not finish within 1s' <<<"$out"
t_ok "a program that reports its own failure gets no extra line" test "$(grep -c 'hil_reports' <<<"$out")" -eq 1
t_ok "a passing program adds no failure" test "$(grep -c '^not ok' <<<"$out")" -eq 3
t_ok "each program's output follows its header" grep -qx '# program hil_fine' <<<"$out"

echo "1..$n"
[ "$bad" -eq 0 ]
