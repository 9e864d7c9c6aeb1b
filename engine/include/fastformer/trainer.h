// The training loop: AdamW/Adam with warm-up and decay, gradient clipping, periodic
// evaluation, best-checkpoint keeping, early stopping, resume, a stop flag checked every
// step and a guard that stops on a NaN/Inf loss. It reports through TrainObserver.
//
// A run directory holds:  best/  the best checkpoint on the validation split
//                          last/  the latest checkpoint plus train_state.* (for --resume)
//                          metrics.jsonl  one JSON line per step/eval report (metrics_log.h)
#pragma once

#include "fastformer/batching.h"
#include "fastformer/distributed.h"
#include "fastformer/metrics.h"
#include "fastformer/metrics_log.h"
#include "fastformer/model.h"
#include "fastformer/tokenizer.h"
#include "fastformer/train_config.h"

#include <torch/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fastformer {

class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void on_step(const StepReport&) {}
  virtual void on_eval(const EvalReport&) {}
  virtual void on_message(const std::string&) {}
};

// Everything the loop trains on, already tokenized.
struct TrainingData {
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<std::string> labels;
  EncodedSplit train, valid, test;
  std::string source;  // the data spec, kept in the checkpoint
};

struct TrainResult {
  std::int64_t steps = 0;
  bool stopped = false;   // by the stop flag or the time budget
  bool stop_requested = false;  // by the stop flag (of any rank, when distributed)
  bool diverged = false;  // NaN/Inf loss: last good checkpoint kept
  bool lost_peer = false;  // distributed: another rank or the network failed
  std::string reason;     // why it ended, one sentence
  std::optional<ClassificationMetrics> best_valid;
  std::optional<ClassificationMetrics> test;  // of the best checkpoint
};

class Trainer {
 public:
  // Builds the model (vocab size and classes taken from `data`) or, with `resume`, loads
  // run_dir/last/ with its optimizer, step and random state.
  //
  // With a `communicator` this is one rank of a data-parallel run: every rank trains on
  // its shard of each global batch of `batch_size` (same batches, same seed as one
  // process), gradients are summed across ranks, the starting weights come from rank 0,
  // and only rank 0 writes checkpoints and metrics.jsonl. Every rank must hold the same
  // data and settings (checked here). A lost peer ends run() with a diverged-style result
  // whose reason says so; the last checkpoint stays as it was.
  Trainer(ModelConfig model_config, TrainConfig train_config, TrainingData data, std::filesystem::path run_dir,
          torch::Device device, bool resume = false, std::shared_ptr<Communicator> communicator = nullptr);
  ~Trainer();

  TrainResult run(TrainObserver& observer, const std::atomic<bool>& stop);

  // Starts from another checkpoint's weights (fine-tuning, or a short-to-long length
  // curriculum); its shapes must match this model's.
  void load_weights(const std::filesystem::path& checkpoint_dir);

  Model& model();
  const TrainConfig& config() const;
  std::int64_t total_steps() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fastformer
