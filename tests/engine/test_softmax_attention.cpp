// SoftmaxAttention against a float64 masked softmax written out here with plain loops: full,
// partly padded and empty sequences in one batch, the empty one giving zeros, never NaN.
#include "model/softmax_attention.h"

#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace fastformer {
namespace {

using Matrix = std::vector<std::vector<double>>;

// y = x Wᵀ + b for one sequence: x (T,D), W (D,D), b (D) → (T,D).
Matrix linear(const Matrix& x, const torch::nn::Linear& layer) {
  const auto W = layer->weight.accessor<double, 2>();
  const auto b = layer->bias.accessor<double, 1>();
  Matrix y(x.size(), std::vector<double>(static_cast<std::size_t>(W.size(0))));
  for (std::size_t t = 0; t < x.size(); ++t) {
    for (std::int64_t o = 0; o < W.size(0); ++o) {
      double sum = b[o];
      for (std::int64_t i = 0; i < W.size(1); ++i) sum += x[t][static_cast<std::size_t>(i)] * W[o][i];
      y[t][static_cast<std::size_t>(o)] = sum;
    }
  }
  return y;
}

struct Reference {
  Matrix output;                   // (T,D)
  std::vector<Matrix> weights;     // [H] (T,T)
};

// One sequence: per head h, w_ij = exp(s_ij) / Σ_{real k} exp(s_ik) over real keys j only,
// s_ij = q_i·k_j / √Dh (Vaswani et al. 2017, Eq. 1); 0 on padded keys; a sequence with no
// real token has all weights 0 and so a context of 0.
Reference reference(const Matrix& x, const std::vector<bool>& real, SoftmaxAttentionImpl& a, std::int64_t H) {
  const std::size_t T = x.size(), D = x[0].size(), Dh = D / static_cast<std::size_t>(H);
  const Matrix Q = linear(x, a.query), K = linear(x, a.key), V = linear(x, a.value);
  Matrix context(T, std::vector<double>(D, 0.0));
  Reference out;
  for (std::size_t h = 0; h < static_cast<std::size_t>(H); ++h) {
    Matrix w(T, std::vector<double>(T, 0.0));
    for (std::size_t i = 0; i < T; ++i) {
      std::vector<double> s(T, 0.0);
      double top = -INFINITY;
      for (std::size_t j = 0; j < T; ++j) {
        if (!real[j]) continue;
        for (std::size_t d = 0; d < Dh; ++d) s[j] += Q[i][h * Dh + d] * K[j][h * Dh + d];
        s[j] /= std::sqrt(static_cast<double>(Dh));
        top = std::max(top, s[j]);
      }
      double total = 0;
      for (std::size_t j = 0; j < T; ++j) total += real[j] ? std::exp(s[j] - top) : 0.0;
      for (std::size_t j = 0; j < T; ++j) w[i][j] = real[j] ? std::exp(s[j] - top) / total : 0.0;
      for (std::size_t j = 0; j < T; ++j) {
        for (std::size_t d = 0; d < Dh; ++d) context[i][h * Dh + d] += w[i][j] * V[j][h * Dh + d];
      }
    }
    out.weights.push_back(w);
  }
  out.output = linear(context, a.output);
  return out;
}

TEST(SoftmaxAttention, MatchesAFloat64MaskedSoftmaxForFullPartialAndEmptyRows) {
  const ModelConfig c = testing::tiny_config(AttentionKind::softmax);  // D = 8, H = 2
  torch::manual_seed(11);
  SoftmaxAttention attention(c);
  attention->to(torch::kDouble);
  const std::int64_t B = 3, T = 5, D = c.hidden;
  const torch::Tensor x = torch::randn({B, T, D}, torch::kDouble);  // (B,T,D)
  // Row 0: every token real; row 1: the last two padded; row 2: no real token.
  const std::vector<std::vector<bool>> real{{true, true, true, true, true},
                                            {true, true, true, false, false},
                                            {false, false, false, false, false}};
  torch::Tensor mask = torch::zeros({B, T}, torch::kBool);  // (B,T)
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t t = 0; t < T; ++t) mask[b][t] = static_cast<bool>(real[b][t]);
  }
  LayerTrace trace;
  const torch::Tensor y = attention->forward(x, mask, &trace);  // (B,T,D)
  ASSERT_TRUE(torch::isfinite(y).all().item<bool>());
  ASSERT_TRUE(torch::isfinite(trace.weights).all().item<bool>());
  const auto got = y.accessor<double, 3>();
  const auto weights = trace.weights.accessor<double, 4>();  // (B,H,T,T)
  for (std::int64_t b = 0; b < B; ++b) {
    Matrix xb(T, std::vector<double>(D));
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t d = 0; d < D; ++d) xb[t][d] = x[b][t][d].item<double>();
    }
    const Reference want = reference(xb, real[b], *attention, c.heads);
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t d = 0; d < D; ++d) EXPECT_NEAR(got[b][t][d], want.output[t][d], 1e-12) << b << "," << t << "," << d;
    }
    for (std::int64_t h = 0; h < c.heads; ++h) {
      for (std::int64_t i = 0; i < T; ++i) {
        for (std::int64_t j = 0; j < T; ++j) EXPECT_NEAR(weights[b][h][i][j], want.weights[h][i][j], 1e-12) << b << "," << h;
      }
    }
  }
  // The empty row's output is the output projection's bias alone: a context of zeros.
  EXPECT_TRUE(torch::allclose(y[2], attention->output->bias.expand({T, D})));
}

}  // namespace
}  // namespace fastformer
