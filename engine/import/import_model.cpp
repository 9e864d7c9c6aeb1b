// fastformer import: a state_dict + a name map + a vocabulary → a checkpoint.
#include "fastformer/import.h"

#include "fastformer/checkpoint.h"
#include "fastformer/error.h"
#include "fastformer/train_config.h"
#include "import/name_map.h"
#include "import/state_dict_file.h"
#include "text/wordpunct_tokenizer.h"

#include <torch/torch.h>

#include <fstream>
#include <map>
#include <set>

namespace fastformer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The source's own config file (the notebook's fastformer.json, BERT style) → our keys.
json source_config_settings(const fs::path& file, std::vector<std::string>& notes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read the config", file.string(), "check the path");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(std::string("not JSON: ") + e.what(), file.string());
  }
  if (!j.is_object()) throw Error("expected a JSON object", file.string());
  static const std::pair<const char*, const char*> kRenamed[] = {
      {"hidden_size", "hidden"},        {"num_hidden_layers", "layers"},   {"num_attention_heads", "heads"},
      {"intermediate_size", "ffn"},     {"max_position_embeddings", "max_len"}, {"hidden_dropout_prob", "dropout"},
      {"layer_norm_eps", "layer_norm_eps"}, {"initializer_range", "init_std"}};
  // Read by the notebook's code but not by its model's shapes (the embedding has as many
  // rows as word_dict has words, whatever vocab_size says) or only in training.
  static const char* const kIgnored[] = {"vocab_size", "type_vocab_size", "enable_fp16",
                                         "attention_probs_dropout_prob", "pooler_count"};
  json settings = json::object();
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    const auto renamed = std::find_if(std::begin(kRenamed), std::end(kRenamed), [&](const auto& r) { return key == r.first; });
    if (renamed != std::end(kRenamed)) {
      settings[renamed->second] = value;
    } else if (key == "hidden_act") {
      if (value != "gelu") throw Error("hidden_act " + value.dump() + " is not supported", file.string(), "the FFN uses GELU (erf form)");
    } else if (key == "pooler_type") {
      if (value != "weightpooler") throw Error("pooler_type " + value.dump() + " is not supported", file.string(), "weightpooler (attention pooling) only");
    } else if (std::find(std::begin(kIgnored), std::end(kIgnored), key) != std::end(kIgnored)) {
      notes.push_back(file.filename().string() + ": " + key + " not needed, ignored");
    } else {
      throw Error("unknown key '" + key + "'", file.string(),
                  "expected the notebook's fastformer.json keys (hidden_size, num_hidden_layers, …)");
    }
  }
  return settings;
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// "for hidden 256, heads 16": the config sizes the expected dims come from.
std::string dims_reason(c10::IntArrayRef shape, const ModelConfig& c) {
  const std::pair<const char*, std::int64_t> sizes[] = {{"hidden", c.hidden},   {"ffn", c.ffn},
                                                        {"heads", c.heads},     {"classes", c.classes},
                                                        {"vocab_size", c.vocab_size}, {"max_len", c.max_len}};
  std::vector<std::string> parts;
  for (const std::int64_t d : shape) {
    for (const auto& [key, value] : sizes) {
      const std::string part = std::string(key) + " " + std::to_string(value);
      if (d == value && d > 1 && std::find(parts.begin(), parts.end(), part) == parts.end()) {
        parts.push_back(part);
        break;
      }
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? " for " : ", ") + p;
  return out;
}

// Their tensor as our parameter wants it (split, transposed, float32), or the problem.
std::optional<torch::Tensor> convert(const TensorSource& s, const torch::Tensor& theirs, const torch::Tensor& target,
                                     const ModelConfig& c, std::string* problem) {
  std::vector<std::int64_t> expected = target.sizes().vec();  // in their layout
  if (s.transpose && expected.size() == 2) std::swap(expected[0], expected[1]);
  if (!expected.empty()) expected[0] *= s.split_count;
  if (theirs.sizes().vec() != expected) {
    *problem = "shape " + shape_text(theirs.sizes()) + ", expected " + shape_text(expected) + dims_reason(expected, c);
    return std::nullopt;
  }
  if (!theirs.is_floating_point()) {
    *problem = std::string("holds ") + c10::toString(theirs.scalar_type()) + " values, not floating-point weights";
    return std::nullopt;
  }
  torch::Tensor t = theirs.to(torch::kFloat);
  if (s.split_count > 1) t = t.chunk(s.split_count, 0)[static_cast<std::size_t>(s.split_index)];
  if (s.transpose) t = t.t();
  if (!torch::isfinite(t).all().item<bool>()) {
    *problem = "holds NaN or Inf";
    return std::nullopt;
  }
  return t.contiguous();
}

// The model's config: the map's settings, then sizes read off the tensors, then the
// source's config file, then --set.
ModelConfig build_config(const NameMap& map, const NamedTensors& tensors,
                         const std::map<std::string, torch::Tensor>& by_name, const ImportOptions& options,
                         ImportReport& report) {
  ModelConfig c = model_config_from_json(map.config);
  json inferred = json::object();
  for (const InferredSize& size : map.infer) {
    const auto found = by_name.find(size.tensor);
    if (found == by_name.end() || size.dim < 0 || size.dim >= found->second.dim()) continue;  // reported later
    inferred[size.key] = found->second.size(size.dim);
    report.notes.push_back(size.key + " " + std::to_string(found->second.size(size.dim)) + " from " + size.tensor);
  }
  std::vector<std::string> names;
  for (const auto& [name, t] : tensors) names.push_back(name);
  if (const auto layers = count_layers(map, names)) {
    inferred["layers"] = *layers;
    report.notes.push_back("layers " + std::to_string(*layers) + " from " + map.layer_prefix);
  }
  c = model_config_from_json(inferred, c);
  if (!options.config.empty()) c = model_config_from_json(source_config_settings(options.config, report.notes), c);
  for (const std::string& setting : options.overrides) apply_override(c, setting);
  c.validate();
  return c;
}

}  // namespace

