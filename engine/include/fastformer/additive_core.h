// The additive core of Fastformer (paper Eq. 3–6 and u = k ⊙ v of §3.2): from the
// projected Q, K, V to U = k ⊙ V, with α, β, q and k. Everything of the layer but the
// projection GEMMs. On CPU float32/float64 it runs as one autograd function with
// hand-written kernels (three passes over (B,T,D) data forward, three backward); on CUDA,
// with FF_CUDA_KERNELS, as the fused kernels of engine/cuda (cuda_core.h says when they
// apply); everything else uses the same maths in ATen operations.
#pragma once

#include <ATen/ATen.h>

#include <functional>

namespace fastformer {

struct AdditiveCoreOutput {
  at::Tensor u;         // (B,T,H,Dh) U = k ⊙ V
  at::Tensor alpha;     // (B,T,H) α, 0 on padding
  at::Tensor beta;      // (B,T,H) β, 0 on padding
  at::Tensor global_q;  // (B,H,Dh) q = Σ_i α_i Q_i
  at::Tensor global_k;  // (B,H,Dh) k = Σ_i β_i (q ⊙ K_i)
};

// Q, K, V: (B,T,H,Dh), any strides with the last dimension contiguous (e.g. column slices
// of one fused (B,T,3D) projection; V may be Q itself). mask: (B,T) bool, true = token.
// wq, wk: (H,Dh) per-head score vectors; scores are scaled by `scale` (1/√Dh).
AdditiveCoreOutput additive_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                 const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                                 double scale);

// The layer's form. Q, K, V are column blocks of one fused projection `proj` (B,T,C) at
// column offsets q_offset, k_offset, v_offset (v_offset == q_offset when V is Q), each
// H·Dh wide. Also returns the residual Q + bias (B,T,D) (bias: the transform's, may be
// undefined), so that every gradient reaching `proj` is written by one function, straight
// into one (B,T,C) tensor.
struct PackedCoreOutput {
  AdditiveCoreOutput core;
  at::Tensor residual;  // (B,T,D) Q + bias
};
PackedCoreOutput additive_core_packed(const at::Tensor& proj, std::int64_t q_offset, std::int64_t k_offset,
                                      std::int64_t v_offset, std::int64_t heads, const at::Tensor& mask,
                                      const at::Tensor& wq, const at::Tensor& wk, const at::Tensor& bias,
                                      double scale);

// The same maths as separate ATen operations with any token scorer: `score` maps
// (B,T,H,Dh) states to (B,T,H) unscaled scores (per-head w·s, or the official code's
// Linear over all heads). The path for other devices and dtypes, and for head-mixing scores.
using HeadScorer = std::function<at::Tensor(const at::Tensor&)>;
AdditiveCoreOutput additive_core_generic(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                         const at::Tensor& mask, const HeadScorer& query_score,
                                         const HeadScorer& key_score, double scale);

// additive_core_generic with the per-head scores w_q·Q_i and w_k·p_i: the ATen path that
// additive_core() takes where no fused kernel applies (and the fused kernels' test oracle).
AdditiveCoreOutput additive_core_aten(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                      const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                                      double scale);

}  // namespace fastformer
