// Small helpers shared by the engine tests: tiny configs and seeded inputs.
#pragma once

#include "fastformer/model.h"

#include <torch/torch.h>

namespace fastformer::testing {

// A tiny model config (D=8, H=2, 2 layers) with dropout off, in the given attention kind.
inline ModelConfig tiny_config(AttentionKind kind = AttentionKind::additive) {
  ModelConfig c = preset("paper");
  c.attention = kind;
  c.vocab_size = 20;
  c.max_len = 16;
  c.hidden = 8;
  c.heads = 2;
  c.layers = 2;
  c.ffn = 12;
  c.classes = 3;
  c.dropout = 0.0;
  return c;
}

// Random ids in [3, vocab) of shape (B,T), seeded.
inline torch::Tensor random_ids(std::int64_t B, std::int64_t T, std::int64_t vocab, std::uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(3, vocab, {B, T}, torch::kLong);
}

inline TraceRequest traced() {
  TraceRequest request;
  request.enabled = true;
  return request;
}

}  // namespace fastformer::testing
