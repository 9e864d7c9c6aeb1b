// Benchmark results as CSV (one row per point, read back by column name) and JSON (config,
// machine, memory method, roofline and points), and the sweep settings as JSON.
#include "fastformer/bench.h"

#include "fastformer/error.h"
#include "fastformer/roofline.h"
#include "fastformer/runtime.h"

#include "io/json_fields.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace fastformer {
namespace {

// Whole numbers (counts of FLOPs and bytes) exactly; others to 9 significant digits.
std::string format_double(double v) {
  char text[40];
  if (v == std::floor(v) && std::fabs(v) < 1e18) {  // printed exactly, so it reads back the same
    std::snprintf(text, sizeof text, "%.0f", v);
  } else {
    std::snprintf(text, sizeof text, "%.9g", v);
  }
  return text;
}

struct Column {
  const char* name;
  std::function<std::string(const BenchPoint&)> get;
  std::function<void(BenchPoint&, const std::string&)> set;
};

Column column(const char* name, std::string BenchPoint::*m) {
  return {name, [m](const BenchPoint& p) { return p.*m; }, [m](BenchPoint& p, const std::string& s) { p.*m = s; }};
}
Column column(const char* name, std::int64_t BenchPoint::*m) {
  return {name, [m](const BenchPoint& p) { return std::to_string(p.*m); },
          [m](BenchPoint& p, const std::string& s) { p.*m = std::stoll(s); }};
}
Column column(const char* name, int BenchPoint::*m) {
  return {name, [m](const BenchPoint& p) { return std::to_string(p.*m); },
          [m](BenchPoint& p, const std::string& s) { p.*m = std::stoi(s); }};
}
// The kind by name; an unknown name throws fastformer::Error (given its place by the reader).
Column column(const char* name, BenchKind BenchPoint::*m) {
  return {name, [m](const BenchPoint& p) { return to_string(p.*m); },
          [m](BenchPoint& p, const std::string& s) { p.*m = parse_bench_kind(s, {}); }};
}
Column column(const char* name, double BenchPoint::*m) {
  return {name, [m](const BenchPoint& p) { return format_double(p.*m); },
          [m](BenchPoint& p, const std::string& s) { p.*m = std::stod(s); }};
}

// The CSV columns in order; the first five must be present when reading.
const std::vector<Column>& columns() {
  static const std::vector<Column> all{
      column("kind", &BenchPoint::kind),
      column("pass", &BenchPoint::pass),
      column("n", &BenchPoint::n),
      column("batch", &BenchPoint::batch),
      column("status", &BenchPoint::status),
      column("scope", &BenchPoint::scope),
      column("dtype", &BenchPoint::dtype),
      column("device", &BenchPoint::device),
      column("runs", &BenchPoint::runs),
      column("median_ms", &BenchPoint::median_ms),
      column("min_ms", &BenchPoint::min_ms),
      column("p10_ms", &BenchPoint::p10_ms),
      column("p90_ms", &BenchPoint::p90_ms),
      column("tokens_per_s", &BenchPoint::tokens_per_s),
      column("flops", &BenchPoint::flops),
      column("bytes", &BenchPoint::bytes),
      column("gflops", &BenchPoint::gflops),
      column("gbps", &BenchPoint::gbps),
      column("peak_bytes", &BenchPoint::peak_bytes),
      column("bytes_per_token", &BenchPoint::bytes_per_token),
      column("memory_method", &BenchPoint::memory_method),
      column("roofline_ms", &BenchPoint::roofline_ms),
      column("of_roofline", &BenchPoint::of_roofline),
  };
  return all;
}
constexpr std::size_t kRequiredColumns = 5;

constexpr const char* kConfig = "bench config";
const json_fields::EnumNames<BenchScope, 3> kScopeNames{
    {{"stack", BenchScope::stack}, {"layer", BenchScope::layer}, {"core", BenchScope::core}}};
const json_fields::EnumNames<BenchPass, 2> kPassNames{{{"forward", BenchPass::forward},
                                                       {"train-step", BenchPass::train_step}}};

// A JSON array of `T`, each element checked as the key's values.
template <typename T, typename Read>
std::vector<T> read_list(const nlohmann::json& value, const std::string& key, Read read) {
  json_fields::require(value.is_array(), kConfig, key, "expects a list, got " + value.dump());
  std::vector<T> out;
  for (const auto& item : value) out.push_back(read(item));
  return out;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream row(line);
  for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

}  // namespace

std::string bench_csv(const std::vector<BenchPoint>& points) {
  const auto& all = columns();
  std::string out;
  for (std::size_t i = 0; i < all.size(); ++i) out += (i > 0 ? "," : "") + std::string(all[i].name);
  out += '\n';
  for (const auto& p : points) {
    for (std::size_t i = 0; i < all.size(); ++i) out += (i > 0 ? "," : "") + all[i].get(p);
    out += '\n';
  }
  return out;
}

std::vector<BenchPoint> parse_bench_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  std::map<std::string, const Column*> by_name;
  for (const auto& c : columns()) by_name[c.name] = &c;
  std::vector<const Column*> reader;  // per field; null for a column this version does not know
  std::set<std::string> seen;
  for (const auto& name : header) {
    const auto found = by_name.find(name);
    reader.push_back(found == by_name.end() ? nullptr : found->second);
    seen.insert(name);
  }
  for (std::size_t i = 0; i < kRequiredColumns; ++i) {
    if (seen.count(columns()[i].name) == 0) {
      throw Error(std::string("not a benchmark CSV (no '") + columns()[i].name + "' column)", "bench CSV:1");
    }
  }
  std::vector<BenchPoint> points;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = split(line);
    const std::string where = "bench CSV:" + std::to_string(number);
    if (fields.size() != header.size()) {
      throw Error("expected " + std::to_string(header.size()) + " fields, found " + std::to_string(fields.size()), where);
    }
    BenchPoint p;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (reader[i] == nullptr) continue;
      try {
        reader[i]->set(p, fields[i]);
      } catch (const std::logic_error&) {  // std::stod and friends
        throw Error(std::string("'") + fields[i] + "' is not a number", where + " column " + header[i]);
      } catch (const Error& e) {  // a name that is not one of its column's names
        throw Error(e.problem(), where + " column " + header[i]);
      }
    }
    points.push_back(p);
  }
  return points;
}

