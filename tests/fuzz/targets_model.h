// Fuzz targets for what a checkpoint folder holds: config.json (format, model, train and
// tokenizer sections), model.safetensors, and the two loaded together into a model.
#pragma once

#include "fuzz_common.h"

#include "fastformer/checkpoint.h"
#include "fastformer/model_config.h"
#include "fastformer/safetensors.h"
#include "fastformer/train_config.h"
#include "fastformer/training_data.h"

#include <ATen/Parallel.h>

#include <string>

namespace fastformer::fuzz {

// One intra-op thread: a fuzz process runs one input at a time, and thread pools only add noise.
inline void one_thread() {
  static const bool once = (at::set_num_threads(1), true);
  (void)once;
}

// A valid word tokenizer, so a config naming "tokenizer.json" gets past the tokenizer.
inline void write_word_tokenizer(const fs::path& dir) {
  write_file(dir / "tokenizer.json", R"({"kind":"word","lowercase":true,"vocab":["[PAD]","[UNK]","[CLS]","a"]})");
}

// The file as config.json: its sections through the config readers directly, then the
// whole file through read_checkpoint_config and the tokenizer it names.
inline void config_json(std::string_view data) {
  const nlohmann::json j = nlohmann::json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    try {
      model_config_from_json(j.is_object() && j.contains("model") ? j.at("model") : j).validate();
    } catch (const Error&) {
    }
    try {
      if (j.is_object() && j.contains("train")) train_config_from_json(j.at("train")).validate();
    } catch (const Error&) {
    }
  }
  const fs::path dir = Scratch::fresh();
  write_file(dir / "config.json", data);
  write_word_tokenizer(dir);
  const CheckpointContents contents = read_checkpoint_config(dir);
  contents.config.validate();
  expect(static_cast<std::int64_t>(contents.labels.size()) == contents.config.classes, "labels != classes");
  if (contents.extra.contains("tokenizer")) (void)load_tokenizer(dir, contents.extra.at("tokenizer"));
}

inline void safetensors(std::string_view data) {
  one_thread();
  const fs::path path = Scratch::fresh() / "model.safetensors";
  write_file(path, data);
  const SafetensorsFile file = load_safetensors(path.string());
  std::uint64_t bytes = 0;
  for (const auto& [name, tensor] : file.tensors) {
    expect(tensor.defined() && tensor.is_contiguous(), "tensor '" + name + "' is not a dense tensor");
    bytes += static_cast<std::uint64_t>(tensor.numel()) * tensor.element_size();
    expect(find_tensor(file, name).is_same(tensor), "find_tensor returns another tensor");
  }
  expect(bytes <= data.size(), "the tensors hold more bytes than the file");
  try {
    (void)find_tensor(file, std::string("\x01 not a tensor name"));
    expect(false, "find_tensor found a name no file holds");
  } catch (const Error&) {
  }
}

// Input: split_two parts config.json, then model.safetensors; the folder also holds a word
// tokenizer.json. Loaded as eval and predict load a trained model.
inline void checkpoint(std::string_view data) {
  one_thread();
  const auto [config, weights] = split_two(data);
  const fs::path dir = Scratch::fresh();
  write_file(dir / "config.json", config);
  write_file(dir / "model.safetensors", weights);
  write_word_tokenizer(dir);
  const TrainedModel trained = load_trained_model(dir);
  expect(trained.tokenizer != nullptr && !trained.checkpoint.model.is_empty(), "a loaded model is incomplete");
  expect(static_cast<std::int64_t>(trained.checkpoint.contents.labels.size()) == trained.checkpoint.contents.config.classes,
         "labels != classes");
}

}  // namespace fastformer::fuzz
