#!/bin/bash
# Runs every input of tests/fuzz/regressions/TARGET/ once through its
# libFuzzer target (built in $FUZZ_DIR) and checks it ends cleanly (no
# sanitizer report, no crash) with the outcome written in NAME.expect: a
# line the target prints under FUZZ_VERBOSE, e.g. the clear error expected
# ("load: error: ... scale must be finite and above 0"). TAP output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
fuzz_dir=${FUZZ_DIR:-build/fuzz}
files=()
for f in "$here"/regressions/*/*; do
	case $f in *.expect) continue ;; esac
	[ -f "$f" ] && files+=("$f")
done
echo "1..${#files[@]}"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	t=$(basename "$(dirname "$f")")
	name="$t/$(basename "$f")"
	bin=$fuzz_dir/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: $bin is not built"
		continue
	fi
	if [ ! -f "$f.expect" ]; then
		echo "not ok $n - $name: no $name.expect saying the expected outcome"
		continue
	fi
	out=$(FUZZ_VERBOSE=1 "$bin" -runs=1 "$f" 2>&1)
	rc=$?
	want=$(head -n1 "$f.expect")
	if [ $rc -ne 0 ]; then
		echo "not ok $n - $name: target exited $rc"
		echo "$out" | grep -E 'ERROR|runtime error|SUMMARY' | head -n 5 | sed 's/^/# /'
	elif ! grep -qF -- "$want" <<<"$out"; then
		echo "not ok $n - $name: expected '$want'"
		echo "$out" | grep -vE '^(INFO|Running|Executed|\*\*\*|MS:)' | head -n 5 | sed 's/^/# got: /'
	else
		echo "ok $n - $name: $want"
	fi
done