nlohmann::json to_json(const BenchPoint& p) {
  return {{"kind", to_string(p.kind)},
          {"pass", p.pass},
          {"scope", p.scope},
          {"dtype", p.dtype},
          {"device", p.device},
          {"n", p.n},
          {"batch", p.batch},
          {"status", p.status},
          {"runs", p.runs},
          {"stable", p.stable},
          {"median_ms", p.median_ms},
          {"min_ms", p.min_ms},
          {"p10_ms", p.p10_ms},
          {"p90_ms", p.p90_ms},
          {"tokens_per_s", p.tokens_per_s},
          {"flops", p.flops},
          {"bytes", p.bytes},
          {"gflops", p.gflops},
          {"gbps", p.gbps},
          {"peak_bytes", p.peak_bytes},
          {"bytes_per_token", p.bytes_per_token},
          {"memory_method", p.memory_method},
          {"roofline_ms", p.roofline_ms},
          {"of_roofline", p.of_roofline}};
}

BenchPoint bench_point_from_json(const nlohmann::json& j) {
  BenchPoint p;
  try {
    p.kind = parse_bench_kind(j.at("kind").get<std::string>(), "bench point JSON");
    p.pass = j.at("pass").get<std::string>();
    p.n = j.at("n").get<std::int64_t>();
    p.batch = j.at("batch").get<std::int64_t>();
    p.status = j.at("status").get<std::string>();
    p.scope = j.value("scope", p.scope);
    p.dtype = j.value("dtype", p.dtype);
    p.device = j.value("device", p.device);
    p.runs = j.value("runs", 0);
    p.stable = j.value("stable", false);  // files from before it was recorded: not claimed
    p.median_ms = j.value("median_ms", 0.0);
    p.min_ms = j.value("min_ms", 0.0);
    p.p10_ms = j.value("p10_ms", 0.0);
    p.p90_ms = j.value("p90_ms", 0.0);
    p.tokens_per_s = j.value("tokens_per_s", 0.0);
    p.flops = j.value("flops", 0.0);
    p.bytes = j.value("bytes", 0.0);
    p.gflops = j.value("gflops", 0.0);
    p.gbps = j.value("gbps", 0.0);
    p.peak_bytes = j.value("peak_bytes", std::int64_t{0});
    p.bytes_per_token = j.value("bytes_per_token", 0.0);
    p.memory_method = j.value("memory_method", p.memory_method);
    p.roofline_ms = j.value("roofline_ms", 0.0);
    p.of_roofline = j.value("of_roofline", 0.0);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a benchmark point: ") + e.what(), "bench point JSON");
  }
  return p;
}

