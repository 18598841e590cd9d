#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check_format.sh - every C file in git is formatted as the repository's .clang-format says;
# names each file that is not, with the first lines clang-format would change, and fails.
# `make format` fixes them.
cd "$(dirname "$0")/.." || exit 1
command -v clang-format >/dev/null || { echo "format: clang-format is missing (make deps)"; exit 1; }
fail=0 checked=0
while read -r f; do
	[ -f "$f" ] || continue
	checked=$((checked + 1))
	if ! out=$(clang-format --style=file "$f" | diff -u "$f" - 2>&1); then
		echo "format: $f is not formatted (make format):"
		printf '%s\n' "$out" | sed -n '3,12p'
		fail=$((fail + 1))
	fi
done < <(git ls-files '*.c' '*.h')
echo "format: $checked files: $((checked - fail)) formatted, $fail not"
exit $((fail > 0))
