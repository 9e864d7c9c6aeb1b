// Hand-written CPU kernels of the additive core (see fastformer/additive_core.h). The two
// poolings of Eq. 3–4 and 5–6 are one softmax-weighted pooling over tokens, run with different
// inputs; forward reads Q, K, V once each and writes U (and the residual Q + b), backward
// reads dU, V, K, Q (and the residual's gradient) once each and writes dV, dK, dQ, which
// may be column blocks of one buffer, so a fused Q|K|V projection gets its gradient whole.
#pragma once

#include <ATen/ATen.h>

namespace fastformer::kernel {

struct CoreInputs {
  at::Tensor q, k, v;  // (B,T,H,Dh) views whose (H,Dh) part is packed; v may be q
  at::Tensor mask;     // (B,T) bool, true = token
  at::Tensor wq, wk;   // (H,Dh)
  at::Tensor bias;     // (D), or undefined: the residual output Q + bias (forward_residual)
  double scale = 1.0;
};

// Saved by the forward for the backward, and returned to callers.
struct CoreForward {
  at::Tensor u;         // (B,T,H,Dh) contiguous
  at::Tensor residual;  // (B,T,D) Q + bias, when asked for
  at::Tensor alpha;     // (B,T,H)
  at::Tensor beta;      // (B,T,H)
  at::Tensor global_q;  // (B,H,Dh)
  at::Tensor global_k;  // (B,H,Dh)
  at::Tensor key_sum;   // (B,H,Dh) Σ_i β_i K_i, so that k = q ⊙ key_sum
};

struct CoreGrads {
  at::Tensor dwq, dwk;  // (H,Dh)
  at::Tensor dbias;     // (D) when the residual's gradient was given
};

// True when the fused kernels accept these inputs: CPU, float32/float64, each token's H·Dh
// values packed (the batch and token strides are free).
bool core_kernel_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& wq,
                         const at::Tensor& wk);

CoreForward core_forward(const CoreInputs& in, bool with_residual);

// dU (B,T,H,Dh); d_residual (B,T,D) or undefined. Writes dq, dk, dv: (B,T,H,Dh) views with
// packed rows, which may be blocks of one tensor; when dv and dq are the same view (V is Q)
// the Q gradient is added to the V gradient there.
CoreGrads core_backward(const at::Tensor& dU, const at::Tensor& d_residual, const CoreInputs& in,
                        const CoreForward& saved, const at::Tensor& dq, const at::Tensor& dk, const at::Tensor& dv);

}  // namespace fastformer::kernel
