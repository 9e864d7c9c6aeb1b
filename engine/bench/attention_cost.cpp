// Step-by-step counts of one attention layer on N tokens (conventions in attention_cost.h).
// Shape letters: N tokens, D hidden, H heads, Dh = D/H; every result is float32 (4 bytes).
#include "fastformer/attention_cost.h"

#include "fastformer/error.h"

#include <algorithm>

namespace fastformer {
namespace {

constexpr double kFloatBytes = 4;

// A projection (N,in) → (N,out): N·in·out multiply-adds, writes (N,out).
OpCount projection(double N, double in, double out) { return {N * in * out, 2 * N * in * out, kFloatBytes * N * out}; }

// A softmax over `scores` values: 2 products each (scale, divide), 5 FLOPs each.
OpCount softmax(double scores) { return {2 * scores, 5 * scores, kFloatBytes * scores}; }

void check_shape(std::int64_t n, std::int64_t d, std::int64_t h) {
  if (n < 1 || d < 1 || h < 1 || d % h != 0) {
    throw Error("bad attention shape N=" + std::to_string(n) + " D=" + std::to_string(d) + " H=" + std::to_string(h),
                "attention_cost", "N, D and H must be positive and H must divide D");
  }
}

}  // namespace

const OpCount& AttentionCosts::at(const std::string& name) const {
  for (const CostStep& step : steps) {
    if (step.name == name) return step.count;
  }
  throw Error("no attention step named '" + name + "'", "attention_cost");
}

AttentionCosts additive_costs(std::int64_t n, std::int64_t d, std::int64_t h, bool share_qv, ScoreKind score) {
  check_shape(n, d, h);
  const double N = static_cast<double>(n), D = static_cast<double>(d), H = static_cast<double>(h);
  // A token's score: per_head w_h·s_i,h is D products over all heads; head_mixing W s_i is D·H.
  const double score_macs = score == ScoreKind::per_head ? N * D : N * D * H;
  // Eq. 3 / Eq. 5 scores and their softmax over the N tokens of each head: (H,N) weights.
  const auto pooling_weights = [&] {
    OpCount c = softmax(N * H);
    c.multiply_adds += score_macs;
    c.flops += 2 * score_macs;
    return c;
  };
  // Σ_i w_i S_i per head: N·D multiply-adds, writes a (H,Dh) = D vector.
  const OpCount weighted_sum{N * D, 2 * N * D, kFloatBytes * D};
  // An element-wise product over (N,D).
  const OpCount product{N * D, N * D, kFloatBytes * N * D};

  // Per step: multiply-adds | FLOPs | bytes written (float32), with s = N·D (per_head scores).
  AttentionCosts c;
  c.steps = {
      {"Q", projection(N, D, D)},                        // Q = x Wq + bq          N·D² | 2N·D² | 4N·D
      {"K", projection(N, D, D)},                        // K = x Wk + bk          N·D² | 2N·D² | 4N·D
      {"V", share_qv ? OpCount{} : projection(N, D, D)},  // V = x Wv + bv, or Q   N·D² | 2N·D² | 4N·D, or 0
      {"alpha", pooling_weights()},                      // Eq. 3: α (H,N)         s + 2N·H | 2s + 5N·H | 4N·H
      {"q", weighted_sum},                               // Eq. 4: q = Σ α_i Q_i   N·D | 2N·D | 4D
      {"P", product},                                    // §3.2:  P_i = q ⊙ K_i   N·D | N·D | 4N·D
      {"beta", pooling_weights()},                       // Eq. 5: β (H,N)         s + 2N·H | 2s + 5N·H | 4N·H
      {"k", weighted_sum},                               // Eq. 6: k = Σ β_i P_i   N·D | 2N·D | 4D
      {"U", product},                                    // §3.2:  U_i = k ⊙ V_i   N·D | N·D | 4N·D
      {"R", projection(N, D, D)},                        // §3.2:  R = U Wr + br   N·D² | 2N·D² | 4N·D
      {"A", {0, N * D, kFloatBytes * N * D}},            // §3.2:  A = R + Q       0 | N·D | 4N·D
  };
  for (const CostStep& step : c.steps) c.total += step.count;
  return c;
}

AttentionCosts softmax_costs(std::int64_t n, std::int64_t d, std::int64_t h) {
  check_shape(n, d, h);
  const double N = static_cast<double>(n), D = static_cast<double>(d), H = static_cast<double>(h);
  // Every head compares every pair of tokens: H·N·N dot products of length Dh = N²·D
  // multiply-adds, and as many again to mix the values with the weights.
  const OpCount pairwise{N * N * D, 2 * N * N * D, kFloatBytes * H * N * N};
  // Per step: multiply-adds | FLOPs | bytes written (float32).
  AttentionCosts c;
  c.steps = {
      {"Q", projection(N, D, D)},                              // (N,D)    N·D² | 2N·D² | 4N·D
      {"K", projection(N, D, D)},                              // (N,D)    N·D² | 2N·D² | 4N·D
      {"V", projection(N, D, D)},                              // (N,D)    N·D² | 2N·D² | 4N·D
      {"scores", pairwise},                                    // S = QKᵀ/√Dh (H,N,N)   N²·D | 2N²·D | 4H·N²
      {"weights", softmax(H * N * N)},                         // softmax_j(S) (H,N,N)  2H·N² | 5H·N² | 4H·N²
      {"O", {N * N * D, 2 * N * N * D, kFloatBytes * N * D}},  // O = W V (N,D)         N²·D | 2N²·D | 4N·D
      {"Wo", projection(N, D, D)},                             // O Wo + bo (N,D)       N·D² | 2N·D² | 4N·D
  };
  for (const CostStep& step : c.steps) c.total += step.count;
  return c;
}

AttentionCosts softmax_tiled_costs(std::int64_t n, std::int64_t d, std::int64_t h, std::int64_t query_block,
                                   std::int64_t key_block) {
  AttentionCosts c = softmax_costs(n, d, h);
  const double N = static_cast<double>(n), H = static_cast<double>(h);
  const double tile = static_cast<double>(std::min(n, query_block) * std::min(n, key_block));
  for (CostStep& step : c.steps) {
    if (step.name == "scores") step.count.bytes = kFloatBytes * tile;  // one tile at a time
    if (step.name == "weights") step.count.bytes = kFloatBytes * H * N;  // the log-sum-exp kept
  }
  c.total = {};
  for (const CostStep& step : c.steps) c.total += step.count;
  return c;
}

AttentionCosts linear_costs(std::int64_t n, std::int64_t d, std::int64_t h) {
  check_shape(n, d, h);
  const double N = static_cast<double>(n), D = static_cast<double>(d), H = static_cast<double>(h), Dh = D / H;
  // Per step: multiply-adds | FLOPs | bytes written (float32). φ(x) = elu(x) + 1 is no
  // product: an exp for x < 0 and an addition, 2 FLOPs per value.
  AttentionCosts c;
  c.steps = {
      {"Q", projection(N, D, D)},                                       // (N,D)    N·D² | 2N·D² | 4N·D
      {"K", projection(N, D, D)},                                       // (N,D)    N·D² | 2N·D² | 4N·D
      {"V", projection(N, D, D)},                                       // (N,D)    N·D² | 2N·D² | 4N·D
      {"phi", {0, 2 * 2 * N * D, kFloatBytes * 2 * N * D}},             // φ(Q), φ(K)        0 | 4N·D | 8N·D
      {"S", {N * D * Dh, 2 * N * D * Dh, kFloatBytes * D * Dh}},        // Σ φ(K_j)V_jᵀ      N·D·Dh | 2N·D·Dh | 4D·Dh
      {"z", {0, N * D, kFloatBytes * D}},                               // Σ φ(K_j)          0 | N·D | 4D
      {"numerator", {N * D * Dh, 2 * N * D * Dh, kFloatBytes * N * D}},  // φ(Q_i)ᵀS          N·D·Dh | 2N·D·Dh | 4N·D
      {"normalizer", {N * D, 2 * N * D, kFloatBytes * N * H}},          // φ(Q_i)·z          N·D | 2N·D | 4N·H
      {"O", {N * D, N * D, kFloatBytes * N * D}},                       // numerator / norm  N·D | N·D | 4N·D
      {"Wo", projection(N, D, D)},                                      // O Wo + bo (N,D)   N·D² | 2N·D² | 4N·D
  };
  for (const CostStep& step : c.steps) c.total += step.count;
  return c;
}

}  // namespace fastformer
