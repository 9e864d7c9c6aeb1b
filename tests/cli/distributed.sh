#!/usr/bin/env bash
# Data-parallel training over loopback (c10d, Gloo) through the real binary:
#  1. `launch --nproc 2` gives the same loss curve as one process with the same global
#     batch (20 steps, no dropout), and the same validation metrics;
#  2. 3 ranks on a global batch of 2 (uneven shards, one rank idle each step): same curve;
#  3. Ctrl-C to the launcher stops every rank (exit 130), `--resume` on 2 ranks continues;
#  4. a rank killed with SIGKILL ends the run with a clear error, the last checkpoint loads,
#     no worker is left running;
#  5. a rendezvous that never completes ends at --dist-timeout with a clear error;
#  6. ranks given different data (file store) refuse to train, naming the rank.
set -euo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 1)
if ! "$FASTFORMER" info | grep -q "^distributed  *c10d"; then
  echo "built without c10d/Gloo: skipped"
  exit 77
fi
data="synthetic:needle?length=16&examples=480&vocab=12"
small=(--set hidden=16 --set heads=2 --set layers=1 --set ffn=32 --set max_len=32 --set lr=0.01 --set dropout=0)

# Steps' losses of two metrics.jsonl files agree to float tolerance, and so do the
# validation metrics; prints the largest difference. Call it in an assignment
# (`x=$(same_curve …)`): inside `echo "$(…)"` its failure would not stop the script.
same_curve() {
  "$PYTHON" - "$1" "$2" "$3" <<'EOF'
import json, sys
def read(path):
    rows = [json.loads(l) for l in open(path)]
    return ([r["loss"] for r in rows if r["type"] == "step"],
            [r["metrics"] for r in rows if r["type"] == "eval" and r["split"] == "valid"])
(a, va), (b, vb) = read(sys.argv[1]), read(sys.argv[2])
steps = int(sys.argv[3])
assert len(a) == len(b) == steps, (len(a), len(b))
worst = max(abs(x - y) for x, y in zip(a, b))
assert worst < 1e-4, f"losses differ by {worst}: {a} vs {b}"
assert a[-1] < a[0] - 0.05, f"the loss did not fall: {a}"
assert len(va) == len(vb) >= 1
for x, y in zip(va, vb):
    assert x["confusion"] == y["confusion"], (x, y)
    assert abs(x["loss"] - y["loss"]) < 1e-4, (x, y)
print(f"{steps} steps, largest loss difference {worst:.2e}")
EOF
}

# 1. One process vs two, global batch 16.
"${ff[@]}" train --data "$data" "${small[@]}" --set batch_size=16 --set max_steps=20 --out "$work/one" \
  >"$work/one.out" 2>&1
"$FASTFORMER" launch --nproc 2 -- train --data "$data" "${small[@]}" --set batch_size=16 --set max_steps=20 \
  --out "$work/two" >"$work/two.out" 2>&1 || { cat "$work/two.out"; exit 1; }
grep -q "2 ranks (global batch 16)" "$work/two.out"
curve=$(same_curve "$work/one/metrics.jsonl" "$work/two/metrics.jsonl" 20)
echo "1 vs 2 processes: $curve"
[[ -f $work/two/best/model.safetensors && -f $work/two/last/train_state.json ]]

# 2. Three ranks, global batch 2: shards of 1, 1 and 0 examples.
"${ff[@]}" train --data "$data" "${small[@]}" --set batch_size=2 --set max_steps=12 --out "$work/one-b2" \
  >"$work/one-b2.out" 2>&1
"$FASTFORMER" launch --nproc 3 -- train --data "$data" "${small[@]}" --set batch_size=2 --set max_steps=12 \
  --out "$work/three" >"$work/three.out" 2>&1 || { cat "$work/three.out"; exit 1; }
curve=$(same_curve "$work/one-b2/metrics.jsonl" "$work/three/metrics.jsonl" 12)
echo "1 vs 3 processes, batch 2: $curve"

# Waits (up to 30 s) until a run's metrics.jsonl has step $2.
wait_for_step() {
  for _ in $(seq 1 300); do
    grep -q "\"step\":$2,\"tokens_per_s\"" "$1/metrics.jsonl" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no step $2 in $1/metrics.jsonl"
  return 1
}
# The pids of the workers whose command line names this run directory.
workers_of() { pgrep -f -- "--out $1( |\$)" || true; }

