// Times whole training steps (forward, backward, clipping, optimiser) of the classifier on
// a random batch: the figure to compare with a PyTorch eager implementation of the same
// model (scripts/eager-train-bench).
#pragma once

#include "fastformer/model_config.h"
#include "fastformer/train_config.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace fastformer {

struct TrainStepTiming {
  std::int64_t parameters = 0;
  std::vector<double> seconds;  // one per timed step, after warm-up
  double median_s = 0.0;
  double min_s = 0.0;
  double tokens_per_s = 0.0;  // batch · length / median
};

TrainStepTiming time_train_steps(const ModelConfig& model, const TrainConfig& train, std::int64_t batch,
                                 std::int64_t length, int warmup, int repeats, torch::Device device);

}  // namespace fastformer
