// An independent float64 reference of the whole Fastformer classifier, written from the
// equations in DESIGN.md "The model" (Wu et al. 2021, Eq. 3–6) with plain loops over
// std::vector<double>. Torch is touched only to copy a module's parameters out as data;
// every piece of maths below is a loop, so a bug in the engine's tensor code cannot hide
// in here too. Layouts are row-major and named in the comments: (B·T, D) means B·T rows
// of D values, token t of sequence b at row b·T + t.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fastformer/model_config.h"

namespace fastformer::reference {

using Vec = std::vector<double>;

// A (rows, cols) row-major matrix.
struct Mat {
  std::int64_t rows = 0, cols = 0;
  Vec v;
  Mat() = default;
  Mat(std::int64_t r, std::int64_t c) : rows(r), cols(c), v(static_cast<std::size_t>(r * c), 0.0) {}
  double& operator()(std::int64_t r, std::int64_t c) { return v[static_cast<std::size_t>(r * cols + c)]; }
  double operator()(std::int64_t r, std::int64_t c) const { return v[static_cast<std::size_t>(r * cols + c)]; }
};

// The module's parameters as float64 data, looked up by name with the shape the equations
// need. Remembers what was read so a test can insist that nothing was left unused.
class Params {
 public:
  explicit Params(const torch::nn::Module& module) {
    for (const auto& item : module.named_parameters()) {
      const at::Tensor t = item.value().detach().to(torch::kCPU, torch::kDouble).contiguous();
      Mat m(t.dim() == 0 ? 1 : t.size(0), t.dim() <= 1 ? 1 : t.numel() / std::max<std::int64_t>(t.size(0), 1));
      std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), m.v.begin());
      shapes_[item.key()] = t.sizes().vec();
      data_[item.key()] = std::move(m);
    }
  }

  // The parameter `name`, which must exist with exactly `shape`.
  const Mat& at(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const auto it = data_.find(name);
    if (it == data_.end()) throw std::runtime_error("reference: no parameter named " + name);
    if (shapes_.at(name) != shape) throw std::runtime_error("reference: parameter " + name + " has an unexpected shape");
    used_.insert(name);
    return it->second;
  }

  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [name, m] : data_) {
      if (used_.count(name) == 0) out.push_back(name);
    }
    return out;
  }

 private:
  std::map<std::string, Mat> data_;
  std::map<std::string, std::vector<std::int64_t>> shapes_;
  mutable std::set<std::string> used_;
};

struct Inputs {
  std::int64_t B = 0, T = 0;
  std::vector<std::int64_t> ids;  // (B,T)
  std::vector<bool> mask;         // (B,T), true = real token
  bool real(std::int64_t b, std::int64_t t) const { return mask[static_cast<std::size_t>(b * T + t)]; }
};

struct LayerOutput {
  Vec alpha, beta;                // additive: (B,H,T)
  Vec global_query, global_key;   // additive: (B,H,Dh)
  Vec weights;                    // softmax: (B,H,T,T)
};

struct Output {
  Vec logits;                       // (B,C)
  std::vector<Mat> hidden;          // L+1 of (B·T, D)
  std::vector<LayerOutput> layers;  // L
  Vec pooling;                      // (B,T) γ
};

// y = x Wᵀ + b for a torch Linear named `prefix` (weight (out,in), bias (out)).
inline Mat linear(const Mat& x, const Params& p, const std::string& prefix, std::int64_t out) {
  const Mat& w = p.at(prefix + ".weight", {out, x.cols});
  const Mat& b = p.at(prefix + ".bias", {out});
  Mat y(x.rows, out);
  for (std::int64_t r = 0; r < x.rows; ++r) {
    for (std::int64_t o = 0; o < out; ++o) {
      double s = b.v[static_cast<std::size_t>(o)];
      for (std::int64_t i = 0; i < x.cols; ++i) s += w(o, i) * x(r, i);
      y(r, o) = s;
    }
  }
  return y;
}

