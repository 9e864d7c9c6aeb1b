// Runtime-versus-length benchmark: a grid over attention kind and sequence length at one
// scope (encoder stack, one attention layer, or the additive core alone), forward or whole
// training steps, with per-point statistics, counted work (FLOPs, bytes), peak memory when
// the runner can measure it, `oom`/`timeout` points recorded instead of crashing, and
// CSV/JSON output.
#pragma once

#include "fastformer/model_config.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace fastformer {

struct Roofline;

enum class BenchPass { forward, train_step };
// What a sweep compares: the three token mixers, softmax attention either tiled (an online
// softmax, O(N) memory) or materialised (two (B,H,N,N) tensors per layer). Spelt additive,
// linear, softmax and softmax-materialized in files and on command lines.
enum class BenchKind { additive, linear, softmax, softmax_materialized };
// What one timed run executes:
//   stack: L encoder layers (attention, LayerNorm, FFN) on (B,N,D) input;
//   layer: one attention layer as the PyTorch reference implements it: additive =
//          FastformerAttention::mix (Q/K/V projections, core, Wr, residual +Q, no output
//          projection), softmax = SoftmaxAttention::forward, linear = LinearAttention::forward;
//   core:  additive_core(Q,K,V) on given (B,N,H,Dh) tensors (no projections); additive only.
enum class BenchScope { stack, layer, core };

struct BenchConfig {
  std::vector<BenchKind> kinds{BenchKind::additive, BenchKind::linear, BenchKind::softmax,
                               BenchKind::softmax_materialized};
  std::vector<std::int64_t> lengths{128, 256, 512, 1024, 2048, 4096};
  std::int64_t batch = 1;             // sequences per batch ...
  std::int64_t tokens_per_batch = 0;  // ... or, when > 0, max(1, tokens_per_batch / N) of them
  std::int64_t hidden = 256;          // paper Fig. 2: 2 layers, 16 heads, hidden 256
  std::int64_t heads = 16;
  std::int64_t layers = 2;  // stack scope only
  BenchScope scope = BenchScope::stack;
  std::string dtype = "float32";  // float32 | float64 | bfloat16
  std::string device = "cpu";     // cpu | cuda | cuda:N
  BenchPass pass = BenchPass::forward;
  int warmup = 1;
  int repeats = 5;
  // After `repeats` timed runs, keep timing (up to 4 × repeats, within the point budget)
  // until the point is steady: the median of the later half of the runs within this share
  // of the earlier half's (first runs can still be warming caches, pages and thread pools).
  // 0: exactly `repeats` runs.
  double stable_within = 0.03;
  double point_budget_s = 30.0;  // stop repeating after this; one run longer than it is a timeout
  double total_budget_s = 0.0;   // 0: no limit; later points are then "skipped"
};

// How a point's peak_bytes was measured.
inline constexpr const char* kMemoryNone = "none";                    // not measured (0)
inline constexpr const char* kMemoryChildRss = "child-rss";           // peak RSS of a child process
inline constexpr const char* kMemoryCudaAllocator = "cuda-allocator";  // CUDA caching allocator peak

struct BenchPoint {
  BenchKind kind = BenchKind::additive;
  std::string pass;    // forward | train-step
  std::int64_t n = 0;  // tokens per sequence
  std::int64_t batch = 0;
  std::string status;  // ok | oom | timeout | skipped | n/a | error (| cancelled: never recorded)
  int runs = 0;        // timed runs
  double median_ms = 0, min_ms = 0, p10_ms = 0, p90_ms = 0;
  double tokens_per_s = 0;
  std::string scope = "stack";  // stack | layer | core
  std::string dtype = "float32";
  std::string device = "cpu";
  double flops = 0;  // counted work of one run (bench_work.h)
  double bytes = 0;  // minimum bytes one run moves (bench_work.h)
  double gflops = 0, gbps = 0;  // flops and bytes over the median time
  std::int64_t peak_bytes = 0;  // peak memory growth of one run over the built model and inputs
  double bytes_per_token = 0;   // peak_bytes / (batch · n)
  std::string memory_method = kMemoryNone;
  double roofline_ms = 0;  // flops / peak + bytes / bandwidth, when a roofline was measured
  double of_roofline = 0;  // roofline_ms / median_ms
  bool stable = false;     // the median settled (BenchConfig::stable_within), or runs were fixed
};

// Times one point; the default runs it in this process (bench_measure.h). The CLI plugs in a
// runner that starts a child process per point to measure its peak memory.
using BenchRunner = std::function<BenchPoint(const BenchConfig& config, BenchKind kind, std::int64_t n)>;

// Runs every (kind, length) point in order; `on_point` sees each one as it finishes, with
// work, rates and (given a roofline) its fraction of the roofline filled in. Once `cancel`
// is true no further point starts and the points so far are returned; a point the runner
// gives back as `cancelled` (stopped part-way) is dropped.
std::vector<BenchPoint> run_bench(const BenchConfig& config,
                                  const std::function<void(const BenchPoint&)>& on_point = {},
                                  const BenchRunner& runner = {}, const Roofline* roofline = nullptr,
                                  const std::atomic<bool>* cancel = nullptr);

// Throws fastformer::Error naming the first bad setting. With `check_device` false a
// well-formed device this machine lacks is accepted (a sweep saved on another machine).
void validate(const BenchConfig& config, bool check_device = true);
// Sequences per batch at length n.
std::int64_t bench_batch(const BenchConfig& config, std::int64_t n);
// The model settings a point builds: paper preset, no dropout, separate layers; the layer
// scope has its own V projection (share_qv off) as the reference layer does.
ModelConfig bench_model_config(const BenchConfig& config, BenchKind kind, std::int64_t n);
// A point with its identity filled in and no measurement yet.
BenchPoint bench_point_header(const BenchConfig& config, BenchKind kind, std::int64_t n);

// The sweep settings as the "config" object of bench_json (total_budget_s only when set),
// and back: missing keys keep their defaults; unknown keys and bad values throw
// fastformer::Error naming the key (validate without the device check).
nlohmann::json to_json(const BenchConfig& config);
BenchConfig bench_config_from_json(const nlohmann::json& j);

// CSV with a header row (kind spelt as to_string(BenchKind)); JSON {"config", "machine", "memory_method", "roofline", "points"}.
std::string bench_csv(const std::vector<BenchPoint>& points);
std::vector<BenchPoint> parse_bench_csv(const std::string& text);
nlohmann::json bench_json(const BenchConfig& config, const std::vector<BenchPoint>& points,
                          const Roofline* roofline = nullptr);
nlohmann::json to_json(const BenchPoint& point);
BenchPoint bench_point_from_json(const nlohmann::json& j);

std::string to_string(BenchKind kind);
// Each kind's name, in declaration order, and the kind called `name` (fastformer::Error at
// `where` for any other name).
const std::array<std::pair<const char*, BenchKind>, 4>& bench_kind_names();
BenchKind parse_bench_kind(const std::string& name, const std::string& where = "--kinds");
// The model a kind builds: its token mixer and, for softmax, how it is computed.
AttentionKind attention_of(BenchKind kind);
SoftmaxImpl softmax_impl_of(BenchKind kind);
std::string to_string(BenchPass pass);
std::string to_string(BenchScope scope);
BenchPass parse_bench_pass(const std::string& name);
BenchScope parse_bench_scope(const std::string& name);

}  // namespace fastformer
