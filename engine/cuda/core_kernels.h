// Host entry points of the fused CUDA kernels of the additive core (paper Eq. 3–6): plain
// pointers, strides and a stream, no LibTorch, so that nvcc compiles them alone. The engine's
// autograd function (engine/kernels/additive_core_cuda.cpp) chains them into forward and backward.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace fastformer::cuda {

enum class Storage { f32, f16, bf16 };  // element type of Q, K, V, U, α, β and their gradients

struct Shape {
  std::int64_t B, T, H, Dh;  // batch, tokens, heads, head size; D = H·Dh
};

// Rows of a (B,T,H,Dh) tensor whose H·Dh values per token are packed: element (b,t,j) is at
// data + b·sb + t·st + j, in elements of the storage type.
struct Rows {
  const void* data;
  std::int64_t sb, st;
};
struct OutRows {
  void* data;
  std::int64_t sb, st;
};

// How the token axis is split: each thread block handles `chunk` tokens of one sequence,
// `rows` of them at a time (one per group of H·min(Dh,32) threads).
struct Plan {
  int rows = 1;           // token rows a block reads at once
  int threads = 32;       // threads per block (a multiple of 32)
  std::int64_t chunk = 1; // tokens per block
  std::int64_t chunks = 1;// blocks per sequence = ceil(T / chunk)
};

// True for the shapes the kernels are built for: Dh ∈ {16, 32, 64, 128}, H·min(Dh,32) ≤ 1024,
// 1 ≤ B ≤ 65535, T ≥ 1. Other shapes take the ATen path.
bool shape_supported(const Shape& s);
Plan make_plan(const Shape& s);

// Pass 1 (Eq. 3–4) and pass 2 (Eq. 5–6): softmax pooling of the rows X over tokens with score
// c[b]·X_t (c: (B,H,Dh) float, batch stride c_bstride, 0 to share one vector). Writes the
// unnormalised scores (B,T,H) at real tokens and per-block partials: running max and sum
// (B,chunks,H) and Σ exp(score − max)·X_t (B,chunks,D).
cudaError_t pool_forward(Storage st, const Shape& s, const Plan& p, Rows x, const float* c, std::int64_t c_bstride,
                         const bool* mask, float* scores, float* part_max, float* part_sum, float* part_acc,
                         cudaStream_t stream);

// Merges the partials of pool_forward: softmax statistics stat_max, stat_inv (B,H) (the
// maximum and 1/Σexp; 0 for a sequence without tokens) and pooled = Σ_t w_t X_t (B,D).
cudaError_t pool_combine(const Shape& s, const Plan& p, const float* part_max, const float* part_sum,
                         const float* part_acc, float* stat_max, float* stat_inv, float* pooled, cudaStream_t stream);

// Pass 3: U = k ⊙ V (u: contiguous (B,T,H,Dh)), α and β (B,T,H) from the saved scores and
// statistics, 0 on padding. k: (B,D) float.
cudaError_t emit_forward(Storage st, const Shape& s, Rows v, const float* k, const bool* mask, const float* scores_q,
                         const float* max_q, const float* inv_q, const float* scores_k, const float* max_k,
                         const float* inv_k, void* u, void* alpha, void* beta, cudaStream_t stream);

// Backward of U = k ⊙ V: dV = k ⊙ dU (written) and per-block partials of Σ_t dU_t ⊙ V_t
// (B,chunks,D).
cudaError_t product_backward(Storage st, const Shape& s, const Plan& p, Rows du, Rows v, const float* k, OutRows dv,
                             float* part, cudaStream_t stream);

// Backward of pooled = Σ_t w_t (X_t ⊙ s), w = softmax_t(z), z_t = (scale·wvec ⊙ s)·X_t, given
// gs = ∂L/∂pooled ⊙ s, ws = scale·wvec ⊙ s and mean = Σ_t w_t X_t, all (B,D) float:
//   ∂L/∂z_t = w_t gs·(X_t − mean),  dX_t = w_t gs + ∂L/∂z_t ws  (written; 0 on padding)
// and per-block partials of R = Σ_t ∂L/∂z_t X_t (B,chunks,D).
cudaError_t pool_backward(Storage st, const Shape& s, const Plan& p, Rows x, const bool* mask, const float* scores,
                          const float* stat_max, const float* stat_inv, const float* gs, const float* ws,
                          const float* mean, OutRows dx, float* part, cudaStream_t stream);

// out (B,D) = Σ over the chunks of part (B,chunks,D).
cudaError_t chunk_sum(const Shape& s, const Plan& p, const float* part, float* out, cudaStream_t stream);

}  // namespace fastformer::cuda
