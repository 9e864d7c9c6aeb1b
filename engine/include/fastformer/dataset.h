// Labelled text examples and the readers that load them: TSV/CSV, JSONL and
// folder-per-class. Bad rows are reported with file:line and skipped (counted) or fatal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fastformer {

struct Example {
  std::string text;   // valid UTF-8 (invalid bytes replaced by U+FFFD)
  std::string label;
  std::string where;  // "file:line" (or the file path for folder-per-class)
};

enum class BadRowPolicy { skip, fail };
enum class HeaderPolicy { detect, yes, no };

struct ReadOptions {
  BadRowPolicy on_bad_row = BadRowPolicy::skip;
  // TSV/CSV: the delimiter comes from the extension (.tsv tab, .csv comma) unless given.
  std::optional<char> delimiter;
  HeaderPolicy header = HeaderPolicy::detect;  // detect: a first row naming "label" and "text"
  int label_column = 0;                        // 0-based; with a header, names win
  int text_column = 1;
  std::string label_name = "label";  // header name / JSONL field for the label
  std::string text_name = "text";    // header name / JSONL field for the text
  // When set, a row whose label is not in the list is a bad row (e.g. evaluating a
  // checkpoint on new data).
  std::optional<std::vector<std::string>> known_labels;
};

struct ReadReport {
  std::int64_t rows = 0;                   // rows (or files) looked at
  std::int64_t bad_rows = 0;               // skipped
  std::int64_t replaced_invalid_utf8 = 0;  // invalid byte sequences replaced
  std::vector<std::string> problems;       // "file:line: what", the first 20
};

struct Dataset {
  std::vector<Example> examples;
  ReadReport report;
};

// Reads one file (.tsv, .csv, .jsonl/.json lines) or a folder-per-class directory
// (root/<label>/*.txt). Throws fastformer::Error for a missing, empty or binary file, and
// for the first bad row when on_bad_row is fail.
Dataset read_dataset(const std::string& path, const ReadOptions& options = {});

}  // namespace fastformer
