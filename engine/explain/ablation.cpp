// Pooling ablations as rows of one stack: each ablation's (L,H) keep-masks repeated over the
// document's windows, the windows' logits averaged per ablation.
#include "explain/ablation.h"

#include <torch/torch.h>

#include <algorithm>

namespace fastformer {

torch::Tensor ablated_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& alpha_keep, const torch::Tensor& beta_keep) {
  const torch::Device device = model->parameters().front().device();
  const std::int64_t V = alpha_keep.size(0), W = batch.ids.size(0), T = batch.ids.size(1);
  const std::int64_t L = alpha_keep.size(1), H = alpha_keep.size(2);
  // Row v·W + w: ablation v on window w.
  const auto rows = [&](const torch::Tensor& keep) {  // (V,L,H) → (V·W,L,H)
    return keep.to(torch::kCPU, torch::kFloat).unsqueeze(1).expand({V, W, L, H}).reshape({V * W, L, H});
  };
  const torch::Tensor all_ids = batch.ids.to(torch::kCPU).unsqueeze(0).expand({V, W, T}).reshape({V * W, T});
  const torch::Tensor all_mask = batch.mask.to(torch::kCPU).unsqueeze(0).expand({V, W, T}).reshape({V * W, T});
  const torch::Tensor alpha = rows(alpha_keep), beta = rows(beta_keep);
  return variant_probabilities(model, batch, target, all_ids, all_mask, [&](std::int64_t begin, std::int64_t end) {
    TraceRequest request;
    request.alpha_keep = alpha.slice(0, begin, end).to(device);
    request.beta_keep = beta.slice(0, begin, end).to(device);
    return request;
  });  // (V)
}

}  // namespace fastformer
