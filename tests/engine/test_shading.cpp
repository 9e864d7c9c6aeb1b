// Shading an inspection: every spec's token values, colour range, legend and shares against
// loops over the Inspection's raw [L][H][N] arrays; spec parsing; bad specs are errors.
#include "error_text.h"
#include "fastformer/error.h"
#include "fastformer/shading.h"
#include "inspect_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <regex>

namespace fastformer {
namespace {

using ShadingTest = testing::InspectFixture;
using Spec = ShadingSpec;

// The token count of each token's owner window, [CLS] included: n_w = last − first + 1.
std::vector<double> window_counts(const Inspection& in) {
  std::vector<double> n;
  for (std::int64_t k : in.owner) {
    const TokenWindow& w = in.windows[static_cast<std::size_t>(k)];
    n.push_back(static_cast<double>(w.last - w.first + 1));
  }
  return n;
}

// Head h's weight of token i at `layer`, read from the flat [L][H][N] array.
double raw_weight(const Inspection& in, const Spec& s, std::int64_t h, std::int64_t i) {
  const std::vector<float>& all = s.weights == Spec::Weights::alpha ? in.alpha : in.beta;
  return all[static_cast<std::size_t>((s.layer * in.heads + h) * in.size() + i)];
}

// What the spec shades token i by, in float64: γ, one head, or the mean or max over heads,
// times n_w unless raw.
double expected_value(const Inspection& in, const Spec& s, std::int64_t i) {
  double v = 0;
  if (s.weights == Spec::Weights::gamma) {
    v = in.pooling[static_cast<std::size_t>(i)];
  } else if (s.heads == Spec::Heads::one) {
    v = raw_weight(in, s, s.head, i);
  } else {
    double sum = 0, top = -1;
    for (std::int64_t h = 0; h < in.heads; ++h) sum += raw_weight(in, s, h, i), top = std::max(top, raw_weight(in, s, h, i));
    v = s.heads == Spec::Heads::mean ? sum / static_cast<double>(in.heads) : top;
  }
  return s.scale == Spec::Scale::raw ? v : v * window_counts(in)[static_cast<std::size_t>(i)];
}

void expect_shading(const Inspection& in, const Spec& s) {
  const std::string name = format_shading_spec(s);
  const Shading got = compute_shading(in, s);
  const std::int64_t N = in.size();
  ASSERT_EQ(static_cast<std::int64_t>(got.values.size()), N) << name;
  double top = 0, least = std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < N; ++i) {
    const double want = expected_value(in, s, i);
    EXPECT_NEAR(got.values[static_cast<std::size_t>(i)], want, 1e-5 * std::max(1.0, want)) << name << " token " << i;
    top = std::max(top, want);
    if (i > 0) least = std::min(least, want);  // [CLS] (token 0) has no text
  }
  // The colour range: 0 … max, or min … max for stretched.
  EXPECT_NEAR(got.high, top, 1e-5 * top) << name;
  EXPECT_NEAR(got.low, s.scale == Spec::Scale::stretched ? least : 0.0, 1e-5 * top) << name;
  if (s.scale == Spec::Scale::stretched) EXPECT_GT(got.low, 0.0) << name;
  // Every head's row on the same scale, the selected one equal to the values.
  const bool gamma = s.weights == Spec::Weights::gamma;
  ASSERT_EQ(static_cast<std::int64_t>(got.per_head.size()), gamma ? 1 : in.heads) << name;
  EXPECT_EQ(got.selected, !gamma && s.heads == Spec::Heads::one ? s.head : -1) << name;
  for (std::int64_t h = 0; h < static_cast<std::int64_t>(got.per_head.size()) && !gamma; ++h) {
    Spec one = s;
    one.heads = Spec::Heads::one, one.head = h;
    for (std::int64_t i = 0; i < N; i += 7) {
      EXPECT_NEAR(got.per_head[static_cast<std::size_t>(h)][static_cast<std::size_t>(i)], expected_value(in, one, i), 1e-5)
          << name << " head " << h;
    }
  }
  // The legend names the weights, layer and heads, and the scale unless raw.
  EXPECT_EQ(got.legend.find("× tokens in its window (1 = uniform)") != std::string::npos, s.scale != Spec::Scale::raw) << name;
  if (!gamma) {
    const std::string heads = s.heads == Spec::Heads::mean ? "mean over heads"
                              : s.heads == Spec::Heads::max ? "max over heads" : "head " + std::to_string(s.head);
    EXPECT_EQ(got.legend.rfind(std::string(s.weights == Spec::Weights::alpha ? "α" : "β") + ", layer " +
                                   std::to_string(s.layer) + ", " + heads, 0), 0u) << got.legend;
  }
}

TEST_F(ShadingTest, EverySpecShadesByItsWeightsOnItsScaleAcrossWindows) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  InspectOptions options;
  options.overlap = 4;
  const Inspection in = inspect(m, long_text(55), options);
  ASSERT_GE(in.windows.size(), 4u);  // windows of different lengths: relative ≠ a constant factor
  for (auto weights : {Spec::Weights::alpha, Spec::Weights::beta, Spec::Weights::gamma}) {
    for (auto scale : {Spec::Scale::relative, Spec::Scale::stretched, Spec::Scale::raw}) {
      for (std::int64_t layer = 0; layer < in.layers; ++layer) {
        for (auto heads : {Spec::Heads::mean, Spec::Heads::max, Spec::Heads::one}) {
          for (std::int64_t head = 0; head < (heads == Spec::Heads::one ? in.heads : 1); ++head) {
            expect_shading(in, {weights, layer, heads, head, scale});
          }
        }
      }
    }
  }
  // A head whose stretched minimum is above 0 shades its least token white.
  const Shading s = compute_shading(in, {Spec::Weights::beta, 1, Spec::Heads::mean, 0, Spec::Scale::stretched});
  const auto least = std::min_element(s.values.begin() + 1, s.values.end());
  EXPECT_EQ(shading_position(s, *least), 0.0);
  EXPECT_EQ(shading_position(s, static_cast<float>(s.high)), 1.0);
  EXPECT_EQ(shading_position(s, std::numeric_limits<float>::quiet_NaN()), 0.0);
}

