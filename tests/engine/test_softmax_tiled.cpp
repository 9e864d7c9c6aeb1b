// The tiled softmax attention (kernels/softmax_core.h) against a float64 loop written here
// and against the materialised ATen path: outputs and all three gradients, on shapes that
// leave remainders in the row groups and the query and key blocks, padding with gaps, and a
// sequence without real keys (zeros, never NaN).
#include "kernels/softmax_core.h"

#include "fastformer/memory_estimate.h"
#include "model/softmax_attention.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace fastformer {
namespace {

struct Case {
  std::int64_t B, T, H, Dh;
};

// Q, K, V (B,T,H,Dh) as views of (B,T,D) tensors, as the attention's projections give them.
std::vector<torch::Tensor> inputs(const Case& c, torch::ScalarType type, std::uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> qkv;
  for (int i = 0; i < 3; ++i) {
    qkv.push_back((torch::randn({c.B, c.T, c.H * c.Dh}, type) * 1.5).view({c.B, c.T, c.H, c.Dh}).requires_grad_(true));
  }
  return qkv;
}

// Row 0 all real; row 1 with gaps and a padded tail; row 2 (when B > 2) no real key.
torch::Tensor gappy_mask(const Case& c) {
  torch::Tensor mask = torch::ones({c.B, c.T}, torch::kBool);
  if (c.B > 1) {
    for (std::int64_t t = 0; t < c.T; ++t) mask[1][t] = (t % 3 != 1) && t < c.T - c.T / 4;
  }
  if (c.B > 2) mask[2].fill_(false);
  return mask;
}

// out[b,i,h] = Σ_j w_ij V[b,j,h], w = softmax over real j of scale·Q_i·K_j, in float64 loops.
torch::Tensor loop_reference(const torch::Tensor& Q, const torch::Tensor& K, const torch::Tensor& V,
                             const torch::Tensor& mask, double scale) {
  const auto q = Q.to(torch::kDouble).contiguous(), k = K.to(torch::kDouble).contiguous(), v = V.to(torch::kDouble).contiguous();
  const auto qa = q.accessor<double, 4>(), ka = k.accessor<double, 4>(), va = v.accessor<double, 4>();
  const auto m = mask.accessor<bool, 2>();
  const std::int64_t B = Q.size(0), T = Q.size(1), H = Q.size(2), Dh = Q.size(3);
  torch::Tensor out = torch::zeros({B, T, H, Dh}, torch::kDouble);
  auto o = out.accessor<double, 4>();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i) {
        std::vector<double> s(static_cast<std::size_t>(T), -INFINITY);
        double top = -INFINITY;
        for (std::int64_t j = 0; j < T; ++j) {
          if (!m[b][j]) continue;
          double dot = 0;
          for (std::int64_t d = 0; d < Dh; ++d) dot += qa[b][i][h][d] * ka[b][j][h][d];
          s[static_cast<std::size_t>(j)] = dot * scale;
          top = std::max(top, dot * scale);
        }
        if (top == -INFINITY) continue;  // no real key: zeros
        double total = 0;
        for (std::int64_t j = 0; j < T; ++j) total += m[b][j] ? std::exp(s[static_cast<std::size_t>(j)] - top) : 0.0;
        for (std::int64_t j = 0; j < T; ++j) {
          if (!m[b][j]) continue;
          const double w = std::exp(s[static_cast<std::size_t>(j)] - top) / total;
          for (std::int64_t d = 0; d < Dh; ++d) o[b][i][h][d] += w * va[b][j][h][d];
        }
      }
  return out;
}

// The largest difference relative to the reference's largest value, or to 1 where that is
// smaller (with one key, dQ and dK are exactly 0 and rounding leaves ~1e-16).
double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  const torch::Tensor g = got.to(torch::kDouble), w = want.to(torch::kDouble);
  return ((g - w).abs().max() / w.abs().max().clamp_min(1.0)).item<double>();
}

class TiledSoftmax : public ::testing::TestWithParam<torch::ScalarType> {};

TEST_P(TiledSoftmax, EqualsTheLoopReferenceAndTheMaterialisedGradients) {
  const torch::ScalarType type = GetParam();
  const double tolerance = type == torch::kDouble ? 1e-10 : 1e-5;
  // Remainders of the 8-row groups, 32-row query blocks and 512-key blocks (T = 1, 33, 545,
  // and 1,100 with ~550 real keys in the gappy row), head sizes with kernels (16, 32, 64)
  // and without (8, 5).
  for (const Case c : {Case{3, 1, 2, 16}, Case{3, 33, 2, 8}, Case{3, 1100, 2, 16}, Case{2, 545, 1, 32}, Case{3, 70, 2, 64},
                       Case{2, 40, 2, 5}}) {
    SCOPED_TRACE("B=" + std::to_string(c.B) + " T=" + std::to_string(c.T) + " H=" + std::to_string(c.H) +
                 " Dh=" + std::to_string(c.Dh));
    const std::vector<torch::Tensor> t = inputs(c, type, 7 + static_cast<std::uint64_t>(c.T));
    const torch::Tensor mask = gappy_mask(c);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.Dh));
    ASSERT_TRUE(softmax_tiled_kernels_apply(t[0], t[1], t[2]));
    const torch::Tensor tiled = softmax_attention_tiled(t[0], t[1], t[2], mask, scale);  // (B,T,H,Dh)
    ASSERT_TRUE(torch::isfinite(tiled).all().item<bool>());
    EXPECT_LE(relative_error(tiled, loop_reference(t[0], t[1], t[2], mask, scale)), tolerance);
    if (c.B > 2) EXPECT_TRUE(torch::equal(tiled[2], torch::zeros_like(tiled[2])));

    // Gradients of Σ out ⊙ G against the materialised path's autograd.
    const torch::Tensor G = torch::randn(tiled.sizes(), tiled.options());
    const auto grads = [&](const torch::Tensor& out) { return torch::autograd::grad({(out * G).sum()}, {t[0], t[1], t[2]}); };
    const auto got = grads(tiled);
    const auto want = grads(softmax_attention_materialized(t[0], t[1], t[2], mask, scale));
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(torch::isfinite(got[i]).all().item<bool>()) << "gradient " << i;
      EXPECT_LE(relative_error(got[i], want[i]), tolerance) << "gradient " << "QKV"[i];
    }
    // Padded keys get no key or value gradient.
    const torch::Tensor padded = mask.logical_not().view({c.B, c.T, 1, 1});
    EXPECT_EQ((got[1] * padded).abs().max().item<double>(), 0.0);
    EXPECT_EQ((got[2] * padded).abs().max().item<double>(), 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Types, TiledSoftmax, ::testing::Values(torch::kDouble, torch::kFloat),
                         [](const auto& info) { return info.param == torch::kDouble ? "float64" : "float32"; });

