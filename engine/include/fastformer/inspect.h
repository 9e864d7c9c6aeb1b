// Inspecting one document with a trained model: where each head's additive attention
// (paper Eq. 3–6) looks, the global query/key vectors, the pooling weights γ and the
// prediction, over the original text's byte spans. Plain vectors only, no torch types.
#pragma once

#include "fastformer/document.h"
#include "fastformer/model_config.h"
#include "fastformer/training_data.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fastformer {

struct ShadingSpec;  // fastformer/shading.h

// Shape letters: N tokens of the document *including* [CLS] (token 0, empty span at 0),
// L layers (applications), H heads, Dh head width, W windows, C classes.

struct InspectOptions {
  // A document longer than the model's max_len is either split into overlapping windows
  // (each window is [CLS] + up to max_len−1 document tokens) or truncated to its prefix.
  enum class Long { windows, truncate };
  Long long_mode = Long::windows;
  std::int64_t overlap = 64;             // tokens shared by neighbouring windows, ≤ (max_len−1)/2
  std::int64_t windows_per_batch = 8;    // windows run together in one forward
  // Softmax checkpoints: which layer/head's (N,N) weights to keep, and up to which N.
  std::int64_t softmax_layer = 0;
  std::int64_t softmax_head = 0;
  std::int64_t max_softmax_tokens = 1024;
};

struct InspectToken {
  std::int64_t id = 0;
  std::int64_t begin = 0;  // byte offsets into the inspected text; begin == end for [CLS]
  std::int64_t end = 0;
  std::string piece;       // the vocabulary string of id
};

struct TokenWindow {
  std::int64_t first = 0;  // document tokens [first,last) (indices into tokens, first ≥ 1);
  std::int64_t last = 0;   // the window's input is [CLS] + tokens[first,last)
};

struct Inspection {
  std::vector<InspectToken> tokens;  // N
  std::int64_t layers = 0, heads = 0, head_dim = 0;
  AttentionKind attention = AttentionKind::additive;
  std::int64_t max_len = 0;          // tokens per window, [CLS] included
  std::vector<TokenWindow> windows;  // W ≥ 1
  // Which window each token's weights come from (N): the window where the token is
  // farthest from either edge (ties: the earlier window), so each token counts once.
  // [CLS] (token 0) is in every window at position 0; it is taken from window 0.
  std::vector<std::int64_t> owner;
  bool truncated = false;            // truncate mode and the document was longer

  // Additive attention only (empty for softmax checkpoints), from each token's owner window.
  std::vector<float> alpha;          // [L][H][N] query-pooling weights α (Eq. 3)
  std::vector<float> beta;           // [L][H][N] key-pooling weights β (Eq. 5)
  std::vector<float> global_query;   // [W][L][H][Dh] q = Σ α_i Q_i (Eq. 4)
  std::vector<float> global_key;     // [W][L][H][Dh] k = Σ β_i P_i (Eq. 6)
  // Linear attention only: each query's normaliser n_i = φ(Q_i)·Σ_j φ(K_j) (Katharopoulos
  // et al. Eq. 6), how much the query attends in all, as its share n_i / Σ_j n_j of its
  // window's real tokens (so, like α, it sums to 1 over a window), from its owner window.
  std::vector<float> normalizer;     // [L][H][N]
  // Softmax and linear checkpoints: one head's weights [N][N] (row = query; linear: the
  // implicit weights φ(Q_i)·φ(K_j) / φ(Q_i)·z), only when the document is one window and
  // N ≤ max_softmax_tokens; otherwise empty.
  std::vector<float> softmax_weights;
  std::int64_t softmax_layer = 0, softmax_head = 0;

  std::vector<float> pooling;        // [N] attention-pooling weights γ (0 for cls/mean pooling)
  std::vector<float> window_logits;  // [W][C]
  // softmax of the mean of the windows' logits (one window: the model's own prediction).
  std::vector<float> probabilities;  // [C]
  std::vector<std::string> labels;   // [C]
  std::int64_t predicted = 0;        // argmax of probabilities

  std::int64_t size() const { return static_cast<std::int64_t>(tokens.size()); }
};

// Runs the model (eval, no gradients) on `text` where its weights are (move the model to a
// CUDA device first to inspect there) and collects its trace in host memory.
Inspection inspect(const TrainedModel& model, const std::string& text, const InspectOptions& options = {});

