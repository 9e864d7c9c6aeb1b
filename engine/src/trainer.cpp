// The training loop and its checkpoints (best/ and last/), evaluation and stopping rules.
#include "fastformer/trainer.h"

#include "fastformer/checkpoint.h"
#include "fastformer/error.h"
#include "fastformer/evaluate.h"
#include "fastformer/lr_schedule.h"
#include "train_state.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <fstream>

namespace fastformer {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<torch::optim::Optimizer> make_optimizer(Model& model, const TrainConfig& c) {
  // Weight decay on matrices only: biases and LayerNorm gains are left alone (as BERT).
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  if (c.optimizer == OptimizerKind::adamw) {
    const auto options = [&](double wd) {
      return torch::optim::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).eps(c.adam_eps).weight_decay(wd);
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options(c.weight_decay)));
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(options(0.0)));
    return std::make_unique<torch::optim::AdamW>(std::move(groups), options(c.weight_decay));
  }
  const auto options = [&](double wd) {
    return torch::optim::AdamOptions(c.lr).betas({c.beta1, c.beta2}).eps(c.adam_eps).weight_decay(wd);
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamOptions>(options(c.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamOptions>(options(0.0)));
  return std::make_unique<torch::optim::Adam>(std::move(groups), options(c.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, OptimizerKind kind, double lr) {
  for (auto& group : optimizer.param_groups()) {
    if (kind == OptimizerKind::adamw) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    } else {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    }
  }
}

// The same order on every run with this seed and epoch, so a resumed run sees it again.
std::vector<std::vector<std::int64_t>> epoch_batches(const TrainingData& data, const TrainConfig& c,
                                                     std::int64_t epoch) {
  return plan_batches(data.train.ids, c.batch_size, /*shuffle=*/true, c.seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
}

}  // namespace

struct Trainer::State {
  ModelConfig model_config;
  TrainConfig config;
  TrainingData data;
  fs::path run_dir;
  torch::Device device;
  Model model{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  TrainCounters counters;
  std::int64_t batches_per_epoch = 0;
  std::int64_t total_steps = 0;
  std::ofstream metrics_log;

  State(ModelConfig m, TrainConfig t, TrainingData d, fs::path dir, torch::Device dev)
      : model_config(std::move(m)), config(std::move(t)), data(std::move(d)), run_dir(std::move(dir)), device(dev) {}

  void log(const nlohmann::json& line) { metrics_log << line.dump() << "\n" << std::flush; }

  void save(const fs::path& dir, bool with_train_state) {
    const nlohmann::json extra{{"train", to_json(config)}, {"data", data.source}};
    save_checkpoint(dir, model, data.labels, extra, [&](const fs::path& tmp) {
      if (with_train_state) save_train_state(tmp, counters, *optimizer);
      return nlohmann::json{{"tokenizer", data.tokenizer->save(tmp)}};
    });
  }

  // Evaluates on valid, keeps best/ when it improved, and always refreshes last/.
  EvalReport evaluate_valid(TrainObserver& observer) {
    EvalReport report{counters.step, counters.epoch, "valid",
                      evaluate(model, data.valid, config.batch_size, device), false};
    const auto& m = report.metrics;
    report.improved = m.accuracy > counters.best_accuracy ||
                      (m.accuracy == counters.best_accuracy && m.loss < counters.best_loss);
    if (report.improved) {
      counters.best_accuracy = m.accuracy;
      counters.best_loss = m.loss;
      counters.evals_since_best = 0;
      save(run_dir / "best", false);
    } else {
      ++counters.evals_since_best;
    }
    save(run_dir / "last", true);
    log({{"type", "eval"}, {"split", "valid"}, {"step", report.step}, {"epoch", report.epoch},
         {"improved", report.improved}, {"metrics", to_json(m, data.labels)}});
    observer.on_eval(report);
    return report;
  }
};

Trainer::Trainer(ModelConfig model_config, TrainConfig train_config, TrainingData data, fs::path run_dir,
                 torch::Device device, bool resume)
    : state_(std::make_unique<State>(std::move(model_config), std::move(train_config), std::move(data),
                                     std::move(run_dir), device)) {
  State& s = *state_;
  s.config.validate();
  if (s.data.train.ids.empty()) throw Error("the training split is empty", s.data.source);
  if (s.data.valid.ids.empty()) throw Error("the validation split is empty", s.data.source, "add data or raise valid_fraction");
  s.model_config.vocab_size = s.data.tokenizer->vocab_size();
  s.model_config.classes = static_cast<std::int64_t>(s.data.labels.size());
  s.model_config.max_len = std::max(s.model_config.max_len, s.config.max_len);
  if (resume) {
    LoadedCheckpoint last = load_checkpoint(s.run_dir / "last");
    s.model = last.model;
    s.model->train();
  } else {
    torch::manual_seed(s.config.seed);
    s.model = Model(s.model_config);
  }
  s.model->to(device);
  s.optimizer = make_optimizer(s.model, s.config);
  if (resume) s.counters = load_train_state(s.run_dir / "last", *s.optimizer);
  s.batches_per_epoch = static_cast<std::int64_t>(epoch_batches(s.data, s.config, 0).size());
  s.total_steps = s.config.epochs * s.batches_per_epoch;
  if (s.config.max_steps > 0) s.total_steps = std::min(s.total_steps, s.config.max_steps);
  fs::create_directories(s.run_dir);
  s.metrics_log.open(s.run_dir / "metrics.jsonl", resume ? std::ios::app : std::ios::trunc);
  if (!s.metrics_log) throw Error("cannot write metrics.jsonl", s.run_dir.string());
}

Trainer::~Trainer() = default;

Model& Trainer::model() { return state_->model; }
const TrainConfig& Trainer::config() const { return state_->config; }
std::int64_t Trainer::total_steps() const { return state_->total_steps; }

TrainResult Trainer::run(TrainObserver& observer, const std::atomic<bool>& stop) {
  State& s = *state_;
  TrainResult result;
  const auto start = Clock::now();
  const double elapsed_before = s.counters.elapsed_s;
  const std::int64_t step_before = s.counters.step;
  std::int64_t tokens = 0;
  const auto elapsed = [&] { return elapsed_before + std::chrono::duration<double>(Clock::now() - start).count(); };
  const bool epoch_evals_only = s.config.eval_every <= 0;
  // The NaN guard promises a last good checkpoint: have one before the first step.
  if (!fs::exists(s.run_dir / "last")) s.save(s.run_dir / "last", true);

  while (s.counters.step < s.total_steps && s.counters.epoch < s.config.epochs) {
    const auto batches = epoch_batches(s.data, s.config, s.counters.epoch);
    for (; s.counters.batch_in_epoch < static_cast<std::int64_t>(batches.size()) && s.counters.step < s.total_steps;
         ++s.counters.batch_in_epoch) {
      if (stop.load()) {
        result.stopped = true;
        result.reason = "stopped on request after step " + std::to_string(s.counters.step);
        break;
      }
      if (s.config.time_budget_s > 0 && elapsed() >= s.config.time_budget_s) {
        result.stopped = true;
        result.reason = "time budget of " + std::to_string(static_cast<int>(s.config.time_budget_s)) + " s reached";
        break;
      }
      const Batch batch = make_batch(s.data.train, batches[s.counters.batch_in_epoch]);
      const double lr = learning_rate(s.config, s.counters.step, s.total_steps);
      set_learning_rate(*s.optimizer, s.config.optimizer, lr);

      const torch::Tensor logits =
          s.model->forward(batch.inputs.ids.to(s.device), batch.inputs.mask.to(s.device)).logits;  // (B,C)
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels.to(s.device));
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        result.diverged = true;
        result.reason = "the loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                        std::to_string(s.counters.step + 1) + "; the last good checkpoint in " +
                        (s.run_dir / "last").string() + " is kept (try a lower lr or clip_norm)";
        observer.on_message(result.reason);
        s.log({{"type", "diverged"}, {"step", s.counters.step + 1}});
        return result;
      }
      s.optimizer->zero_grad();
      loss.backward();
      if (s.config.clip_norm > 0) torch::nn::utils::clip_grad_norm_(s.model->parameters(), s.config.clip_norm);
      s.optimizer->step();
      ++s.counters.step;
      tokens += batch.real_tokens;

      StepReport report;
      report.step = s.counters.step;
      report.total_steps = s.total_steps;
      report.epoch = s.counters.epoch;
      report.loss = loss_value;
      report.lr = lr;
      report.elapsed_s = elapsed();
      const double session_s = report.elapsed_s - elapsed_before;
      report.tokens_per_s = session_s > 0 ? static_cast<double>(tokens) / session_s : 0.0;
      const double per_step = session_s / static_cast<double>(s.counters.step - step_before);
      report.eta_s = per_step * static_cast<double>(s.total_steps - s.counters.step);
      s.log({{"type", "step"}, {"step", report.step}, {"epoch", report.epoch}, {"loss", report.loss},
             {"lr", report.lr}, {"tokens_per_s", report.tokens_per_s}, {"elapsed_s", report.elapsed_s}});
      observer.on_step(report);

      if (!epoch_evals_only && s.counters.step % s.config.eval_every == 0) {
        s.counters.elapsed_s = elapsed();
        s.counters.batch_in_epoch += 1;  // last/ must resume after this batch
        s.evaluate_valid(observer);
        s.counters.batch_in_epoch -= 1;
        if (s.config.patience > 0 && s.counters.evals_since_best >= s.config.patience) {
          result.reason = "early stop: no improvement in " + std::to_string(s.config.patience) + " evaluations";
          break;
        }
      }
    }
    if (result.stopped || !result.reason.empty()) break;
    if (s.counters.batch_in_epoch >= static_cast<std::int64_t>(batches.size())) {
      s.counters.batch_in_epoch = 0;
      ++s.counters.epoch;
      s.counters.elapsed_s = elapsed();
      if (epoch_evals_only || s.counters.step % s.config.eval_every != 0) s.evaluate_valid(observer);
      if (s.config.patience > 0 && s.counters.evals_since_best >= s.config.patience) {
        result.reason = "early stop: no improvement in " + std::to_string(s.config.patience) + " evaluations";
        break;
      }
    }
  }
  result.steps = s.counters.step;
  s.counters.elapsed_s = elapsed();
  if (s.counters.best_accuracy < 0) {
    s.evaluate_valid(observer);  // stopped before the first evaluation: still leave best/
  } else {
    s.save(s.run_dir / "last", true);
  }
  if (result.reason.empty()) result.reason = "finished " + std::to_string(s.counters.step) + " steps";
  result.best_valid = ClassificationMetrics{};
  result.best_valid->accuracy = s.counters.best_accuracy;
  result.best_valid->loss = s.counters.best_loss;
  if (!stop.load() && !s.data.test.ids.empty()) {
    LoadedCheckpoint best = load_checkpoint(s.run_dir / "best");
    best.model->to(s.device);
    result.test = evaluate(best.model, s.data.test, s.config.batch_size, s.device);
    s.log({{"type", "eval"}, {"split", "test"}, {"step", s.counters.step}, {"checkpoint", "best"},
           {"metrics", to_json(*result.test, s.data.labels)}});
    observer.on_eval({s.counters.step, s.counters.epoch, "test", *result.test, false});
  }
  observer.on_message(result.reason);
  return result;
}

}  // namespace fastformer
