#!/usr/bin/env bash
# `fastformer explain` on a model trained here on the needle task (the class is the one
# marker word in a document of filler words): every method must rank the marker first (by
# magnitude for the gradient methods); bad options are one line and a non-zero exit.
set -euo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 1)
data="synthetic:needle?length=16&examples=480&vocab=12"
small=(--set hidden=16 --set heads=2 --set layers=1 --set ffn=32 --set max_len=32 --set batch_size=16 --set lr=0.003)
"${ff[@]}" train --data "$data" "${small[@]}" --set epochs=6 --out "$work/run" >"$work/train.out" 2>"$work/train.err" ||
  { cat "$work/train.err"; exit 1; }

printf 'w1 w2 w3 w9 w4 w5 w6 w7 w8 gamma w10 w11 w1 w2 w3 w4\n' >"$work/doc.txt"
"${ff[@]}" explain --checkpoint "$work/run" "$work/doc.txt" --ig-steps 64 --out "$work/explain.json" >"$work/explain.out"
cat "$work/explain.out"
"$PYTHON" - "$work/explain.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
assert e["labels"][e["target"]] == "gamma", e["labels"][e["target"]]
n = len(e["tokens"])
assert n == 17 and e["tokens"][0]["piece"] == "[CLS]", e["tokens"]
for name in ("alpha", "beta", "gamma", "gradient", "gradient_x_input", "integrated_gradients", "occlusion"):
    scores = e["methods"][name]["scores"]
    assert len(scores) == n, (name, len(scores))
# Integrated Gradients and occlusion: the marker has the largest positive score. The
# gradient and gradient x input are local (first-order at x): the marker has the largest
# magnitude, and gradient x input may give it either sign.
for name, key in (("integrated_gradients", lambda v: v), ("occlusion", lambda v: v),
                  ("gradient", abs), ("gradient_x_input", abs)):
    scores = e["methods"][name]["scores"]
    top = max(range(n), key=lambda i: key(scores[i]))
    assert e["tokens"][top]["piece"] == "gamma", (name, e["tokens"][top]["piece"], scores)
ig = e["methods"]["integrated_gradients"]
assert ig["completeness_gap"] < 0.05, ig["completeness_gap"]
# Faithfulness: deleting the top-ranked token (1% of 16 rounds up to one) takes p(gamma)
# down to about chance (4 classes), and occlusion's AOPC beats every random order's.
f = e["faithfulness"]
assert f["fractions"][:2] == [0.0, 0.01], f["fractions"]
curves = {c["name"]: c for c in f["curves"]}
occ = curves["occlusion"]
assert occ["deletion"][0] > 0.5 and occ["deletion"][1] < 0.4, occ["deletion"]
assert occ["aopc_deletion"] > max(f["random_aopc_deletion"]), (occ["aopc_deletion"], f["random_aopc_deletion"])
assert len(f["spearman"]) == len(e["methods"]) == 7 and f["spearman"][0][0] == 1.0
print("explain: the marker ranks first by every method;"
      f" IG completeness gap {100 * ig['completeness_gap']:.2f}%")
PY

# Bad input: one line naming what is known, a non-zero exit, no model run needed.
expect_error() {
  local expected=$1
  shift
  if "${ff[@]}" explain --checkpoint "$work/run" "$work/doc.txt" "$@" >"$work/bad.out" 2>"$work/bad.err"; then
    echo "explain $* succeeded"; exit 1
  fi
  [[ $(wc -l <"$work/bad.err") -eq 1 ]] || { echo "not one line:"; cat "$work/bad.err"; exit 1; }
  grep -q "$expected" "$work/bad.err" || { echo "no '$expected' in:"; cat "$work/bad.err"; exit 1; }
}
expect_error "integrated_gradients" --methods saliency
expect_error "gamma" --target nosuch
expect_error ".json" --out "$work/scores.csv"
echo "explain: bad options refused"
