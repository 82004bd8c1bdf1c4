#!/bin/bash
# accelctl reset and fw on the emulated board, and their usage errors, as
# TAP (the same commands on the real driver run in the VM:
# tests/hil/kmd/hil_kmd_accelctl.sh).
#
#   tests/unit/kmd/test_cmds.sh ACCELCTL
set -u
accelctl=${1:-build/bin/accelctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)) failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/out" "$tmp/err" | head -n 20; }
# expect DESCRIPTION STATUS PATTERN ARGS...: exit status and a stdout+stderr pattern
expect() {
	local d=$1 want=$2 pat=$3 rc; shift 3
	"$accelctl" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ "$rc" -eq "$want" ] && cat "$tmp/out" "$tmp/err" | grep -qE -- "$pat"; then ok "$d"; else
		echo "exit $rc, wanted $want; pattern: $pat" >>"$tmp/err"; not_ok "$d"; fi
}

expect "reset on emu: done" 0 '^emu: reset done \(emu shim\)$' -d emu reset
expect "reset --json" 0 '"reset": true' -d emu reset --json
expect "reset: unexpected argument is a usage error" 2 "unexpected argument 'now'" -d emu reset now
expect "reset on a node that is not Eyrie: device error naming it" 3 '/dev/null is not a DRM device node' -d /dev/null reset
expect "reset --help" 0 'CAP_SYS_ADMIN' reset --help
expect "fw: version, ABI, 40-digit build id" 0 '^build id: +[0-9a-f]{40}$' -d emu fw
expect "fw: the log ring shows the boot" 0 'eyrie firmware up' -d emu fw
expect "fw --lines 1: only the last line" 0 '^log \(last lines\):$' -d emu fw --lines 1
if [ "$(sed -n '/^log (last lines):$/,$p' "$tmp/out" | wc -l)" -eq 2 ]; then ok "fw --lines 1 prints one log line"; else not_ok "fw --lines 1 prints one log line"; fi
expect "fw --no-log: no log section" 0 '^firmware: +version' -d emu fw --no-log
if grep -q '^log' "$tmp/out"; then not_ok "fw --no-log prints no log"; else ok "fw --no-log prints no log"; fi
expect "fw --json: build_id and the log" 0 '"log": "bootrom' -d emu fw --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["build_id"])==40 and "firmware up" in d["log"]' "$tmp/out" 2>"$tmp/err"; then
	ok "fw --json parses"; else not_ok "fw --json parses"; fi
expect "fw --lines 0 is a usage error" 2 '--lines takes a number' -d emu fw --lines 0
expect "fw --bogus is a usage error" 2 'bogus' -d emu fw --bogus
expect "info --json has the board object (emu: no PCI)" 0 '"pci": null' -d emu info --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["board"]["shim"]=="emu" and d["board"]["link"] is None' "$tmp/out" 2>"$tmp/err"; then
	ok "info --json board parses"; else not_ok "info --json board parses"; fi
expect "help lists reset and fw" 0 'fw +firmware version, build id and log' --help
echo "1..$n"
[ "$failed" -eq 0 ]
