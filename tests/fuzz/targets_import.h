// Fuzz targets for what `fastformer import` reads: torch.save archives (LibTorch's zip
// reader, then the pickle inside), the pickle alone, JSON name maps and vocabularies.
#pragma once

#include "fuzz_common.h"
#include "targets_model.h"

#include "import/name_map.h"
#include "import/pickle_reader.h"
#include "import/state_dict_file.h"
#include "text/wordpunct_tokenizer.h"

#include <string>

namespace fastformer::fuzz {

inline void torch_state_dict(std::string_view data) {
  one_thread();
  const fs::path path = Scratch::fresh() / "model.pt";
  write_file(path, data);
  std::uint64_t bytes = 0;
  for (const auto& [name, tensor] : read_state_dict(path)) {
    expect(tensor.defined() && tensor.is_contiguous(), "tensor '" + name + "' is not a dense tensor");
    bytes += static_cast<std::uint64_t>(tensor.numel()) * tensor.element_size();
  }
  (void)bytes;  // views may share one storage: no bound against the file's size
}

// The pickle alone: every tensor it names has as many strides as sizes.
inline void pickle(std::string_view data) {
  for (const auto& [name, t] : read_pickled_state_dict(data, "fuzz")) {
    expect(t.sizes.size() == t.strides.size(), "'" + name + "': sizes and strides differ in length");
    expect(t.storage_numel >= 0, "'" + name + "': a storage of negative size");
  }
}

// A JSON name map, expanded for a small model of its own settings.
inline void name_map(std::string_view data) {
  const fs::path path = Scratch::fresh() / "map.json";
  write_file(path, data);
  const NameMap map = load_name_map(path.string());
  ModelConfig config = model_config_from_json(map.config);
  config.layers = 3;
  for (const TensorSource& s : expand_sources(map, config)) {
    expect(s.split_index >= 0 && s.split_index < s.split_count, "a split outside its count");
  }
}

// A vocabulary file (flags bit 0: word_dict JSON, else vocab.txt), then an encoding of
// the same bytes as text.
inline void word_dict(std::string_view data) {
  const bool json = (take_flags(data) & 1) != 0;
  const fs::path path = Scratch::fresh() / (json ? "word_dict.json" : "vocab.txt");
  write_file(path, data);
  const auto tokenizer = WordPunctTokenizer::from_vocab_file(path);
  const Encoding e = tokenizer->encode(data);
  expect(e.ids.size() == e.spans.size() && e.ids.front() == kClsId, "ids and spans differ or no [CLS] slot");
  for (std::size_t i = 1; i < e.ids.size(); ++i) {
    expect(e.ids[i] > 0 && e.ids[i] < tokenizer->vocab_size(), "an id outside the vocabulary (or padding)");
    expect(e.spans[i].begin < e.spans[i].end && e.spans[i].end <= static_cast<std::int64_t>(data.size()), "a bad span");
  }
}

}  // namespace fastformer::fuzz
