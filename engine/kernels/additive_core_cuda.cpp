// The additive core on the fused CUDA kernels of engine/cuda/ as one autograd function, and the
// switch that decides when additive_core() uses it. Without FF_HAVE_CUDA_KERNELS only the switch.
#include "fastformer/cuda_core.h"

#include "fastformer/error.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#ifndef FF_HAVE_CUDA_KERNELS
#define FF_HAVE_CUDA_KERNELS 0
#endif

#if FF_HAVE_CUDA_KERNELS
#include "cuda/core_kernels.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/torch.h>

#include <string>
#endif

namespace fastformer {
namespace {

// -1: not decided yet (read FF_CUDA_KERNELS on first use), 0 off, 1 on.
std::atomic<int> g_switch{-1};

}  // namespace

bool fused_cuda_core_built() { return FF_HAVE_CUDA_KERNELS != 0; }

void set_fused_cuda_core(bool enabled) { g_switch.store(enabled ? 1 : 0); }

bool fused_cuda_core_enabled() {
  if (!fused_cuda_core_built()) return false;
  int state = g_switch.load();
  if (state < 0) {
    const char* env = std::getenv("FF_CUDA_KERNELS");
    const int from_env = (env != nullptr && std::strcmp(env, "0") == 0) ? 0 : 1;
    g_switch.compare_exchange_strong(state, from_env);
    state = g_switch.load();
  }
  return state == 1;
}

#if !FF_HAVE_CUDA_KERNELS

bool fused_cuda_core_applies(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                             const at::Tensor&, const at::Tensor&) {
  return false;
}

AdditiveCoreOutput fused_cuda_core(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                   const at::Tensor&, const at::Tensor&, double) {
  throw Error("the fused CUDA kernels are not in this build", "fused_cuda_core",
              "configure with -DFF_CUDA_KERNELS=ON against a LibTorch with CUDA");
}

#else

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

cuda::Storage storage_of(at::ScalarType type) {
  return type == at::kHalf ? cuda::Storage::f16 : type == at::kBFloat16 ? cuda::Storage::bf16 : cuda::Storage::f32;
}

cuda::Shape shape_of(const at::Tensor& Q) { return {Q.size(0), Q.size(1), Q.size(2), Q.size(3)}; }

bool packed_rows(const at::Tensor& x) { return x.dim() == 4 && x.stride(3) == 1 && x.stride(2) == x.size(3); }

cuda::Rows rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }
cuda::OutRows out_rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }

float* f32(const at::Tensor& x) { return x.data_ptr<float>(); }

void check(cudaError_t status, const char* pass) {
  if (status != cudaSuccess) {
    throw Error(std::string("CUDA kernel failed: ") + cudaGetErrorString(status), std::string("additive core, ") + pass,
                "set FF_CUDA_KERNELS=0 to run the ATen operations instead");
  }
}

// What every kernel launch of one forward or backward needs besides Q's device made
// current: torch's current stream, the shapes and chunk plan, the storage type, float32
// options. Unpacked with a structured binding.
struct LaunchArgs {
  cudaStream_t stream;
  cuda::Shape shape;
  cuda::Plan plan;
  cuda::Storage storage;
  at::TensorOptions floats;
};

LaunchArgs launch_args(const at::Tensor& Q) {
  const cuda::Shape shape = shape_of(Q);
  return {c10::cuda::getCurrentCUDAStream().stream(), shape, cuda::make_plan(shape), storage_of(Q.scalar_type()),
          Q.options().dtype(at::kFloat)};
}

