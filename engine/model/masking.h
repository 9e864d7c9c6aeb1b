// Padding masks: a softmax that gives exactly 0 to padded positions and all zeros (never
// NaN) to a row with no real token.
#pragma once

#include "fastformer/model_config.h"

#include <ATen/ATen.h>

namespace fastformer {

// A finite, very negative score for padded positions in `dtype` (large enough that exp()
// underflows to 0 after max-subtraction, small enough not to overflow to -inf).
double mask_fill_value(at::ScalarType dtype);

// softmax(scores) over `dim`, restricted to positions where `mask` is true.
// `mask` is bool and broadcastable to `scores`. Padded positions get exactly 0; a slice
// whose mask is all false gets all zeros.
at::Tensor masked_softmax(const at::Tensor& scores, const at::Tensor& mask, int64_t dim);

// (B,T) bool mask of real tokens from per-row lengths (B) int64.
at::Tensor mask_from_lengths(const at::Tensor& lengths, int64_t max_len);

// The mask the layers and pooler read, (B,T) bool: without a read [CLS] (cls_token false),
// column 0 is off, so every attention and pooling weight on it is exactly 0.
at::Tensor layer_mask(const ModelConfig& config, const at::Tensor& mask);

}  // namespace fastformer
