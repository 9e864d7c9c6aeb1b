// RunStore: the session's runs as a list model, and loadRun, which rebuilds a RunRecord
// from a run directory the trainer wrote (metrics.jsonl, best/ or last/config.json).
#include "train/run_store.h"

#include "fastformer/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>


namespace fastformer::ui {
namespace {

std::string str(const QString& s) { return s.toStdString(); }

QJsonObject readJsonObject(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) throw Error("cannot read the file", str(path));
  QJsonParseError error{};
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) {
    throw Error("not a JSON object: " + str(error.errorString()), str(path));
  }
  return doc.object();
}

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

std::vector<std::vector<std::int64_t>> toConfusion(const QJsonArray& rows) {
  std::vector<std::vector<std::int64_t>> confusion;
  for (const auto& row : rows) {
    std::vector<std::int64_t>& out = confusion.emplace_back();
    for (const auto& cell : row.toArray()) out.push_back(cell.toInteger());
  }
  return confusion;
}

void requireNumbers(const QJsonObject& line, std::initializer_list<const char*> keys, const std::string& where) {
  for (const char* key : keys) {
    if (!line.value(QLatin1String(key)).isDouble()) {
      throw Error(std::string("the ") + line.value(QLatin1String("type")).toString().toStdString() +
                      " line has no number \"" + key + "\"",
                  where);
    }
  }
}

// A resumed run may log again the steps after its last checkpoint: the later lines win.
void dropFrom(RunRecord& run, std::int64_t step) {
  while (!run.steps.empty() && run.steps.back().step >= step) run.steps.pop_back();
  while (!run.evals.empty() && run.evals.back().step >= step) run.evals.pop_back();
}

void readMetrics(const QString& path, RunRecord& run) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) throw Error("cannot read metrics.jsonl", str(path));
  int lineNumber = 0;
  while (!file.atEnd()) {
    const QByteArray text = file.readLine().trimmed();
    ++lineNumber;
    if (text.isEmpty()) continue;
    const std::string where = str(path) + ":" + std::to_string(lineNumber);
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
      throw Error("not a JSON object: " + str(error.errorString()), where);
    }
    const QJsonObject line = doc.object();
    const QString type = line.value(QLatin1String("type")).toString();
    if (type == QLatin1String("step")) {
      requireNumbers(line, {"step", "loss", "lr", "tokens_per_s", "elapsed_s"}, where);
      StepPoint point;
      point.step = line.value(QLatin1String("step")).toInteger();
      point.loss = line.value(QLatin1String("loss")).toDouble();
      point.lr = line.value(QLatin1String("lr")).toDouble();
      point.tokens_per_s = line.value(QLatin1String("tokens_per_s")).toDouble();
      point.wall_s = line.value(QLatin1String("elapsed_s")).toDouble();
      point.tokens_seen = point.tokens_per_s * point.wall_s;  // as the worker reports it live
      if (!run.steps.empty() && point.step <= run.steps.back().step) dropFrom(run, point.step);
      run.steps.push_back(point);
    } else if (type == QLatin1String("eval")) {
      requireNumbers(line, {"step"}, where);
      const QJsonObject metrics = line.value(QLatin1String("metrics")).toObject();
      if (!metrics.value(QLatin1String("accuracy")).isDouble()) {
        throw Error("the eval line has no metrics.accuracy", where);
      }
      EvalPoint point;
      point.step = line.value(QLatin1String("step")).toInteger();
      point.split = line.value(QLatin1String("split")).toString(QStringLiteral("valid"));
      point.loss = metrics.value(QLatin1String("loss")).toDouble();
      point.accuracy = metrics.value(QLatin1String("accuracy")).toDouble();
      point.macro_f1 = metrics.value(QLatin1String("macro_f1")).toDouble();
      point.confusion = toConfusion(metrics.value(QLatin1String("confusion")).toArray());
      if (!run.steps.empty()) {
        point.tokens_seen = run.steps.back().tokens_seen;
        point.wall_s = run.steps.back().wall_s;
      }
      if (run.labels.isEmpty()) {
        for (const auto& label : metrics.value(QLatin1String("labels")).toArray()) run.labels << label.toString();
      }
      run.evals.push_back(point);
    } else if (type == QLatin1String("diverged")) {
      run.message = line.value(QLatin1String("reason")).toString();
    } else if (type.isEmpty()) {
      throw Error("the line has no \"type\"", where);
    }  // other types are newer than this reader: skipped
  }
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
    Q_EMIT dataChanged(index(row), index(row));
  } else {
    const int end = rowCount();
    beginInsertRows({}, end, end);
    runs_.push_back(run);
    endInsertRows();
  }
  Q_EMIT runChanged(run.id);
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
  const QJsonObject config = readJsonObject(checkpoint + QStringLiteral("/config.json"));
  run.model = config.value(QLatin1String("model")).toObject();
  run.train = config.value(QLatin1String("train")).toObject();
  run.data = config.value(QLatin1String("data")).toString();
  for (const auto& label : config.value(QLatin1String("labels")).toArray()) run.labels << label.toString();
  run.parameters = countParameters(checkpoint + QStringLiteral("/model.safetensors"));
  const bool softmax = run.model.value(QLatin1String("attention")).toString() == QLatin1String("softmax");
  run.name = QStringLiteral("%1 · %2").arg(softmax ? QStringLiteral("Transformer") : QStringLiteral("Fastformer"),
                                           dir.dirName());
  readMetrics(metrics, run);
  run.total_steps = run.steps.empty() ? 0 : run.steps.back().step;  // what was trained, not what was planned
  return run;
}

}  // namespace fastformer::ui
