// Dataset reading options on the command line.
#include "data_options.h"

namespace fastformer::cli {

ReadOptions DataOptions::to_read_options() const {
  ReadOptions r;
  r.on_bad_row = on_bad_row == "fail" ? BadRowPolicy::fail : BadRowPolicy::skip;
  r.text_name = text_field;
  r.label_name = label_field;
  r.label_column = label_column;
  r.text_column = text_column;
  r.header = header == "yes" ? HeaderPolicy::yes : (header == "no" ? HeaderPolicy::no : HeaderPolicy::detect);
  return r;
}

void add_data_options(CLI::App& cmd, DataOptions& o) {
  cmd.add_option("--on-bad-row", o.on_bad_row, "skip (count and report) or fail at the first bad row")
      ->check(CLI::IsMember({"skip", "fail"}))
      ->capture_default_str();
  cmd.add_option("--text-field", o.text_field, "JSONL field / CSV header name of the text")->capture_default_str();
  cmd.add_option("--label-field", o.label_field, "JSONL field / CSV header name of the label")->capture_default_str();
  cmd.add_option("--label-column", o.label_column, "TSV/CSV label column (0-based, without a header)")
      ->capture_default_str();
  cmd.add_option("--text-column", o.text_column, "TSV/CSV text column (0-based, without a header)")
      ->capture_default_str();
  cmd.add_option("--header", o.header, "TSV/CSV header row: detect, yes or no")
      ->check(CLI::IsMember({"detect", "yes", "no"}))
      ->capture_default_str();
}

}  // namespace fastformer::cli
