// Sweep files: the JSON and CSV that `fastformer bench sweep` writes, read and written with
// the engine's own parsers (bench_point_from_json, parse_bench_csv, bench_json, bench_csv).
#include "scale/sweep_record.h"

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStringList>

#include <set>

namespace fastformer::ui {
namespace {

constexpr qint64 kMaxFileBytes = 64LL << 20;  // far above any sweep; refuses a wrong file early

[[noreturn]] void fail(const std::string& problem, const QString& path, const std::string& hint = {}) {
  throw Error(problem, path.toStdString(), hint);
}

// "LibTorch 1.13.1, 2 threads, OpenBLAS" from bench_json's "machine" object.
QString describeMachine(const nlohmann::json& m) {
  QStringList parts;
  if (m.contains("torch") && m["torch"].is_string())
    parts << "LibTorch " + QString::fromStdString(m["torch"].get<std::string>());
  if (m.contains("threads") && m["threads"].is_number_integer())
    parts << QString::number(m["threads"].get<int>()) + " threads";
  if (m.contains("blas") && m["blas"].is_string()) parts << QString::fromStdString(m["blas"].get<std::string>());
  return parts.join(QStringLiteral(", "));
}

void readJson(SweepRecord& sweep, const std::string& text, const QString& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail(std::string("not valid JSON: ") + e.what(), path);
  }
  if (!j.is_object() || !j.contains("points") || !j["points"].is_array()) {
    fail("not a benchmark sweep (no \"points\" list)", path, "open a file written by fastformer bench sweep --json");
  }
  for (const auto& point : j["points"]) sweep.points.push_back(bench_point_from_json(point));
  if (j.contains("config") && !j["config"].is_null()) sweep.config = bench_config_from_json(j["config"]);
  if (j.contains("machine") && j["machine"].is_object()) {
    sweep.machineJson = j["machine"].dump();
    sweep.machine = describeMachine(j["machine"]);
  }
}

}  // namespace

QString devicesOf(const std::vector<BenchPoint>& points) {
  std::set<std::string> devices;
  for (const auto& p : points) devices.insert(p.device);
  QStringList names;
  for (const auto& d : devices) names << QString::fromStdString(d);
  return names.join(QStringLiteral(" + "));
}

SweepRecord loadSweep(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) fail("cannot open the file: " + file.errorString().toStdString(), path);
  if (file.size() > kMaxFileBytes) fail("the file is too large for a benchmark sweep", path);
  const std::string text = file.readAll().toStdString();
  SweepRecord sweep;
  sweep.source = path;
  const auto first = text.find_first_not_of(" \t\r\n");
  try {
    if (first != std::string::npos && text[first] == '{')
      readJson(sweep, text, path);
    else
      sweep.points = parse_bench_csv(text);
  } catch (const Error& e) {
    if (e.where() == path.toStdString()) throw;
    // The engine's parsers say "bench CSV:3" or a config key: keep that, name the file.
    fail(e.problem() + (e.where().empty() ? "" : " (" + e.where() + ")"), path, e.hint());
  }
  if (sweep.points.empty()) fail("the file holds no benchmark points", path);
  sweep.label = QFileInfo(path).fileName() + QStringLiteral(", ") + devicesOf(sweep.points);
  return sweep;
}

void saveSweep(const SweepRecord& sweep, const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  std::string text;
  if (ext == QLatin1String("csv")) {
    text = bench_csv(sweep.points);
  } else if (ext == QLatin1String("json")) {
    nlohmann::json j;
    if (sweep.config) {
      j = bench_json(*sweep.config, sweep.points);
      if (!sweep.live)
        j["machine"] = sweep.machineJson.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(sweep.machineJson);
    } else {
      j["points"] = nlohmann::json::array();
      for (const auto& p : sweep.points) j["points"].push_back(to_json(p));
    }
    text = j.dump(2) + "\n";
  } else {
    fail("unknown sweep format '." + ext.toStdString() + "'", path, "use a file name ending in .json or .csv");
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), static_cast<qint64>(text.size())) < 0 ||
      !file.commit()) {
    fail("cannot write the file: " + file.errorString().toStdString(), path, "check the folder exists and is writable");
  }
}

}  // namespace fastformer::ui
