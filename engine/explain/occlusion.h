// Occlusion over a document's windows: the target probability with spans of tokens masked
// out (as the Studio's "hide" and fastformer::occlude do), many spans per forward.
#pragma once

#include "explain/attribution.h"

#include <utility>
#include <vector>

namespace fastformer {

// The windows' logits (W,C) without gradients.
torch::Tensor window_logits(Model& model, const WindowBatch& batch);

// Document class probabilities (C): softmax of the windows' mean logits (W,C).
torch::Tensor document_probabilities(const torch::Tensor& window_logits);

// For each span [first,last) of document tokens, p(target) with the span masked out (S):
// only the windows that hold part of the span run again (each such window once per span,
// windows_per_run rows at a time); the others keep their logits from `base` (W,C).
torch::Tensor occluded_probabilities(Model& model, const WindowBatch& batch, const torch::Tensor& base,
                                     std::int64_t target, const std::vector<std::pair<std::int64_t, std::int64_t>>& spans);

}  // namespace fastformer
