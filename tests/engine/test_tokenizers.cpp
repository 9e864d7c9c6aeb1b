// Tokenizer tests: spans map back to the exact original characters (ASCII, accents, Greek,
// CJK, emoji, punctuation), vocabulary rules, save/load round trips and error paths.
#include "fastformer/error.h"
#include "fastformer/tokenizer.h"
#include "fastformer/word_count.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace fastformer {
namespace {

namespace fs = std::filesystem;

// A fresh folder under /tmp, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("ff-tok-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

std::vector<std::string_view> views(const std::vector<std::string>& texts) { return {texts.begin(), texts.end()}; }

// The original characters each token covers (the [CLS] at index 0 left out).
std::vector<std::string> surfaces(std::string_view text, const Encoding& encoding) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < encoding.spans.size(); ++i) {
    const TokenSpan s = encoding.spans[i];
    out.emplace_back(text.substr(static_cast<std::size_t>(s.begin), static_cast<std::size_t>(s.end - s.begin)));
  }
  return out;
}

std::string without_spaces(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n') out += c;
  }
  return out;
}

std::string without_marker(std::string piece) {
  const std::string marker = "\xE2\x96\x81";  // U+2581, SentencePiece's word-start "▁"
  for (std::size_t at; (at = piece.find(marker)) != std::string::npos;) piece.erase(at, marker.size());
  return piece;
}

std::vector<std::string> all_pieces(const Tokenizer& tokenizer) {
  std::vector<std::string> out;
  for (std::int64_t id = 0; id < tokenizer.vocab_size(); ++id) out.push_back(tokenizer.piece(id));
  return out;
}

// Every encoding starts with [CLS] at {0,0}; spans are in order, inside the text, never
// overlap, and together cover every non-space byte exactly once.
void expect_well_formed(std::string_view text, const Encoding& encoding) {
  ASSERT_EQ(encoding.ids.size(), encoding.spans.size());
  ASSERT_FALSE(encoding.ids.empty());
  EXPECT_EQ(encoding.ids[0], kClsId);
  EXPECT_EQ(encoding.spans[0].begin, 0);
  EXPECT_EQ(encoding.spans[0].end, 0);
  std::int64_t previous_end = 0;
  std::string covered;
  for (std::size_t i = 1; i < encoding.spans.size(); ++i) {
    const TokenSpan s = encoding.spans[i];
    EXPECT_LE(previous_end, s.begin) << "token " << i << " of \"" << text << "\"";
    EXPECT_LE(s.begin, s.end);
    EXPECT_LE(s.end, static_cast<std::int64_t>(text.size()));
    previous_end = s.end;
  }
  for (const std::string& surface : surfaces(text, encoding)) covered += without_spaces(surface);
  EXPECT_EQ(covered, without_spaces(text));
}

// Texts in every script the inspector must shade exactly.
const std::vector<std::string>& sample_texts() {
  static const std::vector<std::string> texts = {
      "Hello, world! The quick brown fox jumps over the lazy dog.",
      "L'ÉCOLE est là. Ça va très bien, merci.",
      "ΣΟΦΊΑ καὶ λόγος: η σοφία αρχίζει με την απορία.",
      "日本語のテキスト、東京。我喜欢学习中文。",
      "I ❤️ pizza 🍕! 👍 👨‍👩‍👧 🇫🇷🇩🇪",
      "«Quoi?!» — (yes)... [ok] {no} <tag> 100% #1 @home \"quoted\" a-b_c",
  };
  return texts;
}

// ---------------------------------------------------------------------------------------
// Word tokenizer

std::unique_ptr<Tokenizer> word_tokenizer(const std::vector<std::string>& texts, bool lowercase = false,
                                          std::int64_t min_freq = 1, std::int64_t vocab_size = 1000) {
  TokenizerConfig config;
  config.kind = "word";
  config.lowercase = lowercase;
  config.min_freq = min_freq;
  config.vocab_size = vocab_size;
  return train_tokenizer(config, views(texts));
}

