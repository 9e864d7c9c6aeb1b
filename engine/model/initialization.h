// BERT-style initialisation shared by every module: N(0, std) weights, zero biases.
#pragma once

#include <torch/nn/modules/linear.h>

namespace fastformer {

void init_linear(torch::nn::Linear& linear, double std);

}  // namespace fastformer
