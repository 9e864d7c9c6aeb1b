// Pooling ablations as rows of one stack: each ablation's (L,H) keep-masks repeated over the
// document's windows, the windows' logits averaged per ablation.
#include "explain/ablation.h"

#include <torch/torch.h>

#include <algorithm>

namespace fastformer {

torch::Tensor ablated_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& alpha_keep, const torch::Tensor& beta_keep) {
  torch::NoGradGuard no_grad;
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
  const std::int64_t step = std::max<std::int64_t>(1, batch.windows_per_run);
  std::vector<torch::Tensor> logits;
  for (std::int64_t begin = 0; begin < V * W; begin += step) {
    const std::int64_t end = std::min(V * W, begin + step);
    TraceRequest request;
    request.alpha_keep = alpha.slice(0, begin, end).to(device);
    request.beta_keep = beta.slice(0, begin, end).to(device);
    logits.push_back(
        model->forward(all_ids.slice(0, begin, end).to(device), all_mask.slice(0, begin, end).to(device), request).logits);
  }
  const torch::Tensor mean = torch::cat(logits, 0).to(torch::kDouble).view({V, W, -1}).mean(1);  // (V,C)
  return torch::softmax(mean, 1).select(1, target);                                              // (V)
}

}  // namespace fastformer
