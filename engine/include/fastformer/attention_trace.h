// What a forward pass records when asked: per-layer attention weights, the global query
// and key vectors, hidden states and the pooling weights. Nothing is recorded otherwise.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace fastformer {

struct TraceRequest {
  bool enabled = false;
  // Softmax layers record (B,H,T,T) weights; above this many values tracing throws
  // instead of filling memory (default 2^26 values = 256 MiB of float32).
  std::int64_t max_softmax_weights = std::int64_t{1} << 26;
  // Pooling ablation (additive attention), to test whether α or β matters: (B,L,H), 1 keeps
  // the head's weights of that row and layer application, 0 replaces them by uniform ones
  // over the row's real tokens (its scores become 0 before the softmax of Eq. 3 or 5).
  // Undefined: nothing is ablated. Softmax layers ignore them.
  at::Tensor alpha_keep, beta_keep;
  // (B,T) int64: the position (row of the position table) of each column; undefined: 0..T−1.
  // Masked columns change no real token's output, so a caller may drop them and give the
  // kept columns their original positions: the same logits from fewer columns (explain/).
  at::Tensor positions;
};

// One layer application's part of the ablation: (B,H) each, or undefined.
struct PoolingKeep {
  at::Tensor alpha, beta;
  bool any() const { return alpha.defined() || beta.defined(); }
};

// One applied layer (with share_layers, one entry per application).
struct LayerTrace {
  // Additive attention (paper Eq. 3–6).
  at::Tensor alpha;         // (B,H,T) query-pooling weights α, 0 on padding
  at::Tensor beta;          // (B,H,T) key-pooling weights β, 0 on padding
  at::Tensor global_query;  // (B,H,Dh) q = Σ α_i Q_i
  at::Tensor global_key;    // (B,H,Dh) k = Σ β_i P_i
  // Softmax attention: softmax(QKᵀ/√Dh). Linear attention: the implicit weights
  // φ(Q_i)·φ(K_j) / φ(Q_i)·z, only for documents short enough. 0 on padded keys.
  at::Tensor weights;       // (B,H,T,T)
  // Linear attention.
  at::Tensor normalizer;    // (B,H,T) φ(Q_i)·z, z = Σ_j φ(K_j): how much each query attends at all
};

struct AttentionTrace {
  std::vector<at::Tensor> hidden;  // L+1 tensors (B,T,D): embeddings, then each layer's output
  std::vector<LayerTrace> layers;  // L entries
  at::Tensor pooling;              // (B,T) pooling weights γ, 0 on padding
};

}  // namespace fastformer