TEST(WordTokenizer, SplitsIntoWordsAndSingleSymbols) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"Hello, world!", {"Hello", ",", "world", "!"}},
      {"L'ÉCOLE est là.", {"L", "'", "ÉCOLE", "est", "là", "."}},
      {"ΣΟΦΊΑ καὶ λόγος", {"ΣΟΦΊΑ", "καὶ", "λόγος"}},
      {"日本語のテキスト、東京。", {"日本語のテキスト", "、", "東京", "。"}},
      {"I ❤️ 🍕! 👨‍👩‍👧 🇫🇷🇩🇪", {"I", "❤️", "🍕", "!", "👨‍👩‍👧", "🇫🇷", "🇩🇪"}},
      {"«Quoi?!» — (yes)...", {"«", "Quoi", "?", "!", "»", "—", "(", "yes", ")", ".", ".", "."}},
      {"cafe\xCC\x81s", {"cafe\xCC\x81s"}},                    // combining accent stays in the word
      {"東京\xE3\x80\x80大阪 a\xC2\xA0" "b", {"東京", "大阪", "a", "b"}},  // ideographic and no-break spaces
      {"ab\xFF cd", {"ab", "\xFF", "cd"}},                     // an invalid byte is its own token
  };
  for (const auto& [text, expected] : cases) {
    const auto tokenizer = word_tokenizer({text});
    const Encoding encoding = tokenizer->encode(text);
    EXPECT_EQ(surfaces(text, encoding), expected) << text;
  }
}

// word_token_count (the Studio's length preview) counts what the word tokenizer encodes:
// one token per word or symbol, [CLS] not included, whatever the vocabulary.
TEST(WordTokenizer, TokenCountMatchesTheEncoding) {
  EXPECT_EQ(word_token_count("Hello, world!"), 4);
  EXPECT_EQ(word_token_count("«Quoi?!» — (yes)..."), 12);
  EXPECT_EQ(word_token_count(""), 0);
  EXPECT_EQ(word_token_count("  \n\t "), 0);
  for (const std::string text : {"L'ÉCOLE est là.", "I ❤️ 🍕! 👨‍👩‍👧 🇫🇷🇩🇪", "ab\xFF cd  e-mail: x@y.z"}) {
    const auto tokenizer = word_tokenizer({"unrelated words only"});
    EXPECT_EQ(word_token_count(text), static_cast<std::int64_t>(tokenizer->encode(text).ids.size()) - 1) << text;
  }
}

TEST(WordTokenizer, SpansMapToExactOriginalCharacters) {
  const auto tokenizer = word_tokenizer(sample_texts());
  for (const std::string& text : sample_texts()) {
    const Encoding encoding = tokenizer->encode(text);
    expect_well_formed(text, encoding);
    const std::vector<std::string> pieces = surfaces(text, encoding);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      // Trained on these texts without lower-casing: every token is known and is its span.
      EXPECT_EQ(tokenizer->piece(encoding.ids[i + 1]), pieces[i]) << text;
    }
  }
}

TEST(WordTokenizer, LowercasesNonAsciiButSpansKeepTheOriginal) {
  const auto tokenizer = word_tokenizer({"ÉCOLE École école", "ΣΟΦΊΑ", "ÀÉÎÕÜ Ǆ"}, true);
  const std::vector<std::string> pieces = all_pieces(*tokenizer);
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "école"), pieces.end());
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "σοφία"), pieces.end());
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "àéîõü"), pieces.end());
  EXPECT_EQ(std::find(pieces.begin(), pieces.end(), "ÉCOLE"), pieces.end());
  const std::string text = "ÉCOLE";
  const Encoding upper = tokenizer->encode(text);
  ASSERT_EQ(upper.ids.size(), 2u);
  EXPECT_EQ(upper.ids[1], tokenizer->encode("école").ids[1]);
  EXPECT_EQ(tokenizer->piece(upper.ids[1]), "école");
  EXPECT_EQ(surfaces(text, upper), std::vector<std::string>{"ÉCOLE"});
  // "İ" (2 bytes) and the Kelvin sign (3 bytes) lower-case to 1-byte "i" and "k": spans
  // must still index the original text, not the lower-cased one.
  const std::string shrinking = "İSTANBUL \xE2\x84\xAA\xE2\x84\xAA ok";
  EXPECT_EQ(surfaces(shrinking, tokenizer->encode(shrinking)),
            (std::vector<std::string>{"İSTANBUL", "\xE2\x84\xAA\xE2\x84\xAA", "ok"}));
  const auto shrunk = word_tokenizer({shrinking}, true);
  const Encoding encoding = shrunk->encode(shrinking);
  EXPECT_EQ(shrunk->piece(encoding.ids[1]), "istanbul");
  EXPECT_EQ(shrunk->piece(encoding.ids[2]), "kk");
}

