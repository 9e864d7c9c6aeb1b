// Explanations: gradients against central finite differences on float64 models, Integrated
// Gradients' completeness, occlusion against masking by hand, and fastformer::explain on a
// saved checkpoint over several windows (against inspect() and occlude()).
#include "explain/attribution.h"
#include "explain/occlusion.h"
#include "fastformer/error.h"
#include "fastformer/explain.h"
#include "fastformer/tokenizer.h"
#include "inspect_fixture.h"
#include "model/embeddings.h"
#include "model/encoder_layer.h"
#include "model/fastformer_attention.h"
#include "model/head_score.h"
#include "test_helpers.h"
#include "window_batch_fixture.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace fastformer {
namespace {

using testing::tiny_config;
using testing::two_windows;

Model float64_model(AttentionKind kind) { return testing::float64_model(tiny_config(kind)); }

class Gradients : public ::testing::TestWithParam<AttentionKind> {};

TEST_P(Gradients, MatchCentralDifferencesInFloat64) {
  Model model = float64_model(GetParam());
  const WindowBatch batch = two_windows(model->config().vocab_size);
  constexpr std::int64_t target = 1;
  const TokenGradients g = token_gradients(model, batch, target);
  const torch::Tensor x = token_vectors(model, batch);  // (W,T,D)
  const std::int64_t N = batch.tokens, D = x.size(2);
  ASSERT_EQ(g.gradient.sizes(), (std::vector<std::int64_t>{N, D}));

  // ∂f/∂x_i,d by central differences, moving every copy of token i together.
  constexpr double h = 1e-5;
  std::vector<std::vector<double>> fd(N, std::vector<double>(D));
  double largest = 0;
  for (std::int64_t i = 0; i < N; ++i) {
    const torch::Tensor copies = batch.token.eq(i);  // (W,T)
    for (std::int64_t d = 0; d < D; ++d) {
      torch::Tensor up = x.clone(), down = x.clone();
      up.select(2, d).add_(copies.to(torch::kDouble) * h);
      down.select(2, d).sub_(copies.to(torch::kDouble) * h);
      fd[i][d] = (target_logit(model, batch, up, target) - target_logit(model, batch, down, target)) / (2 * h);
      largest = std::max(largest, std::abs(fd[i][d]));
    }
  }
  ASSERT_GT(largest, 1e-3);
  const auto grad = g.gradient.accessor<double, 2>();
  const auto input = g.input.accessor<double, 2>();
  const torch::Tensor norm = g.norm(), times_input = g.times_input();
  for (std::int64_t i = 0; i < N; ++i) {
    double norm2 = 0, dot = 0;
    for (std::int64_t d = 0; d < D; ++d) {
      EXPECT_NEAR(grad[i][d], fd[i][d], 1e-6 * largest) << "token " << i << ", dimension " << d;
      norm2 += fd[i][d] * fd[i][d];
      dot += fd[i][d] * input[i][d];
    }
    EXPECT_NEAR(norm[i].item<double>(), std::sqrt(norm2), 1e-6 * largest) << "token " << i;
    EXPECT_NEAR(times_input[i].item<double>(), dot, 1e-5 * largest) << "token " << i;
  }
  // The token's vector is the table's row for its id.
  const torch::Tensor table = model->embeddings->token->weight;
  for (std::int64_t i = 0; i < N; ++i) {
    const torch::Tensor at = batch.token.eq(i).nonzero()[0];  // (2): a window and position holding token i
    const std::int64_t id = batch.ids[at[0].item<std::int64_t>()][at[1].item<std::int64_t>()].item<std::int64_t>();
    EXPECT_TRUE(torch::equal(g.input[i], table[id])) << "token " << i;
  }
  for (const auto& p : model->parameters()) EXPECT_FALSE(p.grad().defined()) << "a weight got a gradient";
}

INSTANTIATE_TEST_SUITE_P(BothAttentions, Gradients, ::testing::Values(AttentionKind::additive, AttentionKind::softmax),
                         [](const auto& info) { return to_string(info.param); });

TEST(IntegratedGradients, AreCompleteAndConvergeWithSteps) {
  Model model = float64_model(AttentionKind::additive);
  const WindowBatch batch = two_windows(model->config().vocab_size);
  // f(x) − f(baseline), the baseline written here: the padding row at every position.
  const torch::Tensor x = token_vectors(model, batch);
  const torch::Tensor b = model->embeddings->token->weight[kPadId].detach().expand_as(x).contiguous();
  for (const std::int64_t target : {0, 2}) {
    const double delta = target_logit(model, batch, x, target) - target_logit(model, batch, b, target);
    ASSERT_GT(std::abs(delta), 1e-3);
    std::vector<double> gaps;
    for (const std::int64_t steps : {8, 32, 128}) {
      const IntegratedGradients ig = integrated_gradients(model, batch, target, steps);
      EXPECT_NEAR(ig.delta, delta, 1e-12);
      EXPECT_EQ(ig.scores.size(0), batch.tokens);
      EXPECT_NEAR(ig.gap, std::abs(ig.scores.sum().item<double>() - delta) / std::abs(delta), 1e-12);
      gaps.push_back(ig.gap);
    }
    EXPECT_GT(gaps[0], gaps[1]) << "target " << target;
    EXPECT_GT(gaps[1], gaps[2]) << "target " << target;
    EXPECT_LE(integrated_gradients(model, batch, target, 64).gap, 0.01) << "target " << target;
  }
  EXPECT_THROW(integrated_gradients(model, batch, 0, 0), Error);
}

TEST(Occlusion, EqualsMaskingByHand) {
  Model model = float64_model(AttentionKind::additive);
  const WindowBatch batch = two_windows(model->config().vocab_size);
  constexpr std::int64_t target = 2;
  const torch::Tensor base = window_logits(model, batch);  // (W,C)
  const std::vector<std::pair<std::int64_t, std::int64_t>> spans{{2, 4}, {5, 6}, {4, 5}, {0, 9}, {20, 25}};
  const torch::Tensor p = occluded_probabilities(model, batch, base, target, spans);
  ASSERT_EQ(p.size(0), static_cast<std::int64_t>(spans.size()));
  for (std::size_t s = 0; s < spans.size(); ++s) {
    WindowBatch hidden = batch;
    hidden.mask = batch.mask & (batch.token.ge(spans[s].first) & batch.token.lt(spans[s].second)).logical_not();
    const double want = document_probabilities(window_logits(model, hidden))[target].item<double>();
    EXPECT_NEAR(p[static_cast<std::int64_t>(s)].item<double>(), want, 1e-12) << "span " << s;
  }
  const double original = document_probabilities(base)[target].item<double>();
  EXPECT_NEAR(p[4].item<double>(), original, 1e-12);  // a span with no token changes nothing
  EXPECT_NE(p[0].item<double>(), original);
  WindowBatch nothing = batch;
  nothing.mask = torch::zeros_like(batch.mask);  // every token masked: the all-padding prediction
  EXPECT_NEAR(p[3].item<double>(), document_probabilities(window_logits(model, nothing))[target].item<double>(), 1e-12);
}

class Explain : public testing::InspectFixture {};

TEST_F(Explain, ScoresEveryTokenOverSeveralWindowsAsInspectAndOccludeSeeThem) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  const std::string text = long_text(40);
  ExplainOptions options;
  options.windows.overlap = 3;
  const Explanation e = explain(model, text, all_attribution_methods(), options);
  InspectOptions windows;
  windows.overlap = 3;
  const Inspection in = inspect(model, text, windows);
  ASSERT_EQ(e.tokens.size(), in.tokens.size());
  EXPECT_EQ(e.windows, static_cast<std::int64_t>(in.windows.size()));
  EXPECT_GT(e.windows, 3);
  EXPECT_EQ(e.target, in.predicted);
  for (std::size_t c = 0; c < e.probabilities.size(); ++c) EXPECT_NEAR(e.probabilities[c], in.probabilities[c], 1e-6);
  ASSERT_EQ(e.attributions.size(), all_attribution_methods().size());
  for (const Attribution& a : e.attributions) {
    EXPECT_EQ(a.scores.size(), in.tokens.size()) << to_string(a.method);
    EXPECT_GE(a.seconds, 0.0);
  }
  EXPECT_FALSE(e.find(AttributionMethod::gradient)->is_signed);
  // α and β: each token's weight from its owner window × that window's token count, averaged
  // over heads and layers, from the inspection's raw arrays.
  for (const auto [method, raw] : {std::pair{AttributionMethod::alpha, &in.alpha}, {AttributionMethod::beta, &in.beta}}) {
    const Attribution& w = *e.find(method);
    EXPECT_FALSE(w.is_signed);
    const std::int64_t N = in.size(), H = in.heads, L = in.layers;
    for (std::int64_t i = 0; i < N; ++i) {
      const TokenWindow& owner = in.windows[static_cast<std::size_t>(in.owner[static_cast<std::size_t>(i)])];
      double sum = 0;
      for (std::int64_t l = 0; l < L; ++l)
        for (std::int64_t h = 0; h < H; ++h) sum += (*raw)[static_cast<std::size_t>((l * H + h) * N + i)];
      const double want = sum / static_cast<double>(L * H) * static_cast<double>(owner.last - owner.first + 1);
      EXPECT_NEAR(w.scores[static_cast<std::size_t>(i)], want, 1e-5 * std::max(1.0, want)) << to_string(method) << " " << i;
    }
  }
  const Attribution& ig = *e.find(AttributionMethod::integrated_gradients);
  EXPECT_LE(ig.completeness_gap, 0.02) << "delta " << ig.delta;  // float32, windows added up

