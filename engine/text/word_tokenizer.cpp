// Word-level tokenizer: Unicode-aware splitting (glibc's C.UTF-8 ctype tables), a
// frequency-ranked vocabulary, and the tokenizer.json a checkpoint keeps.
#include "text/word_tokenizer.h"

#include "text/word_list.h"

#include "fastformer/error.h"
#include "fastformer/utf8.h"

#include <algorithm>
#include <fstream>
#include <locale.h>
#include <utility>
#include <wctype.h>

namespace fastformer {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kZwj = 0x200D;
const char* const kSpecials[] = {"[PAD]", "[UNK]", "[CLS]"};

// glibc's C.UTF-8 carries full Unicode ctype tables; null when the locale is missing.
locale_t unicode_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return locale;
}

// Code points that extend the character before them (grapheme "Extend" in UAX #29, the
// common blocks): combining marks, Indic/Thai vowel signs and viramas, variation
// selectors, emoji modifiers and tags. glibc has no general-category query, and its
// "alnum" class leaves out most of these, so without this table "café" written with a
// combining accent or "क्ष" (virama) would split mid-character.
constexpr std::pair<char32_t, char32_t> kExtendRanges[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0670, 0x0670}, {0x06D6, 0x06ED}, {0x0900, 0x0903}, {0x093A, 0x094F}, {0x0951, 0x0957},
    {0x0962, 0x0963}, {0x0981, 0x0983}, {0x09BC, 0x09D7}, {0x0A01, 0x0A03}, {0x0A3C, 0x0A51},
    {0x0A81, 0x0A83}, {0x0ABC, 0x0ACD}, {0x0B01, 0x0B03}, {0x0B3C, 0x0B57}, {0x0B82, 0x0B82},
    {0x0BBE, 0x0BCD}, {0x0C00, 0x0C04}, {0x0C3C, 0x0C56}, {0x0C81, 0x0C83}, {0x0CBC, 0x0CD6},
    {0x0D00, 0x0D03}, {0x0D3B, 0x0D4D}, {0x0E31, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF}, {0x200C, 0x200D}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0x1F3FB, 0x1F3FF}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};

bool is_extend(char32_t cp) {
  for (const auto& [lo, hi] : kExtendRanges) {
    if (cp < lo) return false;
    if (cp <= hi) return true;
  }
  return false;
}

bool is_regional_indicator(char32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

bool is_space(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= '\t' && cp <= '\r');
  // No-break and zero-width spaces separate words too; glibc's "space" class omits them.
  if (cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF) {
    return true;
  }
  const locale_t locale = unicode_locale();
  return locale != static_cast<locale_t>(0) && iswspace_l(static_cast<wint_t>(cp), locale);
}

bool is_alnum(char32_t cp) {
  const locale_t locale = unicode_locale();
  if (locale != static_cast<locale_t>(0)) return iswalnum_l(static_cast<wint_t>(cp), locale);
  // ASCII rules without the locale; other code points count as letters so that accented
  // words at least stay whole.
  if (cp >= 0x80) return true;
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

char32_t to_lower(char32_t cp) {
  const locale_t locale = unicode_locale();
  if (locale != static_cast<locale_t>(0)) return static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), locale));
  return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
}

// Length of the valid UTF-8 sequence at text[pos], or 0 when it is invalid (RFC 3629);
// next_code_point() assumes valid input, and encode() must not assume that.
std::size_t sequence_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char b0 = byte(0);
  const std::size_t n = b0 < 0x80                  ? 1
                        : (b0 >= 0xC2 && b0 <= 0xDF) ? 2
                        : (b0 >= 0xE0 && b0 <= 0xEF) ? 3
                        : (b0 >= 0xF0 && b0 <= 0xF4) ? 4
                                                     : 0;
  if (n == 0 || pos + n > text.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  const unsigned char b1 = n > 1 ? byte(1) : 0;
  const bool overlong_or_out_of_range = (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 >= 0xA0) ||
                                        (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 >= 0x90);
  return overlong_or_out_of_range ? 0 : n;
}

// Python's str.isspace(), which \s follows: categories Zs, B, S and WS.
bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// The code point at text[pos], advancing past it; an invalid byte is skipped alone and
// read as U+FFFD.
char32_t take_code_point(std::string_view text, std::size_t& pos) {
  if (sequence_length(text, pos) == 0) {
    ++pos;
    return kReplacement;
  }
  return next_code_point(text, pos);
}

}  // namespace

