#!/bin/bash
# accelctl's command-line contract, as TAP: usage errors exit 2 with a
# message on stderr, --help/--version exit 0, device errors exit 3, and
# every --json output parses (python3 -m json.tool) and has its keys.
#
#   tests/cli/test_usage.sh [path/to/accelctl]
set -u
ACCELCTL=${1:-build/bin/accelctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
	sed 's/^/#   stderr: /' "$tmp/err" | head -n 5
}

# expect CODE STDERR_REGEX DESCRIPTION -- ARGS...
expect() {
	local code=$1 pattern=$2 what=$3
	shift 4
	"$ACCELCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ne "$code" ]; then
		not_ok "$what" "accelctl $* exited $rc, expected $code"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/err" "$tmp/out"; then
		not_ok "$what" "output does not match /$pattern/"
	else
		ok "$what"
	fi
}

# json DESCRIPTION PYTHON_CHECK -- ARGS...: exit 0, parses, check holds.
json() {
	local what=$1 check=$2
	shift 3
	"$ACCELCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		not_ok "$what" "accelctl $* exited $rc"
	elif ! python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err"; then
		not_ok "$what" "output is not JSON: $(head -c 200 "$tmp/out")"
	elif ! python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($check) else 1)" "$tmp/out" 2>"$tmp/err"; then
		not_ok "$what" "JSON lacks: $check"
	else
		ok "$what"
	fi
}

echo "1..34"
# usage errors: exit 2 and say what is wrong
expect 2 "Usage: accelctl"            "no command prints usage, exits 2" --
expect 2 "unknown command 'frobnicate'" "unknown command exits 2" -- frobnicate
expect 2 "unknown option '--bogus'"   "unknown global option exits 2" -- --bogus list
expect 2 "needs a device"             "-d without a value exits 2" -- -d
expect 2 "empty device name"          "empty -d value exits 2" -- --device= list
expect 2 "unknown option"             "unknown command option exits 2" -- list --bogus
expect 2 "unexpected argument 'extra'" "stray argument exits 2" -- info extra
expect 2 "--seed 'abc'"               "bad option value exits 2" -- validate --seed abc
expect 2 "--seed 'abc'"               "bad option value after --json exits 2" -- validate --json --seed abc
expect 2 "unknown command 'nope'"     "help for an unknown command exits 2" -- help nope
expect 2 "Try 'accelctl list --help'" "usage errors point to --help" -- list --bogus
# help and version: exit 0 on stdout
expect 0 "Commands:"                  "--help lists the commands" -- --help
expect 0 "Usage: accelctl list"       "COMMAND --help" -- list --help
expect 0 "Usage: accelctl .*info"     "help COMMAND" -- help info
expect 0 "Usage: accelctl .*validate" "-h after the command" -- validate -h
expect 0 "^accelctl [0-9]+\.[0-9]+\.[0-9]+ \(libaccel [0-9.]+\)" "--version" -- --version
# device errors: exit 3 with the cause
expect 3 "accel-none.*accelctl list"  "missing device node exits 3" -- -d /dev/accel/accel-none info
expect 3 "unknown device 'nodev'"     "unknown device name exits 3" -- -d nodev info
expect 3 "not a DRM device"           "a non-DRM node exits 3" -- -d /dev/null info
# --json before or after the command; output parses
json "list --json parses and lists emu" \
	"any(e['name']=='emu' and e['usable'] for e in d['devices'])" -- list --json
json "--json list (global position) parses" "'devices' in d" -- --json list
json "info --json has the device description" \
	"d['device']=='emu' and d['array']['rows']>0 and d['glb']['bytes']>0 and d['clock']['khz']>0 and set(d['energy']['fj_per_access'])=={'dram','glb','noc','rf','mac'} and 'build_id' in d['firmware'] and isinstance(d['caps'],list)" \
	-- -d emu info --json
json "validate --json passes on emu" \
	"d['failed']==0 and d['passed']==len(d['tests']) and all(t['ok'] for t in d['tests'])" \
	-- -d emu --json validate
# human output
expect 0 "PE array: +[0-9]+ x [0-9]+"  "info prints the array" -- -d emu info
expect 0 "^ok 1 - "                    "validate prints TAP" -- -d emu validate
# -v: progress and library messages on stderr, stdout unchanged
"$ACCELCTL" -v -d emu info --json >"$tmp/out" 2>"$tmp/err"
if grep -q "using device emu" "$tmp/err" && python3 -m json.tool "$tmp/out" >/dev/null; then
	ok "-v reports progress on stderr, JSON stays clean"
else
	not_ok "-v reports progress on stderr, JSON stays clean"
fi
# without -v and not on a TTY: nothing on stderr
"$ACCELCTL" -d emu info >"$tmp/out" 2>"$tmp/err"
if [ ! -s "$tmp/err" ]; then
	ok "no progress output when stderr is not a TTY"
else
	not_ok "no progress output when stderr is not a TTY"
fi
# -vvv dumps every command stream, one decoded command per line
"$ACCELCTL" -vvv -d emu validate >"$tmp/out" 2>"$tmp/err"
if grep -qE "trace: +[0-9]+: DMA_LOAD va=0x[0-9a-f]+ -> glb:" "$tmp/err" &&
   grep -qE "trace: +[0-9]+: CONV df=RS" "$tmp/err"; then
	ok "-vvv dumps the command streams"
else
	not_ok "-vvv dumps the command streams"
fi
# EYRIE_LOG_LEVEL for library users (accelctl without -v leaves it alone)
EYRIE_LOG_LEVEL=info "$ACCELCTL" -d emu info >"$tmp/out" 2>"$tmp/err"
if grep -q "libaccel: info: opened emu" "$tmp/err"; then
	ok "EYRIE_LOG_LEVEL=info turns on library messages"
else
	not_ok "EYRIE_LOG_LEVEL=info turns on library messages"
fi
EYRIE_LOG_LEVEL=loud "$ACCELCTL" -d emu info >"$tmp/out" 2>"$tmp/err"
if grep -q "EYRIE_LOG_LEVEL='loud' is not a level" "$tmp/err"; then
	ok "a bad EYRIE_LOG_LEVEL is reported"
else
	not_ok "a bad EYRIE_LOG_LEVEL is reported"
fi
# a self-test failure exits 1: a board whose GLB is too small for two tests
expect 1 "^not ok 4 - DMA round trip.*too small" "failing self-tests exit 1" -- -d emu:glb=4k validate
expect 0 "PE array: +8 x 6 = 48 PEs" "emu board parameters in the device name" -- -d emu:rows=8,cols=6 info
expect 3 "bad board parameter" "a bad emu board parameter exits 3" -- -d emu:rows=0 info
# the per-test JSON records, with another seed
json "validate --json reports every test with name, ok and detail" \
	"len(d['tests'])==10 and all(set(t)=={'name','ok','detail'} for t in d['tests'])" \
	-- -d emu validate --json --seed 7
[ "$failed" -eq 0 ]
