// Every run of this session and the runs loaded from disk, as a list model for the run
// list dock. It holds the only copy of each run's points: the charts and the summary table
// read the records from here when runChanged() says a run changed.
#pragma once

#include "train/run_record.h"

#include <QAbstractListModel>

namespace fastformer::ui {

class RunStore : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { IdRole = Qt::UserRole + 1 };  // the run's id (QString)

  explicit RunStore(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  // Display: "name — status"; ToolTip: directory and message; IdRole: the id.
  QVariant data(const QModelIndex& index, int role) const override;

  const std::vector<RunRecord>& runs() const { return runs_; }
  const RunRecord* find(const QString& id) const;
  int indexOf(const QString& id) const;
  // Changes each time the run with this id is replaced by add(), never when points are
  // appended: a reader that drew the points of one revision only needs the new ones.
  std::uint64_t revision(const QString& id) const;

  void add(const RunRecord& run);  // a run with an id already here replaces it
  void appendStep(const QString& id, const StepPoint& point);
  void appendEval(const QString& id, const EvalPoint& point);
  void setStatus(const QString& id, RunStatus status, const QString& message = {});

  // Reads a run directory written by the trainer (metrics.jsonl and best/ or last/ config);
  // throws fastformer::Error with the file:line of a bad line. The record's id is the
  // directory's canonical path, its status `loaded`.
  static RunRecord loadRun(const QString& directory);

 Q_SIGNALS:
  void runChanged(const QString& id);  // added, replaced, points appended or status changed

 private:
  std::vector<RunRecord> runs_;
  std::vector<std::uint64_t> revisions_;  // parallel to runs_
  std::uint64_t nextRevision_ = 1;
};

}  // namespace fastformer::ui
