// Turns token states into one document vector. Attention pooling:
// γ = softmax_i(w2 · tanh(W1 h_i + b1) + b2) over real tokens, pooled = Σ_i γ_i h_i.
// CLS pooling takes h_0; mean pooling averages real tokens (γ is then one-hot / uniform).
#pragma once

#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <utility>

namespace fastformer {

class PoolerImpl : public torch::nn::Module {
 public:
  explicit PoolerImpl(const ModelConfig& config);

  // h (B,T,D), mask (B,T) bool → {pooled (B,D), γ (B,T)}; γ is 0 on padding and all 0
  // for a row without real tokens.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& h, const torch::Tensor& mask);

  torch::nn::Linear proj{nullptr};   // W1, attention pooling only
  torch::nn::Linear score{nullptr};  // w2, attention pooling only

 private:
  PoolingKind kind_;
};
TORCH_MODULE(Pooler);

}  // namespace fastformer
