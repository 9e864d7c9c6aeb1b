#!/usr/bin/env bash
# A subword (BPE) tokenizer is trained, saved in the checkpoint and used again by predict.
# Exits 77 (skipped) where SentencePiece cannot run (FF_HAVE_SENTENCEPIECE=0: no plugin, or
# an AddressSanitizer/ThreadSanitizer build).
set -euo pipefail
work=$1
if [[ ${FF_HAVE_SENTENCEPIECE:-1} != 1 ]]; then
  echo "SentencePiece cannot run in this build: skipped"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 1)
data="synthetic:needle?length=16&examples=480&vocab=12"
small=(--set hidden=16 --set heads=2 --set layers=1 --set ffn=32 --set max_len=32 --set batch_size=16 --set lr=0.003)

"${ff[@]}" train --data "$data" "${small[@]}" --set epochs=1 --set tokenizer.kind=bpe --set tokenizer.vocab_size=40 \
  --out "$work/bpe" >/dev/null 2>"$work/bpe.err" || { cat "$work/bpe.err"; exit 1; }
grep -q "bpe tokenizer" "$work/bpe.err" || { echo "no 'bpe tokenizer' line:"; cat "$work/bpe.err"; exit 1; }
[[ -f $work/bpe/best/tokenizer.model ]] || { echo "missing bpe/best/tokenizer.model"; exit 1; }
printf 'w1 w2 w3 gamma w4 w5 w6 w7 w8 w9 w10 w11 w1 w2 w3 w4\n' >"$work/docs.txt"
"${ff[@]}" predict --checkpoint "$work/bpe" --json "$work/docs.txt" >"$work/predict.json"
"$PYTHON" - "$work/predict.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
assert abs(sum(d["probabilities"].values()) - 1) < 1e-4, d
print(f"bpe tokenizer: trained, saved, and predict's probabilities sum to 1 ({d['label']})")
PY
