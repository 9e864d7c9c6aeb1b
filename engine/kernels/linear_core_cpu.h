// Linear attention's core on the CPU (Katharopoulos et al. 2020, Eq. 4–6, non-causal, with
// φ(x) = elu(x) + 1): per sequence and head one pass over the keys builds the Dh×Dh summary
// S = Σ_j φ(K_j)V_jᵀ and z = Σ_j φ(K_j), one pass over the queries reads them,
// O_i = φ(Q_i)ᵀS / φ(Q_i)·z. φ, the summaries and the division never leave registers or L1:
// the (B,T,H,Dh) tensors are read and written once per pass, where the same maths through
// ATen makes a dozen (B,T,D) temporaries.
#pragma once

#include <ATen/ATen.h>

namespace fastformer::kernel {

// Q, K, V: (B,T,H,Dh) float32 or float64 on the CPU, each token's H·Dh values packed (views
// of (B,T,D) projections); mask (B,T) bool, true = a real key. out (B,T,H,Dh) contiguous;
// S (B,H,Dh,Dh), z (B,H,Dh) over the real keys; den (B,H,T) = φ(Q_i)·z. A sequence without
// real keys has S = 0, z = 0, den = 0 and out = 0.
struct LinearForward {
  at::Tensor out, S, z, den;
};
LinearForward linear_core_forward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                  const at::Tensor& mask);

// Gradients of Σ out ⊙ grad_out with respect to Q, K, V, each (B,T,H,Dh) contiguous; padded
// keys get zero gradients, and so do queries of a sequence without real keys.
struct LinearGrads {
  at::Tensor dQ, dK, dV;
};
LinearGrads linear_core_backward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                                 const LinearForward& forward, const at::Tensor& grad_out);

// True when the kernels take these inputs: CPU, float32/float64, packed (H,Dh) rows.
bool linear_core_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V);

}  // namespace fastformer::kernel
