// Tests for the UTF-8 helpers: repair of every kind of invalid sequence (one U+FFFD per
// invalid byte), valid text untouched, and encode/decode round trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fastformer/utf8.h"

using fastformer::append_utf8;
using fastformer::looks_binary;
using fastformer::next_code_point;
using fastformer::repair_utf8;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string fffd(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += kFffd;
  return out;
}

struct RepairCase {
  const char* name;
  std::string input;
  std::string expected;
  std::int64_t replaced;
};

TEST(Utf8Test, RepairsInvalidSequences) {
  const std::vector<RepairCase> cases = {
      {"overlong 2-byte '/'", "a\xC0\xAF" "b", "a" + fffd(2) + "b", 2},
      {"overlong 2-byte C1", "\xC1\xBF", fffd(2), 2},
      {"overlong 3-byte", "\xE0\x80\xAF", fffd(3), 3},
      {"overlong 4-byte", "\xF0\x80\x80\xAF", fffd(4), 4},
      {"high surrogate", "x\xED\xA0\x80y", "x" + fffd(3) + "y", 3},
      {"low surrogate", "\xED\xBF\xBF", fffd(3), 3},
      {"truncated 3-byte at end", "ok\xE4\xB8", "ok" + fffd(2), 2},
      {"truncated 4-byte before ASCII", "\xF0\x9F\x99z", fffd(3) + "z", 3},
      {"truncated 2-byte", "\xC3", fffd(1), 1},
      {"above U+10FFFF (F4 90)", "\xF4\x90\x80\x80", fffd(4), 4},
      {"F5 lead byte", "\xF5\x80\x80\x80", fffd(4), 4},
      {"lone continuation", "a\x80" "b", "a" + kFffd + "b", 1},
      {"FE and FF", "\xFE\xFF", fffd(2), 2},
      {"invalid then valid multi-byte", "\xFF\xC3\xA9", kFffd + "\xC3\xA9", 1},
  };
  for (const RepairCase& c : cases) {
    std::int64_t replaced = 0;
    EXPECT_EQ(repair_utf8(c.input, &replaced), c.expected) << c.name;
    EXPECT_EQ(replaced, c.replaced) << c.name;
  }
}

TEST(Utf8Test, ValidTextIsUntouched) {
  const std::string text =
      "plain ASCII, caf\xC3\xA9, \xE4\xB8\x96\xE7\x95\x8C, \xF0\x9F\x99\x82, "
      "U+FFFD itself \xEF\xBF\xBD, max \xF4\x8F\xBF\xBF, edge \xED\x9F\xBF \xEE\x80\x80";
  std::int64_t replaced = 0;
  EXPECT_EQ(repair_utf8(text, &replaced), text);
  EXPECT_EQ(replaced, 0);
  EXPECT_EQ(repair_utf8(""), "");
}

TEST(Utf8Test, CountAccumulatesAndIsOptional) {
  std::int64_t replaced = 5;
  repair_utf8("\xFF", &replaced);
  EXPECT_EQ(replaced, 6);
  EXPECT_EQ(repair_utf8("\xFF"), kFffd);
}

TEST(Utf8Test, EncodesEachLengthAtItsBoundaries) {
  const std::vector<std::pair<char32_t, std::size_t>> cases = {
      {0x0, 1},     {0x7F, 1},    {0x80, 2},    {0x7FF, 2},     {0x800, 3},
      {0xFFFF, 3},  {0x10000, 4}, {0x10FFFF, 4}, {0xE9, 2},     {0x1F642, 4},
  };
  for (const auto& [cp, length] : cases) {
    std::string out;
    append_utf8(out, cp);
    EXPECT_EQ(out.size(), length) << std::hex << static_cast<std::uint32_t>(cp);
  }
  std::string e_acute;
  append_utf8(e_acute, 0xE9);
  EXPECT_EQ(e_acute, "\xC3\xA9");
  std::string smile;
  append_utf8(smile, 0x1F642);
  EXPECT_EQ(smile, "\xF0\x9F\x99\x82");
}

TEST(Utf8Test, RoundTripsSampledCodePoints) {
  std::vector<char32_t> sample = {0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF};
  for (char32_t cp = 1; cp <= 0x10FFFF; cp += 0x101) {
    if (cp < 0xD800 || cp > 0xDFFF) sample.push_back(cp);  // surrogates are not characters
  }
  std::string text;
  for (char32_t cp : sample) append_utf8(text, cp);

  std::int64_t replaced = 0;
  EXPECT_EQ(repair_utf8(text, &replaced), text) << "the encoder wrote invalid UTF-8";
  EXPECT_EQ(replaced, 0);

  std::size_t pos = 0;
  for (char32_t cp : sample) {
    ASSERT_LT(pos, text.size());
    EXPECT_EQ(next_code_point(text, pos), cp);
  }
  EXPECT_EQ(pos, text.size());
}

TEST(Utf8Test, NextCodePointAdvancesByLength) {
  const std::string text = "a\xC3\xA9\xE4\xB8\x96\xF0\x9F\x99\x82";
  std::size_t pos = 0;
  EXPECT_EQ(next_code_point(text, pos), U'a');
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(next_code_point(text, pos), U'\u00E9');
  EXPECT_EQ(pos, 3u);
  EXPECT_EQ(next_code_point(text, pos), U'\u4E16');
  EXPECT_EQ(pos, 6u);
  EXPECT_EQ(next_code_point(text, pos), U'\U0001F642');
  EXPECT_EQ(pos, 10u);
}

TEST(Utf8Test, LooksBinaryOnlyForNulInFirst8KiB) {
  EXPECT_FALSE(looks_binary("plain text\n\twith tabs\r\n"));
  EXPECT_FALSE(looks_binary(""));
  EXPECT_TRUE(looks_binary(std::string("ab\0cd", 5)));
  std::string late(9000, 'x');
  late[8500] = '\0';
  EXPECT_FALSE(looks_binary(late));
  late[8191] = '\0';
  EXPECT_TRUE(looks_binary(late));
}

}  // namespace
