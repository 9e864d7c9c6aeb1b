// The additive core as separate ATen operations: the production path for devices, dtypes
// and scorers without a fused kernel (and what the fused kernels are tested against).
#include "fastformer/additive_core.h"

#include "model/masking.h"

namespace fastformer {

AdditiveCoreOutput additive_core_generic(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                         const at::Tensor& mask, const HeadScorer& query_score,
                                         const HeadScorer& key_score, double scale) {
  const at::Tensor token_mask = mask.unsqueeze(-1);  // (B,T,1), broadcasts over heads
  AdditiveCoreOutput out;
  // Eq. 3: α_i = softmax_i(w_q · Q_i / √Dh); Eq. 4: the global query q = Σ_i α_i Q_i.
  out.alpha = masked_softmax(query_score(Q) * scale, token_mask, 1);  // (B,T,H)
  out.global_q = (out.alpha.unsqueeze(-1) * Q).sum(1);                // (B,H,Dh)
  // p_i = q ⊙ k_i (§3.2, between Eq. 4 and 5).
  const at::Tensor P = K * out.global_q.unsqueeze(1);  // (B,T,H,Dh)
  // Eq. 5: β_i = softmax_i(w_k · p_i / √Dh); Eq. 6: the global key k = Σ_i β_i p_i.
  out.beta = masked_softmax(key_score(P) * scale, token_mask, 1);  // (B,T,H)
  out.global_k = (out.beta.unsqueeze(-1) * P).sum(1);              // (B,H,Dh)
  // u_i = k ⊙ v_i (§3.2, after Eq. 6).
  out.u = V * out.global_k.unsqueeze(1);  // (B,T,H,Dh)
  return out;
}

AdditiveCoreOutput additive_core_aten(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                           const at::Tensor& mask, const at::Tensor& wq,
                                           const at::Tensor& wk, double scale) {
  const auto per_head = [](const at::Tensor& w) {
    return [w](const at::Tensor& states) { return (states * w).sum(-1); };  // (B,T,H,Dh)·(H,Dh) → (B,T,H)
  };
  return additive_core_generic(Q, K, V, mask, per_head(wq), per_head(wk), scale);
}

}  // namespace fastformer
