// Runs a program as a child process (posix_spawn, so no fork of a process with OpenMP
// threads ever runs our code), collects its output and its peak memory from wait4, and
// kills it when it overruns a deadline or its caller cancels it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

struct ChildResult {
  bool timed_out = false;        // killed by us at the deadline
  bool cancelled = false;        // killed by us because `cancel` was set
  int exit_code = -1;            // exit status when it exited, else -1
  int signal = 0;                // the signal that ended it, else 0
  std::int64_t max_rss_bytes = 0;  // peak resident set size (ru_maxrss)
  double seconds = 0;            // wall time from start to end
  std::string out, err;          // what it wrote to stdout and stderr
};

// argv[0] is the program path. The child inherits the environment. When `cancel` is given
// and becomes true, the child is killed within about 50 ms. Throws fastformer::Error when it
// cannot be started.
ChildResult run_child_process(const std::vector<std::string>& argv, double timeout_s,
                              const std::atomic<bool>* cancel = nullptr);

// Path of this process's executable (/proc/self/exe resolved).
std::string current_executable();

// Peak resident set size of this process so far (ru_maxrss), in bytes. Linux carries a
// parent's high-water mark over into a spawned child's ru_maxrss (it is kept across exec),
// so a child's wait4 figure is at least its parent's peak: keep the parent small.
std::int64_t peak_rss_bytes();

// High-water mark of this program image's own resident set (VmHWM), in bytes; unlike
// ru_maxrss it starts afresh at exec. -1 when /proc cannot be read.
std::int64_t own_peak_rss_bytes();

}  // namespace fastformer