  // Occlusion: spans of 16 tokens after [CLS]; each span's score is p − p(span masked),
  // which occlude() (inspect.cpp) computes on its own.
  const Attribution& occ = *e.find(AttributionMethod::occlusion);
  EXPECT_EQ(occ.span, 16);
  EXPECT_EQ(occ.scores[0], 0.0f);
  const float p = e.probabilities[static_cast<std::size_t>(e.target)];
  for (const auto [first, last] : {std::pair<std::int64_t, std::int64_t>{1, 17}, {17, 33}, {33, 41}}) {
    const float want = p - occlude(model, text, first, last, windows)[static_cast<std::size_t>(e.target)];
    for (std::int64_t i = first; i < last; ++i) EXPECT_NEAR(occ.scores[static_cast<std::size_t>(i)], want, 1e-5) << i;
  }

  const nlohmann::json j = explanation_json(e);
  EXPECT_EQ(j.at("tokens").size(), in.tokens.size());
  EXPECT_EQ(j.at("methods").at("occlusion").at("span"), 16);
  EXPECT_EQ(j.at("methods").at("integrated_gradients").at("scores").size(), in.tokens.size());
}

// The ablation table: [L][H] per head, then per layer; each entry p(ablated) − p, checked
// here for one head against the same checkpoint with that head's score weights zeroed.
TEST_F(Explain, AblationTableMatchesZeroedScoreWeights) {
  ModelConfig c = testing::tiny_config(AttentionKind::additive);
  c.share_layers = false;
  const TrainedModel model = make_model(dir_ / "a", AttentionKind::additive, 12, c);
  const TrainedModel zeroed = make_model(dir_ / "z", AttentionKind::additive, 12, c);  // the same seed
  // Weights of std 0.5 in both (same seed), so that the heads matter; then one head zeroed.
  for (const TrainedModel* m : {&model, &zeroed}) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(3);
    for (auto& w : Model(m->checkpoint.model)->parameters())
      if (w.dim() == 2) w.normal_(0.0, 0.5);
  }
  {
    torch::NoGradGuard no_grad;
    Model net = zeroed.checkpoint.model;
    net->layers[1]->as<EncoderLayerImpl>()->additive->key_score->weight[0].mul_(0.0);
  }
  const std::string text = long_text(30);
  ExplainOptions options;
  options.ablation = true;
  const Explanation e = explain(model, text, {}, options);
  const PoolingAblations& a = e.ablation;
  ASSERT_EQ(a.layers, 2);
  ASSERT_EQ(a.heads, 2);
  ASSERT_EQ(a.alpha_head.size(), 4u);
  ASSERT_EQ(a.beta_layer.size(), 2u);
  const double p = e.probabilities[static_cast<std::size_t>(e.target)];
  const double want = explain(zeroed, text, {}).probabilities[static_cast<std::size_t>(e.target)] - p;
  EXPECT_NEAR(a.beta_head[1 * 2 + 0], want, 1e-5);
  EXPECT_GT(std::abs(want), 1e-3);  // the head matters in this model
  // A softmax checkpoint has nothing to ablate.
  const TrainedModel softmax = make_model(dir_ / "s", AttentionKind::softmax, 12);
  EXPECT_THROW(explain(softmax, text, {}, options), Error);
}

