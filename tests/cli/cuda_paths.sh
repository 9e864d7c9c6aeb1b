#!/usr/bin/env bash
# Every entry point on a CUDA device, through the real `fastformer` binary, against the same
# commands on the CPU: train (float32 and bf16 autocast), eval, predict and inspect give the
# CPU's answers; `info` names the device; a bench sweep point that cannot fit in GPU memory
# is recorded as oom and the sweep goes on. Exits 77 (skipped) without a CUDA device.
# FF_TEST_DEVICE=cpu runs the same steps with the CPU on both sides (checks the script itself).
set -uo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 2)
gpu=${FF_TEST_DEVICE:-cuda}
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

"${ff[@]}" info >"$work/info.txt" 2>&1
cat "$work/info.txt"
if [[ $gpu == cuda* ]]; then
  if ! grep -q "cuda x" "$work/info.txt"; then
    echo "no CUDA device: skipped"
    exit 77
  fi
  grep -Eq '^  cuda:0' "$work/info.txt" || fail "info does not list cuda:0"
fi

data="synthetic:needle?length=16&examples=480&vocab=12"
small=(--set hidden=16 --set heads=2 --set layers=2 --set ffn=32 --set max_len=32 --set batch_size=16 --set lr=0.003)

# Training on the GPU learns the task (the needle decides the label).
for precision in fp32 bf16; do
  "${ff[@]}" train --device $gpu --data "$data" "${small[@]}" --set epochs=6 --set precision=$precision \
    --out "$work/run-$precision" >"$work/train-$precision.out" 2>&1 || fail "train $precision: $(tail -1 "$work/train-$precision.out")"
done

# eval of one checkpoint on cuda and cpu: the same predictions (identical confusion matrices).
run=$work/run-fp32
"${ff[@]}" eval --checkpoint "$run" --device $gpu --json >"$work/eval-gpu.json" || fail "eval --device $gpu"
"${ff[@]}" eval --checkpoint "$run" --device cpu --json >"$work/eval-cpu.json" || fail "eval --device cpu"
"${ff[@]}" eval --checkpoint "$work/run-bf16" --device $gpu --json >"$work/eval-bf16.json" || fail "eval bf16 run"
"$PYTHON" - "$work" <<'PY' || fail "eval cuda vs cpu"
import json, sys
w = sys.argv[1]
g, c, b = (json.load(open(f"{w}/eval-{n}.json")) for n in ("gpu", "cpu", "bf16"))
assert g["confusion"] == c["confusion"], (g["confusion"], c["confusion"])
assert abs(g["loss"] - c["loss"]) < 1e-4 * max(1, abs(c["loss"])), (g["loss"], c["loss"])
assert g["accuracy"] >= 0.9 and b["accuracy"] >= 0.9, (g["accuracy"], b["accuracy"])
print(f"eval: cuda = cpu (accuracy {g['accuracy']:.3f}, loss {g['loss']:.6f} vs {c['loss']:.6f}); bf16 run {b['accuracy']:.3f}")
PY

# predict: the same labels and probabilities on both devices.
printf 'w1 w2 w3 gamma w4 w5 w6 w7 w8 w9 w10 w11 w1 w2 w3 w4\nw5 alpha w6 w7 w8 w9 w10 w11 w1 w2 w3 w4 w5 w6 w7 w8\n' >"$work/docs.txt"
for side in gpu cpu; do
  device=$gpu && [[ $side == cpu ]] && device=cpu
  "${ff[@]}" predict --checkpoint "$run" --device $device --json --lines "$work/docs.txt" >"$work/predict-$side.json" \
    || fail "predict --device $device"
done
"$PYTHON" - "$work" <<'PY' || fail "predict cuda vs cpu"
import json, sys
w = sys.argv[1]
def rows(name):
    return [json.loads(line) for line in open(f"{w}/predict-{name}.json")]
g, c = rows("gpu"), rows("cpu")
assert len(g) == len(c) == 2, (g, c)
for a, b in zip(g, c):
    assert a["label"] == b["label"], (a, b)
    assert a["probabilities"].keys() == b["probabilities"].keys(), (a, b)
    assert max(abs(a["probabilities"][k] - b["probabilities"][k]) for k in a["probabilities"]) < 1e-4, (a, b)
print("predict: cuda = cpu", [r["label"] for r in g])
PY

# inspect: α, β and the global vectors of a multi-window document agree within 1e-4.
"$PYTHON" -c "print(' '.join(['w%d' % (i % 11 + 1) for i in range(150)]) + ' gamma w1 w2')" >"$work/doc.txt"
for side in gpu cpu; do
  device=$gpu && [[ $side == cpu ]] && device=cpu
  "${ff[@]}" inspect --checkpoint "$run" --device $device "$work/doc.txt" --out "$work/trace-$side.json" \
    >"$work/inspect-$side.out" 2>&1 || fail "inspect --device $device: $(tail -1 "$work/inspect-$side.out")"
done
"$PYTHON" - "$work" <<'PY' || fail "inspect cuda vs cpu"
import json, sys
w = sys.argv[1]
g, c = (json.load(open(f"{w}/trace-{n}.json")) for n in ("gpu", "cpu"))
def flat(x):
    return [v for item in x for v in flat(item)] if isinstance(x, list) else [x]
assert len(g["windows"]) >= 3 and g["windows"] == c["windows"], g["windows"]
for key in ("alpha", "beta", "global_query", "global_key", "probabilities"):
    a, b = flat(g[key]), flat(c[key])
    assert len(a) == len(b) and len(a) > 0, key
    worst = max(abs(x - y) for x, y in zip(a, b))
    assert worst < 1e-4, (key, worst)
assert g["predicted"] == c["predicted"]
print(f"inspect: cuda = cpu over {len(g['tokens'])} tokens, {len(g['windows'])} windows")
PY

# A sweep whose softmax point at N = 131,072 needs ~400 GiB for its weights: that point is oom
# (caught as CUDA out of memory), and the additive points before and after it are measured.
"${ff[@]}" bench sweep --device $gpu --dtype bfloat16 --kinds softmax,additive --lengths 1024,131072 --scope layer \
  --hidden 768 --heads 12 --repeats 2 --csv "$work/sweep.csv" >"$work/sweep.out" 2>&1 || fail "sweep exited non-zero"
"$PYTHON" - "$work/sweep.csv" <<'PY' || { fail "sweep statuses"; cat "$work/sweep.out"; }
import csv, sys
rows = {(r["kind"], int(r["n"])): r for r in csv.DictReader(open(sys.argv[1]))}
assert rows[("softmax", 131072)]["status"] == "oom", rows[("softmax", 131072)]
for key in [("softmax", 1024), ("additive", 1024), ("additive", 131072)]:
    assert rows[key]["status"] == "ok", rows[key]
    assert float(rows[key]["peak_bytes"]) > 0, rows[key]
print("sweep: softmax 131072 oom, additive 131072 ok in", rows[("additive", 131072)]["median_ms"], "ms")
PY

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "cuda paths: all checks passed"
