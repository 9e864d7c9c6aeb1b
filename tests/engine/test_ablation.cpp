// Pooling ablation (TraceRequest::alpha_keep / beta_keep): keeping every head changes
// nothing; an ablated head equals the same model with that head's score weights zeroed (an
// independent path: the fused kernel for per-head scores); its traced α or β is uniform over
// the real tokens; other rows of the batch are untouched.
#include "explain/ablation.h"
#include "explain/occlusion.h"
#include "fastformer/error.h"
#include "fastformer/explain.h"
#include "fastformer/model.h"
#include "model/encoder_layer.h"
#include "model/fastformer_attention.h"
#include "model/head_score.h"
#include "model/shared_input_layer.h"
#include "test_helpers.h"
#include "window_batch_fixture.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace fastformer {
namespace {

using testing::random_ids;
using testing::tiny_config;

// Weights of std 0.5: the heads matter, so an ablation shows.
Model float64_model(const ModelConfig& c) { return testing::float64_model(c, 21, 0.5); }

class Ablation : public ::testing::TestWithParam<ScoreKind> {
 protected:
  ModelConfig config() const {
    ModelConfig c = tiny_config(AttentionKind::additive);
    c.score = GetParam();
    c.share_layers = false;  // layer 1 its own module, so its weights can be zeroed alone
    return c;
  }
};

TEST_P(Ablation, KeepingEveryHeadChangesNothing) {
  Model model = float64_model(config());
  const torch::Tensor ids = random_ids(2, 7, model->config().vocab_size, 3);
  torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
  mask[1].slice(0, 5, 7).fill_(false);
  TraceRequest request;
  request.alpha_keep = torch::ones({2, 2, 2});
  request.beta_keep = torch::ones({2, 2, 2});
  const torch::Tensor plain = model->forward(ids, mask).logits;
  EXPECT_TRUE(torch::allclose(model->forward(ids, mask, request).logits, plain, 1e-12, 1e-12));
  request.alpha_keep = torch::ones({3, 2, 2});  // (B,L,H) with the wrong B
  EXPECT_THROW(model->forward(ids, mask, request), Error);
}

TEST_P(Ablation, AnAblatedHeadIsTheModelWithThatHeadsScoresZeroed) {
  Model model = float64_model(config());
  const torch::Tensor ids = random_ids(2, 7, model->config().vocab_size, 4);
  torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
  mask[0].slice(0, 4, 7).fill_(false);  // row 0: 4 real tokens
  for (const bool alpha : {true, false}) {
    // Row 0, layer 1, head 1 ablated; row 1 untouched.
    TraceRequest request;
    request.enabled = true;
    torch::Tensor keep = torch::ones({2, 2, 2});
    keep[0][1][1] = 0.0;
    (alpha ? request.alpha_keep : request.beta_keep) = keep;
    const ModelOutput ablated = model->forward(ids, mask, request);

    Model zeroed = float64_model(config());
    {
      torch::NoGradGuard no_grad;
      auto* layer = zeroed->layers[1]->as<EncoderLayerImpl>();
      HeadScore& scorer = alpha ? layer->additive->query_score : layer->additive->key_score;
      scorer->weight[1].zero_();  // per_head (H,Dh); head_mixing (H,D)
      if (scorer->bias.defined()) scorer->bias[1].zero_();
    }
    const torch::Tensor want = zeroed->forward(ids, mask).logits;  // (B,C)
    const torch::Tensor plain = model->forward(ids, mask).logits;
    EXPECT_TRUE(torch::allclose(ablated.logits[0], want[0], 1e-10, 1e-12)) << (alpha ? "alpha" : "beta");
    EXPECT_TRUE(torch::allclose(ablated.logits[1], plain[1], 1e-12, 1e-12)) << (alpha ? "alpha" : "beta");
    // The head mattered: the change is a visible part of the logits' size (small at init).
    EXPECT_GT((ablated.logits[0] - plain[0]).abs().max().item<double>(), 1e-3 * plain[0].abs().max().item<double>())
        << "the head made no difference: " << ablated.logits[0] << plain[0];
    // The ablated head's weights: 1/4 on row 0's real tokens, 0 on its padding.
    const LayerTrace& trace = ablated.trace->layers[1];
    const torch::Tensor w = (alpha ? trace.alpha : trace.beta)[0][1];  // (T)
    EXPECT_TRUE(torch::allclose(w.slice(0, 0, 4), torch::full({4}, 0.25, w.options()), 1e-12, 1e-12)) << w;
    EXPECT_TRUE(torch::equal(w.slice(0, 4, 7), torch::zeros({3}, w.options()))) << w;
  }
}

// Over a document's two overlapping windows: each ablation's p(target) equals the zeroed
// model's document probability.
TEST_P(Ablation, DocumentProbabilitiesEqualTheZeroedModels) {
  Model model = float64_model(config());
  const WindowBatch batch = testing::two_windows(model->config().vocab_size, 3);
  constexpr std::int64_t target = 2;
  // Ablations: α of (layer 0, head 1); β of (layer 1, head 0); both of layer 1; none. They
  // start at layers 0, 1, 1 and 2 (the pooler) from the unablated hidden states.
  torch::Tensor alpha = torch::ones({4, 2, 2}), beta = torch::ones({4, 2, 2});
  alpha[0][0][1] = 0.0;
  beta[1][1][0] = 0.0;
  alpha[2][1].zero_(), beta[2][1].zero_();
  const torch::Tensor p = ablated_probabilities(model, batch, target, alpha, beta);
  const auto zeroed = [&](std::vector<std::tuple<std::int64_t, std::int64_t, bool>> heads) {
    Model m = float64_model(config());
    torch::NoGradGuard no_grad;
    for (const auto& [l, h, a] : heads) {
      auto* layer = m->layers[l]->as<EncoderLayerImpl>();
      HeadScore& scorer = a ? layer->additive->query_score : layer->additive->key_score;
      scorer->weight[h].zero_();
      if (scorer->bias.defined()) scorer->bias[h].zero_();
    }
    return document_probabilities(window_logits(m, batch))[target].item<double>();
  };
  EXPECT_NEAR(p[0].item<double>(), zeroed({{0, 1, true}}), 1e-10);
  EXPECT_NEAR(p[1].item<double>(), zeroed({{1, 0, false}}), 1e-10);
  EXPECT_NEAR(p[2].item<double>(), zeroed({{1, 0, true}, {1, 1, true}, {1, 0, false}, {1, 1, false}}), 1e-10);
  EXPECT_NEAR(p[3].item<double>(), zeroed({}), 1e-10);
}

// Starting at layer l from the hidden states a traced forward gives layer l is the forward.
TEST_P(Ablation, ForwardFromALayerEqualsTheWholeForward) {
  Model model = float64_model(config());
  const torch::Tensor ids = random_ids(2, 7, model->config().vocab_size, 5);
  torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
  mask[1].slice(0, 3, 7).fill_(false);
  TraceRequest traced;
  traced.enabled = true;
  const ModelOutput whole = model->forward(ids, mask, traced);
  for (std::int64_t l = 0; l <= 2; ++l) {
    const torch::Tensor from = model->forward_from_layer(l, whole.trace->hidden[static_cast<std::size_t>(l)], mask).logits;
    EXPECT_TRUE(torch::allclose(from, whole.logits, 1e-12, 1e-12)) << "from layer " << l;
  }
  // Layer 1's input is not layer 0's: starting with the wrong states shows.
  EXPECT_FALSE(torch::allclose(model->forward_from_layer(1, whole.trace->hidden[0], mask).logits, whole.logits, 1e-6, 1e-6));
  EXPECT_THROW(model->forward_from_layer(3, whole.trace->hidden[0], mask), Error);
  EXPECT_THROW(model->forward_from_layer(0, whole.trace->hidden[0].select(2, 0), mask), Error);
}

// Many ablations of one layer input (model/shared_input_layer): each row equals the layer's own
// forward on its window with its keep-mask, for post- and pre-LN, separate V, no read [CLS].
TEST_P(Ablation, SharedInputLayerEqualsTheLayersForward) {
  for (const int variant : {0, 1, 2}) {
    ModelConfig c = config();
    if (variant == 1) c.norm = NormPlacement::pre, c.share_qv = false;
    if (variant == 2) c.cls_token = false;
    Model model = float64_model(c);
    torch::manual_seed(8);
    const torch::Tensor x = torch::randn({2, 7, c.hidden}, torch::kDouble);  // (W,T,D)
    torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
    mask[1].slice(0, 4, 7).fill_(false);
    const torch::Tensor rows = torch::tensor({1, 0, 1, 1}, torch::kLong);  // (R) the windows read
    torch::Tensor alpha = torch::ones({4, c.heads}), beta = torch::ones({4, c.heads});  // (R,H)
    alpha[0][1] = 0.0, beta[1][0] = 0.0, alpha[2].zero_(), beta[2].zero_();              // row 3: none
    for (const std::int64_t l : {0, 1}) {
      const SharedLayerInput shared = share_layer_input(model, l, x, mask);
      const torch::Tensor got = shared_layer_output(model, shared, rows, PoolingKeep{alpha, beta});  // (R,T,D)
      // The reference: the whole model from layer l with only layer l ablated, against the
      // same model from layer l+1 on `got` (layers above unablated in both).
      TraceRequest request;
      request.enabled = true;
      request.alpha_keep = torch::ones({4, 2, c.heads});
      request.beta_keep = torch::ones({4, 2, c.heads});
      request.alpha_keep.select(1, l).copy_(alpha);
      request.beta_keep.select(1, l).copy_(beta);
      const ModelOutput want = model->forward_from_layer(l, x.index_select(0, rows), mask.index_select(0, rows), request);
      const torch::Tensor real = mask.index_select(0, rows).unsqueeze(-1);  // padding rows' states are not read
      const torch::Tensor want_out = want.trace->hidden[1];                 // layer l's output
      EXPECT_TRUE(torch::allclose(got * real, want_out * real, 1e-10, 1e-12)) << "variant " << variant << " layer " << l;
      // The ablations showed: rows 0 and 2 differ from row 3, the same window unablated.
      for (const std::int64_t r : {0, 2}) EXPECT_GT((got[r] - got[3]).abs().max().item<double>(), 1e-6) << "variant " << variant;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothScores, Ablation, ::testing::Values(ScoreKind::per_head, ScoreKind::head_mixing),
                         [](const auto& info) { return info.param == ScoreKind::per_head ? "per_head" : "head_mixing"; });

}  // namespace
}  // namespace fastformer