ImportReport import_model(const ImportOptions& options) {
  if (options.vocab.empty()) {
    throw Error("no vocabulary given", "--vocab", "pass the word_dict as JSON (word → id) or a vocab.txt");
  }
  if (options.out.empty()) throw Error("no output checkpoint given", "--out");
  ImportReport report;
  const std::string file = options.from.string();
  const NamedTensors tensors = read_state_dict(options.from);
  const NameMap map = load_name_map(options.map);
  const std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
  report.config = build_config(map, tensors, by_name, options, report);
  const ModelConfig& c = report.config;

  const auto tokenizer = WordPunctTokenizer::from_vocab_file(options.vocab);
  report.vocab_words = tokenizer->vocab_size();
  if (tokenizer->vocab_size() > c.vocab_size) {
    throw Error("the vocabulary has " + std::to_string(tokenizer->vocab_size()) + " words, the embedding only " +
                    std::to_string(c.vocab_size) + " rows",
                options.vocab.string(), "give the word_dict the model was trained with");
  }

  Model model(c);
  auto params = model->named_parameters(/*recurse=*/true);
  std::vector<std::string> problems;
  std::set<std::string> used, mapped;  // their names read; our names given a source
  NamedTensors converted;
  for (const TensorSource& s : expand_sources(map, c)) {
    const torch::Tensor* target = params.find(s.ours);
    if (target == nullptr) {
      problems.push_back(map.name + ": '" + s.ours + "' is not a parameter of this model config");
      continue;
    }
    mapped.insert(s.ours);
    const auto found = by_name.find(s.theirs);
    if (found == by_name.end()) {
      problems.push_back(s.theirs + ": missing from " + file + " (read for " + s.ours + ")");
      continue;
    }
    used.insert(s.theirs);
    std::string problem;
    if (auto t = convert(s, found->second, *target, c, &problem)) {
      converted.emplace_back(s.ours, *t);
    } else {
      problems.push_back(s.theirs + ": " + problem);
    }
  }
  for (const auto& item : params) {
    if (!mapped.count(item.key())) problems.push_back(item.key() + ": no tensor of " + map.name + " fills it");
  }
  for (const auto& [name, t] : tensors) {
    if (!used.count(name)) problems.push_back(name + ": not used by " + map.name + " (shape " + shape_text(t.sizes()) + ")");
  }
  if (!problems.empty()) {
    std::string lines;
    for (const auto& p : problems) lines += (lines.empty() ? "" : "\n") + p;
    throw Error(lines);
  }
  load_parameters(model, converted, file);
  report.tensors = static_cast<std::int64_t>(tensors.size());

  std::vector<std::string> labels = options.labels.empty() ? default_labels(c.classes) : options.labels;
  if (static_cast<std::int64_t>(labels.size()) != c.classes) {
    throw Error(std::to_string(labels.size()) + " label names for " + std::to_string(c.classes) + " classes", "--labels");
  }
  TrainConfig train;
  train.max_len = c.sequence_capacity();  // the longest sequence the source read
  const json extra{{"train", to_json(train)},
                   {"data", "imported from " + options.from.filename().string()},
                   {"imported", {{"from", fs::absolute(options.from).string()}, {"map", map.name}}}};
  save_checkpoint(options.out, model, labels, extra,
                  [&](const fs::path& tmp) { return json{{"tokenizer", tokenizer->save(tmp)}}; });
  return report;
}

}  // namespace fastformer
