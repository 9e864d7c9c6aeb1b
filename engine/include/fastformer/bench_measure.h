// Times one benchmark point in this process: builds the point's modules and inputs on its
// device and dtype, times warm-up and repeated runs, and records oom/timeout instead of
// failing. run_bench's default runner, and what `fastformer bench point` runs in a child.
#pragma once

#include "fastformer/bench.h"

#include <c10/core/ScalarType.h>

#include <functional>
#include <string>
#include <vector>

namespace fastformer {

// `on_ready` is called once the modules and inputs are built and primed, just before the
// first timed (or warm-up) run: the point a child process reads its baseline memory at.
// On CUDA with allocator statistics the point's peak_bytes is measured here; otherwise it
// is left 0 with memory_method "none".
BenchPoint measure_bench_point(const BenchConfig& config, BenchKind kind, std::int64_t n,
                               const std::function<void()>& on_ready = {});

// Whether run times have settled: at least 4 runs, and the medians of their earlier and
// later halves (in the order run) within `within` of each other, relative to the earlier.
bool bench_times_stable(const std::vector<double>& times, double within);

// float32 | float64 | bfloat16 → the scalar type; throws fastformer::Error otherwise.
c10::ScalarType bench_scalar_type(const std::string& dtype);

}  // namespace fastformer
