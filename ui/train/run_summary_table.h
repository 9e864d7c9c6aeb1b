// The run summary table: one row per run with its model, status, steps, best validation
// accuracy and macro-F1, test accuracy, time and parameter count, plus a column for every
// configuration value that differs between the runs (highlighted), so two runs on the
// same data are compared at a glance.
#pragma once

#include "train/run_record.h"

#include <QTableWidget>

namespace fastformer::ui {

class RunSummaryTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunSummaryTable(QWidget* parent = nullptr);
  void setRuns(const std::vector<RunRecord>& runs);
  // The Steps and Time cells of `run`'s row from its latest step (a live run, every step);
  // nothing when the table has no row for it.
  void updateProgress(const RunRecord& run);
  QString selectedRunId() const;  // empty when none
  QStringList differingKeys() const { return differing_; }

 Q_SIGNALS:
  void runSelected(const QString& id);

 private:
  QStringList ids_;
  QStringList differing_;
};

}  // namespace fastformer::ui
