// The training loop end to end on a small synthetic task and a tiny model: learning,
// stop flag, exact resume, NaN guard, time budget, early stopping, metrics.jsonl and
// reloading best/.
#include "fastformer/batching.h"
#include "fastformer/checkpoint.h"
#include "fastformer/evaluate.h"
#include "fastformer/trainer.h"
#include "fastformer/training_data.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <numeric>
#include <unistd.h>

namespace fastformer {
namespace {
namespace fs = std::filesystem;

// 400 examples, 4 classes: 320 train (20 batches of 16), 40 valid, 40 test.
const char* const kSpec = "synthetic:needle?length=24&examples=400&vocab=16";
constexpr std::int64_t kBatchesPerEpoch = 20;

// Records every report; `step_hook` runs inside on_step.
struct Recorder : TrainObserver {
  std::vector<StepReport> steps;
  std::vector<EvalReport> evals;
  std::vector<std::string> messages;
  std::function<void(const StepReport&)> step_hook;

  void on_step(const StepReport& r) override {
    steps.push_back(r);
    if (step_hook) step_hook(r);
  }
  void on_eval(const EvalReport& r) override { evals.push_back(r); }
  void on_message(const std::string& m) override { messages.push_back(m); }
  std::vector<EvalReport> valid_evals() const {
    std::vector<EvalReport> out;
    for (const auto& e : evals) {
      if (e.split == "valid") out.push_back(e);
    }
    return out;
  }
};

ModelConfig tiny_model() {
  ModelConfig c = preset("paper");
  c.hidden = 16;
  c.heads = 2;
  c.layers = 1;
  c.ffn = 32;
  c.dropout = 0.1;  // > 0: resuming must restore the dropout random state
  c.max_len = 32;
  return c;
}

TrainConfig small_config() {
  TrainConfig c;
  c.batch_size = 16;
  c.max_len = 32;
  c.tokenizer.kind = "word";
  c.lr = 5e-3;
  c.epochs = 2;
  c.seed = 3;
  return c;
}

TrainingData data_for(const TrainConfig& config, std::unique_ptr<Tokenizer> tokenizer = nullptr,
                      std::optional<std::vector<std::string>> labels = std::nullopt) {
  Recorder quiet;
  return prepare_training_data(kSpec, ReadOptions{}, config, quiet, std::move(tokenizer), std::move(labels));
}

// A fresh directory per test, removed afterwards; one LibTorch thread for exact bits.
class Training : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("ff-training-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  TrainResult train(const TrainConfig& config, const fs::path& dir, Recorder& observer,
                    const std::atomic<bool>& stop) {
    Trainer trainer(tiny_model(), config, data_for(config), dir, torch::kCPU);
    return trainer.run(observer, stop);
  }

