// Fastformer additive attention (Wu et al. 2021, Eq. 3–6): two additive poolings give a
// global query and a global key in O(T·D), instead of the T×T attention matrix.
#pragma once

#include "fastformer/additive_core.h"
#include "fastformer/attention_trace.h"
#include "model/head_score.h"
#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

namespace fastformer {

class FastformerAttentionImpl : public torch::nn::Module {
 public:
  explicit FastformerAttentionImpl(const ModelConfig& config);

  // x (B,T,D), mask (B,T) bool (true = real token) → (B,T,D), the output projection
  // applied. Fills α, β, q and k into `trace` when it is not null.
  // keep: heads whose α/β become uniform (TraceRequest::alpha_keep); null: none.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace = nullptr,
                        const PoolingKeep* keep = nullptr);
  // The layer before the output projection, A = Wr (k ⊙ V) + br + Q (B,T,D): the whole of
  // paper Eq. 3–6, what a one-layer Fastformer reference implements.
  torch::Tensor mix(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace = nullptr,
                    const PoolingKeep* keep = nullptr);
  // Q, K, V (B,T,H,Dh) of x (B,T,D); V is Q itself when share_qv.
  struct Projections {
    torch::Tensor Q, K, V;
  };
  Projections project(const torch::Tensor& x);
  // Eq. 3–6's two poolings on given projections, keep's heads made uniform (null: none): the
  // fused core for per-head scores without ablation, else ATen operations.
  AdditiveCoreOutput pool(const torch::Tensor& Q, const torch::Tensor& K, const torch::Tensor& V,
                          const torch::Tensor& mask, const PoolingKeep* keep);

  void reset_parameters(double std);

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};  // value is null when share_qv
  HeadScore query_score{nullptr}, key_score{nullptr};
  torch::nn::Linear transform{nullptr};  // Wr: U → R
  torch::nn::Linear output{nullptr};     // Wo: the block's attention-output projection

 private:
  // W_q|W_k|W_v (or W_q|W_k when V shares Q) stacked for one GEMM, and their biases.
  std::pair<torch::Tensor, torch::Tensor> fused_projection();

  std::int64_t heads_;
  std::int64_t head_dim_;
  // The stacked projection kept between inference calls, and the parameters' identity and
  // version counters it was made from.
  torch::Tensor projection_weight_, projection_bias_;
  std::vector<std::int64_t> projection_stamp_;
};
TORCH_MODULE(FastformerAttention);

}  // namespace fastformer
