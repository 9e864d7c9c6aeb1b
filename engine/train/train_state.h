// What `--resume` needs beyond the weights: optimiser moments, counters, the best score
// so far and the CPU random generator (dropout), stored in a checkpoint's directory as
// train_state.json (counters) and train_state.pt (tensors, LibTorch archive).
#pragma once

#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>

namespace fastformer {

struct TrainCounters {
  std::int64_t step = 0;            // optimiser steps done
  std::int64_t epoch = 0;           // current epoch
  std::int64_t batch_in_epoch = 0;  // batches of the current epoch done
  double best_accuracy = -1.0;      // on valid; -1: not evaluated yet
  double best_loss = 0.0;
  std::int64_t evals_since_best = 0;
  double elapsed_s = 0.0;  // training time summed over the run and its resumes
  std::int64_t tokens_seen = 0;  // real (unpadded) tokens trained on, over the run and its resumes
};

nlohmann::json to_json(const TrainCounters& c);
TrainCounters train_counters_from_json(const nlohmann::json& j);

// Writes train_state.json and train_state.pt into `dir`.
void save_train_state(const std::filesystem::path& dir, const TrainCounters& counters,
                      torch::optim::Optimizer& optimizer);
// Reads them back into `optimizer` and the CPU generator; returns the counters.
TrainCounters load_train_state(const std::filesystem::path& dir, torch::optim::Optimizer& optimizer);

}  // namespace fastformer