nlohmann::json to_json(const BenchConfig& b) {
  std::vector<std::string> kinds;
  for (const auto k : b.kinds) kinds.push_back(to_string(k));
  nlohmann::json out = {{"kinds", kinds},       {"lengths", b.lengths},
                        {"batch", b.batch},     {"tokens_per_batch", b.tokens_per_batch},
                        {"hidden", b.hidden},   {"heads", b.heads},
                        {"layers", b.layers},   {"scope", to_string(b.scope)},
                        {"dtype", b.dtype},     {"device", b.device},
                        {"pass", to_string(b.pass)}, {"warmup", b.warmup},
                        {"repeats", b.repeats}, {"stable_within", b.stable_within},
                        {"point_budget_s", b.point_budget_s}};
  // Written only when set, so that files of sweeps without one read as before.
  if (b.total_budget_s > 0) out["total_budget_s"] = b.total_budget_s;
  return out;
}

BenchConfig bench_config_from_json(const nlohmann::json& j) {
  using json_fields::get;
  if (!j.is_object()) throw Error("expected a JSON object, got " + j.dump(), kConfig);
  BenchConfig c;
  for (const auto& [key, value] : j.items()) {
    if (key == "kinds") {
      c.kinds = read_list<BenchKind>(value, key, [&](const nlohmann::json& v) {
        return json_fields::parse_enum(v, kConfig, key, bench_kind_names());
      });
    } else if (key == "lengths") {
      c.lengths = read_list<std::int64_t>(value, key, [&](const nlohmann::json& v) { return get<std::int64_t>(v, kConfig, key); });
    } else if (key == "batch") c.batch = get<std::int64_t>(value, kConfig, key);
    else if (key == "tokens_per_batch") c.tokens_per_batch = get<std::int64_t>(value, kConfig, key);
    else if (key == "hidden") c.hidden = get<std::int64_t>(value, kConfig, key);
    else if (key == "heads") c.heads = get<std::int64_t>(value, kConfig, key);
    else if (key == "layers") c.layers = get<std::int64_t>(value, kConfig, key);
    else if (key == "scope") c.scope = json_fields::parse_enum(value, kConfig, key, kScopeNames);
    else if (key == "dtype") c.dtype = get<std::string>(value, kConfig, key);
    else if (key == "device") c.device = get<std::string>(value, kConfig, key);
    else if (key == "pass") c.pass = json_fields::parse_enum(value, kConfig, key, kPassNames);
    else if (key == "warmup") c.warmup = get<int>(value, kConfig, key);
    else if (key == "repeats") c.repeats = get<int>(value, kConfig, key);
    else if (key == "stable_within") c.stable_within = get<double>(value, kConfig, key);
    else if (key == "point_budget_s") c.point_budget_s = get<double>(value, kConfig, key);
    else if (key == "total_budget_s") c.total_budget_s = get<double>(value, kConfig, key);
    else throw Error("unknown key '" + key + "'", kConfig, "valid keys: " + json_fields::key_list(to_json(BenchConfig{})) + ", total_budget_s");
  }
  validate(c, /*check_device=*/false);
  return c;
}

nlohmann::json bench_json(const BenchConfig& b, const std::vector<BenchPoint>& points, const Roofline* roofline) {
  const RuntimeInfo info = runtime_info();
  nlohmann::json out;
  out["config"] = to_json(b);
  out["machine"] = {{"version", info.version}, {"torch", info.torch_version}, {"threads", info.threads},
                    {"blas", info.blas}};
  // One method for the whole sweep when the points agree (points not run carry "none").
  std::set<std::string> methods;
  for (const auto& p : points) {
    if (p.status == "ok") methods.insert(p.memory_method);
  }
  out["memory_method"] = methods.empty() ? std::string(kMemoryNone) : methods.size() == 1 ? *methods.begin() : "mixed";
  out["roofline"] = roofline != nullptr ? to_json(*roofline) : nlohmann::json(nullptr);
  out["points"] = nlohmann::json::array();
  for (const auto& p : points) out["points"].push_back(to_json(p));
  return out;
}

}  // namespace fastformer
