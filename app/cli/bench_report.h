// What `bench sweep` prints: a line per point, the roofline, and after the sweep the
// log–log slopes, the crossover length and the memory per token of each kind.
#pragma once

#include "fastformer/bench.h"
#include "fastformer/roofline.h"

#include <vector>

namespace fastformer::cli {

void print_roofline(const Roofline& roofline);
// Time statistics, tokens/s, memory (MiB, when measured), GFLOP/s and the fraction of the
// roofline (when one was measured).
void print_point(const BenchPoint& point, bool with_roofline);
// Slopes over N >= fit_from per kind, and where additive becomes faster.
void print_scaling(const std::vector<BenchPoint>& points, double fit_from);
// Bytes per token over N for each kind; for additive whether it stays constant
// (max/min over N >= 1024).
void print_memory_per_token(const std::vector<BenchPoint>& points);

}  // namespace fastformer::cli
