// The notebook's tokenisation (NLTK wordpunct_tokenize on lower-cased text): the splits
// the regular expression \w+|[^\w\s]+ gives, written out by hand, with byte spans into
// the original text; its vocabulary files and checkpoint round trip.
#include "error_text.h"
#include "fastformer/tokenizer.h"
#include "text/word_tokenizer.h"
#include "text/wordpunct_tokenizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace fs = std::filesystem;
using fastformer::testing::error_of;

namespace fastformer {
namespace {

struct Piece {
  std::string word;
  std::int64_t begin, end;
  bool operator==(const Piece& o) const { return word == o.word && begin == o.begin && end == o.end; }
};
std::ostream& operator<<(std::ostream& os, const Piece& p) { return os << p.word << "@" << p.begin << "-" << p.end; }

std::vector<Piece> split(std::string_view text) {
  std::vector<Piece> out;
  for (const WordPiece& w : split_wordpunct(text, true)) out.push_back({w.word, w.span.begin, w.span.end});
  return out;
}

TEST(WordPunct, RunsOfWordCharactersAndRunsOfOthers) {
  EXPECT_EQ(split("Wow!!! ... :-)"), (std::vector<Piece>{{"wow", 0, 3}, {"!!!", 3, 6}, {"...", 7, 10}, {":-)", 11, 14}}));
  EXPECT_EQ(split("item_42 costs 3$,fox42"),
            (std::vector<Piece>{{"item_42", 0, 7}, {"costs", 8, 13}, {"3", 14, 15}, {"$,", 15, 17}, {"fox42", 17, 22}}));
  // Python's \s: tab, newline, the 0x1C–0x1F separators and no-break space split words.
  EXPECT_EQ(split("a\tb\nc\x1f" "d\xc2\xa0" "e"),
            (std::vector<Piece>{{"a", 0, 1}, {"b", 2, 3}, {"c", 4, 5}, {"d", 6, 7}, {"e", 9, 10}}));
}

TEST(WordPunct, LowerCasesButSpansIndexTheOriginal) {
  // "CAFÉ" is 5 bytes (É is two); "ΚΑΛΗ" 8 bytes.
  EXPECT_EQ(split("CAFÉ, ΚΑΛΗ!"),
            (std::vector<Piece>{{"café", 0, 5}, {",", 5, 6}, {"καλη", 7, 15}, {"!", 15, 16}}));
}

class WordPunctFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff-wordpunct-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(WordPunctFiles, WordDictAndVocabTxtGiveTheSameIds) {
  const auto from_json = WordPunctTokenizer::from_vocab_file(write("w.json", R"({"PADDING":0,"the":1,"fox":2,"!":3})"));
  const auto from_txt = WordPunctTokenizer::from_vocab_file(write("v.txt", "PADDING\nthe\r\nfox\n!\n"));
  for (const auto* t : {from_json.get(), from_txt.get()}) {
    const Encoding e = t->encode("The unknown FOX!");
    // [CLS] slot, then the known words; "unknown" has no id and is left out.
    EXPECT_EQ(e.ids, (std::vector<std::int64_t>{kClsId, 1, 2, 3}));
    ASSERT_EQ(e.spans.size(), 4u);
    EXPECT_EQ(e.spans[2].begin, 12);
    EXPECT_EQ(e.spans[2].end, 15);
    EXPECT_EQ(t->piece(2), "fox");
  }
}

TEST_F(WordPunctFiles, SavedInACheckpointItLoadsBack) {
  const auto t = WordPunctTokenizer::from_vocab_file(write("w.json", R"({"PADDING":0,"a":1,"b":2,"c":3})"));
  const nlohmann::json saved = t->save(dir_ / "ckpt");
  const auto loaded = load_tokenizer(dir_ / "ckpt", saved);
  EXPECT_EQ(loaded->encode("c b a").ids, t->encode("c b a").ids);
  EXPECT_EQ(loaded->vocab_size(), 4);
}

TEST_F(WordPunctFiles, BadVocabulariesNameTheProblem) {
  EXPECT_NE(error_of([&] { WordPunctTokenizer::from_vocab_file(write("gap.json", R"({"PADDING":0,"a":1,"b":5})")); })
                .find("the id of 'b' is 5, outside [0, 3)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { WordPunctTokenizer::from_vocab_file(write("dup.json", R"({"PADDING":0,"a":1,"b":1})")); })
                .find("id 1 is given to two words"),
            std::string::npos);
  EXPECT_NE(error_of([&] { WordPunctTokenizer::from_vocab_file(write("bad.json", "{not json")); }).find("not JSON"),
            std::string::npos);
  EXPECT_NE(error_of([&] { WordPunctTokenizer::from_vocab_file(write("twice.txt", "PADDING\na\na\n")); })
                .find("lists 'a' twice"),
            std::string::npos);
}

}  // namespace
}  // namespace fastformer
