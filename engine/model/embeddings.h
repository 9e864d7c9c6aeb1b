// Token + learned position embeddings: X0 = Dropout(LN(tok[ids] + pos[0..T))).
#pragma once

#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class EmbeddingsImpl : public torch::nn::Module {
 public:
  explicit EmbeddingsImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& ids);  // (B,T) int64 → (B,T,D)
  // The same from token vectors (B,T,D) in place of tok[ids]: explanations differentiate
  // with respect to them and move them along a path (explain/).
  torch::Tensor forward_vectors(const torch::Tensor& vectors);

  torch::nn::Embedding token{nullptr};
  torch::nn::Embedding position{nullptr};  // null when position_embedding is off
  torch::nn::LayerNorm norm{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(Embeddings);

}  // namespace fastformer
