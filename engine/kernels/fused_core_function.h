// The host side of the fused CUDA core (engine/cuda/core_kernels.h) as one autograd function:
// buffers, launch plans and the order of kernel calls of forward and backward. Nothing here
// needs a GPU: additive_core_cuda.cpp runs it on CUDA tensors, tests/cuda_emulation on CPU
// tensors with the kernels emulated, so both run this same code.
#pragma once

#include "cuda/core_kernels.h"
#include "fastformer/error.h"

#include <torch/torch.h>

#include <string>

namespace fastformer::kernel::fused {

inline cuda::Storage storage_of(at::ScalarType type) {
  return type == at::kHalf ? cuda::Storage::f16 : type == at::kBFloat16 ? cuda::Storage::bf16 : cuda::Storage::f32;
}

inline cuda::Shape shape_of(const at::Tensor& Q) { return {Q.size(0), Q.size(1), Q.size(2), Q.size(3)}; }

inline bool packed_rows(const at::Tensor& x) { return x.dim() == 4 && x.stride(3) == 1 && x.stride(2) == x.size(3); }

inline cuda::Rows rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }
inline cuda::OutRows out_rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }

inline float* f32(const at::Tensor& x) { return x.data_ptr<float>(); }

inline void check(cudaError_t status, const char* pass) {
  if (status != cudaSuccess) {
    throw Error(std::string("CUDA kernel failed: ") + cudaGetErrorString(status), std::string("additive core, ") + pass,
                "set FF_CUDA_KERNELS=0 to run the ATen operations instead");
  }
}

// What every kernel launch of one forward or backward needs besides the device made current:
// the stream, the shapes and chunk plan, the storage type, float32 options.
struct Launch {
  cudaStream_t stream;
  cuda::Shape shape;
  cuda::Plan plan;
  cuda::Storage storage;
  at::TensorOptions floats;
};

inline Launch launch_for(const at::Tensor& Q, cudaStream_t stream) {
  const cuda::Shape shape = shape_of(Q);
  return {stream, shape, cuda::make_plan(shape), storage_of(Q.scalar_type()), Q.options().dtype(at::kFloat)};
}

// The forward's outputs (U, α, β in Q's dtype; q, k in float) and what the backward reads.
struct Forward {
  at::Tensor U, alpha, beta;  // (B,T,H,Dh), (B,T,H), (B,T,H)
  at::Tensor mask;            // (B,T) bool on Q's device
  at::Tensor scores, stats;   // (2,B,T,H) query, key scores; (4,B,H) max_q, inv_q, max_k, inv_k
  at::Tensor q, key_sum, k;   // (B,H,Dh) float: q, Σ β_i K_i, k = q ⊙ key_sum
};

