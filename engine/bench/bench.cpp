// The length sweep: validates the grid, runs each point through the runner (this process
// by default), and fills in each point's counted work, rates and roofline fraction.
#include "fastformer/bench.h"

#include "fastformer/bench_measure.h"
#include "bench/bench_work.h"
#include "fastformer/error.h"
#include "fastformer/roofline.h"
#include "fastformer/runtime.h"

#include <algorithm>
#include <chrono>

namespace fastformer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Work, rates and memory per token of a measured point.
void annotate(BenchPoint& p, const BenchConfig& b, BenchKind kind, const Roofline* roofline) {
  const BenchWork work = bench_work(b, kind, p.n, p.batch);
  p.flops = work.flops;
  p.bytes = work.bytes;
  if (p.status != "ok" || p.median_ms <= 0) return;
  const double seconds = p.median_ms / 1e3;
  p.gflops = p.flops / seconds / 1e9;
  p.gbps = p.bytes / seconds / 1e9;
  p.bytes_per_token = static_cast<double>(p.peak_bytes) / static_cast<double>(p.batch * p.n);
  if (roofline != nullptr) {
    p.roofline_ms = roofline_ms(*roofline, p.flops, p.bytes);
    p.of_roofline = p.roofline_ms / p.median_ms;
  }
}

// cpu | cuda | cuda:N, whether or not this machine has it.
bool well_formed_device(const std::string& name) {
  if (name == "cpu" || name == "cuda") return true;
  const std::string prefix = "cuda:";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::array<std::pair<const char*, BenchKind>, 4> kKindNames{
    {{"additive", BenchKind::additive},
     {"linear", BenchKind::linear},
     {"softmax", BenchKind::softmax},
     {"softmax-materialized", BenchKind::softmax_materialized}}};

}  // namespace

std::string to_string(BenchKind kind) {
  for (const auto& [name, k] : kKindNames) {
    if (k == kind) return name;
  }
  return "additive";
}

const std::array<std::pair<const char*, BenchKind>, 4>& bench_kind_names() { return kKindNames; }

BenchKind parse_bench_kind(const std::string& name, const std::string& where) {
  std::string allowed;
  for (const auto& [text, kind] : kKindNames) {
    if (name == text) return kind;
    allowed += (allowed.empty() ? "" : ", ") + std::string(text);
  }
  throw Error("unknown attention kind '" + name + "'", where, "use " + allowed);
}

AttentionKind attention_of(BenchKind kind) {
  switch (kind) {
    case BenchKind::additive: return AttentionKind::additive;
    case BenchKind::linear: return AttentionKind::linear;
    case BenchKind::softmax:
    case BenchKind::softmax_materialized: return AttentionKind::softmax;
  }
  return AttentionKind::additive;
}

SoftmaxImpl softmax_impl_of(BenchKind kind) {
  return kind == BenchKind::softmax_materialized ? SoftmaxImpl::materialized : SoftmaxImpl::tiled;
}

std::string to_string(BenchPass pass) { return pass == BenchPass::forward ? "forward" : "train-step"; }

std::string to_string(BenchScope scope) {
  switch (scope) {
    case BenchScope::stack: return "stack";
    case BenchScope::layer: return "layer";
    case BenchScope::core: return "core";
  }
  return "stack";
}

BenchPass parse_bench_pass(const std::string& name) {
  if (name == "forward") return BenchPass::forward;
  if (name == "train-step") return BenchPass::train_step;
  throw Error("unknown pass '" + name + "'", "--pass", "use forward or train-step");
}

BenchScope parse_bench_scope(const std::string& name) {
  if (name == "stack") return BenchScope::stack;
  if (name == "layer") return BenchScope::layer;
  if (name == "core") return BenchScope::core;
  throw Error("unknown scope '" + name + "'", "--scope", "use stack, layer or core");
}

void validate(const BenchConfig& b, bool check_device) {
  if (b.repeats < 1 || b.warmup < 0) throw Error("repeats must be positive and warm-up not negative", "bench");
  if (!(b.stable_within >= 0 && b.stable_within < 1)) throw Error("stable_within must be in [0, 1)", "bench");
  if (b.hidden < 1 || b.heads < 1 || b.hidden % b.heads != 0) {
    throw Error("hidden is not divisible by heads", "bench");
  }
  if (b.layers < 1) throw Error("layers must be positive", "bench");
  if (b.batch < 1 && b.tokens_per_batch <= 0) throw Error("batch must be positive", "bench");
  for (const std::int64_t n : b.lengths) {
    if (n < 1) throw Error("sequence lengths must be positive", "bench");
  }
  if (b.kinds.empty()) {
    throw Error("no attention kind to run", "bench", "use additive, linear, softmax or softmax-materialized");
  }
  if (b.lengths.empty()) throw Error("no sequence length to run", "bench");
  if (!(b.point_budget_s >= 0) || !(b.total_budget_s >= 0)) throw Error("budgets must not be negative", "bench");
  dtype_bytes(b.dtype);  // throws for an unknown dtype
  if (check_device) {
    parse_device(b.device);  // throws for an unknown or absent device
  } else if (!well_formed_device(b.device)) {
    throw Error("unknown device '" + b.device + "'", "bench", "use cpu, cuda or cuda:N");
  }
}

std::int64_t bench_batch(const BenchConfig& b, std::int64_t n) {
  return b.tokens_per_batch > 0 ? std::max<std::int64_t>(1, b.tokens_per_batch / n) : b.batch;
}

ModelConfig bench_model_config(const BenchConfig& b, BenchKind kind, std::int64_t n) {
  ModelConfig c = preset("paper");
  c.attention = attention_of(kind);
  c.hidden = b.hidden;
  c.heads = b.heads;
  c.ffn = b.hidden;
  c.layers = b.scope == BenchScope::stack ? b.layers : 1;
  c.share_layers = false;
  c.share_qv = b.scope == BenchScope::stack;  // the reference layer has its own W_v
  c.dropout = 0.0;
  c.max_len = n;
  c.softmax_impl = softmax_impl_of(kind);
  return c;
}

BenchPoint bench_point_header(const BenchConfig& b, BenchKind kind, std::int64_t n) {
  BenchPoint p;
  p.kind = kind;
  p.pass = to_string(b.pass);
  p.n = n;
  p.batch = bench_batch(b, n);
  p.scope = to_string(b.scope);
  p.dtype = b.dtype;
  p.device = b.device;
  return p;
}

std::vector<BenchPoint> run_bench(const BenchConfig& b, const std::function<void(const BenchPoint&)>& on_point,
                                  const BenchRunner& runner, const Roofline* roofline, const std::atomic<bool>* cancel) {
  validate(b);
  std::vector<BenchPoint> points;
  const auto start = Clock::now();
  const auto cancelled = [cancel] { return cancel != nullptr && cancel->load(); };
  for (const BenchKind kind : b.kinds) {
    for (const std::int64_t n : b.lengths) {
      if (cancelled()) return points;
      BenchPoint point;
      if (b.scope == BenchScope::core && kind != BenchKind::additive) {
        point = bench_point_header(b, kind, n);
        point.status = "n/a";  // nothing to run: no child is started for it either
      } else if (b.total_budget_s > 0 && !points.empty() && seconds_since(start) > b.total_budget_s) {
        point = bench_point_header(b, kind, n);
        point.status = "skipped";
      } else {
        point = runner ? runner(b, kind, n) : measure_bench_point(b, kind, n);
        if (point.status == "cancelled") return points;
      }
      annotate(point, b, kind, roofline);
      points.push_back(point);
      if (on_point) on_point(point);
    }
  }
  return points;
}

}  // namespace fastformer