TEST_F(ShadingTest, SharesAreOneHeadsSpanShareOrTheHeadsMean) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  InspectOptions options;
  options.overlap = 4;
  const std::string text = long_text(40);
  const Inspection in = inspect(m, text, options);
  const auto sentences = sentence_ranges(text, in.tokens);
  ASSERT_GE(sentences.size(), 3u);
  // The share of a range in one row of weights: Σ range / Σ all.
  const auto share = [&](const std::function<double(std::int64_t)>& w, std::pair<std::int64_t, std::int64_t> r) {
    double part = 0, all = 0;
    for (std::int64_t i = 0; i < in.size(); ++i) (i >= r.first && i < r.second ? part : all) += w(i);
    return part / (part + all);
  };
  for (auto weights : {Spec::Weights::alpha, Spec::Weights::beta}) {
    for (auto heads : {Spec::Heads::one, Spec::Heads::mean, Spec::Heads::max}) {
      const Spec s{weights, 1, heads, 1, Spec::Scale::stretched};
      const std::vector<double> got = shading_shares(in, s, sentences);
      ASSERT_EQ(got.size(), sentences.size());
      double total = 0;
      for (std::size_t r = 0; r < sentences.size(); ++r) {
        double want = 0;
        if (heads == Spec::Heads::one) {
          want = share([&](std::int64_t i) { return raw_weight(in, s, 1, i); }, sentences[r]);
        } else {
          for (std::int64_t h = 0; h < in.heads; ++h) {
            want += share([&](std::int64_t i) { return raw_weight(in, s, h, i); }, sentences[r]) / static_cast<double>(in.heads);
          }
        }
        EXPECT_NEAR(got[r], want, 1e-9) << format_shading_spec(s) << " sentence " << r;
        total += got[r];
      }
      EXPECT_NEAR(total, 1.0, 1e-9);
    }
  }
  const Spec gamma{Spec::Weights::gamma, 0, Spec::Heads::mean, 0, Spec::Scale::raw};
  const std::vector<double> got = shading_shares(in, gamma, {{0, 5}, {5, in.size()}});
  EXPECT_NEAR(got[0], share([&](std::int64_t i) { return in.pooling[static_cast<std::size_t>(i)]; }, {0, 5}), 1e-9);
  EXPECT_NEAR(got[0] + got[1], 1.0, 1e-9);
  EXPECT_THROW(shading_shares(in, gamma, {{0, in.size() + 1}}), Error);
  EXPECT_EQ(compute_shading(in, {Spec::Weights::alpha, 1, Spec::Heads::max, 0, Spec::Scale::raw}).shares_title,
            "α, layer 1, averaged over heads");
}