  fs::path root_;
};

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

bool all_finite(Model& model) {
  for (const auto& p : model->parameters()) {
    if (!torch::isfinite(p).all().item<bool>()) return false;
  }
  return true;
}

TEST_F(Training, LossDecreases) {
  TrainConfig config = small_config();
  config.epochs = 15;  // 300 steps
  config.lr = 1e-2;
  Recorder rec;
  std::atomic<bool> stop{false};
  const TrainResult result = train(config, root_ / "run", rec, stop);
  ASSERT_EQ(rec.steps.size(), 300u);
  EXPECT_EQ(result.steps, 300);
  EXPECT_FALSE(result.stopped);
  EXPECT_FALSE(result.diverged);
  const auto mean_loss = [&](std::size_t begin, std::size_t end) {
    double sum = 0.0;
    for (std::size_t i = begin; i < end; ++i) sum += rec.steps[i].loss;
    return sum / static_cast<double>(end - begin);
  };
  const double first = mean_loss(0, 20), last = mean_loss(280, 300);
  EXPECT_GT(first, 1.2);  // about ln 4 for 4 balanced classes
  EXPECT_LT(last, 0.5 * first) << "first 20 steps " << first << ", last 20 " << last;
  ASSERT_TRUE(result.best_valid.has_value());
  EXPECT_GT(result.best_valid->accuracy, 0.6);  // chance is 0.25
  ASSERT_TRUE(result.test.has_value());
  EXPECT_GT(result.test->accuracy, 0.5);
  for (std::size_t i = 0; i < rec.steps.size(); ++i) EXPECT_EQ(rec.steps[i].step, static_cast<std::int64_t>(i + 1));
}

// The needle task needs a token mixer (the label is one token somewhere in the text): each
// kind learns it, with the same block, pooling, classifier and steps.
TEST_F(Training, EachAttentionKindLearnsTheNeedleTask) {
  TrainConfig config = small_config();
  config.epochs = 15;  // 300 steps
  config.lr = 1e-2;
  for (const auto& [name, kind] : attention_kind_names()) {
    ModelConfig model = tiny_model();
    model.attention = kind;
    Recorder rec;
    std::atomic<bool> stop{false};
    Trainer trainer(model, config, data_for(config), root_ / name, torch::kCPU);
    const TrainResult result = trainer.run(rec, stop);
    ASSERT_TRUE(result.best_valid.has_value()) << name;
    EXPECT_GT(result.best_valid->accuracy, 0.6) << name;  // chance is 0.25
    ASSERT_TRUE(result.test.has_value()) << name;
    EXPECT_GT(result.test->accuracy, 0.5) << name;
  }
}

TEST_F(Training, StopFlagHaltsWithinOneStep) {
  constexpr std::int64_t k = 7;
  std::atomic<bool> stop{false};
  Recorder rec;
  rec.step_hook = [&](const StepReport& r) {
    if (r.step == k) stop = true;
  };
  const TrainResult result = train(small_config(), root_ / "run", rec, stop);
  EXPECT_TRUE(result.stopped);
  EXPECT_FALSE(result.diverged);
  EXPECT_EQ(result.steps, k);
  EXPECT_EQ(rec.steps.size(), static_cast<std::size_t>(k));
  ASSERT_TRUE(fs::exists(root_ / "run" / "last" / "train_state.json"));
  EXPECT_EQ(read_json(root_ / "run" / "last" / "train_state.json").at("step").get<std::int64_t>(), k);
  EXPECT_TRUE(fs::exists(root_ / "run" / "best" / "config.json"));
}

// Run A uninterrupted; run B stopped after `k` steps, then resumed from last/ to the end.
void expect_resume_matches(const fs::path& root, std::int64_t k) {
  TrainConfig config = small_config();
  config.eval_every = 10;  // 40 steps over 2 epochs: evaluations at 10, 20, 30, 40
  std::atomic<bool> never{false};

  Trainer a(tiny_model(), config, data_for(config), root / "a", torch::kCPU);
  Recorder rec_a;
  const TrainResult result_a = a.run(rec_a, never);
  ASSERT_EQ(result_a.steps, 2 * kBatchesPerEpoch);

  {
    std::atomic<bool> stop{false};
    Recorder rec_b;
    rec_b.step_hook = [&](const StepReport& r) {
      if (r.step == k) stop = true;
    };
    Trainer b(tiny_model(), config, data_for(config), root / "b", torch::kCPU);
    const TrainResult stopped = b.run(rec_b, stop);
    ASSERT_TRUE(stopped.stopped);
    ASSERT_EQ(stopped.steps, k);
  }
  // Scramble the global generator: resume must restore it, not rely on where it was.
  torch::manual_seed(12345);
  TrainedModel last = load_trained_model(root / "b" / "last");
  TrainingData data = data_for(config, std::move(last.tokenizer), last.checkpoint.contents.labels);
  Trainer resumed(tiny_model(), config, std::move(data), root / "b", torch::kCPU, /*resume=*/true);
  Recorder rec_r;
  const TrainResult result_r = resumed.run(rec_r, never);
  EXPECT_EQ(result_r.steps, 2 * kBatchesPerEpoch);
  ASSERT_FALSE(rec_r.steps.empty());
  EXPECT_EQ(rec_r.steps.front().step, k + 1);
  for (const auto& r : rec_r.steps) {
    EXPECT_EQ(r.loss, rec_a.steps.at(static_cast<std::size_t>(r.step - 1)).loss) << "step " << r.step;
    // Counted over the run and its resumes, not since this process started.
    EXPECT_EQ(r.tokens_seen, rec_a.steps.at(static_cast<std::size_t>(r.step - 1)).tokens_seen) << "step " << r.step;
  }
  // The resumed run's log, read back, is the uninterrupted run's (steps, losses, tokens).
  const MetricsLog log_a = read_metrics_log(root / "a" / "metrics.jsonl");
  const MetricsLog log_b = read_metrics_log(root / "b" / "metrics.jsonl");
  ASSERT_EQ(log_b.steps.size(), log_a.steps.size());
  for (std::size_t i = 0; i < log_a.steps.size(); ++i) {
    EXPECT_EQ(log_b.steps[i].step, log_a.steps[i].step);
    EXPECT_EQ(log_b.steps[i].loss, log_a.steps[i].loss);
    EXPECT_EQ(log_b.steps[i].tokens_seen, log_a.steps[i].tokens_seen) << "step " << log_a.steps[i].step;
  }
  ASSERT_EQ(log_b.evals.size(), log_a.evals.size());
  for (std::size_t i = 0; i < log_a.evals.size(); ++i) {
    EXPECT_EQ(log_b.evals[i].tokens_seen, log_a.evals[i].tokens_seen) << "evaluation " << i;
  }

  const auto params_a = a.model()->named_parameters();
  const auto params_r = resumed.model()->named_parameters();
  ASSERT_EQ(params_a.size(), params_r.size());
  for (const auto& item : params_a) {
    ASSERT_TRUE(params_r.contains(item.key())) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), params_r[item.key()])) << item.key() << " differs after resume at " << k;
  }
  ASSERT_TRUE(result_a.best_valid && result_r.best_valid);
  EXPECT_EQ(result_a.best_valid->accuracy, result_r.best_valid->accuracy);
  EXPECT_EQ(result_a.best_valid->loss, result_r.best_valid->loss);
  ASSERT_TRUE(result_a.test && result_r.test);
  EXPECT_EQ(result_a.test->accuracy, result_r.test->accuracy);
}

