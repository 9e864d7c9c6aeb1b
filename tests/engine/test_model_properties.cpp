// Properties every variant must have: padding is invisible, an all-padding row is finite,
// additive attention is permutation-equivariant, gradients are finite and match finite
// differences, and parameter counts follow the documented formulas.
#include "fastformer/error.h"
#include "fastformer/model.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace fastformer {
namespace {

using testing::random_ids;
using testing::tiny_config;
using testing::traced;

struct Variant {
  const char* name;
  ModelConfig config;
};

std::vector<Variant> variants() {
  std::vector<Variant> out;
  out.push_back({"paper", tiny_config()});
  ModelConfig official = tiny_config();
  official.score = ScoreKind::head_mixing;
  official.share_layers = false;
  out.push_back({"official", official});
  ModelConfig separate_v = tiny_config();
  separate_v.share_qv = false;
  out.push_back({"separate_value", separate_v});
  ModelConfig pre = tiny_config();
  pre.norm = NormPlacement::pre;
  out.push_back({"pre_ln", pre});
  out.push_back({"softmax", tiny_config(AttentionKind::softmax)});
  return out;
}

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class ModelVariantTest : public ::testing::TestWithParam<Variant> {};

INSTANTIATE_TEST_SUITE_P(AllVariants, ModelVariantTest, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(ModelVariantTest, AppendingPaddingChangesNothingReal) {
  torch::manual_seed(1);
  Model model(GetParam().config);
  model->eval();
  const torch::Tensor ids = random_ids(2, 5, 20, 2);                        // (2,5)
  const torch::Tensor mask = torch::ones({2, 5}, torch::kBool);
  const torch::Tensor padded_ids = torch::cat({ids, random_ids(2, 4, 20, 3)}, 1);  // junk ids on padding
  const torch::Tensor padded_mask = torch::cat({mask, torch::zeros({2, 4}, torch::kBool)}, 1);

  const ModelOutput a = model->forward(ids, mask, traced());
  const ModelOutput b = model->forward(padded_ids, padded_mask, traced());
  EXPECT_TRUE(torch::allclose(a.logits, b.logits, 1e-5, 1e-6));
  for (std::size_t l = 0; l < a.trace->hidden.size(); ++l) {
    EXPECT_TRUE(torch::allclose(a.trace->hidden[l], b.trace->hidden[l].narrow(1, 0, 5), 1e-5, 1e-5)) << "layer " << l;
  }
  for (const auto& layer : b.trace->layers) {
    for (const torch::Tensor& w : {layer.alpha, layer.beta}) {
      if (!w.defined()) continue;
      EXPECT_TRUE(torch::allclose(w.sum(-1), torch::ones({2, 2}), 1e-5));        // Σ over real = 1
      EXPECT_EQ(w.narrow(2, 5, 4).abs().max().item<float>(), 0.0f);            // exactly 0 on padding
    }
    if (layer.weights.defined()) EXPECT_EQ(layer.weights.narrow(3, 5, 4).abs().max().item<float>(), 0.0f);
  }
  EXPECT_EQ(b.trace->pooling.narrow(1, 5, 4).abs().max().item<float>(), 0.0f);
}

TEST_P(ModelVariantTest, AllPaddingRowIsFiniteAndHasNoWeights) {
  torch::manual_seed(1);
  Model model(GetParam().config);
  model->eval();
  const torch::Tensor ids = random_ids(2, 6, 20, 4);
  torch::Tensor mask = torch::ones({2, 6}, torch::kBool);
  mask[1].fill_(false);
  const ModelOutput out = model->forward(ids, mask, traced());
  EXPECT_TRUE(torch::isfinite(out.logits).all().item<bool>());
  for (const auto& h : out.trace->hidden) EXPECT_TRUE(torch::isfinite(h).all().item<bool>());
  for (const auto& layer : out.trace->layers) {
    for (const torch::Tensor& w : {layer.alpha, layer.beta, layer.weights}) {
      if (w.defined()) EXPECT_EQ(w[1].abs().max().item<float>(), 0.0f);
    }
  }
  EXPECT_EQ(out.trace->pooling[1].abs().max().item<float>(), 0.0f);
}

TEST_P(ModelVariantTest, EveryParameterGetsAFiniteGradient) {
  ModelConfig c = GetParam().config;
  c.dropout = 0.1;  // the training path, dropout included
  torch::manual_seed(1);
  Model model(c);
  model->train();
  const torch::Tensor ids = random_ids(3, 7, 20, 5);
  torch::Tensor mask = torch::ones({3, 7}, torch::kBool);
  mask[2].narrow(0, 4, 3).fill_(false);
  const ModelOutput out = model->forward(ids, mask);
  torch::nn::functional::cross_entropy(out.logits, torch::tensor({0, 1, 2})).backward();
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    const double size = p.value().grad().abs().sum().item<double>();
    // A bias added to every score before a softmax cancels out: its gradient is zero.
    const bool softmax_shift = p.key().size() > 10 && p.key().compare(p.key().size() - 10, 10, "score.bias") == 0;
    if (softmax_shift) {
      EXPECT_LT(size, 1e-6) << p.key();
    } else {
      EXPECT_GT(size, 0.0) << p.key();
    }
  }
}

TEST_P(ModelVariantTest, GradientsMatchFiniteDifferencesInFloat64) {
  torch::manual_seed(7);
  Model model(GetParam().config);
  model->to(torch::kDouble);
  model->eval();
  const torch::Tensor ids = random_ids(2, 5, 20, 6);
  torch::Tensor mask = torch::ones({2, 5}, torch::kBool);
  mask[1].narrow(0, 3, 2).fill_(false);
  const torch::Tensor labels = torch::tensor({2, 0});
  const auto loss = [&] { return torch::nn::functional::cross_entropy(model->forward(ids, mask).logits, labels); };
  loss().backward();

  const double eps = 1e-6;
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    torch::Tensor flat = p.value().view(-1);
    const torch::Tensor grad = p.value().grad().view(-1);
    // The entry with the largest gradient and one fixed entry: both must agree.
    for (const std::int64_t i : {grad.abs().argmax().item<std::int64_t>(), flat.numel() / 2}) {
      const double saved = flat[i].item<double>();
      flat[i] = saved + eps;
      const double up = loss().item<double>();
      flat[i] = saved - eps;
      const double down = loss().item<double>();
      flat[i] = saved;
      const double numeric = (up - down) / (2 * eps), analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-7 + 1e-5 * std::abs(numeric)) << p.key() << "[" << i << "]";
    }
  }
}

