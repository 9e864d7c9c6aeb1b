// Span occlusion by masking: each (span, window that holds part of it) pair is one row of a
// batch; a span's document logits are the unchanged windows' plus its recomputed ones. The
// rows of a Fastformer share each window's first-layer projections.
#include "explain/occlusion.h"

#include "model/shared_input_layer.h"

#include <torch/torch.h>

#include <algorithm>
#include <optional>

namespace fastformer {

torch::Tensor window_logits(Model& model, const WindowBatch& batch) {
  torch::NoGradGuard no_grad;
  const torch::Device device = model->parameters().front().device();
  const torch::Tensor ids = batch.ids.to(device), mask = batch.mask.to(device);
  std::vector<torch::Tensor> logits;
  for_each_run(batch, ids.size(0), [&](std::int64_t begin, std::int64_t end) {
    logits.push_back(model->forward(ids.slice(0, begin, end), mask.slice(0, begin, end)).logits);  // (w,C)
  });
  return torch::cat(logits, 0);  // (W,C)
}

torch::Tensor document_probabilities(const torch::Tensor& window_logits) {
  return torch::softmax(window_logits.mean(0), 0);  // (C)
}

torch::Tensor occluded_probabilities(Model& model, const WindowBatch& batch, const torch::Tensor& base,
                                     std::int64_t target, const std::vector<std::pair<std::int64_t, std::int64_t>>& spans) {
  torch::NoGradGuard no_grad;
  const std::int64_t W = batch.ids.size(0);
  const auto S = static_cast<std::int64_t>(spans.size());
  // Each window's document tokens [first,last) besides [CLS] (token 0, in every window).
  const torch::Tensor token = batch.token.to(torch::kCPU);
  const auto tok = token.accessor<std::int64_t, 2>();
  std::vector<std::int64_t> first(static_cast<std::size_t>(W), batch.tokens), last(static_cast<std::size_t>(W), 0);
  for (std::int64_t k = 0; k < W; ++k) {
    for (std::int64_t t = 0; t < token.size(1); ++t) {
      if (tok[k][t] <= 0) continue;
      first[static_cast<std::size_t>(k)] = std::min(first[static_cast<std::size_t>(k)], tok[k][t]);
      last[static_cast<std::size_t>(k)] = std::max(last[static_cast<std::size_t>(k)], tok[k][t] + 1);
    }
  }
  // The jobs: every (span, window) pair where the window holds part of the span.
  std::vector<std::int64_t> job_span, job_window, job_first, job_last;
  for (std::int64_t s = 0; s < S; ++s) {
    const auto [a, b] = spans[static_cast<std::size_t>(s)];
    for (std::int64_t k = 0; k < W; ++k) {
      const bool holds = (a <= 0 && b > 0) || (a < last[static_cast<std::size_t>(k)] && b > first[static_cast<std::size_t>(k)]);
      if (!holds) continue;
      job_span.push_back(s), job_window.push_back(k), job_first.push_back(a), job_last.push_back(b);
    }
  }
  const torch::Device device = base.device();
  const torch::Tensor base_logits = base.to(torch::kDouble);  // (W,C)
  torch::Tensor change = torch::zeros({S, base.size(1)}, base_logits.options());  // (S,C) Σ (occluded − base)
  const auto J = static_cast<std::int64_t>(job_span.size());
  const auto as_tensor = [](const std::vector<std::int64_t>& v, std::int64_t begin, std::int64_t end) {
    return torch::tensor(std::vector<std::int64_t>(v.begin() + begin, v.begin() + end), torch::kLong);
  };
  // Masking tokens changes no token's own projections: with additive attention, layer 0's
  // run once per window (model/shared_input_layer) and each row starts from them.
  std::optional<SharedLayerInput> first_layer;
  if (model->config().attention == AttentionKind::additive) {
    first_layer = share_first_layer(model, batch.ids.to(device), batch.mask.to(device));
  }
  for_each_run(batch, J, [&](std::int64_t begin, std::int64_t end) {
    const torch::Tensor windows = as_tensor(job_window, begin, end);                        // (j)
    const torch::Tensor lo = as_tensor(job_first, begin, end).unsqueeze(1);                // (j,1)
    const torch::Tensor hi = as_tensor(job_last, begin, end).unsqueeze(1);                 // (j,1)
    const torch::Tensor held = token.index_select(0, windows);                              // (j,T)
    const torch::Tensor hide = held.ge(lo) & held.lt(hi);                                   // (j,T)
    const torch::Tensor mask = batch.mask.to(torch::kCPU).index_select(0, windows) & hide.logical_not();
    torch::Tensor logits;  // (j,C)
    if (first_layer) {
      const torch::Tensor next = shared_layer_output(model, *first_layer, windows, PoolingKeep{}, mask);  // (j,T,D)
      logits = model->forward_from_layer(1, next, mask.to(device)).logits.to(torch::kDouble);
    } else {
      const torch::Tensor ids = batch.ids.to(torch::kCPU).index_select(0, windows);  // (j,T)
      logits = model->forward(ids.to(device), mask.to(device)).logits.to(torch::kDouble);
    }
    change.index_add_(0, as_tensor(job_span, begin, end).to(device),
                      logits - base_logits.index_select(0, windows.to(device)));
  });
  const torch::Tensor mean = (base_logits.sum(0, /*keepdim=*/true) + change) / static_cast<double>(W);  // (S,C)
  return torch::softmax(mean, 1).select(1, target);  // (S)
}

}  // namespace fastformer
