// JSON Lines reader: one {"text": ..., "label": ...} object per line, field names
// configurable; the label may be a string or an integer.
#include <cmath>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "fastformer/error.h"
#include "fastformer/utf8.h"
#include "data/readers.h"

namespace fastformer::detail {
namespace {

using nlohmann::json;

const std::string kOneObjectHint = "each line must be one complete JSON object";

// The label as a string: strings as they are, integers (and integral floats such as 3.0,
// which some exporters write) in decimal. Empty optional for anything else.
std::optional<std::string> label_string(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 9.0e15) {
      return std::to_string(static_cast<long long>(x));
    }
  }
  return std::nullopt;
}

}  // namespace

void read_jsonl(const std::string& path, const ReadOptions& options, RowSink& sink) {
  std::ifstream in = open_text_file(path);
  const std::string text_field = "\"" + options.text_name + "\"";
  const std::string label_field = "\"" + options.label_name + "\"";
  std::string line;
  std::int64_t line_number = 0;
  bool first_object = true;
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;  // blank lines are not rows
    const std::string where = path + ":" + std::to_string(line_number);
    if (first_object && trim(line).front() == '[') {
      throw Error("holds a JSON array; expected one JSON object per line (JSON Lines)", path,
                  "convert it, e.g. jq -c '.[]' in.json > out.jsonl");
    }
    first_object = false;
    // nlohmann::json rejects invalid UTF-8, so the line is repaired before parsing.
    const std::string valid = repair_utf8(line, sink.replaced_counter());
    json row;
    try {
      row = json::parse(valid);
    } catch (const json::parse_error& e) {
      sink.reject(where, "malformed JSON near byte " + std::to_string(e.byte), kOneObjectHint);
      continue;
    } catch (const json::out_of_range&) {  // parse() throws this for a number such as 1e999
      sink.reject(where, "a number is too large for JSON (beyond the range of a double)", kOneObjectHint);
      continue;
    }
    if (!row.is_object()) {
      sink.reject(where, std::string("not a JSON object (found ") + row.type_name() + ")", kOneObjectHint);
      continue;
    }
    const auto text = row.find(options.text_name);
    if (text == row.end() || text->is_null()) {
      sink.reject(where, "missing " + text_field + " field", "set the text field name if it is called otherwise");
      continue;
    }
    if (!text->is_string()) {
      sink.reject(where, text_field + " is not a string (found " + text->type_name() + ")");
      continue;
    }
    const auto label = row.find(options.label_name);
    if (label == row.end() || label->is_null()) {
      sink.reject(where, "missing " + label_field + " field", "set the label field name if it is called otherwise");
      continue;
    }
    std::optional<std::string> label_text = label_string(*label);
    if (!label_text) {
      sink.reject(where, label_field + " must be a string or an integer (found " + label->type_name() + ")");
      continue;
    }
    sink.add(std::move(*label_text), text->get<std::string>(), where);
  }
  if (in.bad()) throw Error("read error", path, "the file could not be read to the end");
}

}  // namespace fastformer::detail