TEST_P(ModelVariantTest, NoTraceUnlessAsked) {
  Model model(GetParam().config);
  const ModelOutput out = model->forward(random_ids(1, 4, 20, 1), torch::ones({1, 4}, torch::kBool));
  EXPECT_FALSE(out.trace.has_value());
  EXPECT_EQ(out.logits.sizes(), (std::vector<std::int64_t>{1, 3}));
}

TEST(ModelTest, AdditiveAttentionIsPermutationEquivariantWithoutPositions) {
  for (const ScoreKind score : {ScoreKind::per_head, ScoreKind::head_mixing}) {
    ModelConfig c = tiny_config();
    c.position_embedding = false;
    c.score = score;
    torch::manual_seed(3);
    Model model(c);
    model->eval();
    const torch::Tensor ids = random_ids(2, 6, 20, 8);
    const torch::Tensor mask = torch::ones({2, 6}, torch::kBool);
    const torch::Tensor perm = torch::tensor({4, 0, 5, 2, 1, 3});
    const ModelOutput a = model->forward(ids, mask, traced());
    const ModelOutput b = model->forward(ids.index_select(1, perm), mask, traced());
    for (std::size_t l = 0; l < a.trace->hidden.size(); ++l) {
      EXPECT_TRUE(torch::allclose(a.trace->hidden[l].index_select(1, perm), b.trace->hidden[l], 1e-5, 1e-5));
    }
    EXPECT_TRUE(torch::allclose(a.trace->layers[1].alpha.index_select(2, perm), b.trace->layers[1].alpha, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(a.logits, b.logits, 1e-5, 1e-6));  // pooling is order-free
  }
}

TEST(ModelTest, PositionEmbeddingsBreakPermutationSymmetry) {
  torch::manual_seed(3);
  Model model(tiny_config());  // guards the test above: with positions the outputs differ
  model->eval();
  const torch::Tensor ids = random_ids(1, 6, 20, 8);
  const torch::Tensor mask = torch::ones({1, 6}, torch::kBool);
  const torch::Tensor perm = torch::tensor({4, 0, 5, 2, 1, 3});
  const auto a = model->forward(ids, mask, traced()), b = model->forward(ids.index_select(1, perm), mask, traced());
  EXPECT_FALSE(torch::allclose(a.trace->hidden[2].index_select(1, perm), b.trace->hidden[2], 1e-4, 1e-4));
}

// Counted from the layer definitions, independently of the modules.
std::int64_t expected_layer_parameters(const ModelConfig& c) {
  const std::int64_t D = c.hidden, H = c.heads, F = c.ffn;
  const std::int64_t linear = D * D + D;  // one D×D projection with bias
  const std::int64_t block = linear /*output*/ + 4 * D /*two LayerNorms*/ + (D * F + F) + (F * D + D);
  if (c.attention == AttentionKind::softmax) return 3 * linear + block;
  const std::int64_t projections = (c.share_qv ? 3 : 4) * linear;  // query, key, [value,] transform
  const std::int64_t scores = c.score == ScoreKind::per_head ? 2 * D : 2 * (H * D + H);
  return projections + scores + block;
}

TEST(ModelTest, ParameterCountsFollowTheDocumentedFormula) {
  for (const Variant& v : variants()) {
    for (const auto& preset_name : {"paper", "official"}) {
      ModelConfig c = preset(preset_name);
      c.attention = v.config.attention;
      c.share_qv = v.config.share_qv;
      c.vocab_size = 1000;
      Model model(c);
      std::int64_t layer_params = 0;
      for (const auto& p : model->layers[0]->parameters()) layer_params += p.numel();
      EXPECT_EQ(layer_params, expected_layer_parameters(c)) << v.name << " " << preset_name;

      const std::int64_t D = c.hidden;
      const std::int64_t rest = c.vocab_size * D + c.max_len * D + 2 * D  // embeddings
                                + (D * D + D) + (D + 1)                   // pooler
                                + (D * c.classes + c.classes);            // classifier
      std::int64_t total = 0;
      for (const auto& p : model->parameters()) total += p.numel();
      EXPECT_EQ(total, rest + c.stored_layers() * expected_layer_parameters(c)) << v.name << " " << preset_name;
    }
  }
  // The paper preset's layer: three D×D matrices with biases plus 2·D score weights + block.
  const ModelConfig paper = preset("paper");
  EXPECT_EQ(expected_layer_parameters(paper), 3 * (256 * 256 + 256) + 2 * 256 + (256 * 256 + 256) + 4 * 256 +
                                                  (256 * 256 + 256) * 2);
}

TEST(ModelTest, InputsLongerThanMaxLenAreAnError) {
  Model model(tiny_config());  // max_len 16
  try {
    model->forward(random_ids(1, 17, 20, 1), torch::ones({1, 17}, torch::kBool));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("17 tokens is longer than max_len 16"), std::string::npos) << e.what();
  }
  // Ids are checked at the public boundary (validate_ids), not in forward().
  EXPECT_THROW(validate_ids(torch::full({1, 3}, 20, torch::kLong), model->config().vocab_size), Error);
  EXPECT_THROW(model->forward(random_ids(1, 3, 20, 1), torch::ones({1, 4}, torch::kBool)), Error);
}