TEST_F(Training, ResumeEqualsUninterruptedMidInterval) { expect_resume_matches(root_, 13); }
TEST_F(Training, ResumeEqualsUninterruptedOnEvalStep) { expect_resume_matches(root_, 10); }
TEST_F(Training, ResumeEqualsUninterruptedAtEpochEnd) { expect_resume_matches(root_, kBatchesPerEpoch); }

// Poisons one parameter with NaN inside on_step at step k; the next step must diverge.
TrainResult train_with_nan_at(const TrainConfig& config, const fs::path& dir, std::int64_t k, Recorder& rec) {
  Trainer trainer(tiny_model(), config, data_for(config), dir, torch::kCPU);
  rec.step_hook = [&](const StepReport& r) {
    if (r.step != k) return;
    torch::NoGradGuard no_grad;
    trainer.model()->named_parameters()["classifier.weight"].fill_(std::nan(""));
  };
  std::atomic<bool> never{false};
  return trainer.run(rec, never);
}

TEST_F(Training, NanLossStopsAndKeepsLastGoodCheckpoint) {
  constexpr std::int64_t k = 5;  // evaluations only at epoch ends (step 20)
  Recorder rec;
  const TrainResult result = train_with_nan_at(small_config(), root_ / "run", k, rec);
  EXPECT_TRUE(result.diverged);
  EXPECT_FALSE(result.stopped);
  EXPECT_NE(result.reason.find("NaN"), std::string::npos) << result.reason;
  EXPECT_EQ(rec.steps.size(), static_cast<std::size_t>(k));  // no step after the poisoned one
  LoadedCheckpoint last = load_checkpoint(root_ / "run" / "last");
  EXPECT_TRUE(all_finite(last.model));
}

// Engine bug (reported): the diverged path returns before `result.steps` is set, so it
// reads 0 although k steps were done.
TEST_F(Training, NanLossReportsStepsDone) {
  Recorder rec;
  const TrainResult result = train_with_nan_at(small_config(), root_ / "run", 5, rec);
  EXPECT_TRUE(result.diverged);
  EXPECT_EQ(result.steps, 5);
}

