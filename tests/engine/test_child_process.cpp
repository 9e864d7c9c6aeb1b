// Child processes as the benchmark runs them: output and exit status collected, a child
// past its deadline killed, a signal reported, and its peak memory read from wait4.
#include "fastformer/child_process.h"

#include "fastformer/error.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace fastformer {
namespace {

TEST(ChildProcess, CollectsOutputAndExitStatus) {
  const ChildResult r = run_child_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(ChildProcess, IsKilledAtTheDeadline) {
  const ChildResult r = run_child_process({"/bin/sleep", "20"}, 0.3);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.seconds, 5.0);
}

TEST(ChildProcess, ReportsTheSignalThatEndedIt) {
  const ChildResult r = run_child_process({"/bin/sh", "-c", "kill -9 $$"}, 10.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
}

TEST(ChildProcess, PeakMemoryComesFromWait4) {
  // A spawned child's ru_maxrss starts at its parent's peak (Linux keeps it across exec):
  // dd reads zeros into one buffer 128 MiB larger than this process ever was, so only the
  // child's own pages can lift its peak that high.
  const std::int64_t parent = peak_rss_bytes();
  const std::string block = "bs=" + std::to_string((parent >> 20) + 128) + "M";
  const ChildResult big = run_child_process({"/bin/dd", "if=/dev/zero", "of=/dev/null", block, "count=1", "status=none"}, 60.0);
  ASSERT_EQ(big.exit_code, 0) << big.err;
  EXPECT_GT(big.max_rss_bytes, parent + (100LL << 20));
  EXPECT_GT(own_peak_rss_bytes(), 0);
  EXPECT_LE(own_peak_rss_bytes(), parent + (1LL << 20));
}

TEST(ChildProcess, AMissingProgramIsAnError) {
  EXPECT_THROW(run_child_process({}, 1.0), Error);
  // posix_spawn reports a missing program either at once or as exit status 127.
  try {
    const ChildResult r = run_child_process({"/nonexistent/program"}, 5.0);
    EXPECT_EQ(r.exit_code, 127);
  } catch (const Error&) {
  }
}

}  // namespace
}  // namespace fastformer