// Row-wise LayerNorm with the biased variance: (x − μ) / √(σ² + eps) · g + b.
inline Mat layer_norm(const Mat& x, const Params& p, const std::string& prefix, double eps) {
  const Mat& g = p.at(prefix + ".weight", {x.cols});
  const Mat& b = p.at(prefix + ".bias", {x.cols});
  Mat y(x.rows, x.cols);
  for (std::int64_t r = 0; r < x.rows; ++r) {
    double mean = 0.0, var = 0.0;
    for (std::int64_t c = 0; c < x.cols; ++c) mean += x(r, c);
    mean /= static_cast<double>(x.cols);
    for (std::int64_t c = 0; c < x.cols; ++c) var += (x(r, c) - mean) * (x(r, c) - mean);
    var /= static_cast<double>(x.cols);
    for (std::int64_t c = 0; c < x.cols; ++c) {
      y(r, c) = (x(r, c) - mean) / std::sqrt(var + eps) * g.v[static_cast<std::size_t>(c)] + b.v[static_cast<std::size_t>(c)];
    }
  }
  return y;
}

inline Mat add(Mat a, const Mat& b) {
  for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

// Softmax over the entries whose `real` flag is set (max-subtracted); the others get
// exactly 0, and a slice without any real entry is all zeros.
inline Vec masked_softmax(const Vec& scores, const std::vector<bool>& real) {
  Vec out(scores.size(), 0.0);
  double mx = -INFINITY;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (real[i]) mx = std::max(mx, scores[i]);
  }
  if (mx == -INFINITY) return out;
  double sum = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (real[i]) sum += out[i] = std::exp(scores[i] - mx);
  }
  for (double& o : out) o /= sum;
  return out;
}

// score(S_i) per head, before 1/√Dh (paper Eq. 3 and 5). S: one sequence (T, D) seen as
// (T,H,Dh). per_head: w_h · S_i,h with w (H,Dh); head_mixing: (W S_i + b)_h with W (H,D).
// Returns (H, T).
inline Mat head_scores(const Mat& S, const Params& p, const std::string& prefix, const ModelConfig& c) {
  const std::int64_t H = c.heads, Dh = c.head_dim();
  Mat a(H, S.rows);
  if (c.score == ScoreKind::per_head) {
    const Mat& w = p.at(prefix + ".weight", {H, Dh});
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < S.rows; ++i)
        for (std::int64_t d = 0; d < Dh; ++d) a(h, i) += w(h, d) * S(i, h * Dh + d);
  } else {
    const Mat& w = p.at(prefix + ".weight", {H, c.hidden});
    const Mat& b = p.at(prefix + ".bias", {H});
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < S.rows; ++i) {
        a(h, i) = b.v[static_cast<std::size_t>(h)];
        for (std::int64_t j = 0; j < c.hidden; ++j) a(h, i) += w(h, j) * S(i, j);
      }
  }
  return a;
}

// Rows [b·T, (b+1)·T) of x: one sequence (T, D).
inline Mat sequence(const Mat& x, std::int64_t b, std::int64_t T) {
  Mat s(T, x.cols);
  std::copy(x.v.begin() + b * T * x.cols, x.v.begin() + (b + 1) * T * x.cols, s.v.begin());
  return s;
}

inline std::vector<bool> sequence_mask(const Inputs& in, std::int64_t b) {
  return {in.mask.begin() + b * in.T, in.mask.begin() + (b + 1) * in.T};
}

