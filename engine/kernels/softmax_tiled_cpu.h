// Exact softmax attention without the T×T matrix (the FlashAttention-2 scheme, Dao 2023, on
// the CPU): per sequence and head the real keys are packed once; queries run in blocks
// against blocks of keys with an online softmax (a running maximum and sum per query), so
// the working set is a few blocks, never T×T. The forward keeps one log-sum-exp per query;
// the backward recomputes each block's weights from it.
#pragma once

#include <ATen/ATen.h>

namespace fastformer::kernel {

// Q, K, V: (B,T,H,Dh) float32 or float64 on the CPU, each token's H·Dh values packed (views
// of (B,T,D) projections); mask (B,T) bool, true = a real key. Every query row gets
// softmax(q·Kᵀ·scale) over the real keys of its sequence; a sequence without real keys
// gets zeros. out (B,T,H,Dh) contiguous; lse (B,H,T): log Σ_j e^{s_ij}, −inf with no keys.
struct TiledForward {
  at::Tensor out, lse;
};
TiledForward tiled_softmax_forward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                   const at::Tensor& mask, double scale);

// Gradients of Σ out ⊙ grad_out with respect to Q, K, V, each (B,T,H,Dh) contiguous;
// padded keys get zero gradients.
struct TiledGrads {
  at::Tensor dQ, dK, dV;
};
TiledGrads tiled_softmax_backward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                  const at::Tensor& mask, double scale, const TiledForward& forward,
                                  const at::Tensor& grad_out);

// True when the kernels take these inputs: CPU, float32/float64, packed (H,Dh) rows.
bool tiled_softmax_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V);

}  // namespace fastformer::kernel
