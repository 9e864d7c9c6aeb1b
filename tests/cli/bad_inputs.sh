#!/usr/bin/env bash
# The bad-input corpus (tests/data/bad/ and checkpoints damaged here) through the CLI: each
# case has its documented outcome: an error is exit 1 with exactly one stderr line naming
# the file and the problem; input that is only partly bad is read, and the skipped rows are
# listed as file:line on stdout. Nothing may crash or hang.
set -uo pipefail
work=$1
bad=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
source "$(dirname "$0")/expect_error.sh"
ff=("$FASTFORMER" --threads 1)

# expect_read NAME PATTERN -- COMMAND...: exit 0 and a stdout line matching PATTERN.
expect_read() {
  local name=$1 pattern=$2
  shift 3
  "$@" >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  if [[ $rc -ne 0 ]] || ! grep -Eq "$pattern" "$work/$name.out"; then
    echo "FAIL $name: rc=$rc, expected a stdout line /$pattern/:"
    cat "$work/$name.out" "$work/$name.err"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(grep -E "$pattern" "$work/$name.out" | head -1)"
  fi
}

# ---- datasets ----
expect_error dataset_empty "empty\.tsv: is empty" -- "${ff[@]}" data stats "$bad/empty.tsv"
expect_error dataset_binary "binary\.tsv: looks binary" -- "${ff[@]}" data stats "$bad/binary.tsv"
expect_error dataset_all_bad "all_bad\.tsv: no usable rows.*all_bad\.tsv:2: too few columns" -- "${ff[@]}" data stats "$bad/all_bad.tsv"
expect_read dataset_latin1 "invalid UTF-8 replaced 1" -- "${ff[@]}" data stats "$bad/latin1.tsv"
expect_read dataset_crlf "^2 labels \(class order\): spam ham$" -- "${ff[@]}" data stats "$bad/crlf.tsv"
expect_read dataset_missing_label "missing_label\.tsv:3: too few columns" -- "${ff[@]}" data stats "$bad/missing_label.tsv"
expect_read dataset_truncated_json "truncated\.jsonl:2: malformed JSON" -- "${ff[@]}" data stats "$bad/truncated.jsonl"
# A 3,000,000-word line: read whole, counted, truncated only when encoded for a model.
{
  printf 'text\tlabel\n'
  head -c 12000000 /dev/zero | tr '\0' 'w' | fold -w 4 | paste -sd' ' | tr -d '\n'
  printf '\tspam\nshort row\tham\n'
} >"$work/giant.tsv"
expect_read dataset_giant_line "max 3000000" -- "${ff[@]}" data stats "$work/giant.tsv"

# A tiny trained run for the cases that need labels and a tokenizer.
{
  printf 'text\tlabel\n'
  for i in $(seq 1 40); do
    if ((i % 2)); then printf 'win free money now %d\tspam\n' "$i"; else printf 'meeting notes for monday %d\tham\n' "$i"; fi
  done
} >"$work/ok.tsv"
"${ff[@]}" train --data "$work/ok.tsv" --set hidden=16 --set heads=2 --set ffn=16 --set max_len=16 --set max_steps=2 \
  --set eval_every=0 --out "$work/run" >/dev/null 2>&1 || { echo "FAIL: the tiny run did not train"; exit 1; }
expect_read eval_unknown_label 'unknown_label\.tsv:3: unknown label "frogs"' -- "${ff[@]}" eval --checkpoint "$work/run" --data "$bad/unknown_label.tsv" --split all
expect_error train_all_bad "no usable rows" -- "${ff[@]}" train --data "$bad/all_bad.tsv" --out "$work/never"
[[ ! -e "$work/never" ]] || { echo "FAIL train_all_bad left $work/never"; failures=$((failures + 1)); }

# ---- documents ----
for doc in "empty.txt:is empty" "utf16.txt:looks binary.*UTF-16" "tags_only.html:has no text to inspect" \
  'no_text.json:has no JSON object with a "text" string'; do
  expect_error "document_${doc%%:*}" "${doc%%:*}: ${doc#*:}" -- "${ff[@]}" inspect --checkpoint "$work/run" "$bad/${doc%%:*}"
done

