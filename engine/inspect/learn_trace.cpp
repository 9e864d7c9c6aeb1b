// The Learn walk-through's trace: Fastformer's layer (paper Eq. 3–6) one tensor at a time,
// and softmax attention on the same Q, K, V. Shape letters: N tokens, D hidden, H heads,
// Dh = D/H; the batch of one is dropped from every step's tensor.
#include "fastformer/learn_trace.h"

#include "model/embeddings.h"
#include "model/encoder_layer.h"
#include "model/fastformer_attention.h"
#include "fastformer/error.h"
#include "fastformer/model.h"
#include "fastformer/tokenizer.h"
#include "text/word_tokenizer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>

namespace fastformer {
namespace {

std::string shape_text(const std::string& letters, const at::Tensor& t) {
  std::string sizes;
  for (std::int64_t d = 0; d < t.dim(); ++d) sizes += (d ? "," : "") + std::to_string(t.size(d));
  return "(" + letters + ") = (" + sizes + ")";
}

LearnStep make_step(std::string name, std::string symbol, std::string equation, std::string formula,
                    const at::Tensor& tensor, const std::string& letters, std::string rows, std::string columns,
                    const AttentionCosts& costs) {
  LearnStep s;
  s.name = std::move(name);
  s.symbol = std::move(symbol);
  s.equation = std::move(equation);
  s.formula = std::move(formula);
  s.tensor = tensor.detach().to(at::kFloat).contiguous().clone();
  s.shape = shape_text(letters, s.tensor);
  s.rows = std::move(rows);
  s.columns = std::move(columns);
  s.count = costs.at(s.name);
  return s;
}

// 64-bit FNV-1a of a word, mixed with the seed: each word's own random stream.
std::uint64_t word_seed(const std::string& word, std::uint64_t seed) {
  std::uint64_t h = 14695981039346656037ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (const unsigned char c : word) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

const LearnStep& LearnTrace::step(const std::string& name) const {
  for (const auto* steps : {&additive, &softmax, &linear}) {
    for (const LearnStep& s : *steps) {
      if (s.name == name) return s;
    }
  }
  throw Error("no learn step named '" + name + "'", "learn_trace");
}

LearnTrace learn_trace(FastformerAttentionImpl& layer, const LearnInput& input) {
  const at::Tensor& x = input.x;  // (1,N,D)
  if (x.dim() != 3 || x.size(0) != 1) throw Error("learn_trace takes one sequence (1,N,D)", "learn_trace");
  torch::NoGradGuard no_grad;
  const std::int64_t N = x.size(1), D = layer.query->weight.size(0);
  const std::int64_t H = layer.query_score->weight.size(0), Dh = D / H;
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));

  LearnTrace t;
  t.tokens = N, t.hidden = D, t.heads = H, t.head_dim = Dh;
  t.share_qv = layer.value.is_empty();
  t.score = layer.query_score->kind();
  t.pieces = input.pieces;
  t.additive_costs = additive_costs(N, D, H, t.share_qv, t.score);
  t.softmax_costs = softmax_costs(N, D, H);
  t.softmax_tiled_costs = softmax_tiled_costs(N, D, H);
  t.linear_costs = linear_costs(N, D, H);
  const AttentionCosts& ac = t.additive_costs;
  auto& steps = t.additive;

  // Projections: Q = x Wq + bq, K = x Wk + bk, V = x Wv + bv (V = Q when shared).
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor Q = layer.query->forward(x32);                          // (1,N,D)
  const at::Tensor K = layer.key->forward(x32);                            // (1,N,D)
  const at::Tensor V = t.share_qv ? Q : layer.value->forward(x32);         // (1,N,D)
  const at::Tensor Q4 = Q.view({1, N, H, Dh}), K4 = K.view({1, N, H, Dh}), V4 = V.view({1, N, H, Dh});
  steps.push_back(make_step("Q", "Q", "projection", "Q = x Wq + bq", Q[0], "N,D", "token", "dimension", ac));
  steps.push_back(make_step("K", "K", "projection", "K = x Wk + bk", K[0], "N,D", "token", "dimension", ac));
  steps.push_back(make_step("V", "V", "projection", t.share_qv ? "V = Q (shared)" : "V = x Wv + bv", V[0], "N,D",
                            "token", "dimension", ac));