// Q, K, V given apart (views of one projection or not; V may be Q).
inline Forward forward(const Launch& launch, const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                       const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk, double scale) {
  const auto& [stream, s, p, st, fopts] = launch;
  Forward f;
  f.mask = mask.to(Q.device(), at::kBool).contiguous();  // (B,T)
  const bool* m = f.mask.data_ptr<bool>();
  f.scores = at::empty({2, s.B, s.T, s.H}, fopts);
  f.stats = at::empty({4, s.B, s.H}, fopts);
  const at::Tensor part_max = at::empty({s.B, p.chunks, s.H}, fopts);        // (B,chunks,H)
  const at::Tensor part_sum = at::empty({s.B, p.chunks, s.H}, fopts);        // (B,chunks,H)
  const at::Tensor part_acc = at::empty({s.B, p.chunks, s.H, s.Dh}, fopts);  // (B,chunks,H,Dh)
  f.q = at::empty({s.B, s.H, s.Dh}, fopts);
  f.key_sum = at::empty({s.B, s.H, s.Dh}, fopts);
  const at::Tensor &scores = f.scores, &stats = f.stats;
  // Pass 1, Eq. 3–4: α_i = softmax_i(scale w_q · Q_i), q = Σ_i α_i Q_i.
  const at::Tensor cq = (wq.to(at::kFloat) * scale).contiguous();  // (H,Dh), shared by the batch
  check(cuda::pool_forward(st, s, p, rows(Q), f32(cq), 0, m, f32(scores[0]), f32(part_max), f32(part_sum),
                           f32(part_acc), stream),
        "pass 1");
  check(cuda::pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[0]), f32(stats[1]), f32(f.q),
                           stream),
        "pass 1 merge");
  // Pass 2, Eq. 5–6: w_k · (q ⊙ K_i) = (w_k ⊙ q) · K_i, and k = q ⊙ Σ_i β_i K_i.
  const at::Tensor ck = (wk.to(at::kFloat).unsqueeze(0) * f.q * scale).contiguous();  // (B,H,Dh)
  check(cuda::pool_forward(st, s, p, rows(K), f32(ck), s.H * s.Dh, m, f32(scores[1]), f32(part_max), f32(part_sum),
                           f32(part_acc), stream),
        "pass 2");
  check(cuda::pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[2]), f32(stats[3]),
                           f32(f.key_sum), stream),
        "pass 2 merge");
  f.k = f.q * f.key_sum;  // (B,H,Dh)
  // Pass 3: u_i = k ⊙ v_i (§3.2), α and β.
  f.U = at::empty({s.B, s.T, s.H, s.Dh}, Q.options());
  f.alpha = at::empty({s.B, s.T, s.H}, Q.options());
  f.beta = at::empty({s.B, s.T, s.H}, Q.options());
  check(cuda::emit_forward(st, s, rows(V), f32(f.k), m, f32(scores[0]), f32(stats[0]), f32(stats[1]), f32(scores[1]),
                           f32(stats[2]), f32(stats[3]), f.U.data_ptr(), f.alpha.data_ptr(), f.beta.data_ptr(), stream),
        "pass 3");
  return f;
}

struct Grads {
  at::Tensor dQ, dK, dV;  // (B,T,H,Dh) in Q's dtype
  at::Tensor dwq, dwk;    // (H,Dh) float
};

