#!/usr/bin/env bash
# `expect_output.sh PATTERN -- COMMAND...`: COMMAND must exit 0 and print a line matching the
# extended regex PATTERN (stdout or stderr). Unlike ctest's PASS_REGULAR_EXPRESSION, a crash
# after the line is printed still fails.
set -euo pipefail
pattern=$1
[[ ${2:-} == -- ]] || { echo "usage: expect_output.sh PATTERN -- COMMAND..." >&2; exit 2; }
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"$@" >"$out" 2>&1
rc=$?
set -e
cat "$out"
[[ $rc -eq 0 ]] || { echo "FAIL: $1 exited with $rc"; exit 1; }
grep -Eq -- "$pattern" "$out" || { echo "FAIL: no line matches /$pattern/"; exit 1; }