TEST(ModelTest, SoftmaxTraceAboveTheCapIsAClearError) {
  Model model(tiny_config(AttentionKind::softmax));
  TraceRequest request = traced();
  request.max_softmax_weights = 2 * 2 * 6 * 6 - 1;  // B·H·T·T is one over the cap
  try {
    model->forward(random_ids(2, 6, 20, 1), torch::ones({2, 6}, torch::kBool), request);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("above the cap"), std::string::npos) << e.what();
  }
  request.max_softmax_weights += 1;
  EXPECT_NO_THROW(model->forward(random_ids(2, 6, 20, 1), torch::ones({2, 6}, torch::kBool), request));
}

TEST(ModelTest, ABatchTooLargeForMemoryIsRefusedBeforeAllocating) {
  ModelConfig c = tiny_config(AttentionKind::softmax);
  c.max_len = 20000;
  c.softmax_impl = SoftmaxImpl::materialized;
  Model model(c);
  // 64 × 2 heads × 20000² float scores alone are ~400 GB: refused from the shapes.
  try {
    model->forward(torch::full({64, 20000}, 3, torch::kLong), torch::ones({64, 20000}, torch::kBool));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is free"), std::string::npos) << e.what();
  }
}

TEST(ModelTest, SharedLayersStoreOneLayerButTraceEveryApplication) {
  ModelConfig c = tiny_config();
  c.layers = 3;
  Model model(c);
  EXPECT_EQ(model->layers->size(), 1u);
  const ModelOutput out = model->forward(random_ids(1, 4, 20, 1), torch::ones({1, 4}, torch::kBool), traced());
  EXPECT_EQ(out.trace->layers.size(), 3u);
  EXPECT_EQ(out.trace->hidden.size(), 4u);
  EXPECT_FALSE(torch::allclose(out.trace->hidden[1], out.trace->hidden[2]));
}

}  // namespace
}  // namespace fastformer
