// TrainConfig JSON (de)serialisation and validation.
#include "fastformer/train_config.h"

#include "io/json_fields.h"

namespace fastformer {
namespace {

using nlohmann::json;
using namespace json_fields;
constexpr const char* kConfig = "train config";

constexpr EnumNames<OptimizerKind, 2> kOptimizerNames{{{"adamw", OptimizerKind::adamw}, {"adam", OptimizerKind::adam}}};
constexpr EnumNames<ScheduleKind, 3> kScheduleNames{
    {{"linear", ScheduleKind::linear}, {"cosine", ScheduleKind::cosine}, {"constant", ScheduleKind::constant}}};

constexpr EnumNames<PrecisionKind, 3> kPrecisionNames{
    {{"fp32", PrecisionKind::fp32}, {"bf16", PrecisionKind::bf16}, {"fp16", PrecisionKind::fp16}}};

void check(bool ok, const char* key, const std::string& rule) { require(ok, kConfig, key, rule); }

json tokenizer_json(const TokenizerConfig& t) {
  return json{{"kind", t.kind}, {"vocab_size", t.vocab_size}, {"min_freq", t.min_freq}, {"lowercase", t.lowercase}};
}

TokenizerConfig tokenizer_from_json(const json& j, TokenizerConfig t) {
  if (!j.is_object()) throw Error("expected a JSON object", where(kConfig, "tokenizer"));
  for (const auto& [key, value] : j.items()) {
    const std::string full = "tokenizer." + key;
    if (key == "kind") t.kind = get<std::string>(value, kConfig, full);
    else if (key == "vocab_size") t.vocab_size = get<std::int64_t>(value, kConfig, full);
    else if (key == "min_freq") t.min_freq = get<std::int64_t>(value, kConfig, full);
    else if (key == "lowercase") t.lowercase = get<bool>(value, kConfig, full);
    else throw Error("unknown key '" + full + "'", kConfig, "valid keys: kind, vocab_size, min_freq, lowercase");
  }
  return t;
}

}  // namespace

void TrainConfig::validate() const {
  check(lr > 0.0, "lr", "must be positive");
  check(weight_decay >= 0.0, "weight_decay", "must not be negative");
  check(beta1 >= 0.0 && beta1 < 1.0, "beta1", "must be in [0, 1)");
  check(beta2 >= 0.0 && beta2 < 1.0, "beta2", "must be in [0, 1)");
  check(adam_eps > 0.0, "adam_eps", "must be positive");
  check(warmup_fraction >= 0.0 && warmup_fraction < 1.0, "warmup_fraction", "must be in [0, 1)");
  check(clip_norm >= 0.0, "clip_norm", "must not be negative (0 disables clipping)");
  check(epochs >= 1, "epochs", "must be positive");
  check(max_steps >= 0, "max_steps", "must not be negative (0: epochs decide)");
  check(time_budget_s >= 0.0, "time_budget_s", "must not be negative (0: no limit)");
  check(batch_size >= 1, "batch_size", "must be positive");
  check(max_len >= 2, "max_len", "must be at least 2 ([CLS] and one token)");
  check(eval_every >= 0, "eval_every", "must not be negative (0: once per epoch)");
  check(patience >= 0, "patience", "must not be negative (0: never stop early)");
  check(valid_fraction > 0.0 && test_fraction >= 0.0 && valid_fraction + test_fraction < 1.0, "valid_fraction",
        "valid_fraction must be positive and valid_fraction + test_fraction below 1");
  check(tokenizer.kind == "word" || tokenizer.kind == "unigram" || tokenizer.kind == "bpe", "tokenizer.kind",
        "'" + tokenizer.kind + "' is not one of word|unigram|bpe");
  check(tokenizer.vocab_size >= 4, "tokenizer.vocab_size", "must be at least 4");
  check(tokenizer.min_freq >= 1, "tokenizer.min_freq", "must be at least 1");
}

json to_json(const TrainConfig& c) {
  return json{{"optimizer", to_string(c.optimizer)},
              {"lr", c.lr},
              {"weight_decay", c.weight_decay},
              {"beta1", c.beta1},
              {"beta2", c.beta2},
              {"adam_eps", c.adam_eps},
              {"schedule", to_string(c.schedule)},
              {"warmup_fraction", c.warmup_fraction},
              {"clip_norm", c.clip_norm},
              {"epochs", c.epochs},
              {"max_steps", c.max_steps},
              {"time_budget_s", c.time_budget_s},
              {"batch_size", c.batch_size},
              {"max_len", c.max_len},
              {"eval_every", c.eval_every},
              {"patience", c.patience},
              {"seed", c.seed},
              {"precision", to_string(c.precision)},
              {"split_seed", c.split_seed},
              {"valid_fraction", c.valid_fraction},
              {"test_fraction", c.test_fraction},
              {"tokenizer", tokenizer_json(c.tokenizer)}};
}

TrainConfig train_config_from_json(const json& j, const TrainConfig& base) {
  if (!j.is_object()) throw Error("expected a JSON object, got " + j.dump(), kConfig);
  TrainConfig c = base;
  for (const auto& [key, value] : j.items()) {
    if (key == "optimizer") c.optimizer = parse_enum(value, kConfig, key, kOptimizerNames);
    else if (key == "lr") c.lr = get<double>(value, kConfig, key);
    else if (key == "weight_decay") c.weight_decay = get<double>(value, kConfig, key);
    else if (key == "beta1") c.beta1 = get<double>(value, kConfig, key);
    else if (key == "beta2") c.beta2 = get<double>(value, kConfig, key);
    else if (key == "adam_eps") c.adam_eps = get<double>(value, kConfig, key);
    else if (key == "schedule") c.schedule = parse_enum(value, kConfig, key, kScheduleNames);
    else if (key == "warmup_fraction") c.warmup_fraction = get<double>(value, kConfig, key);
    else if (key == "clip_norm") c.clip_norm = get<double>(value, kConfig, key);
    else if (key == "epochs") c.epochs = get<std::int64_t>(value, kConfig, key);
    else if (key == "max_steps") c.max_steps = get<std::int64_t>(value, kConfig, key);
    else if (key == "time_budget_s") c.time_budget_s = get<double>(value, kConfig, key);
    else if (key == "batch_size") c.batch_size = get<std::int64_t>(value, kConfig, key);
    else if (key == "max_len") c.max_len = get<std::int64_t>(value, kConfig, key);
    else if (key == "eval_every") c.eval_every = get<std::int64_t>(value, kConfig, key);
    else if (key == "patience") c.patience = get<std::int64_t>(value, kConfig, key);
    else if (key == "seed") c.seed = get<std::uint64_t>(value, kConfig, key);
    else if (key == "precision") c.precision = parse_enum(value, kConfig, key, kPrecisionNames);
    else if (key == "split_seed") c.split_seed = get<std::uint64_t>(value, kConfig, key);
    else if (key == "valid_fraction") c.valid_fraction = get<double>(value, kConfig, key);
    else if (key == "test_fraction") c.test_fraction = get<double>(value, kConfig, key);
    else if (key == "tokenizer") c.tokenizer = tokenizer_from_json(value, c.tokenizer);
    else throw Error("unknown key '" + key + "'", kConfig, "valid keys: " + key_list(to_json(TrainConfig{})));
  }
  return c;
}

void apply_override(TrainConfig& config, const std::string& assignment) {
  const auto [key, value] = parse_assignment(assignment);
  const auto dot = key.find('.');
  if (dot != std::string::npos && key.substr(0, dot) == "tokenizer") {
    config = train_config_from_json(json{{"tokenizer", json{{key.substr(dot + 1), value}}}}, config);
  } else {
    config = train_config_from_json(json{{key, value}}, config);
  }
}

std::string to_string(OptimizerKind kind) { return enum_name(kind, kOptimizerNames); }
std::string to_string(ScheduleKind kind) { return enum_name(kind, kScheduleNames); }
std::string to_string(PrecisionKind kind) { return enum_name(kind, kPrecisionNames); }

}  // namespace fastformer
