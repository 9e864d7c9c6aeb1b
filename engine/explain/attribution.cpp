// Gradient-based token attributions over a document's windows: ∂f/∂x by autograd (one
// forward and backward per run of windows), Integrated Gradients by the midpoint rule.
#include "explain/attribution.h"

#include "fastformer/error.h"
#include "fastformer/tokenizer.h"
#include "model/embeddings.h"

#include <torch/torch.h>

#include <cmath>

namespace fastformer {
namespace {

torch::Tensor on_device(Model& model, const torch::Tensor& t) { return t.to(model->parameters().front().device()); }
torch::Tensor on_device_like(const torch::Tensor& t, const torch::Tensor& like) { return t.to(like.device()); }

}  // namespace

torch::Tensor token_vectors(Model& model, const WindowBatch& batch) {
  torch::NoGradGuard no_grad;
  return model->embeddings->token(on_device(model, batch.ids)).detach();  // (W,T,D)
}

double target_logit(Model& model, const WindowBatch& batch, const torch::Tensor& vectors, std::int64_t target) {
  torch::NoGradGuard no_grad;
  const torch::Tensor mask = on_device(model, batch.mask);
  double sum = 0.0;
  for_each_run(batch, batch.ids.size(0), [&](std::int64_t begin, std::int64_t end) {
    const torch::Tensor logits = model->forward_vectors(vectors.slice(0, begin, end), mask.slice(0, begin, end)).logits;
    sum += logits.select(1, target).sum().item<double>();  // Σ over this run's windows
  });
  return sum / static_cast<double>(batch.ids.size(0));
}

torch::Tensor target_logit_gradients(Model& model, const WindowBatch& batch, const torch::Tensor& vectors,
                                     std::int64_t target) {
  torch::AutoGradMode enable(true);
  const torch::Tensor mask = on_device(model, batch.mask);
  const auto W = static_cast<double>(batch.ids.size(0));
  std::vector<torch::Tensor> parts;
  for_each_run(batch, batch.ids.size(0), [&](std::int64_t begin, std::int64_t end) {
    torch::Tensor x = vectors.slice(0, begin, end).detach().requires_grad_(true);  // (w,T,D)
    const torch::Tensor logits = model->forward_vectors(x, mask.slice(0, begin, end)).logits;  // (w,C)
    const torch::Tensor f = logits.select(1, target).sum() / W;  // this run's part of f
    // autograd::grad, not backward(): the weights' .grad stay untouched.
    parts.push_back(torch::autograd::grad({f}, {x})[0]);
  });
  return torch::cat(parts, 0);  // (W,T,D)
}

torch::Tensor sum_over_copies(const WindowBatch& batch, const torch::Tensor& per_position) {
  const torch::Tensor token = on_device_like(batch.token, per_position);
  const torch::Tensor flat_token = token.reshape({-1});                              // (W·T)
  const torch::Tensor real = flat_token.ge(0).nonzero().squeeze(1);                   // positions with a token
  const torch::Tensor flat = per_position.reshape({flat_token.size(0), -1});         // (W·T,K)
  torch::Tensor out = torch::zeros({batch.tokens, flat.size(1)}, flat.options());    // (N,K)
  out.index_add_(0, flat_token.index_select(0, real), flat.index_select(0, real));
  return per_position.dim() == 2 ? out.squeeze(1) : out;  // (N) or (N,D)
}

torch::Tensor row_logits(Model& model, const WindowBatch& batch, const torch::Tensor& ids, const torch::Tensor& mask,
                         const std::function<TraceRequest(std::int64_t, std::int64_t)>& request) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> logits;
  for_each_run(batch, ids.size(0), [&](std::int64_t begin, std::int64_t end) {
    const TraceRequest r = request ? request(begin, end) : TraceRequest{};
    logits.push_back(model->forward(on_device(model, ids.slice(0, begin, end)), on_device(model, mask.slice(0, begin, end)), r)
                         .logits);  // (w,C)
  });
  return torch::cat(logits, 0);  // (R,C)
}

torch::Tensor variant_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& ids, const torch::Tensor& mask,
                                    const std::function<TraceRequest(std::int64_t, std::int64_t)>& request) {
  return window_mean_probabilities(batch, row_logits(model, batch, ids, mask, request), target);
}

torch::Tensor window_mean_probabilities(const WindowBatch& batch, const torch::Tensor& logits, std::int64_t target) {
  const std::int64_t W = batch.ids.size(0);
  const torch::Tensor mean = logits.to(torch::kDouble).view({logits.size(0) / W, W, -1}).mean(1);  // (V,C)
  return torch::softmax(mean, 1).select(1, target);                                                 // (V)
}

TokenGradients token_gradients(Model& model, const WindowBatch& batch, std::int64_t target) {
  const torch::Tensor x = token_vectors(model, batch);  // (W,T,D)
  const torch::Tensor g = target_logit_gradients(model, batch, x, target);
  TokenGradients out;
  out.gradient = sum_over_copies(batch, g);
  // Every copy of a token holds the same vector: the mean over copies is that vector.
  const torch::Tensor copies = sum_over_copies(batch, torch::ones_like(batch.token, x.options()).unsqueeze(-1));
  out.input = sum_over_copies(batch, x) / copies.clamp_min(1);  // (N,D)
  return out;
}

IntegratedGradients integrated_gradients(Model& model, const WindowBatch& batch, std::int64_t target,
                                         std::int64_t steps) {
  if (steps < 1) throw Error("Integrated Gradients needs at least 1 step", "ig_steps");
  const torch::Tensor x = token_vectors(model, batch);  // (W,T,D)
  torch::Tensor pad;                                    // (D)
  {
    torch::NoGradGuard no_grad;
    pad = model->embeddings->token->weight[kPadId].detach();
  }
  const torch::Tensor b = pad.expand_as(x);  // (W,T,D) the baseline: padding everywhere
  // Progress: the steps' runs and the two runs of f(x), f(b) reported as one loop.
  const auto part = [&](std::int64_t k) {
    WindowBatch p = batch;
    if (batch.on_run) {
      p.on_run = [&batch, k, steps](std::int64_t done, std::int64_t runs) { batch.on_run(k * runs + done, (steps + 2) * runs); };
    }
    return p;
  };
  torch::Tensor total = torch::zeros_like(x);
  for (std::int64_t k = 0; k < steps; ++k) {
    const double a = (static_cast<double>(k) + 0.5) / static_cast<double>(steps);  // midpoint of the k-th interval
    total += target_logit_gradients(model, part(k), b + a * (x - b), target);
  }
  IntegratedGradients out;
  // IG_i = (x_i − b_i) · (1/m) Σ_k ∂f/∂x_i at x(a_k), per position, then over copies.
  out.scores = sum_over_copies(batch, ((x - b) * total / static_cast<double>(steps)).sum(-1));  // (N)
  out.delta = target_logit(model, part(steps), x, target) - target_logit(model, part(steps + 1), b.contiguous(), target);
  const double sum = out.scores.sum().item<double>();
  out.gap = out.delta != 0.0 ? std::abs(sum - out.delta) / std::abs(out.delta) : std::abs(sum);
  return out;
}

}  // namespace fastformer
