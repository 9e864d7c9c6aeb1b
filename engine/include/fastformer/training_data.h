// Preparing a training run (read the data spec, build labels and tokenizer, encode every
// split) and loading a trained model with its tokenizer for eval and predict.
#pragma once

#include "fastformer/checkpoint.h"
#include "fastformer/data_splits.h"
#include "fastformer/trainer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace fastformer {

// Reads `spec`, splits it, trains a tokenizer on the training texts (unless one is
// given, e.g. when resuming) and encodes all splits with truncation to config.max_len.
// Messages (counts, bad rows, truncation) go to `observer`.
TrainingData prepare_training_data(const std::string& spec, const ReadOptions& read, const TrainConfig& config,
                                   TrainObserver& observer, std::unique_ptr<Tokenizer> tokenizer = nullptr,
                                   std::optional<std::vector<std::string>> labels = std::nullopt);

struct TrainedModel {
  LoadedCheckpoint checkpoint;  // model (eval mode, CPU), config, labels
  std::unique_ptr<Tokenizer> tokenizer;
  TrainConfig train;   // as trained (split seed, max_len, batch size)
  std::string data;    // the data spec it was trained on
  std::filesystem::path dir;
};

// `path` is a checkpoint directory, a run directory (then its best/ is used) or the name
// of a shipped model ("demo", resources/models/demo).
TrainedModel load_trained_model(const std::filesystem::path& path);

}  // namespace fastformer