# 3. Ctrl-C to the launcher: every rank stops after the same step, rank 0 saves; resume.
"$FASTFORMER" launch --nproc 2 -- train --data "$data" "${small[@]}" --set batch_size=16 --set epochs=400 \
  --out "$work/stopped" >"$work/stopped.out" 2>&1 &
launcher=$!
wait_for_step "$work/stopped" 5
kill -INT "$launcher"
set +e
wait "$launcher"
rc=$?
set -e
[[ $rc -eq 130 ]] || { echo "stopped launcher exited $rc, expected 130"; cat "$work/stopped.out"; exit 1; }
[[ -z $(workers_of "$work/stopped") ]] || { echo "workers left after the stop"; exit 1; }
step=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$work/stopped/last/train_state.json")
"$FASTFORMER" launch --nproc 2 -- train --resume --set epochs=2 --out "$work/stopped" >"$work/resume.out" 2>&1 ||
  { cat "$work/resume.out"; exit 1; }
grep -q "resuming Fastformer" "$work/resume.out"
end=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$work/stopped/last/train_state.json")
(( end == 48 )) || { echo "resumed run ended at step $end, expected 48 (2 epochs of 24)"; exit 1; }
echo "stop at step $step, resumed on 2 ranks to step $end: ok"

# 4. SIGKILL to rank 1 in the middle of a run (evaluating and saving every 5 steps).
"$FASTFORMER" launch --nproc 2 --grace 20 -- train --data "$data" "${small[@]}" --set batch_size=16 --set epochs=400 \
  --set eval_every=5 --dist-timeout 20 --out "$work/killed" >"$work/killed.out" 2>&1 &
launcher=$!
wait_for_step "$work/killed" 12
rank1=""
for pid in $(workers_of "$work/killed"); do
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "RANK=1" && rank1=$pid
done
[[ -n $rank1 ]] || { echo "rank 1 not found"; exit 1; }
start=$SECONDS
kill -KILL "$rank1"
set +e
wait "$launcher"
rc=$?
set -e
took=$((SECONDS - start))
[[ $rc -eq 1 ]] || { echo "launcher exited $rc after a killed rank, expected 1"; cat "$work/killed.out"; exit 1; }
grep -q "rank 1 was killed by signal 9" "$work/killed.out"
grep -q "rank 0 lost contact with the other workers" "$work/killed.out"
grep -q "the last checkpoint in .*killed/last is kept" "$work/killed.out"
(( took < 20 )) || { echo "the run took $took s to end after the kill"; exit 1; }
[[ -z $(workers_of "$work/killed") ]] || { echo "workers left after the kill"; exit 1; }
"${ff[@]}" eval --checkpoint "$work/killed/last" --data "$data" >"$work/killed-eval.out" 2>&1 ||
  { echo "the last checkpoint does not load:"; cat "$work/killed-eval.out"; exit 1; }
echo "killed rank 1: run ended in ${took} s with a clear error, last checkpoint loads"

# 5. Rank 0 of 2 alone: the rendezvous times out.
port=$("$PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
start=$SECONDS
set +e
"${ff[@]}" train --data "$data" "${small[@]}" --out "$work/alone" --distributed --world-size 2 --rank 0 \
  --master-port "$port" --dist-timeout 2 >"$work/alone.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || { echo "a lonely rank exited $rc"; cat "$work/alone.out"; exit 1; }
grep -q "rank 0 of 2: the rendezvous at 127.0.0.1:$port did not complete within 2 s" "$work/alone.out"
(( SECONDS - start < 30 ))
echo "lonely rank: clear error after $((SECONDS - start)) s"

# 6. Two ranks (file store) with different data.
other="synthetic:needle?length=16&examples=400&vocab=12"
set +e
"${ff[@]}" train --data "$data" "${small[@]}" --out "$work/mixed" --distributed --world-size 2 --rank 0 \
  --store-file "$work/store" --dist-timeout 20 >"$work/mixed0.out" 2>&1 &
r0=$!
"${ff[@]}" train --data "$other" "${small[@]}" --out "$work/mixed" --distributed --world-size 2 --rank 1 \
  --store-file "$work/store" --dist-timeout 20 >"$work/mixed1.out" 2>&1
rc1=$?
wait "$r0"
rc0=$?
set -e
(( rc0 == 1 && rc1 == 1 )) || { echo "mixed data: exits $rc0 and $rc1"; exit 1; }
grep -q "rank 1 has different data than rank 0 (320/40/40 examples" "$work/mixed0.out"
grep -q "rank 1 has different data than rank 0" "$work/mixed1.out"
echo "different data on rank 1: refused"
