// Writing an inspection out: JSON with every array (nested [L][H][N] etc.) and a
// standalone HTML page shading the document's text as a ShadingSpec says.
#include "fastformer/inspect.h"

#include "fastformer/shading.h"
#include "inspect/html_text.h"

#include <cstdio>
#include <sstream>

namespace fastformer {
namespace {

// A flat vector as nested arrays of the given shape.
nlohmann::json nested(const std::vector<float>& flat, const std::vector<std::int64_t>& shape, std::size_t dim = 0,
                      std::int64_t offset = 0) {
  nlohmann::json out = nlohmann::json::array();
  if (flat.empty()) return out;
  std::int64_t stride = 1;
  for (std::size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
  for (std::int64_t i = 0; i < shape[dim]; ++i) {
    if (dim + 1 == shape.size()) {
      out.push_back(flat[static_cast<std::size_t>(offset + i)]);
    } else {
      out.push_back(nested(flat, shape, dim + 1, offset + i * stride));
    }
  }
  return out;
}

}  // namespace

nlohmann::json inspection_json(const Inspection& in) {
  using nlohmann::json;
  const std::int64_t N = in.size(), L = in.layers, H = in.heads, Dh = in.head_dim;
  const auto W = static_cast<std::int64_t>(in.windows.size());
  const auto C = static_cast<std::int64_t>(in.probabilities.size());
  json tokens = json::array();
  for (const auto& t : in.tokens) tokens.push_back({{"id", t.id}, {"begin", t.begin}, {"end", t.end}, {"piece", t.piece}});
  json windows = json::array();
  for (const auto& w : in.windows) windows.push_back({w.first, w.last});
  json entropies = json::array();
  for (const auto& head : head_summaries(in)) {
    for (const auto& [name, s] : {std::pair<const char*, const HeadSummary&>{"alpha", head.alpha}, {"beta", head.beta}}) {
      entropies.push_back({{"layer", head.layer}, {"head", head.head}, {"weights", name}, {"entropy", s.entropy},
                           {"max_weight", s.max_weight}, {"collapsed", s.collapsed}, {"uniform", s.uniform}});
    }
  }
  json out = {{"attention", to_string(in.attention)},
              {"layers", L},
              {"heads", H},
              {"head_dim", Dh},
              {"max_len", in.max_len},
              {"truncated", in.truncated},
              {"tokens", tokens},
              {"windows", windows},
              {"owner", in.owner},
              {"labels", in.labels},
              {"probabilities", in.probabilities},
              {"predicted", in.labels.empty() ? json(in.predicted) : json(in.labels[static_cast<std::size_t>(in.predicted)])},
              {"window_logits", nested(in.window_logits, {W, C})},
              {"pooling", in.pooling},
              {"alpha", nested(in.alpha, {L, H, N})},
              {"beta", nested(in.beta, {L, H, N})},
              {"global_query", nested(in.global_query, {W, L, H, Dh})},
              {"global_key", nested(in.global_key, {W, L, H, Dh})},
              {"entropies", entropies}};
  if (!in.normalizer.empty()) out["normalizer"] = nested(in.normalizer, {L, H, N});
  if (!in.softmax_weights.empty()) {
    out["softmax_weights"] = {{"layer", in.softmax_layer}, {"head", in.softmax_head},
                              {"weights", nested(in.softmax_weights, {N, N})}};
  }
  return out;
}

std::string inspection_html(const Inspection& in, const std::string& text, const ShadingSpec& spec) {
  const Shading shading = compute_shading(in, spec);
  const auto colour = [](double t) { return hex_colour(shading_rgb(t)); };
  const auto number = format_number;
  static const char* scales[] = {"relative to uniform", "relative, stretched", "raw weights"};
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Fastformer inspection</title>\n"
       << "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
       << "#text{white-space:pre-wrap;line-height:1.6;font-family:serif}"
       << ".t{border-radius:2px}.bar{display:inline-block;width:12em;height:0.9em;vertical-align:middle;"
       << "border:1px solid #787878;background:linear-gradient(to right";
  for (int i = 0; i <= 8; ++i) html << "," << colour(i / 8.0);
  html << ")}</style></head><body>\n<h1>Fastformer inspection</h1>\n<p>Prediction: <b>"
       << escape_html(in.labels.empty() ? std::to_string(in.predicted) : in.labels[static_cast<std::size_t>(in.predicted)])
       << "</b>";
  for (std::size_t c = 0; c < in.probabilities.size() && c < in.labels.size(); ++c) {
    char p[32];
    std::snprintf(p, sizeof p, "%.4f", in.probabilities[c]);
    html << " &middot; " << escape_html(in.labels[c]) << " " << p;
  }
  html << "</p>\n<p class=\"legend\">Shading: <span class=\"what\">" << escape_html(shading.legend)
       << "</span>; scale: " << scales[static_cast<int>(spec.scale)] << ", <span class=\"low\">" << number(shading.low)
       << "</span> <span class=\"bar\"></span> <span class=\"high\">" << number(shading.high) << "</span>";
  if (in.windows.size() > 1) html << "; " << in.windows.size() << " windows, each token from one window";
  if (in.truncated) html << "; truncated to " << in.max_len << " tokens";
  html << "</p>\n<p class=\"view\">View: <code>" << format_shading_spec(spec) << "</code></p>\n<div id=\"text\">";
  html << shaded_text_html(
      text, in.tokens, [&](std::int64_t i) { return shading_rgb(shading_position(shading, shading.values[static_cast<std::size_t>(i)])); },
      [&](std::int64_t i) { return in.tokens[static_cast<std::size_t>(i)].piece + " " + number(shading.values[static_cast<std::size_t>(i)]); },
      in.truncated);
  html << "</div>\n</body></html>\n";
  return html.str();
}

}  // namespace fastformer
