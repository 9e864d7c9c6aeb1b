// What explain() hands to the Studio and the CLI besides scores: progress and Cancel, each
// random order's curves, the verdict against random orders, the colour scales (diverging
// for signed methods), the HTML report and the safetensors file.
#include "fastformer/error.h"
#include "fastformer/explain.h"
#include "fastformer/safetensors.h"
#include "fastformer/shading.h"
#include "inspect_fixture.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace fastformer {
namespace {

class ExplainReport : public testing::InspectFixture {};

TEST_F(ExplainReport, ReportsProgressPerStageAndStopsWhenTheCallbackThrows) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  const std::string text = long_text(40);  // several windows: several runs per stage
  ExplainOptions options;
  options.windows.windows_per_batch = 1;
  options.faithfulness = true;
  std::vector<ExplainProgress> seen;
  options.progress = [&](const ExplainProgress& p) { seen.push_back(p); };
  const std::vector<AttributionMethod> methods = {AttributionMethod::gradient, AttributionMethod::integrated_gradients};
  explain(model, text, methods, options);
  // Stages in order: prediction, each method, curves; fractions never go back within one.
  const std::vector<std::string> stages = {"prediction", "gradient", "integrated_gradients", "curves"};
  std::size_t stage = 0;
  double last = -1;
  for (const ExplainProgress& p : seen) {
    EXPECT_EQ(p.stages, 4);
    if (p.stage != stages[stage]) {
      ASSERT_LT(stage + 1, stages.size()) << p.stage;
      ASSERT_EQ(p.stage, stages[++stage]);
      last = -1;
    }
    EXPECT_EQ(p.stage_index, static_cast<std::int64_t>(stage));
    EXPECT_GE(p.stage_fraction, last);
    EXPECT_LT(p.stage_fraction, 1.0);
    last = p.stage_fraction;
  }
  EXPECT_EQ(stage, stages.size() - 1);
  // Integrated Gradients (32 steps × windows) reports each run: more calls than steps.
  const auto ig = std::count_if(seen.begin(), seen.end(), [](const auto& p) { return p.stage == "integrated_gradients"; });
  EXPECT_GT(ig, 32);

  // A callback that throws after a few calls stops the explanation with that exception.
  int calls = 0;
  options.progress = [&](const ExplainProgress& p) {
    if (p.stage == "integrated_gradients" && ++calls == 5) throw ExplainCancelled();
  };
  EXPECT_THROW(explain(model, text, methods, options), ExplainCancelled);
  EXPECT_EQ(calls, 5);
}

TEST_F(ExplainReport, RandomOrdersCurvesAverageIntoTheRandomCurve) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  ExplainOptions options;
  options.faithfulness = true;
  options.random_orders = 3;
  const Explanation e = explain(model, long_text(30), {AttributionMethod::gradient}, options);
  const Faithfulness& f = e.faithfulness;
  ASSERT_EQ(f.random_deletion.size(), 3u);
  ASSERT_EQ(f.random_insertion.size(), 3u);
  const FaithfulnessCurve& random = f.curves.back();
  ASSERT_EQ(random.name, "random");
  for (std::size_t k = 0; k < f.fractions.size(); ++k) {
    double deletion = 0, insertion = 0;
    for (std::size_t r = 0; r < 3; ++r) deletion += f.random_deletion[r][k] / 3, insertion += f.random_insertion[r][k] / 3;
    EXPECT_NEAR(random.deletion[k], deletion, 1e-12);
    EXPECT_NEAR(random.insertion[k], insertion, 1e-12);
  }
  // The orders differ: not three copies of one curve.
  EXPECT_NE(f.random_deletion[0], f.random_deletion[1]);
}

