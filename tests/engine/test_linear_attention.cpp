// Linear attention (model/linear_attention.h) against a float64 loop written here: outputs
// of the fused kernels and of the ATen path with padding and a sequence without real keys,
// the kernels against the ATen path with all gradients, gradients against finite differences, the
// traced normalisers and implicit weights, and its parameter names.
#include "model/linear_attention.h"

#include "kernels/linear_core.h"

#include "fastformer/model.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <algorithm>
#include <vector>

namespace fastformer {
namespace {

ModelConfig small_config(std::int64_t hidden = 12, std::int64_t heads = 3) {
  ModelConfig c = preset("paper");
  c.attention = AttentionKind::linear;
  c.hidden = hidden;
  c.heads = heads;
  c.ffn = 2 * hidden;
  c.layers = 2;
  c.max_len = 32;
  c.vocab_size = 40;
  c.dropout = 0.0;
  return c;
}

// Row 0 all real; row 1 with gaps and a padded tail; row 2 without a real token.
torch::Tensor gappy_mask(std::int64_t B, std::int64_t T) {
  torch::Tensor mask = torch::ones({B, T}, torch::kBool);
  for (std::int64_t t = 0; t < T; ++t) mask[1][t] = t % 3 != 1 && t < T - 2;
  mask[2].fill_(false);
  return mask;
}

double phi(double x) { return x > 0 ? x + 1.0 : std::exp(x); }  // elu(x) + 1

struct LoopResult {
  torch::Tensor context;     // (B,T,H,Dh) before the output projection
  torch::Tensor normalizer;  // (B,H,T)
  torch::Tensor weights;     // (B,H,T,T)
};

// The attention's context from its own projections, in float64 loops:
// o_i = Σ_j φ(q_i)·φ(k_j) v_j / Σ_j φ(q_i)·φ(k_j) over the real j (0 without one).
LoopResult loop_reference(LinearAttentionImpl& a, const torch::Tensor& x, const torch::Tensor& mask, std::int64_t H) {
  torch::NoGradGuard no_grad;
  const std::int64_t B = x.size(0), T = x.size(1), D = x.size(2), Dh = D / H;
  const auto project = [&](torch::nn::Linear& l) {
    return (x.to(torch::kDouble).matmul(l->weight.to(torch::kDouble).t()) + l->bias.to(torch::kDouble)).contiguous();
  };
  const torch::Tensor q = project(a.query), k = project(a.key), v = project(a.value);  // (B,T,D)
  const auto qa = q.accessor<double, 3>(), ka = k.accessor<double, 3>(), va = v.accessor<double, 3>();
  const auto m = mask.accessor<bool, 2>();
  LoopResult r{torch::zeros({B, T, H, Dh}, torch::kDouble), torch::zeros({B, H, T}, torch::kDouble),
               torch::zeros({B, H, T, T}, torch::kDouble)};
  auto o = r.context.accessor<double, 4>();
  auto z = r.normalizer.accessor<double, 3>();
  auto w = r.weights.accessor<double, 4>();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < T; ++i) {
        std::vector<double> dots(static_cast<std::size_t>(T), 0.0);
        double sum = 0;
        for (std::int64_t j = 0; j < T; ++j) {
          if (!m[b][j]) continue;
          double dot = 0;
          for (std::int64_t e = 0; e < Dh; ++e) dot += phi(qa[b][i][h * Dh + e]) * phi(ka[b][j][h * Dh + e]);
          dots[static_cast<std::size_t>(j)] = dot;
          sum += dot;
        }
        z[b][h][i] = sum;
        if (sum == 0) continue;
        for (std::int64_t j = 0; j < T; ++j) {
          const double weight = dots[static_cast<std::size_t>(j)] / sum;
          w[b][h][i][j] = weight;
          for (std::int64_t e = 0; e < Dh; ++e) o[b][i][h][e] += weight * va[b][j][h * Dh + e];
        }
      }
  return r;
}

TEST(LinearAttention, EqualsTheLoopWithPaddingAndAnEmptyRow) {
  for (const auto type : {torch::kDouble, torch::kFloat}) {
    torch::manual_seed(5);
    const ModelConfig c = small_config();
    LinearAttention attention(c);
    attention->to(type);
    for (auto& p : attention->parameters()) p.data().normal_(0.0, 0.4);
    const std::int64_t B = 3, T = 11;
    const torch::Tensor x = torch::randn({B, T, c.hidden}, type);  // (B,T,D)
    const torch::Tensor mask = gappy_mask(B, T);
    LayerTrace trace;
    const torch::Tensor out = attention->forward(x, mask);                 // (B,T,D) the fused kernels
    const torch::Tensor traced = attention->forward(x, mask, &trace);      // (B,T,D) the ATen path
    const LoopResult want = loop_reference(*attention, x, mask, c.heads);
    const torch::Tensor want_out = torch::nn::functional::linear(
        want.context.reshape({B, T, c.hidden}), attention->output->weight.to(torch::kDouble),
        attention->output->bias.to(torch::kDouble));
    const double tol = type == torch::kDouble ? 1e-10 : 1e-5;
    EXPECT_TRUE(torch::allclose(out.to(torch::kDouble), want_out, tol, tol)) << "dtype " << type;
    EXPECT_TRUE(torch::allclose(traced.to(torch::kDouble), want_out, tol, tol)) << "dtype " << type;
    // A sequence without real keys: context 0, so the output is the projection's bias.
    EXPECT_TRUE(torch::allclose(out[2].to(torch::kDouble), attention->output->bias.to(torch::kDouble).expand({T, c.hidden}),
                                tol, tol));
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
    ASSERT_TRUE(trace.normalizer.defined());
    EXPECT_TRUE(torch::allclose(trace.normalizer.to(torch::kDouble), want.normalizer, tol, tol));
    ASSERT_TRUE(trace.weights.defined());
    EXPECT_TRUE(torch::allclose(trace.weights.to(torch::kDouble), want.weights, tol, tol));
    // The implicit weights of a real query sum to 1 over the keys and are 0 on padded keys.
    const torch::Tensor sums = trace.weights.sum(-1).to(torch::kDouble);  // (B,H,T)
    EXPECT_NEAR(sums[0].min().item<double>(), 1.0, tol);
    EXPECT_NEAR(sums[1].max().item<double>(), 1.0, tol);
    EXPECT_EQ(trace.weights[1].select(2, 1).abs().max().item<double>(), 0.0);  // key 1 is padding
  }
}

// The fused kernels against the ATen path on (B,T,H,Dh) views of (B,T,D) tensors: outputs,
// normalisers and the three gradients, for head sizes of the vector path (16, 32; 8 in
// float64) and of the plain loops (12, 5), with padding and a sequence without real keys.
TEST(LinearAttention, FusedKernelsEqualTheAtenPath) {
  struct Case {
    std::int64_t T, H, Dh;
    torch::ScalarType type;
  };
  for (const Case c : {Case{37, 4, 16, torch::kFloat}, Case{19, 2, 32, torch::kFloat}, Case{23, 3, 12, torch::kFloat},
                       Case{21, 2, 8, torch::kDouble}, Case{17, 3, 5, torch::kDouble}, Case{33, 2, 16, torch::kDouble}}) {
    torch::manual_seed(c.T);
    const std::int64_t B = 3, D = c.H * c.Dh;
    const auto make = [&] {
      return (torch::randn({B, c.T, D}, c.type) * 1.5).view({B, c.T, c.H, c.Dh}).requires_grad_(true);  // (B,T,H,Dh)
    };
    const torch::Tensor Q = make(), K = make(), V = make();
    const torch::Tensor mask = gappy_mask(B, c.T);
    const torch::Tensor probe = torch::randn({B, c.T, c.H, c.Dh}, c.type);
    ASSERT_TRUE(linear_core_kernels_apply(Q, K, V));
    const LinearCoreOutput fused = linear_attention_fused(Q, K, V, mask);
    const auto fused_grads = torch::autograd::grad({(fused.context * probe).sum()}, {Q, K, V});
    const LinearCoreOutput aten = linear_attention_aten(Q, K, V, mask);
    const auto aten_grads = torch::autograd::grad({(aten.context * probe).sum()}, {Q, K, V});
    const double tol = c.type == torch::kDouble ? 1e-10 : 1e-5;
    const std::string what = "T=" + std::to_string(c.T) + " Dh=" + std::to_string(c.Dh);
    EXPECT_TRUE(torch::allclose(fused.context, aten.context, tol, tol)) << what;
    EXPECT_TRUE(torch::allclose(fused.normalizer, aten.normalizer, tol, tol)) << what;
    EXPECT_EQ(fused.context[2].abs().max().item<double>(), 0.0) << what;  // no real key
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(torch::allclose(fused_grads[i], aten_grads[i], tol, tol)) << what << " gradient " << "QKV"[i];
    }
    // Padded keys get no gradient (key 1 of sequence 1 is padding).
    EXPECT_EQ(fused_grads[1][1][1].abs().max().item<double>(), 0.0) << what;
    EXPECT_EQ(fused_grads[2][1][1].abs().max().item<double>(), 0.0) << what;
  }
}

