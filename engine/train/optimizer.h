// The optimiser a TrainConfig asks for (AdamW or Adam, weight decay on matrices only) and
// setting its learning rate each step.
#pragma once

#include "fastformer/model.h"
#include "fastformer/train_config.h"

#include <torch/optim/optimizer.h>

#include <memory>

namespace fastformer {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(Model& model, const TrainConfig& config);
void set_learning_rate(torch::optim::Optimizer& optimizer, OptimizerKind kind, double lr);

}  // namespace fastformer
