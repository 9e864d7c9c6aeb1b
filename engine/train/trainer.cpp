// The training loop and its checkpoints (best/ and last/), evaluation and stopping rules.
#include "fastformer/trainer.h"

#include "fastformer/checkpoint.h"
#include "fastformer/error.h"
#include "fastformer/evaluate.h"
#include "train/lr_schedule.h"
#include "fastformer/mixed_precision.h"
#include "fastformer/model.h"
#include "train/optimizer.h"
#include "distributed/train_distributed.h"
#include "train/train_state.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <fstream>

namespace fastformer {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

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
  std::shared_ptr<Communicator> comm;  // null: one process
  LossScaler scaler{false};            // fp16: dynamic loss scaling

  State(ModelConfig m, TrainConfig t, TrainingData d, fs::path dir, torch::Device dev, std::shared_ptr<Communicator> c)
      : model_config(std::move(m)), config(std::move(t)), data(std::move(d)), run_dir(std::move(dir)), device(dev),
        comm(std::move(c)) {}

  // Rank 0 (or the only process) writes the run directory; the other ranks only compute.
  bool primary() const { return !comm || comm->rank() == 0; }

  void log(const nlohmann::json& line) {
    if (primary()) metrics_log << line.dump() << "\n" << std::flush;
  }

  void save(const fs::path& dir, bool with_train_state) {
    if (!primary()) return;
    const nlohmann::json extra{{"train", to_json(config)}, {"data", data.source}};
    save_checkpoint(dir, model, data.labels, extra, [&](const fs::path& tmp) {
      if (with_train_state) save_train_state(tmp, counters, *optimizer);
      return nlohmann::json{{"tokenizer", data.tokenizer->save(tmp)}};
    });
  }

  bool parameters_finite() {
    torch::NoGradGuard no_grad;
    for (const auto& p : model->parameters()) {
      if (!torch::isfinite(p).all().item<bool>()) return false;
    }
    return true;
  }

  // Evaluates on valid, keeps best/ when it improved, and always refreshes last/.
  // Returns false, saving nothing, when the weights or the loss are no longer finite.
  bool evaluate_valid(TrainObserver& observer) {
    EvalReport report{counters.step, counters.epoch, "valid", evaluate_split(data.valid), false,
                      counters.elapsed_s, counters.tokens_seen};
    last_eval_step = counters.step;
    const auto& m = report.metrics;
    if (!std::isfinite(m.loss) || !parameters_finite()) return false;
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
    log(log_line(report, data.labels));
    observer.on_eval(report);
    return true;
  }

  ClassificationMetrics evaluate_split(const EncodedSplit& split) {
    return comm ? evaluate_sharded(model, split, config.batch_size, device, *comm)
                : evaluate(model, split, config.batch_size, device);
  }

  bool patience_exhausted() const { return config.patience > 0 && counters.evals_since_best >= config.patience; }