// Fastformer additive attention (paper Eq. 3–6), x (B·T, D) → (B·T, D) after Wo.
inline Mat additive_attention(const Mat& x, const Params& p, const std::string& prefix, const ModelConfig& c,
                              const Inputs& in, LayerOutput& trace) {
  const std::int64_t B = in.B, T = in.T, D = c.hidden, H = c.heads, Dh = c.head_dim();
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  const Mat Qall = linear(x, p, prefix + ".query", D);
  const Mat Kall = linear(x, p, prefix + ".key", D);
  const Mat Vall = c.share_qv ? Qall : linear(x, p, prefix + ".value", D);
  trace.alpha.assign(B * H * T, 0.0), trace.beta.assign(B * H * T, 0.0);
  trace.global_query.assign(B * H * Dh, 0.0), trace.global_key.assign(B * H * Dh, 0.0);
  Mat U(B * T, D);
  for (std::int64_t b = 0; b < B; ++b) {
    const Mat Q = sequence(Qall, b, T), K = sequence(Kall, b, T), V = sequence(Vall, b, T);  // (T,D)
    const std::vector<bool> real = sequence_mask(in, b);
    // Eq. 3: α_h = softmax_i(score_q(Q_i)_h / √Dh), q_h = Σ_i α_h,i Q_i,h.
    const Mat a = head_scores(Q, p, prefix + ".query_score", c);  // (H,T)
    Mat P(T, D);
    for (std::int64_t h = 0; h < H; ++h) {
      Vec s(a.v.begin() + h * T, a.v.begin() + (h + 1) * T);
      for (double& v : s) v *= scale;
      const Vec alpha = masked_softmax(s, real);
      for (std::int64_t i = 0; i < T; ++i) trace.alpha[(b * H + h) * T + i] = alpha[i];
      for (std::int64_t d = 0; d < Dh; ++d) {
        double q = 0.0;
        for (std::int64_t i = 0; i < T; ++i) q += alpha[i] * Q(i, h * Dh + d);
        trace.global_query[(b * H + h) * Dh + d] = q;
        // Eq. 4: P_i = q ⊙ K_i.
        for (std::int64_t i = 0; i < T; ++i) P(i, h * Dh + d) = q * K(i, h * Dh + d);
      }
    }
    // Eq. 5: β_h = softmax_i(score_k(P_i)_h / √Dh), k_h = Σ_i β_h,i P_i,h.
    const Mat bsc = head_scores(P, p, prefix + ".key_score", c);  // (H,T)
    for (std::int64_t h = 0; h < H; ++h) {
      Vec s(bsc.v.begin() + h * T, bsc.v.begin() + (h + 1) * T);
      for (double& v : s) v *= scale;
      const Vec beta = masked_softmax(s, real);
      for (std::int64_t i = 0; i < T; ++i) trace.beta[(b * H + h) * T + i] = beta[i];
      for (std::int64_t d = 0; d < Dh; ++d) {
        double k = 0.0;
        for (std::int64_t i = 0; i < T; ++i) k += beta[i] * P(i, h * Dh + d);
        trace.global_key[(b * H + h) * Dh + d] = k;
        // Eq. 6: U_i = k ⊙ V_i.
        for (std::int64_t i = 0; i < T; ++i) U(b * T + i, h * Dh + d) = k * V(i, h * Dh + d);
      }
    }
  }
  // Eq. 6: R = U Wr + br, A = R + Q; then the block's output projection A Wo + bo.
  const Mat A = add(linear(U, p, prefix + ".transform", D), Qall);
  return linear(A, p, prefix + ".output", D);
}

// Multi-head softmax(Q Kᵀ/√Dh) V over real keys, x (B·T, D) → (B·T, D) after Wo.
inline Mat softmax_attention(const Mat& x, const Params& p, const std::string& prefix, const ModelConfig& c,
                             const Inputs& in, LayerOutput& trace) {
  const std::int64_t B = in.B, T = in.T, D = c.hidden, H = c.heads, Dh = c.head_dim();
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  const Mat Q = linear(x, p, prefix + ".query", D), K = linear(x, p, prefix + ".key", D), V = linear(x, p, prefix + ".value", D);
  trace.weights.assign(B * H * T * T, 0.0);
  Mat ctx(B * T, D);
  for (std::int64_t b = 0; b < B; ++b) {
    const std::vector<bool> real = sequence_mask(in, b);
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t i = 0; i < T; ++i) {
        Vec s(T, 0.0);
        for (std::int64_t j = 0; j < T; ++j) {
          for (std::int64_t d = 0; d < Dh; ++d) s[j] += Q(b * T + i, h * Dh + d) * K(b * T + j, h * Dh + d);
          s[j] *= scale;
        }
        const Vec w = masked_softmax(s, real);
        for (std::int64_t j = 0; j < T; ++j) {
          trace.weights[((b * H + h) * T + i) * T + j] = w[j];
          for (std::int64_t d = 0; d < Dh; ++d) ctx(b * T + i, h * Dh + d) += w[j] * V(b * T + j, h * Dh + d);
        }
      }
    }
  }
  return linear(ctx, p, prefix + ".output", D);
}

// FFN(x) = out(GELU(in(x))) with the exact erf GELU: x/2 · (1 + erf(x/√2)).
inline Mat feed_forward(const Mat& x, const Params& p, const std::string& prefix, const ModelConfig& c) {
  Mat inner = linear(x, p, prefix + ".in", c.ffn);
  for (double& v : inner.v) v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
  return linear(inner, p, prefix + ".out", c.hidden);
}

