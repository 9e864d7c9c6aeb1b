#!/usr/bin/env python3
"""Writes the `fastformer import` test fixture: a small seeded model of the authors' notebook.

    python3 tests/import/make_fixture.py [--out DIR] [--check]

The model is notebook_model.Model (the published Fastformer.ipynb of wuch15/Fastformer,
module for module), with hidden 32, 4 heads, 2 layers, intermediate 48, 40 positions and 3
classes, and a word_dict built the notebook's way from the small corpus below. Every
parameter is drawn from a seeded generator (LayerNorm weights in 1 +- 0.3, biases in
+-0.2, everything else normal with std 0.3, the padding row of word_embedding included),
so that any mistake in mapping a tensor changes the logits.

Files written into DIR (default: tests/import/fixture/ next to this script):
  state_dict.pt          torch.save(model.state_dict()): the zip format, an OrderedDict
                         with _metadata -- what a notebook user has
  state_dict.safetensors the same tensors, written by hand (float32, little-endian)
  pickled_model.pt       torch.save(model) of a whole Model (a tiny one: hidden 8, one
                         layer), its classes pickled as __main__.X as from a notebook:
                         the case the importer must refuse
  word_dict.json         word -> id, UTF-8
  vocab.txt              one word a line, line 1 = id 0 (PADDING)
  fastformer.json        the config, keys as in the notebook's fastformer.json
  reference.json         texts, their ids and the logits PyTorch gives

Tokenisation as in the notebook (wordpunct_tokenize(text.lower())). The notebook has no
unknown-word id: our convention is that words missing from word_dict are LEFT OUT
(dropped) before the text is cut to max_position_embeddings ids. The reference logits
are those of the ids padded with 0 to max_position_embeddings, as the notebook feeds its
model; the script checks that the unpadded ids give the same logits (float32: to 1e-5,
as sums over 40 positions round differently from sums over T; float64: to 1e-12).

--check regenerates into a temporary directory and compares with the files in DIR;
exit status 1 and a list of the differences when they do not match.
"""

import argparse
import collections
import copy
import json
import os
import struct
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notebook_model as nm  # noqa: E402

SEED = 20240611
NUM_CLASSES = 3
# Padding with 0 adds terms that are exactly zero (exp(-10000) underflows to 0 in the
# softmaxes; the pooling multiplies by the 0 mask), but sums over 40 positions are
# grouped differently from sums over T, so float32 logits move by a few ulps (up to
# ~2e-6 absolute on logits of size ~1 here). float64 shows the masking is exact.
PAD_TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}

# The notebook's fastformer.json, with our small model's sizes. The notebook's
# vocab_size (100000) is never read -- its word embedding has len(word_dict) rows -- so
# here it is simply len(word_dict). The notebook's file has "enable_fp16": "False" (a
# string); here it is the JSON false.
def make_config(vocab_size):
    return collections.OrderedDict([
        ("hidden_size", 32),
        ("hidden_dropout_prob", 0.2),
        ("num_hidden_layers", 2),
        ("hidden_act", "gelu"),
        ("num_attention_heads", 4),
        ("intermediate_size", 48),
        ("max_position_embeddings", 40),
        ("type_vocab_size", 2),
        ("vocab_size", vocab_size),
        ("layer_norm_eps", 1e-12),
        ("initializer_range", 0.02),
        ("pooler_type", "weightpooler"),
        ("enable_fp16", False),
    ])


# word_dict is built from these, in this order (64 words + PADDING).
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Wow!!! The movie was great ... :-)",
    "Item_42 costs 3 dollars, not 42!",
    "A caf\u00e9 in Athens says \u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 to every visitor.",
    "This product is bad and I want my money back.",
    "Good news: the team won again, and fans sang all night.",
    "Stocks fell as oil prices rose; markets hope for a rebound.",
]

REFERENCE_TEXTS = [
    # plain
    "the quick brown fox jumps over the lazy dog",
    # mixed case
    "The Movie Was GREAT and the Team WON Again",
    # punctuation runs; "!!!..." is one token, not in word_dict, so dropped
    "Wow!!! ... :-) the movie was great!!!...",
    # digits and underscores; tab and newline between words
    "item_42 costs 3 dollars, not 42!\tItem_42\nagain.",
    # non-ASCII: precomposed e-acute (U+00E9), a Greek word with a tonos (U+03AD)
    "Caf\u00e9 in Athens: \u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1, visitor!",
    # unknown words (zebra, quickly, xylophones, fox42, cafés) are dropped
    "The zebra quickly jumps over xylophones and fox42 in caf\u00e9s",
    # more than 40 known tokens: cut to the first 40
    "Stocks fell as oil prices rose; markets hope for a rebound. Good news: the team won "
    "again, and fans sang all night. The quick brown fox jumps over the lazy dog. This "
    "product is bad and I want my money back.",
    # one word
    "good",
    # trailing punctuation runs, upper case
    "I want my money back... this product is BAD!!!",
]


