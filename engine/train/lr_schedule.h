// Learning rate at a step: linear warm-up from 0, then linear or cosine decay to 0 at the
// last planned step, or constant.
#pragma once

#include "fastformer/train_config.h"

#include <cstdint>

namespace fastformer {

// `step` counts from 0; `total_steps` is the planned number of optimiser steps.
double learning_rate(const TrainConfig& config, std::int64_t step, std::int64_t total_steps);

}  // namespace fastformer