// Engine bug (reported): when the weights turn NaN on an evaluation step, that
// evaluation still writes them to last/, so the "last good checkpoint" is not good.
TEST_F(Training, NanWeightsOnEvalStepKeepLastFinite) {
  TrainConfig config = small_config();
  config.eval_every = 10;
  Recorder rec;
  const TrainResult result = train_with_nan_at(config, root_ / "run", 10, rec);
  EXPECT_TRUE(result.diverged);
  LoadedCheckpoint last = load_checkpoint(root_ / "run" / "last");
  EXPECT_TRUE(all_finite(last.model));
  // The poisoned evaluation was the first one: no weights ever earned best/.
  EXPECT_FALSE(fs::exists(root_ / "run" / "best"));
}

TEST_F(Training, TimeBudgetStopsAndLeavesBest) {
  TrainConfig config = small_config();
  config.time_budget_s = 0.001;
  Recorder rec;
  std::atomic<bool> never{false};
  const TrainResult result = train(config, root_ / "run", rec, never);
  EXPECT_TRUE(result.stopped);
  EXPECT_FALSE(result.diverged);
  EXPECT_LT(result.steps, 2 * kBatchesPerEpoch);
  EXPECT_NE(result.reason.find("time budget"), std::string::npos) << result.reason;
  EXPECT_TRUE(fs::exists(root_ / "run" / "best" / "config.json"));
  EXPECT_NO_THROW(load_trained_model(root_ / "run"));
}

TEST_F(Training, EarlyStoppingAfterPatience) {
  TrainConfig config = small_config();
  config.epochs = 5;
  config.eval_every = 5;
  config.patience = 2;
  // So small that every update rounds away in float32: no evaluation can improve on the
  // first, not even by the loss tie-break.
  config.lr = 1e-12;
  Recorder rec;
  std::atomic<bool> never{false};
  const TrainResult result = train(config, root_ / "run", rec, never);
  const auto valid = rec.valid_evals();
  ASSERT_EQ(valid.size(), 3u);
  EXPECT_TRUE(valid[0].improved);
  EXPECT_FALSE(valid[1].improved);
  EXPECT_FALSE(valid[2].improved);
  EXPECT_EQ(valid[2].step, 15);
  EXPECT_EQ(result.steps, 15);
  EXPECT_FALSE(result.stopped);
  EXPECT_NE(result.reason.find("early stop"), std::string::npos) << result.reason;
}

