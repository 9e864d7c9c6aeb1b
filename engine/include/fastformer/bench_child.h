// The sweep's per-point runner that measures memory: each point runs in a child
// `fastformer bench point` process, whose peak RSS (from wait4) minus the baseline it reports
// is the point's memory growth. Shared by the CLI and the Studio, which name the `fastformer`
// executable to start.
#pragma once

#include "fastformer/bench.h"
#include "fastformer/roofline.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace fastformer {

struct ChildRunnerOptions {
  std::string executable;  // the `fastformer` command line program
  int threads = 1;         // LibTorch threads of each child
  // When set, the running child is killed at once and its point comes back `cancelled`.
  const std::atomic<bool>* cancel = nullptr;
  // Why a point ended as `error` (the child's first line on stderr); ignored when empty.
  std::function<void(const std::string&)> warn;
};

// The child's command line for one point.
std::vector<std::string> bench_point_command(const std::string& executable, const BenchConfig& config,
                                             BenchKind kind, std::int64_t n, int threads);

// A child is killed (status timeout) once it runs longer than this: start-up and building,
// a warm-up run and a timed run of up to the point budget each.
double child_deadline_s(const BenchConfig& config);

BenchRunner child_process_runner(ChildRunnerOptions options);

// The roofline measured in a child (`bench roofline --json-line`): its large buffers would
// otherwise raise this process's high-water mark, which Linux hands on to every later
// child's ru_maxrss.
Roofline roofline_in_child(const std::string& executable, const std::string& device, const std::string& dtype,
                           int threads);

}  // namespace fastformer
