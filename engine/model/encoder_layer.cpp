// Transformer block: post-LN  X' = LN(X + Drop(Attn(X))),  Y = LN(X' + Drop(FFN(X')))
//                    pre-LN   X' = X + Drop(Attn(LN(X))),  Y = X' + Drop(FFN(LN(X')))
#include "model/encoder_layer.h"

#include "model/dropout.h"

#include <torch/torch.h>

namespace fastformer {

EncoderLayerImpl::EncoderLayerImpl(const ModelConfig& c) : norm_(c.norm), dropout_(c.dropout) {
  switch (c.attention) {
    case AttentionKind::additive: additive = register_module("attention", FastformerAttention(c)); break;
    case AttentionKind::softmax: softmax = register_module("attention", SoftmaxAttention(c)); break;
    case AttentionKind::linear: linear = register_module("attention", LinearAttention(c)); break;
  }
  const auto norm_options = torch::nn::LayerNormOptions({c.hidden}).eps(c.layer_norm_eps);
  norm1 = register_module("norm1", torch::nn::LayerNorm(norm_options));
  ffn = register_module("ffn", FeedForward(c.hidden, c.ffn, c.init_std));
  norm2 = register_module("norm2", torch::nn::LayerNorm(norm_options));
}

torch::Tensor EncoderLayerImpl::attend(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace,
                                       std::int64_t max_trace_values, const PoolingKeep* keep) {
  if (!additive.is_empty()) return additive->forward(x, mask, trace, keep);
  if (!linear.is_empty()) return linear->forward(x, mask, trace, max_trace_values);
  return softmax->forward(x, mask, trace, max_trace_values);
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace,
                                        std::int64_t max_trace_values, const PoolingKeep* keep) {
  return finish(x, attend(attention_input(x), mask, trace, max_trace_values, keep));
}

torch::Tensor EncoderLayerImpl::attention_input(const torch::Tensor& x) {
  return norm_ == NormPlacement::post ? x : norm1(x);  // (B,T,D)
}

torch::Tensor EncoderLayerImpl::finish(const torch::Tensor& x, const torch::Tensor& a) {
  const auto drop = [&](const torch::Tensor& t) { return fast_dropout(t, dropout_, is_training()); };
  if (norm_ == NormPlacement::post) {
    const torch::Tensor h = norm1(x + drop(a));  // (B,T,D)
    return norm2(h + drop(ffn(h)));              // (B,T,D)
  }
  const torch::Tensor h = x + drop(a);  // (B,T,D)
  return h + drop(ffn(norm2(h)));       // (B,T,D)
}

}  // namespace fastformer
