// Chooses the tokenizer implementation by kind, for training and for loading a checkpoint.
#include "fastformer/tokenizer.h"

#include "fastformer/error.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/word_tokenizer.h"
#include "text/wordpunct_tokenizer.h"

namespace fastformer {
namespace {

bool is_subword(const std::string& kind) { return kind == "unigram" || kind == "bpe"; }

[[noreturn]] void unknown_kind(const std::string& kind, const std::string& where) {
  throw Error("unknown tokenizer kind '" + kind + "'", where, "use word|unigram|bpe (wordpunct: imported models)");
}

}  // namespace

std::unique_ptr<Tokenizer> train_tokenizer(const TokenizerConfig& config, const std::vector<std::string_view>& texts) {
  if (config.kind == "word") return WordTokenizer::train(config, texts);
  if (is_subword(config.kind)) return SentencePieceTokenizer::train(config, texts);
  unknown_kind(config.kind, "tokenizer.kind");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir, const nlohmann::json& saved) {
  const auto text_field = [&](const char* key) {
    const auto found = saved.is_object() ? saved.find(key) : saved.end();
    if (found == saved.end() || !found->is_string()) {
      throw Error(std::string("the saved tokenizer has no \"") + key + "\"", (dir / "config.json").string() + ": tokenizer",
                  "expected {\"kind\":\"word|unigram|bpe\",\"file\":…}");
    }
    return found->get<std::string>();
  };
  const std::string kind = text_field("kind");
  if (kind != "word" && kind != "wordpunct" && !is_subword(kind)) unknown_kind(kind, (dir / "config.json").string() + ": tokenizer.kind");
  // A plain file name inside the checkpoint: config.json must not point the loader elsewhere.
  const std::filesystem::path name = text_field("file");
  if (name.empty() || name != name.filename() || name == "." || name == "..") {
    throw Error("tokenizer file '" + name.string() + "' is not a plain file name", (dir / "config.json").string(),
                "name a file inside the checkpoint folder");
  }
  const std::filesystem::path file = dir / name;
  if (kind == "word") return WordTokenizer::load(file);
  if (kind == "wordpunct") return WordPunctTokenizer::load(file);
  return SentencePieceTokenizer::load(file, kind);
}

}  // namespace fastformer
