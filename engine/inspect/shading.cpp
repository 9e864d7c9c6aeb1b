// The shading specification: parsing and formatting it, checking it against an
// inspection, and computing from it each token's value, the colour scale, the legend and
// the spans' shares.
#include "fastformer/shading.h"

#include "fastformer/error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <numeric>

namespace fastformer {
namespace {

constexpr const char* kWhere = "shading";
constexpr const char* kKeys = "keys: shade=alpha|beta|gamma|normalizer, layer=N, heads=mean|max|N, scale=relative|stretched|raw";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A whole non-negative decimal number, or -1.
std::int64_t count(std::string_view s) {
  std::int64_t n = -1;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), n);
  return error == std::errc() && end == s.data() + s.size() && n >= 0 ? n : -1;
}

// One of `names` (index = the enum's value); throws naming the item otherwise.
int choice(std::string_view item, std::string_view value, const std::vector<std::string_view>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (value == names[i]) return static_cast<int>(i);
  }
  std::string allowed;
  for (std::size_t i = 0; i < names.size(); ++i) allowed += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + std::string(names[i]);
  throw Error("'" + std::string(item) + "' is not " + allowed, kWhere, kKeys);
}

const char* symbol(ShadingSpec::Weights w) {
  switch (w) {
    case ShadingSpec::Weights::alpha: return "α";
    case ShadingSpec::Weights::beta: return "β";
    case ShadingSpec::Weights::gamma: return "γ";
    case ShadingSpec::Weights::normalizer: return "n";
  }
  return "α";
}

// The per-head weights behind α, β and n (γ has no heads).
Pooling pooling_of(ShadingSpec::Weights w) {
  return w == ShadingSpec::Weights::alpha ? Pooling::alpha : w == ShadingSpec::Weights::beta ? Pooling::beta : Pooling::normalizer;
}

}  // namespace

bool ShadingSpec::operator==(const ShadingSpec& o) const {
  return weights == o.weights && layer == o.layer && heads == o.heads && (heads != Heads::one || head == o.head) &&
         scale == o.scale;
}

ShadingSpec parse_shading_spec(std::string_view text, ShadingSpec spec) {
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t equals = item.find('=');
    const std::string_view key = trim(item.substr(0, equals));
    const std::string_view value = equals == std::string_view::npos ? std::string_view() : trim(item.substr(equals + 1));
    if (key == "shade") {
      spec.weights = static_cast<ShadingSpec::Weights>(choice(item, value, {"alpha", "beta", "gamma", "normalizer"}));
    } else if (key == "scale") {
      spec.scale = static_cast<ShadingSpec::Scale>(choice(item, value, {"relative", "stretched", "raw"}));
    } else if (key == "layer") {
      spec.layer = count(value);
      if (spec.layer < 0) throw Error("'" + std::string(item) + "' is not a layer number (0, 1, …)", kWhere, kKeys);
    } else if (key == "heads") {
      if (value == "mean" || value == "max") {
        spec.heads = value == "mean" ? ShadingSpec::Heads::mean : ShadingSpec::Heads::max;
      } else if (const std::int64_t head = count(value); head >= 0) {
        spec.heads = ShadingSpec::Heads::one;
        spec.head = head;
      } else {
        throw Error("'" + std::string(item) + "' is not mean, max or a head number (0, 1, …)", kWhere, kKeys);
      }
    } else {
      throw Error("unknown key in '" + std::string(item) + "'", kWhere, kKeys);
    }
  }
  return spec;
}

std::string format_shading_spec(const ShadingSpec& s) {
  static const char* weights[] = {"alpha", "beta", "gamma", "normalizer"};
  static const char* scales[] = {"relative", "stretched", "raw"};
  const std::string heads = s.heads == ShadingSpec::Heads::mean  ? "mean"
                            : s.heads == ShadingSpec::Heads::max ? "max"
                                                                 : std::to_string(s.head);
  return std::string("shade=") + weights[static_cast<int>(s.weights)] + ",layer=" + std::to_string(s.layer) +
         ",heads=" + heads + ",scale=" + scales[static_cast<int>(s.scale)];
}

