// Does a ranking of the tokens move the prediction? Deletion and insertion curves (mask the
// top-ranked tokens out, or show only them), their AOPC, and the Spearman rank correlation
// between two methods' scores. Used by fastformer::explain (explain.cpp).
#pragma once

#include "explain/attribution.h"

#include <cstdint>
#include <vector>

namespace fastformer {

// The document tokens 1…N−1 by score, largest first (ties: the earlier token); [CLS] is
// never ranked (it is no word of the document).
std::vector<std::int64_t> rank_tokens(const std::vector<float>& scores);

// A seeded random order of the document tokens 1…N−1.
std::vector<std::int64_t> random_order(std::int64_t tokens, std::uint64_t seed);

// Tokens removed (or shown) at `fraction` of n document tokens: ⌈fraction · n⌉, at most n.
std::int64_t tokens_at(double fraction, std::int64_t n);

// p(target) for each keep-set (V,N) bool over the document tokens ([CLS] always kept):
// every window runs with the tokens not kept masked out, V·W rows windows_per_run at a time,
// except that a window seen with the same visible tokens before is not run again.
torch::Tensor kept_probabilities(Model& model, const WindowBatch& batch, std::int64_t target, const torch::Tensor& keep);

struct Curves {
  std::vector<double> deletion;   // per fraction: p(target) with the top-ranked tokens masked out
  std::vector<double> insertion;  // per fraction: p(target) with only the top-ranked tokens shown
};

// Both curves of each order at each fraction, all in one pass (p at fraction 0 included:
// deletion starts at the document's p, insertion at the p of a document with every token masked).
std::vector<Curves> deletion_insertion(Model& model, const WindowBatch& batch, std::int64_t target,
                                       const std::vector<std::vector<std::int64_t>>& orders,
                                       const std::vector<double>& fractions);

// AOPC (Samek et al. 2017) over the points of a curve: deletion, the mean of p(0) − p(k);
// insertion, the mean of p(k) − p(0). Higher is more faithful for both.
double aopc_deletion(const std::vector<double>& curve);
double aopc_insertion(const std::vector<double>& curve);

// Spearman's rank correlation of two score vectors over the document tokens (ties get their
// mean rank); 0 when either is constant.
double spearman(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace fastformer
