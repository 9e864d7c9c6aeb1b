// Linear attention's core, O_i = φ(Q_i)ᵀ Σ_j φ(K_j)V_jᵀ / φ(Q_i)·Σ_j φ(K_j) over the real keys
// (Katharopoulos et al. 2020, Eq. 4–6, φ = elu + 1), from projected Q, K, V (B,T,H,Dh) to
// the context (B,T,H,Dh), in two implementations with the same values and gradients.
#pragma once

#include <ATen/ATen.h>

namespace fastformer {

struct LinearCoreOutput {
  at::Tensor context;     // (B,T,H,Dh); zeros for a sequence without real keys
  at::Tensor normalizer;  // (B,T,H) φ(Q_i)·z, z = Σ_j φ(K_j); 0 without real keys
};

// The CPU kernels (float32/float64, (H,Dh) packed) as one autograd function; elsewhere the
// ATen path. The normaliser comes with it.
LinearCoreOutput linear_attention_fused(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                        const at::Tensor& mask);

// The same maths as ATen operations (any device and dtype); `weights`, when not null,
// receives the implicit weights φ(Q_i)·φ(K_j) / φ(Q_i)·z as (B,H,T,T).
LinearCoreOutput linear_attention_aten(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                       const at::Tensor& mask, at::Tensor* weights = nullptr);

// Whether linear_attention_fused runs its kernels (not the ATen path) for these inputs.
bool linear_core_kernels_apply(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V);

}  // namespace fastformer