TEST_F(Explain, ExplainsAnyClassAndRefusesWhatDoesNotExist) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::softmax, 16);
  ExplainOptions options;
  options.target = 2;
  const Explanation e = explain(model, "the cat sat on the mat", {AttributionMethod::occlusion}, options);
  EXPECT_EQ(e.target, 2);
  EXPECT_EQ(e.find(AttributionMethod::occlusion)->span, 1);  // one window: token by token
  EXPECT_EQ(e.find(AttributionMethod::gradient), nullptr);
  // A softmax Transformer has no α or β: not offered, and a clear error when asked for.
  const auto offered = available_attribution_methods(model.checkpoint.contents.config);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), AttributionMethod::alpha), 0);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), AttributionMethod::gamma), 1);
  EXPECT_EQ(offered.size(), all_attribution_methods().size() - 2);
  try {
    explain(model, "the cat", {AttributionMethod::beta});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("additive"), std::string::npos) << error.what();
  }
  options.target = 3;
  EXPECT_THROW(explain(model, "the cat", {AttributionMethod::gradient}, options), Error);
  try {
    attribution_method_from_string("saliency");
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("integrated_gradients"), std::string::npos) << error.what();
  }
  for (const AttributionMethod m : all_attribution_methods()) EXPECT_EQ(attribution_method_from_string(to_string(m)), m);
}

}  // namespace
}  // namespace fastformer
