// The length sweep: statistics of a tiny sweep at every scope, oom, skipped and n/a points
// recorded without crashing, constant-token batches, a plugged-in runner, rates and the
// roofline fraction, a cancelled sweep, and the CSV/JSON round trips of points and settings.
#include "fastformer/bench.h"
#include "fastformer/bench_measure.h"

#include "bench/bench_work.h"
#include "fastformer/error.h"
#include "fastformer/roofline.h"

#include "error_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

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
  b.stable_within = 0;  // exactly `repeats` runs
  return b;
}

TEST(Bench, TinySweepGivesOrderedStatistics) {
  for (const BenchPass pass : {BenchPass::forward, BenchPass::train_step}) {
    BenchConfig b = tiny();
    b.pass = pass;
    int seen = 0;
    const auto points = run_bench(b, [&](const BenchPoint&) { ++seen; });
    ASSERT_EQ(points.size(), 12u);  // four kinds × three lengths
    EXPECT_EQ(seen, 12);
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
    EXPECT_EQ(points[0].kind, BenchKind::additive);
    EXPECT_EQ(points[3].kind, BenchKind::linear);
    EXPECT_EQ(points[6].kind, BenchKind::softmax);
    EXPECT_EQ(points[9].kind, BenchKind::softmax_materialized);
  }
}

// Settled: the medians of the earlier and later halves (in run order) agree within the share.
TEST(Bench, TimesAreStableWhenTheHalvesAgree) {
  EXPECT_FALSE(bench_times_stable({1.0, 1.0, 1.0}, 0.03));                 // too few runs to tell
  EXPECT_TRUE(bench_times_stable({1.0, 1.02, 0.99, 1.01}, 0.03));          // medians 1.01 and 1.00
  EXPECT_FALSE(bench_times_stable({2.0, 1.8, 1.6, 1.4, 1.2, 1.0}, 0.03));  // still getting faster
  EXPECT_TRUE(bench_times_stable({1.0, 9.0, 1.0, 1.0, 1.0, 9.0, 1.0, 1.0}, 0.03));  // outliers: medians 1, 1
  EXPECT_FALSE(bench_times_stable({1.0, 1.0, 1.05, 1.05}, 0.03));  // 5% apart
  EXPECT_TRUE(bench_times_stable({1.0, 1.0, 1.05, 1.05}, 0.06));
}

// With stable_within, a point runs at least `repeats` and at most 4 × repeats times, and
// says whether its times settled; without, exactly `repeats`.
TEST(Bench, PointsRunUntilTheirTimesSettle) {
  BenchConfig b = tiny();
  b.kinds = {BenchKind::additive};
  b.lengths = {64};
  b.repeats = 3;
  b.stable_within = 0.5;  // loose: settles within the first few runs
  const BenchPoint loose = run_bench(b).front();
  EXPECT_EQ(loose.status, "ok");
  EXPECT_GE(loose.runs, 4);  // the rule needs four
  EXPECT_LE(loose.runs, 12);
  b.stable_within = 1e-9;  // never met by real timings: stops at 4 × repeats, not steady
  const BenchPoint strict = run_bench(b).front();
  EXPECT_EQ(strict.runs, 12);
  EXPECT_FALSE(strict.stable);
  b.stable_within = 0;
  const BenchPoint fixed = run_bench(b).front();
  EXPECT_EQ(fixed.runs, 3);
  EXPECT_TRUE(fixed.stable);
  // The flag survives the point's JSON (what a child process writes).
  EXPECT_FALSE(bench_point_from_json(to_json(strict)).stable);
  EXPECT_TRUE(bench_point_from_json(to_json(fixed)).stable);
}

TEST(Bench, ImpossibleSizeIsRecordedAsOomAndTheSweepGoesOn) {
  BenchConfig b = tiny();
  b.kinds = {BenchKind::softmax_materialized};
  b.lengths = {8, 400000};  // 400000² scores per head: far beyond this machine
  b.batch = 4;
  const auto points = run_bench(b);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].status, "ok");
  EXPECT_EQ(points[1].status, "oom");
}

