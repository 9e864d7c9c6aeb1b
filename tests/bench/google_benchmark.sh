#!/usr/bin/env bash
# `ctest -L bench` runs of a Google Benchmark binary. Google Benchmark exits 0 when its filter
# matches nothing, so this fails unless at least EXPECTED benchmarks ran and none of them
# reported an error.
#   google_benchmark.sh EXPECTED BINARY [ARG…]
set -euo pipefail
expected=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" --benchmark_out="$out" --benchmark_out_format=json
python3 - "$out" "$expected" <<'PY'
import json, sys
path, expected = sys.argv[1], int(sys.argv[2])
try:
    runs = json.load(open(path))["benchmarks"]
except (OSError, ValueError, KeyError):
    runs = []
names = sorted({r.get("run_name", r["name"]) for r in runs})
errors = [r["name"] for r in runs if r.get("error_occurred")]
if errors:
    sys.exit("FAIL: benchmarks reported errors: " + ", ".join(errors))
if len(names) < expected:
    sys.exit(f"FAIL: {len(names)} benchmarks ran, expected {expected}: {names or 'none (does the filter match?)'}")
print(f"{len(names)} benchmarks ran: {', '.join(names)}")
PY