TEST(LinearAttention, NoImplicitWeightsAboveTheTraceLimit) {
  const ModelConfig c = small_config();
  LinearAttention attention(c);
  const torch::Tensor x = torch::randn({1, 20, c.hidden});
  LayerTrace trace;
  attention->forward(x, torch::ones({1, 20}, torch::kBool), &trace, /*max_trace_values=*/c.heads * 20 * 20 - 1);
  EXPECT_TRUE(trace.normalizer.defined());
  EXPECT_FALSE(trace.weights.defined());
}

TEST(LinearAttention, GradientsMatchFiniteDifferences) {
  torch::manual_seed(9);
  const ModelConfig c = small_config(8, 2);
  LinearAttention attention(c);
  attention->to(torch::kDouble);
  const std::int64_t B = 3, T = 7;
  const torch::Tensor x = torch::randn({B, T, c.hidden}, torch::kDouble).requires_grad_(true);
  const torch::Tensor mask = gappy_mask(B, T);
  const torch::Tensor probe = torch::randn({B, T, c.hidden}, torch::kDouble);
  const auto loss = [&] { return (attention->forward(x, mask) * probe).sum(); };
  loss().backward();
  // Central differences on the input and on one weight of each projection.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> checks{{x, x.grad().clone()}};
  for (auto* l : {&attention->query, &attention->key, &attention->value}) checks.emplace_back((*l)->weight, (*l)->weight.grad().clone());
  for (auto& [param, grad] : checks) {
    const torch::Tensor flat = param.detach().view(-1), g = grad.view(-1);
    for (const std::int64_t at : {std::int64_t{0}, flat.numel() / 2, flat.numel() - 1}) {
      torch::NoGradGuard no_grad;
      const double eps = 1e-6, keep = flat[at].item<double>();
      flat[at] = keep + eps;
      const double up = loss().item<double>();
      flat[at] = keep - eps;
      const double down = loss().item<double>();
      flat[at] = keep;
      EXPECT_NEAR(g[at].item<double>(), (up - down) / (2 * eps), 1e-6) << "element " << at;
    }
  }
}

TEST(LinearAttention, AModelNamesItsParametersAsTheOtherKinds) {
  Model model(small_config());
  const auto names = model->named_parameters().keys();
  for (const char* want : {"layers.0.attention.query.weight", "layers.0.attention.key.bias",
                           "layers.0.attention.value.weight", "layers.0.attention.output.weight"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  EXPECT_EQ(names.size(), Model([] {
                            ModelConfig softmax = small_config();
                            softmax.attention = AttentionKind::softmax;
                            return softmax;
                          }())
                              ->named_parameters()
                              .size());
}

}  // namespace
}  // namespace fastformer
