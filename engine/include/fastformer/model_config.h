// ModelConfig: every hyper-parameter of both encoders, its presets, JSON round trip and
// validation with errors that name the offending key.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fastformer {

// Which token mixer each layer uses: additive (Fastformer), softmax (the Transformer) or
// linear (kernelised linear attention, Katharopoulos et al. 2020).
enum class AttentionKind { additive, softmax, linear };
// How additive attention scores tokens (paper Eq. 3 and 5).
//   per_head:    each head its own w ∈ R^Dh, no bias (the paper).
//   head_mixing: one Linear(D→H) with bias over all heads' queries (the official code).
enum class ScoreKind { per_head, head_mixing };
// Where LayerNorm sits in the block: after each residual (BERT) or before each sublayer.
enum class NormPlacement { post, pre };
// How softmax attention is computed: tiled (an online softmax over blocks of keys, O(T)
// memory; the CPU kernels, float32/float64) or materialized (the two (B,H,T,T) tensors,
// whose weights Inspect and Learn show; other devices and dtypes always take it).
enum class SoftmaxImpl { tiled, materialized };
// How token states become one document vector for the classifier.
enum class PoolingKind { attention, cls, mean };

struct ModelConfig {
  AttentionKind attention = AttentionKind::additive;
  std::int64_t vocab_size = 30000;
  std::int64_t max_len = 4096;  // rows of the learned position table
  std::int64_t hidden = 256;    // D
  std::int64_t heads = 16;      // H, divides D
  std::int64_t layers = 2;      // L
  std::int64_t ffn = 256;       // FFN inner width
  std::int64_t classes = 2;     // C
  double dropout = 0.2;
  double layer_norm_eps = 1e-12;
  double init_std = 0.02;
  ScoreKind score = ScoreKind::per_head;
  bool share_qv = true;      // V = Q (additive attention only)
  bool share_layers = true;  // one set of layer weights applied L times
  bool position_embedding = true;
  NormPlacement norm = NormPlacement::post;
  PoolingKind pooling = PoolingKind::attention;
  // Whether the model reads the [CLS] token every sequence starts with. false: [CLS] is
  // masked out and the document's first token sits at position 0, as in models trained
  // without one (the authors' notebook); pooling must then be attention or mean.
  bool cls_token = true;
  SoftmaxImpl softmax_impl = SoftmaxImpl::tiled;  // softmax attention only

  std::int64_t head_dim() const { return hidden / heads; }
  // Tokens one sequence may hold, [CLS] included: a position per token, and one more when
  // [CLS] is not read (it takes no position of its own).
  std::int64_t sequence_capacity() const { return max_len + (cls_token ? 0 : 1); }
  // Number of distinct layer modules holding weights (1 when share_layers).
  std::int64_t stored_layers() const { return share_layers ? 1 : layers; }

  // Throws fastformer::Error naming the key and the rule it breaks.
  void validate() const;
};

// "paper" (Wu et al. 2021: per-head scores, shared Q/V, shared layers) or
// "official" (the authors' code: head-mixing scores, shared Q/V, separate layers).
// Both: hidden 256, 16 heads, 2 layers, FFN 256, dropout 0.2, post-LN.
ModelConfig preset(const std::string& name);
std::vector<std::string> preset_names();

nlohmann::json to_json(const ModelConfig& config);
// Starts from `base` and overrides the keys present; unknown keys and wrong types throw.
ModelConfig model_config_from_json(const nlohmann::json& j, const ModelConfig& base = {});
// Applies one "key=value" override (value parsed as JSON, else taken as a string).
void apply_override(ModelConfig& config, const std::string& assignment);

std::string to_string(AttentionKind kind);
// The model a kind makes, as people call it: "Fastformer", "Transformer", "Linear Transformer".
std::string model_name(AttentionKind kind);
// The name of each AttentionKind in files (JSON, CSV) and on command lines, in declaration
// order: the one table that to_string, parse_attention_kind and option checks read.
const std::array<std::pair<const char*, AttentionKind>, 3>& attention_kind_names();
// The kind called `name`; any other name throws fastformer::Error at `where`.
AttentionKind parse_attention_kind(const std::string& name, const std::string& where = "attention kind");
std::string to_string(ScoreKind kind);
std::string to_string(NormPlacement kind);
std::string to_string(PoolingKind kind);
std::string to_string(SoftmaxImpl kind);

}  // namespace fastformer