void check_shading(const Inspection& in, const ShadingSpec& s) {
  const std::int64_t N = in.size();
  if (s.weights == ShadingSpec::Weights::gamma) {
    if (static_cast<std::int64_t>(in.pooling.size()) != N) throw Error("the inspection has no pooling weights γ", kWhere);
  } else if (s.weights == ShadingSpec::Weights::normalizer) {
    if (static_cast<std::int64_t>(in.normalizer.size()) != in.layers * in.heads * N) {
      throw Error("this model has no normaliser n: only linear attention has one", kWhere,
                  "shade by gamma (the pooling weights)");
    }
  } else if (in.alpha.empty() || in.beta.empty()) {
    throw Error(std::string("this model has no ") + symbol(s.weights) + ": only additive attention has α and β", kWhere,
                in.normalizer.empty() ? "shade by gamma (the pooling weights)"
                                      : "shade by normalizer (linear attention's) or gamma (the pooling weights)");
  } else if (static_cast<std::int64_t>(in.alpha.size()) != in.layers * in.heads * N ||
             in.beta.size() != in.alpha.size()) {
    throw Error("α and β do not hold layers × heads × tokens weights", kWhere);
  }
  if (s.layer < 0 || s.layer >= in.layers) {
    throw Error("layer " + std::to_string(s.layer) + " does not exist", kWhere,
                "the model has " + std::to_string(in.layers) + " layers, 0 to " + std::to_string(in.layers - 1));
  }
  if (s.heads == ShadingSpec::Heads::one && (s.head < 0 || s.head >= in.heads)) {
    throw Error("head " + std::to_string(s.head) + " does not exist", kWhere,
                "the model has " + std::to_string(in.heads) + " heads, 0 to " + std::to_string(in.heads - 1));
  }
}

ShadingSpec available_shading(const Inspection& in, ShadingSpec spec) {
  const bool wants_additive = spec.weights == ShadingSpec::Weights::alpha || spec.weights == ShadingSpec::Weights::beta;
  const bool has_normalizer = !in.normalizer.empty();
  if ((wants_additive && in.alpha.empty()) || (spec.weights == ShadingSpec::Weights::normalizer && !has_normalizer)) {
    spec.weights = has_normalizer ? ShadingSpec::Weights::normalizer
                   : in.alpha.empty() ? ShadingSpec::Weights::gamma
                                      : ShadingSpec::Weights::alpha;
  }
  return spec;
}

Shading compute_shading(const Inspection& in, const ShadingSpec& spec) {
  check_shading(in, spec);
  const auto N = static_cast<std::size_t>(in.size());
  Shading s;
  s.spec = spec;
  const bool gamma = spec.weights == ShadingSpec::Weights::gamma;
  if (gamma) {
    s.raw = in.pooling;
    s.per_head = {in.pooling};
  } else {
    const Pooling which = pooling_of(spec.weights);
    for (std::int64_t h = 0; h < in.heads; ++h) s.per_head.push_back(head_weights(in, spec.layer, h, which));  // [H][N]
    s.raw.assign(N, 0.0f);
    for (std::size_t i = 0; i < N; ++i) {
      float sum = 0, top = 0;
      for (const auto& w : s.per_head) {
        sum += w[i];
        top = std::max(top, w[i]);
      }
      s.raw[i] = spec.heads == ShadingSpec::Heads::mean  ? sum / static_cast<float>(in.heads)
                 : spec.heads == ShadingSpec::Heads::max ? top
                                                         : s.per_head[static_cast<std::size_t>(spec.head)][i];
    }
    if (spec.heads == ShadingSpec::Heads::one) s.selected = spec.head;
  }
  // Each window's weights are a softmax over that window alone: × its token count puts
  // every window on one scale.
  if (spec.scale == ShadingSpec::Scale::raw) {
    s.values = s.raw;
  } else {
    s.values = relative_weights(in, s.raw);
    for (auto& w : s.per_head) w = relative_weights(in, w);
  }
  double top = 0.0, least = HUGE_VAL;
  for (std::size_t i = 0; i < N; ++i) {
    const double v = s.values[i];
    if (!std::isfinite(v)) continue;
    top = std::max(top, v);
    if (in.tokens[i].end > in.tokens[i].begin) least = std::min(least, v);  // [CLS] has no text to shade
  }
  s.high = top;
  s.low = spec.scale == ShadingSpec::Scale::stretched && least < top ? std::max(0.0, least) : 0.0;

  const std::string layer = ", layer " + std::to_string(spec.layer);
  const std::string heads = spec.heads == ShadingSpec::Heads::mean  ? "mean over heads"
                            : spec.heads == ShadingSpec::Heads::max ? "max over heads"
                                                                    : "head " + std::to_string(spec.head);
  const std::string what = gamma ? "γ (document pooling)" : symbol(spec.weights) + layer + ", " + heads;
  s.legend = what + (spec.scale == ShadingSpec::Scale::raw ? "" : " × tokens in its window (1 = uniform)");
  s.shares_title = gamma || spec.heads == ShadingSpec::Heads::one ? what
                                                                  : symbol(spec.weights) + layer + ", averaged over heads";
  return s;
}