TEST(WordTokenizer, SpecialIdsAndUnknownWords) {
  const auto tokenizer = word_tokenizer({"alpha beta"});
  EXPECT_EQ(tokenizer->piece(kPadId), "[PAD]");
  EXPECT_EQ(tokenizer->piece(kUnkId), "[UNK]");
  EXPECT_EQ(tokenizer->piece(kClsId), "[CLS]");
  const Encoding empty = tokenizer->encode("");
  EXPECT_EQ(empty.ids, std::vector<std::int64_t>{kClsId});
  const Encoding encoding = tokenizer->encode("alpha gamma [PAD]");
  ASSERT_EQ(encoding.ids.size(), 6u);  // [CLS] alpha gamma [ PAD ]
  EXPECT_GT(encoding.ids[1], kClsId);
  EXPECT_EQ(encoding.ids[2], kUnkId);
  EXPECT_EQ(encoding.ids[4], kUnkId);  // "PAD" typed in text is a word, not the special
  EXPECT_THROW(tokenizer->piece(tokenizer->vocab_size()), Error);
}

TEST(WordTokenizer, MinFreqDropsRareWords) {
  const auto tokenizer = word_tokenizer({"a a a b b c"}, false, 2);
  EXPECT_EQ(all_pieces(*tokenizer), (std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "a", "b"}));
  EXPECT_EQ(tokenizer->encode("c").ids[1], kUnkId);
  EXPECT_EQ(word_tokenizer({"a a a b b c"}, false, 1)->vocab_size(), 6);
}

TEST(WordTokenizer, VocabSizeCapsTotalIdsAndBreaksTiesByBytes) {
  const auto capped = word_tokenizer({"a a a b b c"}, false, 1, 4);
  EXPECT_EQ(all_pieces(*capped), (std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "a"}));
  const auto tied = word_tokenizer({"b b a a c"}, false, 1, 5);
  EXPECT_EQ(all_pieces(*tied), (std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "a", "b"}));
  EXPECT_EQ(word_tokenizer({"x y"}, false, 1, 3)->vocab_size(), 3);
  EXPECT_THROW(word_tokenizer({"x y"}, false, 1, 2), Error);
}

TEST(WordTokenizer, VocabularyIsDeterministicAndOrderFree) {
  std::vector<std::string> texts = sample_texts();
  texts.push_back("the the the the the the the the fox fox dog");
  const auto first = word_tokenizer(texts, true);
  const auto again = word_tokenizer(texts, true);
  std::reverse(texts.begin(), texts.end());
  const auto reversed = word_tokenizer(texts, true);
  EXPECT_EQ(all_pieces(*first), all_pieces(*again));
  EXPECT_EQ(all_pieces(*first), all_pieces(*reversed));
  EXPECT_EQ(first->piece(3), "the");
}

TEST(WordTokenizer, SaveLoadGivesIdenticalEncodings) {
  std::vector<std::string> texts = sample_texts();
  const auto tokenizer = word_tokenizer(texts, true);
  TempDir dir;
  const nlohmann::json saved = tokenizer->save(dir.path());
  EXPECT_EQ(saved, (nlohmann::json{{"kind", "word"}, {"file", "tokenizer.json"}}));
  const auto loaded = load_tokenizer(dir.path(), saved);
  EXPECT_EQ(all_pieces(*loaded), all_pieces(*tokenizer));
  texts.push_back("HELLO unseen ÉCOLE");
  for (const std::string& text : texts) {
    const Encoding a = tokenizer->encode(text);
    const Encoding b = loaded->encode(text);
    EXPECT_EQ(a.ids, b.ids) << text;
    EXPECT_EQ(surfaces(text, a), surfaces(text, b)) << text;
  }
}

// ---------------------------------------------------------------------------------------
// SentencePiece tokenizers (unigram and bpe)

// A small multilingual corpus: every sample text plus varied sentences around it.
const std::vector<std::string>& subword_corpus() {
  static const std::vector<std::string> corpus = [] {
    std::vector<std::string> lines = sample_texts();
    const std::vector<std::string> stems = {
        "attention", "additive", "transformer", "global", "query", "key", "value", "layer",
        "école", "très", "σοφία", "λόγος", "東京", "学习", "テキスト", "pizza"};
    for (int i = 0; i < 120; ++i) {
      std::string line;
      for (int j = 0; j < 8; ++j) line += stems[static_cast<std::size_t>((i * 7 + j * 3) % 16)] + (j % 3 ? " " : ", ");
      lines.push_back(line + std::to_string(i) + ".");
    }
    return lines;
  }();
  return corpus;
}

