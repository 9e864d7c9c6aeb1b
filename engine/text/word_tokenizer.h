// Word-level tokenizer (private to the engine; reach it through tokenizer.h): Unicode-aware
// split into alphanumeric runs and single symbols, vocabulary chosen by frequency.
#pragma once

#include "fastformer/tokenizer.h"

#include <unordered_map>

namespace fastformer {

// One word of a text: its byte span in the text and its vocabulary form (maybe lower-cased).
struct WordPiece {
  TokenSpan span;
  std::string word;
};

// Splits `text` into words: maximal runs of alphanumeric code points, and one token per
// other non-space character. Combining marks, variation selectors, skin-tone modifiers and
// ZWJ sequences stay with the character before them, and a pair of regional indicators (a
// flag) is one token, so no token splits a user-perceived character. Invalid UTF-8 bytes
// become one-byte tokens whose form is U+FFFD.
std::vector<WordPiece> split_words(std::string_view text, bool lowercase);

// Splits `text` as NLTK's wordpunct_tokenize splits the lower-cased text (the regular
// expression \w+|[^\w\s]+ with Python's Unicode classes): maximal runs of word characters
// (letters, digits, '_') and maximal runs of other non-space characters. Spans index `text`.
std::vector<WordPiece> split_wordpunct(std::string_view text, bool lowercase);

class WordTokenizer final : public Tokenizer {
 public:
  // vocab[0..2] must be [PAD], [UNK], [CLS].
  WordTokenizer(std::vector<std::string> vocab, bool lowercase);

  static std::unique_ptr<WordTokenizer> train(const TokenizerConfig& config,
                                              const std::vector<std::string_view>& texts);
  // Reads the tokenizer.json that save() wrote.
  static std::unique_ptr<WordTokenizer> load(const std::filesystem::path& file);

  Encoding encode(std::string_view text) const override;
  std::int64_t vocab_size() const override;
  std::string piece(std::int64_t id) const override;
  nlohmann::json save(const std::filesystem::path& dir) const override;

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t> ids_;
  bool lowercase_;
};

}  // namespace fastformer