TEST(Bench, ConstantTokensPerBatchSetsTheBatch) {
  BenchConfig b = tiny();
  b.kinds = {BenchKind::additive};
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

TEST(Bench, LayerAndCoreScopesRunInEveryPassAndDtype) {
  for (const BenchScope scope : {BenchScope::layer, BenchScope::core}) {
    for (const BenchPass pass : {BenchPass::forward, BenchPass::train_step}) {
      for (const char* dtype : {"float32", "float64", "bfloat16"}) {
        BenchConfig b = tiny();
        b.scope = scope;
        b.pass = pass;
        b.dtype = dtype;
        b.lengths = {8, 16};
        b.repeats = 1;
        const auto points = run_bench(b);
        ASSERT_EQ(points.size(), 8u);  // four kinds × two lengths
        for (const auto& p : points) {
          const bool runs = scope != BenchScope::core || p.kind == BenchKind::additive;
          EXPECT_EQ(p.status, runs ? "ok" : "n/a") << to_string(scope) << " " << to_string(p.kind) << " " << dtype;
          EXPECT_EQ(p.scope, to_string(scope));
          EXPECT_EQ(p.dtype, dtype);
          EXPECT_EQ(p.device, "cpu");
          EXPECT_EQ(p.memory_method, kMemoryNone);  // in-process on the CPU: not measured
          EXPECT_EQ(p.peak_bytes, 0);
          if (runs) EXPECT_GT(p.gflops, 0.0);
        }
      }
    }
  }
}

TEST(Bench, BadSettingsAreRefused) {
  BenchConfig b = tiny();
  b.dtype = "float16";
  EXPECT_THROW(run_bench(b), Error);
  b = tiny();
  b.device = "tpu";
  EXPECT_THROW(run_bench(b), Error);
  b = tiny();
  b.heads = 3;
  EXPECT_THROW(run_bench(b), Error);
  b = tiny();
  b.stable_within = -0.1;
  EXPECT_THROW(run_bench(b), Error);
  EXPECT_THROW(parse_bench_scope("model"), Error);
  EXPECT_EQ(parse_bench_scope("core"), BenchScope::core);
  EXPECT_EQ(parse_bench_pass("train-step"), BenchPass::train_step);
}

TEST(Bench, APluggedInRunnerIsUsedAndItsPointsGetRates) {
  BenchConfig b = tiny();
  b.scope = BenchScope::layer;
  std::vector<std::int64_t> asked;
  const BenchRunner runner = [&](const BenchConfig& c, BenchKind kind, std::int64_t n) {
    asked.push_back(n);
    BenchPoint p = bench_point_header(c, kind, n);
    p.status = "ok";
    p.runs = 1;
    p.median_ms = p.min_ms = p.p10_ms = p.p90_ms = 2.0;
    p.peak_bytes = 1024 * n;
    p.memory_method = kMemoryChildRss;
    return p;
  };
  const Roofline roofline{"cpu", "float32", 2048, 100.0, 1 << 20, 10.0};  // 100 GFLOP/s, 10 GB/s
  const auto points = run_bench(b, {}, runner, &roofline);
  ASSERT_EQ(asked.size(), 12u);
  for (const auto& p : points) {
    const BenchWork work = bench_work(b, p.kind, p.n, p.batch);
    EXPECT_DOUBLE_EQ(p.flops, work.flops);
    EXPECT_DOUBLE_EQ(p.bytes, work.bytes);
    EXPECT_DOUBLE_EQ(p.gflops, work.flops / 2e-3 / 1e9);
    EXPECT_DOUBLE_EQ(p.gbps, work.bytes / 2e-3 / 1e9);
    EXPECT_DOUBLE_EQ(p.bytes_per_token, 1024.0 / static_cast<double>(p.batch));
    EXPECT_DOUBLE_EQ(p.roofline_ms, 1e3 * (work.flops / 100e9 + work.bytes / 10e9));
    EXPECT_DOUBLE_EQ(p.of_roofline, p.roofline_ms / 2.0);
  }
}

TEST(Bench, RooflineRatesArePositive) {
  const Roofline r = measure_roofline("cpu", "float32", 128, 1 << 20);
  EXPECT_GT(r.peak_gflops, 0.0);
  EXPECT_GT(r.bandwidth_gbps, 0.0);
  EXPECT_DOUBLE_EQ(roofline_ms(r, r.peak_gflops * 1e9, 0), 1e3);
  EXPECT_DOUBLE_EQ(roofline_ms(r, 0, r.bandwidth_gbps * 1e9), 1e3);
  const Roofline back = roofline_from_json(to_json(r));
  EXPECT_DOUBLE_EQ(back.peak_gflops, r.peak_gflops);
  EXPECT_EQ(back.copy_bytes, 1 << 20);
  EXPECT_THROW(measure_roofline("cpu", "int8"), Error);
}

TEST(Bench, CsvAndJsonRoundTrip) {
  BenchPoint full{BenchKind::additive, "train-step", 128, 2, "ok", 5, 1.5, 1.25, 1.3, 1.75, 85333.3};
  full.scope = "layer";
  full.dtype = "bfloat16";
  full.device = "cuda:1";
  full.flops = 19423972416290816.0;  // softmax at N = 2^22: beyond 9 significant digits
  full.bytes = 2043904;
  full.gflops = 87.1740386;
  full.gbps = 5.28;
  full.peak_bytes = 7340032;
  full.bytes_per_token = 28672;
  full.memory_method = kMemoryChildRss;
  full.roofline_ms = 0.42;
  full.of_roofline = 0.28;
  const std::vector<BenchPoint> points{full, {BenchKind::softmax, "forward", 65536, 1, "oom", 0, 0, 0, 0, 0, 0}};
  const std::string csv = bench_csv(points);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "kind,pass,n,batch,status,scope,dtype,device,runs,median_ms,min_ms,p10_ms,p90_ms,tokens_per_s,flops,bytes,"
            "gflops,gbps,peak_bytes,bytes_per_token,memory_method,roofline_ms,of_roofline");
  const auto back = parse_bench_csv(csv);
  ASSERT_EQ(back.size(), 2u);
  for (const BenchPoint& p : {back[0], bench_point_from_json(to_json(full))}) {
    EXPECT_EQ(p.kind, BenchKind::additive);
    EXPECT_EQ(p.pass, "train-step");
    EXPECT_EQ(p.n, 128);
    EXPECT_EQ(p.batch, 2);
    EXPECT_EQ(p.runs, 5);
    EXPECT_DOUBLE_EQ(p.p90_ms, 1.75);
    EXPECT_DOUBLE_EQ(p.tokens_per_s, 85333.3);
    EXPECT_EQ(p.scope, "layer");
    EXPECT_EQ(p.dtype, "bfloat16");
    EXPECT_EQ(p.device, "cuda:1");
    EXPECT_DOUBLE_EQ(p.flops, full.flops);
    EXPECT_DOUBLE_EQ(p.bytes, full.bytes);
    EXPECT_DOUBLE_EQ(p.gflops, full.gflops);
    EXPECT_DOUBLE_EQ(p.gbps, 5.28);
    EXPECT_EQ(p.peak_bytes, 7340032);
    EXPECT_DOUBLE_EQ(p.bytes_per_token, 28672);
    EXPECT_EQ(p.memory_method, "child-rss");
    EXPECT_DOUBLE_EQ(p.roofline_ms, 0.42);
    EXPECT_DOUBLE_EQ(p.of_roofline, 0.28);
  }
  EXPECT_EQ(back[1].status, "oom");
  EXPECT_EQ(back[1].memory_method, "none");
  EXPECT_THROW(parse_bench_csv("not,a,bench\n"), Error);
  EXPECT_THROW(parse_bench_csv("kind,pass,n,batch,status\nadditive,forward,x,1,ok\n"), Error);
  EXPECT_THROW(parse_bench_csv("kind,pass,n,batch,status\nadditive,forward,8\n"), Error);
  // A CSV of the first version (no scope … columns) still reads, with the defaults.
  const auto old = parse_bench_csv(
      "kind,pass,n,batch,status,runs,median_ms,min_ms,p10_ms,p90_ms,tokens_per_s\n"
      "softmax,forward,256,1,ok,5,2,1,1.5,3,128000\n");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].kind, BenchKind::softmax);
  EXPECT_EQ(old[0].scope, "stack");
  // The kind is written as the CLI spells it; a name that is no kind is an error saying where.
  EXPECT_NE(csv.find("\nsoftmax,forward,65536,1,oom,"), std::string::npos);
  EXPECT_EQ(to_json(full).at("kind"), "additive");
  const std::string bad = testing::error_of([] { parse_bench_csv("kind,pass,n,batch,status\nkernel,forward,8,1,ok\n"); });
  EXPECT_NE(bad.find("bench CSV:2 column kind: unknown attention kind 'kernel'"), std::string::npos) << bad;
  nlohmann::json kernel = to_json(full);
  kernel["kind"] = "kernel";
  EXPECT_NE(testing::error_of([&] { bench_point_from_json(kernel); }).find("'kernel'"), std::string::npos);
  kernel["kind"] = "softmax-materialized";
  EXPECT_EQ(bench_point_from_json(kernel).kind, BenchKind::softmax_materialized);
  EXPECT_DOUBLE_EQ(old[0].median_ms, 2);

  const Roofline roofline{"cpu", "float32", 2048, 120.5, 256 << 20, 40.25};
  BenchConfig config = tiny();
  config.scope = BenchScope::layer;
  config.dtype = "bfloat16";
  const nlohmann::json j = bench_json(config, points, &roofline);
  EXPECT_EQ(j.at("points").size(), 2u);
  EXPECT_EQ(j.at("points")[1].at("status"), "oom");
  EXPECT_EQ(j.at("points")[0].at("peak_bytes"), 7340032);
  EXPECT_EQ(j.at("points")[0].at("bytes_per_token"), 28672);
  EXPECT_EQ(j.at("config").at("layers"), 1);
  EXPECT_EQ(j.at("config").at("scope"), "layer");
  EXPECT_EQ(j.at("config").at("dtype"), "bfloat16");
  EXPECT_EQ(j.at("config").at("device"), "cpu");
  EXPECT_TRUE(j.at("machine").contains("torch"));
  EXPECT_TRUE(j.at("machine").contains("blas"));
  EXPECT_EQ(j.at("memory_method"), "child-rss");  // from the ok point
  EXPECT_DOUBLE_EQ(j.at("roofline").at("peak_gflops").get<double>(), 120.5);
  EXPECT_TRUE(bench_json(config, points).at("roofline").is_null());
}

