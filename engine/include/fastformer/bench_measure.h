// Times one benchmark point in this process: builds the point's modules and inputs on its
// device and dtype, times warm-up and repeated runs, and records oom/timeout instead of
// failing. run_bench's default runner, and what `fastformer bench point` runs in a child.
#pragma once

#include "fastformer/bench.h"

#include <c10/core/ScalarType.h>

#include <functional>
#include <string>

namespace fastformer {

// `on_ready` is called once the modules and inputs are built and primed, just before the
// first timed (or warm-up) run: the point a child process reads its baseline memory at.
// On CUDA with allocator statistics the point's peak_bytes is measured here; otherwise it
// is left 0 with memory_method "none".
BenchPoint measure_bench_point(const BenchConfig& config, BenchKind kind, std::int64_t n,
                               const std::function<void()>& on_ready = {});

// float32 | float64 | bfloat16 → the scalar type; throws fastformer::Error otherwise.
c10::ScalarType bench_scalar_type(const std::string& dtype);

}  // namespace fastformer