// Q, K, V given apart (views of one projection or not; V may be Q); returns {U, α, β, q, k},
// only U differentiable. Saves the float scores and softmax statistics, not α and β.
class FusedCore : public torch::autograd::Function<FusedCore> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& Q, const torch::Tensor& K,
                               const torch::Tensor& V, const torch::Tensor& mask, const torch::Tensor& wq,
                               const torch::Tensor& wk, double scale) {
    const c10::cuda::CUDAGuard guard(Q.device());  // before the stream: it is the device's
    const auto [stream, s, p, st, fopts] = launch_args(Q);
    const at::Tensor m = mask.to(Q.device(), at::kBool).contiguous();  // (B,T)
    const at::Tensor scores = at::empty({2, s.B, s.T, s.H}, fopts);    // (2,B,T,H) query, key
    const at::Tensor stats = at::empty({4, s.B, s.H}, fopts);          // (4,B,H) max_q, inv_q, max_k, inv_k
    const at::Tensor part_max = at::empty({s.B, p.chunks, s.H}, fopts);        // (B,chunks,H)
    const at::Tensor part_sum = at::empty({s.B, p.chunks, s.H}, fopts);        // (B,chunks,H)
    const at::Tensor part_acc = at::empty({s.B, p.chunks, s.H, s.Dh}, fopts);  // (B,chunks,H,Dh)
    const at::Tensor q = at::empty({s.B, s.H, s.Dh}, fopts);                    // (B,H,Dh)
    const at::Tensor key_sum = at::empty({s.B, s.H, s.Dh}, fopts);              // (B,H,Dh) Σ β_i K_i
    // Pass 1, Eq. 3–4: α_i = softmax_i(scale w_q · Q_i), q = Σ_i α_i Q_i.
    const at::Tensor cq = (wq.to(at::kFloat) * scale).contiguous();  // (H,Dh), shared by the batch
    check(cuda::pool_forward(st, s, p, rows(Q), f32(cq), 0, m.data_ptr<bool>(), f32(scores[0]), f32(part_max),
                             f32(part_sum), f32(part_acc), stream),
          "pass 1");
    check(cuda::pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[0]), f32(stats[1]), f32(q),
                             stream),
          "pass 1 merge");
    // Pass 2, Eq. 5–6: w_k · (q ⊙ K_i) = (w_k ⊙ q) · K_i, and k = q ⊙ Σ_i β_i K_i.
    const at::Tensor ck = (wk.to(at::kFloat).unsqueeze(0) * q * scale).contiguous();  // (B,H,Dh)
    check(cuda::pool_forward(st, s, p, rows(K), f32(ck), s.H * s.Dh, m.data_ptr<bool>(), f32(scores[1]),
                             f32(part_max), f32(part_sum), f32(part_acc), stream),
          "pass 2");
    check(cuda::pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[2]), f32(stats[3]),
                             f32(key_sum), stream),
          "pass 2 merge");
    const at::Tensor k = q * key_sum;  // (B,H,Dh)
    // Pass 3: u_i = k ⊙ v_i (§3.2), α and β.
    const at::Tensor U = at::empty({s.B, s.T, s.H, s.Dh}, Q.options());  // (B,T,H,Dh)
    const at::Tensor alpha = at::empty({s.B, s.T, s.H}, Q.options());    // (B,T,H)
    const at::Tensor beta = at::empty({s.B, s.T, s.H}, Q.options());     // (B,T,H)
    check(cuda::emit_forward(st, s, rows(V), f32(k), m.data_ptr<bool>(), f32(scores[0]), f32(stats[0]), f32(stats[1]),
                             f32(scores[1]), f32(stats[2]), f32(stats[3]), U.data_ptr(), alpha.data_ptr(),
                             beta.data_ptr(), stream),
          "pass 3");
    const at::Tensor global_q = q.to(Q.scalar_type()), global_k = k.to(Q.scalar_type());  // (B,H,Dh)
    ctx->save_for_backward({Q, K, V, m, wq, wk, scores, stats, q, key_sum, k});
    ctx->saved_data["scale"] = scale;
    ctx->mark_non_differentiable({alpha, beta, global_q, global_k});
    return {U, alpha, beta, global_q, global_k};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list sv = ctx->get_saved_variables();
    const at::Tensor &Q = sv[0], &K = sv[1], &V = sv[2], &m = sv[3], &wq = sv[4], &wk = sv[5];
    const at::Tensor &scores = sv[6], &stats = sv[7], &q = sv[8], &key_sum = sv[9], &k = sv[10];
    const double scale = ctx->saved_data["scale"].toDouble();
    const c10::cuda::CUDAGuard guard(Q.device());  // before the stream: it is the device's
    const auto [stream, s, p, st, fopts] = launch_args(Q);
    at::Tensor dU = grads[0].defined() ? grads[0].to(Q.scalar_type()) : at::zeros(Q.sizes(), Q.options());
    if (!packed_rows(dU)) dU = dU.contiguous();  // (B,T,H,Dh)
    const at::Tensor dQ = at::empty({s.B, s.T, s.H, s.Dh}, Q.options());       // (B,T,H,Dh)
    const at::Tensor dK = at::empty_like(dQ), dV = at::empty_like(dQ);        // (B,T,H,Dh)
    const at::Tensor part = at::empty({s.B, p.chunks, s.H, s.Dh}, fopts);      // (B,chunks,H,Dh)
    const at::Tensor dk = at::empty({s.B, s.H, s.Dh}, fopts);                  // (B,H,Dh) ∂L/∂k
    const at::Tensor r_k = at::empty_like(dk), r_q = at::empty_like(dk);       // (B,H,Dh)
    // U = V ⊙ k (§3.2): dV = dU ⊙ k, ∂L/∂k = Σ_i dU_i ⊙ V_i.
    check(cuda::product_backward(st, s, p, rows(dU), rows(V), f32(k), out_rows(dV), f32(part), stream), "backward U");
    check(cuda::chunk_sum(s, p, f32(part), f32(dk), stream), "backward U sum");
    // Eq. 5–6 with k = q ⊙ Σ_i β_i K_i: the pooling of K with s = q, wvec = w_k.
    const at::Tensor wk_f = wk.to(at::kFloat).unsqueeze(0);                // (1,H,Dh)
    const at::Tensor gs_k = (dk * q).contiguous();                         // (B,H,Dh)
    const at::Tensor ws_k = (wk_f * q * scale).contiguous();               // (B,H,Dh)
    check(cuda::pool_backward(st, s, p, rows(K), m.data_ptr<bool>(), f32(scores[1]), f32(stats[2]), f32(stats[3]),
                              f32(gs_k), f32(ws_k), f32(key_sum), out_rows(dK), f32(part), stream),
          "backward K");
    check(cuda::chunk_sum(s, p, f32(part), f32(r_k), stream), "backward K sum");
    // ∂L/∂q collects the pooling (∂L/∂k ⊙ Σ β_i K_i) and the key scores (scale w_k ⊙ R_k).
    const at::Tensor dq = (dk * key_sum + wk_f * r_k * scale).contiguous();  // (B,H,Dh)
    const at::Tensor dwk = (q * r_k).sum(0) * scale;                         // (H,Dh)
    // Eq. 3–4: the pooling of Q with s = 1, wvec = w_q.
    const at::Tensor ws_q = (wq.to(at::kFloat) * scale).expand({s.B, s.H, s.Dh}).contiguous();  // (B,H,Dh)
    check(cuda::pool_backward(st, s, p, rows(Q), m.data_ptr<bool>(), f32(scores[0]), f32(stats[0]), f32(stats[1]),
                              f32(dq), f32(ws_q), f32(q), out_rows(dQ), f32(part), stream),
          "backward Q");
    check(cuda::chunk_sum(s, p, f32(part), f32(r_q), stream), "backward Q sum");
    const at::Tensor dwq = r_q.sum(0) * scale;  // (H,Dh)
    return {dQ, dK, dV, {}, dwq.to(wq.scalar_type()), dwk.to(wk.scalar_type()), {}};
  }
};