TEST(Bench, ACancelledSweepKeepsThePointsSoFar) {
  BenchConfig b = tiny();
  b.scope = BenchScope::layer;
  std::atomic<bool> cancel{false};
  std::vector<std::int64_t> asked;
  // The third point is stopped part-way (the runner sees the flag and gives it back
  // cancelled); nothing starts after it.
  const BenchRunner runner = [&](const BenchConfig& c, BenchKind kind, std::int64_t n) {
    asked.push_back(n);
    BenchPoint p = bench_point_header(c, kind, n);
    p.status = "ok";
    p.median_ms = 1.0;
    if (asked.size() == 3) {
      cancel = true;
      p.status = "cancelled";
    }
    return p;
  };
  std::vector<BenchPoint> seen;
  const auto points = run_bench(b, [&](const BenchPoint& p) { seen.push_back(p); }, runner, nullptr, &cancel);
  EXPECT_EQ(asked.size(), 3u);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(points[1].n, 16);
  EXPECT_EQ(points[1].status, "ok");
  // Cancelled before it starts: no point runs at all.
  asked.clear();
  EXPECT_TRUE(run_bench(b, {}, runner, nullptr, &cancel).empty());
  EXPECT_TRUE(asked.empty());
}

TEST(Bench, SettingsRoundTripThroughJson) {
  BenchConfig b;
  b.kinds = {BenchKind::softmax};
  b.lengths = {16, 32, 64};
  b.batch = 3;
  b.tokens_per_batch = 65536;
  b.hidden = 32;
  b.heads = 2;
  b.layers = 1;
  b.scope = BenchScope::core;
  b.dtype = "bfloat16";
  b.device = "cuda:3";  // a device this machine may lack still reads back
  b.pass = BenchPass::train_step;
  b.warmup = 0;
  b.repeats = 7;
  b.stable_within = 0.05;
  b.point_budget_s = 2.5;
  b.total_budget_s = 60;
  const nlohmann::json j = to_json(b);
  EXPECT_EQ(j.at("total_budget_s"), 60.0);
  EXPECT_EQ(j.at("pass"), "train-step");
  const BenchConfig back = bench_config_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.kinds, b.kinds);
  EXPECT_EQ(back.lengths, b.lengths);
  EXPECT_EQ(back.batch, 3);
  EXPECT_EQ(back.tokens_per_batch, 65536);
  EXPECT_EQ(back.hidden, 32);
  EXPECT_EQ(back.heads, 2);
  EXPECT_EQ(back.layers, 1);
  EXPECT_EQ(back.scope, BenchScope::core);
  EXPECT_EQ(back.dtype, "bfloat16");
  EXPECT_EQ(back.device, "cuda:3");
  EXPECT_EQ(back.pass, BenchPass::train_step);
  EXPECT_EQ(back.warmup, 0);
  EXPECT_EQ(back.repeats, 7);
  EXPECT_DOUBLE_EQ(back.stable_within, 0.05);
  EXPECT_DOUBLE_EQ(back.point_budget_s, 2.5);
  EXPECT_DOUBLE_EQ(back.total_budget_s, 60);
  // The CLI's "config" object is this one, and without a total budget it has no such key.
  EXPECT_EQ(bench_json(b, {}).at("config"), j);
  EXPECT_FALSE(to_json(BenchConfig{}).contains("total_budget_s"));
  // Missing keys keep the defaults.
  const BenchConfig partial = bench_config_from_json(nlohmann::json{{"hidden", 64}, {"heads", 4}});
  EXPECT_EQ(partial.hidden, 64);
  EXPECT_EQ(partial.lengths, BenchConfig{}.lengths);
}

TEST(Bench, BadSettingsJsonNamesTheKey) {
  using testing::error_of;
  using nlohmann::json;
  EXPECT_NE(error_of([] { bench_config_from_json(json::array()); }).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"kinds", {"kernel"}}}); }).find("'kinds'"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"lengths", "128"}}); }).find("expects a list"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"hidden", "wide"}}); }).find("'hidden'"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"colour", 1}}); }).find("unknown key 'colour'"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"hidden", 10}, {"heads", 3}}); }).find("divisible"),
            std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"device", "tpu"}}); }).find("unknown device"), std::string::npos);
  EXPECT_NE(error_of([] { bench_config_from_json(json{{"kinds", json::array()}}); }).find("no attention kind"),
            std::string::npos);
}

}  // namespace
}  // namespace fastformer
