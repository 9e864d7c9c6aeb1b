// Pooling ablations as rows of one stack: each ablation's (L,H) keep-masks repeated over the
// document's windows, the windows' logits averaged per ablation. An ablation changes nothing
// below its first ablated layer, so its rows start there from the unablated hidden states
// (one traced forward of the windows): with 2 layers, the ablations of layer 1 run one layer.
// At that first ablated layer every ablation reads the same windows, so its projections run
// once per window (model/shared_input_layer).
#include "explain/ablation.h"

#include "model/shared_input_layer.h"

#include <torch/torch.h>

#include <algorithm>
#include <optional>

namespace fastformer {

torch::Tensor ablated_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& alpha_keep, const torch::Tensor& beta_keep) {
  torch::NoGradGuard no_grad;
  const torch::Device device = model->parameters().front().device();
  const std::int64_t V = alpha_keep.size(0), W = batch.ids.size(0);
  const std::int64_t L = alpha_keep.size(1), H = alpha_keep.size(2);
  const torch::Tensor alpha = alpha_keep.to(torch::kCPU, torch::kFloat), beta = beta_keep.to(torch::kCPU, torch::kFloat);
  // first[v]: the lowest layer where ablation v makes a head uniform (L: none).
  const torch::Tensor ablated = (alpha.lt(1) | beta.lt(1)).any(2);  // (V,L)
  const auto any = ablated.accessor<bool, 2>();
  std::vector<std::int64_t> first(static_cast<std::size_t>(V), L);
  for (std::int64_t v = 0; v < V; ++v)
    for (std::int64_t l = L - 1; l >= 0; --l)
      if (any[v][l]) first[static_cast<std::size_t>(v)] = l;
  // Each layer's input for every window, from one traced forward (W,T,D) × L+1.
  const torch::Tensor ids = batch.ids.to(device), mask = batch.mask.to(device);
  std::vector<std::vector<torch::Tensor>> parts(static_cast<std::size_t>(L + 1));  // per layer, per run
  for_each_run(batch, W, [&](std::int64_t begin, std::int64_t end) {
    TraceRequest trace;
    trace.enabled = true;
    const std::vector<torch::Tensor> h = model->forward(ids.slice(0, begin, end), mask.slice(0, begin, end), trace).trace->hidden;
    for (std::size_t l = 0; l < h.size(); ++l) parts[l].push_back(h[l]);
  });
  std::vector<torch::Tensor> hidden;  // (W,T,D) per layer input, L+1
  for (const auto& p : parts) hidden.push_back(torch::cat(p, 0));
  torch::Tensor logits = torch::empty({V * W, model->config().classes}, hidden.front().options());  // row v·W + w
  // Progress over all groups' runs as one loop.
  const std::int64_t step = std::max<std::int64_t>(1, batch.windows_per_run);
  std::int64_t total_runs = 0, done_runs = 0;
  for (std::int64_t l = 0; l <= L; ++l) {
    const auto n = static_cast<std::int64_t>(std::count(first.begin(), first.end(), l));
    total_runs += (n * W + step - 1) / step;
  }
  for (std::int64_t l = 0; l <= L; ++l) {
    std::vector<std::int64_t> group;  // the ablations starting at layer l
    for (std::int64_t v = 0; v < V; ++v)
      if (first[static_cast<std::size_t>(v)] == l) group.push_back(v);
    if (group.empty()) continue;
    const auto G = static_cast<std::int64_t>(group.size());
    const torch::Tensor variants = torch::tensor(group, torch::kLong);                          // (G)
    const auto rows = [&](const torch::Tensor& keep) {  // (G,L,H) → (G·W,L,H)
      return keep.index_select(0, variants).unsqueeze(1).expand({G, W, L, H}).reshape({G * W, L, H}).to(device);
    };
    const torch::Tensor a = rows(alpha), b = rows(beta);
    const torch::Tensor input = hidden[static_cast<std::size_t>(l)];  // (W,T,D) layer l's input
    // Row g·W + w reads window w; layer l's projections once per window (none for l = L).
    const torch::Tensor window_of_row = torch::arange(G * W, torch::kLong).remainder(W);  // (G·W)
    std::optional<SharedLayerInput> shared;
    if (l < L) shared = share_layer_input(model, l, input, mask);
    const torch::Tensor m = mask.unsqueeze(0).expand({G, W, mask.size(1)}).reshape({G * W, -1});
    // Where each row's logits go: variant group[g], window w.
    const torch::Tensor target_rows = (variants.unsqueeze(1) * W + torch::arange(W).unsqueeze(0)).reshape({-1}).to(device);
    WindowBatch part = batch;
    if (batch.on_run) part.on_run = [&](std::int64_t r, std::int64_t) { batch.on_run(done_runs + r, total_runs); };
    for_each_run(part, G * W, [&](std::int64_t begin, std::int64_t end) {
      TraceRequest request;
      request.alpha_keep = a.slice(0, begin, end);
      request.beta_keep = b.slice(0, begin, end);
      const torch::Tensor windows = window_of_row.slice(0, begin, end);
      torch::Tensor out;
      if (shared) {
        const PoolingKeep keep{request.alpha_keep.select(1, l), request.beta_keep.select(1, l)};
        const torch::Tensor next = shared_layer_output(model, *shared, windows, keep);  // (n,T,D) layer l's output
        out = model->forward_from_layer(l + 1, next, m.slice(0, begin, end), request).logits;
      } else {
        out = model->forward_from_layer(l, input.index_select(0, windows.to(device)), m.slice(0, begin, end), request).logits;
      }
      logits.index_copy_(0, target_rows.slice(0, begin, end), out);
    });
    done_runs += (G * W + step - 1) / step;
  }
  return window_mean_probabilities(batch, logits, target);  // (V)
}

}  // namespace fastformer
