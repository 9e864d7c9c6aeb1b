// Fuzz targets for the dataset readers (TSV/CSV, JSON Lines, folder per class) and the
// document reader (text, HTML, e-mail, JSON). The first input byte picks options; the rest
// becomes the file (or, for folders, the tree of files).
#pragma once

#include "fuzz_common.h"

#include "fastformer/dataset.h"
#include "fastformer/inspect.h"

#include <algorithm>
#include <string>
#include <vector>

namespace fastformer::fuzz {

inline const std::vector<std::string> kKnownLabels = {"ham", "spam", "0", "1"};

// What every successful read must give, whatever the bytes were.
inline void check_dataset(const Dataset& data, const ReadOptions& options) {
  const ReadReport& r = data.report;
  expect(!data.examples.empty(), "a dataset without examples was returned instead of an Error");
  expect(static_cast<std::int64_t>(data.examples.size()) + r.bad_rows == r.rows, "rows != examples + bad rows");
  expect(static_cast<std::int64_t>(r.problems.size()) == std::min<std::int64_t>(r.bad_rows, 20),
         "one problem listed per bad row, at most 20");
  expect(options.on_bad_row == BadRowPolicy::skip || r.bad_rows == 0, "a bad row was skipped under the fail policy");
  const auto trimmed = [](const std::string& s) {
    const auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    return !s.empty() && !space(s.front()) && !space(s.back());
  };
  for (const Example& e : data.examples) {
    expect(trimmed(e.label) && trimmed(e.text), "an example's label or text is empty or not trimmed");
    expect(valid_utf8(e.label) && valid_utf8(e.text), "an example is not valid UTF-8");
    expect(!e.where.empty(), "an example does not say where it came from");
    if (options.known_labels) {
      const auto& known = *options.known_labels;
      expect(std::find(known.begin(), known.end(), e.label) != known.end(), "an unknown label was kept");
    }
  }
}

// flags: bits 0-1 extension, 2-3 header policy, 4 fail on bad rows, 5 known labels,
// 6 ';' as delimiter, 7 label in column 1 and text in column 0.
inline void dataset_delimited(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  static const char* const kExtensions[] = {".tsv", ".csv", ".txt", ".TSV"};
  static const HeaderPolicy kHeaders[] = {HeaderPolicy::detect, HeaderPolicy::yes, HeaderPolicy::no,
                                          HeaderPolicy::detect};
  ReadOptions options;
  options.header = kHeaders[(flags >> 2) & 3];
  if (flags & 0x10) options.on_bad_row = BadRowPolicy::fail;
  if (flags & 0x20) options.known_labels = kKnownLabels;
  if (flags & 0x40) options.delimiter = ';';
  if (flags & 0x80) std::swap(options.label_column, options.text_column);
  const fs::path path = Scratch::fresh() / (std::string("data") + kExtensions[flags & 3]);
  write_file(path, data);
  check_dataset(read_dataset(path.string(), options), options);
}

// flags: bits 0-1 extension, 2 fail on bad rows, 3 known labels, 4 fields "body"/"class".
inline void dataset_jsonl(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  static const char* const kExtensions[] = {".jsonl", ".json", ".ndjson", ".JSONL"};
  ReadOptions options;
  if (flags & 0x04) options.on_bad_row = BadRowPolicy::fail;
  if (flags & 0x08) options.known_labels = kKnownLabels;
  if (flags & 0x10) {
    options.text_name = "body";
    options.label_name = "class";
  }
  const fs::path path = Scratch::fresh() / (std::string("data") + kExtensions[flags & 3]);
  write_file(path, data);
  check_dataset(read_dataset(path.string(), options), options);
}

// A file or folder name from fuzz bytes: no '/' or NUL, not "." or "..", at most 64 bytes.
inline std::string safe_name(std::string_view raw) {
  std::string name(raw.substr(0, 64));
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '\0', '_');
  return name == "." || name == ".." ? std::string() : name;
}

// flags: bit 0 fail on bad rows, bit 1 known labels. The rest is records separated by 0x1E,
// each "class/file" 0x1F "content" (a record without 0x1F is an empty file; without '/',
// a file in the root folder, which the reader must ignore).
inline void dataset_folder(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  ReadOptions options;
  if (flags & 0x01) options.on_bad_row = BadRowPolicy::fail;
  if (flags & 0x02) options.known_labels = kKnownLabels;
  const fs::path root = Scratch::fresh() / "tree";
  fs::create_directories(root);
  int records = 0;
  while (!data.empty() && records++ < 64) {
    const std::size_t end = std::min(data.find('\x1e'), data.size());
    std::string_view record = data.substr(0, end);
    data.remove_prefix(std::min(end + 1, data.size()));
    const std::size_t unit = std::min(record.find('\x1f'), record.size());
    const std::string_view name = record.substr(0, unit);
    const std::string_view content = record.substr(std::min(unit + 1, record.size()));
    const std::size_t slash = name.find('/');
    const std::string dir = slash == std::string_view::npos ? "" : safe_name(name.substr(0, slash));
    const std::string file = safe_name(slash == std::string_view::npos ? name : name.substr(slash + 1));
    if (file.empty() || (slash != std::string_view::npos && dir.empty())) continue;
    const fs::path folder = dir.empty() ? root : root / dir;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec || fs::is_directory(folder / file)) continue;  // a name already used for a folder
    write_file(folder / file, content);
  }
  check_dataset(read_dataset(root.string(), options), options);
}

// flags: the extension, which picks plain text, HTML, e-mail or JSON.
inline void document(std::string_view data) {
  const std::uint8_t flags = take_flags(data);
  static const char* const kExtensions[] = {".txt", ".md", ".html", ".htm", ".eml", ".json", ".jsonl", ""};
  const fs::path path = Scratch::fresh() / (std::string("doc") + kExtensions[flags & 7]);
  write_file(path, data);
  const Document doc = read_document(path.string());
  expect(valid_utf8(doc.text), "the document text is not valid UTF-8");
  expect(doc.text.find_first_not_of(" \t\r\n") != std::string::npos, "a blank document was returned");
  expect(doc.source == path.string(), "the document names another source");
}

}  // namespace fastformer::fuzz
