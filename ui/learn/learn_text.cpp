// The learner text of each step. N tokens, D hidden, H heads, Dh = D/H.
#include "learn/learn_text.h"

#include <QHash>

namespace fastformer::ui {

QString learnText(const QString& step, bool sharedValues) {
  static const QHash<QString, QString> texts{
      {"Q",
       "Each token's vector x_i (D numbers) is multiplied by the learned matrix Wq and shifted by bq, giving its query "
       "Q_i. The D columns are H heads of Dh numbers each; every later step works on each head separately. One D×D "
       "product per token makes N·D² multiply-adds: twice the tokens, twice the work."},
      {"K",
       "A second learned matrix gives every token its key, K_i = Wk x_i + bk, another (N,D) tensor for N·D² "
       "multiply-adds. After Eq. 4 the keys meet one summary of the whole sentence, the global query, instead of "
       "meeting each other."},
      {"alpha",
       "Eq. 3 scores each token with one learned vector per head: a_i = w_q · Q_i / √Dh, a single number per token "
       "and head. A softmax over the N tokens turns the scores into weights α, positive and summing to 1 along each "
       "row of this (H,N) map. No token is compared with another, so the scores cost N·D multiply-adds."},
      {"q",
       "The global query is the α-weighted sum of all queries, q = Σ_i α_i Q_i (Eq. 4): Dh numbers per head that "
       "summarise the whole sentence. Adding up N vectors costs N·D multiply-adds, and q has the same (H,Dh) size "
       "whether the text has ten tokens or ten thousand."},
      {"P",
       "Next the summary reaches every token: P_i = q ⊙ K_i multiplies each key by the global query of its head, "
       "dimension by dimension, with no sum. Each token meets q once instead of meeting all N other tokens, so this "
       "(N,D) tensor costs N·D multiplications."},
      {"beta",
       "Eq. 5 pools again, now over P: b_i = w_k · P_i / √Dh, and β = softmax over the tokens of each head. β says "
       "how much each token's query-aware key counts in the second summary. As for α, the scores cost N·D "
       "multiply-adds and the (H,N) weights take N·H numbers."},
      {"k",
       "The global key k = Σ_i β_i P_i (Eq. 6) is the second summary: Dh numbers per head that already combine the "
       "global query with every key. It costs N·D multiply-adds and stands where softmax attention keeps its N×N "
       "matrix of weights."},
      {"U",
       "The global key then meets every value element-wise: U_i = k ⊙ V_i. Every token is rescaled, dimension "
       "by dimension, by the same k, which carries the context of the whole sentence. This (N,D) tensor costs N·D "
       "multiplications."},
      {"R",
       "A learned linear transform mixes the dimensions and heads of each token's U_i: R_i = Wr U_i + br. "
       "Like the projections it is one D×D product per token, N·D² multiply-adds."},
      {"A",
       "The query is added back, A = R + Q: the layer's output, D numbers per token (the encoder block then "
       "applies its output projection, residual and LayerNorm). Every step was N·D or N·D² work, so the whole "
       "layer's cost grows in proportion to N."},
      {"scores",
       "Softmax attention compares every query with every key: S_ij = Q_i · K_j / √Dh for all N×N pairs, in each of "
       "the H heads. That is N²·D multiply-adds and H·N² numbers to store, so doubling the text quadruples both."},
      {"weights",
       "Each row of S becomes a probability distribution over the keys, W_ij = softmax_j(S_ij): every row sums to 1. "
       "The H·N² weights are kept for the product with V and for training; on long documents this matrix is what "
       "runs out of memory."},
      {"O",
       "Each token's output mixes all values with its row of weights, O_i = Σ_j W_ij V_j: another N²·D "
       "multiply-adds. Fastformer reaches every token with the single global key k instead."},
  };
  if (step == "V") {
    return sharedValues
               ? "This layer uses the queries as its values, as the paper does: V = Q, with no extra work. (A layer "
                 "with its own Wv would spend N·D² more multiply-adds here.) The values carry each token's content "
                 "into the output through U = k ⊙ V."
               : "The values come from a third learned matrix, V_i = Wv x_i + bv: N·D² multiply-adds for another "
                 "(N,D) tensor. They carry each token's content into the output through U = k ⊙ V.";
  }
  return texts.value(step);
}

}  // namespace fastformer::ui
