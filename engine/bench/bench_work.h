// Counted work of one benchmark run: floating-point operations and the minimum bytes moved,
// from the configuration alone, to turn times into GFLOP/s and GB/s and to place a point
// under the machine's roofline.
#pragma once

#include "fastformer/bench.h"

#include <cstdint>
#include <string>

namespace fastformer {

struct BenchWork {
  double flops = 0;  // floating-point operations (a multiply-add is 2)
  double bytes = 0;  // minimum bytes read and written, each operation's operands once
};

// Bytes per element of "float32" | "float64" | "bfloat16"; throws fastformer::Error otherwise.
int dtype_bytes(const std::string& dtype);

// Work of one timed run at length n with `batch` sequences (forward, or forward + backward
// (+ AdamW step for the stack and layer scopes) for train-step). Zero for softmax at the
// core scope, which is not run.
BenchWork bench_work(const BenchConfig& config, BenchKind kind, std::int64_t n, std::int64_t batch);

}  // namespace fastformer