# ---- checkpoints, damaged copies of a fresh one ----
"${ff[@]}" init --set hidden=16 --set heads=2 --set max_len=8 --vocab-size 20 --out "$work/ck" >/dev/null
"${ff[@]}" init --set hidden=16 --set heads=2 --set max_len=8 --vocab-size 20 --set attention=softmax --out "$work/ck_softmax" >/dev/null
printf '3 4 5\n' >"$work/ok.ids"
damaged() {  # damaged NAME: a fresh copy of the checkpoint to damage
  rm -rf "$work/$1" && cp -r "$work/ck" "$work/$1"
}
# patch_header DIR PYTHON: rewrites model.safetensors' JSON header with PYTHON applied to `h`.
patch_header() {
  "${PYTHON:-python3}" - "$1/model.safetensors" "$2" <<'EOF'
import json, struct, sys
path, change = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
h = json.loads(data[8:8 + n])
name = sorted(k for k in h if k != "__metadata__")[0]
t = h[name]
exec(change)
header = json.dumps(h).encode()
open(path, "wb").write(struct.pack("<Q", len(header)) + header + data[8 + n:])
EOF
}
load=(forward --ids-file "$work/ok.ids" --out "$work/o.st" --checkpoint)

damaged ck_newer && sed -i 's/"format_version": 1/"format_version": 7/' "$work/ck_newer/config.json"
expect_error checkpoint_newer_version "format version 7 is not supported" -- "${ff[@]}" "${load[@]}" "$work/ck_newer"
rm -rf "$work/ck_kind" && cp -r "$work/ck_softmax" "$work/ck_kind" && cp "$work/ck/config.json" "$work/ck_kind/config.json"
expect_error checkpoint_other_kind "do not match config\.json" -- "${ff[@]}" "${load[@]}" "$work/ck_kind"
damaged ck_no_config && rm "$work/ck_no_config/config.json"
expect_error checkpoint_no_config "config\.json: cannot open checkpoint config" -- "${ff[@]}" "${load[@]}" "$work/ck_no_config"
damaged ck_bad_config && truncate -s 40 "$work/ck_bad_config/config.json"
expect_error checkpoint_truncated_config "config\.json" -- "${ff[@]}" "${load[@]}" "$work/ck_bad_config"
damaged ck_truncated && truncate -s 1000 "$work/ck_truncated/model.safetensors"
expect_error checkpoint_truncated_weights "runs past the end" -- "${ff[@]}" "${load[@]}" "$work/ck_truncated"
damaged ck_4g && printf '\x00\x00\x00\x00\x01\x00\x00\x00' | dd of="$work/ck_4g/model.safetensors" conv=notrunc status=none
expect_error checkpoint_4gb_header "header length" -- "${ff[@]}" "${load[@]}" "$work/ck_4g"
damaged ck_negative && patch_header "$work/ck_negative" 't["data_offsets"] = [-8, t["data_offsets"][1]]'
expect_error checkpoint_negative_offset "model\.safetensors" -- "${ff[@]}" "${load[@]}" "$work/ck_negative"
damaged ck_overflow && patch_header "$work/ck_overflow" 't["data_offsets"] = [0, 2**64 + 5]'
expect_error checkpoint_overflowing_offset "model\.safetensors" -- "${ff[@]}" "${load[@]}" "$work/ck_overflow"
damaged ck_dtype && patch_header "$work/ck_dtype" 't["dtype"] = "Q7"'
expect_error checkpoint_unknown_dtype "model\.safetensors.*Q7" -- "${ff[@]}" "${load[@]}" "$work/ck_dtype"
damaged ck_shape && patch_header "$work/ck_shape" 't["shape"] = list(reversed(t["shape"])) if len(t["shape"]) > 1 else [1, t["shape"][0]]'
expect_error checkpoint_wrong_shape "model\.safetensors" -- "${ff[@]}" "${load[@]}" "$work/ck_shape"
[[ ! -e "$work/o.st" ]] || { echo "FAIL: a failed load wrote $work/o.st"; failures=$((failures + 1)); }

# ---- limits: refused up front with the estimate, not by the allocator ----
"${ff[@]}" init --set hidden=16 --set heads=2 --set max_len=250000 --set attention=softmax --set softmax_impl=materialized \
  --vocab-size 20 --out "$work/ck_long" >/dev/null
"${PYTHON:-python3}" -c "print(' '.join(['5'] * 250000))" >"$work/250k.ids"
"${PYTHON:-python3}" -c "print(' '.join(['5'] * 8000))" >"$work/8k.ids"
expect_error limit_activations "1 × 250000 tokens needs about [0-9.]+ GiB of activations, [0-9.]+ GiB is free" -- \
  "${ff[@]}" forward --checkpoint "$work/ck_long" --ids-file "$work/250k.ids" --out "$work/o.st"
expect_error limit_softmax_trace "T=8000 needs .* \(0\.48 GiB of float32\), above the cap" -- \
  "${ff[@]}" forward --checkpoint "$work/ck_long" --ids-file "$work/8k.ids" --out "$work/o.st"

echo "bad inputs: $failures failures"
exit $((failures > 0))
