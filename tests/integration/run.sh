#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run.sh - runs every tests/integration/t_*.sh and prints one closing line of counts.
cd "$(dirname "$0")/../.." || exit 1
export BUILD=${BUILD:-build}
# the BPF objects come from BPF_BUILD whatever BUILD is (SANITIZE=1: build/san holds none)
export BPF_BUILD=${BPF_BUILD:-build/bpf}
stray=$(grep -nE '(\$\{?BUILD\}?|(^|[^_A-Za-z])build)/bpf/' \
	tests/integration/*.sh tools/demo/*.sh tools/bench/*.sh)
if [ -n "$stray" ]; then
	printf 'integration: BPF objects taken from outside $BPF_BUILD:\n%s\n' "$stray"
	exit 1
fi
if [ ! -f "$BPF_BUILD/xpool_pass.bpf.o" ]; then
	echo "integration: no BPF objects in $BPF_BUILD (make all)"
	exit 1
fi
passed=0 failed=0 skipped=0
for t in tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	log=$(mktemp /tmp/xpool-$name.XXXXXX)
	start=$(date +%s)
	XP_TEST=$name bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "[PASS] $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "[SKIP] $name: $(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		echo "[FAIL] $name (${secs}s), last lines:"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
	rm -f "$log"
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