TEST_F(Training, MetricsJsonlHasOneLinePerReport) {
  TrainConfig config = small_config();
  config.eval_every = 15;  // evaluations at 15, 20 (epoch end), 30, 40 (epoch end)
  Recorder rec;
  std::atomic<bool> never{false};
  const TrainResult result = train(config, root_ / "run", rec, never);
  std::ifstream in(root_ / "run" / "metrics.jsonl");
  std::size_t steps = 0, valid = 0, test = 0;
  std::vector<std::int64_t> eval_steps;
  std::vector<nlohmann::json> epochs;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);  // throws on a bad line
    const std::string type = j.at("type");
    if (type == "epoch") {
      epochs.push_back(j);
    } else if (type == "step") {
      ++steps;
      EXPECT_EQ(j.at("step").get<std::int64_t>(), static_cast<std::int64_t>(steps));
      EXPECT_DOUBLE_EQ(j.at("loss").get<double>(), rec.steps.at(steps - 1).loss);
    } else {
      ASSERT_EQ(type, "eval") << line;
      if (j.at("split") == "valid") {
        ++valid;
        eval_steps.push_back(j.at("step").get<std::int64_t>());
      } else {
        ++test;
        EXPECT_DOUBLE_EQ(j.at("metrics").at("accuracy").get<double>(), result.test->accuracy);
      }
    }
  }
  EXPECT_EQ(steps, rec.steps.size());
  EXPECT_EQ(steps, 40u);

  // tokens_seen: every training example's tokens once per epoch, counted here from the data.
  std::int64_t per_epoch = 0;
  for (const auto& ids : data_for(config).train.ids) per_epoch += static_cast<std::int64_t>(ids.size());
  EXPECT_EQ(rec.steps.at(kBatchesPerEpoch - 1).tokens_seen, per_epoch);
  EXPECT_EQ(rec.steps.back().tokens_seen, config.epochs * per_epoch);
  const MetricsLog log = read_metrics_log(root_ / "run" / "metrics.jsonl");
  ASSERT_EQ(log.steps.size(), rec.steps.size());
  EXPECT_EQ(log.steps.back().tokens_seen, config.epochs * per_epoch);
  ASSERT_EQ(log.evals.size(), rec.evals.size());
  for (std::size_t i = 0; i < log.evals.size(); ++i) {
    EXPECT_EQ(log.evals[i].tokens_seen, rec.steps.at(static_cast<std::size_t>(log.evals[i].step - 1)).tokens_seen);
    EXPECT_EQ(log.evals[i].metrics.accuracy, rec.evals[i].metrics.accuracy);
    EXPECT_EQ(log.evals[i].metrics.confusion, rec.evals[i].metrics.confusion);
  }
  EXPECT_EQ(valid + test, rec.evals.size());
  EXPECT_EQ(eval_steps, (std::vector<std::int64_t>{15, 20, 30, 40}));
  EXPECT_EQ(test, 1u);

  // One "epoch" line as each epoch starts: its batches and padding, counted here from the
  // encoded data and the seeded plan (each batch as long as its longest sequence).
  ASSERT_EQ(epochs.size(), 2u);
  const TrainingData data = data_for(config);
  for (std::int64_t e = 0; e < 2; ++e) {
    const auto plan = plan_batches(data.train.ids, config.batch_size, true, config.seed * 1000003ULL + static_cast<std::uint64_t>(e));
    double real = 0, slots = 0;
    for (const auto& batch : plan) {
      std::size_t longest = 0;
      for (const auto i : batch) longest = std::max(longest, data.train.ids[static_cast<std::size_t>(i)].size());
      for (const auto i : batch) real += static_cast<double>(data.train.ids[static_cast<std::size_t>(i)].size());
      slots += static_cast<double>(longest * batch.size());
    }
    const nlohmann::json& j = epochs[static_cast<std::size_t>(e)];
    EXPECT_EQ(j.at("epoch").get<std::int64_t>(), e);
    EXPECT_EQ(j.at("batches").get<std::int64_t>(), kBatchesPerEpoch);
    EXPECT_EQ(j.at("real_tokens").get<double>(), real);
    EXPECT_EQ(j.at("token_slots").get<double>(), slots);
    EXPECT_NEAR(j.at("padding").get<double>(), 1.0 - real / slots, 1e-12);
  }
  // And the observer hears it (the CLI's and the Studio's log).
  EXPECT_NE(std::find_if(rec.messages.begin(), rec.messages.end(),
                         [](const std::string& m) { return m.rfind("epoch 1 of 2: 20 batches, padding ", 0) == 0; }),
            rec.messages.end());
}

TEST_F(Training, BestCheckpointReproducesReportedMetrics) {
  TrainConfig config = small_config();
  config.epochs = 3;
  Recorder rec;
  std::atomic<bool> never{false};
  const TrainResult result = train(config, root_ / "run", rec, never);
  ASSERT_TRUE(result.test.has_value());
  ASSERT_TRUE(result.best_valid.has_value());

  TrainedModel best = load_trained_model(root_ / "run");  // a run directory: best/
  EXPECT_EQ(best.dir, root_ / "run" / "best");
  EXPECT_EQ(best.data, kSpec);
  EXPECT_EQ(best.train.seed, config.seed);
  const TrainingData data = data_for(config, std::move(best.tokenizer), best.checkpoint.contents.labels);
  const ClassificationMetrics test = evaluate(best.checkpoint.model, data.test, config.batch_size, torch::kCPU);
  const ClassificationMetrics valid = evaluate(best.checkpoint.model, data.valid, config.batch_size, torch::kCPU);
  EXPECT_EQ(test.examples, 40);
  EXPECT_EQ(test.accuracy, result.test->accuracy);
  EXPECT_EQ(test.confusion, result.test->confusion);
  EXPECT_NEAR(test.loss, result.test->loss, 1e-6);
  EXPECT_EQ(valid.accuracy, result.best_valid->accuracy);
  EXPECT_NEAR(valid.loss, result.best_valid->loss, 1e-6);
}

}  // namespace
}  // namespace fastformer