TEST_F(ShadingTest, HtmlReportShadesEachTokenAsItsSpecSays) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  InspectOptions options;
  options.overlap = 4;
  const std::string text = long_text(40);
  const Inspection in = inspect(m, text, options);
  const Spec spec{Spec::Weights::beta, 1, Spec::Heads::max, 0, Spec::Scale::stretched};
  // The colour of each token's span, by its index.
  const auto colours = [&](const std::string& html) {
    std::map<std::int64_t, std::uint32_t> out;
    const std::regex span("<span class=\"t\" data-token=\"([0-9]+)\" style=\"background:#([0-9a-f]{6})\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), span); it != std::sregex_iterator(); ++it) {
      out[std::stoll((*it)[1])] = static_cast<std::uint32_t>(std::stoul((*it)[2], nullptr, 16));
    }
    return out;
  };
  const std::string html = inspection_html(in, text, spec);
  const auto shown = colours(html);
  ASSERT_EQ(static_cast<std::int64_t>(shown.size()), in.size() - 1);  // every token but [CLS]
  // Independently: the stretched range of the max over heads of β × n_w, and each shade.
  double low = std::numeric_limits<double>::infinity(), high = 0;
  for (std::int64_t i = 0; i < in.size(); ++i) {
    if (i > 0) low = std::min(low, expected_value(in, spec, i));  // [CLS] has no text to shade
    high = std::max(high, expected_value(in, spec, i));
  }
  for (const auto& [i, rgb] : shown) {
    const double t = (expected_value(in, spec, i) - low) / (high - low);
    // float32 vs float64 may round t to the neighbouring of the 256 steps.
    EXPECT_TRUE(rgb == shading_rgb(t) || rgb == shading_rgb(t - 1e-5) || rgb == shading_rgb(t + 1e-5))
        << "token " << i << ": " << std::hex << rgb << " for t = " << t;
  }
  std::int64_t lightest = 1;
  for (std::int64_t i = 1; i < in.size(); ++i) {
    if (expected_value(in, spec, i) < expected_value(in, spec, lightest)) lightest = i;
  }
  EXPECT_EQ(shown.at(lightest), 0xffffffu) << "stretched: the smallest weight is white";
  // The legend names the weights, layer, heads and scale, and the spec itself.
  EXPECT_NE(html.find("β, layer 1, max over heads × tokens in its window (1 = uniform)"), std::string::npos);
  EXPECT_NE(html.find("scale: relative, stretched"), std::string::npos);
  EXPECT_NE(html.find("<code>shade=beta,layer=1,heads=max,scale=stretched</code>"), std::string::npos);
  // The default spec (α, layer 0, mean, relative) is another shading.
  const std::string plain = inspection_html(in, text, Spec{});
  EXPECT_NE(colours(plain), shown);
  EXPECT_NE(plain.find("α, layer 0, mean over heads × tokens in its window"), std::string::npos);
  EXPECT_NE(plain.find("scale: relative to uniform, <span class=\"low\">0</span>"), std::string::npos);
}

