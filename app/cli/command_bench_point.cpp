// `fastformer bench point`: one benchmark point in this process, printed as one JSON line
// with the resident set size after the model and inputs were built (`baseline_rss_bytes`)
// and after the runs (`peak_rss_bytes`). `bench sweep` runs it as a child per point and reads
// the peak RSS from wait4. Both figures are VmHWM, the high-water mark of this image alone
// (the child's own part of ru_maxrss), which a large parent falls back on.
#include "commands.h"

#include "bench_options.h"

#include "fastformer/bench_measure.h"
#include "fastformer/child_process.h"
#include "fastformer/memory_estimate.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct PointOptions {
  BenchOptions bench;
  std::string kind = to_string(BenchKind::additive);
  std::int64_t n = 1024;
};

// Address space capped at what is mapped now plus the memory available, so that a point
// too large fails its allocation (reported as oom) rather than waking the kernel's OOM
// killer or pushing the machine into swap.
void cap_address_space() {
  const std::int64_t available = available_memory_bytes();
  std::ifstream status("/proc/self/status");
  std::int64_t vm_kib = -1;
  for (std::string key; status >> key;) {
    if (key == "VmSize:") {
      status >> vm_kib;
      break;
    }
  }
  if (available <= 0 || vm_kib <= 0) return;
  const rlimit limit{static_cast<rlim_t>(vm_kib * 1024 + available), static_cast<rlim_t>(vm_kib * 1024 + available)};
  ::setrlimit(RLIMIT_AS, &limit);
}

void run_point(const CLI::App& cmd, const PointOptions& o) {
  prepare_runtime();
  BenchConfig b = bench_config(cmd, o.bench);
  b.kinds = {parse_bench_kind(o.kind, "--kind")};
  b.lengths = {o.n};
  validate(b);
  if (b.device == "cpu") cap_address_space();  // CUDA maps far more address space than it uses
  std::int64_t baseline = 0;
  const BenchPoint point = measure_bench_point(b, b.kinds.front(), o.n, [&] { baseline = own_peak_rss_bytes(); });
  nlohmann::json j = to_json(point);
  j["baseline_rss_bytes"] = baseline;
  j["peak_rss_bytes"] = own_peak_rss_bytes();
  std::cout << j.dump() << std::endl;
  // Leave without running static destructors: library teardown touches several MiB of
  // fresh pages (measured: ~8 MiB), which the parent would otherwise count as the point's peak.
  std::_Exit(0);
}

}  // namespace

void add_bench_point_command(CLI::App& bench) {
  auto o = std::make_shared<PointOptions>();
  auto* cmd = bench.add_subcommand("point", "One benchmark point in this process, as one JSON line (what sweep runs per child)");
  cmd->add_option("--kind", o->kind, "additive | linear | softmax | softmax-materialized")
      ->check(CLI::IsMember(bench_kind_choices()))->capture_default_str();
  cmd->add_option("--n", o->n, "Tokens per sequence")->capture_default_str();
  add_bench_point_options(*cmd, o->bench);
  cmd->callback([o, cmd] { run_point(*cmd, *o); });
}

}  // namespace fastformer::cli
