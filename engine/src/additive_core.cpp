// The additive core as one autograd function over the fused CPU kernels; ATen operations
// where the kernels do not apply (other devices and dtypes, unpacked rows).
#include "fastformer/additive_core.h"

#include "additive_core_kernel.h"

#include <torch/torch.h>

namespace fastformer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class AdditiveCoreFunction : public torch::autograd::Function<AdditiveCoreFunction> {
 public:
  // Returns {U, α, β, q, k}; only U is differentiable (the others are for display).
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& Q, const torch::Tensor& K,
                               const torch::Tensor& V, const torch::Tensor& mask, const torch::Tensor& wq,
                               const torch::Tensor& wk, double scale) {
    const kernel::CoreForward f = kernel::core_forward(Q, K, V, mask, wq, wk, scale);
    // Outputs go through save_for_backward too: it keeps them without a reference cycle.
    ctx->save_for_backward({Q, K, V, wq, wk, f.alpha, f.beta, f.global_q, f.global_k, f.key_sum});
    ctx->saved_data["scale"] = scale;
    ctx->mark_non_differentiable({f.alpha, f.beta, f.global_q, f.global_k});
    return {f.u, f.alpha, f.beta, f.global_q, f.global_k};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    kernel::CoreForward f;
    f.alpha = s[5];
    f.beta = s[6];
    f.global_q = s[7];
    f.global_k = s[8];
    f.key_sum = s[9];
    const double scale = ctx->saved_data["scale"].toDouble();
    if (!grads[0].defined()) return {{}, {}, {}, {}, {}, {}, {}};
    const kernel::CoreGrads g = kernel::core_backward(grads[0], s[0], s[1], s[2], s[3], s[4], scale, f);
    return {g.dq, g.dk, g.dv, torch::Tensor(), g.dwq, g.dwk, torch::Tensor()};
  }
};

}  // namespace

AdditiveCoreOutput additive_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                 const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                                 double scale) {
  if (!kernel::core_kernel_applies(Q, K, V, wq, wk)) {
    return additive_core_reference(Q, K, V, mask, wq, wk, scale);
  }
  const variable_list out = AdditiveCoreFunction::apply(Q, K, V, mask, wq, wk, scale);
  return {out[0], out[1], out[2], out[3], out[4]};
}

}  // namespace fastformer
