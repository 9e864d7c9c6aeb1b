// RunStore: the session's runs as a list model, and loadRun, which rebuilds a RunRecord
// from a run directory the trainer wrote, with the engine's readers of metrics.jsonl and of
// best/ or last/config.json.
#include "train/run_store.h"

#include "fastformer/checkpoint.h"
#include "fastformer/error.h"
#include "fastformer/metrics_log.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>


namespace fastformer::ui {
namespace {

std::string str(const QString& s) { return s.toStdString(); }

// Parameters counted from the safetensors header (shapes only; the weights are not read).
std::int64_t countParameters(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return 0;
  const QByteArray size = file.read(8);
  if (size.size() != 8) return 0;
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(size[i]);
  if (length > (100u << 20) || static_cast<qint64>(length) > file.size() - 8) return 0;
  const QJsonObject header = QJsonDocument::fromJson(file.read(static_cast<qint64>(length))).object();
  std::int64_t total = 0;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == QLatin1String("__metadata__")) continue;
    std::int64_t count = 1;
    for (const auto& dim : it.value().toObject().value(QLatin1String("shape")).toArray()) {
      count *= dim.toInteger();
    }
    total += count;
  }
  return total;
}

}  // namespace

RunStore::RunStore(QObject* parent) : QAbstractListModel(parent) {}

int RunStore::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

QVariant RunStore::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || index.row() >= rowCount()) return {};
  const RunRecord& run = runs_[static_cast<std::size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole: return QStringLiteral("%1 — %2").arg(run.name, toString(run.status));
    case Qt::ToolTipRole: return run.message.isEmpty() ? run.directory : run.directory + QLatin1Char('\n') + run.message;
    case IdRole: return run.id;
    default: return {};
  }
}

const RunRecord* RunStore::find(const QString& id) const {
  const int row = indexOf(id);
  return row < 0 ? nullptr : &runs_[static_cast<std::size_t>(row)];
}

int RunStore::indexOf(const QString& id) const {
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    if (runs_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

void RunStore::add(const RunRecord& run) {
  const int row = indexOf(run.id);
  if (row >= 0) {  // the same id again (e.g. a run directory loaded twice): replace it
    runs_[static_cast<std::size_t>(row)] = run;
    revisions_[static_cast<std::size_t>(row)] = nextRevision_++;
    Q_EMIT dataChanged(index(row), index(row));
  } else {
    const int end = rowCount();
    beginInsertRows({}, end, end);
    runs_.push_back(run);
    revisions_.push_back(nextRevision_++);
    endInsertRows();
  }
  Q_EMIT runChanged(run.id);
}

std::uint64_t RunStore::revision(const QString& id) const {
  const int row = indexOf(id);
  return row < 0 ? 0 : revisions_[static_cast<std::size_t>(row)];
}

void RunStore::appendStep(const QString& id, const StepPoint& point) {
  const int row = indexOf(id);
  if (row < 0) return;
  runs_[static_cast<std::size_t>(row)].steps.push_back(point);
  Q_EMIT runChanged(id);
}

void RunStore::appendEval(const QString& id, const EvalPoint& point) {
  const int row = indexOf(id);
  if (row < 0) return;
  runs_[static_cast<std::size_t>(row)].evals.push_back(point);
  Q_EMIT runChanged(id);
}

void RunStore::setStatus(const QString& id, RunStatus status, const QString& message) {
  const int row = indexOf(id);
  if (row < 0) return;
  RunRecord& run = runs_[static_cast<std::size_t>(row)];
  run.status = status;
  if (!message.isEmpty()) run.message = message;
  Q_EMIT dataChanged(index(row), index(row));
  Q_EMIT runChanged(id);
}

RunRecord RunStore::loadRun(const QString& directory) {
  const QFileInfo info(directory);
  if (!info.isDir()) throw Error("no such run directory", str(directory), "choose the --out directory of a training run");
  const QDir dir(info.absoluteFilePath());
  const QString metrics = dir.filePath(QStringLiteral("metrics.jsonl"));
  if (!QFileInfo(metrics).isFile()) {
    throw Error("not a run directory: it has no metrics.jsonl", str(dir.path()), "choose the --out directory of a training run");
  }
  QString checkpoint;
  for (const char* name : {"best", "last"}) {
    if (QFileInfo(dir.filePath(QLatin1String(name) + QStringLiteral("/config.json"))).isFile()) {
      checkpoint = dir.filePath(QLatin1String(name));
      break;
    }
  }
  if (checkpoint.isEmpty()) throw Error("the run has no best/config.json or last/config.json", str(dir.path()));

  RunRecord run;
  run.id = dir.canonicalPath();  // unique per directory; callers may rename it
  run.directory = dir.absolutePath();
  run.status = RunStatus::loaded;
  const CheckpointContents contents = read_checkpoint_config(str(checkpoint));
  run.model = contents.config;
  try {
    run.train = train_config_from_json(contents.extra.value("train", nlohmann::json::object()));
  } catch (const std::exception& e) {
    throw Error(std::string("its \"train\" settings: ") + e.what(), str(checkpoint + QStringLiteral("/config.json")));
  }
  const auto data = contents.extra.find("data");
  if (data != contents.extra.end() && data->is_string()) run.data = QString::fromStdString(data->get<std::string>());
  for (const auto& label : contents.labels) run.labels << QString::fromStdString(label);
  run.parameters = countParameters(checkpoint + QStringLiteral("/model.safetensors"));
  run.name = QStringLiteral("%1 · %2").arg(QString::fromStdString(model_name(run.model.attention)), dir.dirName());
  const MetricsLog log = read_metrics_log(str(metrics));
  for (const auto& step : log.steps) run.steps.push_back(toStepPoint(step));
  for (const auto& eval : log.evals) run.evals.push_back(toEvalPoint(eval));
  run.message = QString::fromStdString(log.failure);
  run.total_steps = run.steps.empty() ? 0 : run.steps.back().step;  // what was trained, not what was planned
  return run;
}

}  // namespace fastformer::ui
