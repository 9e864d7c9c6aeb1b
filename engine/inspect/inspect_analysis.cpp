// Reading an inspection: per-head entropies of α and β with collapse/uniform flags, exact
// span shares of a head's weights, weights on one scale across windows, sentence ranges,
// and vocabulary tokens near a global query.
#include "fastformer/inspect.h"

#include "fastformer/error.h"
#include "model/embeddings.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fastformer {
namespace {

// `weights`: the per-head array the caller reads ([L][H][N] α, β or n; [W][L][H][Dh] q or k).
void check_head(const Inspection& in, std::int64_t layer, std::int64_t head, const char* where,
                const std::vector<float>& weights) {
  if (weights.empty()) {
    throw Error("this inspection has no such weights (" + to_string(in.attention) + " model)", where,
                "α, β, q and k need additive attention, n linear attention");
  }
  if (layer < 0 || layer >= in.layers || head < 0 || head >= in.heads) {
    throw Error("layer " + std::to_string(layer) + " head " + std::to_string(head) + " is outside " +
                    std::to_string(in.layers) + " layers × " + std::to_string(in.heads) + " heads",
                where);
  }
}

}  // namespace

std::vector<float> head_weights(const Inspection& in, std::int64_t layer, std::int64_t head, Pooling which) {
  const std::vector<float>& all = which == Pooling::alpha  ? in.alpha
                                  : which == Pooling::beta ? in.beta
                                                           : in.normalizer;  // [L][H][N]
  check_head(in, layer, head, "head_weights", all);
  const auto start = all.begin() + (layer * in.heads + head) * in.size();
  return std::vector<float>(start, start + in.size());
}

double head_entropy(const std::vector<float>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (total <= 0) return 0;
  double h = 0;
  for (float w : weights) {
    const double p = w / total;
    if (p > 0) h -= p * std::log(p);
  }
  return h;
}

HeadSummary summarize_head(const std::vector<float>& weights) {
  HeadSummary s;
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  s.entropy = head_entropy(weights);
  s.max_weight = weights.empty() || total <= 0 ? 0 : *std::max_element(weights.begin(), weights.end()) / total;
  s.collapsed = s.entropy < 0.1 || s.max_weight > 0.9;
  s.uniform = weights.size() > 1 && s.entropy > 0.95 * std::log(static_cast<double>(weights.size()));
  return s;
}

std::string HeadSummaries::flag() const {
  for (const auto& [name, s] : {std::pair<const char*, const HeadSummary&>{"α", alpha}, {"β", beta}}) {
    if (s.collapsed) return std::string(name) + " collapsed";
    if (s.uniform) return std::string(name) + " uniform";
  }
  return {};
}

std::vector<HeadSummaries> head_summaries(const Inspection& in) {
  std::vector<HeadSummaries> out;
  if (in.alpha.empty()) return out;
  for (std::int64_t l = 0; l < in.layers; ++l) {
    for (std::int64_t h = 0; h < in.heads; ++h) {
      out.push_back({l, h, summarize_head(head_weights(in, l, h, Pooling::alpha)),
                     summarize_head(head_weights(in, l, h, Pooling::beta))});
    }
  }
  return out;
}

std::vector<double> span_shares(const Inspection& in, std::int64_t layer, std::int64_t head, Pooling which,
                                const std::vector<std::pair<std::int64_t, std::int64_t>>& token_ranges) {
  const std::vector<float> w = head_weights(in, layer, head, which);  // (N)
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<double> shares;
  for (const auto& [first, last] : token_ranges) {
    if (first < 0 || last > in.size() || first > last) {
      throw Error("token range [" + std::to_string(first) + ", " + std::to_string(last) + ") is outside [0, " +
                      std::to_string(in.size()) + ")",
                  "span_shares");
    }
    const double sum = std::accumulate(w.begin() + first, w.begin() + last, 0.0);
    shares.push_back(total > 0 ? sum / total : 0.0);
  }
  return shares;
}