  // One optimiser step on the global batch `indices` (this rank's shard of it when
  // distributed). Returns the batch's mean loss; a non-finite loss leaves the weights
  // untouched on every rank.
  double train_step(const std::vector<std::int64_t>& indices, double lr) {
    std::vector<std::int64_t> mine = comm ? shard_of(indices, comm->rank(), comm->world_size()) : indices;
    // A rank whose shard is empty runs one example with weight 0, so that it defines the
    // same gradients as the others (zeros) and the all-reduce lines up.
    const bool idle = mine.empty();
    if (idle) mine.push_back(indices.front());
    const Batch batch = make_batch(data.train, mine);
    validate_ids(batch.inputs.ids, model->config().vocab_size);  // on the host, before the device
    set_learning_rate(*optimizer, config.optimizer, lr);
    torch::Tensor logits;  // (B,C)
    {
      AutocastScope autocast(device, config.precision);  // bf16/fp16 forward; weights stay float32
      logits = model->forward(batch.inputs.ids.to(device), batch.inputs.mask.to(device)).logits;
    }
    const torch::Tensor summed = torch::nn::functional::cross_entropy(
        logits.to(torch::kFloat), batch.labels.to(device),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    // The global batch's mean: Σ over all ranks of (this shard's sum / global size).
    const torch::Tensor loss = idle ? summed * 0.0 : summed / static_cast<double>(indices.size());  // ()
    double value = loss.item<double>();
    step_tokens = idle ? 0 : batch.real_tokens;
    if (comm) {
      const auto total = comm->sum({value, static_cast<double>(step_tokens)});
      value = total[0];
      step_tokens = static_cast<std::int64_t>(total[1]);
    }
    if (!std::isfinite(value)) return value;
    optimizer->zero_grad();
    (scaler.enabled() ? loss * scaler.scale() : loss).backward();
    std::vector<torch::Tensor> grads;  // this rank's part of the gradient of the global mean
    for (const auto& p : model->parameters()) {
      if (p.grad().defined()) grads.push_back(p.grad());
    }
    if (comm) comm->all_reduce_sum(grads);
    // fp16: a step whose scaled gradients overflowed is skipped (on every rank alike).
    const bool finite = !scaler.enabled() || scaler.unscale(grads);
    scaler.update(finite);
    if (finite) {
      if (config.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), config.clip_norm);
      optimizer->step();
    }
    ++counters.step;
    return value;
  }

  // A stop request or the time budget on any rank stops all of them after the same step.
  std::pair<bool, bool> should_stop(bool requested, bool out_of_time) {
    if (!comm) return {requested, out_of_time};
    const auto votes = comm->sum({requested ? 1.0 : 0.0, out_of_time ? 1.0 : 0.0});
    return {votes[0] > 0, votes[1] > 0};
  }

  TrainResult run_steps(TrainObserver& observer, const std::atomic<bool>& stop);

  std::int64_t last_eval_step = -1;
  std::int64_t step_tokens = 0;
};

Trainer::Trainer(ModelConfig model_config, TrainConfig train_config, TrainingData data, fs::path run_dir,
                 torch::Device device, bool resume, std::shared_ptr<Communicator> communicator)
    : state_(std::make_unique<State>(std::move(model_config), std::move(train_config), std::move(data),
                                     std::move(run_dir), device, std::move(communicator))) {
  State& s = *state_;
  s.config.validate();
  check_precision(device, s.config.precision);
  s.scaler = LossScaler(s.config.precision == PrecisionKind::fp16);
  if (s.data.train.ids.empty()) throw Error("the training split is empty", s.data.source);
  if (s.data.valid.ids.empty()) throw Error("the validation split is empty", s.data.source, "add data or raise valid_fraction");
  s.model_config.vocab_size = s.data.tokenizer->vocab_size();
  s.model_config.classes = static_cast<std::int64_t>(s.data.labels.size());
  // Positions past the truncation length would never train.
  s.model_config.max_len = s.config.max_len - (s.model_config.cls_token ? 0 : 1);
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
  if (resume) s.counters = load_train_state(existing_checkpoint(s.run_dir / "last"), *s.optimizer);
  s.batches_per_epoch = static_cast<std::int64_t>(epoch_batches(s.data, s.config, 0).size());
  s.total_steps = s.config.epochs * s.batches_per_epoch;
  if (s.config.max_steps > 0) s.total_steps = std::min(s.total_steps, s.config.max_steps);
  if (s.comm) {
    s.comm->check_same("data", data_fingerprint(s.data));
    s.comm->check_same("settings", "settings " + digest(to_json(s.config).dump() + to_json(s.model_config).dump()));
    s.comm->check_same("resume point", "step " + std::to_string(s.counters.step));
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> weights = s.model->parameters();
    for (const auto& b : s.model->buffers()) weights.push_back(b);
    s.comm->broadcast(weights, 0);  // all ranks start from rank 0's weights
  }
  if (!s.primary()) return;
  fs::create_directories(s.run_dir);
  s.metrics_log.open(s.run_dir / "metrics.jsonl", resume ? std::ios::app : std::ios::trunc);
  if (!s.metrics_log) throw Error("cannot write metrics.jsonl", s.run_dir.string());
}

