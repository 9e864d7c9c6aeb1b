// The length sweep: builds the encoder stack per point, times forward passes or training
// steps, and records oom/timeout points instead of failing.
#include "fastformer/bench.h"

#include "fastformer/encoder_layer.h"
#include "fastformer/error.h"
#include "fastformer/memory_estimate.h"
#include "fastformer/runtime.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

namespace fastformer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

ModelConfig stack_config(const BenchConfig& b, AttentionKind kind, std::int64_t n) {
  ModelConfig c = preset("paper");
  c.attention = kind;
  c.hidden = b.hidden;
  c.heads = b.heads;
  c.ffn = b.hidden;
  c.layers = b.layers;
  c.share_layers = false;
  c.dropout = 0.0;
  c.max_len = n;
  return c;
}

BenchPoint measure(const BenchConfig& b, AttentionKind kind, std::int64_t n) {
  BenchPoint point{to_string(kind), to_string(b.pass), n,
                   b.tokens_per_batch > 0 ? std::max<std::int64_t>(1, b.tokens_per_batch / n) : b.batch};
  const ModelConfig c = stack_config(b, kind, n);
  const bool training = b.pass == BenchPass::train_step;
  const std::int64_t free = available_memory_bytes();
  if (free > 0 && estimate_activation_bytes(c, point.batch, n, training) > free) {
    point.status = "oom";
    return point;
  }
  torch::manual_seed(1);
  std::vector<EncoderLayer> layers;
  std::vector<torch::Tensor> parameters;
  for (std::int64_t l = 0; l < c.layers; ++l) {
    layers.emplace_back(c);
    layers.back()->train(training);
    for (auto& p : layers.back()->parameters()) parameters.push_back(p);
  }
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(1e-4));
  std::vector<double> times;
  try {
    const torch::Tensor x = torch::randn({point.batch, n, c.hidden});      // (B,N,D)
    const torch::Tensor mask = torch::ones({point.batch, n}, torch::kBool);  // (B,N)
    const auto once = [&] {
      torch::Tensor h = x;
      if (!training) {
        torch::NoGradGuard no_grad;
        for (auto& layer : layers) h = layer->forward(h, mask);
        return;
      }
      for (auto& layer : layers) h = layer->forward(h, mask);
      optimizer.zero_grad();
      h.sum().backward();
      optimizer.step();
    };
    const auto point_start = Clock::now();
    for (int i = 0; i < b.warmup + b.repeats; ++i) {
      const auto start = Clock::now();
      once();
      const double s = seconds_since(start);
      if (s > b.point_budget_s) {
        point.status = "timeout";
        return point;
      }
      if (i >= b.warmup) times.push_back(s);
      if (seconds_since(point_start) > b.point_budget_s && !times.empty()) break;
    }
  } catch (const std::bad_alloc&) {
    point.status = "oom";
    return point;
  } catch (const c10::Error& e) {
    if (std::string(e.what()).find("out of memory") == std::string::npos) throw;
    point.status = "oom";
    return point;
  }
  std::sort(times.begin(), times.end());
  point.status = "ok";
  point.runs = static_cast<int>(times.size());
  point.median_ms = 1e3 * percentile(times, 50);
  point.min_ms = 1e3 * times.front();
  point.p10_ms = 1e3 * percentile(times, 10);
  point.p90_ms = 1e3 * percentile(times, 90);
  point.tokens_per_s = static_cast<double>(point.batch * n) / (point.median_ms / 1e3);
  return point;
}

}  // namespace

std::string to_string(BenchPass pass) { return pass == BenchPass::forward ? "forward" : "train-step"; }

std::vector<BenchPoint> run_bench(const BenchConfig& b, const std::function<void(const BenchPoint&)>& on_point) {
  if (b.repeats < 1 || b.warmup < 0) throw Error("repeats must be positive and warm-up not negative", "bench");
  if (b.hidden % b.heads != 0) throw Error("hidden is not divisible by heads", "bench");
  std::vector<BenchPoint> points;
  const auto start = Clock::now();
  for (const AttentionKind kind : b.kinds) {
    for (const std::int64_t n : b.lengths) {
      if (n < 1) throw Error("sequence lengths must be positive", "bench");
      BenchPoint point;
      if (b.total_budget_s > 0 && !points.empty() && seconds_since(start) > b.total_budget_s) {
        point = {to_string(kind), to_string(b.pass), n, b.batch, "skipped"};
      } else {
        point = measure(b, kind, n);
      }
      points.push_back(point);
      if (on_point) on_point(point);
    }
  }
  return points;
}

std::string bench_csv(const std::vector<BenchPoint>& points) {
  std::ostringstream out;
  out << "kind,pass,n,batch,status,runs,median_ms,min_ms,p10_ms,p90_ms,tokens_per_s\n";
  out.precision(9);
  for (const auto& p : points) {
    out << p.kind << ',' << p.pass << ',' << p.n << ',' << p.batch << ',' << p.status << ',' << p.runs << ','
        << p.median_ms << ',' << p.min_ms << ',' << p.p10_ms << ',' << p.p90_ms << ',' << p.tokens_per_s << '\n';
  }
  return out.str();
}

std::vector<BenchPoint> parse_bench_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  if (line.rfind("kind,pass,n,batch,status", 0) != 0) throw Error("not a benchmark CSV (header)", "bench CSV");
  std::vector<BenchPoint> points;
  for (int number = 2; std::getline(in, line); ++number) {
    std::istringstream row(line);
    std::vector<std::string> f;
    for (std::string field; std::getline(row, field, ',');) f.push_back(field);
    if (f.size() != 11) throw Error("expected 11 fields", "bench CSV:" + std::to_string(number));
    BenchPoint p{f[0], f[1], std::stoll(f[2]), std::stoll(f[3]), f[4], std::stoi(f[5]),
                 std::stod(f[6]), std::stod(f[7]), std::stod(f[8]), std::stod(f[9]), std::stod(f[10])};
    points.push_back(p);
  }
  return points;
}

nlohmann::json bench_json(const BenchConfig& b, const std::vector<BenchPoint>& points) {
  const RuntimeInfo info = runtime_info();
  nlohmann::json out;
  std::vector<std::string> kinds;
  for (const auto k : b.kinds) kinds.push_back(to_string(k));
  out["config"] = {{"kinds", kinds}, {"lengths", b.lengths}, {"batch", b.batch},
                   {"tokens_per_batch", b.tokens_per_batch}, {"hidden", b.hidden}, {"heads", b.heads},
                   {"layers", b.layers}, {"pass", to_string(b.pass)}, {"warmup", b.warmup},
                   {"repeats", b.repeats}, {"point_budget_s", b.point_budget_s}, {"device", "cpu"}};
  out["machine"] = {{"version", info.version}, {"torch", info.torch_version}, {"threads", info.threads},
                    {"blas", info.blas}};
  out["points"] = nlohmann::json::array();
  for (const auto& p : points) {
    out["points"].push_back({{"kind", p.kind}, {"pass", p.pass}, {"n", p.n}, {"batch", p.batch},
                             {"status", p.status}, {"runs", p.runs}, {"median_ms", p.median_ms},
                             {"min_ms", p.min_ms}, {"p10_ms", p.p10_ms}, {"p90_ms", p.p90_ms},
                             {"tokens_per_s", p.tokens_per_s}});
  }
  return out;
}

}  // namespace fastformer