// One block, post-LN: X' = LN1(X + Attn(X)), Y = LN2(X' + FFN(X'));
//            pre-LN:  X' = X + Attn(LN1(X)), Y = X' + FFN(LN2(X')).
inline Mat encoder_layer(const Mat& x, const Params& p, const std::string& prefix, const ModelConfig& c,
                         const Inputs& in, LayerOutput& trace) {
  const auto attend = [&](const Mat& h) {
    return c.attention == AttentionKind::additive ? additive_attention(h, p, prefix + ".attention", c, in, trace)
                                                  : softmax_attention(h, p, prefix + ".attention", c, in, trace);
  };
  const double eps = c.layer_norm_eps;
  if (c.norm == NormPlacement::post) {
    const Mat h = layer_norm(add(x, attend(x)), p, prefix + ".norm1", eps);
    return layer_norm(add(h, feed_forward(h, p, prefix + ".ffn", c)), p, prefix + ".norm2", eps);
  }
  const Mat h = add(x, attend(layer_norm(x, p, prefix + ".norm1", eps)));
  return add(h, feed_forward(layer_norm(h, p, prefix + ".norm2", eps), p, prefix + ".ffn", c));
}

// The whole classifier: embeddings → L layers → pooling → classifier.
inline Output forward(const ModelConfig& c, const Params& p, const Inputs& in) {
  const std::int64_t B = in.B, T = in.T, D = c.hidden;
  Output out;
  // X0 = LN(tok[ids] + pos[t]).
  const Mat& tok = p.at("embeddings.token.weight", {c.vocab_size, D});
  Mat x(B * T, D);
  for (std::int64_t r = 0; r < B * T; ++r)
    for (std::int64_t d = 0; d < D; ++d) x(r, d) = tok(in.ids[static_cast<std::size_t>(r)], d);
  if (c.position_embedding) {
    const Mat& pos = p.at("embeddings.position.weight", {c.max_len, D});
    for (std::int64_t r = 0; r < B * T; ++r)
      for (std::int64_t d = 0; d < D; ++d) x(r, d) += pos(r % T, d);
  }
  x = layer_norm(x, p, "embeddings.norm", c.layer_norm_eps);
  out.hidden.push_back(x);
  for (std::int64_t l = 0; l < c.layers; ++l) {  // share_layers: layers.0 applied L times
    const std::string prefix = "layers." + std::to_string(c.share_layers ? 0 : l);
    x = encoder_layer(x, p, prefix, c, in, out.layers.emplace_back());
    out.hidden.push_back(x);
  }
  // γ (B,T): attention γ = softmax_i(w2 · tanh(W1 h_i + b1) + b2), CLS one-hot, mean uniform.
  out.pooling.assign(B * T, 0.0);
  Mat s;
  if (c.pooling == PoolingKind::attention) {
    Mat t = linear(x, p, "pooler.proj", D);
    for (double& v : t.v) v = std::tanh(v);
    s = linear(t, p, "pooler.score", 1);  // (B·T, 1)
  }
  for (std::int64_t b = 0; b < B; ++b) {
    const std::vector<bool> real = sequence_mask(in, b);
    const auto n = static_cast<double>(std::count(real.begin(), real.end(), true));
    Vec g(T, 0.0);
    if (c.pooling == PoolingKind::attention) g = masked_softmax(Vec(s.v.begin() + b * T, s.v.begin() + (b + 1) * T), real);
    if (c.pooling == PoolingKind::cls) g[0] = real[0] ? 1.0 : 0.0;
    if (c.pooling == PoolingKind::mean)
      for (std::int64_t t = 0; t < T; ++t) g[t] = real[t] ? 1.0 / n : 0.0;
    std::copy(g.begin(), g.end(), out.pooling.begin() + b * T);
  }
  Mat pooled(B, D);  // Σ_i γ_i h_i
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      for (std::int64_t d = 0; d < D; ++d) pooled(b, d) += out.pooling[b * T + t] * x(b * T + t, d);
  out.logits = linear(pooled, p, "classifier", c.classes).v;  // (B,C)
  return out;
}

}  // namespace fastformer::reference
