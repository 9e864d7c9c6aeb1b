// Explaining one prediction: which tokens of a document the target class's score rests on,
// by methods that test the model rather than read its weights: the gradient of the target
// logit with respect to each token's vector (its norm, and gradient × input), Integrated
// Gradients from an all-padding baseline, and occlusion of tokens or spans. Scores are over
// the same N tokens as fastformer::inspect (the same windows for long documents).
#pragma once

#include "fastformer/inspect.h"

#include "fastformer/error.h"

#include <cstdint>
#include <functional>
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

// How far explain() is: the stage (a method's name, "curves" or "ablation"), which of how
// many, and the share of the stage's forwards done.
struct ExplainProgress {
  std::string stage;
  std::int64_t stage_index = 0, stages = 1;
  double stage_fraction = 0;
  double fraction() const { return (static_cast<double>(stage_index) + stage_fraction) / static_cast<double>(stages); }
};

// What a progress callback throws to stop explain() between two forwards; explain() lets
// it pass.
class ExplainCancelled : public Error {
 public:
  ExplainCancelled() : Error("the explanation was cancelled") {}
};

constexpr std::int64_t kSentenceSpans = -1;

struct ExplainOptions {
  std::int64_t target = -1;          // the class to explain; −1: the predicted class
  std::int64_t ig_steps = 32;        // Integrated Gradients: points on the path (midpoint rule)
  // Tokens per occluded span; 0: 1 in one window, else 16; kSentenceSpans: each sentence
  // (sentence_ranges: ends at . ! ? or a line break), one under sentence_tokens tokens
  // joined with the sentences after it.
  std::int64_t occlusion_span = 0;
  std::int64_t sentence_tokens = 16;
  InspectOptions windows;            // windows, overlap and windows per forward, as inspect()
  // Deletion and insertion curves of every method's ranking and of random orders.
  bool faithfulness = false;
  std::vector<double> fractions{0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5};  // of the document tokens
  std::int64_t random_orders = 5;    // their curves are averaged into "random"
  std::uint64_t seed = 1;            // of the random orders
  // Additive attention: the change in p(target) when heads' α or β become uniform.
  bool ablation = false;
  // Called at each stage and before each forward; may throw ExplainCancelled (or anything).
  std::function<void(const ExplainProgress&)> progress;
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
  std::int64_t span = 1;       // occlusion: tokens per span, or kSentenceSpans
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
  std::vector<std::vector<double>> random_deletion, random_insertion;  // [R][F] each order's curves
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

// A method's deletion AOPC on one document against that document's random orders: better
// above their mean + one sd, worse below their mean − one sd, else no better.
enum class Verdict { better, no_better, worse };
Verdict faithfulness_verdict(const Faithfulness& faithfulness, const FaithfulnessCurve& curve);
// One line, e.g. "alpha: no better than random on this document (AOPC deletion 0.004; random
// 0.003 ± 0.002)".
std::string verdict_text(const Faithfulness& faithfulness, const FaithfulnessCurve& curve);

// How a method's scores are coloured (the Studio and the HTML report): unsigned ones from
// white at 0 to the largest score (shading_rgb); signed ones around 0, blue below and orange
// above, up to the largest |score| (diverging_rgb).
struct AttributionScale {
  bool diverging = false;
  double high = 0;     // the largest score, or |score|; 0 when every score is 0
  std::string legend;  // what the colour means, naming the target class
};
AttributionScale attribution_scale(const Explanation& explanation, const Attribution& attribution);
// Where a score sits: [0,1] unsigned, [−1,1] diverging (NaN: 0).
double attribution_position(const AttributionScale& scale, float score);

// A standalone HTML page: the prediction, then each of `methods` (every computed one when
// empty) as the document's text shaded by its scores with its legend, and the faithfulness
// table when there are curves. Throws fastformer::Error for a method not computed.
std::string explanation_html(const Explanation& explanation, const std::string& text,
                             const std::vector<AttributionMethod>& methods = {});

// Every method's scores with the tokens' byte offsets, as `fastformer explain --out` writes
// them: {"labels", "probabilities", "target", "target_logit", "windows", "tokens": [{"piece",
// "begin", "end"}], "methods": {NAME: {"scores", "signed", "seconds", …}}, and with curves
// "faithfulness": {"fractions", "curves": [{"name", "deletion", "insertion", "aopc_…"}], …},
// and with ablations "ablation": {"layers", "heads", "alpha_head" [L·H], …}}.
nlohmann::json explanation_json(const Explanation& explanation);
// The same as a safetensors file, written atomically: token_ids (N), token_offsets (N,2) byte
// [begin,end), probabilities (C), scores.METHOD (N) float32 per method; with curves
// faithfulness.fractions (F), faithfulness.deletion / .insertion (K,F), faithfulness.aopc (K,2)
// (deletion, insertion), K curves named in the metadata's "curves"; with ablations
// ablation.alpha_head / .beta_head (L,H). Metadata: labels, target, methods, signed, token_pieces.
void save_explanation_safetensors(const std::string& path, const Explanation& explanation);

// Runs on the device the model's weights are on; the weights are not changed (no .grad).
// Throws fastformer::Error for a bad target or option.
Explanation explain(const TrainedModel& model, const std::string& text, const std::vector<AttributionMethod>& methods,
                    const ExplainOptions& options = {});

}  // namespace fastformer
