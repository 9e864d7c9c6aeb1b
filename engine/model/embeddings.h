// Token + learned position embeddings: X0 = Dropout(LN(tok[ids] + pos[0..T))), or pos[positions]
// for columns that are not at their own index (packed rows, explain/).
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
  // ids (B,T) int64 → (B,T,D); positions (B,T) int64 or undefined (0..T−1).
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& positions = {});
  // The same from token vectors (B,T,D) in place of tok[ids]: explanations differentiate
  // with respect to them and move them along a path (explain/).
  torch::Tensor forward_vectors(const torch::Tensor& vectors, const torch::Tensor& positions = {});

  torch::nn::Embedding token{nullptr};
  torch::nn::Embedding position{nullptr};  // null when position_embedding is off
  torch::nn::LayerNorm norm{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(Embeddings);

// The positions a model's embeddings read for (B,T) inputs given `positions` (B,T) int64 or
// undefined for 0…T−1: as given when the model reads [CLS]; without it (cls_token false)
// the document's first token (column 1) sits at position 0.
torch::Tensor model_positions(const ModelConfig& config, const torch::Tensor& positions, std::int64_t B, std::int64_t T,
                              const torch::Device& device);

}  // namespace fastformer
