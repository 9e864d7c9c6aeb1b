// metrics.jsonl lines written and read in one place, so that the trainer's writer and the
// readers (the Studio's "Open run…") cannot drift apart.
#include "fastformer/metrics_log.h"

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace fastformer {
namespace {

using json = nlohmann::json;

// Reads one line's fields, naming PATH:LINE and the field in every error.
class LineReader {
 public:
  LineReader(const json& line, std::string where) : line_(line), where_(std::move(where)) {}

  double number(const char* key) const {
    const auto it = line_.find(key);
    if (it == line_.end() || !it->is_number()) fail(std::string("has no number \"") + key + "\"");
    return it->get<double>();
  }
  std::int64_t integer(const char* key) const {
    const auto it = line_.find(key);
    if (it == line_.end() || !it->is_number_integer()) fail(std::string("has no integer \"") + key + "\"");
    return it->get<std::int64_t>();
  }
  // An optional number: `fallback` when absent, an error when present but not a number.
  double number_or(const char* key, double fallback) const {
    return line_.contains(key) ? number(key) : fallback;
  }
  const json& object(const char* key) const {
    const auto it = line_.find(key);
    if (it == line_.end() || !it->is_object()) fail(std::string("has no object \"") + key + "\"");
    return *it;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("the " + line_.value("type", std::string("?")) + " line " + what, where_);
  }
  const std::string& where() const { return where_; }

 private:
  const json& line_;
  std::string where_;
};

ClassificationMetrics metrics_from(const json& m, const LineReader& line, std::vector<std::string>& labels) {
  const LineReader r(m, line.where());
  ClassificationMetrics out;
  if (!m.contains("accuracy") || !m.at("accuracy").is_number()) line.fail("has no number \"metrics.accuracy\"");
  out.accuracy = m.at("accuracy").get<double>();
  out.loss = r.number_or("loss", 0.0);
  out.macro_f1 = r.number_or("macro_f1", 0.0);
  out.examples = m.contains("examples") ? r.integer("examples") : 0;
  try {
    if (m.contains("confusion")) out.confusion = m.at("confusion").get<std::vector<std::vector<std::int64_t>>>();
    if (labels.empty() && m.contains("labels")) labels = m.at("labels").get<std::vector<std::string>>();
  } catch (const json::exception&) {
    line.fail("has a malformed metrics.confusion or metrics.labels");
  }
  return out;
}

// A resumed run logs again the steps after its checkpoint: drop what they replace.
void drop_from(MetricsLog& log, std::int64_t step) {
  while (!log.steps.empty() && log.steps.back().step >= step) log.steps.pop_back();
  while (!log.evals.empty() && log.evals.back().step >= step) log.evals.pop_back();
}

// One non-blank line into `log`.
void read_line(const std::string& text, const std::string& where, MetricsLog& log) {
  const json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (line.is_discarded() || !line.is_object()) throw Error("not a JSON object", where, "the file may be truncated");
  if (!line.contains("type") || !line.at("type").is_string()) throw Error("the line has no \"type\"", where);
  const std::string type = line.at("type").get<std::string>();
  const LineReader r(line, where);
  if (type == "step") {
    StepReport s;
    s.step = r.integer("step");
    s.epoch = line.contains("epoch") ? r.integer("epoch") : 0;
    s.loss = r.number("loss");
    s.lr = r.number("lr");
    s.tokens_per_s = r.number("tokens_per_s");
    s.elapsed_s = r.number("elapsed_s");
    // Logs written before tokens_seen was recorded: the rate since start times the time
    // (exact for a run that was never resumed).
    s.tokens_seen = static_cast<std::int64_t>(r.number_or("tokens_seen", s.tokens_per_s * s.elapsed_s));
    if (!log.steps.empty() && s.step <= log.steps.back().step) drop_from(log, s.step);
    log.steps.push_back(s);
  } else if (type == "eval") {
    EvalReport e;
    e.step = r.integer("step");
    e.epoch = line.contains("epoch") ? r.integer("epoch") : 0;
    e.split = line.value("split", std::string("valid"));
    e.improved = line.value("improved", false);
    e.metrics = metrics_from(r.object("metrics"), r, log.labels);
    const StepReport* before = log.steps.empty() ? nullptr : &log.steps.back();
    e.elapsed_s = r.number_or("elapsed_s", before ? before->elapsed_s : 0.0);
    e.tokens_seen = static_cast<std::int64_t>(
        r.number_or("tokens_seen", before ? static_cast<double>(before->tokens_seen) : 0.0));
    log.evals.push_back(std::move(e));
  } else if (type == "diverged" || type == "lost_peer") {
    log.failure = line.value("reason", type);
  }  // other types are newer than this reader: skipped
}

}  // namespace

json log_line(const StepReport& r) {
  return {{"type", "step"}, {"step", r.step},  {"epoch", r.epoch},
          {"loss", r.loss}, {"lr", r.lr},      {"tokens_per_s", r.tokens_per_s},
          {"elapsed_s", r.elapsed_s}, {"tokens_seen", r.tokens_seen}};
}

json log_line(const EpochReport& r) {
  const double padding = r.token_slots > 0 ? 1.0 - static_cast<double>(r.real_tokens) / static_cast<double>(r.token_slots) : 0.0;
  return {{"type", "epoch"},          {"epoch", r.epoch},           {"batches", r.batches},
          {"real_tokens", r.real_tokens}, {"token_slots", r.token_slots}, {"padding", padding}};
}

json log_line(const EvalReport& r, const std::vector<std::string>& labels) {
  json line{{"type", "eval"},           {"split", r.split},         {"step", r.step},
            {"epoch", r.epoch},         {"elapsed_s", r.elapsed_s}, {"tokens_seen", r.tokens_seen},
            {"metrics", to_json(r.metrics, labels)}};
  if (r.split == "valid") line["improved"] = r.improved;
  return line;
}

MetricsLog read_metrics_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the metrics log", path.string(), "choose the --out directory of a training run");
  MetricsLog log;
  std::string text;
  for (std::int64_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path.string() + ":" + std::to_string(number);
    try {
      read_line(text, where, log);
    } catch (const json::exception& e) {  // a field of the wrong JSON type
      throw Error(std::string("malformed line: ") + e.what(), where);
    }
  }
  return log;
}

}  // namespace fastformer
