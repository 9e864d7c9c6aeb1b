// Every run of this session and the runs loaded from disk, as a list model for the run
// list dock; the charts and the summary table read the records from here.
#pragma once

#include "run_record.h"

#include <QAbstractListModel>

namespace fastformer::ui {

class RunStore : public QAbstractListModel {
  Q_OBJECT
 public:
  explicit RunStore(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;  // Display: "name — status"

  const std::vector<RunRecord>& runs() const { return runs_; }
  const RunRecord* find(const QString& id) const;
  int indexOf(const QString& id) const;

  void add(const RunRecord& run);
  void appendStep(const QString& id, const StepPoint& point);
  void appendEval(const QString& id, const EvalPoint& point);
  void setStatus(const QString& id, RunStatus status, const QString& message = {});

  // Reads a run directory written by the trainer (metrics.jsonl and best/ or last/ config);
  // throws fastformer::Error with the file:line of a bad line.
  static RunRecord loadRun(const QString& directory);

 signals:
  void runChanged(const QString& id);  // points, evaluations or status changed

 private:
  std::vector<RunRecord> runs_;
};

}  // namespace fastformer::ui
