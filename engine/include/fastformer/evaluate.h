// Running a model over encoded data without gradients: metrics for evaluation and class
// probabilities for prediction.
#pragma once

#include "fastformer/batching.h"
#include "fastformer/metrics.h"
#include "fastformer/model.h"

#include <torch/types.h>

namespace fastformer {

// Eval mode, no gradients; restores the model's training flag afterwards. Both check the
// ids on the host (validate_ids): one outside the vocabulary throws fastformer::Error.
ClassificationMetrics evaluate(Model& model, const EncodedSplit& split, std::int64_t batch_size,
                               torch::Device device);

// (N,C) probabilities, rows in the order of `ids`.
torch::Tensor predict_probabilities(Model& model, const std::vector<Sequence>& ids, std::int64_t batch_size,
                                    torch::Device device);

}  // namespace fastformer
