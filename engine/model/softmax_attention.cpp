// Multi-head softmax attention without fused kernels, so LibTorch 1.13 and 2.x give the
// same maths and the weights are there to inspect.
#include "model/softmax_attention.h"

#include "fastformer/error.h"
#include "model/initialization.h"
#include "model/masking.h"

#include <torch/torch.h>

#include <cstdio>

#include <cmath>

namespace fastformer {

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const ModelConfig& c) : heads_(c.heads), head_dim_(c.head_dim()) {
  query = register_module("query", torch::nn::Linear(c.hidden, c.hidden));
  key = register_module("key", torch::nn::Linear(c.hidden, c.hidden));
  value = register_module("value", torch::nn::Linear(c.hidden, c.hidden));
  output = register_module("output", torch::nn::Linear(c.hidden, c.hidden));
  reset_parameters(c.init_std);
}

void SoftmaxAttentionImpl::reset_parameters(double std) {
  for (auto* linear : {&query, &key, &value, &output}) init_linear(*linear, std);
}

torch::Tensor SoftmaxAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                            LayerTrace* trace, std::int64_t max_trace_values) {
  const auto B = x.size(0), T = x.size(1);
  if (trace != nullptr && B * heads_ * T * T > max_trace_values) {
    const auto gib = [](std::int64_t values) {
      char text[32];
      std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(values) * 4.0 / (1u << 30));
      return std::string(text);
    };
    throw Error("tracing softmax attention at T=" + std::to_string(T) + " needs B×H×T×T = " +
                    std::to_string(B * heads_ * T * T) + " weights (" + gib(B * heads_ * T * T) +
                    " of float32), above the cap of " + std::to_string(max_trace_values) + " (" +
                    gib(max_trace_values) + ")",
                "softmax attention trace", "trace fewer or shorter sequences, or raise the cap");
  }
  const auto split_heads = [&](const torch::Tensor& t) {
    return t.view({B, T, heads_, head_dim_}).transpose(1, 2);  // (B,T,D) → (B,H,T,Dh)
  };
  const torch::Tensor Q = split_heads(query(x));  // (B,H,T,Dh)
  const torch::Tensor K = split_heads(key(x));    // (B,H,T,Dh)
  const torch::Tensor V = split_heads(value(x));  // (B,H,T,Dh)

  // Only two (B,H,T,T) tensors are made, the scores and the weights: the scale goes on Q
  // before the product and the mask is written into the scores in place (the product's
  // backward does not need its output). Each extra T×T temporary would cost B·H·T² floats
  // of memory traffic and, at long T, page faults. No branch asks the host whether the
  // batch has padding: that read would stall a CUDA stream on every call.
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  const torch::Tensor scores = torch::matmul(Q * scale, K.transpose(-2, -1));  // (B,H,T,T)
  const torch::Tensor padded_key = mask.logical_not().view({B, 1, 1, T});    // padded keys get no weight
  scores.masked_fill_(padded_key, mask_fill_value(scores.scalar_type()));
  // softmax(QKᵀ/√Dh) over real keys (Vaswani et al. 2017, Eq. 1); the fill is finite, so a
  // row of padding alone comes out uniform, never NaN.
  const torch::Tensor weights = torch::softmax(scores, -1);  // (B,H,T,T)
  // A sequence without tokens gets uniform weights over its padding: 0 for it, 1 otherwise,
  // applied to the (B,H,T,Dh) context rather than to the larger weights (as masked_softmax
  // gives zeros there).
  const torch::Tensor has_token = mask.any(1).view({B, 1, 1, 1});  // (B,1,1,1)
  torch::Tensor context = torch::matmul(weights, V);  // (B,H,T,Dh)
  context = context * has_token.to(context.scalar_type());

  if (trace != nullptr) trace->weights = (weights * has_token.to(weights.scalar_type())).detach();
  return output(context.transpose(1, 2).reshape({B, T, heads_ * head_dim_}));  // (B,T,D)
}

}  // namespace fastformer
