// Scores each token per head for additive attention (paper Eq. 3 and 5, before 1/√Dh):
// per_head: a_i,h = w_h · s_i,h with w ∈ R^(H×Dh), no bias (the paper);
// head_mixing: a_i = W s_i + b with W ∈ R^(H×D) over all heads' states (the official code).
#pragma once

#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class HeadScoreImpl : public torch::nn::Module {
 public:
  HeadScoreImpl(ScoreKind kind, std::int64_t heads, std::int64_t head_dim);

  // states (B,T,H,Dh) → scores (B,T,H), unscaled.
  torch::Tensor forward(const torch::Tensor& states);
  void reset_parameters(double std);
  ScoreKind kind() const { return kind_; }

  torch::Tensor weight;  // per_head (H,Dh); head_mixing (H,D)
  torch::Tensor bias;    // head_mixing only (H)

 private:
  ScoreKind kind_;
};
TORCH_MODULE(HeadScore);

}  // namespace fastformer
