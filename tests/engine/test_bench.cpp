// The length sweep: statistics of a tiny sweep, oom and skipped points recorded without
// crashing, constant-token batches, and the CSV round trip.
#include "fastformer/bench.h"

#include "fastformer/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fastformer {
namespace {

BenchConfig tiny() {
  BenchConfig b;
  b.hidden = 16;
  b.heads = 2;
  b.layers = 1;
  b.lengths = {8, 16, 32};
  b.warmup = 1;
  b.repeats = 3;
  return b;
}

TEST(Bench, TinySweepGivesOrderedStatistics) {
  for (const BenchPass pass : {BenchPass::forward, BenchPass::train_step}) {
    BenchConfig b = tiny();
    b.pass = pass;
    int seen = 0;
    const auto points = run_bench(b, [&](const BenchPoint&) { ++seen; });
    ASSERT_EQ(points.size(), 6u);
    EXPECT_EQ(seen, 6);
    for (const auto& p : points) {
      EXPECT_EQ(p.status, "ok");
      EXPECT_EQ(p.runs, 3);
      EXPECT_EQ(p.pass, to_string(pass));
      EXPECT_GT(p.min_ms, 0.0);
      EXPECT_LE(p.min_ms, p.p10_ms);
      EXPECT_LE(p.p10_ms, p.median_ms);
      EXPECT_LE(p.median_ms, p.p90_ms);
      EXPECT_NEAR(p.tokens_per_s, p.batch * p.n / (p.median_ms / 1e3), 1e-6 * p.tokens_per_s);
    }
    EXPECT_EQ(points[0].kind, "additive");
    EXPECT_EQ(points[3].kind, "softmax");
  }
}

TEST(Bench, ImpossibleSizeIsRecordedAsOomAndTheSweepGoesOn) {
  BenchConfig b = tiny();
  b.kinds = {AttentionKind::softmax};
  b.lengths = {8, 400000};  // 400000² scores per head: far beyond this machine
  b.batch = 4;
  const auto points = run_bench(b);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].status, "ok");
  EXPECT_EQ(points[1].status, "oom");
}

TEST(Bench, ConstantTokensPerBatchSetsTheBatch) {
  BenchConfig b = tiny();
  b.kinds = {AttentionKind::additive};
  b.tokens_per_batch = 64;
  const auto points = run_bench(b);
  EXPECT_EQ(points[0].batch, 8);   // 64 / 8
  EXPECT_EQ(points[2].batch, 2);   // 64 / 32
  b.lengths = {128};
  EXPECT_EQ(run_bench(b)[0].batch, 1);  // never below one sequence
}

TEST(Bench, TotalBudgetSkipsTheRest) {
  BenchConfig b = tiny();
  b.total_budget_s = 1e-9;
  const auto points = run_bench(b);
  EXPECT_EQ(points.front().status, "ok");  // the first point starts inside the budget
  EXPECT_EQ(points.back().status, "skipped");
}

TEST(Bench, CsvAndJsonRoundTrip) {
  const std::vector<BenchPoint> points{{"additive", "forward", 128, 1, "ok", 5, 1.5, 1.25, 1.3, 1.75, 85333.3},
                                       {"softmax", "forward", 65536, 1, "oom", 0, 0, 0, 0, 0, 0}};
  const auto back = parse_bench_csv(bench_csv(points));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].kind, "additive");
  EXPECT_EQ(back[0].n, 128);
  EXPECT_EQ(back[0].runs, 5);
  EXPECT_DOUBLE_EQ(back[0].p90_ms, 1.75);
  EXPECT_DOUBLE_EQ(back[0].tokens_per_s, 85333.3);
  EXPECT_EQ(back[1].status, "oom");
  EXPECT_THROW(parse_bench_csv("not,a,bench\n"), Error);
  const nlohmann::json j = bench_json(tiny(), points);
  EXPECT_EQ(j.at("points").size(), 2u);
  EXPECT_EQ(j.at("points")[1].at("status"), "oom");
  EXPECT_EQ(j.at("config").at("layers"), 1);
  EXPECT_TRUE(j.at("machine").contains("torch"));
}

}  // namespace
}  // namespace fastformer
