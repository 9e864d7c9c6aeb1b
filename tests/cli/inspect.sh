#!/usr/bin/env bash
# `fastformer inspect` end to end: a tiny trained checkpoint, one document in, the printed
# prediction and entropies, a JSON trace with the expected keys, the same trace as safetensors
# and HTML reports shaded by the given spec; bad input (binary, empty, missing checkpoint,
# init checkpoint without tokenizer, a device that is not there, an --out that is neither
# .json nor .safetensors, a shading spec that is misspelt or does not fit) fails in one line;
# a Linear Transformer is inspected and shaded by its normaliser shares.
set -uo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
ff=("$FASTFORMER" --threads 1)
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

data="synthetic:needle?length=16&examples=64&vocab=12"
"${ff[@]}" train --data "$data" --set hidden=16 --set heads=2 --set layers=2 --set ffn=32 --set max_len=16 \
  --set batch_size=16 --set epochs=1 --out "$work/run" >"$work/train.out" 2>&1 || { cat "$work/train.out"; exit 1; }

# 40 tokens against max_len 16: three or more windows.
printf 'w1 w2 w3 gamma w4 w5 <w6> & w7 w8.\nw9 w10 w11 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w1 w2 w3 w4\n' \
  >"$work/doc.txt"
if "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --out "$work/trace.json" --html "$work/report.html" \
     --overlap 4 --layer 1 --head 0 >"$work/inspect.out" 2>"$work/inspect.err"; then
  cat "$work/inspect.out"
  grep -Eq '^layer head +H\(alpha\)' "$work/inspect.out" || fail "no entropy table"
  [[ $(grep -Ec '^ +[01] +[01] ' "$work/inspect.out") -eq 4 ]] || fail "expected 4 layer/head rows"
  "$PYTHON" - "$work/trace.json" <<'PY' || fail "trace.json"
import json, sys
t = json.load(open(sys.argv[1]))
for key in ["tokens", "alpha", "beta", "global_query", "global_key", "pooling", "probabilities", "labels",
            "predicted", "windows", "owner", "truncated", "attention", "entropies", "layers", "heads", "head_dim"]:
    assert key in t, key
n = len(t["tokens"])
assert n > 32 and len(t["owner"]) == n and len(t["windows"]) >= 3 and not t["truncated"], (n, t["windows"])
assert len(t["alpha"]) == 2 and len(t["alpha"][0]) == 2 and len(t["alpha"][0][0]) == n
assert len(t["global_query"]) == len(t["windows"]) and len(t["global_query"][0][0][0]) == t["head_dim"]
assert abs(sum(t["probabilities"]) - 1) < 1e-5 and t["predicted"] in t["labels"]
print(f"trace.json: {n} tokens, {len(t['windows'])} windows, predicted {t['predicted']}")
PY
  grep -q '<!DOCTYPE html>' "$work/report.html" && grep -q '>&lt;</span>' "$work/report.html" \
    || fail "report.html missing or not escaped"
  grep -q 'α, layer 1, head 0 × tokens in its window' "$work/report.html" \
    && grep -q '<code>shade=alpha,layer=1,heads=0,scale=relative</code>' "$work/report.html" \
    || fail "report.html: legend of --layer 1 --head 0"
else
  fail "inspect exited non-zero: $(cat "$work/inspect.err")"
fi

# The Studio's shading keys as flags: β of layer 0, the max over heads, stretched.
if "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --html "$work/beta.html" --overlap 4 \
     --shade beta --layer 0 --heads max --scale stretched >/dev/null 2>"$work/beta.err"; then
  grep -q 'β, layer 0, max over heads × tokens in its window (1 = uniform)</span>; scale: relative, stretched' \
    "$work/beta.html" && grep -q '<code>shade=beta,layer=0,heads=max,scale=stretched</code>' "$work/beta.html" \
    || fail "beta.html: legend"
  cmp -s <(grep -o 'background:#[0-9a-f]*' "$work/beta.html") <(grep -o 'background:#[0-9a-f]*' "$work/report.html") \
    && fail "beta.html is shaded as report.html"
else
  fail "inspect --shade beta exited non-zero: $(cat "$work/beta.err")"
fi

# The same trace as safetensors: an 8-byte little-endian header length, a JSON header, and
# alpha's float32 bytes equal to trace.json's numbers.
"${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --out "$work/trace.safetensors" --overlap 4 >/dev/null \
  && "$PYTHON" - "$work/trace.safetensors" "$work/trace.json" <<'PY' || fail "trace.safetensors"
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
(length,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + length])
t = json.load(open(sys.argv[2]))
meta = header["__metadata__"]
assert "alpha" in header and meta["format"] == "fastformer-studio-trace" and meta["format_version"] == "1", meta
n, w = len(t["tokens"]), len(t["windows"])
shapes = {"alpha": [2, 2, n], "beta": [2, 2, n], "global_query": [w, 2, 2, t["head_dim"]], "pooling": [n],
          "token_ids": [n], "token_offsets": [n, 2], "owner": [n], "windows": [w, 2], "probabilities": [len(t["labels"])]}
