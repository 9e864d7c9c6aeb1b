// The word-list tokenizers' file and encoding.
#include "text/word_list.h"

#include "fastformer/error.h"

#include <fstream>

namespace fastformer {
namespace {

constexpr const char* kFileName = "tokenizer.json";

}  // namespace

WordList load_word_list(const std::filesystem::path& file, const std::string& kind) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read the " + kind + " tokenizer", file.string(), "the checkpoint is incomplete: save it again");
  WordList list;
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    if (json.at("kind").get<std::string>() != kind) throw Error("not a " + kind + " tokenizer", file.string());
    list.lowercase = json.at("lowercase").get<bool>();
    list.vocab = json.at("vocab").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("corrupt " + kind + " tokenizer: " + e.what(), file.string(),
                "expected {\"kind\":\"" + kind + "\",\"lowercase\":…,\"vocab\":[…]}");
  }
  return list;
}

nlohmann::json save_word_list(const std::filesystem::path& dir, const std::string& kind, const WordList& list) {
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  const std::filesystem::path file = dir / kFileName;
  const nlohmann::json json = {{"kind", kind}, {"lowercase", list.lowercase}, {"vocab", list.vocab}};
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << json.dump() << '\n';
  out.close();
  if (!out) throw Error("cannot write the " + kind + " tokenizer", file.string(), "check that the folder is writable");
  return {{"kind", kind}, {"file", kFileName}};
}

Encoding encode_words(const std::vector<WordPiece>& words, const std::unordered_map<std::string, std::int64_t>& ids,
                      std::int64_t unknown) {
  Encoding encoding;
  encoding.ids.reserve(words.size() + 1);
  encoding.spans.reserve(words.size() + 1);
  encoding.ids.push_back(kClsId);
  encoding.spans.push_back({0, 0});
  for (const WordPiece& word : words) {
    const auto found = ids.find(word.word);
    if (found == ids.end() && unknown < 0) continue;
    encoding.ids.push_back(found == ids.end() ? unknown : found->second);
    encoding.spans.push_back(word.span);
  }
  return encoding;
}

}  // namespace fastformer