TokenizerConfig subword_config(const std::string& kind, std::int64_t vocab_size = 300) {
  TokenizerConfig config;
  config.kind = kind;
  config.vocab_size = vocab_size;
  return config;
}

// Training takes a moment, so each kind trains once for the tests that only read it.
const Tokenizer& trained(const std::string& kind) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[kind];
  if (!slot) slot = train_tokenizer(subword_config(kind), views(subword_corpus()));
  return *slot;
}

class SentencePieceKinds : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "the SentencePiece plugin needs RTLD_DEEPBIND, which AddressSanitizer and ThreadSanitizer refuse";
#endif
    if (!FF_HAVE_SENTENCEPIECE) GTEST_SKIP() << "built without SentencePiece";
  }
};

TEST_P(SentencePieceKinds, SpecialIds) {
  const Tokenizer& tokenizer = trained(GetParam());
  EXPECT_EQ(tokenizer.piece(kPadId), "[PAD]");
  EXPECT_EQ(tokenizer.piece(kUnkId), "[UNK]");
  EXPECT_EQ(tokenizer.piece(kClsId), "[CLS]");
  const Encoding empty = tokenizer.encode("");
  EXPECT_EQ(empty.ids, std::vector<std::int64_t>{kClsId});
  for (const std::string& text : sample_texts()) {
    const Encoding encoding = tokenizer.encode(text);
    EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), kClsId), 1);
    EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), kPadId), 0);
  }
}

TEST_P(SentencePieceKinds, SpansMapToExactOriginalCharacters) {
  const Tokenizer& tokenizer = trained(GetParam());
  for (const std::string& text : sample_texts()) {
    const Encoding encoding = tokenizer.encode(text);
    expect_well_formed(text, encoding);
    const std::vector<std::string> pieces = surfaces(text, encoding);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      // These texts are NFKC-stable, so each piece is its span minus the whitespace "▁" marks.
      EXPECT_EQ(without_spaces(pieces[i]), without_marker(tokenizer.piece(encoding.ids[i + 1]))) << text;
    }
  }
}

TEST_P(SentencePieceKinds, NormalizedCharactersKeepOriginalSpans) {
  const Tokenizer& tokenizer = trained(GetParam());
  // NFKC rewrites these ("ﬁ" → "fi", "Ａ" → "A", "…" → "..."); spans still cover the original bytes.
  for (const std::string text : {"ﬁne ＡＢＣ ① café…", "  leading   and\ttrailing  \n", "ab\xFF\xFE cd"}) {
    expect_well_formed(text, tokenizer.encode(text));
  }
}

TEST_P(SentencePieceKinds, NoUnknownForTrainingCharacters) {
  const Tokenizer& tokenizer = trained(GetParam());
  for (const std::string& text : subword_corpus()) {
    const Encoding encoding = tokenizer.encode(text);
    EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), kUnkId), 0) << text;
  }
  const std::string unseen = "pizza ☃";
  const Encoding encoding = tokenizer.encode(unseen);
  ASSERT_EQ(encoding.ids.back(), kUnkId);
  EXPECT_EQ(without_spaces(surfaces(unseen, encoding).back()), "☃");
}

TEST_P(SentencePieceKinds, VocabSizeRespected) {
  // A target, not a hard limit: never exceeded, and approached when the corpus allows.
  EXPECT_LE(trained(GetParam()).vocab_size(), 300);
  EXPECT_GT(trained(GetParam()).vocab_size(), 150);
  const auto small = train_tokenizer(subword_config(GetParam(), 150), views(subword_corpus()));
  EXPECT_LE(small->vocab_size(), 150);
  EXPECT_GT(small->vocab_size(), 100);
}

TEST_P(SentencePieceKinds, TrainingIsDeterministic) {
  const auto again = train_tokenizer(subword_config(GetParam()), views(subword_corpus()));
  EXPECT_EQ(all_pieces(*again), all_pieces(trained(GetParam())));
}

TEST_P(SentencePieceKinds, SaveLoadGivesIdenticalEncodings) {
  const Tokenizer& tokenizer = trained(GetParam());
  TempDir dir;
  const nlohmann::json saved = tokenizer.save(dir.path());
  EXPECT_EQ(saved, (nlohmann::json{{"kind", GetParam()}, {"file", "tokenizer.model"}}));
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "tokenizer.model"));
  const auto loaded = load_tokenizer(dir.path(), saved);
  EXPECT_EQ(all_pieces(*loaded), all_pieces(tokenizer));
  for (const std::string& text : sample_texts()) {
    const Encoding a = tokenizer.encode(text);
    const Encoding b = loaded->encode(text);
    EXPECT_EQ(a.ids, b.ids) << text;
    EXPECT_EQ(surfaces(text, a), surfaces(text, b)) << text;
  }
}

