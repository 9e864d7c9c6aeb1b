// One additive-attention layer over many rows that share their input: a pooling ablation's
// first ablated layer (explain/ablation), where every ablation reads the same windows, and
// the first layer of occluded windows (explain/occlusion). The
// projections and the output's unablated part are computed once per window; a row costs
// Eq. 3–6's poolings, one D×D GEMM and the feed-forward block instead of the whole layer.
#pragma once

#include "fastformer/attention_trace.h"
#include "fastformer/model.h"

#include <torch/types.h>

namespace fastformer {

struct SharedLayerInput {
  std::int64_t layer = 0;
  torch::Tensor x;        // (W,T,D) the layer's input, per window
  torch::Tensor mask;     // (W,T) bool, as the layers read it
  torch::Tensor Q, K, V;  // (W,T,H,Dh) the attention's projections (V is Q when share_qv)
  torch::Tensor base;     // (W,T,D) Wo(Q + br) + bo: the attention output without Wo·Wr·U
  torch::Tensor mixing;   // (D,D) Wo·Wr, so that the output is base + U (Wo·Wr)ᵀ
};

// Layer `layer` (additive attention) of `model` on x (W,T,D) with mask (W,T). No gradients.
SharedLayerInput share_layer_input(Model& model, std::int64_t layer, const torch::Tensor& x, const torch::Tensor& mask);

// Layer 0's shared input: the embeddings of the windows' ids (W,T) with their mask (W,T).
SharedLayerInput share_first_layer(Model& model, const torch::Tensor& ids, const torch::Tensor& mask);

// The layer's output (R,T,D) for rows reading windows `rows` (R) int64, with keep's heads
// (R,H each) made uniform: equals the layer's forward on x.index_select(0, rows) with keep.
// row_mask (R,T) bool, when given, replaces the windows' masks: a row with tokens masked out
// (occlusion) keeps the shared projections, which do not mix tokens.
torch::Tensor shared_layer_output(Model& model, const SharedLayerInput& shared, const torch::Tensor& rows,
                                  const PoolingKeep& keep, const torch::Tensor& row_mask = {});

}  // namespace fastformer