// Class probabilities with tokens [first_token,last_token) masked out (mask = false), in the
// same windows and batches as inspect(): an empty range reproduces its probabilities exactly.
std::vector<float> occlude(const TrainedModel& model, const std::string& text, std::int64_t first_token,
                           std::int64_t last_token, const InspectOptions& options = {});

// ---- analysis (inspect_analysis.cpp) ----

// Which per-token weights: α, β, or linear attention's normaliser shares.
enum class Pooling { alpha, beta, normalizer };

// One head's weights over the N tokens (copied out of alpha, beta or normalizer).
std::vector<float> head_weights(const Inspection& inspection, std::int64_t layer, std::int64_t head, Pooling which);

// Entropy −Σ p log p in nats of the weights normalised to sum 1.
double head_entropy(const std::vector<float>& weights);

struct HeadSummary {
  double entropy = 0;     // nats
  double max_weight = 0;  // of the normalised weights
  bool collapsed = false; // entropy < 0.1 nats or max weight > 0.9
  bool uniform = false;   // entropy > 0.95 · log N
};
HeadSummary summarize_head(const std::vector<float>& weights);
// One head's α and β summaries.
struct HeadSummaries {
  std::int64_t layer = 0, head = 0;
  HeadSummary alpha, beta;
  // "α collapsed", "α uniform", "β collapsed", "β uniform" (α's first), or "" when neither is flagged.
  std::string flag() const;
};
// Every (layer, head) of an additive inspection, layer-major; empty without α and β.
std::vector<HeadSummaries> head_summaries(const Inspection& inspection);

// Each token range's share Σ_{i∈range} w_i of one head's weights, divided by Σ_all w_i
// (one window: that sum is already 1; windows: each token's weight comes from its owner
// window, so the stitched weights are renormalised). Ranges that tile [0,N) sum to 1.
std::vector<double> span_shares(const Inspection& inspection, std::int64_t layer, std::int64_t head, Pooling which,
                                const std::vector<std::pair<std::int64_t, std::int64_t>>& token_ranges);

// Each weight × n_w, the token count of its owner window w with [CLS]: 1 = w's uniform share.
// Why: each window's softmax spreads 1 over its own n_w tokens, so a short window looks darker.
// `weights`: N values (head_weights, or a mean over heads); throws fastformer::Error if size ≠ N.
std::vector<float> relative_weights(const Inspection& inspection, const std::vector<float>& weights);

// Sentences as token ranges tiling [0,N): a sentence ends after a token ending in . ! or ?
// or where the text between two tokens holds a newline. [CLS] starts the first sentence.
std::vector<std::pair<std::int64_t, std::int64_t>> sentence_ranges(const std::string& text,
                                                                   const std::vector<InspectToken>& tokens);

struct NearToken {
  std::int64_t id = 0;
  std::string piece;
  double cosine = 0;
};
// The k vocabulary tokens whose embedding, restricted to the head's Dh slice
// [head·Dh, (head+1)·Dh) of the token table, is closest in cosine to the head's global
// query in `window`. This compares within the head's subspace of the input embedding; q
// itself lives after the query projection, so read it as a hint, not an identity.
std::vector<NearToken> nearest_tokens(const TrainedModel& model, const Inspection& inspection, std::int64_t layer,
                                      std::int64_t head, std::int64_t k, std::int64_t window = 0);

// Bytes the inspection holds on the heap (for memory reports).
std::int64_t inspection_bytes(const Inspection& inspection);

// ---- reports (inspect_report.cpp) ----

nlohmann::json inspection_json(const Inspection& inspection);

// The trace as a safetensors file, written atomically: typed tensors of their real shapes
// and string metadata (names, shapes and keys in docs/checkpoint-format.md, "Inspection trace").
void save_inspection_safetensors(const std::string& path, const Inspection& inspection);

// A standalone HTML page: `text` with each token's span shaded as `spec` says
// (compute_shading, fastformer/shading.h), in the Studio's colours; a legend naming the
// weights, layer, heads and scale with the scale's ends; every character of the text
// escaped. Throws fastformer::Error when the spec does not fit the inspection.
std::string inspection_html(const Inspection& inspection, const std::string& text, const ShadingSpec& spec);

}  // namespace fastformer
