// Private to the dataset readers: one reader per format and the row sink they share, which
// checks each row, applies the bad-row policy and fills the ReadReport.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_set>

#include "fastformer/dataset.h"

namespace fastformer::detail {

// Receives every row a reader finds, in file order. A good row is kept with its text and
// label repaired to valid UTF-8 and trimmed; a bad row is counted and recorded, or thrown
// as an Error when the policy is fail.
class RowSink {
 public:
  RowSink(Dataset& out, const ReadOptions& options);

  // One row as found in the file: kept, or rejected for an empty/unknown label or empty text.
  void add(std::string label, std::string text, const std::string& where);
  // A row the reader could not even split into label and text.
  void reject(const std::string& where, const std::string& problem, const std::string& hint = {});

  // Where a reader that repairs UTF-8 itself (JSONL repairs whole lines) adds its count.
  std::int64_t* replaced_counter() { return &out_.report.replaced_invalid_utf8; }
  std::int64_t rows() const { return out_.report.rows; }

  // Throws when no row was found ("is empty") or every row was bad ("no usable rows").
  void finish(const std::string& path, const std::string& empty_hint) const;

 private:
  void bad(const std::string& where, const std::string& problem, const std::string& hint);

  Dataset& out_;
  const ReadOptions& options_;
  std::unordered_set<std::string> known_;
};

// Opens a text file for streaming. Throws for a missing, unreadable, empty or binary file;
// the stream is left just after a UTF-8 byte-order mark when there is one.
std::ifstream open_text_file(const std::string& path);

// ASCII whitespace trimmed from both ends.
std::string trim(std::string_view text);
std::string lower_ascii(std::string_view text);

// label<delimiter>text records with RFC 4180 quoting and an optional header.
void read_delimited(const std::string& path, char delimiter, const ReadOptions& options, RowSink& sink);
// One JSON object per line.
void read_jsonl(const std::string& path, const ReadOptions& options, RowSink& sink);
// root/<label>/*.txt, one example per file.
void read_folder(const std::string& root, RowSink& sink);

}  // namespace fastformer::detail
