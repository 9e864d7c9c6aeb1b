// Name maps: which tensor of a model saved elsewhere fills each of our parameters, the
// model settings that source implies, and how its sizes follow from its tensors' shapes.
// The built-in "official" map is the Fastformer authors' notebook; any other PyTorch
// Fastformer gets a JSON file of the same form (docs/import.md).
#pragma once

#include "fastformer/model_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fastformer {

// One of our parameters and where its values come from.
struct TensorSource {
  std::string ours;    // e.g. "layers.1.attention.query.weight"
  std::string theirs;  // e.g. "fastformer_model.encoders.1.attention.self.query.weight"
  bool transpose = false;  // a 2-D source stored (in, out) instead of (out, in)
  // Chunk `split_index` of `split_count` equal chunks along dim 0 (a fused q|k|v weight).
  std::int64_t split_index = 0, split_count = 1;
};

// A size read off a source tensor's shape: config key ← dim `dim` of tensor `tensor`.
struct InferredSize {
  std::string key;  // a ModelConfig key: vocab_size, hidden, heads, ffn, max_len, classes
  std::string tensor;
  std::int64_t dim = 0;
};

struct NameMap {
  std::string name;                  // "official" or the file's path
  nlohmann::json config;             // ModelConfig keys the source implies (JSON, as config.json)
  std::vector<InferredSize> infer;   // applied in order; "layers" is counted from {l} entries
  nlohmann::json tensors;            // our name (with {l}) → their name or {"from", "transpose", "split"}
  std::string layer_prefix;          // their name prefix before {l}, to count the layers, e.g.
                                     // "fastformer_model.encoders.{l}." (empty: no layer count)
};

// "official", or a path to a JSON map. Throws fastformer::Error naming the bad field.
NameMap load_name_map(const std::string& name_or_path);

// The number of layers the source holds: one more than the largest {l} found among
// `names` through the map's layer_prefix; nullopt without a prefix or a match.
std::optional<std::int64_t> count_layers(const NameMap& map, const std::vector<std::string>& names);

// Every entry of the map for a model of `config` ({l} expanded over its stored layers).
std::vector<TensorSource> expand_sources(const NameMap& map, const ModelConfig& config);

}  // namespace fastformer
