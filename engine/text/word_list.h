// What the two word-list tokenizers (word, wordpunct) share: the tokenizer.json a
// checkpoint keeps ({"kind", "lowercase", "vocab"}) and encoding words through a table.
#pragma once

#include "fastformer/tokenizer.h"
#include "text/word_tokenizer.h"

#include <unordered_map>

namespace fastformer {

struct WordList {
  std::vector<std::string> vocab;  // vocab[id]
  bool lowercase = true;
};

// Reads the tokenizer.json that save_word_list wrote for `kind`; errors name the file.
WordList load_word_list(const std::filesystem::path& file, const std::string& kind);
// Writes dir/tokenizer.json; returns what config.json keeps: {"kind", "file"}.
nlohmann::json save_word_list(const std::filesystem::path& dir, const std::string& kind, const WordList& list);

// [CLS] (empty span at 0), then each word's id: a word outside `ids` gets `unknown`, or
// is left out when `unknown` is negative.
Encoding encode_words(const std::vector<WordPiece>& words, const std::unordered_map<std::string, std::int64_t>& ids,
                      std::int64_t unknown);

}  // namespace fastformer
