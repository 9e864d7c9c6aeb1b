// The Learn walk-through's trace against the layer's own trace and output, against the
// equations recomputed here with float64 loops, softmax attention against SoftmaxAttention,
// and the step counts against their formulas written out again and the benchmark's work.
#include "fastformer/learn_trace.h"

#include "bench/bench_work.h"
#include "fastformer/error.h"
#include "model/fastformer_attention.h"
#include "model/linear_attention.h"
#include "model/softmax_attention.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace fastformer {
namespace {

constexpr std::uint64_t kSeed = 11;
const char* const kSentence = "Fastformer reads each word once, not every pair of words.";

// Element (i, j) of a 2-D tensor, or (h, i, j) of a 3-D one, in double.
double at2(const at::Tensor& t, std::int64_t i, std::int64_t j) { return t[i][j].item<double>(); }

void expect_tensor_near(const at::Tensor& got, const std::vector<double>& want, const std::vector<std::int64_t>& shape,
                        double tol, const std::string& what) {
  ASSERT_EQ(got.sizes().vec(), shape) << what;
  const at::Tensor flat = got.to(at::kDouble).flatten().contiguous();
  ASSERT_EQ(flat.numel(), static_cast<std::int64_t>(want.size())) << what;
  const double* g = flat.data_ptr<double>();
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(g[i], want[i], tol) << what << " element " << i;
  }
}

