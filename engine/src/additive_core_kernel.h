// Hand-written CPU kernels of the additive core (see fastformer/additive_core.h). The two
// poolings of Eq. 3 and 5 are one softmax-weighted pooling over tokens, run with different
// inputs; forward reads Q, K, V once each and writes U, backward reads dU, V, K, Q once each
// and writes dV, dK, dQ.
#pragma once

#include <ATen/ATen.h>

namespace fastformer::kernel {

// Saved by the forward for the backward, and returned to callers.
struct CoreForward {
  at::Tensor u;         // (B,T,H,Dh) contiguous
  at::Tensor alpha;     // (B,T,H)
  at::Tensor beta;      // (B,T,H)
  at::Tensor global_q;  // (B,H,Dh)
  at::Tensor global_k;  // (B,H,Dh)
  at::Tensor key_sum;   // (B,H,Dh) Σ_i β_i K_i, so that k = q ⊙ key_sum
};

struct CoreGrads {
  at::Tensor dq, dk, dv;  // (B,T,H,Dh) contiguous
  at::Tensor dwq, dwk;    // (H,Dh)
};

// True when the fused kernels accept these inputs: CPU, float32/float64, each token's H·Dh
// values contiguous (the batch and token strides are free).
bool core_kernel_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& wq,
                         const at::Tensor& wk);

CoreForward core_forward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                         const at::Tensor& wq, const at::Tensor& wk, double scale);

CoreGrads core_backward(const at::Tensor& dU, const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                        const at::Tensor& wq, const at::Tensor& wk, double scale, const CoreForward& saved);

}  // namespace fastformer::kernel
