// From a data spec to encoded splits, and from a checkpoint to a usable model+tokenizer.
#include "fastformer/training_data.h"

#include "fastformer/resources.h"

#include "fastformer/error.h"

#include <string_view>

namespace fastformer {
namespace fs = std::filesystem;
namespace {

void report_encoding(TrainObserver& observer, const char* name, const EncodedSplit& split, std::int64_t max_len) {
  if (split.truncated > 0) {
    observer.on_message(std::string(name) + ": " + std::to_string(split.truncated) + " of " +
                        std::to_string(split.ids.size()) + " documents truncated to max_len " +
                        std::to_string(max_len) + " (" + std::to_string(split.dropped_tokens) + " tokens dropped)");
  }
}

}  // namespace

TrainingData prepare_training_data(const std::string& spec, const ReadOptions& read, const TrainConfig& config,
                                   TrainObserver& observer, std::unique_ptr<Tokenizer> tokenizer,
                                   std::optional<std::vector<std::string>> labels) {
  ReadOptions options = read;
  if (labels && !options.known_labels) options.known_labels = labels;
  DataSplits splits =
      load_splits(spec, options, SplitOptions{config.split_seed, config.valid_fraction, config.test_fraction});
  if (splits.report.bad_rows > 0) {
    for (const auto& problem : splits.report.problems) observer.on_message("skipped: " + problem);
    observer.on_message(std::to_string(splits.report.bad_rows) + " bad rows skipped");
  }
  if (splits.report.replaced_invalid_utf8 > 0) {
    observer.on_message(std::to_string(splits.report.replaced_invalid_utf8) + " invalid UTF-8 sequences replaced");
  }
  observer.on_message(splits.description + ": " + std::to_string(splits.train.size()) + " train, " +
                      std::to_string(splits.valid.size()) + " valid, " + std::to_string(splits.test.size()) +
                      " test examples, " + std::to_string(splits.labels.size()) + " labels");
  TrainingData data;
  data.source = spec;
  data.labels = labels ? *labels : splits.labels;
  if (tokenizer) {
    data.tokenizer = std::move(tokenizer);
  } else {
    std::vector<std::string_view> texts;
    texts.reserve(splits.train.size());
    for (const Example& e : splits.train) texts.emplace_back(e.text);
    data.tokenizer = train_tokenizer(config.tokenizer, texts);
    observer.on_message(config.tokenizer.kind + " tokenizer: " + std::to_string(data.tokenizer->vocab_size()) +
                        " ids");
  }
  data.train = encode_split(*data.tokenizer, splits.train, data.labels, config.max_len);
  data.valid = encode_split(*data.tokenizer, splits.valid, data.labels, config.max_len);
  data.test = encode_split(*data.tokenizer, splits.test, data.labels, config.max_len);
  report_encoding(observer, "train", data.train, config.max_len);
  report_encoding(observer, "valid", data.valid, config.max_len);
  report_encoding(observer, "test", data.test, config.max_len);
  return data;
}

TrainedModel load_trained_model(const fs::path& given) {
  const fs::path path = resolve_model_path(given);  // "demo": the shipped model
  TrainedModel out;
  out.dir = existing_checkpoint(
      fs::exists(path / "config.json") || !fs::exists(existing_checkpoint(path / "best") / "config.json") ? path
                                                                                                          : path / "best");
  out.checkpoint = load_checkpoint(out.dir);
  const nlohmann::json& extra = out.checkpoint.contents.extra;
  if (!extra.contains("tokenizer")) {
    throw Error("this checkpoint has no tokenizer", out.dir.string(),
                "it was made by `fastformer init`; train one with `fastformer train`, or use `fastformer forward` with token ids");
  }
  out.tokenizer = load_tokenizer(out.dir, extra.at("tokenizer"));
  if (extra.contains("train")) out.train = train_config_from_json(extra.at("train"));
  // Looked up by hand: json::value() throws a json type_error for a field of another type.
  if (const auto data = extra.find("data"); data != extra.end()) {
    if (!data->is_string()) {
      throw Error("\"data\" is not a string", (out.dir / "config.json").string(),
                  "expected the data spec the model was trained on, e.g. \"train.jsonl\"");
    }
    out.data = data->get<std::string>();
  }
  return out;
}

}  // namespace fastformer