TEST(ShadingSpecText, ParsesTheStudiosKeysAndFormatsBack) {
  const Spec s = parse_shading_spec(" layer=1, heads=mean ,shade=beta,scale=stretched");
  EXPECT_EQ(s, (Spec{Spec::Weights::beta, 1, Spec::Heads::mean, 0, Spec::Scale::stretched}));
  EXPECT_EQ(format_shading_spec(s), "shade=beta,layer=1,heads=mean,scale=stretched");
  // Keys not given keep the base's values.
  const Spec t = parse_shading_spec("heads=3", s);
  EXPECT_EQ(t, (Spec{Spec::Weights::beta, 1, Spec::Heads::one, 3, Spec::Scale::stretched}));
  for (auto weights : {Spec::Weights::alpha, Spec::Weights::beta, Spec::Weights::gamma}) {
    for (auto heads : {Spec::Heads::mean, Spec::Heads::max, Spec::Heads::one}) {
      for (auto scale : {Spec::Scale::relative, Spec::Scale::stretched, Spec::Scale::raw}) {
        const Spec u{weights, 2, heads, 5, scale};
        EXPECT_EQ(parse_shading_spec(format_shading_spec(u)), u) << format_shading_spec(u);
      }
    }
  }
  EXPECT_EQ(parse_shading_spec(""), Spec{});
  for (const char* bad : {"shade=delta", "heads=-1", "heads=1.5", "layer=x", "layer=", "scale=log", "colour=red", "heads"}) {
    const std::string message = testing::error_of([&] { parse_shading_spec(bad); });
    EXPECT_NE(message.find(bad), std::string::npos) << bad << ": " << message;
  }
}

TEST_F(ShadingTest, SpecsThatDoNotFitTheInspectionAreErrors) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  const Inspection in = inspect(m, "A cat sat on the mat.");
  const auto message = [&](const Inspection& of, const Spec& s) {
    return testing::error_of([&] { compute_shading(of, s); });
  };
  EXPECT_NE(message(in, {Spec::Weights::alpha, 2, Spec::Heads::mean, 0, Spec::Scale::raw}).find("layer 2 does not exist"),
            std::string::npos);
  EXPECT_NE(message(in, {Spec::Weights::beta, 0, Spec::Heads::one, 2, Spec::Scale::raw}).find("head 2 does not exist"),
            std::string::npos);
  EXPECT_THROW(shading_shares(in, {Spec::Weights::alpha, -1, Spec::Heads::mean, 0, Spec::Scale::raw}, {}), Error);
  EXPECT_THROW(inspection_html(in, "A cat sat on the mat.", {Spec::Weights::alpha, 0, Spec::Heads::one, 9, Spec::Scale::raw}),
               Error);
  EXPECT_EQ(available_shading(in, Spec{}), Spec{});

  const TrainedModel soft = make_model(dir_ / "soft", AttentionKind::softmax, 32);
  const Inspection sm = inspect(soft, "A cat sat on the mat.");
  const Spec beta{Spec::Weights::beta, 0, Spec::Heads::mean, 0, Spec::Scale::relative};
  EXPECT_NE(message(sm, beta).find("no β"), std::string::npos) << message(sm, beta);
  EXPECT_THROW(shading_shares(sm, beta, {}), Error);
  // The Studio shades such a checkpoint by γ.
  EXPECT_EQ(available_shading(sm, beta).weights, Spec::Weights::gamma);
  expect_shading(sm, available_shading(sm, beta));
}

TEST(ShadingColours, WhiteToOrangeRedIn256Steps) {
  EXPECT_EQ(shading_rgb(0.0), 0xffffffu);
  EXPECT_EQ(shading_rgb(-1.0), 0xffffffu);
  EXPECT_EQ(shading_rgb(std::nan("")), 0xffffffu);
  EXPECT_EQ(shading_rgb(1.0), 0xef6548u);
  EXPECT_EQ(shading_rgb(7.0), 0xef6548u);
  EXPECT_EQ(shading_rgb(0.25), 0xfee8c8u);  // a stop: (254, 232, 200)
  // t = 0.6 → step 153 = 0.6 exactly, 40% of the way from peach (253,187,132) to orange
  // (252,141,89): (252.6, 168.6, 114.8), rounded.
  EXPECT_EQ(shading_rgb(0.6), 0xfda973u);
  EXPECT_EQ(shading_rgb(0.6 + 0.4 / 255), 0xfda973u) << "quantised to the nearest of 256 steps";
}

}  // namespace
}  // namespace fastformer
