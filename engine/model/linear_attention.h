// Kernelised linear attention (Katharopoulos et al. 2020, "Transformers are RNNs", Eq. 4–6,
// non-causal), the third token mixer: with φ(x) = elu(x) + 1 > 0,
//   O_i = φ(Q_i)ᵀ S / (φ(Q_i)·z),   S = Σ_j φ(K_j) V_jᵀ (Dh×Dh per head),   z = Σ_j φ(K_j),
// sums over the real keys. The d×d summary S replaces the T×T weights: O(T·D·Dh) time,
// O(T·D) memory. Its implicit weights w_ij = φ(Q_i)·φ(K_j) / (φ(Q_i)·z) sum to 1 over j.
#pragma once

#include "fastformer/attention_trace.h"
#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace fastformer {

class LinearAttentionImpl : public torch::nn::Module {
 public:
  explicit LinearAttentionImpl(const ModelConfig& config);

  // x (B,T,D), mask (B,T) bool (true = real token) → (B,T,D), the output projection applied.
  // A sequence without real tokens gets a context of zeros. With `trace`, fills
  // trace->normalizer (B,H,T) = φ(Q_i)·z and, when B·H·T·T ≤ max_trace_values, the implicit
  // weights trace->weights (B,H,T,T).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace = nullptr,
                        std::int64_t max_trace_values = TraceRequest{}.max_softmax_weights);
  void reset_parameters(double std);

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, output{nullptr};

 private:
  std::int64_t heads_;
  std::int64_t head_dim_;
};
TORCH_MODULE(LinearAttention);

}  // namespace fastformer