TEST(LearnTrace, MatchesTheLayersOwnTraceAndOutput) {
  // The paper's layer (per-head scores, V = Q) and the official one (head-mixing, own V).
  for (const bool paper : {true, false}) {
    FastformerAttention layer{nullptr};
    if (paper) {
      layer = random_learn_layer(kSeed, 16, 2);
    } else {
      ModelConfig c = testing::tiny_config();
      c.hidden = 16, c.heads = 4, c.share_qv = false, c.score = ScoreKind::head_mixing, c.init_std = 0.3;
      torch::manual_seed(kSeed);
      layer = FastformerAttention(c);
      layer->eval();
    }
    const LearnInput input = random_learn_input(kSentence, 16, kSeed);
    const LearnTrace t = learn_trace(*layer, input);
    const std::int64_t N = t.tokens;
    ASSERT_EQ(N, 13);  // [CLS], 10 words, the comma and the full stop
    LayerTrace own;
    torch::NoGradGuard no_grad;
    const torch::Tensor mask = torch::ones({1, N}, torch::kBool);
    const torch::Tensor mixed = layer->mix(input.x, mask, &own);  // (1,N,D)
    EXPECT_TRUE(torch::allclose(t.step("alpha").tensor, own.alpha[0], 0, 1e-6));  // (H,N)
    EXPECT_TRUE(torch::allclose(t.step("beta").tensor, own.beta[0], 0, 1e-6));    // (H,N)
    EXPECT_TRUE(torch::allclose(t.step("q").tensor, own.global_query[0], 0, 1e-6));  // (H,Dh)
    EXPECT_TRUE(torch::allclose(t.step("k").tensor, own.global_key[0], 0, 1e-6));    // (H,Dh)
    EXPECT_TRUE(torch::allclose(t.step("A").tensor, mixed[0], 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(layer->output(t.step("A").tensor), layer->forward(input.x, mask)[0], 1e-5, 1e-5));
    // α and β weigh the tokens of each head: rows of non-negative weights that sum to 1.
    for (const char* name : {"alpha", "beta"}) {
      EXPECT_TRUE(torch::allclose(t.step(name).tensor.sum(1), torch::ones({t.heads}), 0, 1e-6)) << name;
    }
    EXPECT_EQ(t.share_qv, paper);
    if (paper) EXPECT_TRUE(torch::equal(t.step("V").tensor, t.step("Q").tensor));
  }
}

TEST(LearnTrace, StepsSatisfyTheEquationsInFloat64) {
  FastformerAttention layer = random_learn_layer(kSeed, 16, 2);
  const LearnInput input = random_learn_input(kSentence, 16, kSeed);
  const LearnTrace t = learn_trace(*layer, input);
  const std::int64_t N = t.tokens, D = 16, H = 2, Dh = 8;
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  const at::Tensor x = input.x[0];
  // Projections: Q_i = Wq x_i + bq, K likewise; V is Q (shared).
  const auto project = [&](const torch::nn::Linear& lin) {
    std::vector<double> y(static_cast<std::size_t>(N * D));
    for (std::int64_t i = 0; i < N; ++i)
      for (std::int64_t o = 0; o < D; ++o) {
        double s = lin->bias[o].item<double>();
        for (std::int64_t j = 0; j < D; ++j) s += at2(lin->weight, o, j) * at2(x, i, j);
        y[static_cast<std::size_t>(i * D + o)] = s;
      }
    return y;
  };
  const std::vector<double> Q = project(layer->query), K = project(layer->key);
  expect_tensor_near(t.step("Q").tensor, Q, {N, D}, 1e-5, "Q");
  expect_tensor_near(t.step("K").tensor, K, {N, D}, 1e-5, "K");
  const auto at_ = [&](const std::vector<double>& m, std::int64_t i, std::int64_t h, std::int64_t d) {
    return m[static_cast<std::size_t>(i * D + h * Dh + d)];
  };
  // Additive pooling of per-token states S with score vectors w: weights (H,N), global (H,Dh).
  const auto pool = [&](const std::vector<double>& S, const at::Tensor& w, std::vector<double>& weights,
                        std::vector<double>& global) {
    weights.assign(static_cast<std::size_t>(H * N), 0.0);
    global.assign(static_cast<std::size_t>(H * Dh), 0.0);
    for (std::int64_t h = 0; h < H; ++h) {
      std::vector<double> e(static_cast<std::size_t>(N));
      double mx = -1e300, sum = 0;
      for (std::int64_t i = 0; i < N; ++i) {
        double a = 0;
        for (std::int64_t d = 0; d < Dh; ++d) a += at2(w, h, d) * at_(S, i, h, d);
        e[static_cast<std::size_t>(i)] = a * scale;
        mx = std::max(mx, a * scale);
      }
      for (double& v : e) sum += v = std::exp(v - mx);
      for (std::int64_t i = 0; i < N; ++i) {
        const double wi = e[static_cast<std::size_t>(i)] / sum;
        weights[static_cast<std::size_t>(h * N + i)] = wi;
        for (std::int64_t d = 0; d < Dh; ++d) global[static_cast<std::size_t>(h * Dh + d)] += wi * at_(S, i, h, d);
      }
    }
  };
  // Eq. 3–4: α and q = Σ α_i Q_i.
  std::vector<double> alpha, q, beta, k;
  pool(Q, layer->query_score->weight, alpha, q);
  expect_tensor_near(t.step("alpha").tensor, alpha, {H, N}, 1e-6, "alpha");
  expect_tensor_near(t.step("q").tensor, q, {H, Dh}, 1e-6, "q");
  // P_i = q ⊙ K_i.
  std::vector<double> P(static_cast<std::size_t>(N * D));
  for (std::int64_t i = 0; i < N; ++i)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t d = 0; d < Dh; ++d) P[static_cast<std::size_t>(i * D + h * Dh + d)] = q[static_cast<std::size_t>(h * Dh + d)] * at_(K, i, h, d);
  expect_tensor_near(t.step("P").tensor, P, {N, D}, 1e-5, "P");
  // Eq. 5–6: β and k = Σ β_i P_i.
  pool(P, layer->key_score->weight, beta, k);
  expect_tensor_near(t.step("beta").tensor, beta, {H, N}, 1e-6, "beta");
  expect_tensor_near(t.step("k").tensor, k, {H, Dh}, 1e-6, "k");
  // U_i = k ⊙ V_i (V = Q), R = U Wr + br, A = R + Q.
  std::vector<double> U(static_cast<std::size_t>(N * D)), R(U.size()), A(U.size());
  for (std::int64_t i = 0; i < N; ++i)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t d = 0; d < Dh; ++d) U[static_cast<std::size_t>(i * D + h * Dh + d)] = k[static_cast<std::size_t>(h * Dh + d)] * at_(Q, i, h, d);
  for (std::int64_t i = 0; i < N; ++i)
    for (std::int64_t o = 0; o < D; ++o) {
      double s = layer->transform->bias[o].item<double>();
      for (std::int64_t j = 0; j < D; ++j) s += at2(layer->transform->weight, o, j) * U[static_cast<std::size_t>(i * D + j)];
      R[static_cast<std::size_t>(i * D + o)] = s;
      A[static_cast<std::size_t>(i * D + o)] = s + Q[static_cast<std::size_t>(i * D + o)];
    }
  expect_tensor_near(t.step("U").tensor, U, {N, D}, 1e-5, "U");
  expect_tensor_near(t.step("R").tensor, R, {N, D}, 1e-5, "R");
  expect_tensor_near(t.step("A").tensor, A, {N, D}, 1e-5, "A");

  // Softmax attention on the same Q, K, V: S = QKᵀ/√Dh per head; each row of its softmax sums to 1.
  std::vector<double> S(static_cast<std::size_t>(H * N * N));
  for (std::int64_t h = 0; h < H; ++h)
    for (std::int64_t i = 0; i < N; ++i)
      for (std::int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (std::int64_t d = 0; d < Dh; ++d) s += at_(Q, i, h, d) * at_(K, j, h, d);
        S[static_cast<std::size_t>((h * N + i) * N + j)] = s * scale;
      }
  expect_tensor_near(t.step("scores").tensor, S, {H, N, N}, 1e-5, "scores");
  const at::Tensor W = t.step("weights").tensor;
  EXPECT_TRUE(torch::allclose(W.sum(-1), torch::ones({H, N}), 0, 1e-6));
  EXPECT_GE(W.min().item<float>(), 0.0f);
}