  // Eq. 3: α_h,i = softmax_i(w_q · Q_h,i / √Dh); Eq. 4: q_h = Σ_i α_h,i Q_h,i.
  const at::Tensor alpha = at::softmax(layer.query_score->forward(Q4) * scale, 1);  // (1,N,H)
  const at::Tensor q = (alpha.unsqueeze(-1) * Q4).sum(1);                           // (1,H,Dh)
  steps.push_back(make_step("alpha", "α", "Eq. 3", "α_h,i = softmax_i(w_q,h · Q_h,i / √Dh)", alpha[0].t(), "H,N",
                            "head", "token", ac));
  steps.push_back(make_step("q", "q", "Eq. 4", "q_h = Σ_i α_h,i Q_h,i", q[0], "H,Dh", "head", "dimension", ac));

  // §3.2, between Eq. 4 and 5: P_i = q ⊙ K_i, each token's key scaled by the global query of its head.
  const at::Tensor P4 = K4 * q.unsqueeze(1);  // (1,N,H,Dh)
  steps.push_back(make_step("P", "P = q ⊙ K", "§3.2", "P_h,i = q_h ⊙ K_h,i", P4[0].reshape({N, D}), "N,D", "token",
                            "dimension", ac));

  // Eq. 5: β_h,i = softmax_i(w_k · P_h,i / √Dh); Eq. 6: k_h = Σ_i β_h,i P_h,i.
  const at::Tensor beta = at::softmax(layer.key_score->forward(P4) * scale, 1);  // (1,N,H)
  const at::Tensor k = (beta.unsqueeze(-1) * P4).sum(1);                        // (1,H,Dh)
  steps.push_back(make_step("beta", "β", "Eq. 5", "β_h,i = softmax_i(w_k,h · P_h,i / √Dh)", beta[0].t(), "H,N",
                            "head", "token", ac));
  steps.push_back(make_step("k", "k", "Eq. 6", "k_h = Σ_i β_h,i P_h,i", k[0], "H,Dh", "head", "dimension", ac));

  // §3.2, after Eq. 6: U_i = k ⊙ V_i, R = U Wr + br, and the residual with the query A = R + Q.
  const at::Tensor U = (V4 * k.unsqueeze(1)).reshape({1, N, D});  // (1,N,D)
  const at::Tensor R = layer.transform->forward(U);              // (1,N,D)
  const at::Tensor A = R + Q;                                    // (1,N,D)
  steps.push_back(make_step("U", "U = k ⊙ V", "§3.2", "U_h,i = k_h ⊙ V_h,i", U[0], "N,D", "token", "dimension", ac));
  steps.push_back(make_step("R", "R", "§3.2", "R = U Wr + br", R[0], "N,D", "token", "dimension", ac));
  steps.push_back(make_step("A", "A = R + Q", "§3.2", "A = R + Q", A[0], "N,D", "token", "dimension", ac));

  // Softmax attention on the same Q, K, V: every head compares every pair of tokens.
  const AttentionCosts& sc = t.softmax_costs;
  const at::Tensor Qh = Q4[0].permute({1, 0, 2}), Kh = K4[0].permute({1, 0, 2}), Vh = V4[0].permute({1, 0, 2});  // (H,N,Dh)
  const at::Tensor S = at::matmul(Qh, Kh.transpose(1, 2)) * scale;  // (H,N,N)
  const at::Tensor W = at::softmax(S, -1);                          // (H,N,N), rows sum to 1
  const at::Tensor O = at::matmul(W, Vh).permute({1, 0, 2}).reshape({N, D});  // (N,D)
  t.softmax.push_back(make_step("scores", "S = QKᵀ/√Dh", "softmax attention", "S_h,i,j = Q_h,i · K_h,j / √Dh", S,
                                "H,N,N", "query token", "key token", sc));
  t.softmax.push_back(make_step("weights", "softmax(S)", "softmax attention", "W_h,i,j = softmax_j(S_h,i,j)", W,
                                "H,N,N", "query token", "key token", sc));
  t.softmax.push_back(make_step("O", "O = W V", "softmax attention", "O_h,i = Σ_j W_h,i,j V_h,j", O, "N,D", "token",
                                "dimension", sc));

