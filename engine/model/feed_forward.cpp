// Position-wise feed-forward network with GELU (erf form, as BERT).
#include "model/feed_forward.h"

#include "model/initialization.h"

#include <torch/torch.h>

namespace fastformer {

FeedForwardImpl::FeedForwardImpl(std::int64_t hidden, std::int64_t width, double init_std) {
  in = register_module("in", torch::nn::Linear(hidden, width));
  out = register_module("out", torch::nn::Linear(width, hidden));
  init_linear(in, init_std);
  init_linear(out, init_std);
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  return out(torch::gelu(in(x)));  // (B,T,D) → (B,T,F) → (B,T,D)
}

}  // namespace fastformer
