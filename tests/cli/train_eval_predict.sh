#!/usr/bin/env bash
# End to end: train on a small synthetic task, evaluate, predict, interrupt with Ctrl-C
# (SIGINT) and resume, all through the real `fastformer` binary (the subword tokenizer's run
# is bpe_tokenizer.sh).
set -euo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 1)
data="synthetic:needle?length=16&examples=480&vocab=12"
small=(--set hidden=16 --set heads=2 --set layers=1 --set ffn=32 --set max_len=32 --set batch_size=16 --set lr=0.003)

"${ff[@]}" train --data "$data" "${small[@]}" --set epochs=6 --out "$work/run" >"$work/train.out" 2>"$work/train.err"
grep -q "test split (best checkpoint)" "$work/train.out"
for f in best/config.json best/model.safetensors best/tokenizer.json last/train_state.json last/train_state.pt metrics.jsonl; do
  [[ -f "$work/run/$f" ]] || { echo "missing $f"; exit 1; }
done

# eval: JSON metrics on the held-out test split; the task is easy, so accuracy must be high.
"${ff[@]}" eval --checkpoint "$work/run" --json >"$work/eval.json"
"$PYTHON" - "$work/eval.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["split"] == "test" and m["examples"] == 48, m
assert m["accuracy"] >= 0.9, f"accuracy {m['accuracy']}"
assert sum(map(sum, m["confusion"])) == m["examples"]
print(f"eval: accuracy {m['accuracy']:.3f} on {m['examples']} test examples")
PY

# predict: a document with the marker "gamma" must be classified as gamma.
printf 'w1 w2 w3 gamma w4 w5 w6 w7 w8 w9 w10 w11 w1 w2 w3 w4\nw5 alpha w6 w7 w8 w9 w10 w11 w1 w2 w3 w4 w5 w6 w7 w8\n' >"$work/docs.txt"
"${ff[@]}" predict --checkpoint "$work/run" --lines "$work/docs.txt" >"$work/predict.out"
cat "$work/predict.out"
grep -Eq "^.*docs.txt:1	gamma	" "$work/predict.out"
grep -Eq "^.*docs.txt:2	alpha	" "$work/predict.out"

# Ctrl-C stops cleanly (exit 130) and saves; --resume finishes the run.
"${ff[@]}" train --data "$data" "${small[@]}" --set epochs=400 --out "$work/stopped" >"$work/stop.out" 2>"$work/stop.err" &
pid=$!
for _ in $(seq 1 300); do
  grep -q '"step":5,"tokens_per_s"' "$work/stopped/metrics.jsonl" 2>/dev/null && break
  sleep 0.1
done
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
[[ $rc -eq 130 ]] || { echo "interrupted train exited $rc, expected 130"; cat "$work/stop.err"; exit 1; }
grep -q "fastformer train --resume" "$work/stop.out"
step=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$work/stopped/last/train_state.json")
(( step >= 5 && step < 1200 )) || { echo "saved step $step"; exit 1; }
"${ff[@]}" train --resume --set epochs=2 --out "$work/stopped" >"$work/resume.out" 2>"$work/resume.err"
grep -q "resuming" "$work/resume.err"
echo "train/eval/predict/interrupt/resume: ok (stopped at step $step)"
