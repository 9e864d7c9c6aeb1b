#!/usr/bin/env bash
# The sweep's child process per point: memory measured for every point and growing with N
# for softmax, an impossible point recorded as oom while the sweep goes on, a point over
# its budget recorded as timeout, n/a for all but additive at the core scope, and bad options refused.
set -uo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ff=("$FASTFORMER" --threads 1)

# check CSV PYTHON-EXPRESSION MESSAGE: the expression over `rows` (list of dicts) must hold.
check() {
  "$PYTHON" - "$1" "$2" <<'PY' || fail "$3"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    print("   ", r["kind"], r["scope"], r["n"], r["status"], r["peak_bytes"], r["memory_method"])
ok = eval(sys.argv[2], {"rows": rows, "int": int, "float": float, "all": all, "len": len})
sys.exit(0 if ok else 1)
PY
}

"${ff[@]}" bench sweep --preset layer --lengths 64,128 --repeats 2 \
  --csv "$work/memory.csv" --json "$work/memory.json" >"$work/memory.out" 2>"$work/memory.err" \
  || fail "memory sweep exited with $?: $(cat "$work/memory.err")"
check "$work/memory.csv" 'len(rows) == 8 and [r["kind"] for r in rows[::2]] == ["additive", "linear", "softmax", "softmax-materialized"] and all(r["status"] == "ok" and int(r["peak_bytes"]) > 0 and r["memory_method"] == "child-rss" and r["scope"] == "layer" for r in rows)' \
  "every point ok with peak_bytes > 0 measured in a child"
check "$work/memory.csv" 'int(rows[7]["peak_bytes"]) > int(rows[6]["peak_bytes"])' \
  "materialised softmax peak_bytes grows with N"
check "$work/memory.csv" 'all(abs(float(r["bytes_per_token"]) * int(r["n"]) * int(r["batch"]) - int(r["peak_bytes"])) < 1 for r in rows)' \
  "bytes_per_token = peak_bytes / (batch · N)"
"$PYTHON" -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j["memory_method"] == "child-rss" and j["config"]["scope"] == "layer" and j["roofline"] is None else 1)' \
  "$work/memory.json" || fail "JSON header: memory_method, config.scope, roofline"
grep -q "softmax bytes/token: N=64 " "$work/memory.out" || fail "bytes/token summary missing"
grep -q "mem .* MiB .* GFLOP/s" "$work/memory.out" || fail "progress line shows memory and GFLOP/s"

# Materialised softmax at N = 2^22 needs (2^22)² scores per head: oom, and the next point still runs.
"${ff[@]}" bench sweep --preset layer --kinds softmax-materialized --lengths 4194304,64 --repeats 2 --csv "$work/oom.csv" \
  >"$work/oom.out" 2>"$work/oom.err" || fail "oom sweep exited with $?: $(cat "$work/oom.err")"
check "$work/oom.csv" 'rows[0]["status"] == "oom" and rows[1]["status"] == "ok" and int(rows[1]["peak_bytes"]) > 0' \
  "impossible point is oom and the sweep goes on"

# A point whose first run overruns its budget is a timeout; the sweep exits 0.
"${ff[@]}" bench sweep --preset layer --kinds additive --lengths 64 --repeats 2 --point-budget 0.000001 \
  --csv "$work/timeout.csv" >"$work/timeout.out" 2>&1 || fail "timeout sweep exited non-zero"
check "$work/timeout.csv" 'rows[0]["status"] == "timeout"' "over-budget point is a timeout"

# The core scope runs additive only.
"${ff[@]}" bench sweep --scope core --hidden 32 --heads 4 --lengths 64 --repeats 2 --pass train-step \
  --csv "$work/core.csv" >"$work/core.out" 2>&1 || fail "core sweep exited non-zero"
check "$work/core.csv" 'rows[0]["status"] == "ok" and len(rows) == 4 and all(r["status"] == "n/a" for r in rows[1:]) and float(rows[0]["flops"]) > 0' \
  "core scope: additive ok, the other kinds n/a"

# Bad options: one line on stderr, non-zero exit.
for bad in "--device cuda:7" "--device tpu" "--hidden 10 --heads 3" "--lengths 0"; do
  # shellcheck disable=SC2086
  "${ff[@]}" bench sweep --lengths 8 $bad >"$work/bad.out" 2>"$work/bad.err"
  rc=$?
  lines=$(wc -l <"$work/bad.err")
  if [[ $rc -eq 0 || $lines -ne 1 ]]; then fail "'$bad': rc=$rc, $lines stderr lines"; else echo "ok   '$bad': $(cat "$work/bad.err")"; fi
done

echo "bench memory: $failures failures"
exit $((failures > 0))
