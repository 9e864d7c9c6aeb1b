// softmax_attention_tiled as one autograd function around the CPU kernels, and the
// materialised path: two (B,H,T,T) tensors, the one Inspect's weights come from.
#include "kernels/softmax_core.h"

#include "kernels/softmax_tiled_cpu.h"
#include "model/masking.h"

#include <torch/torch.h>

namespace fastformer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct TiledSoftmaxFunction : public torch::autograd::Function<TiledSoftmaxFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& Q, const torch::Tensor& K,
                               const torch::Tensor& V, const torch::Tensor& mask, double scale) {
    kernel::TiledForward f = kernel::tiled_softmax_forward(Q, K, V, mask, scale);
    ctx->save_for_backward({Q, K, V, mask, f.out, f.lse});
    ctx->saved_data["scale"] = scale;
    return f.out;  // (B,T,H,Dh)
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const kernel::TiledForward f{saved[4], saved[5]};
    const kernel::TiledGrads g = kernel::tiled_softmax_backward(saved[0], saved[1], saved[2], saved[3],
                                                                ctx->saved_data["scale"].toDouble(), f, grads[0]);
    return {g.dQ, g.dK, g.dV, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool softmax_tiled_kernels_apply(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V) {
  return kernel::tiled_softmax_applies(Q, K, V);
}

at::Tensor softmax_attention_tiled(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                                   double scale) {
  if (!softmax_tiled_kernels_apply(Q, K, V)) return softmax_attention_materialized(Q, K, V, mask, scale);
  return TiledSoftmaxFunction::apply(Q, K, V, mask, scale);  // (B,T,H,Dh)
}

at::Tensor softmax_attention_materialized(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                          const at::Tensor& mask, double scale, at::Tensor* weights_out) {
  const auto B = Q.size(0), T = Q.size(1);
  const auto heads_first = [](const at::Tensor& t) { return t.transpose(1, 2); };  // (B,T,H,Dh) → (B,H,T,Dh)
  // Only two (B,H,T,T) tensors are made, the scores and the weights: the scale goes on Q
  // before the product and the mask is written into the scores in place (the product's
  // backward does not need its output). Each extra T×T temporary would cost B·H·T² floats
  // of memory traffic and, at long T, page faults. No branch asks the host whether the
  // batch has padding: that read would stall a CUDA stream on every call.
  const at::Tensor scores = at::matmul(heads_first(Q) * scale, heads_first(K).transpose(-2, -1));  // (B,H,T,T)
  const at::Tensor padded_key = mask.logical_not().view({B, 1, 1, T});  // padded keys get no weight
  scores.masked_fill_(padded_key, mask_fill_value(scores.scalar_type()));
  // The fill is finite, so a row of padding alone comes out uniform, never NaN.
  const at::Tensor weights = at::softmax(scores, -1);  // (B,H,T,T)
  // A sequence without tokens gets uniform weights over its padding: 0 for it, 1 otherwise,
  // applied to the (B,H,T,Dh) context rather than to the larger weights.
  const at::Tensor has_token = mask.any(1).view({B, 1, 1, 1}).to(scores.scalar_type());  // (B,1,1,1)
  const at::Tensor context = at::matmul(weights, heads_first(V)) * has_token;             // (B,H,T,Dh)
  if (weights_out != nullptr) *weights_out = (weights * has_token).detach();
  return heads_first(context);  // (B,T,H,Dh)
}

}  // namespace fastformer
