// linear_attention_fused as one autograd function around the CPU kernels, and the ATen path
// (the one traces and other devices take).
#include "kernels/linear_core.h"

#include "kernels/linear_core_cpu.h"

#include <torch/torch.h>

namespace fastformer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct LinearCoreFunction : public torch::autograd::Function<LinearCoreFunction> {
  static tensor_list forward(AutogradContext* ctx, const torch::Tensor& Q, const torch::Tensor& K,
                             const torch::Tensor& V, const torch::Tensor& mask) {
    kernel::LinearForward f = kernel::linear_core_forward(Q, K, V, mask);
    ctx->save_for_backward({Q, K, V, mask, f.out, f.S, f.z, f.den});
    const torch::Tensor normalizer = f.den.transpose(1, 2);  // (B,T,H)
    ctx->mark_non_differentiable({normalizer});
    return {f.out, normalizer};
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const kernel::LinearForward f{saved[4], saved[5], saved[6], saved[7]};
    const kernel::LinearGrads g = kernel::linear_core_backward(saved[0], saved[1], saved[2], saved[3], f, grads[0]);
    return {g.dQ, g.dK, g.dV, torch::Tensor()};
  }
};

}  // namespace

bool linear_core_kernels_apply(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V) {
  return kernel::linear_core_applies(Q, K, V);
}

LinearCoreOutput linear_attention_fused(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                        const at::Tensor& mask) {
  if (!linear_core_kernels_apply(Q, K, V)) return linear_attention_aten(Q, K, V, mask);
  const tensor_list out = LinearCoreFunction::apply(Q, K, V, mask);
  return {out[0], out[1]};
}

LinearCoreOutput linear_attention_aten(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                       const at::Tensor& mask, at::Tensor* weights) {
  const auto B = Q.size(0), T = Q.size(1);
  const auto phi = [](const at::Tensor& t) { return at::elu(t) + 1.0; };  // φ(x) = elu(x) + 1 > 0
  const at::Tensor real = mask.to(Q.scalar_type()).view({B, T, 1, 1});    // (B,T,1,1)
  const at::Tensor q = phi(Q);                                            // (B,T,H,Dh)
  const at::Tensor k = phi(K) * real;                                     // (B,T,H,Dh), 0 on padded keys
  const at::Tensor S = at::einsum("bthd,bthe->bhde", {k, V});             // (B,H,Dh,Dh) Σ_j φ(K_j) V_jᵀ (Eq. 5)
  const at::Tensor z = k.sum(1);                                          // (B,H,Dh)    Σ_j φ(K_j)
  const at::Tensor numerator = at::einsum("bthd,bhde->bthe", {q, S});     // (B,T,H,Dh)
  const at::Tensor normalizer = at::einsum("bthd,bhd->bth", {q, z});      // (B,T,H) φ(Q_i)·z (Eq. 6)
  // φ > 0, so the normaliser is positive whenever a real key exists; a sequence without one
  // has S = 0 and z = 0, and its context is 0 (divided by 1, not by 0).
  const at::Tensor safe = normalizer + normalizer.eq(0).to(normalizer.scalar_type());
  if (weights != nullptr) {
    // w_ij = φ(Q_i)·φ(K_j) / φ(Q_i)·z, 0 on padded keys.
    const at::Tensor dots = at::einsum("bihd,bjhd->bhij", {q, k});  // (B,H,T,T)
    *weights = (dots / safe.transpose(1, 2).unsqueeze(-1)).detach();
  }
  return {numerator / safe.unsqueeze(-1), normalizer};  // (B,T,H,Dh), (B,T,H)
}

}  // namespace fastformer
