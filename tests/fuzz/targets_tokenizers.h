// Fuzz targets for the two tokenizers: the word tokenizer (training on text, its
// tokenizer.json, encoding) and the SentencePiece tokenizer (its tokenizer.model, encoding).
// Input: a flags byte, then two parts (split_two): the text to encode, then the file.
#pragma once

#include "fuzz_common.h"

#include "fastformer/tokenizer.h"

#include <string>
#include <vector>

namespace fastformer::fuzz {

// ids and spans line up, start with [CLS], stay in the vocabulary and inside the text.
inline void check_encoding(const Tokenizer& tokenizer, const Encoding& e, std::string_view text, bool ordered) {
  expect(!e.ids.empty() && e.ids.size() == e.spans.size(), "ids and spans differ in number");
  expect(e.ids[0] == kClsId && e.spans[0].begin == 0 && e.spans[0].end == 0, "the encoding does not start with [CLS]");
  const auto size = static_cast<std::int64_t>(text.size());
  std::int64_t previous_end = 0;
  for (std::size_t i = 1; i < e.ids.size(); ++i) {
    const TokenSpan s = e.spans[i];
    expect(e.ids[i] >= 0 && e.ids[i] < tokenizer.vocab_size(), "an id outside the vocabulary");
    expect(0 <= s.begin && s.begin <= s.end && s.end <= size, "a span outside the text");
    if (ordered) expect(s.begin >= previous_end && s.begin < s.end, "word spans overlap or are empty");
    previous_end = s.end;
    (void)tokenizer.piece(e.ids[i]);
  }
}

inline std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    lines.push_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

// flags: bits 0-4 vocab_size - 3, bit 5 min_freq 2, bit 6 lowercase. Trains on the text's
// lines, encodes the text, saves and reloads; then loads the file as tokenizer.json.
inline void word_tokenizer(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  const auto [text, file] = split_two(data);
  TokenizerConfig config;
  config.kind = "word";
  config.vocab_size = 3 + (flags & 0x1f);
  config.min_freq = (flags & 0x20) ? 2 : 1;
  config.lowercase = (flags & 0x40) != 0;
  const fs::path dir = Scratch::fresh();
  {
    const std::unique_ptr<Tokenizer> trained = train_tokenizer(config, lines_of(text));
    expect(trained->vocab_size() >= 3 && trained->vocab_size() <= config.vocab_size, "vocabulary size off");
    const Encoding encoding = trained->encode(text);
    check_encoding(*trained, encoding, text, true);
    const nlohmann::json saved = trained->save(dir / "trained");
    const std::unique_ptr<Tokenizer> reloaded = load_tokenizer(dir / "trained", saved);
    expect(reloaded->encode(text).ids == encoding.ids, "a saved word tokenizer encodes differently when reloaded");
  }
  write_file(dir / "tokenizer.json", file);
  const std::unique_ptr<Tokenizer> loaded = load_tokenizer(dir, {{"kind", "word"}, {"file", "tokenizer.json"}});
  check_encoding(*loaded, loaded->encode(text), text, true);
}

// flags: bit 0 loads as "bpe" instead of "unigram". Loads the file as tokenizer.model and
// encodes the text.
inline void sentencepiece(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  const auto [text, file] = split_two(data);
  const fs::path dir = Scratch::fresh();
  write_file(dir / "tokenizer.model", file);
  const std::string kind = (flags & 1) ? "bpe" : "unigram";
  const std::unique_ptr<Tokenizer> loaded = load_tokenizer(dir, {{"kind", kind}, {"file", "tokenizer.model"}});
  check_encoding(*loaded, loaded->encode(text), text, false);
}

}  // namespace fastformer::fuzz
