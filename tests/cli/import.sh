#!/usr/bin/env bash
# `fastformer import` end to end on the notebook fixture (tests/import/fixture): predict on
# the imported checkpoint gives PyTorch's probabilities; the printed official map, given
# back as a file, imports the same model; every bad file is one line and writes nothing;
# `--checkpoint demo` names the shipped demo model.
set -uo pipefail
work=$1
fixture=$2
rm -rf "$work" && mkdir -p "$work"
failures=0
source "$(dirname "$0")/expect_error.sh"
ff=("$FASTFORMER" --threads 1)
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

"${ff[@]}" import --from "$fixture/state_dict.pt" --vocab "$fixture/word_dict.json" --config "$fixture/fastformer.json" \
  --labels neg,mid,pos --out "$work/notebook" >"$work/import.out" || fail "import exited $?"
grep -q "imported 50 tensors (2 layers, hidden 32, 4 heads, FFN 48, 3 classes, 65 words)" "$work/import.out" ||
  fail "import summary: $(cat "$work/import.out")"

# Every reference text, one per line (tabs and newlines made spaces: the same tokens).
"$PYTHON" - "$fixture/reference.json" >"$work/texts.txt" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1]))["texts"]:
    print(" ".join(t["text"].split()))
PY
"${ff[@]}" predict --checkpoint "$work/notebook" --lines --json "$work/texts.txt" >"$work/predict.jsonl" || fail "predict exited $?"
"$PYTHON" - "$fixture/reference.json" "$work/predict.jsonl" <<'PY' || fail "probabilities differ from PyTorch's"
import json, math, sys
ref = json.load(open(sys.argv[1]))["texts"]
rows = [json.loads(l) for l in open(sys.argv[2])]
assert len(rows) == len(ref), (len(rows), len(ref))
worst = 0.0
for r, t in zip(rows, ref):
    m = max(t["logits"]); e = [math.exp(x - m) for x in t["logits"]]; s = sum(e)
    for label, p in zip(("neg", "mid", "pos"), e):
        worst = max(worst, abs(r["probabilities"][label] - p / s))
print("largest probability difference from PyTorch: %.2e" % worst)
sys.exit(0 if worst <= 1e-5 else 1)
PY

# An ordinary checkpoint: inspect, explain, eval, and fine-tuning from it.
"${ff[@]}" inspect --checkpoint "$work/notebook" "$work/texts.txt" --out "$work/trace.json" >/dev/null ||
  fail "inspect exited $?"
"$PYTHON" -c 'import json,sys; t=json.load(open(sys.argv[1])); sys.exit(0 if t["tokens"][0]["piece"] == "[CLS]" and t["tokens"][0]["end"] == 0 and len(t["tokens"]) > 40 else 1)' \
  "$work/trace.json" || fail "inspect trace: no [CLS] slot first or too few tokens"
"${ff[@]}" explain --checkpoint "$work/notebook" "$work/texts.txt" --methods gradient,occlusion --out "$work/explain.json" \
  >/dev/null || fail "explain exited $?"
"$PYTHON" - "$work/texts.txt" >"$work/tune.tsv" <<'PY'
import sys
for i, line in enumerate(open(sys.argv[1])):
    print(("neg", "mid", "pos")[i % 3] + "\t" + line.strip())
PY
"${ff[@]}" train --init-from "$work/notebook" --data "$work/tune.tsv" --set max_steps=2 --set valid_fraction=0.3 \
  --set test_fraction=0.3 --out "$work/tuned" >/dev/null 2>"$work/tune.err" || fail "train --init-from exited: $(tail -2 "$work/tune.err")"
"${ff[@]}" eval --checkpoint "$work/tuned" --data "$work/tune.tsv" --split all >/dev/null || fail "eval of the tuned model exited $?"

# The built-in map as a file: the same weights.
"${ff[@]}" import --print-map official >"$work/official.json" || fail "--print-map exited $?"
"${ff[@]}" import --from "$fixture/state_dict.safetensors" --vocab "$fixture/vocab.txt" --map "$work/official.json" \
  --out "$work/from_file_map" >/dev/null || fail "import with --map FILE exited $?"
cmp -s "$work/notebook/model.safetensors" "$work/from_file_map/model.safetensors" || fail "a file map gave other weights"

expect_error pickled_module "holds a pickled __main__\.Model, not a state_dict .*model\.state_dict\(\)" -- \
  "${ff[@]}" import --from "$fixture/pickled_model.pt" --vocab "$fixture/word_dict.json" --out "$work/bad1"
head -c 30000 "$fixture/state_dict.pt" >"$work/truncated.pt"
expect_error truncated "truncated\.pt: not a readable torch\.save archive" -- \
  "${ff[@]}" import --from "$work/truncated.pt" --vocab "$fixture/word_dict.json" --out "$work/bad2"
echo "not a model" >"$work/notes.txt"
expect_error not_zip "notes\.txt: not a PyTorch state_dict" -- \
  "${ff[@]}" import --from "$work/notes.txt" --vocab "$fixture/word_dict.json" --out "$work/bad3"
expect_error no_vocab "[-]-vocab: no vocabulary given" -- "${ff[@]}" import --from "$fixture/state_dict.pt" --out "$work/bad4"
expect_error bad_set "unknown key 'hiden'" -- \
  "${ff[@]}" import --from "$fixture/state_dict.pt" --vocab "$fixture/word_dict.json" --set hiden=8 --out "$work/bad5"
# A size that disagrees with the tensors: one line per tensor it breaks, each naming it.
"${ff[@]}" import --from "$fixture/state_dict.pt" --vocab "$fixture/word_dict.json" --set hidden=64 --set heads=4 \
  --out "$work/bad6" >/dev/null 2>"$work/wrong_hidden.err" && fail "wrong hidden: exit 0"
grep -qx "fastformer: error: word_embedding\.weight: shape \[65, 32\], expected \[65, 64\] for vocab_size 65, hidden 64" \
  "$work/wrong_hidden.err" || fail "wrong hidden: no line for word_embedding.weight: $(head -3 "$work/wrong_hidden.err")"
grep -vq "^fastformer: error: [A-Za-z_.0-9]*: shape \[" "$work/wrong_hidden.err" &&
  fail "wrong hidden: a line that names no tensor: $(grep -v "^fastformer: error: [A-Za-z_.0-9]*: shape \[" "$work/wrong_hidden.err" | head -2)"
echo "ok   wrong_hidden: $(wc -l <"$work/wrong_hidden.err") lines, one per tensor"
for bad in bad1 bad2 bad3 bad4 bad5 bad6; do [[ ! -e "$work/$bad" ]] || fail "a failed import left $bad"; done

# The shipped demo model by name.
echo "Cheap meds!!! Click here to order now, limited offer, 100% free" >"$work/mail.txt"
"${ff[@]}" predict --checkpoint demo "$work/mail.txt" >"$work/demo.out" || fail "predict --checkpoint demo exited $?"
grep -Eq "mail\.txt	(ham|spam)	(ham|spam)=" "$work/demo.out" || fail "demo prediction: $(cat "$work/demo.out")"

echo "cli import: $failures failures"
exit $((failures > 0))