// dU: ∂L/∂U (B,T,H,Dh), or undefined for zero; the rest as forward() gave and took them.
inline Grads backward(const Launch& launch, const at::Tensor& dU_in, const at::Tensor& Q, const at::Tensor& K,
                      const at::Tensor& V, const at::Tensor& wq, const at::Tensor& wk, double scale, const Forward& f) {
  const auto& [stream, s, p, st, fopts] = launch;
  const at::Tensor &scores = f.scores, &stats = f.stats, &q = f.q, &key_sum = f.key_sum, &k = f.k;
  const bool* m = f.mask.data_ptr<bool>();
  at::Tensor dU = dU_in.defined() ? dU_in.to(Q.scalar_type()) : at::zeros(Q.sizes(), Q.options());
  if (!packed_rows(dU)) dU = dU.contiguous();  // (B,T,H,Dh)
  Grads g;
  g.dQ = at::empty({s.B, s.T, s.H, s.Dh}, Q.options());
  g.dK = at::empty_like(g.dQ);
  g.dV = at::empty_like(g.dQ);
  const at::Tensor part = at::empty({s.B, p.chunks, s.H, s.Dh}, fopts);  // (B,chunks,H,Dh)
  const at::Tensor dk = at::empty({s.B, s.H, s.Dh}, fopts);              // (B,H,Dh) ∂L/∂k
  const at::Tensor r_k = at::empty_like(dk), r_q = at::empty_like(dk);   // (B,H,Dh)
  // U = V ⊙ k (§3.2): dV = dU ⊙ k, ∂L/∂k = Σ_i dU_i ⊙ V_i.
  check(cuda::product_backward(st, s, p, rows(dU), rows(V), f32(k), out_rows(g.dV), f32(part), stream), "backward U");
  check(cuda::chunk_sum(s, p, f32(part), f32(dk), stream), "backward U sum");
  // Eq. 5–6 with k = q ⊙ Σ_i β_i K_i: the pooling of K with s = q, wvec = w_k.
  const at::Tensor wk_f = wk.to(at::kFloat).unsqueeze(0);   // (1,H,Dh)
  const at::Tensor gs_k = (dk * q).contiguous();            // (B,H,Dh)
  const at::Tensor ws_k = (wk_f * q * scale).contiguous();  // (B,H,Dh)
  check(cuda::pool_backward(st, s, p, rows(K), m, f32(scores[1]), f32(stats[2]), f32(stats[3]), f32(gs_k), f32(ws_k),
                            f32(key_sum), out_rows(g.dK), f32(part), stream),
        "backward K");
  check(cuda::chunk_sum(s, p, f32(part), f32(r_k), stream), "backward K sum");
  // ∂L/∂q collects the pooling (∂L/∂k ⊙ Σ β_i K_i) and the key scores (scale w_k ⊙ R_k).
  const at::Tensor dq = (dk * key_sum + wk_f * r_k * scale).contiguous();  // (B,H,Dh)
  g.dwk = (q * r_k).sum(0) * scale;                                        // (H,Dh)
  // Eq. 3–4: the pooling of Q with s = 1, wvec = w_q.
  const at::Tensor ws_q = (wq.to(at::kFloat) * scale).expand({s.B, s.H, s.Dh}).contiguous();  // (B,H,Dh)
  check(cuda::pool_backward(st, s, p, rows(Q), m, f32(scores[0]), f32(stats[0]), f32(stats[1]), f32(dq), f32(ws_q),
                            f32(q), out_rows(g.dQ), f32(part), stream),
        "backward Q");
  check(cuda::chunk_sum(s, p, f32(part), f32(r_q), stream), "backward Q sum");
  g.dwq = r_q.sum(0) * scale;  // (H,Dh)
  return g;
}

// Q, K, V given apart; returns {U, α, β, q, k}, only U differentiable. Saves the float scores
// and softmax statistics, not α and β. Device is where the kernels run: constructed from Q
// for each forward and backward (e.g. making Q's device current), it names their stream().
template <typename Device>
class Function : public torch::autograd::Function<Function<Device>> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& Q,
                                                const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                                                const at::Tensor& wq, const at::Tensor& wk, double scale) {
    const Device device(Q);
    const Forward f = fused::forward(launch_for(Q, device.stream()), Q, K, V, mask, wq, wk, scale);
    const at::Tensor global_q = f.q.to(Q.scalar_type()), global_k = f.k.to(Q.scalar_type());  // (B,H,Dh)
    ctx->save_for_backward({Q, K, V, f.mask, wq, wk, f.scores, f.stats, f.q, f.key_sum, f.k});
    ctx->saved_data["scale"] = scale;
    ctx->mark_non_differentiable({f.alpha, f.beta, global_q, global_k});
    return {f.U, f.alpha, f.beta, global_q, global_k};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::autograd::variable_list sv = ctx->get_saved_variables();
    const at::Tensor &Q = sv[0], &K = sv[1], &V = sv[2], &wq = sv[4], &wk = sv[5];
    Forward f;
    f.mask = sv[3];
    f.scores = sv[6];
    f.stats = sv[7];
    f.q = sv[8];
    f.key_sum = sv[9];
    f.k = sv[10];
    const double scale = ctx->saved_data["scale"].toDouble();
    const Device device(Q);
    const Grads g = fused::backward(launch_for(Q, device.stream()), grads[0], Q, K, V, wq, wk, scale, f);
    return {g.dQ, g.dK, g.dV, {}, g.dwq.to(wq.scalar_type()), g.dwk.to(wk.scalar_type()), {}};
  }
};

}  // namespace fastformer::kernel::fused
