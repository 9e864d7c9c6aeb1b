// Standard multi-head attention softmax(QKᵀ/√Dh + mask) V: the quadratic baseline Fastformer
// is compared with. Its (B,H,T,T) weights are made only when a trace asks for them or the
// config says softmax_impl=materialized.
#pragma once

#include "fastformer/attention_trace.h"
#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class SoftmaxAttentionImpl : public torch::nn::Module {
 public:
  explicit SoftmaxAttentionImpl(const ModelConfig& config);

  // x (B,T,D), mask (B,T) bool (true = real token) → (B,T,D), the output projection
  // applied. Fills `trace->weights` (B,H,T,T) when `trace` is not null; throws
  // fastformer::Error when that would exceed `max_trace_values`.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace = nullptr,
                        std::int64_t max_trace_values = TraceRequest{}.max_softmax_weights);
  void reset_parameters(double std);

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, output{nullptr};

 private:
  std::int64_t heads_;
  std::int64_t head_dim_;
  SoftmaxImpl impl_;
};
TORCH_MODULE(SoftmaxAttention);

}  // namespace fastformer
