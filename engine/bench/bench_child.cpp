// Starts `fastformer bench point` per point and turns its exit into a BenchPoint: its JSON
// line when it finished, `timeout` when it was killed at the deadline, `cancelled` when its
// caller stopped it, `oom` when the kernel killed it or an allocation failed, `error` (with
// its message on stderr) otherwise.
#include "fastformer/bench_child.h"

#include "fastformer/child_process.h"
#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <sstream>

namespace fastformer {
namespace {

std::string last_json_line(const std::string& text) {
  std::istringstream in(text);
  std::string found;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() == '{') found = line;
  }
  return found;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string format_number(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

// The child's peak memory growth past the baseline it read once the model and inputs were
// built. The child's own high-water mark (VmHWM, which starts afresh at exec) is used when
// it reports one. wait4's peak is at least this process's own peak (Linux keeps it across
// exec), so it only stands in when it is above what the child inherited; even then a parent
// that grew while the child started (the Studio's GUI thread) can leak into it.
void set_child_memory(BenchPoint& point, const nlohmann::json& line, const ChildResult& child, std::int64_t inherited) {
  const std::int64_t baseline = line.value("baseline_rss_bytes", std::int64_t{0});
  const std::int64_t own_peak = line.value("peak_rss_bytes", std::int64_t{0});
  std::int64_t peak = 0;
  if (own_peak > 0 && baseline > 0)
    peak = own_peak;
  else if (child.max_rss_bytes > inherited)
    peak = child.max_rss_bytes;
  else
    return;  // unknown
  point.peak_bytes = std::max<std::int64_t>(0, peak - baseline);
  point.memory_method = kMemoryChildRss;
}

}  // namespace

std::vector<std::string> bench_point_command(const std::string& executable, const BenchConfig& b, BenchKind kind,
                                             std::int64_t n, int threads) {
  return {executable,
          "--threads",
          std::to_string(threads),
          "bench",
          "point",
          "--kind",
          to_string(kind),
          "--n",
          std::to_string(n),
          "--batch",
          std::to_string(bench_batch(b, n)),
          "--scope",
          to_string(b.scope),
          "--pass",
          to_string(b.pass),
          "--hidden",
          std::to_string(b.hidden),
          "--heads",
          std::to_string(b.heads),
          "--layers",
          std::to_string(b.layers),
          "--dtype",
          b.dtype,
          "--device",
          b.device,
          "--warmup",
          std::to_string(b.warmup),
          "--repeats",
          std::to_string(b.repeats),
          "--stable-within",
          format_number(b.stable_within),
          "--point-budget",
          format_number(b.point_budget_s)};
}

double child_deadline_s(const BenchConfig& b) { return 20.0 + 2.0 * b.point_budget_s; }

BenchRunner child_process_runner(ChildRunnerOptions options) {
  return [o = std::move(options)](const BenchConfig& b, BenchKind kind, std::int64_t n) {
    BenchPoint point = bench_point_header(b, kind, n);
    const std::int64_t inherited = peak_rss_bytes();  // the floor of the child's ru_maxrss
    const ChildResult child =
        run_child_process(bench_point_command(o.executable, b, kind, n, o.threads), child_deadline_s(b), o.cancel);
    if (child.cancelled) {
      point.status = "cancelled";
      return point;
    }
    if (child.timed_out) {
      point.status = "timeout";
      return point;
    }
    // SIGKILL that was not ours: the kernel's OOM killer.
    const bool killed = child.signal == SIGKILL;
    const bool allocation_failed = child.err.find("out of memory") != std::string::npos ||
                                   child.err.find("not enough memory") != std::string::npos;
    if (killed || (child.exit_code != 0 && allocation_failed)) {
      point.status = "oom";
      return point;
    }
    const std::string line = last_json_line(child.out);
    if (child.exit_code != 0 || line.empty()) {
      point.status = "error";
      const std::string why =
          child.signal != 0 ? "ended by signal " + std::to_string(child.signal) : first_line(child.err);
      if (o.warn) o.warn(to_string(point.kind) + " N=" + std::to_string(n) + ": " + why);
      return point;
    }
    const nlohmann::json j = nlohmann::json::parse(line);
    point = bench_point_from_json(j);
    // The child measured CUDA memory itself; on the CPU its memory is its RSS growth.
    if (point.status == "ok" && point.memory_method == kMemoryNone && point.device == "cpu") {
      set_child_memory(point, j, child, inherited);
    }
    return point;
  };
}

Roofline roofline_in_child(const std::string& executable, const std::string& device, const std::string& dtype,
                           int threads) {
  const ChildResult child = run_child_process({executable, "--threads", std::to_string(threads), "bench", "roofline",
                                               "--device", device, "--dtype", dtype, "--json-line"},
                                              600.0);
  const std::string line = last_json_line(child.out);
  if (child.exit_code != 0 || line.empty()) {
    throw Error(
        "measuring the roofline failed: " + (child.timed_out ? std::string("timed out") : first_line(child.err)),
        "--roofline");
  }
  return roofline_from_json(nlohmann::json::parse(line));
}

}  // namespace fastformer
