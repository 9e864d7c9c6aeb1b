// How an inspected document is shaded: one specification (which weights, layer, heads and
// colour scale) and what follows from it — each token's value, the colour scale's ends, the
// legend and the spans' shares — shared by the Studio, the HTML report and the CLI.
#pragma once

#include "fastformer/inspect.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fastformer {

// Shape letters as in inspect.h: N tokens with [CLS], H heads.

struct ShadingSpec {
  // α (Eq. 3), β (Eq. 5), pooling γ, linear attention's normaliser shares n (inspect.h)
  enum class Weights { alpha, beta, gamma, normalizer };
  enum class Heads { one, mean, max };        // one head, or the mean or max over heads
  // relative: each weight × its owner window's token count (1 = the uniform share);
  // stretched: relative, the lightest shade at the smallest shown weight instead of 0;
  // raw: the softmax weights themselves.
  enum class Scale { relative, stretched, raw };

  Weights weights = Weights::alpha;
  std::int64_t layer = 0;       // α, β: the layer (γ has none)
  Heads heads = Heads::mean;
  std::int64_t head = 0;        // the head when heads == one
  Scale scale = Scale::relative;

  bool operator==(const ShadingSpec& other) const;
  bool operator!=(const ShadingSpec& other) const { return !(*this == other); }
};

// "shade=alpha|beta|gamma|normalizer,layer=N,heads=mean|max|N,scale=relative|stretched|raw", the keys
// of the Studio's --inspect-view, in any order and any subset: the keys given replace those
// of `base`. Throws fastformer::Error naming the item for an unknown key or a bad value.
ShadingSpec parse_shading_spec(std::string_view text, ShadingSpec base = {});
// All four keys, in that order; parse_shading_spec(format_shading_spec(s)) == s.
std::string format_shading_spec(const ShadingSpec& spec);

// Throws fastformer::Error when the inspection cannot be shaded by `spec`: α or β of a
// model without additive attention, n of one without linear attention, a layer or head that
// does not exist.
void check_shading(const Inspection& inspection, const ShadingSpec& spec);
// `spec` with what the inspection has in place of α/β or n when it has none: n for a linear
// checkpoint, γ for a softmax one, as the Studio shows them; otherwise `spec` itself.
ShadingSpec available_shading(const Inspection& inspection, ShadingSpec spec);

struct Shading {
  ShadingSpec spec;
  // The chosen weights before the scale: one head's, the mean or max over heads, or γ.
  std::vector<float> raw;                  // (N)
  // What is shaded: raw, × the owner window's token count unless the scale is raw (a
  // product per token, so it commutes with the mean and max over heads).
  std::vector<float> values;               // (N)
  // Every head's weights of the layer on the same scale as values (γ: one row, values).
  std::vector<std::vector<float>> per_head;  // [H][N]
  std::int64_t selected = -1;  // the row of per_head that values is (one head), else -1
  // The colour scale: a value v has the shade t = (v − low) / (high − low), clamped to
  // [0, 1]. high: the largest finite value (≥ 0); low: 0, or for stretched the smallest
  // value of a token with text ([CLS] has none), when that is below high.
  double low = 0, high = 0;
  std::string legend;        // e.g. "β, layer 1, mean over heads × tokens in its window (1 = uniform)"
  std::string shares_title;  // what shading_shares are shares of
};

// Throws like check_shading.
Shading compute_shading(const Inspection& inspection, const ShadingSpec& spec);

// Where `value` sits on the shading's colour scale, in [0, 1] (NaN: 0; no range: 0).
double shading_position(const Shading& shading, float value);

// The shade of t ∈ [0, 1] as 0xRRGGBB (clamped; NaN counts as 0): white at 0 through
// cream, peach and orange to orange-red at 1, in 256 steps; dark enough at 1 for black
// text to keep a 4.5:1 contrast. The Studio and the HTML report paint with it.
std::uint32_t shading_rgb(double t);
// Signed values, t ∈ [−1, 1] (clamped; NaN counts as 0): shading_rgb(t) for t ≥ 0, and
// for t < 0 a blue of the same lightness steps (white at 0, steel blue at −1), so that
// "for" and "against" read apart and black text stays readable on both.
std::uint32_t diverging_rgb(double t);

// Each token range's share of the weights the spec names. One head: span_shares. Mean or
// max over heads: the mean over heads of each head's span share (each head's shares of a
// tiling sum to 1, so these do too). γ: Σ_{i∈range} γ_i / Σ_all γ_i. The scale does not
// matter: shares are of the softmax weights. Throws like check_shading, and for a range
// outside [0, N).
std::vector<double> shading_shares(const Inspection& inspection, const ShadingSpec& spec,
                                   const std::vector<std::pair<std::int64_t, std::int64_t>>& token_ranges);

}  // namespace fastformer
