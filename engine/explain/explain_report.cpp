// An Explanation as JSON (`fastformer explain --out`): scores beside the tokens' byte spans.
#include "fastformer/explain.h"

#include <nlohmann/json.hpp>

namespace fastformer {

nlohmann::json explanation_json(const Explanation& e) {
  nlohmann::json tokens = nlohmann::json::array();
  for (const InspectToken& t : e.tokens) tokens.push_back({{"piece", t.piece}, {"id", t.id}, {"begin", t.begin}, {"end", t.end}});
  nlohmann::json methods = nlohmann::json::object();
  for (const Attribution& a : e.attributions) {
    nlohmann::json m{{"scores", a.scores}, {"signed", a.is_signed}, {"seconds", a.seconds}};
    if (a.method == AttributionMethod::occlusion) m["span"] = a.span;
    if (a.method == AttributionMethod::integrated_gradients) {
      m["delta"] = a.delta;
      m["completeness_gap"] = a.completeness_gap;
    }
    methods[to_string(a.method)] = std::move(m);
  }
  return {{"labels", e.labels},      {"probabilities", e.probabilities}, {"target", e.target},
          {"target_logit", e.target_logit}, {"windows", e.windows},  {"tokens", std::move(tokens)},
          {"methods", std::move(methods)}};
}

}  // namespace fastformer
