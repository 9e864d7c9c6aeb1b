// The sweep's child-process runner against stand-in programs (shell scripts that answer as
// `fastformer bench point` would): a finished point read from its JSON line, memory from
// the child's own high-water mark when wait4's figure is only what it inherited, the
// kernel's kill read as oom, a failure passed to the warning callback, and a cancel that
// kills the child at once. Also run_child_process's own cancel.
#include "fastformer/bench_child.h"

#include "fastformer/child_process.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fastformer {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class BenchChild : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff-bench-child-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    config_.hidden = 16;
    config_.heads = 2;
    config_.scope = BenchScope::layer;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // An executable shell script with this body.
  std::string program(const std::string& name, const std::string& body) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  fs::path dir_;
  BenchConfig config_;
};

TEST_F(BenchChild, TheCommandLineNamesTheExecutableAndThePoint) {
  config_.tokens_per_batch = 64;
  const auto argv = bench_point_command("/opt/ff/fastformer", config_, BenchKind::softmax, 16, 3);
  ASSERT_GE(argv.size(), 12u);
  EXPECT_EQ(argv[0], "/opt/ff/fastformer");
  EXPECT_EQ(argv[2], "3");
  const auto value = [&](const std::string& flag) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == flag) return argv[i + 1];
    return std::string("missing");
  };
  EXPECT_EQ(value("--kind"), "softmax");
  EXPECT_EQ(value("--batch"), "4");  // 64 tokens / 16
  EXPECT_EQ(value("--scope"), "layer");
}

TEST_F(BenchChild, AFinishedPointTakesTheChildsOwnPeakWhenWait4OnlyShowsTheParents) {
  // /bin/sh is far smaller than this test process, so wait4's peak is the inherited one.
  const std::string exe = program(
      "point", R"(echo 'building'; echo '{"kind":"additive","pass":"forward","n":32,"batch":1,"status":"ok","runs":2,)"
               R"("median_ms":1.5,"baseline_rss_bytes":1000000,"peak_rss_bytes":5000000}')");
  const BenchPoint p = child_process_runner({exe, 1})(config_, BenchKind::additive, 32);
  EXPECT_EQ(p.status, "ok");
  EXPECT_DOUBLE_EQ(p.median_ms, 1.5);
  EXPECT_EQ(p.peak_bytes, 4000000);
  EXPECT_EQ(p.memory_method, kMemoryChildRss);
}

TEST_F(BenchChild, KilledIsOomAndAFailureIsWarnedAbout) {
  const BenchPoint oom = child_process_runner({program("oom", "kill -9 $$"), 1})(config_, BenchKind::softmax, 64);
  EXPECT_EQ(oom.status, "oom");
  EXPECT_EQ(oom.n, 64);
  std::string warned;
  ChildRunnerOptions o{program("fail", "echo 'bad input' >&2; exit 2"), 1};
  o.warn = [&](const std::string& why) { warned = why; };
  EXPECT_EQ(child_process_runner(o)(config_, BenchKind::additive, 8).status, "error");
  EXPECT_EQ(warned, "additive N=8: bad input");
}

TEST_F(BenchChild, CancelKillsTheRunningChildAtOnce) {
  std::atomic<bool> cancel{false};
  ChildRunnerOptions o{program("slow", "exec sleep 30"), 1};
  o.cancel = &cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  const auto start = Clock::now();
  const BenchPoint p = child_process_runner(o)(config_, BenchKind::additive, 16);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stopper.join();
  EXPECT_EQ(p.status, "cancelled");
  EXPECT_LT(seconds, 1.5);
}

TEST(ChildProcessCancel, ACancelledChildIsKilledAndSaysSo) {
  std::atomic<bool> cancel{true};
  const ChildResult r = run_child_process({"/bin/sleep", "20"}, 30.0, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.seconds, 1.0);
  // An unset flag changes nothing.
  cancel = false;
  const ChildResult done = run_child_process({"/bin/sh", "-c", "echo hi"}, 10.0, &cancel);
  EXPECT_FALSE(done.cancelled);
  EXPECT_EQ(done.out, "hi\n");
}

}  // namespace
}  // namespace fastformer