Trainer::~Trainer() = default;

Model& Trainer::model() { return state_->model; }

void Trainer::load_weights(const fs::path& checkpoint_dir) {
  const fs::path weights = checkpoint_dir / "model.safetensors";
  load_parameters(state_->model, load_safetensors(weights.string()).tensors, weights.string());
}
const TrainConfig& Trainer::config() const { return state_->config; }
std::int64_t Trainer::total_steps() const { return state_->total_steps; }

TrainResult Trainer::run(TrainObserver& observer, const std::atomic<bool>& stop) {
  try {
    return state_->run_steps(observer, stop);
  } catch (const CommunicationError& e) {
    State& s = *state_;
    TrainResult result;
    result.lost_peer = true;
    result.steps = s.counters.step;
    result.reason = e.problem() + " after step " + std::to_string(s.counters.step) + " (" + e.hint() +
                    "); the last checkpoint in " + (s.run_dir / "last").string() + " is kept (continue with --resume)";
    s.log({{"type", "lost_peer"}, {"step", s.counters.step}, {"reason", result.reason}});
    observer.on_message(result.reason);
    return result;
  }
}

TrainResult Trainer::State::run_steps(TrainObserver& observer, const std::atomic<bool>& stop) {
  State& s = *this;
  TrainResult result;
  bool requested = false;  // a stop request ended the loop (on any rank)
  const auto start = Clock::now();
  const double elapsed_before = s.counters.elapsed_s;
  const std::int64_t step_before = s.counters.step;
  std::int64_t tokens = 0;
  const auto elapsed = [&] { return elapsed_before + std::chrono::duration<double>(Clock::now() - start).count(); };
  const auto diverged = [&](const std::string& what) {
    result.diverged = true;
    result.steps = s.counters.step;
    result.reason = what + " at step " + std::to_string(s.counters.step) + "; the last good checkpoint in " +
                    (s.run_dir / "last").string() + " is kept (try a lower lr or clip_norm)";
    s.log({{"type", "diverged"}, {"step", s.counters.step}, {"reason", result.reason}});
    observer.on_message(result.reason);
    return result;
  };
  // The NaN guard promises a last good checkpoint: have one before the first step.
  if (s.primary() && !fs::exists(s.run_dir / "last")) s.save(s.run_dir / "last", true);

  while (result.reason.empty() && s.counters.step < s.total_steps && s.counters.epoch < s.config.epochs) {
    const auto batches = epoch_batches(s.data, s.config, s.counters.epoch);
    const auto epoch_size = static_cast<std::int64_t>(batches.size());
    if (s.counters.batch_in_epoch == 0) {  // a resume mid-epoch logged it already
      const PaddingShare padding = padding_of(s.data.train.ids, batches);
      s.log(log_line(EpochReport{s.counters.epoch, epoch_size, padding.real_tokens, padding.token_slots}));
      char text[160];
      std::snprintf(text, sizeof text, "epoch %lld of %lld: %lld batches, padding %.1f%% of %.2f M token slots",
                    static_cast<long long>(s.counters.epoch + 1), static_cast<long long>(s.config.epochs),
                    static_cast<long long>(epoch_size), 100.0 * padding.share(), static_cast<double>(padding.token_slots) / 1e6);
      observer.on_message(text);
    }
    while (result.reason.empty() && s.counters.batch_in_epoch < epoch_size && s.counters.step < s.total_steps) {
      const auto [stop_now, out_of_time] =
          s.should_stop(stop.load(), s.config.time_budget_s > 0 && elapsed() >= s.config.time_budget_s);
      if (stop_now) {
        requested = true;
        result.stopped = true;
        result.reason = "stopped on request after step " + std::to_string(s.counters.step);
        break;
      }
      if (out_of_time) {
        result.stopped = true;
        char text[96];
        std::snprintf(text, sizeof text, "time budget of %g s reached", s.config.time_budget_s);
        result.reason = text;
        break;
      }
      const double lr = learning_rate(s.config, s.counters.step, s.total_steps);
      const double loss = s.train_step(batches[s.counters.batch_in_epoch], lr);
      if (!std::isfinite(loss)) return diverged(std::string("the loss became ") + (std::isnan(loss) ? "NaN" : "infinite"));
      ++s.counters.batch_in_epoch;
      tokens += s.step_tokens;
      s.counters.tokens_seen += s.step_tokens;

      StepReport report;
      report.step = s.counters.step;
      report.total_steps = s.total_steps;
      report.epoch = s.counters.epoch;
      report.loss = loss;
      report.lr = lr;
      report.elapsed_s = elapsed();
      report.tokens_seen = s.counters.tokens_seen;
      const double since_start_s = report.elapsed_s - elapsed_before;
      report.tokens_per_s = since_start_s > 0 ? static_cast<double>(tokens) / since_start_s : 0.0;
      report.eta_s = since_start_s / static_cast<double>(s.counters.step - step_before) *
                     static_cast<double>(s.total_steps - s.counters.step);
      s.log(log_line(report));
      observer.on_step(report);

      if (s.config.eval_every > 0 && s.counters.step % s.config.eval_every == 0) {
        s.counters.elapsed_s = elapsed();
        if (!s.evaluate_valid(observer)) return diverged("the weights or the validation loss became non-finite");
        if (s.patience_exhausted()) result.reason = "early stop: no improvement in " + std::to_string(s.config.patience) + " evaluations";
      }
    }
    if (!result.reason.empty() || s.counters.batch_in_epoch < epoch_size) break;
    s.counters.batch_in_epoch = 0;
    ++s.counters.epoch;
    if (s.last_eval_step != s.counters.step) {
      s.counters.elapsed_s = elapsed();
      if (!s.evaluate_valid(observer)) return diverged("the weights or the validation loss became non-finite");
      if (s.patience_exhausted()) result.reason = "early stop: no improvement in " + std::to_string(s.config.patience) + " evaluations";
    }
  }
  result.steps = s.counters.step;
  s.counters.elapsed_s = elapsed();
  // A stop request only saves (so that a resume repeats the uninterrupted run exactly);
  // any other end evaluates the final weights unless that just happened.
  if (!s.comm) requested = requested || stop.load();
  result.stop_requested = requested;
  if (s.counters.best_accuracy < 0 || (!requested && s.last_eval_step != s.counters.step)) {
    if (!s.evaluate_valid(observer)) return diverged("the weights or the validation loss became non-finite");
  } else {
    s.save(s.run_dir / "last", true);
  }
  if (result.reason.empty()) result.reason = "finished " + std::to_string(s.counters.step) + " steps";
  result.best_valid = ClassificationMetrics{};
  result.best_valid->accuracy = s.counters.best_accuracy;
  result.best_valid->loss = s.counters.best_loss;
  if (!requested && !s.data.test.ids.empty() && s.primary()) {
    LoadedCheckpoint best = load_checkpoint(s.run_dir / "best");
    best.model->to(s.device);
    result.test = evaluate(best.model, s.data.test, s.config.batch_size, s.device);
    const EvalReport report{s.counters.step, s.counters.epoch, "test", *result.test, false,
                            s.counters.elapsed_s, s.counters.tokens_seen};
    s.log(log_line(report, s.data.labels));  // of the best checkpoint
    observer.on_eval(report);
  }
  observer.on_message(result.reason);
  return result;
}

}  // namespace fastformer
