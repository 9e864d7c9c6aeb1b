// `fastformer bench sweep`: runtime, memory and throughput versus sequence length for each
// attention kind, one child process per point, with a line per point, CSV/JSON files, the
// log–log slope per kind, the crossover length and memory per token.
#include "output_file.h"
#include "commands.h"

#include "bench_options.h"
#include "bench_report.h"

#include "fastformer/bench.h"
#include "fastformer/bench_child.h"
#include "fastformer/child_process.h"
#include "fastformer/error.h"
#include "fastformer/roofline.h"
#include "fastformer/runtime.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>

namespace fastformer::cli {
namespace {

struct SweepOptions {
  BenchOptions bench;
  std::string preset;
  std::vector<std::string> kinds = bench_kind_choices();
  std::vector<std::int64_t> lengths;
  std::string range = "128:4096";
  bool roofline = false;
  bool in_process = false;
  double fit_from = 0;
  std::string csv, json;
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

void run_sweep(const CLI::App& cmd, const SweepOptions& o) {
  prepare_runtime();
  BenchConfig b = bench_config(cmd, o.bench, o.preset);
  b.kinds.clear();
  for (const auto& k : o.kinds) b.kinds.push_back(parse_bench_kind(k, "--kinds"));
  b.lengths = o.lengths.empty() ? powers_of_two(o.range) : o.lengths;
  validate(b);

  // A child per point measures memory (and keeps one point's failure from the next);
  // the children use as many LibTorch threads as this process.
  const int threads = runtime_info().threads;
  std::optional<Roofline> roofline;
  if (o.roofline) {
    roofline = o.in_process ? measure_roofline(b.device, b.dtype)
                            : roofline_in_child(current_executable(), b.device, b.dtype, threads);
    print_roofline(*roofline);
  }
  ChildRunnerOptions child;
  child.executable = current_executable();
  child.threads = threads;
  child.warn = [](const std::string& why) { std::fprintf(stderr, "fastformer: warning: %s\n", why.c_str()); };
  const BenchRunner runner = o.in_process ? BenchRunner{} : child_process_runner(child);
  const auto points = run_bench(
      b, [&](const BenchPoint& p) { print_point(p, roofline.has_value()); }, runner,
      roofline ? &*roofline : nullptr);
  if (!o.csv.empty()) write_output_file(o.csv, bench_csv(points));
  if (!o.json.empty()) write_output_file(o.json, bench_json(b, points, roofline ? &*roofline : nullptr).dump(2) + "\n");

  // Slopes over the upper half of the lengths unless --fit-from says otherwise.
  print_scaling(points, o.fit_from > 0 ? o.fit_from : static_cast<double>(b.lengths[b.lengths.size() / 2]));
  print_memory_per_token(points);
}

}  // namespace

void add_bench_sweep_command(CLI::App& bench) {
  auto o = std::make_shared<SweepOptions>();
  auto* cmd = bench.add_subcommand("sweep", "Runtime, memory and GFLOP/s versus sequence length for each attention kind");
  cmd->footer(
      "Each point runs in a child process (`bench point`): its memory is the growth of its peak RSS over the "
      "built model and inputs. A child running past 20 s + 2 × the point budget is killed (timeout); one killed "
      "by the kernel or failing to allocate is oom; the sweep goes on. --in-process runs the points here instead.");
  cmd->add_option("--preset", o->preset,
                  "paper-fig2: stack of 2 layers, 16 heads, hidden 256 (the defaults) | layer: one attention "
                  "layer, 16 heads, hidden 256 (the PyTorch reference's configuration); options given win")
      ->check(CLI::IsMember(bench_preset_names()));
  cmd->add_option("--kinds", o->kinds, "additive,linear,softmax,softmax-materialized")
      ->delimiter(',')
      ->check(CLI::IsMember(bench_kind_choices()));
  cmd->add_option("--lengths", o->lengths, "Sequence lengths, e.g. 128,512,2048")->delimiter(',');
  cmd->add_option("--range", o->range, "MIN:MAX, powers of two (when --lengths is not given)")->capture_default_str();
  add_bench_point_options(*cmd, o->bench);
  cmd->add_option("--tokens-per-batch", o->bench.config.tokens_per_batch, "Constant tokens per batch (batch = this / N)");
  cmd->add_option("--total-budget", o->bench.config.total_budget_s, "Seconds in all (0: no limit)");
  cmd->add_flag("--roofline", o->roofline,
                "Measure peak matmul GFLOP/s and copy GB/s first and give each point its fraction of that limit");
  cmd->add_flag("--in-process", o->in_process, "Run the points in this process (no memory measurement on CPU)");
  cmd->add_option("--fit-from", o->fit_from, "Fit slopes over N >= this (default: the upper half)");
  cmd->add_option("--csv", o->csv, "Write the points as CSV");
  cmd->add_option("--json", o->json, "Write config, machine, memory method, roofline and points as JSON");
  cmd->callback([o, cmd] { run_sweep(*cmd, *o); });
}

}  // namespace fastformer::cli
