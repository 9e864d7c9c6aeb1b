// ModelConfig presets, JSON (de)serialisation and validation.
#include "fastformer/model_config.h"

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

namespace fastformer {
namespace {

using nlohmann::json;

template <typename Enum, std::size_t N>
Enum parse_enum(const json& value, const char* key,
                const std::array<std::pair<const char*, Enum>, N>& names) {
  std::string allowed;
  if (value.is_string()) {
    for (const auto& [name, e] : names) {
      if (value.get<std::string>() == name) return e;
    }
  }
  for (const auto& [name, e] : names) allowed += (allowed.empty() ? "" : "|") + std::string(name);
  throw Error("'" + value.dump() + "' is not one of " + allowed, std::string("model config key '") + key + "'");
}

template <typename Enum, std::size_t N>
std::string enum_name(Enum e, const std::array<std::pair<const char*, Enum>, N>& names) {
  for (const auto& [name, value] : names) {
    if (value == e) return name;
  }
  return "?";
}

constexpr std::array<std::pair<const char*, AttentionKind>, 2> kAttentionNames{
    {{"additive", AttentionKind::additive}, {"softmax", AttentionKind::softmax}}};
constexpr std::array<std::pair<const char*, ScoreKind>, 2> kScoreNames{
    {{"per_head", ScoreKind::per_head}, {"head_mixing", ScoreKind::head_mixing}}};
constexpr std::array<std::pair<const char*, NormPlacement>, 2> kNormNames{
    {{"post", NormPlacement::post}, {"pre", NormPlacement::pre}}};
constexpr std::array<std::pair<const char*, PoolingKind>, 3> kPoolingNames{
    {{"attention", PoolingKind::attention}, {"cls", PoolingKind::cls}, {"mean", PoolingKind::mean}}};

void require(bool ok, const char* key, const std::string& rule) {
  if (!ok) throw Error(rule, std::string("model config key '") + key + "'");
}

template <typename T>
T get_typed(const json& value, const char* key) {
  try {
    if constexpr (std::is_same_v<T, bool>) {
      require(value.is_boolean(), key, "expects true or false, got " + value.dump());
    } else if constexpr (std::is_integral_v<T>) {
      require(value.is_number_integer(), key, "expects an integer, got " + value.dump());
    } else {
      require(value.is_number(), key, "expects a number, got " + value.dump());
    }
    return value.get<T>();
  } catch (const json::exception& e) {
    throw Error(e.what(), std::string("model config key '") + key + "'");
  }
}

}  // namespace

namespace {

std::string valid_keys() {
  const json defaults = to_json(ModelConfig{});
  std::string keys;
  for (const auto& [name, value] : defaults.items()) keys += (keys.empty() ? "" : ", ") + name;
  return keys;
}

}  // namespace

void ModelConfig::validate() const {
  require(vocab_size >= 3, "vocab_size", "must be at least 3 ([PAD], [UNK], [CLS]), got " + std::to_string(vocab_size));
  require(max_len >= 1, "max_len", "must be positive, got " + std::to_string(max_len));
  require(hidden >= 1, "hidden", "must be positive, got " + std::to_string(hidden));
  require(heads >= 1, "heads", "must be positive, got " + std::to_string(heads));
  require(hidden % heads == 0, "hidden",
          "hidden size " + std::to_string(hidden) + " is not divisible by heads " + std::to_string(heads));
  require(layers >= 1, "layers", "must be positive, got " + std::to_string(layers));
  require(ffn >= 1, "ffn", "must be positive, got " + std::to_string(ffn));
  require(classes >= 1, "classes", "must be positive, got " + std::to_string(classes));
  require(dropout >= 0.0 && dropout < 1.0, "dropout", "must be in [0, 1), got " + std::to_string(dropout));
  require(layer_norm_eps > 0.0, "layer_norm_eps", "must be positive");
  require(init_std > 0.0, "init_std", "must be positive");
}

ModelConfig preset(const std::string& name) {
  ModelConfig c;  // defaults are the shared part of both presets
  if (name == "paper") {
    c.score = ScoreKind::per_head;
    c.share_qv = true;
    c.share_layers = true;
  } else if (name == "official") {
    c.score = ScoreKind::head_mixing;
    c.share_qv = true;
    c.share_layers = false;
  } else {
    throw Error("unknown preset '" + name + "'", "--preset", "choose paper or official");
  }
  return c;
}

std::vector<std::string> preset_names() { return {"paper", "official"}; }

json to_json(const ModelConfig& c) {
  return json{{"attention", to_string(c.attention)},
              {"vocab_size", c.vocab_size},
              {"max_len", c.max_len},
              {"hidden", c.hidden},
              {"heads", c.heads},
              {"layers", c.layers},
              {"ffn", c.ffn},
              {"classes", c.classes},
              {"dropout", c.dropout},
              {"layer_norm_eps", c.layer_norm_eps},
              {"init_std", c.init_std},
              {"score", to_string(c.score)},
              {"share_qv", c.share_qv},
              {"share_layers", c.share_layers},
              {"position_embedding", c.position_embedding},
              {"norm", to_string(c.norm)},
              {"pooling", to_string(c.pooling)}};
}

ModelConfig model_config_from_json(const json& j, const ModelConfig& base) {
  if (!j.is_object()) throw Error("expected a JSON object, got " + j.dump(), "model config");
  ModelConfig c = base;
  for (const auto& [key, value] : j.items()) {
    const char* k = key.c_str();
    if (key == "attention") c.attention = parse_enum(value, k, kAttentionNames);
    else if (key == "vocab_size") c.vocab_size = get_typed<std::int64_t>(value, k);
    else if (key == "max_len") c.max_len = get_typed<std::int64_t>(value, k);
    else if (key == "hidden") c.hidden = get_typed<std::int64_t>(value, k);
    else if (key == "heads") c.heads = get_typed<std::int64_t>(value, k);
    else if (key == "layers") c.layers = get_typed<std::int64_t>(value, k);
    else if (key == "ffn") c.ffn = get_typed<std::int64_t>(value, k);
    else if (key == "classes") c.classes = get_typed<std::int64_t>(value, k);
    else if (key == "dropout") c.dropout = get_typed<double>(value, k);
    else if (key == "layer_norm_eps") c.layer_norm_eps = get_typed<double>(value, k);
    else if (key == "init_std") c.init_std = get_typed<double>(value, k);
    else if (key == "score") c.score = parse_enum(value, k, kScoreNames);
    else if (key == "share_qv") c.share_qv = get_typed<bool>(value, k);
    else if (key == "share_layers") c.share_layers = get_typed<bool>(value, k);
    else if (key == "position_embedding") c.position_embedding = get_typed<bool>(value, k);
    else if (key == "norm") c.norm = parse_enum(value, k, kNormNames);
    else if (key == "pooling") c.pooling = parse_enum(value, k, kPoolingNames);
    else throw Error("unknown key '" + key + "'", "model config", "valid keys: " + valid_keys());
  }
  return c;
}

void apply_override(ModelConfig& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error("expected key=value, got '" + assignment + "'", "--set");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // bare words such as softmax or head_mixing
  config = model_config_from_json(json{{key, value}}, config);
}

std::string to_string(AttentionKind kind) { return enum_name(kind, kAttentionNames); }
std::string to_string(ScoreKind kind) { return enum_name(kind, kScoreNames); }
std::string to_string(NormPlacement kind) { return enum_name(kind, kNormNames); }
std::string to_string(PoolingKind kind) { return enum_name(kind, kPoolingNames); }

}  // namespace fastformer
