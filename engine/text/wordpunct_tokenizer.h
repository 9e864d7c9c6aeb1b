// Word-punctuation tokenizer over a given vocabulary (private to the engine; reach it
// through tokenizer.h): the tokenisation of the Fastformer authors' notebook, NLTK's
// wordpunct_tokenize on lower-cased text, with its word_dict (PADDING = 0, no unknown-word
// id), so that imported models read text as they were trained to.
#pragma once

#include "fastformer/tokenizer.h"

#include <unordered_map>

namespace fastformer {

class WordPunctTokenizer final : public Tokenizer {
 public:
  // vocab[id] is the word with that id; vocab[0] is the padding entry, never produced.
  WordPunctTokenizer(std::vector<std::string> vocab, bool lowercase);

  // A vocabulary written elsewhere: a JSON object word → id (the notebook's word_dict),
  // or a text file with one word per line (id = line number − 1). Ids must be 0…V−1.
  static std::unique_ptr<WordPunctTokenizer> from_vocab_file(const std::filesystem::path& file, bool lowercase = true);
  // Reads the tokenizer.json that save() wrote.
  static std::unique_ptr<WordPunctTokenizer> load(const std::filesystem::path& file);

  // ids[0] is the [CLS] slot (kClsId, empty span), which only models with cls_token read;
  // then one id per word in the vocabulary. Words outside it are left out, as the notebook
  // has no id for them (their text stays unshaded).
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
