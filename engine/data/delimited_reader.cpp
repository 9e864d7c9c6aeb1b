// TSV/CSV reader: label<delimiter>text records with RFC 4180 quoting (a quoted field may
// hold delimiters, doubled quotes and newlines), an optional header, CRLF tolerated.
#include <algorithm>
#include <istream>
#include <string>
#include <vector>

#include "fastformer/error.h"
#include "data/readers.h"

namespace fastformer::detail {
namespace {

struct Record {
  std::vector<std::string> fields;
  std::int64_t line = 0;      // where the record starts (1-based)
  bool unterminated = false;  // a quote was still open at the end of the file
};

// Splits a stream into records one line at a time, so a large file is never held whole;
// only a quoted field that spans lines is gathered until its closing quote.
class RecordReader {
 public:
  RecordReader(std::istream& in, char delimiter) : in_(in), delimiter_(delimiter) {}

  // The next record, skipping empty lines between records; false at the end.
  bool next(Record& record) {
    std::string line;
    do {
      if (!read_line(line)) return false;
    } while (line.empty());
    record = Record{};
    record.line = line_;
    std::string field;
    bool in_quotes = false;
    bool field_start = true;
    for (;;) {
      for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (in_quotes) {
          if (c != '"') {
            field += c;
          } else if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';  // "" inside quotes is one literal quote
            ++i;
          } else {
            in_quotes = false;
          }
        } else if (c == delimiter_) {
          record.fields.push_back(std::move(field));
          field.clear();
          field_start = true;
          continue;
        } else if (c == '"' && field_start) {
          in_quotes = true;
        } else {
          field += c;  // a quote inside an unquoted field is literal, as in most TSV data
        }
        field_start = false;
      }
      if (!in_quotes) break;
      field += '\n';  // the quoted field goes on past the end of this line
      if (!read_line(line)) {
        record.unterminated = true;
        break;
      }
    }
    record.fields.push_back(std::move(field));
    return true;
  }

 private:
  bool read_line(std::string& line) {
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    return true;
  }

  std::istream& in_;
  char delimiter_;
  std::int64_t line_ = 0;
};

std::string delimiter_name(char delimiter) {
  if (delimiter == '\t') return "tab";
  return std::string("'") + delimiter + "'";
}

// Index of the field whose trimmed name equals `name`, ignoring ASCII case; -1 if none.
int find_column(const std::vector<std::string>& header, const std::string& name) {
  const std::string wanted = lower_ascii(trim(name));
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (lower_ascii(trim(header[i])) == wanted) return static_cast<int>(i);
  }
  return -1;
}

void check_options(char delimiter, const ReadOptions& options) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0') {
    throw Error("the delimiter cannot be a quote, a newline or NUL", "ReadOptions.delimiter",
                "use tab or comma, for example");
  }
  if (options.label_column < 0 || options.text_column < 0 || options.label_column == options.text_column) {
    throw Error("label_column and text_column must be two different columns, counted from 0",
                "ReadOptions.label_column/text_column",
                "got " + std::to_string(options.label_column) + " and " + std::to_string(options.text_column));
  }
}

}  // namespace

void read_delimited(const std::string& path, char delimiter, const ReadOptions& options, RowSink& sink) {
  check_options(delimiter, options);
  std::ifstream in = open_text_file(path);
  RecordReader reader(in, delimiter);
  int label_column = options.label_column;
  int text_column = options.text_column;
  bool header_seen = false;
  Record record;
  bool first = true;
  while (reader.next(record)) {
    const std::string where = path + ":" + std::to_string(record.line);
    if (first && options.header != HeaderPolicy::no) {
      first = false;
      const int label_at = find_column(record.fields, options.label_name);
      const int text_at = find_column(record.fields, options.text_name);
      const bool named = label_at >= 0 && text_at >= 0 && label_at != text_at;
      if (named) {
        label_column = label_at;
        text_column = text_at;
      }
      header_seen = named || options.header == HeaderPolicy::yes;
      if (header_seen) continue;
    }
    first = false;
    if (record.unterminated) {
      sink.reject(where, "unterminated quoted field: the quote opened in this record is never closed",
                  "close the quote, and write a quote inside a quoted field as \"\"");
      continue;
    }
    const int needed = std::max(label_column, text_column) + 1;
    if (static_cast<int>(record.fields.size()) < needed) {
      sink.reject(where,
                  "too few columns: found " + std::to_string(record.fields.size()) + ", need " +
                      std::to_string(needed),
                  "expected label" + std::string(delimiter == '\t' ? "<TAB>" : std::string(1, delimiter)) +
                      "text with " + delimiter_name(delimiter) + " between the columns");
      continue;
    }
    sink.add(std::move(record.fields[label_column]), std::move(record.fields[text_column]), where);
  }
  if (in.bad()) throw Error("read error", path, "the file could not be read to the end");
  if (header_seen && sink.rows() == 0) throw Error("has a header but no rows", path, "add rows below the header");
}

}  // namespace fastformer::detail
