// Closed-form operation counts and activation memory of one attention layer on one
// sequence of N tokens, step by step: Fastformer's additive attention (paper Eq. 3–6),
// softmax attention (materialised or tiled) and linear attention, for teaching why the
// first and the last are O(N·D) and softmax O(N²·D).
#pragma once

#include "fastformer/model_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

// Counting conventions (the FLOPs are bench_work.h's, so the steps of a layer sum to the
// benchmark's forward layer-scope work):
// - multiply_adds: products, each with the addition that accumulates it if there is one;
//   a division counts as a product. A projection (N,in)→(N,out) is N·in·out; an element-wise
//   product over (N,D) is N·D; a softmax over S scores is 2·S (the 1/√Dh scaling and the
//   division by the sum; its max, exp and sum are not products).
// - flops: a multiply-add is 2, a lone product or addition 1, a softmax 5 per score (scale,
//   max, exp, sum, divide), bias additions left out.
// - bytes: the float32 result the step writes, i.e. the activation a forward pass keeps for
//   training when nothing is fused.
struct OpCount {
  double multiply_adds = 0;
  double flops = 0;
  double bytes = 0;

  OpCount& operator+=(const OpCount& o) {
    multiply_adds += o.multiply_adds;
    flops += o.flops;
    bytes += o.bytes;
    return *this;
  }
};

struct CostStep {
  std::string name;  // the step's id, as in LearnStep::name
  OpCount count;
};

struct AttentionCosts {
  std::vector<CostStep> steps;  // in the order the layer runs them
  OpCount total;                // the sum of the steps

  // The step called `name`; throws fastformer::Error when there is none.
  const OpCount& at(const std::string& name) const;
};

// Fastformer's layer as FastformerAttention::mix runs it, from the input x (N,D) to
// A = U Wr + br + Q: steps Q, K, V (zero when share_qv: V is Q), alpha, q, P, beta, k, U, R, A.
// D hidden, H heads (D divisible by H). head_mixing scores cost N·D·H instead of N·D each.
AttentionCosts additive_costs(std::int64_t N, std::int64_t D, std::int64_t H, bool share_qv = false,
                              ScoreKind score = ScoreKind::per_head);

// Softmax attention as SoftmaxAttention::forward runs it: steps Q, K, V, scores
// (QKᵀ/√Dh, (H,N,N)), weights (their softmax), O (weights·V, (N,D)) and Wo (the output
// projection).
AttentionCosts softmax_costs(std::int64_t N, std::int64_t D, std::int64_t H);

// The same arithmetic computed tiled (an online softmax over blocks of keys): the scores
// and weights of one tile of `query_block` × `key_block` exist at a time, and the step
// "weights" keeps the (H,N) log-sum-exp for the backward pass instead of (H,N,N).
AttentionCosts softmax_tiled_costs(std::int64_t N, std::int64_t D, std::int64_t H, std::int64_t query_block = 32,
                                   std::int64_t key_block = 512);

// Linear attention as LinearAttention::forward runs it (Katharopoulos et al. 2020, φ = elu + 1):
// steps Q, K, V, phi (φ(Q), φ(K)), S (Σ_j φ(K_j)V_jᵀ, (H,Dh,Dh)), z (Σ_j φ(K_j), (H,Dh)),
// numerator (φ(Q_i)ᵀS), normalizer (φ(Q_i)·z, (H,N)), O (their quotient) and Wo.
AttentionCosts linear_costs(std::int64_t N, std::int64_t D, std::int64_t H);

}  // namespace fastformer