// Central differences of Σ out ⊙ G in float64: the gradient formulas of the backward, checked
// without any other implementation.
TEST(TiledSoftmax, GradientsMatchFiniteDifferences) {
  const Case c{2, 37, 2, 16};
  const std::vector<torch::Tensor> t = inputs(c, torch::kDouble, 3);
  const torch::Tensor mask = gappy_mask(c);
  const torch::Tensor G = torch::randn({c.B, c.T, c.H, c.Dh}, torch::kDouble);
  const auto f = [&](const std::vector<torch::Tensor>& x) {
    torch::NoGradGuard no_grad;
    return (softmax_attention_tiled(x[0], x[1], x[2], mask, 0.25) * G).sum().item<double>();
  };
  const auto g = torch::autograd::grad({(softmax_attention_tiled(t[0], t[1], t[2], mask, 0.25) * G).sum()}, {t[0], t[1], t[2]});
  const double h = 1e-6;
  for (std::size_t which = 0; which < 3; ++which) {
    for (const std::int64_t flat : {0L, 130L, 601L, 1183L}) {  // elements in both rows and heads
      std::vector<torch::Tensor> plus, minus;
      for (std::size_t i = 0; i < 3; ++i) {
        plus.push_back(t[i].detach().clone());
        minus.push_back(t[i].detach().clone());
      }
      plus[which].view({-1})[flat] += h;
      minus[which].view({-1})[flat] -= h;
      const double numeric = (f(plus) - f(minus)) / (2 * h);
      const double analytic = g[which].reshape({-1})[flat].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "QKV"[which] << " element " << flat;
    }
  }
}

// The model option: softmax_impl=tiled and =materialized give the same logits and weight
// gradients; a trace takes the materialised path and still fills the weights.
TEST(TiledSoftmax, ModelImplementationsAgree) {
  ModelConfig c = testing::tiny_config(AttentionKind::softmax);
  c.max_len = 300;
  const torch::Tensor ids = testing::random_ids(3, 300, c.vocab_size, 9);
  torch::Tensor mask = torch::ones({3, 300}, torch::kBool);
  mask[1].slice(0, 120, 300).fill_(false);
  std::vector<std::vector<torch::Tensor>> grads;
  std::vector<torch::Tensor> logits;
  for (const SoftmaxImpl impl : {SoftmaxImpl::tiled, SoftmaxImpl::materialized}) {
    c.softmax_impl = impl;
    torch::manual_seed(5);
    Model model(c);
    model->to(torch::kDouble);
    const torch::Tensor out = model->forward(ids, mask).logits;
    std::vector<torch::Tensor> params;
    for (const auto& p : model->parameters()) params.push_back(p);
    grads.push_back(torch::autograd::grad({out.sum()}, params));
    logits.push_back(out.detach());
    TraceRequest traced;
    traced.enabled = true;
    const ModelOutput with_trace = model->forward(ids, mask, traced);
    EXPECT_EQ(with_trace.trace->layers[0].weights.size(-1), 300);
    EXPECT_TRUE(torch::allclose(with_trace.logits, out, 1e-10, 1e-12));
  }
  EXPECT_TRUE(torch::allclose(logits[0], logits[1], 1e-10, 1e-12));
  for (std::size_t i = 0; i < grads[0].size(); ++i) EXPECT_TRUE(torch::allclose(grads[0][i], grads[1][i], 1e-9, 1e-12)) << i;
}

// The memory guard's estimate follows the implementation: linear in T when tiled, quadratic
// when materialised (the (B,H,T,T) scores and weights).
TEST(TiledSoftmax, ActivationEstimateIsLinearWhenTiled) {
  ModelConfig c = preset("paper");
  c.attention = AttentionKind::softmax;
  const auto growth = [&](SoftmaxImpl impl, bool training) {
    c.softmax_impl = impl;
    return static_cast<double>(estimate_activation_bytes(c, 4, 16384, training)) /
           static_cast<double>(estimate_activation_bytes(c, 4, 8192, training));
  };
  for (const bool training : {false, true}) {
    EXPECT_NEAR(growth(SoftmaxImpl::tiled, training), 2.0, 1e-9);
    EXPECT_GT(growth(SoftmaxImpl::materialized, training), 3.5);
  }
}

}  // namespace
}  // namespace fastformer
