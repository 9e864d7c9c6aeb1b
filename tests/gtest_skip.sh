#!/usr/bin/env bash
# `gtest_skip.sh GTEST_BINARY ARGS...`: runs a GoogleTest binary; a failure fails, and a run
# in which every selected test skipped (GTEST_SKIP) exits 77, which ctest shows as skipped
# (SKIP_RETURN_CODE 77) instead of passed. A filter that selects no test fails.
set -uo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
((rc == 0)) || exit "$rc"
# GoogleTest's summary: "[  PASSED  ] N tests." and, when some skipped, "[  SKIPPED ] M tests, ...".
passed=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' "$out" | tail -1)
skipped=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?, listed below:.*/\1/p' "$out" | tail -1)
[[ -n $passed ]] || { echo "gtest_skip.sh: no GoogleTest summary in the output"; exit 1; }
skipped=${skipped:-0}
if ((passed == 0 && skipped == 0)); then
  echo "gtest_skip.sh: no test was selected"
  exit 1
fi
if ((passed == 0)); then
  echo "gtest_skip.sh: all $skipped tests skipped"
  exit 77
fi
