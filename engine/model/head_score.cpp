// Per-head and head-mixing token scorers for additive attention.
#include "model/head_score.h"

#include <torch/torch.h>

namespace fastformer {

HeadScoreImpl::HeadScoreImpl(ScoreKind kind, std::int64_t heads, std::int64_t head_dim) : kind_(kind) {
  if (kind == ScoreKind::per_head) {
    weight = register_parameter("weight", torch::empty({heads, head_dim}));  // (H,Dh)
  } else {
    weight = register_parameter("weight", torch::empty({heads, heads * head_dim}));  // (H,D)
    bias = register_parameter("bias", torch::empty({heads}));                        // (H)
  }
  reset_parameters(0.02);
}

torch::Tensor HeadScoreImpl::forward(const torch::Tensor& states) {
  if (kind_ == ScoreKind::per_head) {
    return (states * weight).sum(-1);  // (B,T,H,Dh)·(H,Dh) → (B,T,H)
  }
  return torch::nn::functional::linear(states.flatten(2), weight, bias);  // (B,T,D) → (B,T,H)
}

void HeadScoreImpl::reset_parameters(double std) {
  torch::NoGradGuard no_grad;
  weight.normal_(0.0, std);
  if (bias.defined()) bias.zero_();
}

}  // namespace fastformer
