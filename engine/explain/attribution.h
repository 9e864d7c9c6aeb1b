// Token attributions on a document's windows, as tensors: gradient, gradient × input and
// Integrated Gradients with respect to the token vectors (the token table's rows); span
// occlusion is in occlusion.h. fastformer::explain (explain.cpp) runs them on a document; the engine
// tests run them on small float64 models.
//
// A document of N tokens runs as W windows (B = W rows of T positions, [CLS] first in each);
// the prediction is softmax of the windows' mean logits, so every method explains
//   f(x) = (1/W) Σ_w logit_w[target]        (the target logit of the document)
// and a token that sits in two overlapping windows is one variable: its attributions from
// both windows are added (then Σ_i IG_i = f(x) − f(baseline) holds over the whole document).
#pragma once

#include "fastformer/model.h"

#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace fastformer {

struct WindowBatch {
  torch::Tensor ids;    // (W,T) int64, kPadId on padding
  torch::Tensor mask;   // (W,T) bool, true = real token
  torch::Tensor token;  // (W,T) int64: the document token at each position, −1 on padding
  std::int64_t tokens = 0;           // N
  std::int64_t windows_per_run = 8;  // windows in one forward
  // Called before each forward with the runs done and the runs of this loop (progress); it
  // may throw to stop the explanation between two forwards (Cancel).
  std::function<void(std::int64_t, std::int64_t)> on_run;
};

// Runs [begin,end) of at most batch.windows_per_run of `rows` rows (windows, or variants ×
// windows), calling batch.on_run before each.
template <typename F>
void for_each_run(const WindowBatch& batch, std::int64_t rows, F run) {
  const std::int64_t step = std::max<std::int64_t>(1, batch.windows_per_run);
  const std::int64_t runs = (rows + step - 1) / step;
  for (std::int64_t r = 0; r < runs; ++r) {
    if (batch.on_run) batch.on_run(r, runs);
    run(r * step, std::min(rows, (r + 1) * step));
  }
}

// f(x) for token vectors x (W,T,D), without gradients.
double target_logit(Model& model, const WindowBatch& batch, const torch::Tensor& vectors, std::int64_t target);

// ∂f/∂x at x = vectors (W,T,D), one forward and backward per run of windows; the model's
// parameters get no .grad.
torch::Tensor target_logit_gradients(Model& model, const WindowBatch& batch, const torch::Tensor& vectors,
                                     std::int64_t target);

// The token vectors of batch.ids (W,T,D) in the model's dtype, on its device.
torch::Tensor token_vectors(Model& model, const WindowBatch& batch);

// Adds per-position values (W,T) or vectors (W,T,D) into the N tokens: (N) or (N,D).
torch::Tensor sum_over_copies(const WindowBatch& batch, const torch::Tensor& per_position);

// The logits (R,C) of rows of ids and mask (R,T), windows_per_run rows per forward;
// `request` (optional) gives the TraceRequest of rows [begin,end) (ablations).
torch::Tensor row_logits(Model& model, const WindowBatch& batch, const torch::Tensor& ids, const torch::Tensor& mask,
                         const std::function<TraceRequest(std::int64_t, std::int64_t)>& request = {});

// p(target) for V variants of the document from their windows' logits (V·W,C), row v·W + w
// being variant v's window w: the windows' logits averaged per variant, then the softmax. (V)
torch::Tensor window_mean_probabilities(const WindowBatch& batch, const torch::Tensor& logits, std::int64_t target);

// p(target) for V variants of the document (V): rows v·W + w of ids and mask (V·W,T) hold
// variant v's window w; row_logits, then window_mean_probabilities.
torch::Tensor variant_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& ids, const torch::Tensor& mask,
                                    const std::function<TraceRequest(std::int64_t, std::int64_t)>& request = {});

// ∂f/∂x summed over each token's copies, and the token's vector.
struct TokenGradients {
  torch::Tensor gradient;  // (N,D) Σ_copies ∂f/∂x_i
  torch::Tensor input;     // (N,D) x_i
  // ‖∂f/∂x_i‖₂ (N): how fast f moves when token i's vector moves.
  torch::Tensor norm() const { return gradient.norm(2, {1}); }
  // x_i · ∂f/∂x_i (N): the first-order change of f when x_i goes to zero.
  torch::Tensor times_input() const { return (gradient * input).sum(1); }
};

TokenGradients token_gradients(Model& model, const WindowBatch& batch, std::int64_t target);

struct IntegratedGradients {
  torch::Tensor scores;   // (N) (x_i − b_i) · mean over the path of ∂f/∂x_i
  double delta = 0;       // f(x) − f(baseline)
  double gap = 0;         // |Σ scores − delta| / |delta| (0 when delta is 0 and so is Σ)
};

// Integrated Gradients (Sundararajan et al. 2017) along x(a) = b + a (x − b), a ∈ [0,1],
// with the midpoint rule over `steps` points; b: every token's vector replaced by the
// padding token's row of the table (positions, normalisation and mask unchanged).
IntegratedGradients integrated_gradients(Model& model, const WindowBatch& batch, std::int64_t target,
                                         std::int64_t steps);

}  // namespace fastformer
