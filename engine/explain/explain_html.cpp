// How a method's scores are coloured, and the explanation as a standalone HTML page
// (`fastformer explain --html`, the Studio's export of a method's shading).
#include "fastformer/explain.h"

#include "fastformer/error.h"
#include "fastformer/shading.h"
#include "inspect/html_text.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fastformer {
namespace {

std::string legend_for(const Attribution& a, const std::string& label) {
  const std::string target = "'" + label + "'";
  switch (a.method) {
    case AttributionMethod::alpha:
      return "α (query pooling) × tokens in its window, mean over heads and layers (1 = uniform)";
    case AttributionMethod::beta:
      return "β (key pooling) × tokens in its window, mean over heads and layers (1 = uniform)";
    case AttributionMethod::gamma: return "γ (document pooling) × tokens in its window (1 = uniform)";
    case AttributionMethod::gradient:
      return "‖∂ logit " + target + " / ∂ token vector‖: how strongly the token can move the score (no sign)";
    case AttributionMethod::gradient_x_input:
      return "gradient × input for " + target + ": orange supports it, blue speaks against it";
    case AttributionMethod::integrated_gradients:
      return "Integrated Gradients for " + target + " from all padding: orange supports it, blue against";
    case AttributionMethod::occlusion:
      return "occlusion (" + (a.span == kSentenceSpans ? std::string("sentences") : std::to_string(a.span) + "-token spans") + "): p(" + target +
             ") − p without the span; orange: hiding it lowers p, blue: raises it";
  }
  return to_string(a.method);
}

std::string target_label(const Explanation& e) {
  const auto t = static_cast<std::size_t>(e.target);
  return t < e.labels.size() ? e.labels[t] : std::to_string(e.target);
}

}  // namespace

AttributionScale attribution_scale(const Explanation& explanation, const Attribution& a) {
  AttributionScale scale;
  scale.diverging = a.is_signed;
  for (const float s : a.scores) {
    if (std::isfinite(s)) scale.high = std::max(scale.high, static_cast<double>(a.is_signed ? std::abs(s) : s));
  }
  scale.legend = legend_for(a, target_label(explanation));
  return scale;
}

double attribution_position(const AttributionScale& scale, float score) {
  if (!std::isfinite(score) || scale.high <= 0) return 0.0;
  const double t = score / scale.high;
  return std::clamp(t, scale.diverging ? -1.0 : 0.0, 1.0);
}

std::string explanation_html(const Explanation& e, const std::string& text, const std::vector<AttributionMethod>& methods) {
  std::vector<const Attribution*> shown;
  for (const AttributionMethod m : methods) {
    const Attribution* a = e.find(m);
    if (!a) throw Error("method '" + to_string(m) + "' was not computed", "methods");
    shown.push_back(a);
  }
  if (methods.empty())
    for (const Attribution& a : e.attributions) shown.push_back(&a);

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Fastformer explanation</title>\n"
       << "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
       << ".text{white-space:pre-wrap;line-height:1.6;font-family:serif;border:1px solid #ddd;padding:0.5em}"
       << ".t{border-radius:2px}.bar{display:inline-block;width:12em;height:0.9em;vertical-align:middle;"
       << "border:1px solid #787878}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
       << "</style></head><body>\n<h1>Fastformer explanation</h1>\n<p>Explained class: <b>"
       << escape_html(target_label(e)) << "</b>";
  for (std::size_t c = 0; c < e.probabilities.size() && c < e.labels.size(); ++c) {
    html << " &middot; " << escape_html(e.labels[c]) << " " << format_number(e.probabilities[c]);
  }
  html << " &middot; " << e.tokens.size() << " tokens in " << e.windows << " window" << (e.windows == 1 ? "" : "s")
       << "</p>\n";
  for (const Attribution* a : shown) {
    const AttributionScale scale = attribution_scale(e, *a);
    const auto rgb = [&](double t) { return scale.diverging ? diverging_rgb(t) : shading_rgb(t); };
    html << "<h2 id=\"" << to_string(a->method) << "\">" << to_string(a->method) << "</h2>\n<p class=\"legend\">"
         << escape_html(scale.legend) << "; " << (scale.diverging ? format_number(-scale.high) : "0")
         << " <span class=\"bar\" style=\"background:linear-gradient(to right";
    for (int k = scale.diverging ? -8 : 0; k <= 8; ++k) html << "," << hex_colour(rgb(k / 8.0));
    html << ")\"></span> " << format_number(scale.high) << " &middot; " << format_number(a->seconds) << " s</p>\n"
         << "<div class=\"text\">"
         << shaded_text_html(
                text, e.tokens,
                [&](std::int64_t i) { return rgb(attribution_position(scale, a->scores[static_cast<std::size_t>(i)])); },
                [&](std::int64_t i) {
                  return e.tokens[static_cast<std::size_t>(i)].piece + " " + format_number(a->scores[static_cast<std::size_t>(i)]);
                })
         << "</div>\n";
  }
  const Faithfulness& f = e.faithfulness;
  if (!f.curves.empty()) {
    html << "<h2>Faithfulness</h2>\n<table><tr><th>method</th><th>AOPC deletion</th><th>AOPC insertion</th>"
         << "<th>verdict</th></tr>\n";
    for (const FaithfulnessCurve& c : f.curves) {
      html << "<tr><td>" << escape_html(c.name) << "</td><td>" << format_number(c.aopc_deletion) << "</td><td>"
           << format_number(c.aopc_insertion) << "</td><td>"
           << (c.name == "random" ? std::string("mean of the random orders") : escape_html(verdict_text(f, c)))
           << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  html << "</body></html>\n";
  return html.str();
}

}  // namespace fastformer
