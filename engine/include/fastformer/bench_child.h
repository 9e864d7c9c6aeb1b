// The sweep's per-point runner that measures memory: each point runs in a child
// `fastformer bench point` process, whose peak RSS (from wait4) minus the baseline it reports
// is the point's memory growth.
#pragma once

#include "fastformer/bench.h"
#include "fastformer/roofline.h"

#include <string>
#include <vector>

namespace fastformer::cli {

// The child's command line for one point (this executable, `threads` LibTorch threads).
std::vector<std::string> bench_point_command(const BenchConfig& config, AttentionKind kind, std::int64_t n,
                                             int threads);

// A child is killed (status timeout) once it runs longer than this: start-up and building,
// a warm-up run and a timed run of up to the point budget each.
double child_deadline_s(const BenchConfig& config);

BenchRunner child_process_runner(int threads);

// The roofline measured in a child (`bench roofline --json-line`): its large buffers would
// otherwise raise this process's high-water mark, which Linux hands on to every later
// child's ru_maxrss.
Roofline roofline_in_child(const std::string& device, const std::string& dtype, int threads);

}  // namespace fastformer::cli
