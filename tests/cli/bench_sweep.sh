#!/usr/bin/env bash
# A small training-step sweep on the CPU, all four kinds by default: exits 0, prints the
# scaling line of each kind and a line for each pair, and writes one CSV row per kind and
# length, each measured (status ok, a positive time).
set -euo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
"$FASTFORMER" --threads 1 bench sweep --lengths 8,16,32 --hidden 16 --heads 2 --layers 1 \
  --repeats 2 --pass train-step --csv "$work/sweep.csv" >"$work/sweep.out" 2>&1 ||
  { rc=$?; cat "$work/sweep.out"; echo "FAIL: the sweep exited with $rc"; exit 1; }
cat "$work/sweep.out"
# At these sizes the time barely depends on N: the slope's sign is noise, its line is the test.
for kind in additive linear softmax softmax-materialized; do
  grep -Eq "^$kind: time ∝ N\^-?[0-9.]+ over N = 16…32" "$work/sweep.out" ||
    { echo "FAIL: no $kind scaling line"; exit 1; }
done
pairs=$(grep -Ec "^(additive|linear|softmax|softmax-materialized) is faster than|^neither " "$work/sweep.out" || true)
[[ $pairs == 6 ]] || { echo "FAIL: $pairs crossover lines, expected one per pair (6)"; exit 1; }
"$PYTHON" - "$work/sweep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
points = sorted((r["kind"], int(r["n"])) for r in rows)
expected = sorted((k, n) for k in ("additive", "linear", "softmax", "softmax-materialized") for n in (8, 16, 32))
assert points == expected, f"CSV points {points}, expected {expected}"
bad = [r for r in rows if r["status"] != "ok" or not float(r["median_ms"]) > 0]
assert not bad, f"points not ok or without a time: {bad}"
print(f"sweep.csv: {len(rows)} rows, every point ok")
PY
