#!/usr/bin/env bash
# `fastformer init` then `fastformer forward` for one model variant; the output file is
# then checked by an independent safetensors parser (check_forward.py).
set -euo pipefail
variant=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"

case $variant in
  paper)       args=(--preset paper) ;;
  official)    args=(--preset official) ;;
  transformer) args=(--preset official --model transformer) ;;
esac
"$FASTFORMER" --threads 1 init "${args[@]}" --set hidden=32 --set heads=4 --set layers=3 --set max_len=64 \
  --classes 3 --labels neg,neu,pos --vocab-size 50 --seed 1 --out "$work/ckpt"

printf '3 4 5 6 7\n8 9\n10 11 12 13 14 15 16 17\n' > "$work/ids.txt"
"$FASTFORMER" --threads 1 forward --checkpoint "$work/ckpt" --ids-file "$work/ids.txt" --out "$work/out.safetensors" \
  | tee "$work/stdout.txt"
grep -Eq '^sequence 2 \(8 tokens\): (neg|neu|pos)  p=' "$work/stdout.txt"

"$PYTHON" "$here/check_forward.py" "$work/out.safetensors" --variant "$variant" \
  --batch 3 --tokens 8 --lengths 5,2,8 --hidden 32 --heads 4 --layers 3 --classes 3
