#!/usr/bin/env bash
# Checkpoints survive the process being killed at any moment, and a save that fails (disk
# full) keeps the previous checkpoint:
# 1. A run that saves last/ (weights + optimizer state) after every step is killed with
#    SIGKILL at random moments inside a save (0-4 ms after it began), then resumed; after every kill each
#    checkpoint folder that exists loads, and at the end the run resumes and finishes.
# 2. A save limited to a few KiB per file (ulimit -f, SIGXFSZ ignored: writes fail as on a
#    full disk) gives one clear error and leaves the previous checkpoint byte for byte.
set -uo pipefail
work=$1
kills=${2:-12}
rm -rf "$work" && mkdir -p "$work"
failures=0
ff=("$FASTFORMER" --threads 1)
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

{
  printf 'text\tlabel\n'
  for i in $(seq 1 400); do
    if ((i % 2)); then printf 'win free money now offer %d\tspam\n' "$i"; else printf 'meeting notes for monday lunch %d\tham\n' "$i"; fi
  done
} >"$work/data.tsv"
# Big enough that a save (weights and AdamW state, ~13 MB) takes a good part of each step.
train=(train --data "$work/data.tsv" --set hidden=256 --set heads=4 --set ffn=512 --set layers=2 --set max_len=16
  --set batch_size=8 --set eval_every=1 --set epochs=100000 --set seed=3 --out "$work/run")

# kill_during_save: starts the command, waits until a save has begun (a ".last.tmp-" or
# ".best.tmp-" copy appears in the run folder; the second save when the run has no last/
# yet), lets it go on for a random 0-4 ms (busy waiting, so a loaded machine does not
# stretch it), then stops and kills it; prints the delay, or "no save" when the process
# ended first.
kill_during_save() {
  "${PYTHON:-python3}" - "$work/run" "$@" <<'EOF'
import os, random, signal, subprocess, sys, time
run, cmd = sys.argv[1], sys.argv[2:]
random.seed(len(os.listdir(run)) if os.path.isdir(run) else 0)
# A run with nothing to resume keeps its first save (else a loaded machine, where every save
# outlasts the delay, would never get past it): it is killed inside a later one.
skip = 0 if os.path.isdir(os.path.join(run, "last")) else 1
seen, saving = 0, False
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while p.poll() is None:
    names = os.listdir(run) if os.path.isdir(run) else []
    now = any(n.startswith((".last.tmp-", ".best.tmp-")) for n in names)
    seen, saving = seen + (now and not saving), now
    if now and seen > skip:
        delay = random.uniform(0, 0.004)
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            pass
        p.send_signal(signal.SIGSTOP)
        p.send_signal(signal.SIGKILL)
        p.wait()
        print("%.1f ms" % (1000 * delay))
        sys.exit(0)
print("no save")
EOF
}

interrupted=0
for k in $(seq 1 "$kills"); do
  args=("${train[@]}" --set max_steps=1000000)  # never ends by itself here
  # Resume what the last kill left; a kill inside the very first save leaves nothing to
  # resume, and the run starts again.
  if [[ -d "$work/run/last" ]]; then args+=(--resume); else rm -rf "$work/run"; fi
  when=$(kill_during_save "${ff[@]}" "${args[@]}")
  # A half-written copy left by the kill (the next save removes it).
  if ls -A "$work/run" 2>/dev/null | grep -q '^\.\(last\|best\)\.tmp-'; then interrupted=$((interrupted + 1)); fi
  for dir in last best; do
    [[ -e "$work/run/$dir" ]] || continue
    if ! "${ff[@]}" eval --checkpoint "$work/run/$dir" --split valid >"$work/eval-$k-$dir.log" 2>&1; then
      fail "kill $k ($when into a save): $dir/ does not load: $(tail -1 "$work/eval-$k-$dir.log")"
    fi
  done
done
echo "killed $kills times 0-4 ms into a save; $interrupted left a half-written copy, none visible as a checkpoint"
[[ $interrupted -gt 0 ]] || fail "no kill landed inside a save"

# The run resumes from whatever the last kill left and finishes three steps later.
if [[ -d "$work/run/last" ]]; then
  step=$(grep -o '"step": *[0-9]*' "$work/run/last/train_state.json" | grep -o '[0-9]*$')
  "${ff[@]}" "${train[@]}" --set max_steps=$((step + 3)) --resume >"$work/final.log" 2>&1 ||
    fail "the resumed run failed: $(tail -1 "$work/final.log")"
  grep -q "finished $((step + 3)) steps" "$work/final.log" || fail "the resumed run did not finish at step $((step + 3))"
  "${ff[@]}" eval --checkpoint "$work/run/best" --split valid >/dev/null 2>&1 || fail "best/ of the finished run does not load"
  if ls -A "$work/run" | grep -q '^\.\(last\|best\)\.\(tmp\|old\)-'; then fail "leftover copies after a finished save: $(ls -A "$work/run")"; fi
else
  fail "no kill came after the first save; raise the delays"
fi

# A full disk during a save: the previous checkpoint stays as it was.
"${ff[@]}" init --set hidden=64 --set heads=4 --set max_len=16 --vocab-size 2000 --out "$work/ck" >/dev/null
before=$(cat "$work/ck/config.json" "$work/ck/model.safetensors" | md5sum)
(
  trap '' XFSZ
  ulimit -f 64
  exec "${ff[@]}" init --set hidden=128 --set heads=4 --set max_len=16 --vocab-size 2000 --out "$work/ck"
) >"$work/full.out" 2>"$work/full.err"
rc=$?
after=$(cat "$work/ck/config.json" "$work/ck/model.safetensors" | md5sum)
if [[ $rc -eq 0 || $(wc -l <"$work/full.err") -ne 1 ]] || ! grep -Eq "ck: could not save the checkpoint .*previous one is kept.*disk" "$work/full.err"; then
  fail "full disk: rc=$rc, stderr: $(cat "$work/full.err")"
else
  echo "ok   full disk: $(cat "$work/full.err")"
fi
[[ "$before" == "$after" ]] || fail "full disk: the previous checkpoint changed"
if ls -A "$work" | grep -q '^\.ck\.'; then fail "full disk: a temporary copy was left: $(ls -A "$work")"; fi

echo "crash safety: $failures failures"
exit $((failures > 0))