  // Linear attention on the same Q, K, V (Katharopoulos et al. 2020, φ = elu + 1): the keys
  // and values summed once per head into S (Dh×Dh) and z, which every query then reads.
  const AttentionCosts& lc = t.linear_costs;
  const at::Tensor phiQ = at::elu(Qh) + 1.0, phiK = at::elu(Kh) + 1.0;  // (H,N,Dh)
  const at::Tensor summary = at::matmul(phiK.transpose(1, 2), Vh);      // (H,Dh,Dh) Σ_j φ(K_j) V_jᵀ
  const at::Tensor z = phiK.sum(1);                                     // (H,Dh)    Σ_j φ(K_j)
  const at::Tensor normalizer = at::matmul(phiQ, z.unsqueeze(-1)).squeeze(-1);  // (H,N) φ(Q_i)·z
  const at::Tensor LO = (at::matmul(phiQ, summary) / normalizer.unsqueeze(-1)).permute({1, 0, 2}).reshape({N, D});  // (N,D)
  t.linear.push_back(make_step("S", "S = φ(K)ᵀV", "linear attention", "S_h = Σ_j φ(K_h,j) V_h,jᵀ", summary,
                               "H,Dh,Dh", "key dimension", "value dimension", lc));
  t.linear.push_back(make_step("normalizer", "φ(Q)·z", "linear attention", "n_h,i = φ(Q_h,i) · Σ_j φ(K_h,j)",
                               normalizer, "H,N", "head", "token", lc));
  t.linear.push_back(make_step("O", "O = φ(Q)S / n", "linear attention", "O_h,i = φ(Q_h,i)ᵀ S_h / n_h,i", LO, "N,D",
                               "token", "dimension", lc));
  return t;
}

LearnLayer random_learn_layer(std::uint64_t seed, std::int64_t hidden, std::int64_t heads) {
  ModelConfig c = preset("paper");
  c.hidden = hidden;
  c.heads = heads;
  c.ffn = hidden;
  c.dropout = 0.0;
  c.validate();
  FastformerAttention layer(c);
  layer->eval();
  at::Generator generator = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard no_grad;
  for (auto& item : layer->named_parameters()) {
    at::Tensor& p = item.value();
    if (item.key().find("score") != std::string::npos) {
      p.normal_(0.0, 1.0, generator);  // (H,Dh) score vectors
    } else if (p.dim() == 2) {
      p.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(hidden)), generator);  // (D,D)
    } else {
      p.zero_();  // biases
    }
  }
  return layer.ptr();
}

LearnInput random_learn_input(const std::string& sentence, std::int64_t hidden, std::uint64_t seed,
                              std::int64_t max_tokens) {
  LearnInput in;
  in.pieces.push_back("[CLS]");
  for (const WordPiece& w : split_words(sentence, true)) {
    if (static_cast<std::int64_t>(in.pieces.size()) >= max_tokens) break;
    in.pieces.push_back(w.word);
  }
  std::vector<at::Tensor> rows;
  for (const std::string& piece : in.pieces) {
    at::Generator generator = at::detail::createCPUGenerator(word_seed(piece, seed));
    rows.push_back(at::randn({hidden}, generator, at::kFloat));  // (D)
  }
  in.x = at::stack(rows).unsqueeze(0);  // (1,N,D)
  return in;
}

LearnInput model_learn_input(ModelImpl& model, const Tokenizer& tokenizer, const std::string& sentence,
                             std::int64_t max_tokens) {
  Encoding e = tokenizer.encode(sentence);
  const auto n = static_cast<std::size_t>(std::min({max_tokens, model.config().max_len,
                                                    static_cast<std::int64_t>(e.ids.size())}));
  e.ids.resize(n);
  LearnInput in;
  for (const std::int64_t id : e.ids) in.pieces.push_back(tokenizer.piece(id));
  torch::NoGradGuard no_grad;
  model.eval();
  const at::Tensor ids = at::tensor(e.ids, at::kLong).unsqueeze(0);  // (1,N)
  in.x = model.embeddings->forward(ids).to(at::kFloat);              // (1,N,D)
  return in;
}

LearnLayer first_additive_layer(ModelImpl& model) {
  auto* layer = model.layers[0]->as<EncoderLayerImpl>();
  if (layer == nullptr || layer->additive.is_empty()) {
    throw Error("the checkpoint is a softmax Transformer", "Learn",
                "open a Fastformer (additive attention) checkpoint, or use a random layer");
  }
  return layer->additive.ptr();
}

}  // namespace fastformer
