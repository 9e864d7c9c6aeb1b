// Tests for read_dataset: good TSV/CSV, JSONL and folder-per-class data, and every bad-row
// and whole-file error with the exact file:line it must name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fastformer/dataset.h"
#include "fastformer/error.h"

namespace fs = std::filesystem;
using fastformer::BadRowPolicy;
using fastformer::Dataset;
using fastformer::Error;
using fastformer::HeaderPolicy;
using fastformer::ReadOptions;
using fastformer::read_dataset;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ff_dataset_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `bytes` to dir_/name (creating subdirectories) and returns the path.
  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
  }

  // The Error read_dataset must throw for `path`.
  static Error read_error(const std::string& path, const ReadOptions& options = {}) {
    try {
      read_dataset(path, options);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "no fastformer::Error for " << path;
    return Error("not thrown");
  }

  static ReadOptions failing() {
    ReadOptions options;
    options.on_bad_row = BadRowPolicy::fail;
    return options;
  }

  fs::path dir_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---------------------------------------------------------------- TSV / CSV

TEST_F(DatasetTest, ReadsTsvInFileOrderWithLines) {
  const std::string path = write("a.tsv", "pos\tgood movie\nneg\tbad film\npos\t  padded  \n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.examples[0].label, "pos");
  EXPECT_EQ(d.examples[0].text, "good movie");
  EXPECT_EQ(d.examples[0].where, path + ":1");
  EXPECT_EQ(d.examples[1].label, "neg");
  EXPECT_EQ(d.examples[1].where, path + ":2");
  EXPECT_EQ(d.examples[2].text, "padded");
  EXPECT_EQ(d.report.rows, 3);
  EXPECT_EQ(d.report.bad_rows, 0);
  EXPECT_TRUE(d.report.problems.empty());
}

TEST_F(DatasetTest, CsvQuotedFieldsAndDoubledQuotes) {
  const std::string path =
      write("a.csv", "pos,\"hello, world\"\nneg,\"she said \"\"no\"\"\"\n\"a,b\",plain \"inner\" quote\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.examples[0].text, "hello, world");
  EXPECT_EQ(d.examples[1].text, "she said \"no\"");
  EXPECT_EQ(d.examples[2].label, "a,b");
  EXPECT_EQ(d.examples[2].text, "plain \"inner\" quote");
}

TEST_F(DatasetTest, QuotedRecordSpansLinesAndReportsItsFirstLine) {
  const std::string path = write("a.csv", "pos,\"line one\n\nline three\"\nneg,after\n,no label\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].text, "line one\n\nline three");
  EXPECT_EQ(d.examples[0].where, path + ":1");
  EXPECT_EQ(d.examples[1].where, path + ":4");
  ASSERT_EQ(d.report.problems.size(), 1u);
  EXPECT_EQ(d.report.problems[0], path + ":5: empty label");
}

TEST_F(DatasetTest, CrlfIsTolerated) {
  const std::string path = write("a.tsv", "pos\tgood\r\nneg\t\"two\r\nlines\"\r\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].text, "good");
  EXPECT_EQ(d.examples[1].label, "neg");
  EXPECT_EQ(d.examples[1].text, "two\nlines");
}

TEST_F(DatasetTest, DetectsHeaderAndTakesColumnsFromIt) {
  const std::string path = write("a.tsv", "id\tText\tLABEL\n7\thello\tpos\n8\tbye\tneg\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].label, "pos");
  EXPECT_EQ(d.examples[0].text, "hello");
  EXPECT_EQ(d.examples[0].where, path + ":2");
  EXPECT_EQ(d.report.rows, 2);
}

TEST_F(DatasetTest, HeaderPolicyNoAndYes) {
  const std::string named = write("named.tsv", "label\ttext\npos\tfine\n");
  ReadOptions no_header;
  no_header.header = HeaderPolicy::no;
  const Dataset as_data = read_dataset(named, no_header);
  ASSERT_EQ(as_data.examples.size(), 2u);
  EXPECT_EQ(as_data.examples[0].label, "label");

  const std::string unnamed = write("unnamed.tsv", "cls\tsentence\npos\tfine\n");
  EXPECT_EQ(read_dataset(unnamed).examples.size(), 2u) << "detect must not skip an unnamed first row";
  ReadOptions header;
  header.header = HeaderPolicy::yes;
  const Dataset skipped = read_dataset(unnamed, header);
  ASSERT_EQ(skipped.examples.size(), 1u);
  EXPECT_EQ(skipped.examples[0].where, unnamed + ":2");
}

TEST_F(DatasetTest, CustomColumnsDelimiterAndHeaderNames) {
  const std::string path = write("a.txt", "great stuff;x;pos\nawful;y;neg\n");
  ReadOptions options;
  options.delimiter = ';';
  options.label_column = 2;
  options.text_column = 0;
  const Dataset d = read_dataset(path, options);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].label, "pos");
  EXPECT_EQ(d.examples[0].text, "great stuff");

  const std::string csv = write("b.csv", "review,stars,sentiment\n\"ok, fine\",3,mixed\n");
  ReadOptions names;
  names.label_name = "Sentiment";
  names.text_name = "review";
  const Dataset n = read_dataset(csv, names);
  ASSERT_EQ(n.examples.size(), 1u);
  EXPECT_EQ(n.examples[0].label, "mixed");
  EXPECT_EQ(n.examples[0].text, "ok, fine");
}

TEST_F(DatasetTest, InvalidUtf8IsReplacedAndCounted) {
  const std::string path = write("a.tsv", "p\xFFs\tab\xC0\xAF" "cd\nneg\tclean \xC3\xA9\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[0].label, "p" + kFffd + "s");
  EXPECT_EQ(d.examples[0].text, "ab" + kFffd + kFffd + "cd");
  EXPECT_EQ(d.examples[1].text, "clean \xC3\xA9");
  EXPECT_EQ(d.report.replaced_invalid_utf8, 3);
}

TEST_F(DatasetTest, BadRowsAreSkippedCountedAndReported) {
  const std::string path = write("a.tsv",
                                 "pos\tgood\n"
                                 "no tab here\n"
                                 "neg\t   \t\n"
                                 "\tno label\n"
                                 "\n"
                                 "neg\tbad\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[1].where, path + ":6");
  EXPECT_EQ(d.report.rows, 5) << "the blank line is not a row";
  EXPECT_EQ(d.report.bad_rows, 3);
  ASSERT_EQ(d.report.problems.size(), 3u);
  EXPECT_EQ(d.report.problems[0], path + ":2: too few columns: found 1, need 2");
  EXPECT_EQ(d.report.problems[1], path + ":3: empty text");
  EXPECT_EQ(d.report.problems[2], path + ":4: empty label");
}

TEST_F(DatasetTest, FailPolicyThrowsAtTheFirstBadRow) {
  const std::string path = write("a.csv", "pos,\"multi\nline\"\nneg,fine\nonly-one-column\n,also bad\n");
  const Error e = read_error(path, failing());
  EXPECT_EQ(e.where(), path + ":4");
  EXPECT_TRUE(contains(e.problem(), "too few columns")) << e.what();
  EXPECT_EQ(std::string(e.what()).rfind(path + ":4: too few columns", 0), 0u) << e.what();
}

TEST_F(DatasetTest, UnterminatedQuoteIsABadRowAtItsStart) {
  const std::string path = write("a.csv", "pos,ok\nneg,\"never closed\nmore\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 1u);
  ASSERT_EQ(d.report.problems.size(), 1u);
  EXPECT_TRUE(contains(d.report.problems[0], path + ":2: unterminated quoted field")) << d.report.problems[0];
  EXPECT_EQ(read_error(path, failing()).where(), path + ":2");
}

TEST_F(DatasetTest, UnknownLabelsAreBadRows) {
  const std::string path = write("a.tsv", "pos\tx\nneu\ty\nneg\tz\n");
  ReadOptions options;
  options.known_labels = std::vector<std::string>{"neg", "pos"};
  const Dataset d = read_dataset(path, options);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[1].label, "neg");
  ASSERT_EQ(d.report.problems.size(), 1u);
  EXPECT_EQ(d.report.problems[0], path + ":2: unknown label \"neu\"");

  options.on_bad_row = BadRowPolicy::fail;
  const Error e = read_error(path, options);
  EXPECT_EQ(e.where(), path + ":2");
  EXPECT_TRUE(contains(e.hint(), "neg, pos")) << e.what();
}

TEST_F(DatasetTest, ProblemsKeepOnlyTheFirstTwenty) {
  std::string bytes = "pos\tgood\n";
  for (int i = 0; i < 30; ++i) bytes += "missing\n";
  const std::string path = write("a.tsv", bytes);
  const Dataset d = read_dataset(path);
  EXPECT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.report.bad_rows, 30);
  ASSERT_EQ(d.report.problems.size(), 20u);
  EXPECT_EQ(d.report.problems[19].rfind(path + ":21: ", 0), 0u) << d.report.problems[19];
}

// ---------------------------------------------------------------- JSONL

TEST_F(DatasetTest, ReadsJsonlWithStringAndNumericLabels) {
  const std::string path = write("a.jsonl",
                                 "{\"text\": \"first\", \"label\": \"pos\"}\n"
                                 "\n"
                                 "   \n"
                                 "{\"label\": 3, \"text\": \"caf\\u00e9\", \"extra\": [1]}\r\n"
                                 "{\"text\": \"neg one\", \"label\": -1}\n"
                                 "{\"text\": \"float\", \"label\": 2.0}\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 4u);
  EXPECT_EQ(d.examples[0].label, "pos");
  EXPECT_EQ(d.examples[1].label, "3");
  EXPECT_EQ(d.examples[1].text, "caf\xC3\xA9");
  EXPECT_EQ(d.examples[1].where, path + ":4");
  EXPECT_EQ(d.examples[2].label, "-1");
  EXPECT_EQ(d.examples[3].label, "2");
  EXPECT_EQ(d.report.rows, 4);
  EXPECT_EQ(d.report.bad_rows, 0);
}

TEST_F(DatasetTest, JsonlCustomFieldNamesAndNdjson) {
  const std::string path = write("a.ndjson", "{\"review\": \"nice\", \"stars\": 5, \"text\": 1}\n");
  ReadOptions options;
  options.text_name = "review";
  options.label_name = "stars";
  const Dataset d = read_dataset(path, options);
  ASSERT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.examples[0].text, "nice");
  EXPECT_EQ(d.examples[0].label, "5");
}

TEST_F(DatasetTest, JsonlBadRowsNameTheirLines) {
  const std::string path = write("a.json",
                                 "{\"text\": \"good\", \"label\": \"a\"}\n"
                                 "{\"text\": \"cut off\"\n"
                                 "\"just a string\"\n"
                                 "{\"label\": \"a\"}\n"
                                 "{\"text\": 12, \"label\": \"a\"}\n"
                                 "{\"text\": \"no label\"}\n"
                                 "{\"text\": \"t\", \"label\": 1.5}\n"
                                 "{\"text\": \"t\", \"label\": true}\n"
                                 "{\"text\": \" \", \"label\": \"a\"}\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.report.rows, 9);
  EXPECT_EQ(d.report.bad_rows, 8);
  const std::vector<std::string> expected = {
      path + ":2: malformed JSON",
      path + ":3: not a JSON object (found string)",
      path + ":4: missing \"text\" field",
      path + ":5: \"text\" is not a string (found number)",
      path + ":6: missing \"label\" field",
      path + ":7: \"label\" must be a string or an integer (found number)",
      path + ":8: \"label\" must be a string or an integer (found boolean)",
      path + ":9: empty text",
  };
  ASSERT_EQ(d.report.problems.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(d.report.problems[i].rfind(expected[i], 0), 0u) << d.report.problems[i];
  }
  EXPECT_EQ(read_error(path, failing()).where(), path + ":2");
}

TEST_F(DatasetTest, JsonlInvalidUtf8IsReplacedAndCounted) {
  const std::string path = write("a.jsonl", "{\"text\": \"bad \xFF byte\", \"label\": \"x\"}\n");
  const Dataset d = read_dataset(path);
  ASSERT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.examples[0].text, "bad " + kFffd + " byte");
  EXPECT_EQ(d.report.replaced_invalid_utf8, 1);
}

TEST_F(DatasetTest, JsonArrayFileIsAClearError) {
  const std::string path = write("a.json", "[{\"text\": \"a\", \"label\": \"b\"}]\n");
  EXPECT_TRUE(contains(read_error(path).what(), "JSON array")) << read_error(path).what();
}

// ---------------------------------------------------------------- folder per class

TEST_F(DatasetTest, ReadsFolderPerClassSortedByPath) {
  write("root/pos/b.txt", "second pos\n");
  write("root/pos/a.txt", "first pos");
  write("root/pos/noext", "no extension");
  write("root/pos/.hidden.txt", "skipped");
  write("root/pos/notes.md", "not a .txt file");
  write("root/neg/z.TXT", "\xEF\xBB\xBFneg with BOM and \xFF");
  write("root/.git/x.txt", "hidden directory");
  write("root/README.txt", "a file beside the class folders");
  const std::string root = (dir_ / "root").string();
  const Dataset d = read_dataset(root);
  ASSERT_EQ(d.examples.size(), 4u);
  EXPECT_EQ(d.examples[0].label, "neg");
  EXPECT_EQ(d.examples[0].text, "neg with BOM and " + kFffd);
  EXPECT_EQ(d.examples[0].where, (dir_ / "root" / "neg" / "z.TXT").string());
  EXPECT_EQ(d.examples[1].text, "first pos");
  EXPECT_EQ(d.examples[2].text, "second pos");
  EXPECT_EQ(d.examples[3].text, "no extension");
  EXPECT_EQ(d.examples[3].label, "pos");
  EXPECT_EQ(d.report.replaced_invalid_utf8, 1);
}

TEST_F(DatasetTest, FolderBinaryAndEmptyFilesAreBadRows) {
  write("root/a/good.txt", "fine");
  const std::string binary = write("root/a/image.txt", std::string("PNG\0\0data", 9));
  const std::string empty = write("root/b/empty.txt", "  \n");
  const std::string root = (dir_ / "root").string();
  const Dataset d = read_dataset(root);
  ASSERT_EQ(d.examples.size(), 1u);
  EXPECT_EQ(d.report.bad_rows, 2);
  ASSERT_EQ(d.report.problems.size(), 2u);
  EXPECT_EQ(d.report.problems[0], binary + ": looks binary, not text");
  EXPECT_EQ(d.report.problems[1], empty + ": empty text");
  EXPECT_EQ(read_error(root, failing()).where(), binary);
}

TEST_F(DatasetTest, FolderWithoutClassSubdirectoriesIsAnError) {
  write("flat/a.txt", "text");
  const Error e = read_error((dir_ / "flat").string());
  EXPECT_TRUE(contains(e.what(), "no class subdirectories")) << e.what();
  EXPECT_EQ(e.where(), (dir_ / "flat").string());
}

// ---------------------------------------------------------------- whole-file errors

TEST_F(DatasetTest, WholeFileErrors) {
  const std::string missing = (dir_ / "missing.tsv").string();
  const Error m = read_error(missing);
  EXPECT_TRUE(contains(m.what(), "cannot open")) << m.what();
  EXPECT_EQ(m.where(), missing);

  const std::string empty = write("empty.tsv", "");
  EXPECT_TRUE(contains(read_error(empty).what(), "is empty")) << read_error(empty).what();
  const std::string blank = write("blank.jsonl", "\n\n  \n");
  EXPECT_TRUE(contains(read_error(blank).what(), "is empty")) << read_error(blank).what();

  const std::string binary = write("bin.csv", std::string("pos,a\0b\n", 8));
  const Error b = read_error(binary);
  EXPECT_TRUE(contains(b.what(), "looks binary, not text")) << b.what();
  EXPECT_EQ(b.where(), binary);

  const std::string all_bad = write("bad.tsv", "one\ntwo\n");
  const Error a = read_error(all_bad);
  EXPECT_TRUE(contains(a.what(), "no usable rows")) << a.what();
  EXPECT_TRUE(contains(a.hint(), all_bad + ":1: too few columns")) << a.what();

  const std::string header_only = write("head.csv", "label,text\n");
  EXPECT_TRUE(contains(read_error(header_only).what(), "header but no rows"));
}

TEST_F(DatasetTest, UnknownExtensionListsTheSupportedOnes) {
  const std::string path = write("data.parquet", "x");
  const Error e = read_error(path);
  for (const char* ext : {".parquet", ".tsv", ".csv", ".jsonl", ".json", "directory"}) {
    EXPECT_TRUE(contains(e.what(), ext)) << ext << " missing in: " << e.what();
  }
}

TEST_F(DatasetTest, InvalidColumnOptionsAreRejected) {
  const std::string path = write("a.tsv", "pos\tx\n");
  ReadOptions same;
  same.text_column = 0;
  EXPECT_TRUE(contains(read_error(path, same).what(), "label_column"));
}

}  // namespace
