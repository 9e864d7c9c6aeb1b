// Word-punctuation tokenizer: the notebook's split (word_tokenizer.cpp's split_wordpunct),
// its vocabulary files, and the tokenizer.json a checkpoint keeps.
#include "text/wordpunct_tokenizer.h"

#include "fastformer/error.h"
#include "text/word_list.h"
#include "text/word_tokenizer.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace fastformer {
namespace {

constexpr const char* kKind = "wordpunct";

// vocab[id] from a word → id object; every id in 0…V−1 exactly once.
std::vector<std::string> vocab_from_word_dict(const nlohmann::json& dict, const std::string& where) {
  std::vector<std::string> vocab(dict.size());
  std::vector<bool> seen(dict.size(), false);
  for (const auto& [word, id] : dict.items()) {
    if (!id.is_number_integer()) throw Error("the id of '" + word + "' is not an integer", where);
    const auto i = id.get<std::int64_t>();
    if (i < 0 || i >= static_cast<std::int64_t>(vocab.size())) {
      throw Error("the id of '" + word + "' is " + std::to_string(i) + ", outside [0, " + std::to_string(vocab.size()) + ")",
                  where, "ids must number the words 0…V−1");
    }
    if (seen[static_cast<std::size_t>(i)]) {
      throw Error("id " + std::to_string(i) + " is given to two words ('" + vocab[static_cast<std::size_t>(i)] +
                      "' and '" + word + "')",
                  where);
    }
    seen[static_cast<std::size_t>(i)] = true;
    vocab[static_cast<std::size_t>(i)] = word;
  }
  return vocab;
}

}  // namespace

WordPunctTokenizer::WordPunctTokenizer(std::vector<std::string> vocab, bool lowercase)
    : vocab_(std::move(vocab)), lowercase_(lowercase) {
  // Id 2 is the [CLS] slot every encoding starts with, so the model's table must reach it.
  if (vocab_.size() < 3) {
    throw Error("the vocabulary has " + std::to_string(vocab_.size()) + " words", "tokenizer vocab",
                "it needs the padding entry and at least two words");
  }
  ids_.reserve(vocab_.size());
  for (std::size_t i = 1; i < vocab_.size(); ++i) {  // id 0 is padding: never looked up
    if (!ids_.emplace(vocab_[i], static_cast<std::int64_t>(i)).second) {
      throw Error("the vocabulary lists '" + vocab_[i] + "' twice", "tokenizer vocab");
    }
  }
}

std::unique_ptr<WordPunctTokenizer> WordPunctTokenizer::from_vocab_file(const std::filesystem::path& file,
                                                                        bool lowercase) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read the vocabulary", file.string(), "check the path");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> vocab;
  if (file.extension() == ".json") {
    nlohmann::json dict;
    try {
      dict = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("not JSON: ") + e.what(), file.string(), "expected {\"word\": id, …}");
    }
    if (!dict.is_object()) throw Error("expected a JSON object word → id", file.string());
    vocab = vocab_from_word_dict(dict, file.string());
  } else {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      vocab.push_back(std::move(line));
    }
  }
  try {
    return std::make_unique<WordPunctTokenizer>(std::move(vocab), lowercase);
  } catch (const Error& e) {
    throw Error(e.problem(), file.string(), e.hint());
  }
}

std::unique_ptr<WordPunctTokenizer> WordPunctTokenizer::load(const std::filesystem::path& file) {
  WordList list = load_word_list(file, kKind);
  try {
    return std::make_unique<WordPunctTokenizer>(std::move(list.vocab), list.lowercase);
  } catch (const Error& e) {
    throw Error(e.problem(), file.string(), e.hint());
  }
}

Encoding WordPunctTokenizer::encode(std::string_view text) const {
  return encode_words(split_wordpunct(text, lowercase_), ids_, /*unknown=*/-1);  // no id: left out
}

std::int64_t WordPunctTokenizer::vocab_size() const { return static_cast<std::int64_t>(vocab_.size()); }

std::string WordPunctTokenizer::piece(std::int64_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(vocab_size()) + ")",
                "WordPunctTokenizer::piece");
  }
  return vocab_[static_cast<std::size_t>(id)];
}

nlohmann::json WordPunctTokenizer::save(const std::filesystem::path& dir) const {
  return save_word_list(dir, kKind, {vocab_, lowercase_});
}

}  // namespace fastformer
