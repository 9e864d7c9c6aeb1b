// read_dataset: picks the reader from the path (directory, extension) and holds what the
// readers share: the row sink with the bad-row policy, and opening a text file safely.
#include "fastformer/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fastformer/error.h"
#include "fastformer/utf8.h"
#include "data/readers.h"

namespace fs = std::filesystem;

namespace fastformer {
namespace detail {
namespace {

constexpr std::size_t kMaxProblems = 20;
constexpr std::size_t kBinaryProbe = 8192;  // looks_binary checks the first 8 KiB
constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// "a, b, c" for the first few known labels, so the hint stays one line.
std::string label_list(const std::vector<std::string>& labels) {
  std::string list;
  const std::size_t shown = std::min<std::size_t>(labels.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + labels[i];
  if (labels.size() > shown) list += ", ... (" + std::to_string(labels.size()) + " in all)";
  return list;
}

}  // namespace

RowSink::RowSink(Dataset& out, const ReadOptions& options) : out_(out), options_(options) {
  if (options_.known_labels) known_.insert(options_.known_labels->begin(), options_.known_labels->end());
}

void RowSink::add(std::string label, std::string text, const std::string& where) {
  ++out_.report.rows;
  std::int64_t* replaced = &out_.report.replaced_invalid_utf8;
  label = trim(repair_utf8(label, replaced));
  text = trim(repair_utf8(text, replaced));
  if (label.empty()) return bad(where, "empty label", "every row needs a label");
  if (text.empty()) return bad(where, "empty text", "every row needs some text besides whitespace");
  if (options_.known_labels && known_.count(label) == 0) {
    return bad(where, "unknown label \"" + label + "\"", "known labels: " + label_list(*options_.known_labels));
  }
  out_.examples.push_back(Example{std::move(text), std::move(label), where});
}

void RowSink::reject(const std::string& where, const std::string& problem, const std::string& hint) {
  ++out_.report.rows;
  bad(where, problem, hint);
}

void RowSink::bad(const std::string& where, const std::string& problem, const std::string& hint) {
  if (options_.on_bad_row == BadRowPolicy::fail) throw Error(problem, where, hint);
  ++out_.report.bad_rows;
  if (out_.report.problems.size() < kMaxProblems) out_.report.problems.push_back(where + ": " + problem);
}

void RowSink::finish(const std::string& path, const std::string& empty_hint) const {
  const ReadReport& report = out_.report;
  if (report.rows == 0) throw Error("is empty: no rows", path, empty_hint);
  if (out_.examples.empty()) {
    throw Error("no usable rows: all " + std::to_string(report.rows) + " rows are bad", path,
                "first problem: " + report.problems.front());
  }
}

std::ifstream open_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string reason = fs::exists(path) ? std::strerror(errno) : "no such file";
    throw Error("cannot open: " + reason, path, "check the path and its permissions");
  }
  std::string head(kBinaryProbe, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.empty()) throw Error("is empty", path, "a dataset file needs at least one row");
  if (looks_binary(head)) {
    throw Error("looks binary, not text", path, "expected a UTF-8 text file (UTF-16 files must be saved as UTF-8)");
  }
  in.clear();
  in.seekg(head.compare(0, kBom.size(), kBom) == 0 ? static_cast<std::streamoff>(kBom.size()) : 0);
  return in;
}

std::string trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace detail

Dataset read_dataset(const std::string& path, const ReadOptions& options) {
  static const std::string kSupported =
      "supported: .tsv, .txt (label<TAB>text), .csv (label,text), .jsonl, .ndjson, .json "
      "(one JSON object per line), or a directory with one subdirectory of .txt files per label";
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw Error("cannot open: no such file or directory", path, "check the path");

  Dataset out;
  detail::RowSink sink(out, options);
  std::string empty_hint;
  try {
    if (fs::is_directory(status)) {
      detail::read_folder(path, sink);
      empty_hint = "expected root/<label>/*.txt";
    } else {
      const std::string ext = detail::lower_ascii(fs::path(path).extension().string());
      if (ext == ".tsv" || ext == ".txt" || ext == ".csv") {
        detail::read_delimited(path, options.delimiter.value_or(ext == ".csv" ? ',' : '\t'), options, sink);
        empty_hint = "expected label<delimiter>text rows";
      } else if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") {
        detail::read_jsonl(path, options, sink);
        empty_hint = "expected one JSON object per line";
      } else {
        const std::string shown = ext.empty() ? "no extension" : "extension \"" + ext + "\"";
        throw Error("unknown dataset format (" + shown + ")", path, kSupported);
      }
    }
  } catch (const fs::filesystem_error& e) {
    throw Error("cannot read: " + e.code().message(), e.path1().empty() ? path : e.path1().string(),
                "check the permissions");
  }
  sink.finish(path, empty_hint);
  return out;
}

}  // namespace fastformer
