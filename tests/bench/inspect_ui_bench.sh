#!/usr/bin/env bash
# `ctest -L bench`: the Inspect workspace's targets on a 20,000-token document, from inputs it
# makes itself. The checkpoint is the paper preset trained for one step on a synthetic task
# with a 30,000-word vocabulary (the timing depends on the sizes, not on the weights).
#   inspect_ui_bench.sh WORK MAX_FIRST_PAINT_MS MAX_SWITCH_MS
# Needs FASTFORMER (the CLI) and INSPECT_UI_BENCH (the benchmark binary) in the environment.
set -euo pipefail
work=$1 max_first_paint_ms=$2 max_switch_ms=$3
rm -rf "$work" && mkdir -p "$work"

# Paper preset (D=256, 16 heads, 2 layers), max_len 512; every filler word w0…w29999 that
# occurs is in the vocabulary (min_freq 1), as large as the SpamAssassin run's 30,000 words.
"$FASTFORMER" train --data "synthetic:needle?length=512&examples=600&vocab=30000&seed=1" --preset paper \
  --set max_len=512 --set batch_size=8 --set max_steps=1 --set tokenizer.min_freq=1 --out "$work/run" \
  >"$work/train.out" 2>&1 || { cat "$work/train.out"; exit 1; }

# The document: the benchmark's own English sentences, repeated to at least 20,000 tokens.
set +e
QT_QPA_PLATFORM=offscreen "$INSPECT_UI_BENCH" --checkpoint "$work/run" --tokens 20000 --switches 24 \
  --max-first-paint-ms "$max_first_paint_ms" --max-switch-ms "$max_switch_ms" | tee "$work/bench.out"
status=${PIPESTATUS[0]}
set -e
# A shorter document would make the targets easy: the count is part of the check.
tokens=$(awk '$1 == "tokens" { print $2 }' "$work/bench.out")
if [[ -z $tokens || $tokens -lt 20000 ]]; then
  echo "the document has ${tokens:-no} tokens, fewer than 20000"
  exit 1
fi
exit "$status"