TEST(LearnTrace, SoftmaxSideEqualsSoftmaxAttentionWithTheSameProjections) {
  FastformerAttention layer = random_learn_layer(kSeed, 16, 2);
  const LearnInput input = random_learn_input(kSentence, 16, kSeed);
  const LearnTrace t = learn_trace(*layer, input);
  ModelConfig c = testing::tiny_config(AttentionKind::softmax);
  c.hidden = 16, c.heads = 2;
  SoftmaxAttention softmax(c);
  torch::NoGradGuard no_grad;
  softmax->query->weight.copy_(layer->query->weight), softmax->query->bias.copy_(layer->query->bias);
  softmax->key->weight.copy_(layer->key->weight), softmax->key->bias.copy_(layer->key->bias);
  softmax->value->weight.copy_(layer->query->weight), softmax->value->bias.copy_(layer->query->bias);  // V = Q
  LayerTrace own;
  const torch::Tensor out = softmax->forward(input.x, torch::ones({1, t.tokens}, torch::kBool), &own);  // (1,N,D)
  EXPECT_TRUE(torch::allclose(t.step("weights").tensor, own.weights[0], 0, 1e-6));  // (H,N,N)
  EXPECT_TRUE(torch::allclose(softmax->output(t.step("O").tensor), out[0], 1e-5, 1e-5));
}

