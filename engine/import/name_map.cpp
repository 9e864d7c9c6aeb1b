// The built-in official map (the authors' notebook) and the JSON maps users write.
#include "import/name_map.h"

#include "fastformer/error.h"
#include "fastformer/import.h"

#include <algorithm>
#include <fstream>

namespace fastformer {
namespace {

// The notebook's Model (Fastformer.ipynb with fastformer.json): word_embedding, then
// FastformerEncoder (position_embeddings, LayerNorm, encoders.{l}, poolers.0), then
// dense_linear. Its forward is the engine's "official" preset without a read [CLS]:
// head-mixing scores (query_att/key_att: Linear(D→H) with bias, divided by √Dh), the
// query used as the value, transform(u) + q, BertSelfOutput (dense, post-LN), an
// erf-GELU FFN, post-LN, eps 1e-12, attention pooling exp(s)·m / Σ over att_fc1/att_fc2.
constexpr const char* kOfficialMap = R"map({
  "description": "The Fastformer authors' notebook (github.com/wuch15/Fastformer, Fastformer.ipynb)",
  "config": {"attention": "additive", "score": "head_mixing", "share_qv": true, "share_layers": false,
             "position_embedding": true, "norm": "post", "pooling": "attention", "cls_token": false,
             "layer_norm_eps": 1e-12},
  "infer": [["vocab_size", "word_embedding.weight", 0], ["hidden", "word_embedding.weight", 1],
            ["max_len", "fastformer_model.position_embeddings.weight", 0],
            ["heads", "fastformer_model.encoders.0.attention.self.query_att.weight", 0],
            ["ffn", "fastformer_model.encoders.0.intermediate.dense.weight", 0],
            ["classes", "dense_linear.weight", 0]],
  "layers": "fastformer_model.encoders.{l}.",
  "tensors": {
    "embeddings.token.weight": "word_embedding.weight",
    "embeddings.position.weight": "fastformer_model.position_embeddings.weight",
    "embeddings.norm.weight": "fastformer_model.LayerNorm.weight",
    "embeddings.norm.bias": "fastformer_model.LayerNorm.bias",
    "layers.{l}.attention.query.weight": "fastformer_model.encoders.{l}.attention.self.query.weight",
    "layers.{l}.attention.query.bias": "fastformer_model.encoders.{l}.attention.self.query.bias",
    "layers.{l}.attention.key.weight": "fastformer_model.encoders.{l}.attention.self.key.weight",
    "layers.{l}.attention.key.bias": "fastformer_model.encoders.{l}.attention.self.key.bias",
    "layers.{l}.attention.query_score.weight": "fastformer_model.encoders.{l}.attention.self.query_att.weight",
    "layers.{l}.attention.query_score.bias": "fastformer_model.encoders.{l}.attention.self.query_att.bias",
    "layers.{l}.attention.key_score.weight": "fastformer_model.encoders.{l}.attention.self.key_att.weight",
    "layers.{l}.attention.key_score.bias": "fastformer_model.encoders.{l}.attention.self.key_att.bias",
    "layers.{l}.attention.transform.weight": "fastformer_model.encoders.{l}.attention.self.transform.weight",
    "layers.{l}.attention.transform.bias": "fastformer_model.encoders.{l}.attention.self.transform.bias",
    "layers.{l}.attention.output.weight": "fastformer_model.encoders.{l}.attention.output.dense.weight",
    "layers.{l}.attention.output.bias": "fastformer_model.encoders.{l}.attention.output.dense.bias",
    "layers.{l}.norm1.weight": "fastformer_model.encoders.{l}.attention.output.LayerNorm.weight",
    "layers.{l}.norm1.bias": "fastformer_model.encoders.{l}.attention.output.LayerNorm.bias",
    "layers.{l}.ffn.in.weight": "fastformer_model.encoders.{l}.intermediate.dense.weight",
    "layers.{l}.ffn.in.bias": "fastformer_model.encoders.{l}.intermediate.dense.bias",
    "layers.{l}.ffn.out.weight": "fastformer_model.encoders.{l}.output.dense.weight",
    "layers.{l}.ffn.out.bias": "fastformer_model.encoders.{l}.output.dense.bias",
    "layers.{l}.norm2.weight": "fastformer_model.encoders.{l}.output.LayerNorm.weight",
    "layers.{l}.norm2.bias": "fastformer_model.encoders.{l}.output.LayerNorm.bias",
    "pooler.proj.weight": "fastformer_model.poolers.0.att_fc1.weight",
    "pooler.proj.bias": "fastformer_model.poolers.0.att_fc1.bias",
    "pooler.score.weight": "fastformer_model.poolers.0.att_fc2.weight",
    "pooler.score.bias": "fastformer_model.poolers.0.att_fc2.bias",
    "classifier.weight": "dense_linear.weight",
    "classifier.bias": "dense_linear.bias"
  }
})map";

const char* const kInferKeys[] = {"vocab_size", "hidden", "heads", "ffn", "max_len", "classes"};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