TEST_P(SentencePieceKinds, TrainsOnLinesLongerThanTheSentenceLimit) {
  // One 40 KB line: SentencePiece drops sentences over max_sentence_length, so this only
  // trains if the line is cut into chunks first.
  std::string line;
  for (int i = 0; line.size() < 40000; ++i) line += std::string("lorem ipsum dolor sit amet ") + "abcdefghij"[i % 10] + " ";
  const auto tokenizer = train_tokenizer(subword_config(GetParam(), 60), {line});
  const Encoding encoding = tokenizer->encode(line);
  EXPECT_EQ(std::count(encoding.ids.begin(), encoding.ids.end(), kUnkId), 0);
  expect_well_formed(line, encoding);
}

TEST_P(SentencePieceKinds, ClearErrorsForImpossibleTraining) {
  try {
    train_tokenizer(subword_config(GetParam(), 20), views(subword_corpus()));
    FAIL() << "a vocabulary smaller than the character set trained";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "tokenizer.vocab_size");
  }
  EXPECT_THROW(train_tokenizer(subword_config(GetParam()), {"", "  \n\n "}), Error);
  EXPECT_THROW(train_tokenizer(subword_config(GetParam(), 3), views(subword_corpus())), Error);
}

INSTANTIATE_TEST_SUITE_P(SentencePiece, SentencePieceKinds, ::testing::Values("unigram", "bpe"),
                         [](const auto& info) { return info.param; });

// ---------------------------------------------------------------------------------------
// Dispatch and loading errors

TEST(TokenizerDispatch, UnknownKindListsTheChoices) {
  TokenizerConfig config;
  config.kind = "char";
  try {
    train_tokenizer(config, {"text"});
    FAIL() << "trained an unknown kind";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("word|unigram|bpe"), std::string::npos) << e.what();
  }
  TempDir dir;
  EXPECT_THROW(load_tokenizer(dir.path(), {{"kind", "char"}, {"file", "tokenizer.json"}}), Error);
  EXPECT_THROW(load_tokenizer(dir.path(), nlohmann::json::object()), Error);
}

TEST(TokenizerLoad, MissingFileNamesThePath) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"word", "tokenizer.json"}, {"unigram", "tokenizer.model"}, {"bpe", "tokenizer.model"}};
  for (const auto& [kind, file] : kinds) {
    try {
      load_tokenizer(dir.path(), {{"kind", kind}, {"file", file}});
      FAIL() << "loaded a missing " << kind << " tokenizer";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), (dir.path() / file).string());
    }
  }
}

TEST(TokenizerLoad, CorruptFilesNameThePath) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> bad_word_files = {
      {"not json", "garbage"},
      {"wrong shape", R"({"kind":"word","lowercase":true,"vocab":"nope"})"},
      {"no specials", R"({"kind":"word","lowercase":true,"vocab":["a","b","c"]})"},
      {"duplicate", R"({"kind":"word","lowercase":true,"vocab":["[PAD]","[UNK]","[CLS]","a","a"]})"},
  };
  for (const auto& [label, bytes] : bad_word_files) {
    write_file(dir.path() / "tokenizer.json", bytes);
    try {
      load_tokenizer(dir.path(), {{"kind", "word"}, {"file", "tokenizer.json"}});
      FAIL() << "loaded a word tokenizer with " << label;
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), (dir.path() / "tokenizer.json").string()) << label;
    }
  }
  write_file(dir.path() / "tokenizer.model", "definitely not a protobuf \xFF\xFF\xFF");
  try {
    load_tokenizer(dir.path(), {{"kind", "unigram"}, {"file", "tokenizer.model"}});
    FAIL() << "loaded a corrupt SentencePiece model";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), (dir.path() / "tokenizer.model").string());
  }
}

TEST(TokenizerLoad, FileMustStayInsideTheCheckpoint) {
  TempDir dir;
  for (const char* file : {"../tokenizer.json", "/etc/passwd", "sub/tokenizer.json", ""}) {
    EXPECT_THROW(load_tokenizer(dir.path(), {{"kind", "word"}, {"file", file}}), Error) << file;
  }
}

}  // namespace
}  // namespace fastformer