// Sentence-level occlusion: long_text puts a full stop at every 8th token, so the sentences
// are tokens 1–8, 9–16, …; each span's tokens share p − p(span masked) (occlude()).
TEST_F(ExplainReport, OccludesSentencesOverSeveralWindows) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  const std::string text = long_text(40);
  ExplainOptions options;
  options.windows.overlap = 3;
  options.occlusion_span = kSentenceSpans;
  options.sentence_tokens = 1;  // every sentence its own span
  const Explanation e = explain(model, text, {AttributionMethod::occlusion}, options);
  ASSERT_GT(e.windows, 3);
  const Attribution& occ = e.attributions.front();
  EXPECT_EQ(occ.span, kSentenceSpans);
  EXPECT_EQ(occ.scores[0], 0.0f);  // [CLS] is not occluded
  ASSERT_EQ(e.tokens.size(), 41u);
  const float p = e.probabilities[static_cast<std::size_t>(e.target)];
  for (std::int64_t first = 1; first < 41; first += 8) {
    const float want = p - occlude(model, text, first, first + 8, options.windows)[static_cast<std::size_t>(e.target)];
    for (std::int64_t i = first; i < first + 8; ++i) EXPECT_NEAR(occ.scores[static_cast<std::size_t>(i)], want, 1e-5) << i;
  }
  EXPECT_EQ(explanation_json(e).at("methods").at("occlusion").at("span"), "sentence");
  // With at least 16 tokens per span, the 8-token sentences go in pairs: 1–16, 17–32, 33–40.
  options.sentence_tokens = 16;
  const Attribution joined = explain(model, text, {AttributionMethod::occlusion}, options).attributions.front();
  for (const auto [first, last] : {std::pair<std::int64_t, std::int64_t>{1, 17}, {17, 33}, {33, 41}}) {
    const float want = p - occlude(model, text, first, last, options.windows)[static_cast<std::size_t>(e.target)];
    for (std::int64_t i = first; i < last; ++i) EXPECT_NEAR(joined.scores[static_cast<std::size_t>(i)], want, 1e-5) << i;
  }
  options.occlusion_span = -2;
  EXPECT_THROW(explain(model, text, {AttributionMethod::occlusion}, options), Error);
}

TEST(Verdict, ComparesAgainstTheMeanAndSdOfRandomOrders) {
  Faithfulness f;
  f.random_aopc_deletion = {0.1, 0.2, 0.3};  // mean 0.2, sample sd 0.1
  FaithfulnessCurve c;
  c.name = "alpha";
  c.aopc_deletion = 0.31;
  EXPECT_EQ(faithfulness_verdict(f, c), Verdict::better);
  c.aopc_deletion = 0.29;
  EXPECT_EQ(faithfulness_verdict(f, c), Verdict::no_better);
  c.aopc_deletion = 0.11;
  EXPECT_EQ(faithfulness_verdict(f, c), Verdict::no_better);
  c.aopc_deletion = 0.09;
  EXPECT_EQ(faithfulness_verdict(f, c), Verdict::worse);
  EXPECT_EQ(verdict_text(f, c), "alpha: worse than random on this document (AOPC deletion 0.090; random 0.200 ± 0.100)");
}

