// Explaining one prediction: which tokens of a document the target class's score rests on,
// by methods that test the model rather than read its weights: the gradient of the target
// logit with respect to each token's vector (its norm, and gradient × input), Integrated
// Gradients from an all-padding baseline, and occlusion of tokens or spans. Scores are over
// the same N tokens as fastformer::inspect (the same windows for long documents).
#pragma once

#include "fastformer/inspect.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

// The weights (what an attention viewer paints): α and β, the query and key pooling weights
// of additive attention (Eq. 3, 5), each token's weight × its window's token count (1 = the
// uniform share) averaged over heads and layers; γ, the attention pooling's weights, on the
// same scale. The tests of the model: the rest.
enum class AttributionMethod {
  alpha, beta, gamma, gradient, gradient_x_input, integrated_gradients, occlusion
};

std::string to_string(AttributionMethod method);  // "alpha", …, "gradient_x_input", "integrated_gradients", "occlusion"
// Throws fastformer::Error naming the known methods.
AttributionMethod attribution_method_from_string(const std::string& name);
const std::vector<AttributionMethod>& all_attribution_methods();
// Those a checkpoint of this config has: α and β need additive attention.
std::vector<AttributionMethod> available_attribution_methods(const ModelConfig& config);

struct ExplainOptions {
  std::int64_t target = -1;          // the class to explain; −1: the predicted class
  std::int64_t ig_steps = 32;        // Integrated Gradients: points on the path (midpoint rule)
  std::int64_t occlusion_span = 0;   // tokens per occluded span; 0: 1 in one window, else 16
  InspectOptions windows;            // windows, overlap and windows per forward, as inspect()
  // Deletion and insertion curves of every method's ranking and of random orders.
  bool faithfulness = false;
  std::vector<double> fractions{0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5};  // of the document tokens
  std::int64_t random_orders = 5;    // their curves are averaged into "random"
  std::uint64_t seed = 1;            // of the random orders
  // Additive attention: the change in p(target) when heads' α or β become uniform.
  bool ablation = false;
};

struct Attribution {
  AttributionMethod method = AttributionMethod::gradient;
  // N scores, [CLS] first. Signed methods: > 0 supports the target class. The weights and
  // the gradient norm are ≥ 0 (how much, not which way; the weights do not depend on the
  // target class). Occlusion: p(target) − p(target without the
  // token's span), the same for every token of a span; [CLS] is never occluded (0).
  std::vector<float> scores;
  bool is_signed = true;
  double seconds = 0;          // wall time of this method
  std::int64_t span = 1;       // occlusion: tokens per span
  // Integrated Gradients: f(x) − f(baseline) and |Σ scores − that| / |that|.
  double delta = 0, completeness_gap = 0;
};

// A ranking's effect on the prediction: p(target) with the top-ranked ⌈fraction · n⌉ of the
// n document tokens masked out (deletion) or with only them shown (insertion; [CLS] is
// always shown, so insertion starts from the prediction for an empty document).
struct FaithfulnessCurve {
  std::string name;                // the method's name, or "random"
  std::vector<double> deletion;    // per fraction; deletion[0] is the document's p(target)
  std::vector<double> insertion;   // per fraction; insertion[0] is the empty document's
  double aopc_deletion = 0;        // mean of deletion[0] − deletion[k]: higher = more faithful
  double aopc_insertion = 0;       // mean of insertion[k] − insertion[0]: higher = more faithful
};

struct Faithfulness {
  std::vector<double> fractions;
  std::vector<FaithfulnessCurve> curves;      // one per attribution, in order, then "random"
  std::vector<double> random_aopc_deletion;   // each random order's, for the spread of chance
  std::vector<double> random_aopc_insertion;
  std::vector<std::vector<double>> spearman;  // [M][M] rank correlation between the attributions
  double seconds = 0;
};

// Does α or β matter? p(target) with pooling weights replaced by uniform ones (their scores
// zeroed before the softmax of Eq. 3 or 5) minus the document's p(target): one head of one
// layer application at a time, every head of a layer, every head of every layer.
struct PoolingAblations {
  std::int64_t layers = 0, heads = 0;
  std::vector<double> alpha_head, beta_head;    // [L][H] row-major
  std::vector<double> alpha_layer, beta_layer;  // [L]
  double alpha_all = 0, beta_all = 0, both_all = 0;
  double seconds = 0;
  bool empty() const { return alpha_head.empty(); }
};

struct Explanation {
  std::vector<InspectToken> tokens;  // N
  std::vector<std::string> labels;   // C
  std::vector<float> probabilities;  // C: softmax of the windows' mean logits, as inspect()
  std::int64_t target = 0;
  double target_logit = 0;           // f(x): the windows' mean logit of the target class
  std::int64_t windows = 1;
  std::vector<Attribution> attributions;  // in the order asked
  Faithfulness faithfulness;              // empty unless ExplainOptions::faithfulness
  PoolingAblations ablation;              // empty unless ExplainOptions::ablation (additive)

  const Attribution* find(AttributionMethod method) const;  // null when not computed
};

// Faithfulness over many documents (their explanations with curves): per curve name, the
// mean and sample standard deviation of the AOPCs, the share of documents where the method's
// deletion AOPC is above the mean plus one sd of that document's random orders, and the mean
// seconds per document (of the method; for "random", of the whole curve computation).
struct FaithfulnessSummary {
  std::string name;
  std::int64_t documents = 0;
  double aopc_deletion = 0, aopc_deletion_sd = 0;
  double aopc_insertion = 0, aopc_insertion_sd = 0;
  double beats_random = 0;  // share of documents, [0,1]; 0 for "random" itself
  double seconds = 0;
};
std::vector<FaithfulnessSummary> summarize_faithfulness(const std::vector<Explanation>& explanations);

// Every method's scores with the tokens' byte offsets, as `fastformer explain --out` writes
// them: {"labels", "probabilities", "target", "target_logit", "windows", "tokens": [{"piece",
// "begin", "end"}], "methods": {NAME: {"scores", "signed", "seconds", …}}, and with curves
// "faithfulness": {"fractions", "curves": [{"name", "deletion", "insertion", "aopc_…"}], …},
// and with ablations "ablation": {"layers", "heads", "alpha_head" [L·H], …}}.
nlohmann::json explanation_json(const Explanation& explanation);

// Runs on the device the model's weights are on; the weights are not changed (no .grad).
// Throws fastformer::Error for a bad target or option.
Explanation explain(const TrainedModel& model, const std::string& text, const std::vector<AttributionMethod>& methods,
                    const ExplainOptions& options = {});

}  // namespace fastformer
