// Telling the kinds of paths apart by their content where the name is not enough.
#include "open_path.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace fastformer::ui {
namespace {

bool isCheckpoint(const QDir& dir) {
  return dir.exists("config.json") || dir.exists("best/config.json") || dir.exists("last/config.json");
}

// A saved sweep's JSON (fastformer bench sweep --json, File → Save sweep) or CSV.
bool isSweep(const QString& path, const QString& suffix) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return false;
  if (suffix == "csv") return file.readLine().startsWith("kind,pass,n,");
  const QJsonDocument json = QJsonDocument::fromJson(file.read(64 << 20));
  return json.isObject() && json.object().contains("points") && json.object().contains("config");
}

}  // namespace

OpenKind classifyOpenPath(const QString& path) {
  const QFileInfo info(path);
  if (!info.exists()) return OpenKind::missing;
  if (info.isDir()) {
    const QDir dir(path);
    if (dir.exists("metrics.jsonl")) return OpenKind::run;
    return isCheckpoint(dir) ? OpenKind::checkpoint : OpenKind::dataset;
  }
  const QString suffix = info.suffix().toLower();
  if ((suffix == "json" || suffix == "csv") && isSweep(path, suffix)) return OpenKind::sweep;
  if (suffix == "tsv" || suffix == "csv" || suffix == "jsonl") return OpenKind::dataset;
  return OpenKind::document;
}

}  // namespace fastformer::ui
