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
    if (a.method == AttributionMethod::occlusion) {
      m["span"] = a.span == kSentenceSpans ? nlohmann::json("sentence") : nlohmann::json(a.span);
    }
    if (a.method == AttributionMethod::integrated_gradients) {
      m["delta"] = a.delta;
      m["completeness_gap"] = a.completeness_gap;
    }
    methods[to_string(a.method)] = std::move(m);
  }
  nlohmann::json out{{"labels", e.labels},      {"probabilities", e.probabilities}, {"target", e.target},
                     {"target_logit", e.target_logit}, {"windows", e.windows},  {"tokens", std::move(tokens)},
                     {"methods", std::move(methods)}};
  const Faithfulness& f = e.faithfulness;
  if (!f.curves.empty()) {
    nlohmann::json curves = nlohmann::json::array();
    for (const FaithfulnessCurve& c : f.curves) {
      curves.push_back({{"name", c.name}, {"deletion", c.deletion}, {"insertion", c.insertion},
                        {"aopc_deletion", c.aopc_deletion}, {"aopc_insertion", c.aopc_insertion}});
    }
    out["faithfulness"] = {{"fractions", f.fractions},
                           {"curves", std::move(curves)},
                           {"random_aopc_deletion", f.random_aopc_deletion},
                           {"random_aopc_insertion", f.random_aopc_insertion},
                           {"spearman", f.spearman},
                           {"seconds", f.seconds}};
  }
  const PoolingAblations& a = e.ablation;
  if (!a.empty()) {
    out["ablation"] = {{"layers", a.layers},         {"heads", a.heads},           {"alpha_head", a.alpha_head},
                       {"beta_head", a.beta_head},   {"alpha_layer", a.alpha_layer}, {"beta_layer", a.beta_layer},
                       {"alpha_all", a.alpha_all},   {"beta_all", a.beta_all},     {"both_all", a.both_all},
                       {"seconds", a.seconds}};
  }
  return out;
}

}  // namespace fastformer