std::vector<float> relative_weights(const Inspection& in, const std::vector<float>& weights) {
  const auto N = static_cast<std::size_t>(in.size());
  if (weights.size() != N) {
    throw Error(std::to_string(weights.size()) + " weights for " + std::to_string(N) + " tokens", "relative_weights",
                "pass one head's weights over the inspection's tokens, as head_weights returns them");
  }
  if (in.owner.size() != N) throw Error("the inspection has no owner window for each token", "relative_weights");
  std::vector<float> out(N);  // (N)
  for (std::size_t i = 0; i < N; ++i) {
    const TokenWindow& w = in.windows.at(static_cast<std::size_t>(in.owner[i]));
    out[i] = weights[i] * static_cast<float>(w.last - w.first + 1);  // n_w: [CLS] + its document tokens
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> sentence_ranges(const std::string& text,
                                                                   const std::vector<InspectToken>& tokens) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  const auto N = static_cast<std::int64_t>(tokens.size());
  std::int64_t start = 0;
  for (std::int64_t i = 0; i < N; ++i) {
    const InspectToken& t = tokens[static_cast<std::size_t>(i)];
    bool ends = t.end > t.begin && std::string_view(".!?").find(text[static_cast<std::size_t>(t.end - 1)]) !=
                                       std::string_view::npos;
    if (!ends && i + 1 < N && t.end > t.begin) {
      const InspectToken& next = tokens[static_cast<std::size_t>(i + 1)];
      const auto gap_end = std::max(t.end, next.begin);
      ends = text.find('\n', static_cast<std::size_t>(t.end)) < static_cast<std::size_t>(gap_end);
    }
    if (ends || i + 1 == N) {
      out.emplace_back(start, i + 1);
      start = i + 1;
    }
  }
  return out;
}

std::vector<NearToken> nearest_tokens(const TrainedModel& model, const Inspection& in, std::int64_t layer,
                                      std::int64_t head, std::int64_t k, std::int64_t window) {
  check_head(in, layer, head, "nearest_tokens", in.global_query);
  if (window < 0 || window >= static_cast<std::int64_t>(in.windows.size())) {
    throw Error("window " + std::to_string(window) + " does not exist", "nearest_tokens");
  }
  torch::NoGradGuard no_grad;
  const std::int64_t Dh = in.head_dim;
  const float* q = in.global_query.data() + ((window * in.layers + layer) * in.heads + head) * Dh;
  const torch::Tensor query = torch::from_blob(const_cast<float*>(q), {Dh}, torch::kFloat).clone();  // (Dh)
  const torch::Tensor table =
      model.checkpoint.model->embeddings->token->weight.detach().to(torch::kCPU, torch::kFloat).slice(1, head * Dh, (head + 1) * Dh);  // (V,Dh)
  const torch::Tensor cosine = torch::cosine_similarity(table, query.unsqueeze(0), 1, 1e-8);  // (V)
  const auto [values, ids] = cosine.topk(std::min<std::int64_t>(k, cosine.size(0)));
  std::vector<NearToken> out;
  for (std::int64_t i = 0; i < ids.size(0); ++i) {
    const auto id = ids[i].item<std::int64_t>();
    const std::string piece = id < model.tokenizer->vocab_size() ? model.tokenizer->piece(id) : std::to_string(id);
    out.push_back({id, piece, values[i].item<double>()});
  }
  return out;
}

std::int64_t inspection_bytes(const Inspection& in) {
  const auto floats = [](const std::vector<float>& v) { return static_cast<std::int64_t>(v.capacity() * sizeof(float)); };
  std::int64_t bytes = static_cast<std::int64_t>(sizeof(Inspection));
  bytes += static_cast<std::int64_t>(in.tokens.capacity() * sizeof(InspectToken));
  for (const auto& t : in.tokens) {
    if (t.piece.capacity() > 15) bytes += static_cast<std::int64_t>(t.piece.capacity() + 1);  // beyond SSO
  }
  bytes += static_cast<std::int64_t>(in.owner.capacity() * sizeof(std::int64_t));
  bytes += static_cast<std::int64_t>(in.windows.capacity() * sizeof(TokenWindow));
  for (const auto* v : {&in.alpha, &in.beta, &in.global_query, &in.global_key, &in.softmax_weights, &in.pooling,
                        &in.window_logits, &in.probabilities}) {
    bytes += floats(*v);
  }
  return bytes;
}

}  // namespace fastformer
