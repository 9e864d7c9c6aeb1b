// `fastformer bench sweep`: runtime versus sequence length for each attention kind, with a
// line per point, CSV/JSON files, the log–log slope per kind and the crossover length.
#include "commands.h"

#include "fastformer/bench.h"
#include "fastformer/error.h"
#include "fastformer/scaling_fit.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct SweepOptions {
  std::vector<std::string> kinds{"additive", "softmax"};
  std::vector<std::int64_t> lengths;
  std::string range = "128:4096";
  std::string pass = "forward";
  double fit_from = 0;
  std::string csv, json;
  BenchConfig config;
};

// "128:65536" → 128, 256, …, 65536.
std::vector<std::int64_t> powers_of_two(const std::string& range) {
  const auto colon = range.find(':');
  std::int64_t lo = 0, hi = 0;
  try {
    lo = std::stoll(range.substr(0, colon));
    hi = colon == std::string::npos ? lo : std::stoll(range.substr(colon + 1));
  } catch (const std::exception&) {
    throw Error("expected MIN:MAX, got '" + range + "'", "--range");
  }
  if (lo < 1 || hi < lo) throw Error("expected 1 <= MIN <= MAX, got '" + range + "'", "--range");
  std::vector<std::int64_t> out;
  for (std::int64_t n = lo; n <= hi; n *= 2) out.push_back(n);
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error("could not write file", path);
}

void run_sweep(SweepOptions& o) {
  prepare_runtime();
  BenchConfig& b = o.config;
  b.kinds.clear();
  for (const auto& k : o.kinds) b.kinds.push_back(k == "softmax" ? AttentionKind::softmax : AttentionKind::additive);
  b.lengths = o.lengths.empty() ? powers_of_two(o.range) : o.lengths;
  b.pass = o.pass == "train-step" ? BenchPass::train_step : BenchPass::forward;
  const auto points = run_bench(b, [](const BenchPoint& p) {
    std::printf("%-9s %-10s N=%-7lld B=%-4lld %-8s median %10.3f ms  p10 %10.3f  p90 %10.3f  %12.0f tokens/s\n",
                p.kind.c_str(), p.pass.c_str(), static_cast<long long>(p.n), static_cast<long long>(p.batch),
                p.status.c_str(), p.median_ms, p.p10_ms, p.p90_ms, p.tokens_per_s);
    std::fflush(stdout);
  });
  if (!o.csv.empty()) write_file(o.csv, bench_csv(points));
  if (!o.json.empty()) write_file(o.json, bench_json(b, points).dump(2) + "\n");

  // Slopes over the upper half of the lengths unless --fit-from says otherwise.
  const double fit_from = o.fit_from > 0 ? o.fit_from : static_cast<double>(b.lengths[b.lengths.size() / 2]);
  std::vector<ScalingPoint> additive, softmax;
  for (const auto& p : points) {
    if (p.status != "ok") continue;
    (p.kind == "softmax" ? softmax : additive).push_back({static_cast<double>(p.n), p.median_ms / static_cast<double>(p.batch)});
  }
  for (const auto& [name, series] : {std::pair{"additive", &additive}, std::pair{"softmax", &softmax}}) {
    if (const auto fit = fit_loglog_slope(*series, fit_from)) {
      std::printf("%s: time ∝ N^%.2f over N = %.0f…%.0f (%lld points)\n", name, fit->slope, fit->min_n, fit->max_n,
                  static_cast<long long>(fit->points));
    }
  }
  if (!additive.empty() && !softmax.empty()) {
    const auto from = crossover_length(additive, softmax);
    if (from) std::printf("additive is faster per sequence from N = %.0f on\n", *from);
    else std::printf("additive never stays faster over the measured lengths\n");
  }
}

}  // namespace

void add_bench_sweep_command(CLI::App& bench) {
  auto o = std::make_shared<SweepOptions>();
  auto* cmd = bench.add_subcommand("sweep", "Runtime versus sequence length for each attention kind");
  cmd->add_option("--kinds", o->kinds, "additive,softmax")->delimiter(',')->check(CLI::IsMember({"additive", "softmax"}));
  cmd->add_option("--lengths", o->lengths, "Sequence lengths, e.g. 128,512,2048")->delimiter(',');
  cmd->add_option("--range", o->range, "MIN:MAX, powers of two (when --lengths is not given)")->capture_default_str();
  cmd->add_option("--pass", o->pass, "forward | train-step")
      ->check(CLI::IsMember({"forward", "train-step"}))
      ->capture_default_str();
  cmd->add_option("--batch", o->config.batch, "Sequences per batch")->capture_default_str();
  cmd->add_option("--tokens-per-batch", o->config.tokens_per_batch, "Constant tokens per batch (batch = this / N)");
  cmd->add_option("--hidden", o->config.hidden, "Hidden size")->capture_default_str();
  cmd->add_option("--heads", o->config.heads, "Heads")->capture_default_str();
  cmd->add_option("--layers", o->config.layers, "Layers")->capture_default_str();
  cmd->add_option("--warmup", o->config.warmup, "Untimed runs per point")->capture_default_str();
  cmd->add_option("--repeats", o->config.repeats, "Timed runs per point")->capture_default_str();
  cmd->add_option("--point-budget", o->config.point_budget_s, "Seconds per point")->capture_default_str();
  cmd->add_option("--total-budget", o->config.total_budget_s, "Seconds in all (0: no limit)");
  cmd->add_option("--fit-from", o->fit_from, "Fit slopes over N >= this (default: the upper half)");
  cmd->add_option("--csv", o->csv, "Write the points as CSV");
  cmd->add_option("--json", o->json, "Write config, machine and points as JSON");
  cmd->callback([o] { run_sweep(*o); });
}

}  // namespace fastformer::cli
