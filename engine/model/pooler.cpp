// Attention, CLS and mean pooling over the real tokens of each sequence.
#include "model/pooler.h"

#include "model/initialization.h"
#include "model/masking.h"

#include <torch/torch.h>

namespace fastformer {

PoolerImpl::PoolerImpl(const ModelConfig& c) : kind_(c.pooling) {
  if (kind_ == PoolingKind::attention) {
    proj = register_module("proj", torch::nn::Linear(c.hidden, c.hidden));
    score = register_module("score", torch::nn::Linear(c.hidden, 1));
    init_linear(proj, c.init_std);
    init_linear(score, c.init_std);
  }
}

std::pair<torch::Tensor, torch::Tensor> PoolerImpl::forward(const torch::Tensor& h, const torch::Tensor& mask) {
  const torch::Tensor real = mask.to(h.scalar_type());  // (B,T)
  torch::Tensor gamma;                                  // (B,T)
  switch (kind_) {
    case PoolingKind::attention:
      gamma = masked_softmax(score(torch::tanh(proj(h))).squeeze(-1), mask, 1);
      break;
    case PoolingKind::cls:
      gamma = torch::zeros_like(real);
      gamma.select(1, 0).copy_(real.select(1, 0));
      break;
    case PoolingKind::mean:
      gamma = real / real.sum(1, /*keepdim=*/true).clamp_min(1.0);
      break;
  }
  const torch::Tensor pooled = torch::bmm(gamma.unsqueeze(1), h).squeeze(1);  // (B,1,T)@(B,T,D) → (B,D)
  return {pooled, gamma};
}

}  // namespace fastformer
