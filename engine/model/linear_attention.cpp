// Linear attention (see the header): projections in the (B,T,H,Dh) layout, the core through
// the fused CPU kernels, or through ATen when a trace asks for the implicit weights or the
// kernels do not apply (CUDA, half precision).
#include "model/linear_attention.h"

#include "kernels/linear_core.h"
#include "model/initialization.h"

#include <torch/torch.h>

namespace fastformer {

LinearAttentionImpl::LinearAttentionImpl(const ModelConfig& c) : heads_(c.heads), head_dim_(c.head_dim()) {
  query = register_module("query", torch::nn::Linear(c.hidden, c.hidden));
  key = register_module("key", torch::nn::Linear(c.hidden, c.hidden));
  value = register_module("value", torch::nn::Linear(c.hidden, c.hidden));
  output = register_module("output", torch::nn::Linear(c.hidden, c.hidden));
  reset_parameters(c.init_std);
}

void LinearAttentionImpl::reset_parameters(double std) {
  for (auto* linear : {&query, &key, &value, &output}) init_linear(*linear, std);
}

torch::Tensor LinearAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace,
                                           std::int64_t max_trace_values) {
  const auto B = x.size(0), T = x.size(1);
  const auto heads = [&](const torch::Tensor& t) { return t.view({B, T, heads_, head_dim_}); };  // (B,T,H,Dh)
  const torch::Tensor Q = heads(query(x)), K = heads(key(x)), V = heads(value(x));               // (B,T,H,Dh)
  LinearCoreOutput core;
  if (trace == nullptr) {
    core = linear_attention_fused(Q, K, V, mask);
  } else {
    torch::Tensor weights;
    const bool with_weights = B * heads_ * T * T <= max_trace_values;
    core = linear_attention_aten(Q, K, V, mask, with_weights ? &weights : nullptr);
    trace->normalizer = core.normalizer.detach().transpose(1, 2).contiguous();  // (B,H,T)
    if (with_weights) trace->weights = weights;                               // (B,H,T,T)
  }
  return output(core.context.reshape({B, T, heads_ * head_dim_}));  // (B,T,D)
}

}  // namespace fastformer
