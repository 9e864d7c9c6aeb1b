// Fastformer additive attention, paper Eq. 3–6, in the (B,T,H,Dh) layout so that no head
// transpose is needed: every step is a projection, an element-wise product or a sum over T.
#include "model/fastformer_attention.h"

#include "fastformer/additive_core.h"
#include "model/initialization.h"

#include <torch/torch.h>

#include <cmath>

namespace fastformer {

FastformerAttentionImpl::FastformerAttentionImpl(const ModelConfig& c)
    : heads_(c.heads), head_dim_(c.head_dim()) {
  query = register_module("query", torch::nn::Linear(c.hidden, c.hidden));
  key = register_module("key", torch::nn::Linear(c.hidden, c.hidden));
  if (!c.share_qv) value = register_module("value", torch::nn::Linear(c.hidden, c.hidden));
  query_score = register_module("query_score", HeadScore(c.score, c.heads, c.head_dim()));
  key_score = register_module("key_score", HeadScore(c.score, c.heads, c.head_dim()));
  transform = register_module("transform", torch::nn::Linear(c.hidden, c.hidden));
  output = register_module("output", torch::nn::Linear(c.hidden, c.hidden));
  reset_parameters(c.init_std);
}

void FastformerAttentionImpl::reset_parameters(double std) {
  for (auto* linear : {&query, &key, &value, &transform, &output}) {
    if (!linear->is_empty()) init_linear(*linear, std);
  }
  query_score->reset_parameters(std);
  key_score->reset_parameters(std);
}

std::pair<torch::Tensor, torch::Tensor> FastformerAttentionImpl::fused_projection() {
  std::vector<torch::Tensor> parts{query->weight, query->bias, key->weight, key->bias};
  if (!value.is_empty()) parts.insert(parts.end(), {value->weight, value->bias});
  const auto concatenate = [&] {
    std::vector<torch::Tensor> weights, biases;
    for (std::size_t i = 0; i < parts.size(); i += 2) {
      weights.push_back(parts[i]);
      biases.push_back(parts[i + 1]);
    }
    return std::pair{torch::cat(weights), torch::cat(biases)};
  };
  // With gradients on, the concatenation is part of the graph and is made every time.
  if (torch::GradMode::is_enabled()) return concatenate();
  // Without, it is kept until a parameter is replaced or changed in place (its version
  // counter moves): at short lengths the copy of 3·D² weights costs as much as a GEMM.
  std::vector<std::int64_t> stamp;
  for (const auto& p : parts) {
    stamp.push_back(reinterpret_cast<std::intptr_t>(p.unsafeGetTensorImpl()));
    stamp.push_back(static_cast<std::int64_t>(p._version()));
  }
  if (stamp != projection_stamp_) {
    std::tie(projection_weight_, projection_bias_) = concatenate();
    projection_stamp_ = std::move(stamp);
  }
  return {projection_weight_, projection_bias_};
}

FastformerAttentionImpl::Projections FastformerAttentionImpl::project(const torch::Tensor& x) {
  const auto B = x.size(0), T = x.size(1);
  Projections p;
  p.Q = query(x).view({B, T, heads_, head_dim_});                                 // (B,T,H,Dh)
  p.K = key(x).view({B, T, heads_, head_dim_});                                   // (B,T,H,Dh)
  p.V = value.is_empty() ? p.Q : value(x).view({B, T, heads_, head_dim_});        // (B,T,H,Dh)
  return p;
}

AdditiveCoreOutput FastformerAttentionImpl::pool(const torch::Tensor& Q, const torch::Tensor& K, const torch::Tensor& V,
                                                 const torch::Tensor& mask, const PoolingKeep* keep) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  if ((keep == nullptr || !keep->any()) && query_score->kind() == ScoreKind::per_head) {
    return additive_core(Q, K, V, mask, query_score->weight, key_score->weight, scale);  // the fused kernels
  }
  // Scores (B,T,H) × keep (B,1,H): a zero score for every token gives uniform weights.
  const auto kept = [](const at::Tensor& scores, const at::Tensor& k) {
    return k.defined() ? scores * k.to(scores.dtype()).unsqueeze(1) : scores;
  };
  const at::Tensor none;
  const at::Tensor& alpha_keep = keep != nullptr ? keep->alpha : none;
  const at::Tensor& beta_keep = keep != nullptr ? keep->beta : none;
  return additive_core_generic(Q, K, V, mask, [&](const at::Tensor& s) { return kept(query_score(s), alpha_keep); },
                               [&](const at::Tensor& s) { return kept(key_score(s), beta_keep); }, scale);
}

torch::Tensor FastformerAttentionImpl::mix(const torch::Tensor& x, const torch::Tensor& mask, LayerTrace* trace,
                                           const PoolingKeep* keep) {
  const auto B = x.size(0), T = x.size(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));

  AdditiveCoreOutput core;
  torch::Tensor residual;  // (B,T,D) Q + br, the residual of §3.2 with the transform's bias
  const bool ablated = keep != nullptr && keep->any();
  if (query_score->kind() == ScoreKind::per_head && !ablated) {
    // One GEMM for Q|K|V, then Eq. 3–6 and u = k ⊙ v in one fused function that also writes
    // the whole gradient of the projection.
    const bool shared = value.is_empty();
    const auto [weight, bias] = fused_projection();                                 // (2D|3D, D), (2D|3D)
    const torch::Tensor proj = torch::nn::functional::linear(x, weight, bias);  // (B,T,2D|3D)
    const std::int64_t D = heads_ * head_dim_;
    PackedCoreOutput packed = additive_core_packed(proj, 0, D, shared ? 0 : 2 * D, heads_, mask, query_score->weight,
                                                   key_score->weight, transform->bias, scale);
    core = std::move(packed.core);
    residual = std::move(packed.residual);
  } else {
    // Head-mixing scores (the official code) read all heads at once, and an ablation zeroes
    // chosen heads' scores: the ATen path.
    const Projections p = project(x);
    core = pool(p.Q, p.K, p.V, mask, ablated ? keep : nullptr);
    const torch::Tensor q_flat = p.Q.reshape({B, T, heads_ * head_dim_});  // (B,T,D)
    residual = q_flat + transform->bias;
  }
  if (trace != nullptr) {
    trace->alpha = core.alpha.detach().transpose(1, 2).contiguous();  // (B,H,T)
    trace->beta = core.beta.detach().transpose(1, 2).contiguous();    // (B,H,T)
    trace->global_query = core.global_q.detach();                     // (B,H,Dh)
    trace->global_key = core.global_k.detach();                       // (B,H,Dh)
  }
  // §3.2: r_i = Wr u_i + br, and the residual with the query, as one GEMM adding onto Q + br.
  const torch::Tensor u2 = core.u.reshape({B * T, heads_ * head_dim_});                            // (B·T,D)
  return torch::addmm(residual.reshape({B * T, heads_ * head_dim_}), u2, transform->weight.t()).view({B, T, -1});  // (B,T,D)
}

torch::Tensor FastformerAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                               LayerTrace* trace, const PoolingKeep* keep) {
  return output(mix(x, mask, trace, keep));  // (B,T,D)
}

}  // namespace fastformer
