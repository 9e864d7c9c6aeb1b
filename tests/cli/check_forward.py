"""Checks a `fastformer forward` output with a safetensors parser written from the format
description (no engine code): the documented tensor names, shapes and attention sums."""
import argparse
import json
import struct
import sys
from array import array


def read_safetensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    header.pop("__metadata__", None)
    data = blob[8 + n :]
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", f"{name}: dtype {entry['dtype']}, expected F32"
        begin, end = entry["data_offsets"]
        values = array("f")
        values.frombytes(data[begin:end])
        tensors[name] = (entry["shape"], values)
    return tensors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("path")
    p.add_argument("--variant", required=True)
    for k in ("batch", "tokens", "hidden", "heads", "layers", "classes"):
        p.add_argument("--" + k, type=int, required=True)
    p.add_argument("--lengths", required=True)
    a = p.parse_args()
    B, T, D, H, L, C = a.batch, a.tokens, a.hidden, a.heads, a.layers, a.classes
    lengths = [int(x) for x in a.lengths.split(",")]
    tensors = read_safetensors(a.path)

    expected = {"logits": [B, C], "pooling": [B, T]}
    for l in range(L + 1):
        expected[f"hidden.{l}"] = [B, T, D]
    for l in range(L):
        if a.variant == "transformer":
            expected[f"attention.{l}"] = [B, H, T, T]
        else:
            expected[f"alpha.{l}"] = [B, H, T]
            expected[f"beta.{l}"] = [B, H, T]
            expected[f"global_query.{l}"] = [B, H, D // H]
            expected[f"global_key.{l}"] = [B, H, D // H]
    errors = []
    if set(tensors) != set(expected):
        errors.append(f"names differ: missing {sorted(set(expected) - set(tensors))}, "
                      f"unexpected {sorted(set(tensors) - set(expected))}")
    for name, shape in expected.items():
        if name in tensors and tensors[name][0] != shape:
            errors.append(f"{name}: shape {tensors[name][0]}, expected {shape}")

    # Pooling and additive weights: sum to 1 over real tokens, exactly 0 on padding.
    def check_rows(name, rows_per_batch):
        _, v = tensors[name]
        for b in range(B):
            for r in range(rows_per_batch):
                row = v[(b * rows_per_batch + r) * T : (b * rows_per_batch + r + 1) * T]
                if abs(sum(row[: lengths[b]]) - 1) > 1e-4 or any(x != 0 for x in row[lengths[b] :]):
                    errors.append(f"{name}[{b},{r}] is not a distribution over the real tokens: {list(row)}")

    if not errors:
        check_rows("pooling", 1)
        for l in range(L):
            if a.variant != "transformer":
                check_rows(f"alpha.{l}", H)
                check_rows(f"beta.{l}", H)
            else:
                check_rows(f"attention.{l}", H * T)  # every query row over the real keys
    for e in errors:
        print("check_forward:", e, file=sys.stderr)
    print(f"check_forward: {len(expected)} tensors checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