std::vector<WordPiece> split_wordpunct(std::string_view text, bool lowercase) {
  enum class Open { none, word, other };
  std::vector<WordPiece> out;
  Open open = Open::none;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto begin = static_cast<std::int64_t>(pos);
    char32_t cp = take_code_point(text, pos);
    if (lowercase) cp = to_lower(cp);  // classes are read on the lower-cased text, as there
    if (is_python_space(cp)) {
      open = Open::none;
      continue;
    }
    const Open kind = is_alnum(cp) || cp == '_' ? Open::word : Open::other;
    if (kind != open) {
      out.push_back({{begin, begin}, {}});
      open = kind;
    }
    out.back().span.end = static_cast<std::int64_t>(pos);
    append_utf8(out.back().word, cp);
  }
  return out;
}

std::vector<WordPiece> split_words(std::string_view text, bool lowercase) {
  enum class Open { none, word, symbol };
  std::vector<WordPiece> out;
  Open open = Open::none;
  bool after_zwj = false;  // the next code point continues an emoji ZWJ sequence
  bool lone_flag = false;  // the open token is one regional indicator, waiting for its pair
  for (std::size_t pos = 0; pos < text.size();) {
    const auto begin = static_cast<std::int64_t>(pos);
    const char32_t cp = take_code_point(text, pos);
    if (is_space(cp)) {
      open = Open::none;
      after_zwj = lone_flag = false;
      continue;
    }
    const bool alnum = is_alnum(cp);
    const bool attach = open != Open::none && (after_zwj || is_extend(cp) || (lone_flag && is_regional_indicator(cp)));
    if (attach || (open == Open::word && alnum)) {
      lone_flag = false;
    } else {
      out.push_back({{begin, begin}, {}});
      open = alnum ? Open::word : Open::symbol;
      lone_flag = is_regional_indicator(cp);
    }
    WordPiece& piece = out.back();
    piece.span.end = static_cast<std::int64_t>(pos);
    append_utf8(piece.word, lowercase ? to_lower(cp) : cp);
    after_zwj = cp == kZwj;
  }
  return out;
}

WordTokenizer::WordTokenizer(std::vector<std::string> vocab, bool lowercase)
    : vocab_(std::move(vocab)), lowercase_(lowercase) {
  for (std::size_t i = 0; i < 3; ++i) {
    if (vocab_.size() <= i || vocab_[i] != kSpecials[i]) {
      throw Error("the vocabulary must start with [PAD], [UNK], [CLS]", "tokenizer vocab",
                  "retrain the tokenizer");
    }
  }
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i) {
    if (!ids_.emplace(vocab_[i], static_cast<std::int64_t>(i)).second) {
      throw Error("the vocabulary lists '" + vocab_[i] + "' twice", "tokenizer vocab", "retrain the tokenizer");
    }
  }
}

std::unique_ptr<WordTokenizer> WordTokenizer::train(const TokenizerConfig& config,
                                                    const std::vector<std::string_view>& texts) {
  if (config.vocab_size < 3) {
    throw Error("vocab_size " + std::to_string(config.vocab_size) + " leaves no room for [PAD], [UNK], [CLS]",
                "tokenizer.vocab_size", "use a vocab_size of at least 3");
  }
  std::unordered_map<std::string, std::int64_t> counts;
  for (const std::string_view text : texts) {
    for (WordPiece& piece : split_words(text, config.lowercase)) ++counts[std::move(piece.word)];
  }
  std::vector<std::pair<std::string, std::int64_t>> ranked;
  for (auto& [word, count] : counts) {
    if (count >= config.min_freq) ranked.emplace_back(word, count);
  }
  // Count descending, then bytes ascending: the vocabulary does not depend on text order.
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  const auto keep = std::min<std::size_t>(ranked.size(), static_cast<std::size_t>(config.vocab_size - 3));
  std::vector<std::string> vocab(std::begin(kSpecials), std::end(kSpecials));
  vocab.reserve(3 + keep);
  for (std::size_t i = 0; i < keep; ++i) vocab.push_back(std::move(ranked[i].first));
  return std::make_unique<WordTokenizer>(std::move(vocab), config.lowercase);
}

std::unique_ptr<WordTokenizer> WordTokenizer::load(const std::filesystem::path& file) {
  WordList list = load_word_list(file, "word");
  try {
    return std::make_unique<WordTokenizer>(std::move(list.vocab), list.lowercase);
  } catch (const Error& e) {
    throw Error(e.problem(), file.string(), e.hint());
  }
}

Encoding WordTokenizer::encode(std::string_view text) const {
  return encode_words(split_words(text, lowercase_), ids_, kUnkId);
}

std::int64_t WordTokenizer::vocab_size() const { return static_cast<std::int64_t>(vocab_.size()); }

std::string WordTokenizer::piece(std::int64_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(vocab_size()) + ")", "WordTokenizer::piece");
  }
  return vocab_[static_cast<std::size_t>(id)];
}

nlohmann::json WordTokenizer::save(const std::filesystem::path& dir) const {
  return save_word_list(dir, "word", {vocab_, lowercase_});
}

}  // namespace fastformer
