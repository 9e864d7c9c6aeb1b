// Tokenizers turn text into ids with, for every token, its byte span in the original
// text (so the inspector can shade the exact characters). Two kinds: word-level and
// SentencePiece subwords. Special ids are fixed: [PAD]=0, [UNK]=1, [CLS]=2; encode()
// starts every sequence with [CLS] (empty span at 0).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fastformer {

constexpr std::int64_t kPadId = 0;
constexpr std::int64_t kUnkId = 1;
constexpr std::int64_t kClsId = 2;

struct TokenSpan {
  std::int64_t begin = 0;  // byte offset into the original UTF-8 text
  std::int64_t end = 0;    // one past the last byte; begin == end for [CLS]
};

struct Encoding {
  std::vector<std::int64_t> ids;  // starts with kClsId
  std::vector<TokenSpan> spans;   // one per id
};

struct TokenizerConfig {
  std::string kind = "word";   // word | unigram | bpe
  std::int64_t vocab_size = 30000;  // upper bound (word), target size (subword)
  std::int64_t min_freq = 2;        // word: rarer words map to [UNK]
  bool lowercase = true;            // word: Unicode-aware lower-casing
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual Encoding encode(std::string_view text) const = 0;
  virtual std::int64_t vocab_size() const = 0;
  virtual std::string piece(std::int64_t id) const = 0;  // readable form of an id
  // Writes the tokenizer's files into a checkpoint directory and returns the JSON that
  // config.json keeps under "tokenizer" (kind, settings, file names).
  virtual nlohmann::json save(const std::filesystem::path& dir) const = 0;
};

// Builds a tokenizer from training texts (deterministic for the same texts and config).
std::unique_ptr<Tokenizer> train_tokenizer(const TokenizerConfig& config, const std::vector<std::string_view>& texts);

// Loads what save() wrote; `saved` is the JSON it returned.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir, const nlohmann::json& saved);

}  // namespace fastformer