for name, shape in shapes.items():
    assert header[name]["shape"] == shape, (name, header[name])
begin, end = header["alpha"]["data_offsets"]
assert header["alpha"]["dtype"] == "F32" and header["token_ids"]["dtype"] == "I64"
alpha = struct.unpack(f"<{(end - begin) // 4}f", raw[8 + length + begin:8 + length + end])
assert list(alpha) == [x for layer in t["alpha"] for head in layer for x in head]
assert json.loads(meta["token_pieces"]) == [token["piece"] for token in t["tokens"]]
print(f"trace.safetensors: {len(header) - 1} tensors, alpha {header['alpha']['shape']}")
PY

"${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --truncate --out "$work/cut.json" >/dev/null \
  && "$PYTHON" -c 'import json,sys; t=json.load(open(sys.argv[1])); assert t["truncated"] and len(t["tokens"]) == 16' \
       "$work/cut.json" || fail "--truncate"

source "$(dirname "$0")/expect_error.sh"
printf 'PK\003\004\000\000binary' >"$work/binary.txt"
: >"$work/empty.txt"
"${ff[@]}" init --set hidden=16 --set heads=2 --set max_len=8 --vocab-size 20 --out "$work/init" >/dev/null
expect_error binary "binary\.txt: looks binary" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/binary.txt"
expect_error empty "empty\.txt: is empty" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/empty.txt"
expect_error no_checkpoint "config\.json" -- "${ff[@]}" inspect --checkpoint "$work/nope" "$work/doc.txt"
expect_error no_tokenizer "no tokenizer" -- "${ff[@]}" inspect --checkpoint "$work/init" "$work/doc.txt"
expect_error bad_head "head 5 does not exist" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --head 5
expect_error bad_heads "head 2 does not exist" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --heads 2
expect_error bad_layer "layer 2 does not exist" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --layer 2
expect_error bad_shade "shade: 'shade=delta' is not alpha, beta, gamma or normalizer" -- \
  "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --shade delta
expect_error bad_scale "scale: 'scale=log' is not relative, stretched or raw" -- \
  "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --scale log
# A CLI11 parse error: its message and CLI11's "Run with --help" line, exit 108.
if "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --head 1 --heads 0 2>"$work/head_and_heads.err"; then
  fail "--head with --heads was accepted"
else
  grep -q -- "--heads excludes --head" "$work/head_and_heads.err" || fail "head_and_heads: $(cat "$work/head_and_heads.err")"
fi
expect_error no_device "CUDA|cuda:7" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --device cuda:7
expect_error bad_device "unknown device 'gpu'" -- "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --device gpu
expect_error bad_out "out must end in \.json or \.safetensors" -- \
  "${ff[@]}" inspect --checkpoint "$work/run" "$work/doc.txt" --out "$work/trace.txt"
compgen -G "$work/trace.txt*" >/dev/null && fail "bad_out: wrote $(compgen -G "$work/trace.txt*")"

# A Linear Transformer (`--model linear`): trained, inspected, its trace holds n (sums to 1
# over each window) and the report is shaded by it; α is not there to ask for.
"${ff[@]}" train --model linear --data "$data" --set hidden=16 --set heads=2 --set layers=1 --set ffn=32 \
  --set max_len=16 --set batch_size=16 --set epochs=1 --out "$work/linear" >"$work/linear-train.out" 2>&1 \
  || fail "linear training: $(tail -1 "$work/linear-train.out")"
grep -q "^training Linear Transformer (linear attention" "$work/linear-train.out" || fail "linear training banner"
if "${ff[@]}" inspect --checkpoint "$work/linear" "$work/doc.txt" --out "$work/linear.json" --html "$work/linear.html" \
     >"$work/linear.out" 2>&1; then
  grep -q "linear attention" "$work/linear.out" || fail "linear inspect names its attention"
  grep -q "n, layer 0, mean over heads" "$work/linear.html" || fail "linear report not shaded by n"
  "$PYTHON" - "$work/linear.json" <<'PY' || fail "linear.json"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["attention"] == "linear" and "normalizer" in t and not t["alpha"], t.keys()
n, owner = len(t["tokens"]), t["owner"]
for w in range(len(t["windows"])):
    for head in t["normalizer"][0]:
        owned = sum(v for v, o in zip(head, owner) if o == w)
        assert 0 < owned <= 1 + 1e-5, owned
print(f"linear.json: {n} tokens, n of {len(t['normalizer'][0])} heads")
PY
else
  fail "linear inspect exited non-zero: $(tail -1 "$work/linear.out")"
fi
expect_error linear_alpha "this model has no α" -- "${ff[@]}" inspect --checkpoint "$work/linear" "$work/doc.txt" --shade alpha

echo "cli inspect: $failures failures"
exit $((failures > 0))