double shading_position(const Shading& s, float value) {
  if (!(s.high > s.low)) return 0.0;
  const double t = (static_cast<double>(value) - s.low) / (s.high - s.low);
  return t > 0.0 ? std::min(1.0, t) : 0.0;  // NaN: 0
}

namespace {

struct Stop {
  double t;
  int r, g, b;
};

// 256 colours interpolated between five stops at t = 0, 0.25, 0.5, 0.75, 1.
std::array<std::uint32_t, 256> colour_table(const std::array<Stop, 5>& stops) {
  std::array<std::uint32_t, 256> out{};
  for (int i = 0; i < 256; ++i) {
    const double x = i / 255.0;
    std::size_t k = 1;
    while (k + 1 < stops.size() && x > stops[k].t) ++k;
    const Stop& a = stops[k - 1];
    const Stop& b = stops[k];
    const double u = (x - a.t) / (b.t - a.t);
    const auto mix = [u](int p, int q) { return static_cast<std::uint32_t>(std::lround(p + (q - p) * u)); };
    out[static_cast<std::size_t>(i)] = mix(a.r, b.r) << 16 | mix(a.g, b.g) << 8 | mix(a.b, b.b);
  }
  return out;
}

std::uint32_t lookup(const std::array<std::uint32_t, 256>& table, double t) {
  if (!(t > 0.0)) return table[0];  // also NaN
  if (t >= 1.0) return table[255];
  return table[static_cast<std::size_t>(std::lround(t * 255.0))];
}

}  // namespace

std::uint32_t shading_rgb(double t) {
  // White, cream, peach, orange, orange-red (OrRd-like, stopping short of dark red).
  static const auto table =
      colour_table({{{0.0, 255, 255, 255}, {0.25, 254, 232, 200}, {0.5, 253, 187, 132}, {0.75, 252, 141, 89}, {1.0, 239, 101, 72}}});
  return lookup(table, t);
}

std::uint32_t diverging_rgb(double t) {
  // White, pale, light, mid and steel blue (Blues-like; black text keeps > 4.5:1 on all).
  static const auto blues =
      colour_table({{{0.0, 255, 255, 255}, {0.25, 222, 235, 247}, {0.5, 180, 211, 236}, {0.75, 128, 177, 218}, {1.0, 84, 144, 204}}});
  if (t < 0.0) return lookup(blues, -t);
  return shading_rgb(t);
}

std::vector<double> shading_shares(const Inspection& in, const ShadingSpec& spec,
                                   const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges) {
  check_shading(in, spec);
  if (spec.weights == ShadingSpec::Weights::gamma) {
    const double total = std::accumulate(in.pooling.begin(), in.pooling.end(), 0.0);
    std::vector<double> shares;
    for (const auto& [first, last] : ranges) {
      if (first < 0 || last > in.size() || first > last) {
        throw Error("token range [" + std::to_string(first) + ", " + std::to_string(last) + ") is outside [0, " +
                        std::to_string(in.size()) + ")",
                    "shading_shares");
      }
      const double sum = std::accumulate(in.pooling.begin() + first, in.pooling.begin() + last, 0.0);
      shares.push_back(total > 0 ? sum / total : 0.0);
    }
    return shares;
  }
  const Pooling which = pooling_of(spec.weights);
  if (spec.heads == ShadingSpec::Heads::one) return span_shares(in, spec.layer, spec.head, which, ranges);
  // Mean and max views: the heads' shares averaged (the share of a max has no meaning of
  // its own, since the max over heads is no softmax).
  std::vector<double> mean(ranges.size(), 0.0);
  for (std::int64_t h = 0; h < in.heads; ++h) {
    const std::vector<double> shares = span_shares(in, spec.layer, h, which, ranges);
    for (std::size_t r = 0; r < mean.size(); ++r) mean[r] += shares[r];
  }
  for (double& m : mean) m /= static_cast<double>(std::max<std::int64_t>(1, in.heads));
  return mean;
}

}  // namespace fastformer