def draw_parameters(model, seed):
    """Overwrites every parameter, in state_dict order, from one seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name and name.endswith(".weight"):
                p.copy_(0.7 + 0.6 * torch.rand(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(-0.2 + 0.4 * torch.rand(p.shape, generator=gen))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def build_model(seed):
    torch.manual_seed(seed)
    word_dict = nm.build_word_dict(CORPUS)
    config_dict = make_config(len(word_dict))
    config = nm.FastformerConfig(**config_dict)
    model = nm.Model(config, len(word_dict), NUM_CLASSES)
    draw_parameters(model, seed)
    model.eval()
    return model, word_dict, config_dict


def build_pickled_model(seed):
    """A whole tiny Model for pickled_model.pt (only its being pickled matters)."""
    torch.manual_seed(seed)
    config = nm.FastformerConfig(**dict(make_config(4), hidden_size=8, num_attention_heads=2,
                                        num_hidden_layers=1, intermediate_size=8,
                                        max_position_embeddings=4))
    model = nm.Model(config, 4, NUM_CLASSES)
    draw_parameters(model, seed + 1)
    model.eval()
    return model


class notebook_main:
    """Makes the notebook classes pickle as `__main__.X`, as they do from a notebook."""

    CLASSES = [cls for cls in vars(nm).values()
               if isinstance(cls, type) and cls.__module__ == nm.__name__]

    def __enter__(self):
        main = sys.modules["__main__"]
        self.saved = [(cls, cls.__module__, getattr(main, cls.__name__, None)) for cls in self.CLASSES]
        for cls in self.CLASSES:
            cls.__module__ = "__main__"
            setattr(main, cls.__name__, cls)

    def __exit__(self, *exc):
        main = sys.modules["__main__"]
        for cls, module, previous in self.saved:
            cls.__module__ = module
            if previous is None:
                delattr(main, cls.__name__)
            else:
                setattr(main, cls.__name__, previous)


def logits_of(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids], dtype=torch.long))[0]


def write_safetensors(state_dict, path):
    """safetensors by hand: u64 LE header length, JSON header, raw little-endian data."""
    header = collections.OrderedDict([("__metadata__", {"format": "pt"})])
    chunks = []
    offset = 0
    for name, tensor in state_dict.items():
        t = tensor.detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces to 8 bytes, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def write_json(obj, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def generate(out, verbose=True):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    model, word_dict, config_dict = build_model(SEED)
    max_len = config_dict["max_position_embeddings"]
    model64 = copy.deepcopy(model).double()

    texts = []
    worst = {torch.float32: 0.0, torch.float64: 0.0}
    for text in REFERENCE_TEXTS:
        ids = nm.encode(text, word_dict, max_len)
        padded = nm.pad(ids, max_len)
        logits = {}
        for m in (model, model64):
            dtype = next(m.parameters()).dtype
            logits[dtype] = logits_of(m, padded)
            diff = (logits[dtype] - logits_of(m, ids)).abs().max().item()
            worst[dtype] = max(worst[dtype], diff)
            if diff > PAD_TOLERANCE[dtype]:
                raise SystemExit(f"{dtype}: padded and unpadded logits differ by {diff:g} for {text!r}")
        texts.append(collections.OrderedDict([
            ("text", text),
            ("tokens", nm.tokenize(text)),
            ("ids", ids),
            ("logits", [float(x) for x in logits[torch.float32]]),
            ("logits_float64", [float(x) for x in logits[torch.float64]]),
        ]))
    if verbose:
        for dtype, diff in worst.items():
            print(f"padded vs unpadded {str(dtype)[6:]} logits: max |diff| = {diff:.3g} "
                  f"(<= {PAD_TOLERANCE[dtype]:g})")

    state_dict = model.state_dict()
    torch.save(state_dict, os.path.join(out, "state_dict.pt"))
    write_safetensors(state_dict, os.path.join(out, "state_dict.safetensors"))
    with notebook_main():
        torch.save(build_pickled_model(SEED), os.path.join(out, "pickled_model.pt"))
    write_json(word_dict, os.path.join(out, "word_dict.json"))
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        for word in word_dict:  # insertion order is id order
            f.write(word + "\n")
    write_json(config_dict, os.path.join(out, "fastformer.json"))
    write_json(collections.OrderedDict([
        ("torch_version", torch.__version__),
        ("seed", SEED),
        ("num_classes", NUM_CLASSES),
        ("padded_length", max_len),
        ("texts", texts),
    ]), os.path.join(out, "reference.json"))

    if verbose:
        print(f"wrote {out}")
        for name in sorted(os.listdir(out)):
            print(f"  {name:24s} {os.path.getsize(os.path.join(out, name)):7d} bytes")
        print(f"state_dict ({len(state_dict)} tensors, "
              f"{sum(t.numel() for t in state_dict.values())} floats):")
        for name, t in state_dict.items():
            print(f"  {name:60s} {list(t.shape)}")
        print("reference texts:")
        for entry in texts:
            print(f"  {entry['text']!r}\n    ids {entry['ids']}\n    logits {entry['logits']}")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=collections.OrderedDict)


def compare_state_dicts(a, b, label, problems):
    if list(a.keys()) != list(b.keys()):
        problems.append(f"{label}: keys or their order differ")
        return
    for name in a:
        if a[name].dtype != b[name].dtype or a[name].shape != b[name].shape or not torch.equal(a[name], b[name]):
            problems.append(f"{label}: tensor {name} differs")
    if getattr(a, "_metadata", None) != getattr(b, "_metadata", None):
        problems.append(f"{label}: _metadata differs")


def check(committed):
    problems, notes = [], []
    with tempfile.TemporaryDirectory() as fresh:
        generate(fresh, verbose=False)
        for name in sorted(set(os.listdir(fresh)) | set(os.listdir(committed))):
            if not os.path.exists(os.path.join(committed, name)):
                problems.append(f"{name}: missing from {committed}")
            elif not os.path.exists(os.path.join(fresh, name)):
                problems.append(f"{name}: not written by this script")
        if problems:
            return problems, notes
        c = lambda name: os.path.join(committed, name)  # noqa: E731
        f = lambda name: os.path.join(fresh, name)  # noqa: E731

        for name in ("word_dict.json", "fastformer.json"):
            if read_json(c(name)) != read_json(f(name)):
                problems.append(f"{name}: differs")
        ref_c, ref_f = read_json(c("reference.json")), read_json(f("reference.json"))
        if ref_c.get("torch_version") != ref_f.get("torch_version"):
            notes.append(f"reference.json: made with torch {ref_c.get('torch_version')}, "
                         f"this is {ref_f.get('torch_version')}")
        ref_c.pop("torch_version", None)
        ref_f.pop("torch_version", None)
        if ref_c != ref_f:
            tc, tf = ref_c.get("texts", []), ref_f.get("texts", [])
            for i, (a, b) in enumerate(zip(tc, tf)):
                for key in sorted(set(a) | set(b)):
                    if a.get(key) != b.get(key):
                        extra = ""
                        if key.startswith("logits") and len(a.get(key, [])) == len(b.get(key, [])):
                            extra = " (max |diff| %.3g)" % max(abs(x - y) for x, y in zip(a[key], b[key]))
                        problems.append(f"reference.json: text {i} {key} differs{extra}")
            if len(tc) != len(tf) or {k: v for k, v in ref_c.items() if k != "texts"} != \
                    {k: v for k, v in ref_f.items() if k != "texts"}:
                problems.append("reference.json: differs outside the texts' entries")
        if read_bytes(c("vocab.txt")) != read_bytes(f("vocab.txt")):
            problems.append("vocab.txt: differs")
        if read_bytes(c("state_dict.safetensors")) != read_bytes(f("state_dict.safetensors")):
            problems.append("state_dict.safetensors: bytes differ")

        compare_state_dicts(torch.load(c("state_dict.pt")), torch.load(f("state_dict.pt")),
                            "state_dict.pt", problems)
        with notebook_main():
            compare_state_dicts(torch.load(c("pickled_model.pt")).state_dict(),
                                torch.load(f("pickled_model.pt")).state_dict(), "pickled_model.pt", problems)
        for name in ("state_dict.pt", "pickled_model.pt"):
            same = read_bytes(c(name)) == read_bytes(f(name))
            notes.append(f"{name}: bytes {'identical' if same else 'differ (content equal)'}")
    return problems, notes


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(here, "fixture"), help="fixture directory")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary directory and compare with --out")
    args = parser.parse_args()
    if not args.check:
        generate(args.out)
        return 0
    problems, notes = check(args.out)
    for note in notes:
        print(f"note: {note}")
    if problems:
        for problem in problems:
            print(f"DIFFERS: {problem}")
        return 1
    print("fixture reproduced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
