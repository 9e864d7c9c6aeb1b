// Faithfulness curves: rankings, the token counts at each fraction, deletion and insertion
// probabilities against masking by hand, AOPC and Spearman's ρ against loops written here,
// and the curves fastformer::explain reports on a saved checkpoint.
#include "explain/faithfulness.h"
#include "explain/occlusion.h"
#include "explain/packed_rows.h"
#include "fastformer/explain.h"
#include "inspect_fixture.h"
#include "test_helpers.h"
#include "window_batch_fixture.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace fastformer {
namespace {

using testing::tiny_config;

// The two-window document through a float64 Fastformer; three windows per run.
struct TwoWindows {
  Model model = testing::float64_model(tiny_config(AttentionKind::additive));
  WindowBatch batch = testing::two_windows(model->config().vocab_size, 3);
  // p(target) with exactly the tokens in `shown` unmasked ([CLS] as given), by hand.
  double p_showing(const std::vector<bool>& shown, std::int64_t target) {
    WindowBatch b = batch;
    b.mask = torch::zeros({2, 6}, torch::kBool);
    for (std::int64_t k = 0; k < 2; ++k)
      for (std::int64_t t = 0; t < 6; ++t) b.mask[k][t] = shown[static_cast<std::size_t>(batch.token[k][t].item<std::int64_t>())];
    return document_probabilities(window_logits(model, b))[target].item<double>();
  }
};

TEST(Faithfulness, RanksDocumentTokensByScoreAndCountsTokensPerFraction) {
  EXPECT_EQ(rank_tokens({9.0f, 0.5f, 2.0f, -1.0f, 2.0f}), (std::vector<std::int64_t>{2, 4, 1, 3}));  // [CLS] left out
  const auto order = random_order(9, 3);
  std::vector<std::int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(random_order(9, 3), order);
  EXPECT_NE(random_order(9, 4), order);
  EXPECT_EQ(tokens_at(0.0, 8), 0);
  EXPECT_EQ(tokens_at(0.01, 8), 1);  // every step above 0 removes at least one token
  EXPECT_EQ(tokens_at(0.5, 8), 4);
  EXPECT_EQ(tokens_at(0.3, 10), 3);
  EXPECT_EQ(tokens_at(1.0, 8), 8);
}

TEST(Faithfulness, CurvesEqualMaskingByHand) {
  TwoWindows w;
  constexpr std::int64_t target = 1;
  const std::vector<std::vector<std::int64_t>> orders{{4, 1, 8, 2, 7, 3, 6, 5}, {8, 7, 6, 5, 4, 3, 2, 1}};
  const std::vector<double> fractions{0.0, 0.1, 0.3, 0.5, 1.0};
  const std::vector<Curves> curves = deletion_insertion(w.model, w.batch, target, orders, fractions);
  ASSERT_EQ(curves.size(), 2u);
  for (std::size_t o = 0; o < orders.size(); ++o) {
    ASSERT_EQ(curves[o].deletion.size(), fractions.size());
    for (std::size_t f = 0; f < fractions.size(); ++f) {
      const std::int64_t top = tokens_at(fractions[f], 8);
      std::vector<bool> deleted(9, true), inserted(9, false);
      inserted[0] = true;  // [CLS] always shown
      for (std::int64_t r = 0; r < top; ++r) {
        deleted[static_cast<std::size_t>(orders[o][static_cast<std::size_t>(r)])] = false;
        inserted[static_cast<std::size_t>(orders[o][static_cast<std::size_t>(r)])] = true;
      }
      EXPECT_NEAR(curves[o].deletion[f], w.p_showing(deleted, target), 1e-12) << o << " " << f;
      EXPECT_NEAR(curves[o].insertion[f], w.p_showing(inserted, target), 1e-12) << o << " " << f;
    }
    // Deletion at 0% is the document's prediction, insertion at 100% as well.
    EXPECT_NEAR(curves[o].deletion.front(), document_probabilities(window_logits(w.model, w.batch))[target].item<double>(), 1e-12);
    EXPECT_NEAR(curves[o].insertion.back(), curves[o].deletion.front(), 1e-12);
  }
  EXPECT_NEAR(curves[0].insertion.front(), curves[1].insertion.front(), 1e-15);  // the empty document
}

// Variants that leave a window as another variant had it do not run it again.
TEST(Faithfulness, RunsEachDistinctWindowOnce) {
  TwoWindows w;
  w.batch.windows_per_run = 1;
  std::int64_t runs = 0;
  w.batch.on_run = [&](std::int64_t, std::int64_t total) { runs = total; };
  constexpr std::int64_t target = 0;
  torch::Tensor keep = torch::ones({4, 9}, torch::kBool);  // (V,N)
  keep[1][8] = false;  // token 8 is in window 1 only
  keep[3][8] = false;
  const torch::Tensor p = kept_probabilities(w.model, w.batch, target, keep);
  EXPECT_EQ(runs, 3);  // window 0 as is, window 1 as is, window 1 without token 8 (not 4 × 2)
  std::vector<bool> all(9, true), without = all;
  without[8] = false;
  EXPECT_NEAR(p[0].item<double>(), w.p_showing(all, target), 1e-12);
  EXPECT_NEAR(p[1].item<double>(), w.p_showing(without, target), 1e-12);
  EXPECT_EQ(p[2].item<double>(), p[0].item<double>());
  EXPECT_EQ(p[3].item<double>(), p[1].item<double>());
}

// Dropping masked columns (each kept one at its own position) changes no logit: every
// attention kind and pooling, masks with gaps, [CLS] masked, only [CLS], runs of mixed widths.
TEST(Faithfulness, PackedRowsGiveTheLogitsOfMaskedRows) {
  for (const AttentionKind kind : {AttentionKind::additive, AttentionKind::softmax}) {
    for (const PoolingKind pooling : {PoolingKind::attention, PoolingKind::cls, PoolingKind::mean}) {
      ModelConfig c = tiny_config(kind);
      c.pooling = pooling;
      Model model = testing::float64_model(c, 5, 0.5);
      constexpr std::int64_t R = 7, T = 10;
      torch::manual_seed(3);
      const torch::Tensor ids = torch::randint(1, c.vocab_size, {R, T}, torch::kLong);  // (R,T)
      torch::Tensor mask = torch::rand({R, T}).lt(0.6);                                  // (R,T)
      mask[0].fill_(true);
      mask[1].fill_(false);
      mask[1][0] = true;  // [CLS] alone
      mask[2][0] = false;  // [CLS] masked
      mask[3].fill_(false);
      mask[3][T - 1] = true;  // one token far from its column after packing
      WindowBatch batch;
      batch.ids = ids;
      batch.windows_per_run = 2;  // 20 tokens a run: several runs of different widths
      const torch::Tensor packed = packed_row_logits(model, batch, ids, mask);  // (R,C)
      const torch::Tensor masked = model->forward(ids, mask).logits;              // (R,C)
      ASSERT_EQ(packed.sizes(), masked.sizes());
      EXPECT_LT((packed - masked).abs().max().item<double>(), 1e-12)
          << "attention " << static_cast<int>(kind) << ", pooling " << static_cast<int>(pooling);
      EXPECT_GT((masked[0] - masked[2]).abs().max().item<double>(), 1e-3);  // the masks matter
    }
  }
}

TEST(Faithfulness, AopcAndSpearmanMatchLoopsWrittenHere) {
  const std::vector<double> deletion{0.9, 0.5, 0.4, 0.1}, insertion{0.2, 0.3, 0.6, 0.9};
  EXPECT_NEAR(aopc_deletion(deletion), (0.0 + 0.4 + 0.5 + 0.8) / 4, 1e-15);
  EXPECT_NEAR(aopc_insertion(insertion), (0.0 + 0.1 + 0.4 + 0.7) / 4, 1e-15);
  // ρ over tokens 1…N−1 (score 0 is [CLS] and is left out).
  const std::vector<float> a{100, 1, 2, 3, 4, 5}, b{-7, 10, 20, 30, 40, 50}, c{0, 5, 4, 3, 2, 1};
  EXPECT_NEAR(spearman(a, b), 1.0, 1e-12);
  EXPECT_NEAR(spearman(a, c), -1.0, 1e-12);
  // With ties: ranks by hand (mean ranks for ties), then Pearson's r of the ranks.
  const std::vector<float> x{0, 1, 2, 2, 5, 3}, y{0, 2, 1, 4, 3, 5};
  const std::vector<double> rx{1, 2.5, 2.5, 5, 4}, ry{2, 1, 4, 3, 5};
  double mx = 0, my = 0;
  for (int i = 0; i < 5; ++i) mx += rx[i] / 5, my += ry[i] / 5;
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 5; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  EXPECT_NEAR(spearman(x, y), sxy / std::sqrt(sxx * syy), 1e-12);
  EXPECT_EQ(spearman(x, {0, 1, 1, 1, 1, 1}), 0.0);  // a constant ranking
}

// Two documents' curves by hand: the summary's means, sample sds and "beats random" share.
TEST(Faithfulness, SummaryOverDocuments) {
  const auto document = [](double occlusion, double alpha, std::vector<double> random) {
    Explanation e;
    e.attributions.resize(2);
    e.attributions[0].method = AttributionMethod::occlusion;
    e.attributions[0].seconds = 2.0;
    e.attributions[1].method = AttributionMethod::alpha;
    Faithfulness& f = e.faithfulness;
    f.curves = {{"occlusion", {}, {}, occlusion, occlusion / 2}, {"alpha", {}, {}, alpha, 0.0}, {"random", {}, {}, 0.1, 0.1}};
    f.random_aopc_deletion = std::move(random);
    f.seconds = 4.0;
    return e;
  };
  // Document 1: random orders 0.1 ± 0.1 (threshold 0.2); document 2: 0.3 ± 0 (threshold 0.3).
  const std::vector<Explanation> docs{document(0.5, 0.15, {0.0, 0.1, 0.2}), document(0.7, 0.35, {0.3, 0.3})};
  const std::vector<FaithfulnessSummary> s = summarize_faithfulness(docs);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "occlusion");
  EXPECT_EQ(s[0].documents, 2);
  EXPECT_NEAR(s[0].aopc_deletion, 0.6, 1e-12);
  EXPECT_NEAR(s[0].aopc_deletion_sd, std::sqrt(0.02), 1e-12);  // (0.1² + 0.1²) / (2 − 1)
  EXPECT_NEAR(s[0].aopc_insertion, 0.3, 1e-12);
  EXPECT_EQ(s[0].beats_random, 1.0);
  EXPECT_EQ(s[0].seconds, 2.0);
  EXPECT_EQ(s[1].name, "alpha");
  EXPECT_EQ(s[1].beats_random, 0.5);  // 0.15 < 0.2, then 0.35 > 0.3
  EXPECT_EQ(s[2].name, "random");
  EXPECT_EQ(s[2].seconds, 4.0);
}