bool supported_type(at::ScalarType type) { return type == at::kFloat || type == at::kHalf || type == at::kBFloat16; }

}  // namespace

bool fused_cuda_core_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                             const at::Tensor& wq, const at::Tensor& wk) {
  if (!fused_cuda_core_enabled() || !Q.defined() || !Q.is_cuda() || !supported_type(Q.scalar_type())) return false;
  for (const at::Tensor* t : {&K, &V, &wq, &wk}) {
    if (!t->defined() || t->device() != Q.device() || t->scalar_type() != Q.scalar_type()) return false;
  }
  if (!packed_rows(Q) || !packed_rows(K) || !packed_rows(V) || K.sizes() != Q.sizes() || V.sizes() != Q.sizes()) {
    return false;
  }
  if (wq.dim() != 2 || wq.size(0) != Q.size(2) || wq.size(1) != Q.size(3) || wk.sizes() != wq.sizes()) return false;
  if (!mask.defined() || mask.dim() != 2 || mask.size(0) != Q.size(0) || mask.size(1) != Q.size(1)) return false;
  return cuda::shape_supported(shape_of(Q));
}

AdditiveCoreOutput fused_cuda_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                   const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk, double scale) {
  if (!fused_cuda_core_applies(Q, K, V, mask, wq, wk)) {
    throw Error("the fused CUDA core does not take these inputs", "fused_cuda_core",
                "CUDA float32/float16/bfloat16 tensors with packed rows and Dh 16, 32, 64 or 128; "
                "additive_core() picks the ATen path by itself");
  }
  const variable_list out = FusedCore::apply(Q, K, V, mask, wq, wk, scale);
  return {out[0], out[1], out[2], out[3], out[4]};
}

#endif  // FF_HAVE_CUDA_KERNELS

}  // namespace fastformer
