// metrics.jsonl read back: lines as the trainer writes them, resumed runs that log steps
// again, logs from before tokens_seen was kept, and PATH:LINE for every kind of bad line.
#include "fastformer/error.h"
#include "fastformer/metrics_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <unistd.h>

namespace fastformer {
namespace {
namespace fs = std::filesystem;

class MetricsLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("ff-metrics-" + std::to_string(::getpid()) + "-" + info->name() + ".jsonl");
  }
  void TearDown() override { fs::remove(path_); }

  void write(const std::vector<std::string>& lines) {
    std::ofstream out(path_);
    for (const auto& line : lines) out << line << "\n";
  }

  // The error read_metrics_log throws, or "" when it reads the file.
  std::string error_of() {
    try {
      read_metrics_log(path_);
    } catch (const Error& e) {
      return e.what();
    }
    return {};
  }

  fs::path path_;
};

StepReport step(std::int64_t n, double loss, std::int64_t tokens) {
  StepReport r;
  r.step = n;
  r.epoch = n / 10;
  r.loss = loss;
  r.lr = 1e-3 * static_cast<double>(n);
  r.tokens_per_s = 250.0;
  r.elapsed_s = 0.5 * static_cast<double>(n);
  r.tokens_seen = tokens;
  return r;
}

TEST_F(MetricsLogTest, ReadsWhatTheTrainerWrites) {
  EvalReport valid;
  valid.step = 2;
  valid.split = "valid";
  valid.improved = true;
  valid.elapsed_s = 1.25;
  valid.tokens_seen = 64;
  valid.metrics.examples = 4;
  valid.metrics.loss = 0.5;
  valid.metrics.accuracy = 0.75;
  valid.metrics.macro_f1 = 0.7;
  valid.metrics.confusion = {{2, 1}, {0, 1}};
  write({log_line(step(1, 0.9, 30)).dump(), log_line(step(2, 0.8, 64)).dump(),
         log_line(valid, {"ham", "spam"}).dump(), "", R"({"type":"checkpoint_saved","step":2})",
         log_line(step(3, 0.7, 99)).dump()});

  const MetricsLog log = read_metrics_log(path_);
  ASSERT_EQ(log.steps.size(), 3u);  // the blank line and the unknown type are skipped
  EXPECT_EQ(log.steps[1].step, 2);
  EXPECT_EQ(log.steps[1].loss, 0.8);
  EXPECT_EQ(log.steps[1].lr, 2e-3);
  EXPECT_EQ(log.steps[1].tokens_per_s, 250.0);
  EXPECT_EQ(log.steps[1].elapsed_s, 1.0);
  EXPECT_EQ(log.steps[1].tokens_seen, 64);
  EXPECT_EQ(log.steps[2].tokens_seen, 99);
  ASSERT_EQ(log.evals.size(), 1u);
  const EvalReport& e = log.evals[0];
  EXPECT_EQ(e.split, "valid");
  EXPECT_TRUE(e.improved);
  EXPECT_EQ(e.step, 2);
  EXPECT_EQ(e.elapsed_s, 1.25);
  EXPECT_EQ(e.tokens_seen, 64);
  EXPECT_EQ(e.metrics.examples, 4);
  EXPECT_EQ(e.metrics.accuracy, 0.75);
  EXPECT_EQ(e.metrics.macro_f1, 0.7);
  EXPECT_EQ(e.metrics.loss, 0.5);
  EXPECT_EQ(e.metrics.confusion, (std::vector<std::vector<std::int64_t>>{{2, 1}, {0, 1}}));
  EXPECT_EQ(log.labels, (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(log.failure, "");
}

TEST_F(MetricsLogTest, ALaterLineForAStepReplacesTheStepsAndEvaluationsFromThere) {
  // Logged up to step 4 with an evaluation at 3, killed, resumed from the checkpoint at 2.
  const std::string eval3 =
      R"({"type":"eval","split":"valid","step":3,"metrics":{"accuracy":0.5,"labels":["a","b"]}})";
  write({log_line(step(1, 0.9, 10)).dump(), log_line(step(2, 0.8, 20)).dump(), log_line(step(3, 0.7, 30)).dump(),
         eval3, log_line(step(4, 0.6, 40)).dump(), log_line(step(3, 0.65, 31)).dump(),
         log_line(step(4, 0.55, 41)).dump(), R"({"type":"diverged","step":4,"reason":"the loss became NaN at step 5"})"});
  const MetricsLog log = read_metrics_log(path_);
  ASSERT_EQ(log.steps.size(), 4u);
  EXPECT_EQ(log.steps[2].loss, 0.65);
  EXPECT_EQ(log.steps[2].tokens_seen, 31);
  EXPECT_EQ(log.steps[3].loss, 0.55);
  EXPECT_TRUE(log.evals.empty());  // the evaluation at 3 belonged to the replaced steps
  EXPECT_EQ(log.labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(log.failure, "the loss became NaN at step 5");
}

TEST_F(MetricsLogTest, OlderLogsWithoutTokensSeenUseRateTimesTime) {
  write({R"({"type":"step","step":1,"epoch":0,"loss":0.7,"lr":0.001,"tokens_per_s":100.0,"elapsed_s":0.5})",
         R"({"type":"step","step":2,"epoch":0,"loss":0.6,"lr":0.002,"tokens_per_s":200.0,"elapsed_s":1.5})",
         R"({"type":"eval","split":"test","step":2,"metrics":{"accuracy":1.0}})"});
  const MetricsLog log = read_metrics_log(path_);
  ASSERT_EQ(log.steps.size(), 2u);
  EXPECT_EQ(log.steps[0].tokens_seen, 50);
  EXPECT_EQ(log.steps[1].tokens_seen, 300);
  ASSERT_EQ(log.evals.size(), 1u);
  EXPECT_EQ(log.evals[0].split, "test");
  EXPECT_EQ(log.evals[0].tokens_seen, 300);  // from the step it follows
  EXPECT_EQ(log.evals[0].elapsed_s, 1.5);
}

TEST_F(MetricsLogTest, NamesTheFileAndLineOfABadLine) {
  const std::string good = log_line(step(1, 0.9, 10)).dump();
  const std::vector<std::pair<std::string, std::string>> bad{
      {R"({"type":"step","step":3,"lo)", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {R"({"step":3})", "no \"type\""},
      {R"({"type":"step","step":3,"lr":0.1,"tokens_per_s":1,"elapsed_s":1})", "no number \"loss\""},
      {R"({"type":"step","step":2.5,"loss":1,"lr":0.1,"tokens_per_s":1,"elapsed_s":1})", "no integer \"step\""},
      {R"({"type":"step","step":3,"loss":"low","lr":0.1,"tokens_per_s":1,"elapsed_s":1})", "no number \"loss\""},
      {R"({"type":"eval","split":"valid","step":3})", "no object \"metrics\""},
      {R"({"type":"eval","split":"valid","step":3,"metrics":{"loss":1}})", "metrics.accuracy"},
      {R"({"type":"eval","split":7,"step":3,"metrics":{"accuracy":1}})", "malformed line"},
      {R"({"type":"eval","step":3,"metrics":{"accuracy":1,"confusion":[[1,"x"]]}})", "metrics.confusion"},
  };
  for (const auto& [line, expected] : bad) {
    write({good, good, line, good});
    const std::string error = error_of();
    EXPECT_NE(error.find(path_.string() + ":3"), std::string::npos) << line << " → " << error;
    EXPECT_NE(error.find(expected), std::string::npos) << line << " → " << error;
  }
  write({good, good, good});
  EXPECT_EQ(error_of(), "");
}

TEST_F(MetricsLogTest, AMissingFileIsAnError) {
  const std::string error = error_of();  // nothing written
  EXPECT_NE(error.find("cannot read the metrics log"), std::string::npos) << error;
  EXPECT_NE(error.find(path_.string()), std::string::npos) << error;
}

}  // namespace
}  // namespace fastformer