NameMap parse_map(const nlohmann::json& j, const std::string& name) {
  const auto bad = [&](const std::string& what) -> Error {
    return Error(what, name, "see docs/import.md for the map format (`fastformer import --print-map official`)");
  };
  if (!j.is_object()) throw bad("a map must be a JSON object");
  NameMap map;
  map.name = name;
  for (const auto& [key, value] : j.items()) {
    if (key == "description") continue;
    if (key == "config") {
      if (!value.is_object()) throw bad("\"config\" must be an object of model config keys");
      model_config_from_json(value);  // rejects unknown keys and wrong types now, naming them
      map.config = value;
    } else if (key == "infer") {
      if (!value.is_array()) throw bad("\"infer\" must be a list of [config key, tensor, dim]");
      for (const auto& row : value) {
        if (!row.is_array() || row.size() != 3 || !row[0].is_string() || !row[1].is_string() ||
            !row[2].is_number_integer()) {
          throw bad("each \"infer\" row must be [config key, tensor name, dim], got " + row.dump());
        }
        const std::string k = row[0].get<std::string>();
        if (std::find(std::begin(kInferKeys), std::end(kInferKeys), k) == std::end(kInferKeys)) {
          throw bad("\"infer\" cannot set '" + k + "' (vocab_size, hidden, heads, ffn, max_len or classes)");
        }
        map.infer.push_back({k, row[1].get<std::string>(), row[2].get<std::int64_t>()});
      }
    } else if (key == "layers") {
      if (!value.is_string() || value.get<std::string>().find("{l}") == std::string::npos) {
        throw bad("\"layers\" must be their name prefix with {l}, e.g. \"encoder.layers.{l}.\"");
      }
      map.layer_prefix = value.get<std::string>();
    } else if (key == "tensors") {
      if (!value.is_object() || value.empty()) throw bad("\"tensors\" must be an object: our name → theirs");
      for (const auto& [ours, source] : value.items()) {
        const bool plain = source.is_string();
        const bool detailed = source.is_object() && source.contains("from") && source["from"].is_string();
        if (!plain && !detailed) throw bad("\"" + ours + "\" must map to a name or {\"from\": name, …}");
        if (detailed) {
          for (const auto& [option, setting] : source.items()) {
            const bool ok = option == "from" || (option == "transpose" && setting.is_boolean()) ||
                            (option == "split" && setting.is_array() && setting.size() == 2 &&
                             setting[0].is_number_integer() && setting[1].is_number_integer() &&
                             setting[0].get<std::int64_t>() >= 0 && setting[0].get<std::int64_t>() < setting[1].get<std::int64_t>());
            if (!ok) throw bad("\"" + ours + "\": bad option \"" + option + "\": " + setting.dump() +
                               " (transpose: true|false, split: [index, count])");
          }
        }
      }
      map.tensors = value;
    } else {
      throw bad("unknown map key '" + key + "' (description, config, infer, layers, tensors)");
    }
  }
  if (map.tensors.is_null()) throw bad("the map has no \"tensors\"");
  return map;
}

}  // namespace

std::string builtin_map_json(const std::string& name) {
  if (name == "official") return kOfficialMap;
  throw Error("no built-in map named '" + name + "'", "--map", "use official or a JSON map file");
}

NameMap load_name_map(const std::string& name_or_path) {
  if (name_or_path == "official") return parse_map(nlohmann::json::parse(kOfficialMap), "official map");
  std::ifstream in(name_or_path, std::ios::binary);
  if (!in) throw Error("cannot read the map", name_or_path, "give official or a JSON map file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the map is not JSON: ") + e.what(), name_or_path);
  }
  return parse_map(j, name_or_path);
}

std::optional<std::int64_t> count_layers(const NameMap& map, const std::vector<std::string>& names) {
  if (map.layer_prefix.empty()) return std::nullopt;
  const std::size_t at = map.layer_prefix.find("{l}");
  const std::string before = map.layer_prefix.substr(0, at), after = map.layer_prefix.substr(at + 3);
  std::optional<std::int64_t> layers;
  for (const std::string& name : names) {
    if (name.rfind(before, 0) != 0) continue;
    const std::size_t digits = name.find_first_not_of("0123456789", before.size());
    if (digits == before.size() || digits == std::string::npos || digits - before.size() > 6) continue;
    if (name.compare(digits, after.size(), after) != 0) continue;
    const std::int64_t l = std::stoll(name.substr(before.size(), digits - before.size()));
    layers = std::max(layers.value_or(0), l + 1);
  }
  return layers;
}

std::vector<TensorSource> expand_sources(const NameMap& map, const ModelConfig& config) {
  std::vector<TensorSource> out;
  for (const auto& [ours, source] : map.tensors.items()) {
    const bool per_layer = ours.find("{l}") != std::string::npos;
    for (std::int64_t l = 0; l < (per_layer ? config.stored_layers() : 1); ++l) {
      const std::string index = std::to_string(l);
      TensorSource s;
      s.ours = replace_all(ours, "{l}", index);
      s.theirs = replace_all(source.is_string() ? source.get<std::string>() : source["from"].get<std::string>(), "{l}", index);
      if (source.is_object()) {
        s.transpose = source.value("transpose", false);
        if (source.contains("split")) {
          s.split_index = source["split"][0].get<std::int64_t>();
          s.split_count = source["split"][1].get<std::int64_t>();
        }
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace fastformer
