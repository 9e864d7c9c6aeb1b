// Fastformer additive attention, paper Eq. 3–6, in the (B,T,H,Dh) layout so that no head
// transpose is needed: every step is a projection, an element-wise product or a sum over T.
#include "fastformer/fastformer_attention.h"

#include "fastformer/initialization.h"
#include "fastformer/masking.h"

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

torch::Tensor FastformerAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                               LayerTrace* trace) {
  const auto B = x.size(0), T = x.size(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  const torch::Tensor token_mask = mask.unsqueeze(-1);  // (B,T,1), broadcasts over heads

  const torch::Tensor q_flat = query(x);                             // (B,T,D)
  const torch::Tensor Q = q_flat.view({B, T, heads_, head_dim_});    // (B,T,H,Dh)
  const torch::Tensor K = key(x).view({B, T, heads_, head_dim_});    // (B,T,H,Dh)
  const torch::Tensor V = value.is_empty() ? Q : value(x).view({B, T, heads_, head_dim_});

  // Eq. 3: α_i = softmax_i(w_q · Q_i / √Dh), then the global query q = Σ_i α_i Q_i.
  const torch::Tensor alpha = masked_softmax(query_score(Q) * scale, token_mask, 1);  // (B,T,H)
  const torch::Tensor global_q = (alpha.unsqueeze(-1) * Q).sum(1);                    // (B,H,Dh)

  // Eq. 4: p_i = q ⊙ k_i.
  const torch::Tensor P = K * global_q.unsqueeze(1);  // (B,T,H,Dh)

  // Eq. 5: β_i = softmax_i(w_k · p_i / √Dh), then the global key k = Σ_i β_i p_i.
  const torch::Tensor beta = masked_softmax(key_score(P) * scale, token_mask, 1);  // (B,T,H)
  const torch::Tensor global_k = (beta.unsqueeze(-1) * P).sum(1);                  // (B,H,Dh)

  // Eq. 6: u_i = k ⊙ v_i, r_i = Wr u_i + br, and the residual with the query.
  const torch::Tensor U = (V * global_k.unsqueeze(1)).view({B, T, heads_ * head_dim_});  // (B,T,D)
  const torch::Tensor A = transform(U) + q_flat;                                         // (B,T,D)

  if (trace != nullptr) {
    trace->alpha = alpha.detach().transpose(1, 2).contiguous();  // (B,H,T)
    trace->beta = beta.detach().transpose(1, 2).contiguous();    // (B,H,T)
    trace->global_query = global_q.detach();                     // (B,H,Dh)
    trace->global_key = global_k.detach();                       // (B,H,Dh)
  }
  return output(A);  // (B,T,D)
}

}  // namespace fastformer
