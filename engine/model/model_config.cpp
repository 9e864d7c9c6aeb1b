// ModelConfig presets, JSON (de)serialisation and validation.
#include "fastformer/model_config.h"

#include "io/json_fields.h"

namespace fastformer {
namespace {

using nlohmann::json;
using namespace json_fields;
constexpr const char* kConfig = "model config";

constexpr EnumNames<AttentionKind, 3> kAttentionNames{
    {{"additive", AttentionKind::additive}, {"softmax", AttentionKind::softmax}, {"linear", AttentionKind::linear}}};
constexpr EnumNames<ScoreKind, 2> kScoreNames{{{"per_head", ScoreKind::per_head}, {"head_mixing", ScoreKind::head_mixing}}};
constexpr EnumNames<NormPlacement, 2> kNormNames{{{"post", NormPlacement::post}, {"pre", NormPlacement::pre}}};
constexpr EnumNames<SoftmaxImpl, 2> kSoftmaxImplNames{
    {{"tiled", SoftmaxImpl::tiled}, {"materialized", SoftmaxImpl::materialized}}};
constexpr EnumNames<PoolingKind, 3> kPoolingNames{
    {{"attention", PoolingKind::attention}, {"cls", PoolingKind::cls}, {"mean", PoolingKind::mean}}};

void check(bool ok, const char* key, const std::string& rule) { require(ok, kConfig, key, rule); }

}  // namespace

void ModelConfig::validate() const {
  check(vocab_size >= 3, "vocab_size", "must be at least 3 ([PAD], [UNK], [CLS]), got " + std::to_string(vocab_size));
  check(max_len >= 1, "max_len", "must be positive, got " + std::to_string(max_len));
  check(hidden >= 1, "hidden", "must be positive, got " + std::to_string(hidden));
  check(heads >= 1, "heads", "must be positive, got " + std::to_string(heads));
  check(hidden % heads == 0, "hidden",
        "hidden size " + std::to_string(hidden) + " is not divisible by heads " + std::to_string(heads));
  check(layers >= 1, "layers", "must be positive, got " + std::to_string(layers));
  check(ffn >= 1, "ffn", "must be positive, got " + std::to_string(ffn));
  check(classes >= 1, "classes", "must be positive, got " + std::to_string(classes));
  check(dropout >= 0.0 && dropout < 1.0, "dropout", "must be in [0, 1), got " + std::to_string(dropout));
  check(layer_norm_eps > 0.0, "layer_norm_eps", "must be positive");
  check(init_std > 0.0, "init_std", "must be positive");
  check(cls_token || pooling != PoolingKind::cls, "cls_token", "must be true with cls pooling");
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
              {"pooling", to_string(c.pooling)},
              {"cls_token", c.cls_token},
              {"softmax_impl", to_string(c.softmax_impl)}};
}

ModelConfig model_config_from_json(const json& j, const ModelConfig& base) {
  if (!j.is_object()) throw Error("expected a JSON object, got " + j.dump(), kConfig);
  ModelConfig c = base;
  for (const auto& [key, value] : j.items()) {
    if (key == "attention") c.attention = parse_enum(value, kConfig, key, kAttentionNames);
    else if (key == "vocab_size") c.vocab_size = get<std::int64_t>(value, kConfig, key);
    else if (key == "max_len") c.max_len = get<std::int64_t>(value, kConfig, key);
    else if (key == "hidden") c.hidden = get<std::int64_t>(value, kConfig, key);
    else if (key == "heads") c.heads = get<std::int64_t>(value, kConfig, key);
    else if (key == "layers") c.layers = get<std::int64_t>(value, kConfig, key);
    else if (key == "ffn") c.ffn = get<std::int64_t>(value, kConfig, key);
    else if (key == "classes") c.classes = get<std::int64_t>(value, kConfig, key);
    else if (key == "dropout") c.dropout = get<double>(value, kConfig, key);
    else if (key == "layer_norm_eps") c.layer_norm_eps = get<double>(value, kConfig, key);
    else if (key == "init_std") c.init_std = get<double>(value, kConfig, key);
    else if (key == "score") c.score = parse_enum(value, kConfig, key, kScoreNames);
    else if (key == "share_qv") c.share_qv = get<bool>(value, kConfig, key);
    else if (key == "share_layers") c.share_layers = get<bool>(value, kConfig, key);
    else if (key == "position_embedding") c.position_embedding = get<bool>(value, kConfig, key);
    else if (key == "norm") c.norm = parse_enum(value, kConfig, key, kNormNames);
    else if (key == "pooling") c.pooling = parse_enum(value, kConfig, key, kPoolingNames);
    else if (key == "cls_token") c.cls_token = get<bool>(value, kConfig, key);
    else if (key == "softmax_impl") c.softmax_impl = parse_enum(value, kConfig, key, kSoftmaxImplNames);
    else throw Error("unknown key '" + key + "'", kConfig, "valid keys: " + key_list(to_json(ModelConfig{})));
  }
  return c;
}

void apply_override(ModelConfig& config, const std::string& assignment) {
  const auto [key, value] = parse_assignment(assignment);
  config = model_config_from_json(json{{key, value}}, config);
}

std::string to_string(AttentionKind kind) { return enum_name(kind, kAttentionNames); }
std::string model_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::additive: return "Fastformer";
    case AttentionKind::softmax: return "Transformer";
    case AttentionKind::linear: return "Linear Transformer";
  }
  return "Fastformer";
}
const EnumNames<AttentionKind, 3>& attention_kind_names() { return kAttentionNames; }
AttentionKind parse_attention_kind(const std::string& name, const std::string& where) {
  std::string allowed;
  for (const auto& [text, kind] : kAttentionNames) {
    if (name == text) return kind;
    allowed += (allowed.empty() ? "" : "|") + std::string(text);
  }
  throw Error("'" + name + "' is not one of " + allowed, where);
}
std::string to_string(ScoreKind kind) { return enum_name(kind, kScoreNames); }
std::string to_string(NormPlacement kind) { return enum_name(kind, kNormNames); }
std::string to_string(PoolingKind kind) { return enum_name(kind, kPoolingNames); }
std::string to_string(SoftmaxImpl kind) { return enum_name(kind, kSoftmaxImplNames); }

}  // namespace fastformer
