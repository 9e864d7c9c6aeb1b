// BERT-style initialisation helpers.
#include "model/initialization.h"

#include <torch/torch.h>

namespace fastformer {

void init_linear(torch::nn::Linear& linear, double std) {
  torch::NoGradGuard no_grad;
  linear->weight.normal_(0.0, std);
  if (linear->bias.defined()) linear->bias.zero_();
}

}  // namespace fastformer
