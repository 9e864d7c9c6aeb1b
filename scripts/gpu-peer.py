#!/usr/bin/env python3
"""The PyTorch eager reference (peer_bench.py's Fastformer layer and additive core, written
from the paper's equations) and PyTorch's fused softmax attention
(torch.nn.functional.scaled_dot_product_attention: FlashAttention on Hopper) timed on a CUDA
device with CUDA events, for the same shapes as the engine's GPU sweep. One CSV row per
point: method, pass, B, N, D, H, dtype, median ms, peak MiB (or oom).

    python3 scripts/gpu-peer.py --peer .gpu-deps/peer --csv out.csv [--lengths 1024,...]
"""
import argparse
import csv
import statistics
import sys


def time_ms(fn, warmup, repeats, torch):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, help="folder holding peer_bench.py")
    ap.add_argument("--csv", required=True)
    ap.add_argument("--lengths", default="1024,4096,16384,65536")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--shapes", default="256x16,768x12", help="DxH pairs")
    ap.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()

    import torch
    import torch.nn.functional as F

    sys.path.insert(0, args.peer)
    import peer_bench  # noqa: E402  (the reference, unchanged)

    if not torch.cuda.is_available():
        print("gpu-peer: no CUDA device", file=sys.stderr)
        return 1
    dev, dtype = torch.device("cuda"), getattr(torch, args.dtype)
    rows = []
    for shape in args.shapes.split(","):
        d, h = map(int, shape.split("x"))
        dh = d // h
        for n in map(int, args.lengths.split(",")):
            b = args.batch
            for method in ("fastformer", "fastformer_core", "sdpa"):
                for mode in ("fwd", "fwdbwd"):
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
                    try:
                        if method == "sdpa":  # (B,H,N,Dh) q, k, v: the attention alone, no projections
                            qkv = torch.randn(3, b, h, n, dh, device=dev, dtype=dtype, requires_grad=(mode == "fwdbwd"))

                            def run():
                                return F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
                        else:
                            model = peer_bench.build(method, d, h).to(dev, dtype)
                            width = 3 * d if method == "fastformer_core" else d
                            x = torch.randn(b, n, width, device=dev, dtype=dtype, requires_grad=(mode == "fwdbwd"))

                            def run(model=model, x=x):
                                return model(x)
                        if mode == "fwd":
                            def step():
                                with torch.no_grad():
                                    run()
                        else:
                            def step():
                                run().float().sum().backward()
                        ms = time_ms(step, args.warmup, args.repeats, torch)
                        peak = torch.cuda.max_memory_allocated() / 2**20
                        rows.append([method, mode, b, n, d, h, args.dtype, f"{ms:.4f}", f"{peak:.1f}"])
                    except torch.cuda.OutOfMemoryError:
                        rows.append([method, mode, b, n, d, h, args.dtype, "oom", ""])
                    print(",".join(map(str, rows[-1])), flush=True)
    with open(args.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "pass", "batch", "n", "hidden", "heads", "dtype", "ms", "peak_mib"])
        w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
