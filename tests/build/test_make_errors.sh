#!/bin/sh
# A wrong make command says what is wrong and how to fix it (TAP).
# Runs make -n / check targets only: nothing is built.
cd "$(dirname "$0")/../.." || exit 1
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

out=$(make --no-print-directory no-such-target 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "no target or file named 'no-such-target'" && echo "$out" | grep -q "targets:"
t $? "unknown target: names it and lists the targets"

out=$(make --no-print-directory KDIR="$tmp/none" module-check 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "no kernel headers found" && echo "$out" | grep -q "install-deps.sh"
t $? "missing kernel headers: says so and names the fix"

mkdir -p "$tmp/old/include/config" && echo "6.1.0-28-amd64" > "$tmp/old/include/config/kernel.release"
out=$(make --no-print-directory KDIR="$tmp/old" module-check 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "too old" && echo "$out" | grep -q "6.2"
t $? "kernel 6.1: too old, needs 6.2 for the accel subsystem"

mkdir -p "$tmp/new/include/config" && echo "6.15.0-1-amd64" > "$tmp/new/include/config/kernel.release"
out=$(make --no-print-directory KDIR="$tmp/new" module-check 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "not 6.12" && echo "$out" | grep -q "scheduler API"
t $? "kernel 6.15: refused, the driver is written against 6.12's DRM scheduler API"

mkdir -p "$tmp/bare"
out=$(make --no-print-directory KDIR="$tmp/bare" module-check 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "not a configured kernel build tree"
t $? "a directory that is no kernel build tree is refused"

out=$(make --no-print-directory module-check 2>&1)
t $? "the default KDIR (newest installed Debian 6.12 headers) is accepted"

# install-deps --check names what is missing (a fake dpkg-query says nothing is installed).
mkdir -p "$tmp/bin" && printf '#!/bin/sh\nexit 1\n' > "$tmp/bin/dpkg-query" && chmod +x "$tmp/bin/dpkg-query"
out=$(PATH="$tmp/bin:$PATH" tools/install-deps.sh --check 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "missing Debian packages:.*linux-headers-6.12-amd64"
t $? "install-deps --check lists missing packages"

out=$(tools/install-deps.sh --check 2>&1)
t $? "install-deps --check: nothing missing on this machine"

echo "1..$n"
exit $fail