class ExplainCurves : public testing::InspectFixture {};

TEST_F(ExplainCurves, EveryMethodAndRandomOverSeveralWindows) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  const std::string text = long_text(40);
  ExplainOptions options;
  options.windows.overlap = 3;
  options.faithfulness = true;
  options.random_orders = 3;
  const Explanation e = explain(model, text, {AttributionMethod::occlusion, AttributionMethod::gradient}, options);
  const Faithfulness& f = e.faithfulness;
  ASSERT_EQ(f.curves.size(), 3u);
  EXPECT_EQ(f.curves[0].name, "occlusion");
  EXPECT_EQ(f.curves[2].name, "random");
  EXPECT_EQ(f.random_aopc_deletion.size(), 3u);
  const double p = e.probabilities[static_cast<std::size_t>(e.target)];
  for (const FaithfulnessCurve& c : f.curves) {
    ASSERT_EQ(c.deletion.size(), options.fractions.size()) << c.name;
    EXPECT_NEAR(c.deletion.front(), p, 1e-6) << c.name;
    EXPECT_NEAR(c.aopc_deletion, aopc_deletion(c.deletion), 1e-12) << c.name;
  }
  // The random curve is the mean of its orders: its AOPC (linear in the points) is theirs.
  double mean = 0;
  for (const double a : f.random_aopc_deletion) mean += a / 3;
  EXPECT_NEAR(f.curves[2].aopc_deletion, mean, 1e-12);
  ASSERT_EQ(f.spearman.size(), 2u);
  EXPECT_EQ(f.spearman[0][0], 1.0);
  EXPECT_NEAR(f.spearman[0][1], spearman(e.attributions[0].scores, e.attributions[1].scores), 1e-12);
  EXPECT_EQ(f.spearman[0][1], f.spearman[1][0]);
  options.fractions = {0.0, 1.5};
  EXPECT_THROW(explain(model, text, {AttributionMethod::gradient}, options), Error);
}

}  // namespace
}  // namespace fastformer