TEST(DivergingColours, WhiteAtZeroBlueBelowTheSequentialScaleAbove) {
  EXPECT_EQ(diverging_rgb(0.0), 0xffffffu);
  EXPECT_EQ(diverging_rgb(std::nan("")), 0xffffffu);
  for (const double t : {0.1, 0.5, 1.0}) EXPECT_EQ(diverging_rgb(t), shading_rgb(t));
  EXPECT_EQ(diverging_rgb(-2.0), diverging_rgb(-1.0));  // clamped
  const auto channel = [](std::uint32_t rgb, int shift) { return static_cast<int>((rgb >> shift) & 0xff); };
  int previous = 3 * 255;
  for (int k = 1; k <= 8; ++k) {
    const std::uint32_t c = diverging_rgb(-k / 8.0);
    EXPECT_GT(channel(c, 0), channel(c, 16)) << k;  // blue above red
    const int lightness = channel(c, 16) + channel(c, 8) + channel(c, 0);
    EXPECT_LT(lightness, previous) << k;  // darker as |t| grows
    previous = lightness;
  }
  // Black text keeps a 4.5:1 contrast on the darkest blue (WCAG relative luminance).
  const auto linear = [](int v) {
    const double c = v / 255.0;
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const std::uint32_t darkest = diverging_rgb(-1.0);
  const double luminance =
      0.2126 * linear(channel(darkest, 16)) + 0.7152 * linear(channel(darkest, 8)) + 0.0722 * linear(channel(darkest, 0));
  EXPECT_GE((luminance + 0.05) / 0.05, 4.5);
}

TEST_F(ExplainReport, ScalesHtmlAndSafetensorsCarryTheScores) {
  const TrainedModel model = make_model(dir_ / "ckpt", AttentionKind::additive, 12);
  const std::string text = "the cat sat on the <mat> & the dog";
  ExplainOptions options;
  options.faithfulness = true;
  const std::vector<AttributionMethod> methods = {AttributionMethod::alpha, AttributionMethod::gradient_x_input};
  const Explanation e = explain(model, text, methods, options);
  const Attribution& signed_scores = *e.find(AttributionMethod::gradient_x_input);
  double high = 0;
  std::size_t top = 0;
  for (std::size_t i = 0; i < signed_scores.scores.size(); ++i) {
    if (std::abs(signed_scores.scores[i]) > high) high = std::abs(signed_scores.scores[i]), top = i;
  }
  const AttributionScale scale = attribution_scale(e, signed_scores);
  EXPECT_TRUE(scale.diverging);
  EXPECT_DOUBLE_EQ(scale.high, high);
  EXPECT_NE(scale.legend.find("'" + e.labels[static_cast<std::size_t>(e.target)] + "'"), std::string::npos);
  EXPECT_DOUBLE_EQ(std::abs(attribution_position(scale, signed_scores.scores[top])), 1.0);
  EXPECT_FALSE(attribution_scale(e, *e.find(AttributionMethod::alpha)).diverging);

  // HTML: a section per method, the top token painted with the darkest shade of its side,
  // the text escaped, and the AOPC table.
  const std::string html = explanation_html(e, text);
  EXPECT_NE(html.find("<h2 id=\"alpha\">"), std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"gradient_x_input\">"), std::string::npos);
  // The text's markup characters are escaped (tokens may split them into several spans).
  EXPECT_NE(html.find("&lt;"), std::string::npos);
  EXPECT_NE(html.find("&amp;"), std::string::npos);
  EXPECT_EQ(html.find("<mat"), std::string::npos);
  EXPECT_EQ(html.find("mat>"), std::string::npos);
  char colour[8];
  std::snprintf(colour, sizeof colour, "#%06x", diverging_rgb(signed_scores.scores[top] > 0 ? 1.0 : -1.0));
  const std::string span = "data-token=\"" + std::to_string(top) + "\" style=\"background:" + colour;
  EXPECT_NE(html.find(span), std::string::npos) << span;
  EXPECT_NE(html.find("AOPC deletion"), std::string::npos);
  EXPECT_NE(html.find("than random on this document"), std::string::npos);
  const std::string only = explanation_html(e, text, {AttributionMethod::alpha});
  EXPECT_EQ(only.find("id=\"gradient_x_input\""), std::string::npos);
  EXPECT_THROW(explanation_html(e, text, {AttributionMethod::occlusion}), Error);

  // safetensors: the scores and curves read back as tensors, names in the metadata.
  const std::string path = (dir_ / "scores.safetensors").string();
  save_explanation_safetensors(path, e);
  const SafetensorsFile file = load_safetensors(path);
  const at::Tensor scores = find_tensor(file, "scores.gradient_x_input");
  ASSERT_EQ(scores.numel(), static_cast<std::int64_t>(e.tokens.size()));
  for (std::size_t i = 0; i < e.tokens.size(); ++i) {
    EXPECT_EQ(scores[static_cast<std::int64_t>(i)].item<float>(), signed_scores.scores[i]);
  }
  const at::Tensor offsets = find_tensor(file, "token_offsets");
  EXPECT_EQ(offsets[3][0].item<std::int64_t>(), e.tokens[3].begin);
  EXPECT_EQ(offsets[3][1].item<std::int64_t>(), e.tokens[3].end);
  const at::Tensor deletion = find_tensor(file, "faithfulness.deletion");
  ASSERT_EQ(deletion.size(0), static_cast<std::int64_t>(e.faithfulness.curves.size()));
  EXPECT_FLOAT_EQ(deletion[1][2].item<float>(), static_cast<float>(e.faithfulness.curves[1].deletion[2]));
  EXPECT_EQ(file.metadata.at("methods"), "[\"alpha\",\"gradient_x_input\"]");
  EXPECT_EQ(file.metadata.at("format"), "fastformer-studio-explanation");
}

}  // namespace
}  // namespace fastformer