// The linear side: S, the normalisers and O from the trace's own Q and K (V = Q) in float64
// loops, and O equal to LinearAttention's forward with the same projections.
TEST(LearnTrace, LinearSideEqualsALoopAndLinearAttention) {
  FastformerAttention layer = random_learn_layer(kSeed, 16, 2);
  const LearnInput input = random_learn_input(kSentence, 16, kSeed);
  const LearnTrace t = learn_trace(*layer, input);
  const std::int64_t N = t.tokens, H = 2, Dh = 8;
  const at::Tensor Q = t.step("Q").tensor, K = t.step("K").tensor;  // (N,D); V = Q
  const auto phi = [](double x) { return x > 0 ? x + 1.0 : std::exp(x); };
  std::vector<double> S(static_cast<std::size_t>(H * Dh * Dh), 0.0), n(static_cast<std::size_t>(H * N), 0.0),
      O(static_cast<std::size_t>(N * H * Dh), 0.0);
  for (std::int64_t h = 0; h < H; ++h) {
    std::vector<double> z(static_cast<std::size_t>(Dh), 0.0);
    for (std::int64_t j = 0; j < N; ++j)
      for (std::int64_t d = 0; d < Dh; ++d) {
        const double k = phi(at2(K, j, h * Dh + d));
        z[static_cast<std::size_t>(d)] += k;
        for (std::int64_t e = 0; e < Dh; ++e) S[static_cast<std::size_t>((h * Dh + d) * Dh + e)] += k * at2(Q, j, h * Dh + e);
      }
    for (std::int64_t i = 0; i < N; ++i) {
      double norm = 0;
      for (std::int64_t d = 0; d < Dh; ++d) norm += phi(at2(Q, i, h * Dh + d)) * z[static_cast<std::size_t>(d)];
      n[static_cast<std::size_t>(h * N + i)] = norm;
      for (std::int64_t e = 0; e < Dh; ++e) {
        double num = 0;
        for (std::int64_t d = 0; d < Dh; ++d) num += phi(at2(Q, i, h * Dh + d)) * S[static_cast<std::size_t>((h * Dh + d) * Dh + e)];
        O[static_cast<std::size_t>(i * H * Dh + h * Dh + e)] = num / norm;
      }
    }
  }
  ASSERT_EQ(t.linear.size(), 3u);
  expect_tensor_near(t.linear[0].tensor, S, {H, Dh, Dh}, 1e-4, "S");
  expect_tensor_near(t.step("normalizer").tensor, n, {H, N}, 1e-4, "normalizer");
  expect_tensor_near(t.linear[2].tensor, O, {N, H * Dh}, 1e-5, "linear O");
  EXPECT_EQ(t.linear[2].count.multiply_adds, linear_costs(N, 16, 2).at("O").multiply_adds);

  ModelConfig c = testing::tiny_config(AttentionKind::linear);
  c.hidden = 16, c.heads = 2;
  LinearAttention linear(c);
  torch::NoGradGuard no_grad;
  linear->query->weight.copy_(layer->query->weight), linear->query->bias.copy_(layer->query->bias);
  linear->key->weight.copy_(layer->key->weight), linear->key->bias.copy_(layer->key->bias);
  linear->value->weight.copy_(layer->query->weight), linear->value->bias.copy_(layer->query->bias);  // V = Q
  LayerTrace own;
  const torch::Tensor out = linear->forward(input.x, torch::ones({1, N}, torch::kBool), &own);  // (1,N,D)
  EXPECT_TRUE(torch::allclose(linear->output(t.linear[2].tensor), out[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(t.step("normalizer").tensor, own.normalizer[0], 1e-5, 1e-5));  // (H,N)
}

TEST(LearnTrace, StepCountsAreTheLayersCostsAtItsLength) {
  FastformerAttention layer = random_learn_layer(kSeed, 16, 2);
  const LearnTrace t = learn_trace(*layer, random_learn_input(kSentence, 16, kSeed));
  const AttentionCosts additive = additive_costs(t.tokens, 16, 2, true);
  ASSERT_EQ(t.additive.size(), additive.steps.size());
  for (std::size_t i = 0; i < t.additive.size(); ++i) {
    EXPECT_EQ(t.additive[i].name, additive.steps[i].name);
    EXPECT_EQ(t.additive[i].count.multiply_adds, additive.steps[i].count.multiply_adds);
    EXPECT_EQ(t.additive[i].count.bytes, additive.steps[i].count.bytes);
  }
  EXPECT_EQ(t.step("scores").count.multiply_adds, softmax_costs(t.tokens, 16, 2).at("scores").multiply_adds);
  EXPECT_EQ(t.step("alpha").shape, "(H,N) = (2,13)");
  EXPECT_EQ(t.step("weights").shape, "(H,N,N) = (2,13,13)");
}

TEST(LearnTrace, RandomInputIsOneVectorPerWordAndSeed) {
  const LearnInput a = random_learn_input("the cat saw the dog", 8, 3), b = random_learn_input("the cat", 8, 3);
  ASSERT_EQ(a.pieces, (std::vector<std::string>{"[CLS]", "the", "cat", "saw", "the", "dog"}));
  EXPECT_EQ(a.x.sizes().vec(), (std::vector<std::int64_t>{1, 6, 8}));
  EXPECT_TRUE(torch::equal(a.x[0][1], a.x[0][4]));  // "the" twice
  EXPECT_TRUE(torch::equal(a.x[0][2], b.x[0][2]));  // "cat" in another sentence
  EXPECT_FALSE(torch::equal(a.x, random_learn_input("the cat saw the dog", 8, 4).x));
  EXPECT_EQ(random_learn_input("one two three four", 8, 3, 3).pieces.size(), 3u);
}

TEST(LearnTrace, ASoftmaxModelHasNoAdditiveLayer) {
  Model model(testing::tiny_config(AttentionKind::softmax));
  EXPECT_THROW(first_additive_layer(*model), Error);
  Model additive(testing::tiny_config());
  EXPECT_NE(first_additive_layer(*additive), nullptr);
}

// Per-step counts written out: products (multiply-adds), FLOPs (a multiply-add is 2, a
// softmax 5 per score) and float32 result bytes.
TEST(LearnCosts, EqualTheFormulas) {
  for (const auto [N, D, H] : {std::tuple<double, double, double>{7, 16, 2}, {128, 256, 16}, {1000, 64, 4}}) {
    const auto n = static_cast<std::int64_t>(N), d = static_cast<std::int64_t>(D), h = static_cast<std::int64_t>(H);
    const AttentionCosts a = additive_costs(n, d, h);
    const auto expect = [](const OpCount& c, double macs, double flops, double bytes, const std::string& what) {
      EXPECT_DOUBLE_EQ(c.multiply_adds, macs) << what;
      EXPECT_DOUBLE_EQ(c.flops, flops) << what;
      EXPECT_DOUBLE_EQ(c.bytes, bytes) << what;
    };
    for (const char* p : {"Q", "K", "V", "R"}) expect(a.at(p), N * D * D, 2 * N * D * D, 4 * N * D, p);
    for (const char* p : {"alpha", "beta"}) expect(a.at(p), N * D + 2 * N * H, 2 * N * D + 5 * N * H, 4 * N * H, p);
    for (const char* p : {"q", "k"}) expect(a.at(p), N * D, 2 * N * D, 4 * D, p);
    for (const char* p : {"P", "U"}) expect(a.at(p), N * D, N * D, 4 * N * D, p);
    expect(a.at("A"), 0, N * D, 4 * N * D, "A");
    expect(a.total, 4 * N * D * D + 6 * N * D + 4 * N * H, 8 * N * D * D + 11 * N * D + 10 * N * H,
           4 * (7 * N * D + 2 * N * H + 2 * D), "additive total");
    expect(additive_costs(n, d, h, true).total, 3 * N * D * D + 6 * N * D + 4 * N * H,
           6 * N * D * D + 11 * N * D + 10 * N * H, 4 * (6 * N * D + 2 * N * H + 2 * D), "additive, V = Q");
    expect(additive_costs(n, d, h, false, ScoreKind::head_mixing).at("alpha"), N * D * H + 2 * N * H,
           2 * N * D * H + 5 * N * H, 4 * N * H, "head-mixing alpha");

    const AttentionCosts s = softmax_costs(n, d, h);
    for (const char* p : {"Q", "K", "V", "Wo"}) expect(s.at(p), N * D * D, 2 * N * D * D, 4 * N * D, p);
    expect(s.at("scores"), N * N * D, 2 * N * N * D, 4 * H * N * N, "scores");
    expect(s.at("weights"), 2 * H * N * N, 5 * H * N * N, 4 * H * N * N, "weights");
    expect(s.at("O"), N * N * D, 2 * N * N * D, 4 * N * D, "O");
    expect(s.total, 4 * N * D * D + 2 * N * N * D + 2 * H * N * N, 8 * N * D * D + 4 * N * N * D + 5 * H * N * N,
           4 * (5 * N * D + 2 * H * N * N), "softmax total");

    // Tiled: the same arithmetic; one 32 × 512 tile of scores and a (H,N) log-sum-exp kept.
    const AttentionCosts t = softmax_tiled_costs(n, d, h);
    const double tile = std::min(N, 32.0) * std::min(N, 512.0);
    expect(t.at("scores"), N * N * D, 2 * N * N * D, 4 * tile, "tiled scores");
    expect(t.at("weights"), 2 * H * N * N, 5 * H * N * N, 4 * H * N, "tiled weights");
    expect(t.total, s.total.multiply_adds, s.total.flops, 4 * (5 * N * D + tile + H * N), "tiled total");

    const AttentionCosts l = linear_costs(n, d, h);
    const double Dh = D / H;
    for (const char* p : {"Q", "K", "V", "Wo"}) expect(l.at(p), N * D * D, 2 * N * D * D, 4 * N * D, p);
    expect(l.at("phi"), 0, 4 * N * D, 8 * N * D, "phi");
    expect(l.at("S"), N * D * Dh, 2 * N * D * Dh, 4 * D * Dh, "S");
    expect(l.at("z"), 0, N * D, 4 * D, "z");
    expect(l.at("numerator"), N * D * Dh, 2 * N * D * Dh, 4 * N * D, "numerator");
    expect(l.at("normalizer"), N * D, 2 * N * D, 4 * N * H, "normalizer");
    expect(l.at("O"), N * D, N * D, 4 * N * D, "O");
    expect(l.total, 4 * N * D * D + 2 * N * D * Dh + 2 * N * D, 8 * N * D * D + 4 * N * D * Dh + 8 * N * D,
           4 * (8 * N * D + D * Dh + D + N * H), "linear total");

    // The FLOPs are the benchmark's forward work of one layer (its reference layer has its own V).
    BenchConfig b;
    b.hidden = d, b.heads = h, b.scope = BenchScope::layer, b.pass = BenchPass::forward;
    EXPECT_DOUBLE_EQ(a.total.flops, bench_work(b, BenchKind::additive, n, 1).flops);
    EXPECT_DOUBLE_EQ(s.total.flops, bench_work(b, BenchKind::softmax_materialized, n, 1).flops);
    EXPECT_DOUBLE_EQ(t.total.flops, bench_work(b, BenchKind::softmax, n, 1).flops);
    EXPECT_DOUBLE_EQ(l.total.flops, bench_work(b, BenchKind::linear, n, 1).flops);
  }
}

TEST(LearnCosts, AdditiveGrowsLinearlySoftmaxScoresQuadratically) {
  for (const std::int64_t N : {16, 100, 4096}) {
    const AttentionCosts a1 = additive_costs(N, 64, 4), a2 = additive_costs(2 * N, 64, 4);
    EXPECT_DOUBLE_EQ(a2.total.multiply_adds, 2 * a1.total.multiply_adds);
    EXPECT_DOUBLE_EQ(a2.total.flops, 2 * a1.total.flops);
    const double global = 2 * 4 * 64;  // q and k: (H,Dh) each, whatever N is
    EXPECT_DOUBLE_EQ(a2.total.bytes - global, 2 * (a1.total.bytes - global));
    const AttentionCosts s1 = softmax_costs(N, 64, 4), s2 = softmax_costs(2 * N, 64, 4);
    for (const char* p : {"scores", "weights"}) {
      EXPECT_DOUBLE_EQ(s2.at(p).multiply_adds, 4 * s1.at(p).multiply_adds) << p;
      EXPECT_DOUBLE_EQ(s2.at(p).bytes, 4 * s1.at(p).bytes) << p;
    }
  }
  EXPECT_THROW(additive_costs(8, 10, 4), Error);
  EXPECT_THROW(softmax_costs(0, 16, 2), Error);
  EXPECT_THROW(linear_costs(8, 10, 4), Error);
  EXPECT_THROW(additive_costs(8, 16, 2).at("nope"), Error);
}

}  // namespace
}  // namespace fastformer
