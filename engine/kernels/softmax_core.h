// Exact multi-head softmax attention, softmax(Q Kᵀ·scale) V over the real keys (Vaswani et al.
// 2017, Eq. 1), from projected Q, K, V (B,T,H,Dh) to the context (B,T,H,Dh): the token mixer
// of the softmax Transformer, in two implementations with the same values and gradients.
#pragma once

#include <ATen/ATen.h>

namespace fastformer {

// Without the T×T matrix: on the CPU (float32/float64, (H,Dh) packed) one autograd function
// whose forward keeps a log-sum-exp per query and whose backward recomputes the weights by
// blocks, so memory grows as T (the FlashAttention-2 scheme). Elsewhere it falls back to
// softmax_attention_materialized. A sequence without real keys gets zeros.
at::Tensor softmax_attention_tiled(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                                   double scale);

// The scores and weights as (B,H,T,T) tensors; `weights`, when not null, receives the
// weights (0 for a sequence without real keys).
at::Tensor softmax_attention_materialized(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                          const at::Tensor& mask, double scale, at::Tensor* weights = nullptr);

// Whether softmax_attention_tiled runs its kernels (not the fallback) for these inputs.
bool softmax_tiled_kernels_apply(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V);

}  // namespace fastformer
