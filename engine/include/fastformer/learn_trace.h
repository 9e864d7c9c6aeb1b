// A step-by-step record of one Fastformer attention layer on one short input (paper
// Eq. 3–6): every intermediate tensor with its shape and operation count, and the same
// input's Q, K, V through softmax and linear attention, for the Studio's Learn walk-through.
#pragma once

#include "fastformer/attention_cost.h"
#include "fastformer/model_config.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fastformer {

class Tokenizer;
class ModelImpl;
class FastformerAttentionImpl;  // model/fastformer_attention.h, inside the engine

// The additive-attention layer a walk-through runs: a random one of its own, or a trained
// model's (sharing the model's weights). Callers only hold it and hand it back.
using LearnLayer = std::shared_ptr<FastformerAttentionImpl>;

// Shape letters: N tokens ([CLS] included), D hidden, H heads, Dh = D/H.
struct LearnStep {
  std::string name;      // id, as in AttentionCosts: Q K V alpha q P beta k U R A | scores weights O | S normalizer O
  std::string symbol;    // how the text writes it: "α", "q", "P = q ⊙ K"
  std::string equation;  // the paper's equation ("Eq. 3"), "projection" or "softmax attention"
  std::string formula;   // the computation in one line
  at::Tensor tensor;     // CPU float32: (N,D), (H,N), (H,Dh) or (H,N,N)
  std::string rows, columns;  // what the first (after H for (H,N,N)) and last dimension index
  std::string shape;     // "(N,D) = (11,16)"
  OpCount count;         // this step's share of the layer's AttentionCosts
};

struct LearnInput {
  std::vector<std::string> pieces;  // N token pieces, [CLS] first
  at::Tensor x;                     // (1,N,D) float32
};

struct LearnTrace {
  std::int64_t tokens = 0, hidden = 0, heads = 0, head_dim = 0;
  bool share_qv = false;
  ScoreKind score = ScoreKind::per_head;
  std::vector<std::string> pieces;  // N
  std::vector<LearnStep> additive;  // Q K V alpha q P beta k U R A, in order
  std::vector<LearnStep> softmax;   // scores (H,N,N), weights (H,N,N), O (N,D) from the same Q, K, V
  std::vector<LearnStep> linear;    // S (H,Dh,Dh), normalizer (H,N), O (N,D): linear attention on them
  AttentionCosts additive_costs;    // additive_costs(N, D, H, share_qv, score)
  AttentionCosts softmax_costs;     // softmax_costs(N, D, H)
  AttentionCosts softmax_tiled_costs;  // softmax_tiled_costs(N, D, H)
  AttentionCosts linear_costs;      // linear_costs(N, D, H)

  // The additive step, else the softmax step, else the linear step called `name` (linear's
  // "O" is linear[2]); throws fastformer::Error.
  const LearnStep& step(const std::string& name) const;
};

// Runs `layer` on input.x (one sequence, no padding) one step at a time, with the layer's own
// parameters and token scorers. Its A equals layer.mix(x) and its α, β, q, k the layer's trace.
LearnTrace learn_trace(FastformerAttentionImpl& layer, const LearnInput& input);

// A paper-style layer (per-head scores, V = Q) with weights drawn from `seed`, scaled so that
// the weights α and β of a short input are visibly uneven: Linear weights N(0, 1/D), biases 0,
// score vectors N(0, 1).
LearnLayer random_learn_layer(std::uint64_t seed, std::int64_t hidden = 16, std::int64_t heads = 2);

// The sentence split into words by the word tokenizer (lower-cased, [CLS] first, at most
// `max_tokens` pieces), each word a standard normal vector in R^hidden drawn from `seed` and
// the word itself, so that a repeated word has the same vector.
LearnInput random_learn_input(const std::string& sentence, std::int64_t hidden, std::uint64_t seed,
                              std::int64_t max_tokens = 32);

// The sentence through a trained model's tokenizer and embeddings (eval mode: no dropout),
// truncated to `max_tokens` pieces and the model's max_len.
LearnInput model_learn_input(ModelImpl& model, const Tokenizer& tokenizer, const std::string& sentence,
                             std::int64_t max_tokens = 32);

// The model's first attention layer; throws fastformer::Error for a softmax Transformer.
LearnLayer first_additive_layer(ModelImpl& model);

}  // namespace fastformer
