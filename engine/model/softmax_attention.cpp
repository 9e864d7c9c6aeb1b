// Multi-head softmax attention: the projections, then the tiled core (O(T) memory) or, for
// a trace or softmax_impl=materialized, the (B,H,T,T) weights (kernels/softmax_core.h).
#include "model/softmax_attention.h"

#include "fastformer/error.h"
#include "model/initialization.h"
#include "kernels/softmax_core.h"

#include <torch/torch.h>

#include <cstdio>

#include <cmath>

namespace fastformer {

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const ModelConfig& c)
    : heads_(c.heads), head_dim_(c.head_dim()), impl_(c.softmax_impl) {
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
  const auto split_heads = [&](const torch::Tensor& t) { return t.view({B, T, heads_, head_dim_}); };  // (B,T,H,Dh)
  const torch::Tensor Q = split_heads(query(x));  // (B,T,H,Dh)
  const torch::Tensor K = split_heads(key(x));    // (B,T,H,Dh)
  const torch::Tensor V = split_heads(value(x));  // (B,T,H,Dh)
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  torch::Tensor context;  // (B,T,H,Dh)
  if (trace == nullptr && impl_ == SoftmaxImpl::tiled) {
    context = softmax_attention_tiled(Q, K, V, mask, scale);
  } else {
    context = softmax_attention_materialized(Q, K, V, mask, scale, trace != nullptr ? &trace->weights : nullptr);
  }
  return output(context.reshape({B, T, heads_ * head_dim_}));  // (B,T,D)
}

}  // namespace fastformer
