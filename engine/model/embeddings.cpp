// Token and position embeddings with LayerNorm and dropout (BERT style).
#include "model/embeddings.h"

#include "model/dropout.h"

#include <torch/torch.h>

namespace fastformer {

EmbeddingsImpl::EmbeddingsImpl(const ModelConfig& c) : dropout_(c.dropout) {
  token = register_module("token", torch::nn::Embedding(c.vocab_size, c.hidden));
  if (c.position_embedding) position = register_module("position", torch::nn::Embedding(c.max_len, c.hidden));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.layer_norm_eps)));
  torch::NoGradGuard no_grad;
  token->weight.normal_(0.0, c.init_std);
  if (!position.is_empty()) position->weight.normal_(0.0, c.init_std);
}

torch::Tensor EmbeddingsImpl::forward(const torch::Tensor& ids, const torch::Tensor& positions) {
  return forward_vectors(token(ids), positions);
}

torch::Tensor EmbeddingsImpl::forward_vectors(const torch::Tensor& vectors, const torch::Tensor& positions) {
  torch::Tensor x = vectors;  // (B,T,D)
  if (!position.is_empty()) {
    x = positions.defined() ? x + position(positions)                                  // + (B,T,D)
                            : x + position->weight.narrow(0, 0, vectors.size(1)).unsqueeze(0);  // + (1,T,D)
  }
  return fast_dropout(norm(x), dropout_, is_training());  // (B,T,D)
}

torch::Tensor model_positions(const ModelConfig& c, const torch::Tensor& positions, std::int64_t B, std::int64_t T,
                              const torch::Device& device) {
  if (c.cls_token) return positions;
  const torch::Tensor p =
      positions.defined() ? positions : torch::arange(T, torch::dtype(torch::kLong).device(device)).expand({B, T});
  return (p - 1).clamp_min(0);  // (B,T); column 0, masked, shares position 0
}

}  // namespace fastformer
