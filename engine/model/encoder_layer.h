// One Transformer block around any of the three attentions: residuals, LayerNorm (post or pre),
// dropout and the feed-forward network.
#pragma once

#include "fastformer/attention_trace.h"
#include "model/fastformer_attention.h"
#include "model/feed_forward.h"
#include "fastformer/model_config.h"
#include "model/linear_attention.h"
#include "model/softmax_attention.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const ModelConfig& config);

  // x (B,T,D), mask (B,T) bool → (B,T,D).
  // keep: which heads' α and β stay (additive attention; null: all).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace = nullptr,
                        std::int64_t max_trace_values = TraceRequest{}.max_softmax_weights,
                        const PoolingKeep* keep = nullptr);

  // The two halves of forward(): what the attention reads (x, or LN(x) pre-LN), and the
  // block around the attention's output a (B,T,D): residuals, norms, dropout and the FFN.
  torch::Tensor attention_input(const torch::Tensor& x);
  torch::Tensor finish(const torch::Tensor& x, const torch::Tensor& a);

  // Exactly one of the three is set, registered as "attention".
  FastformerAttention additive{nullptr};
  SoftmaxAttention softmax{nullptr};
  LinearAttention linear{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  FeedForward ffn{nullptr};

 private:
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace,
                       std::int64_t max_trace_values, const PoolingKeep* keep);

  NormPlacement norm_;
  double dropout_;
};
TORCH_MODULE(EncoderLayer);

}  // namespace fastformer
