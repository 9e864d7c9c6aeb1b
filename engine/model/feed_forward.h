// The block's position-wise feed-forward network: out(GELU(in(x))).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(std::int64_t hidden, std::int64_t width, double init_std);
  torch::Tensor forward(const torch::Tensor& x);  // (B,T,D) → (B,T,D)

  torch::nn::Linear in{nullptr}, out{nullptr};
};
TORCH_MODULE(FeedForward);

}  // namespace fastformer
