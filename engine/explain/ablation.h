// Does α or β matter? p(target) with chosen heads' pooling weights made uniform (their scores
// zeroed, TraceRequest::alpha_keep / beta_keep), many ablations per forward.
#pragma once

#include "explain/attribution.h"

namespace fastformer {

// p(target) for each ablation v: alpha_keep[v], beta_keep[v] (L,H) each (1 keeps a head's
// weights, 0 makes them uniform) applied to every window; V·W rows windows_per_run at a time. (V)
torch::Tensor ablated_probabilities(Model& model, const WindowBatch& batch, std::int64_t target,
                                    const torch::Tensor& alpha_keep, const torch::Tensor& beta_keep);

}  // namespace fastformer
