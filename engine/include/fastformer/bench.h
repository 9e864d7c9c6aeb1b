// Runtime-versus-length benchmark of the encoder stack: a grid over attention kind and
// sequence length, forward or whole training steps, with per-point statistics, `oom` and
// `timeout` points recorded instead of crashing, and CSV/JSON output.
#pragma once

#include "fastformer/model_config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fastformer {

enum class BenchPass { forward, train_step };

struct BenchConfig {
  std::vector<AttentionKind> kinds{AttentionKind::additive, AttentionKind::softmax};
  std::vector<std::int64_t> lengths{128, 256, 512, 1024, 2048, 4096};
  std::int64_t batch = 1;             // sequences per batch ...
  std::int64_t tokens_per_batch = 0;  // ... or, when > 0, max(1, tokens_per_batch / N) of them
  std::int64_t hidden = 256;          // paper Fig. 2: 2 layers, 16 heads, hidden 256
  std::int64_t heads = 16;
  std::int64_t layers = 2;
  BenchPass pass = BenchPass::forward;
  int warmup = 1;
  int repeats = 5;
  double point_budget_s = 30.0;  // stop repeating after this; one run longer than it is a timeout
  double total_budget_s = 0.0;   // 0: no limit; later points are then "skipped"
};

struct BenchPoint {
  std::string kind;    // additive | softmax
  std::string pass;    // forward | train-step
  std::int64_t n = 0;  // tokens per sequence
  std::int64_t batch = 0;
  std::string status;  // ok | oom | timeout | skipped
  int runs = 0;        // timed runs
  double median_ms = 0, min_ms = 0, p10_ms = 0, p90_ms = 0;
  double tokens_per_s = 0;
};

// Runs every (kind, length) point in order; `on_point` sees each one as it finishes.
std::vector<BenchPoint> run_bench(const BenchConfig& config,
                                  const std::function<void(const BenchPoint&)>& on_point = {});

// CSV with a header row; JSON {"config": …, "machine": …, "points": […]}.
std::string bench_csv(const std::vector<BenchPoint>& points);
std::vector<BenchPoint> parse_bench_csv(const std::string& text);
nlohmann::json bench_json(const BenchConfig& config, const std::vector<BenchPoint>& points);

std::string to_string(BenchPass pass);

}  // namespace fastformer
